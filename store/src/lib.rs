//! The event store port and its backends (filled by the store issue).
