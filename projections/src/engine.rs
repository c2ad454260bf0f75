//! Applying batches of events to every projection and committing them: the blocking core of
//! the runner, usable on its own (tests, tools).

use std::sync::Arc;

use store::{Position, RecordedEvent};

use crate::backend::{ProjectionCommit, ReadModelStore};
use crate::decoded::{DecodedEvent, Decoding};
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
    /// Why it stopped, if it did (it stays at `checkpoint` until rebuilt or restarted with a
    /// build that can read the event).
    pub failure: Option<ProjectionError>,
}

struct Slot {
    projection: Arc<dyn Projection>,
    checkpoint: Position,
    cache: DocCache,
    failure: Option<ProjectionError>,
}

impl Slot {
    fn fail(&mut self, error: ProjectionError) {
        self.failure = Some(error);
        self.cache = DocCache::new(false);
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
                    Slot {
                        projection,
                        checkpoint: c.position,
                        cache: DocCache::new(false),
                        failure: None,
                    }
                }
                _ => {
                    store.reset(
                        projection.name(),
                        projection.version(),
                        projection.collections(),
                    )?;
                    Slot {
                        projection,
                        checkpoint: Position::START,
                        cache: DocCache::new(true),
                        failure: None,
                    }
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

    /// Where reading the log must resume: the lowest checkpoint of the projections still
    /// running (the highest checkpoint when every projection has stopped).
    pub fn resume_after(&self) -> Position {
        let running = self.slots.iter().filter(|s| s.failure.is_none());
        running
            .map(|s| s.checkpoint)
            .min()
            .or_else(|| self.slots.iter().map(|s| s.checkpoint).max())
            .unwrap_or(Position::START)
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

    /// Decodes and applies stored events (see [`apply_decoded`](Self::apply_decoded)).
    pub fn apply(&mut self, events: &[RecordedEvent]) -> Result<(), ReadModelError> {
        let decoded: Vec<DecodedEvent> = events.iter().map(DecodedEvent::decode).collect();
        self.apply_decoded(&decoded)
    }

    /// Applies a batch of consecutive events (ascending positions, none missing) to every
    /// running projection and commits the batch in one transaction.
    ///
    /// A projection whose `apply` fails (or that meets a malformed event) stops: its changes
    /// in this batch are dropped, its checkpoint stays, the others commit. A failed commit
    /// stores nothing and empties the caches; call [`resync`](Self::resync) before going on.
    pub fn apply_decoded(&mut self, events: &[DecodedEvent]) -> Result<(), ReadModelError> {
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return Ok(());
        };
        let behind = self.slots.iter().find(|s| {
            s.failure.is_none()
                && last.position > s.checkpoint
                && first.position > s.checkpoint.next()
        });
        if let Some(slot) = behind {
            return Err(ReadModelError::Backend(format!(
                "projection {} is at {} but the batch starts at {}: events would be skipped",
                slot.projection.name(),
                slot.checkpoint,
                first.position
            )));
        }
        let mut commits = Vec::new();
        let mut committing = Vec::new();
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if slot.failure.is_some() || last.position <= slot.checkpoint {
                continue;
            }
            if let Err(error) = apply_all(slot, &*self.store, events) {
                slot.fail(error);
                continue;
            }
            match slot.cache.writes() {
                Ok(writes) => {
                    commits.push(ProjectionCommit {
                        name: slot.projection.name(),
                        version: slot.projection.version(),
                        from: slot.checkpoint,
                        to: last.position,
                        writes,
                    });
                    committing.push(index);
                }
                Err(error) => slot.fail(error.into()),
            }
        }
        if commits.is_empty() {
            return Ok(());
        }
        if let Err(error) = self.store.commit(&commits) {
            self.forget_caches();
            return Err(error);
        }
        for index in committing {
            if let Some(slot) = self.slots.get_mut(index) {
                slot.checkpoint = last.position;
                slot.cache.committed(self.cache_limit);
            }
        }
        Ok(())
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
            slot.checkpoint = Position::START;
            slot.cache = DocCache::new(true);
            slot.failure = None;
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
            slot.cache = DocCache::new(false);
        }
        Ok(())
    }

    fn forget_caches(&mut self) {
        for slot in &mut self.slots {
            slot.cache = DocCache::new(false);
        }
    }
}

/// Applies the events after the slot's checkpoint, stopping at the first failure.
fn apply_all(
    slot: &mut Slot,
    store: &dyn ReadModelStore,
    events: &[DecodedEvent],
) -> Result<(), ProjectionError> {
    for decoded in events.iter().filter(|e| e.position > slot.checkpoint) {
        let event = match &decoded.decoding {
            Decoding::Event(event) => event,
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
            recorded_at: decoded.recorded_at,
            stream: decoded.stream.as_str(),
            event,
        };
        let mut docs = Docs::new(&mut slot.cache, store, decoded.position);
        slot.projection.apply(&envelope, &mut docs)?;
    }
    Ok(())
}
