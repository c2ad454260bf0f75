//! The one loop that follows the log: lead (when asked to), open the sink at its checkpoint,
//! read batches and hand them over, pause after a failure, stop when asked.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::lead::{lead, Held};
use super::reader::{Batch, Reader, Source};
use super::{Backoff, Shutdown, Stopper};
use crate::Leadership;

/// What a consumer does with the log, one batch at a time; its checkpoints are its own.
///
/// Projections implement it directly (a batch is applied and committed with its checkpoint);
/// process managers react per event through an adapter ([`crate::process::ProcessRunner`]).
#[async_trait]
pub trait Sink: Send + 'static {
    /// Gets ready to follow and tells where to: the events after the returned position come
    /// next. Called when following starts, after a pause, after the lead is won again and
    /// after a [`Step::Restart`]; an error is reported with [`failed`](Self::failed) and
    /// retried after a pause.
    async fn open(&mut self) -> Result<store::Position, String>;

    /// Handles a batch of consecutive events (ascending positions, none missing).
    /// `shutdown` lets a long retry inside give up when stopping is asked. Under a
    /// leadership the step is dropped where it stands when the lease is lost (then the sink
    /// is closed with [`Ended::LostLead`]), so it must be safe to stop anywhere, as after a
    /// crash.
    async fn handle(&mut self, batch: Batch, shutdown: &mut Shutdown) -> Step;

    /// Something failed outside [`handle`](Self::handle) (reading the log, opening): the
    /// consumer pauses, then opens again.
    async fn failed(&mut self, error: String);

    /// How long the log may stay quiet before [`quiet`](Self::quiet) is called (`None`: it
    /// is never called, e.g. nothing waits to be saved).
    fn quiet_after(&self) -> Option<Duration> {
        None
    }

    /// The log was quiet for [`quiet_after`](Self::quiet_after).
    async fn quiet(&mut self) {}

    /// What [`wake`](Self::wake) brings: work of the sink's own beside the log (a commit
    /// landing, a request to rebuild). `Infallible` for a sink without any.
    type Wake: Send + 'static;

    /// Waits for work of the sink's own; never resolves by default. Must be cancel-safe
    /// (the consumer drops it whenever something else comes first), so it only waits: the
    /// work is done by [`work`](Self::work).
    async fn wake(&mut self) -> Self::Wake {
        std::future::pending().await
    }

    /// Does what [`wake`](Self::wake) brought and tells what follows.
    async fn work(&mut self, wake: Self::Wake) -> Step {
        let _ = wake;
        Step::Continue
    }

    /// Following ended: stopped (save what is done) or the lead lost (save nothing: the
    /// new leader may be ahead; open again from the stored checkpoints).
    async fn close(&mut self, ended: Ended);
}

/// What follows a step of a [`Sink`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Go on reading.
    Continue,
    /// Read again from where [`Sink::open`] says (e.g. a projection was reset).
    Restart,
    /// Something failed (the sink has recorded what): pause, then open again.
    Pause,
    /// Stop following (stopping was asked during the step, or the sink cannot go on).
    Stop,
}

/// Why following the log ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Stopping was asked (or the sink cannot go on).
    Stopped,
    /// The lease was lost: another process may lead now.
    LostLead,
}

/// Where a consumer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Waiting for the lease before following (several processes on one log).
    WaitingToLead,
    /// Reading the log and handing it to the sink.
    Following,
    /// Paused after a failure; it opens the sink again after the pause.
    Paused,
    /// Stopped for good.
    Stopped,
}

/// Follows the log with a [`Sink`]. Build it, then [`spawn`](Self::spawn) it.
pub struct Consumer<S: Sink> {
    name: &'static str,
    source: Source,
    sink: S,
    leadership: Option<Arc<dyn Leadership>>,
    backoff: Backoff,
}

/// Pauses after a failure unless configured: from 20 ms, doubling up to 5 s.
pub const DEFAULT_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(20), Duration::from_secs(5));

impl<S: Sink> Consumer<S> {
    /// A consumer named `name` (in logs) reading `source` into `sink`.
    pub fn new(name: &'static str, source: Source, sink: S) -> Self {
        Consumer {
            name,
            source,
            sink,
            leadership: None,
            backoff: Backoff::exponential(DEFAULT_BACKOFF.0, DEFAULT_BACKOFF.1),
        }
    }

    /// Follows only while this process leads (several processes on one log). Losing the lead
    /// closes the sink without saving; it opens again from the stored checkpoints once this
    /// process leads again.
    pub fn with_leadership(mut self, leadership: Option<Arc<dyn Leadership>>) -> Self {
        self.leadership = leadership;
        self
    }

    /// Pauses after a failure with `backoff`.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Starts following on a tokio task.
    pub fn spawn(self) -> Running {
        let (stopper, shutdown) = Stopper::new();
        let (state_tx, state) = watch::channel(if self.leadership.is_some() {
            RunState::WaitingToLead
        } else {
            RunState::Following
        });
        let task = tokio::spawn(self.run(shutdown, state_tx));
        Running {
            stopper,
            state,
            task,
        }
    }

