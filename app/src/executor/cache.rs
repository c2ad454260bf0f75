//! The executor's memory of aggregate states: per aggregate type, a map from
//! the aggregate's typed id to the state and the stream version it is folded
//! to.
//!
//! One map per aggregate type (an order and its invoice share an
//! [`OrderId`](domain::values::OrderId) but not a cache entry), found by the
//! aggregate's [`TypeId`] and downcast once per call. The cache is only a
//! shortcut (the log is the truth): past [`CACHE_LIMIT`] entries in all it is
//! cleared.

use std::any::{Any, TypeId};
use std::collections::HashMap;

use domain::streams::Aggregate;

/// Streams whose state is kept in memory between commands; past this the
/// cache is cleared (it is only a shortcut: the log is the truth).
pub(super) const CACHE_LIMIT: usize = 200_000;

/// A state and the stream version it is folded up to (`None`: empty).
pub(super) struct Cached<S> {
    pub(super) version: Option<u64>,
    pub(super) state: S,
}

/// The states of one aggregate type, by id.
type StatesOf<A> = HashMap<<A as Aggregate>::Id, Cached<<A as domain::Decider>::State>>;

/// Every aggregate type's states, and how many there are in all.
#[derive(Default)]
pub(super) struct Caches {
    per_type: HashMap<TypeId, Box<dyn Any + Send>>,
    entries: usize,
}

impl Caches {
    /// The states of `A` (created empty the first time).
    fn of<A>(&mut self) -> Option<&mut StatesOf<A>>
    where
        A: Aggregate + 'static,
        A::State: Send + 'static,
    {
        self.per_type
            .entry(TypeId::of::<A>())
            .or_insert_with(|| Box::new(StatesOf::<A>::new()))
            .downcast_mut::<StatesOf<A>>()
    }

    /// The state of `id` last seen and its version; the empty state when
    /// none is known.
    pub(super) fn get<A>(&mut self, id: &A::Id) -> (A::State, Option<u64>)
    where
        A: Aggregate + 'static,
        A::State: Send + 'static,
    {
        self.of::<A>()
            .and_then(|states| states.get(id))
            .map(|c| (c.state.clone(), c.version))
            .unwrap_or_default()
    }

    /// Keeps `state` at `version` unless a later version is already known.
    pub(super) fn remember<A>(&mut self, id: &A::Id, version: Option<u64>, state: A::State)
    where
        A: Aggregate + 'static,
        A::State: Send + 'static,
    {
        if self.entries >= CACHE_LIMIT {
            self.per_type.clear();
            self.entries = 0;
        }
        let Some(states) = self.of::<A>() else {
            return;
        };
        let known = states.get(id).map(|c| c.version);
        if version >= known.flatten() {
            let new = states
                .insert(id.clone(), Cached { version, state })
                .is_none();
            if new {
                self.entries += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use domain::order::Order;
    use domain::values::OrderId;

    use super::*;

    #[test]
    fn a_state_is_kept_per_aggregate_type_and_never_goes_back() {
        let mut caches = Caches::default();
        let id = OrderId::derived("o");
        caches.remember::<Order>(&id, Some(3), Order::default());
        assert_eq!(caches.get::<Order>(&id).1, Some(3));
        caches.remember::<Order>(&id, Some(1), Order::default());
        assert_eq!(caches.get::<Order>(&id).1, Some(3));
        assert_eq!(caches.get::<domain::invoice::Invoice>(&id).1, None);
        assert_eq!(caches.entries, 1);
    }
}
