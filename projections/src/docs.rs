//! The documents a projection reads and writes while it applies events: a typed in-memory
//! copy of the documents it touched, loaded from the database on first use and written back
//! when the batch commits.

use std::any::Any;
use std::collections::{HashMap, HashSet};

use store::Position;

use crate::backend::{DocWrite, ReadModelStore};
use crate::document::{Document, Tags};
use crate::error::{ProjectionError, ReadModelError};

/// A document held in memory, its type erased so one cache holds every collection.
trait ErasedDoc: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn encode(&self) -> Result<(String, Tags), serde_json::Error>;
}

impl<D: Document> ErasedDoc for D {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn encode(&self) -> Result<(String, Tags), serde_json::Error> {
        Ok((serde_json::to_string(self)?, self.tags()))
    }
}

/// One cached document (`doc: None`: known not to exist).
struct Entry {
    doc: Option<Box<dyn ErasedDoc>>,
    position: Position,
    dirty: bool,
    /// The tags of the stored row; `None` when the database holds no such document.
    stored: Option<Tags>,
}

/// The documents of one projection kept in memory between batches.
///
/// `complete` says that the cache knows every stored document of the projection, so a miss
/// means "does not exist" without asking the database: true from a reset (a rebuild starts
/// from nothing). Documents evicted to bound memory are remembered by key, so a rebuild
/// stays complete: only an evicted key is looked up again.
pub(crate) struct DocCache {
    collections: HashMap<&'static str, HashMap<String, Entry>>,
    complete: bool,
    evicted: HashSet<(&'static str, String)>,
    len: usize,
    /// The documents changed since the last commit, each once: a commit writes them without
    /// looking at the unchanged rest of the cache.
    dirty: Vec<(&'static str, String)>,
}

impl DocCache {
    /// An empty cache; `complete` when the projection's documents are known to be empty.
    pub(crate) fn new(complete: bool) -> Self {
        DocCache {
            collections: HashMap::new(),
            complete,
            evicted: HashSet::new(),
            len: 0,
            dirty: Vec::new(),
        }
    }

    /// How many documents (and known absences) are held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Takes the documents changed since the last commit, encoded for the database, in
    /// (collection, key) order (sorted writes keep the database's indexes local). They
    /// count as stored from now on: if storing them fails, the cache must be dropped.
    pub(crate) fn take_writes(&mut self) -> Result<Vec<DocWrite>, ReadModelError> {
        let mut writes = Vec::with_capacity(self.dirty.len());
        for (collection, key) in std::mem::take(&mut self.dirty) {
            let Some(entry) = self
                .collections
                .get_mut(collection)
                .and_then(|entries| entries.get_mut(&key))
                .filter(|entry| entry.dirty)
            else {
                continue;
            };
            entry.dirty = false;
            let value = match &entry.doc {
                Some(doc) => Some(doc.encode().map_err(|e| ReadModelError::CorruptDocument {
                    collection: collection.to_owned(),
                    key: key.clone(),
                    reason: e.to_string(),
                })?),
                None if entry.stored.is_none() => continue,
                None => None,
            };
            let stored = value.as_ref().map(|(_, tags)| tags.clone());
            writes.push(DocWrite {
                collection,
                position: entry.position,
                stored_tags: std::mem::replace(&mut entry.stored, stored),
                key,
                value,
            });
        }
        writes.sort_by(|a, b| (a.collection, &a.key).cmp(&(b.collection, &b.key)));
        Ok(writes)
    }

    /// Marks `key` of `collection` changed (its entry's flag set by the caller).
    fn touched(&mut self, collection: &'static str, key: &str, was_dirty: bool) {
        if !was_dirty {
            self.dirty.push((collection, key.to_owned()));
        }
    }

    /// Once the writes are durable: past `limit` documents, the unchanged ones are evicted
    /// (and remembered, so a complete cache stays complete).
    pub(crate) fn evict(&mut self, limit: usize) {
        if self.len <= limit {
            return;
        }
        for (collection, entries) in &mut self.collections {
            entries.retain(|key, entry| {
                if entry.dirty {
                    return true;
                }
                if self.complete && entry.stored.is_some() {
                    self.evicted.insert((*collection, key.clone()));
                }
                false
            });
        }
        self.len = self.collections.values().map(HashMap::len).sum();
        if self.evicted.len() > limit {
            // Remembering every evicted key would grow without bound: the cache stops
            // claiming to be complete, and a miss asks the database again.
            self.complete = false;
            self.evicted = HashSet::new();
        }
    }
}

/// The documents a projection works on while it applies one event.
///
/// Reads go to the cache, then to the database; writes stay in memory, stamped with the
/// position of the event being applied, until the runner commits the batch.
pub struct Docs<'a> {
    cache: &'a mut DocCache,
    source: &'a dyn ReadModelStore,
    position: Position,
}

impl<'a> Docs<'a> {
    pub(crate) fn new(
        cache: &'a mut DocCache,
        source: &'a dyn ReadModelStore,
        position: Position,
    ) -> Self {
        Docs {
            cache,
            source,
            position,
        }
    }