    async fn run(mut self, mut shutdown: Shutdown, state: watch::Sender<RunState>) {
        loop {
            if self.leadership.is_some() {
                state.send_replace(RunState::WaitingToLead);
            }
            let backoff = self.backoff.clone();
            let held = lead(self.leadership.as_ref(), self.name, &mut shutdown, backoff).await;
            let Some(mut held) = held else {
                break;
            };
            let ended = self.follow(&mut shutdown, &mut held, &state).await;
            self.sink.close(ended).await;
            match ended {
                Ended::Stopped => break,
                Ended::LostLead => {
                    tracing::warn!("{} lost the lead; waiting to lead again", self.name);
                }
            }
        }
        state.send_replace(RunState::Stopped);
    }

    /// Follows until stopped or the lead is lost.
    async fn follow(
        &mut self,
        shutdown: &mut Shutdown,
        held: &mut Held,
        state: &watch::Sender<RunState>,
    ) -> Ended {
        let mut backoff = self.backoff.clone();
        let mut phase = Phase::Open;
        loop {
            let step = match &mut phase {
                Phase::Open => match self.sink.open().await {
                    Ok(after) => {
                        state.send_replace(RunState::Following);
                        phase = Phase::Reading(Reader::start(self.source.clone(), after));
                        continue;
                    }
                    Err(error) => {
                        self.sink.failed(error).await;
                        Step::Pause
                    }
                },
                Phase::Reading(reader) => {
                    let quiet = self.sink.quiet_after();
                    tokio::select! {
                        biased;
                        () = shutdown.recv() => return Ended::Stopped,
                        () = held.lost() => return Ended::LostLead,
                        wake = self.sink.wake() => self.sink.work(wake).await,
                        read = next(reader, quiet) => match read {
                            Read::Quiet => {
                                self.sink.quiet().await;
                                Step::Continue
                            }
                            Read::Batch(batch) => {
                                backoff.reset();
                                // A lease lost mid-batch stops the sink at once, before the
                                // process that takes it over acts: what was under way is
                                // left as a crash would leave it, for the next leader.
                                tokio::select! {
                                    biased;
                                    () = held.lost() => return Ended::LostLead,
                                    step = self.sink.handle(batch, shutdown) => step,
                                }
                            }
                            Read::Failed(error) => {
                                self.sink.failed(error).await;
                                Step::Pause
                            }
                        },
                    }
                }
                Phase::Paused(until) => {
                    let until = *until;
                    tokio::select! {
                        biased;
                        () = shutdown.recv() => return Ended::Stopped,
                        () = held.lost() => return Ended::LostLead,
                        wake = self.sink.wake() => self.sink.work(wake).await,
                        () = tokio::time::sleep_until(until) => Step::Restart,
                    }
                }
            };
            match step {
                Step::Continue => {}
                Step::Restart => phase = Phase::Open,
                Step::Pause => {
                    state.send_replace(RunState::Paused);
                    phase = Phase::Paused(Instant::now() + backoff.next_pause());
                }
                Step::Stop => return Ended::Stopped,
            }
        }
    }
}

/// The phase of following.
enum Phase {
    /// The sink is to be opened and a reader started.
    Open,
    /// A reader is reading ahead.
    Reading(Reader),
    /// After a failure, until the pause is over.
    Paused(Instant),
}

/// What reading brought.
enum Read {
    Batch(Batch),
    /// Nothing for the sink's quiet time.
    Quiet,
    Failed(String),
}

async fn next(reader: &mut Reader, quiet: Option<Duration>) -> Read {
    let read = match quiet {
        Some(quiet) => match tokio::time::timeout(quiet, reader.next()).await {
            Ok(read) => read,
            Err(_) => return Read::Quiet,
        },
        None => reader.next().await,
    };
    match read {
        Some(Ok(batch)) => Read::Batch(batch),
        Some(Err(error)) => Read::Failed(error.to_string()),
        None => Read::Failed("the log reader stopped".to_owned()),
    }
}

/// A consumer running on its task. Dropping it asks the consumer to stop.
#[derive(Debug)]
pub struct Running {
    stopper: Stopper,
    state: watch::Receiver<RunState>,
    task: JoinHandle<()>,
}

/// The consumer's task ended abnormally (it panicked or was cancelled).
#[derive(Debug, thiserror::Error)]
#[error("the log consumer failed: {0}")]
pub struct StopError(#[from] tokio::task::JoinError);

impl Running {
    /// Where the consumer stands.
    pub fn state(&self) -> RunState {
        *self.state.borrow()
    }

    /// Asks the consumer to stop and waits until it has closed its sink.
    pub async fn stop(self) -> Result<(), StopError> {
        let Running { stopper, task, .. } = self;
        stopper.stop();
        task.await?;
        Ok(())
    }
}
