//! Lanes: which reactions of one manager may run side by side within a batch.
//!
//! A manager walks a batch in log order, but not every reaction has to wait for the one
//! before it: the messages of one order must be decided in that order's sequence, yet two
//! orders' messages have nothing to do with each other. A manager names each event's
//! [`Lane`] ([`ProcessManager::lane`](super::ProcessManager::lane)); the runner hands the
//! events of one lane over one after another, in log order, and different lanes at once, so
//! their reads overlap and their appends share the store's group commits. A
//! [`Lane::Serial`] event (the default) waits for everything before it and holds back
//! everything after it.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use store::StreamId;

/// Which reactions of a manager may run side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lane {
    /// After every event before it, before every event after it.
    Serial,
    /// In log order with the other events of its key, beside those of other keys.
    Key(u64),
}

impl Lane {
    /// The lane of everything keyed by `key` (e.g. a customer's id).
    pub fn key(key: impl Hash) -> Lane {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        Lane::Key(hasher.finish())
    }

    /// The lane of one stream's events.
    pub fn stream(stream: &StreamId) -> Lane {
        Lane::key(stream.as_str())
    }
}

/// Splits events given in log order (by their index and lane) into waves run one after
/// another: a wave is a run of keyed events grouped by key (each group in log order, the
/// groups side by side), or a single serial event.
pub(super) fn waves(events: &[(usize, Lane)]) -> Vec<Vec<Vec<usize>>> {
    let mut waves = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<u64, usize> = HashMap::new();
    for &(index, lane) in events {
        match lane {
            Lane::Serial => {
                if !groups.is_empty() {
                    waves.push(std::mem::take(&mut groups));
                    group_of.clear();
                }
                waves.push(vec![vec![index]]);
            }
            Lane::Key(key) => {
                let group = *group_of.entry(key).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                });
                groups[group].push(index);
            }
        }
    }
    if !groups.is_empty() {
        waves.push(groups);
    }
    waves
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_events_are_waves_of_their_own_and_keys_group_in_log_order() {
        let a = Lane::Key(1);
        let b = Lane::Key(2);
        let events = [
            (0, a),
            (1, b),
            (2, a),
            (3, Lane::Serial),
            (4, b),
            (5, Lane::Serial),
            (6, Lane::Serial),
            (7, a),
        ];
        assert_eq!(
            waves(&events),
            vec![
                vec![vec![0, 2], vec![1]],
                vec![vec![3]],
                vec![vec![4]],
                vec![vec![5]],
                vec![vec![6]],
                vec![vec![7]],
            ]
        );
    }

    #[test]
    fn every_event_lands_in_exactly_one_group_after_all_earlier_serial_ones() {
        let lanes = [Lane::Serial, Lane::Key(7), Lane::Key(9), Lane::Key(7)];
        let events: Vec<(usize, Lane)> = (0..40).map(|i| (i, lanes[(i * 7 + i / 3) % 4])).collect();
        let waves = waves(&events);
        let mut seen: Vec<usize> = waves.iter().flatten().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..40).collect::<Vec<_>>());
        // Waves are contiguous stretches of the log: each starts after the last one ended.
        let mut last_end = None;
        for wave in &waves {
            let first = wave.iter().flatten().min().copied();
            let end = wave.iter().flatten().max().copied();
            assert!(first > last_end || last_end.is_none());
            last_end = end;
            for group in wave {
                assert!(
                    group.windows(2).all(|w| w[0] < w[1]),
                    "a group keeps log order"
                );
            }
        }
        assert_eq!(
            Lane::stream(&StreamId::parse("order-1").unwrap()),
            Lane::key("order-1")
        );
    }
}
