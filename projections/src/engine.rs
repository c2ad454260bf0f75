//! Applying batches of events to every projection and committing them: the blocking core of
//! the runner, usable on its own (tests, tools).

use std::sync::Arc;

use app::consume::{Decoding, LogEvent};
use store::{Position, RecordedEvent};

use crate::backend::{DocWrite, ProjectionCommit, ReadModelStore};
use crate::docs::{DocCache, Docs};
use crate::error::{ProjectionError, ReadModelError};
use crate::projection::{Envelope, Projection};

/// Where one projection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionStatus {
    /// Its name.
    pub name: &'static str,
    /// The last position committed.
    pub checkpoint: Position,
    /// Why it stopped, if it did. It stays at its last commit before the event that stopped
    /// it (what it had applied since is dropped) until it is rebuilt or the runner restarts
    /// with a build that can read the event.
    pub failure: Option<ProjectionError>,
}

struct Slot {
    projection: Arc<dyn Projection>,
    /// The last position committed.
    checkpoint: Position,
    /// The last position handed to the store (committed, or being committed).
    committing: Position,
    /// The last position applied to the cache (committed or not).
    staged: Position,
    cache: DocCache,
    failure: Option<ProjectionError>,
}

impl Slot {
    fn new(projection: Arc<dyn Projection>, checkpoint: Position, complete: bool) -> Self {
        Slot {
            projection,
            checkpoint,
            committing: checkpoint,
            staged: checkpoint,
            cache: DocCache::new(complete),
            failure: None,
        }
    }

    /// Stops the projection: what it staged is dropped, it stays at its checkpoint.
    fn fail(&mut self, error: ProjectionError) {
        self.failure = Some(error);
        self.forget();
    }

    /// Drops what was staged and the cache (which may hold uncommitted changes).
    fn forget(&mut self) {
        self.cache = DocCache::new(false);
        self.staged = self.checkpoint;
        self.committing = self.checkpoint;
    }
}

/// A commit taken from the engine, to be stored (possibly on another thread).
#[derive(Debug, Default)]
pub struct PendingCommit {
    commits: Vec<ProjectionCommit>,
    /// The slots it moves, and to where.
    slots: Vec<(usize, Position)>,
}

impl PendingCommit {
    /// What to store, in one transaction.
    pub fn commits(&self) -> &[ProjectionCommit] {
        &self.commits
    }
}

/// Applies events to a set of projections and commits each batch, documents and checkpoints
/// together, in one transaction. Blocking: run it on a blocking thread.
///
/// Events at or below a projection's checkpoint are skipped for it, so a batch delivered
/// again (after a crash before its commit, or by an overlapping reader) changes nothing.
pub struct Engine {
    store: Arc<dyn ReadModelStore>,
    slots: Vec<Slot>,
    cache_limit: usize,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("projections", &self.status())
            .finish()
    }
}

impl Engine {
    /// Loads the checkpoints of `projections`; a projection never run, or whose stored
    /// version differs from its [`version`](Projection::version), is reset to be rebuilt.
    ///
    /// `cache_limit` bounds the documents kept in memory between batches per projection.
    pub fn open(
        store: Arc<dyn ReadModelStore>,
        projections: Vec<Arc<dyn Projection>>,
        cache_limit: usize,
    ) -> Result<Self, ReadModelError> {
        let checkpoints = store.checkpoints()?;
        let mut slots = Vec::with_capacity(projections.len());
        for projection in projections {
            let stored = checkpoints.get(projection.name());
            let slot = match stored {
                Some(c) if c.version == projection.version() && c.position > Position::START => {
                    Slot::new(projection, c.position, false)
                }
                _ => {
                    store.reset(
                        projection.name(),
                        projection.version(),
                        projection.collections(),
                    )?;
                    Slot::new(projection, Position::START, true)
                }
            };
            slots.push(slot);
        }
        Ok(Engine {
            store,
            slots,
            cache_limit,
        })
    }

    /// Where reading the log must resume: the lowest position applied by the projections
    /// still running (the highest checkpoint when every projection has stopped).
    pub fn resume_after(&self) -> Position {
        let running = self.slots.iter().filter(|s| s.failure.is_none());
        running
            .map(|s| s.staged)
            .min()
            .or_else(|| self.slots.iter().map(|s| s.checkpoint).max())
            .unwrap_or(Position::START)
    }

