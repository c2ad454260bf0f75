//! Read-model documents: JSON values addressed by collection and key, with up to three
//! indexed tags that the views filter on.

use serde::de::DeserializeOwned;
use serde::Serialize;
use store::Position;

/// A typed read-model document. Each type lives in exactly one collection; the projection
/// that owns the collection is the only writer.
///
/// Documents must serialize deterministically (no `HashMap`s): a projection rebuilt from the
/// log is compared byte for byte with the same projection fed incrementally.
pub trait Document: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The collection the documents of this type are stored in (unique across projections).
    const COLLECTION: &'static str;

    /// The values the views filter this document by (indexed by the backends).
    fn tags(&self) -> Tags {
        Tags::default()
    }
}

/// Up to three indexed values of a document, e.g. an order's dealer, customer and status.
/// What each tag means is documented per collection (`docs/projections.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tags(pub [Option<String>; 3]);

impl Tags {
    /// Tags from three optional values.
    pub fn new(first: Option<String>, second: Option<String>, third: Option<String>) -> Self {
        Tags([first, second, third])
    }

    /// The tag at `index` (0, 1 or 2).
    pub fn get(&self, index: usize) -> Option<&str> {
        self.0.get(index).and_then(|t| t.as_deref())
    }
}

/// Which documents of a collection to read: every given tag must be equal and the key must
/// lie in the given range (inclusive). Results come in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocQuery {
    /// Required tag values, by index; `None` matches anything.
    pub tags: [Option<String>; 3],
    /// The smallest key to return.
    pub key_from: Option<String>,
    /// The largest key to return.
    pub key_to: Option<String>,
    /// Only documents changed by an event after this position.
    pub changed_after: Option<Position>,
    /// At most this many documents (the first in key order).
    pub limit: Option<usize>,
}

impl DocQuery {
    /// Every document of the collection.
    pub fn all() -> Self {
        DocQuery::default()
    }

    /// The documents whose tag `index` equals `value`.
    pub fn tag(mut self, index: usize, value: impl Into<String>) -> Self {
        if let Some(slot) = self.tags.get_mut(index) {
            *slot = Some(value.into());
        }
        self
    }

    /// Only the documents changed by an event after `position` (to refresh what was read
    /// before).
    pub fn changed_after(mut self, position: Position) -> Self {
        self.changed_after = Some(position);
        self
    }

    /// The documents whose key lies between `from` and `to` (inclusive).
    pub fn keys(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.key_from = Some(from.into());
        self.key_to = Some(to.into());
        self
    }

    /// At most the first `limit` matching documents in key order.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Whether a stored document matches (used by backends that filter in memory).
    pub fn matches_doc(&self, doc: &StoredDoc) -> bool {
        self.matches(&doc.key, &doc.tags)
            && self.changed_after.is_none_or(|after| doc.position > after)
    }

    /// Whether a document's key and tags match (its position is not looked at).
    pub fn matches(&self, key: &str, tags: &Tags) -> bool {
        let tags_match = self
            .tags
            .iter()
            .zip(tags.0.iter())
            .all(|(want, have)| want.is_none() || want == have);
        let after_from = match self.key_from.as_deref() {
            Some(from) => key >= from,
            None => true,
        };
        let before_to = match self.key_to.as_deref() {
            Some(to) => key <= to,
            None => true,
        };
        tags_match && after_from && before_to
    }
}

/// A document as stored: its key, tags, JSON text and the position of the last event that
/// changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDoc {
    /// The collection it belongs to.
    pub collection: String,
    /// Its key within the collection.
    pub key: String,
    /// Its indexed values.
    pub tags: Tags,
    /// The document as JSON text.
    pub json: String,
    /// The position of the last event that changed it.
    pub position: Position,
}

impl StoredDoc {
    /// Parses the JSON text as the document type of its collection.
    pub fn parse<D: Document>(&self) -> Result<D, crate::ReadModelError> {
        serde_json::from_str(&self.json).map_err(|e| crate::ReadModelError::CorruptDocument {
            collection: self.collection.clone(),
            key: self.key.clone(),
            reason: e.to_string(),
        })
    }
}
