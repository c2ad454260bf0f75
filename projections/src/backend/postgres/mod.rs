//! Read models in PostgreSQL (to be written).