    /// Whether anything applied is not handed to the store yet.
    pub fn has_staged(&self) -> bool {
        self.slots
            .iter()
            .any(|s| s.failure.is_none() && s.staged > s.committing)
    }

    /// The most documents one projection holds in memory.
    pub fn cached_documents(&self) -> usize {
        self.slots.iter().map(|s| s.cache.len()).max().unwrap_or(0)
    }

    /// Where each projection stands.
    pub fn status(&self) -> Vec<ProjectionStatus> {
        self.slots
            .iter()
            .map(|s| ProjectionStatus {
                name: s.projection.name(),
                checkpoint: s.checkpoint,
                failure: s.failure.clone(),
            })
            .collect()
    }

    /// Decodes and applies stored events, then commits (see
    /// [`apply_decoded`](Self::apply_decoded)).
    pub fn apply(&mut self, events: &[RecordedEvent]) -> Result<(), ReadModelError> {
        let decoded: Vec<LogEvent> = events.iter().map(LogEvent::decode).collect();
        self.apply_decoded(&decoded)
    }

    /// Applies a batch of consecutive events and commits everything applied, in one
    /// transaction ([`stage`](Self::stage) then [`commit`](Self::commit)).
    pub fn apply_decoded(&mut self, events: &[LogEvent]) -> Result<(), ReadModelError> {
        self.stage(events)?;
        self.commit()
    }

    /// Applies a batch of consecutive events (ascending positions, none missing) to every
    /// running projection, in memory; [`commit`](Self::commit) stores them.
    ///
    /// Events at or below what a projection has applied are skipped for it. A projection
    /// whose `apply` fails (or that meets a malformed event) stops: what it staged is dropped
    /// and it stays at its checkpoint; the others go on.
    pub fn stage(&mut self, events: &[LogEvent]) -> Result<(), ReadModelError> {
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return Ok(());
        };
        let behind = self.slots.iter().find(|s| {
            s.failure.is_none() && last.position > s.staged && first.position > s.staged.next()
        });
        if let Some(slot) = behind {
            return Err(ReadModelError::Backend(format!(
                "projection {} is at {} but the batch starts at {}: events would be skipped",
                slot.projection.name(),
                slot.staged,
                first.position
            )));
        }
        for slot in &mut self.slots {
            if slot.failure.is_some() || last.position <= slot.staged {
                continue;
            }
            match apply_all(slot, &*self.store, events) {
                Ok(()) => slot.staged = last.position,
                Err(error) => slot.fail(error),
            }
        }
        Ok(())
    }

    /// Stores every projection's staged documents and checkpoint in one transaction
    /// ([`prepare_commit`](Self::prepare_commit), the store's commit, then
    /// [`finish_commit`](Self::finish_commit)).
    ///
    /// A failed commit stores nothing and drops what was staged; call
    /// [`resync`](Self::resync) before going on.
    pub fn commit(&mut self) -> Result<(), ReadModelError> {
        let Some(pending) = self.prepare_commit() else {
            return Ok(());
        };
        let stored = self.store.commit(&pending.commits);
        self.finish_commit(&pending, stored)
    }

    /// Takes every running projection's staged documents and checkpoint as one commit for
    /// the store (`None`: nothing to commit). Staging may go on while the store writes it,
    /// on another thread; report the outcome with [`finish_commit`](Self::finish_commit)
    /// before preparing the next commit.
    pub fn prepare_commit(&mut self) -> Option<PendingCommit> {
        let mut due: Vec<(usize, &mut Slot)> = self
            .slots
            .iter_mut()
            .enumerate()
            .filter(|(_, s)| s.failure.is_none() && s.staged > s.committing)
            .collect();
        let events: u64 = due
            .iter()
            .map(|(_, s)| s.staged.0.saturating_sub(s.committing.0))
            .max()
            .unwrap_or(0);
        let encoded = if events >= PARALLEL_ENCODE_EVENTS && due.len() > 1 {
            encode_in_parallel(&mut due)
        } else {
            due.iter_mut().map(|(_, s)| s.cache.take_writes()).collect()
        };
        let mut pending = PendingCommit::default();
        for ((index, slot), writes) in due.into_iter().zip(encoded) {
            match writes {
                Ok(writes) => {
                    pending.commits.push(ProjectionCommit {
                        name: slot.projection.name(),
                        version: slot.projection.version(),
                        from: slot.committing,
                        to: slot.staged,
                        writes,
                    });
                    pending.slots.push((index, slot.staged));
                    slot.committing = slot.staged;
                }
                Err(error) => slot.fail(error.into()),
            }
        }
        (!pending.commits.is_empty()).then_some(pending)
    }

    /// Records the outcome of storing a prepared commit: on success the checkpoints move;
    /// on failure everything staged is dropped (call [`resync`](Self::resync)).
    pub fn finish_commit(
        &mut self,
        pending: &PendingCommit,
        stored: Result<(), ReadModelError>,
    ) -> Result<(), ReadModelError> {
        if let Err(error) = stored {
            for slot in &mut self.slots {
                slot.forget();
            }
            return Err(error);
        }
        for (index, to) in &pending.slots {
            if let Some(slot) = self.slots.get_mut(*index) {
                slot.checkpoint = *to;
                slot.cache.evict(self.cache_limit);
            }
        }
        Ok(())
    }

    /// Keeps at most `limit` documents in memory per projection (past it, the unchanged
    /// ones are evicted).
    pub fn evict(&mut self, limit: usize) {
        for slot in &mut self.slots {
            slot.cache.evict(limit);
        }
    }

    /// The read-model store the engine commits to.
    pub fn store(&self) -> &Arc<dyn ReadModelStore> {
        &self.store
    }

    /// Drops the documents of the named projection (every projection for `None`) and sets
    /// its checkpoint to 0, so it is rebuilt from the start of the log; a failure is cleared.
    pub fn reset(&mut self, name: Option<&str>) -> Result<(), ReadModelError> {
        if let Some(name) = name {
            if !self.slots.iter().any(|s| s.projection.name() == name) {
                return Err(ReadModelError::UnknownProjection(name.to_owned()));
            }
        }
        for slot in &mut self.slots {
            if name.is_some_and(|n| n != slot.projection.name()) {
                continue;
            }
            let p = &slot.projection;
            self.store.reset(p.name(), p.version(), p.collections())?;
            *slot = Slot::new(Arc::clone(&slot.projection), Position::START, true);
        }
        Ok(())
    }

    /// Reloads every checkpoint from the database and empties the caches: after a failed
    /// commit, or when another runner may have written.
    pub fn resync(&mut self) -> Result<(), ReadModelError> {
        let checkpoints = self.store.checkpoints()?;
        for slot in &mut self.slots {
            slot.checkpoint = checkpoints
                .get(slot.projection.name())
                .map_or(Position::START, |c| c.position);
            slot.forget();
        }
        Ok(())
    }
}

