//! Cross-crate scenarios and properties live in this crate's `tests/` folder.
