//! A simulated clock's advances, recorded in the log so that a restart with the same start
//! date puts the clock back where it stood.
//!
//! Each advance appends a `SimulatedClockAdvanced` event, naming the day the clock was
//! started on and where it moved to, to the [`CLOCK_STREAM`] stream (no aggregate owns
//! it: projections and process managers pass over it). On start, [`restore`] moves a
//! simulated clock to the last advance recorded for its start date. A log whose simulated
//! clock was started on another date is refused rather than mixed: its events are dated in
//! that clock's time. The real clock is neither recorded nor restored.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use store::{EventStore, ExpectedVersion, Metadata, NewEvent, Payload, StoreError, StreamId};

use crate::clock::{Clock, ClockError};

/// The stream holding a simulated clock's advances.
pub const CLOCK_STREAM: &str = "clock";

/// What the clock stream records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum ClockEvent {
    /// A simulated clock started on `started_on` was moved forward to `to`, by `days`
    /// whole days and `minutes` more (events recorded before minutes existed have none).
    #[serde(rename = "SimulatedClockAdvanced")]
    Advanced {
        started_on: NaiveDate,
        days: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        minutes: u32,
        to: DateTime<Utc>,
    },
}

/// Why an advance was not made.
#[derive(Debug, thiserror::Error)]
pub enum AdvanceError {
    #[error(transparent)]
    Refused(#[from] ClockError),
    #[error("the advance could not be recorded: {0}")]
    Store(#[from] StoreError),
}

/// Why a simulated clock could not be put back where the log says it stood.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(
        "the log's simulated clock was started on {log_started_on} (it stands at {log_at}); \
         start with --clock sim:{log_started_on} to continue it, or use another data folder"
    )]
    OtherStart {
        log_started_on: NaiveDate,
        log_at: DateTime<Utc>,
    },
    #[error("the clock stream holds an unreadable event at position {position}: {reason}")]
    Corrupt { position: u64, reason: String },
    #[error("the clock stream could not be read: {0}")]
    Store(#[from] StoreError),
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Moves a simulated clock forward by `minutes` and records the advance in the log; the clock
/// moves only once the advance is stored. Concurrent advances are recorded in the order
/// they apply.
pub async fn advance(
    store: &dyn EventStore,
    clock: &Clock,
    minutes: u32,
    metadata: &Metadata,
) -> Result<DateTime<Utc>, AdvanceError> {
    let Clock::Simulated(sim) = clock else {
        return Err(ClockError::NotSimulated.into());
    };
    let _recording = sim.recording.lock().await;
    let to = clock.advanced_by(minutes)?;
    let started_on = clock.started_on().ok_or(ClockError::NotSimulated)?;
    let event = ClockEvent::Advanced {
        started_on,
        days: minutes / crate::clock::MINUTES_PER_DAY,
        minutes: minutes % crate::clock::MINUTES_PER_DAY,
        to,
    };
    let new = NewEvent::new("SimulatedClockAdvanced", Payload::from_value(&event)?).with_metadata(
        Metadata {
            occurred_at: Some(clock.now()),
            ..metadata.clone()
        },
    );
    store
        .append(&clock_stream()?, ExpectedVersion::Any, vec![new])
        .await?;
    clock.move_to(to);
    Ok(to)
}

/// Puts a simulated clock where the log's last advance for its start date left it
/// (`None`: nothing recorded, or the real clock).
pub async fn restore(
    store: &dyn EventStore,
    clock: &Clock,
) -> Result<Option<DateTime<Utc>>, RestoreError> {
    let Some(started_on) = clock.started_on() else {
        return Ok(None);
    };
    const PAGE: usize = 1024;
    let stream = clock_stream()?;
    let mut last = None;
    let mut other = None;
    let mut from = 0;
    loop {
        let page = store.read_stream(&stream, from, PAGE).await?;
        for record in &page {
            let ClockEvent::Advanced {
                started_on: logged,
                to,
                ..
            } = record
                .payload
                .parse::<ClockEvent>()
                .map_err(|e| RestoreError::Corrupt {
                    position: record.position.0,
                    reason: e.to_string(),
                })?;
            if logged == started_on {
                last = Some(to);
            } else {
                other = Some((logged, to));
            }
        }
        if page.len() < PAGE {
            break;
        }
        from += PAGE as u64;
    }
    if let Some((log_started_on, log_at)) = other {
        return Err(RestoreError::OtherStart {
            log_started_on,
            log_at,
        });
    }
    if let Some(to) = last {
        clock.move_to(to);
    }
    Ok(last)
}

fn clock_stream() -> Result<StreamId, StoreError> {
    StreamId::parse(CLOCK_STREAM)
}