/// From how many events a commit encodes its projections' documents on threads of their own
/// (a catch-up commit holds hundreds of thousands of documents; a live one a handful).
const PARALLEL_ENCODE_EVENTS: u64 = 20_000;

/// Encodes the writes of several projections at once, one thread each.
fn encode_in_parallel(
    due: &mut [(usize, &mut Slot)],
) -> Vec<Result<Vec<DocWrite>, ReadModelError>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = due
            .iter_mut()
            .map(|(_, slot)| scope.spawn(|| slot.cache.take_writes()))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(ReadModelError::Backend(
                        "encoding documents panicked".into(),
                    ))
                })
            })
            .collect()
    })
}

/// Applies the events after the slot's checkpoint, stopping at the first failure.
fn apply_all(
    slot: &mut Slot,
    store: &dyn ReadModelStore,
    events: &[LogEvent],
) -> Result<(), ProjectionError> {
    let categories = slot.projection.categories();
    let reads = |stream: &str| categories.contains(&domain::streams::category_of(stream));
    for decoded in events.iter().filter(|e| e.position > slot.staged) {
        if !reads(decoded.stream.as_str()) {
            continue;
        }
        let (id, event) = match &decoded.decoding {
            Decoding::Event(decoded) => (&decoded.id, &decoded.event),
            Decoding::Foreign => continue,
            Decoding::Malformed(reason) => {
                return Err(ProjectionError::Malformed {
                    position: decoded.position,
                    stream: decoded.stream.to_string(),
                    reason: reason.clone(),
                })
            }
        };
        let envelope = Envelope {
            position: decoded.position,
            occurred_at: decoded.occurred_at,
            stream: decoded.stream.as_str(),
            id,
            event,
        };
        let mut docs = Docs::new(&mut slot.cache, store, decoded.position);
        slot.projection.apply(&envelope, &mut docs)?;
    }
    Ok(())
}
