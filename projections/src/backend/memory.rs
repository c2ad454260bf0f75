//! Read models in memory, for unit tests.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use store::Position;

use super::{check_from, Checkpoint, ProjectionCommit, ReadModelStore};
use crate::document::{DocQuery, StoredDoc};
use crate::error::ReadModelError;

/// Read models kept in memory: the same contract as the database backends, nothing durable.
#[derive(Debug, Default)]
pub struct MemoryReadModels {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    docs: BTreeMap<(String, String), StoredDoc>,
    checkpoints: BTreeMap<String, Checkpoint>,
}

impl MemoryReadModels {
    /// Empty read models.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ReadModelStore for MemoryReadModels {
    fn checkpoints(&self) -> Result<BTreeMap<String, Checkpoint>, ReadModelError> {
        Ok(self.state().checkpoints.clone())
    }

    fn checkpoint(&self, name: &str) -> Result<Option<Checkpoint>, ReadModelError> {
        Ok(self.state().checkpoints.get(name).copied())
    }

    fn save_checkpoint(&self, name: &str, position: Position) -> Result<(), ReadModelError> {
        let mut state = self.state();
        let entry = state.checkpoints.entry(name.to_owned()).or_default();
        entry.position = position;
        Ok(())
    }

    fn load(&self, collection: &str, key: &str) -> Result<Option<StoredDoc>, ReadModelError> {
        let state = self.state();
        Ok(state
            .docs
            .get(&(collection.to_owned(), key.to_owned()))
            .cloned())
    }

    fn find(&self, collection: &str, query: &DocQuery) -> Result<Vec<StoredDoc>, ReadModelError> {
        let state = self.state();
        let from = (collection.to_owned(), String::new());
        Ok(state
            .docs
            .range(from..)
            .take_while(|((c, _), _)| c == collection)
            .filter(|(_, doc)| query.matches_doc(doc))
            .take(query.limit.unwrap_or(usize::MAX))
            .map(|(_, doc)| doc.clone())
            .collect())
    }

    fn commit(&self, projections: &[ProjectionCommit]) -> Result<(), ReadModelError> {
        let mut state = self.state();
        for commit in projections {
            let found = state.checkpoints.get(commit.name).map(|c| c.position);
            check_from(commit.name, commit.from, found)?;
        }
        for commit in projections {
            for write in &commit.writes {
                let id = (write.collection.to_owned(), write.key.clone());
                match &write.value {
                    Some((json, tags)) => {
                        let doc = StoredDoc {
                            collection: write.collection.to_owned(),
                            key: write.key.clone(),
                            tags: tags.clone(),
                            json: json.clone(),
                            position: write.position,
                        };
                        state.docs.insert(id, doc);
                    }
                    None => {
                        state.docs.remove(&id);
                    }
                }
            }
            state.checkpoints.insert(
                commit.name.to_owned(),
                Checkpoint {
                    position: commit.to,
                    version: commit.version,
                },
            );
        }
        Ok(())
    }

    fn reset(
        &self,
        projection: &str,
        version: u32,
        collections: &[&str],
    ) -> Result<(), ReadModelError> {
        let mut state = self.state();
        state
            .docs
            .retain(|(collection, _), _| !collections.contains(&collection.as_str()));
        state.checkpoints.insert(
            projection.to_owned(),
            Checkpoint {
                position: Position::START,
                version,
            },
        );
        Ok(())
    }

    fn dump(&self) -> Result<Vec<StoredDoc>, ReadModelError> {
        Ok(self.state().docs.values().cloned().collect())
    }
}
