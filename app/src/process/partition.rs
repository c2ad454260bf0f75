//! Partitions of the process managers' work: the log's events keyed by order are split by a
//! hash of the order id into N partitions, each followed in order by a consumer of its own
//! with its own checkpoints, the partitions in parallel (as Eventuous's partitioning filter,
//! Axon's segments or Akka's slices do). An order's events always land in the same
//! partition, so one order's reactions stay in log order.

use domain::values::OrderId;

/// How many partitions the engine runs unless configured (`OTD_PARTITIONS`): one, so that
/// waiting orders are served strictly oldest first and a seeded demo repeats its business
/// exactly; a launch sets more (ADR 0009).
pub const DEFAULT_PARTITIONS: usize = 1;

/// The most partitions a runner splits into (each is a consumer reading the whole log).
pub const MAX_PARTITIONS: usize = 64;

/// One of the `count` partitions of the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Partition {
    index: usize,
    count: usize,
}

/// Which partitions an event is handed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// The partition of this order.
    Order(OrderId),
    /// The first partition only (work not keyed by order, done once).
    First,
    /// Every partition (e.g. supply appearing: each partition retries its own waiting
    /// orders).
    Every,
}

impl Partition {
    /// The whole work, unpartitioned.
    pub const WHOLE: Partition = Partition { index: 0, count: 1 };

    /// The partitions of work split `count` ways (1 to [`MAX_PARTITIONS`]).
    pub fn all(count: usize) -> impl Iterator<Item = Partition> {
        let count = count.clamp(1, MAX_PARTITIONS);
        (0..count).map(move |index| Partition { index, count })
    }

    /// Its number, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Into how many partitions the work is split.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether `order`'s work is this partition's: a stable hash of the id (its low bits,
    /// random in every id kind the engine makes), the same in every process.
    pub fn owns(&self, order: &OrderId) -> bool {
        let count = self.count as u128;
        order.as_uuid().as_u128() % count == self.index as u128
    }

    /// Whether an event routed `route` is handed to this partition.
    pub fn takes(&self, route: Route) -> bool {
        match route {
            Route::Order(order) => self.owns(&order),
            Route::First => self.index == 0,
            Route::Every => true,
        }
    }

    /// The name under which this partition keeps `manager`'s checkpoint: the manager's own
    /// name when the work is not split.
    pub fn checkpoint(&self, manager: &str) -> String {
        if self.count == 1 {
            manager.to_owned()
        } else {
            format!("{manager}#{}of{}", self.index, self.count)
        }
    }

    /// The name of this partition's lease among processes sharing the log.
    pub fn lease(&self) -> String {
        format!("partition {} of {}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_belongs_to_exactly_one_partition() {
        for n in 0..200 {
            let order = OrderId::derived(&format!("order-{n}"));
            for count in [1, 2, 3, 4, 7] {
                let owners = Partition::all(count).filter(|p| p.owns(&order)).count();
                assert_eq!(owners, 1, "{order} in {count}");
            }
        }
    }

    #[test]
    fn orders_spread_over_the_partitions() {
        let mut seen = [0usize; 4];
        for n in 0..400 {
            let order = OrderId::derived(&format!("order-{n}"));
            let p = Partition::all(4)
                .find(|p| p.owns(&order))
                .map(|p| p.index());
            seen[p.unwrap_or(0)] += 1;
        }
        assert!(seen.iter().all(|n| *n > 50), "{seen:?}");
    }

    #[test]
    fn one_partition_keeps_the_managers_own_checkpoint_names() {
        assert_eq!(
            Partition::WHOLE.checkpoint("process:fulfilment"),
            "process:fulfilment"
        );
        let second = Partition::all(4)
            .nth(1)
            .map(|p| p.checkpoint("process:fulfilment"));
        assert_eq!(second.as_deref(), Some("process:fulfilment#1of4"));
    }
}
