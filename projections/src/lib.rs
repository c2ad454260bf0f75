//! Read models and the runner that feeds them from the one log.
