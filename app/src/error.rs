//! What running a command can end in besides success.

use store::StoreError;

/// The outcome of a command that did not take effect.
///
/// `Rejected` is the domain saying no (a 422 at the HTTP edge); the others
/// are not the caller's fault except `NotFound`.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E> {
    /// The aggregate refused the command: a business rule.
    #[error("rejected: {0}")]
    Rejected(E),
    /// The stream kept changing under us: retries were exhausted.
    #[error("the command conflicted with concurrent changes {attempts} times")]
    Conflict { attempts: u32 },
    /// The thing the command is about does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The caller may not act on the thing the command is about (it is
    /// someone else's): decided on the state the command was decided on.
    #[error("{0} is not yours")]
    NotYours(String),
    /// A stored event could not be read back (a bug or a foreign write).
    #[error("stored events of {stream} cannot be read: {reason}")]
    Corrupt { stream: String, reason: String },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<E> CommandError<E> {
    /// Keeps the infrastructure errors and maps the rejection.
    pub fn map_rejection<F>(self, f: impl FnOnce(E) -> F) -> CommandError<F> {
        match self {
            CommandError::Rejected(e) => CommandError::Rejected(f(e)),
            CommandError::Conflict { attempts } => CommandError::Conflict { attempts },
            CommandError::NotFound(what) => CommandError::NotFound(what),
            CommandError::NotYours(what) => CommandError::NotYours(what),
            CommandError::Corrupt { stream, reason } => CommandError::Corrupt { stream, reason },
            CommandError::Store(e) => CommandError::Store(e),
        }
    }
}