    /// The position of the event being applied.
    pub fn position(&self) -> Position {
        self.position
    }

    fn entry<D: Document>(&mut self, key: &str) -> Result<&mut Entry, ProjectionError> {
        let cache = &mut *self.cache;
        let entries = cache.collections.entry(D::COLLECTION).or_default();
        if !entries.contains_key(key) {
            let must_load = !cache.complete
                || (!cache.evicted.is_empty()
                    && cache.evicted.remove(&(D::COLLECTION, key.to_owned())));
            let stored = if must_load {
                self.source.load(D::COLLECTION, key)?
            } else {
                None
            };
            let entry = match stored {
                Some(stored) => Entry {
                    doc: Some(Box::new(stored.parse::<D>()?)),
                    position: stored.position,
                    dirty: false,
                    stored: Some(stored.tags),
                },
                None => Entry {
                    doc: None,
                    position: Position::START,
                    dirty: false,
                    stored: None,
                },
            };
            entries.insert(key.to_owned(), entry);
            cache.len += 1;
        }
        entries
            .get_mut(key)
            .ok_or_else(|| wrong_type::<D>(key, "vanished from the cache"))
    }

    /// The document `key` of `D`'s collection, if it exists.
    pub fn get<D: Document>(&mut self, key: &str) -> Result<Option<&D>, ProjectionError> {
        let entry = self.entry::<D>(key)?;
        match &entry.doc {
            None => Ok(None),
            Some(doc) => doc
                .as_any()
                .downcast_ref::<D>()
                .map(Some)
                .ok_or_else(|| wrong_type::<D>(key, "is held as another type")),
        }
    }

    /// The document `key` for changing, if it exists; it is written back at commit.
    pub fn get_mut<D: Document>(&mut self, key: &str) -> Result<Option<&mut D>, ProjectionError> {
        let position = self.position;
        let entry = self.entry::<D>(key)?;
        if entry.doc.is_none() {
            return Ok(None);
        }
        let was_dirty = std::mem::replace(&mut entry.dirty, true);
        entry.position = position;
        self.cache.touched(D::COLLECTION, key, was_dirty);
        let entry = self.entry::<D>(key)?;
        match &mut entry.doc {
            None => Ok(None),
            Some(doc) => doc
                .as_any_mut()
                .downcast_mut::<D>()
                .map(Some)
                .ok_or_else(|| wrong_type::<D>(key, "is held as another type")),
        }
    }

    /// The document `key`, created with `make` when it does not exist yet.
    pub fn get_or_insert_with<D: Document>(
        &mut self,
        key: &str,
        make: impl FnOnce() -> D,
    ) -> Result<&mut D, ProjectionError> {
        if self.get::<D>(key)?.is_none() {
            self.insert(key, make())?;
        }
        self.get_mut::<D>(key)?
            .ok_or_else(|| wrong_type::<D>(key, "vanished from the cache"))
    }

    /// Stores `doc` as the document `key`, replacing what was there.
    pub fn insert<D: Document>(&mut self, key: &str, doc: D) -> Result<(), ProjectionError> {
        let position = self.position;
        let entry = self.entry::<D>(key)?;
        entry.doc = Some(Box::new(doc));
        let was_dirty = std::mem::replace(&mut entry.dirty, true);
        entry.position = position;
        self.cache.touched(D::COLLECTION, key, was_dirty);
        Ok(())
    }

    /// Deletes the document `key` (nothing happens when it does not exist).
    pub fn remove<D: Document>(&mut self, key: &str) -> Result<(), ProjectionError> {
        let position = self.position;
        let entry = self.entry::<D>(key)?;
        if entry.doc.take().is_some() {
            let was_dirty = std::mem::replace(&mut entry.dirty, true);
            entry.position = position;
            self.cache.touched(D::COLLECTION, key, was_dirty);
        }
        Ok(())
    }
}

fn wrong_type<D: Document>(key: &str, what: &str) -> ProjectionError {
    ProjectionError::ReadModel(ReadModelError::CorruptDocument {
        collection: D::COLLECTION.to_owned(),
        key: key.to_owned(),
        reason: format!("the cached document {what}"),
    })
}
