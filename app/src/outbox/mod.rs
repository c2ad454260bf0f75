//! The outbox: messages to people decided from the log and sent
//! (docs/decisions/0008-outbox.md).
//!
//! - [`decide`]: what each fact tells whom (the kinds of message an event decides, their
//!   data and audience), pure;
//! - [`MessagesManager`]: the process manager that queues them, one stream per message with
//!   an id derived from kind, fact and recipient, and queues the clock-driven ones when they
//!   fall due;
//! - [`Sender`]: sends the due messages through the channels (e-mail, webhooks), records
//!   every attempt, retries with back-off and jitter, dead-letters after the last try;
//! - [`webhooks`]: registering an endpoint and replaying a dead letter;
//! - [`links`]: the port that makes an account message's link when it is sent.

pub mod decide;
pub mod links;
mod manager;
mod sender;
pub mod webhooks;

pub use links::{AccountLink, LinkError, LinkSigner};
pub use manager::MessagesManager;
pub use sender::{Channels, Delivery, Sender, SenderHandle, SenderOptions};
