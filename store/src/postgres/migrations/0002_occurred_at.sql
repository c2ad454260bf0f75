-- The otd event log, PostgreSQL migration 2: each event's business time (the business clock,
-- which may be simulated), written by the application; NULL for events written before it
-- (their business time is their recorded_at).
ALTER TABLE events ADD COLUMN occurred_at timestamptz;
