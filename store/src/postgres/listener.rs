//! Live delivery across processes: a connection that LISTENs on the schema's channel and
//! publishes each announced head position to this process's subscriptions.
//!
//! Every writer (in any process) calls `pg_notify(channel, head)` inside its batch
//! transaction; PostgreSQL delivers it only after the commit, in commit order. Because
//! positions are assigned in commit order (see `writer`), "head is p" means every event up to
//! `p` is readable. Notifications are only a wake-up: subscriptions read the events from the
//! table, and after a reconnection the head is read again, so a missed notification delays
//! nothing for longer than the reconnection.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_postgres::{AsyncMessage, NoTls};

use super::connect::Target;
use super::errors::store_error;
use super::reader::to_u64;
use crate::error::StoreError;
use crate::event::Position;
use crate::subscription::advance_head;

/// Listens until the task is aborted, reconnecting (with growing pauses) when the connection
/// is lost.
pub(crate) async fn run(target: Target, head: Arc<watch::Sender<Position>>) {
    let mut pause = Duration::from_millis(100);
    loop {
        if listen(&target, &head).await.is_ok() {
            pause = Duration::from_millis(100);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// One listening connection, until it ends.
async fn listen(target: &Target, head: &watch::Sender<Position>) -> Result<(), StoreError> {
    let (client, mut connection) = target.config.connect(NoTls).await.map_err(store_error)?;
    let (ended_tx, ended) = tokio::sync::oneshot::channel::<()>();
    let announce = {
        let head = head.clone();
        move |position: Position| advance_head(&head, position)
    };
    tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(notification)) => {
                    if let Ok(position) = notification.payload().parse::<u64>() {
                        announce(Position(position));
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let _ = ended_tx.send(());
    });
    client
        .batch_execute(&format!("LISTEN \"{}\"", target.channel()))
        .await
        .map_err(store_error)?;
    // Commits announced before LISTEN took effect are caught by reading the head once.
    let row = client
        .query_one("SELECT coalesce(max(position), 0) FROM events", &[])
        .await
        .map_err(store_error)?;
    advance_head(head, Position(to_u64(row.get(0))));
    let _ = ended.await;
    Ok(())
}
