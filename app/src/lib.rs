//! The application layer: one place runs commands (load, decide, append, retry).
