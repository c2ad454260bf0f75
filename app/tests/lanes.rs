//! Lanes: a manager's reactions to different lanes run side by side, one lane's in log
//! order, a serial event waits for everything before it and holds back everything after it,
//! and a runner stopped in the middle of a batch keeps its checkpoint before the first
//! reaction it did not finish.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::process::{Incoming, Lane, ProcessManager, ProcessRunner, ReactionError};
use app::ViewError;
use async_trait::async_trait;
use store::Position;
use support::{MemoryCheckpoints, World, DEADLINE};

/// Six vehicles registered: six events, each in a stream of its own, read as one batch.
async fn six_streams(w: &World) -> Position {
    for n in 0..6 {
        w.stock(700 + n, "D-BER-01", "AURA", &[]).await;
    }
    w.head().await
}

/// Meets in pairs: each reaction to the first two events waits until both have begun, which
/// only ever happens when their lanes run side by side.
struct Rendezvous {
    lane_of: fn(&Incoming) -> Lane,
    barrier: tokio::sync::Barrier,
    first_two: Vec<Position>,
}

#[async_trait]
impl ProcessManager for Rendezvous {
    fn name(&self) -> &'static str {
        "test:rendezvous"
    }

    fn lane(&self, incoming: &Incoming) -> Lane {
        (self.lane_of)(incoming)
    }

    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError> {
        if self.first_two.contains(&incoming.record.position) {
            self.barrier.wait().await;
        }
        Ok(())
    }
}

#[tokio::test]
async fn reactions_of_different_lanes_run_side_by_side() {
    let w = World::memory().await;
    let head = six_streams(&w).await;
    let first = Position(head.0 - 5);
    let manager = Arc::new(Rendezvous {
        lane_of: |incoming| Lane::stream(&incoming.record.stream_id),
        barrier: tokio::sync::Barrier::new(2),
        first_two: vec![first, Position(first.0 + 1)],
    });
    let checkpoints = Arc::new(MemoryCheckpoints::default());
    let runner = ProcessRunner::new(w.store.clone(), checkpoints, vec![manager]).spawn();
    runner.wait_for(head, DEADLINE).await.unwrap();
}

#[tokio::test]
async fn serial_reactions_never_overlap() {
    // The tamper check of the test above: the same rendezvous on serial lanes never meets.
    let w = World::memory().await;
    let head = six_streams(&w).await;
    let first = Position(head.0 - 5);
    let manager = Arc::new(Rendezvous {
        lane_of: |_| Lane::Serial,
        barrier: tokio::sync::Barrier::new(2),
        first_two: vec![first, Position(first.0 + 1)],
    });
    let checkpoints = Arc::new(MemoryCheckpoints::default());
    let runner = ProcessRunner::new(w.store.clone(), checkpoints, vec![manager]).spawn();
    let waited = runner.wait_for(head, Duration::from_millis(300)).await;
    assert!(waited.is_err(), "serial reactions overlapped");
}

/// Records when each reaction began and ended, on one counter, yielding in between so that
/// lanes running side by side interleave.
struct Recorder {
    lane_of: fn(&Incoming) -> Lane,
    clock: AtomicUsize,
    /// (position, lane, began, ended)
    seen: Mutex<Vec<(Position, Lane, usize, usize)>>,
}

#[async_trait]
impl ProcessManager for Recorder {
    fn name(&self) -> &'static str {
        "test:recorder"
    }

    fn lane(&self, incoming: &Incoming) -> Lane {
        (self.lane_of)(incoming)
    }

    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError> {
        let began = self.clock.fetch_add(1, Ordering::SeqCst);
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        let ended = self.clock.fetch_add(1, Ordering::SeqCst);
        let lane = self.lane(incoming);
        let at = incoming.record.position;
        self.seen.lock().unwrap().push((at, lane, began, ended));
        Ok(())
    }
}

#[tokio::test]
async fn one_lane_keeps_log_order_and_a_serial_event_is_a_wall() {
    let w = World::memory().await;
    let head = six_streams(&w).await;
    // Two keys alternating, and every third event serial.
    let recorder = Arc::new(Recorder {
        lane_of: |incoming| match incoming.record.position.0 {
            p if p % 3 == 0 => Lane::Serial,
            p if p % 2 == 0 => Lane::key("even"),
            _ => Lane::key("odd"),
        },
        clock: AtomicUsize::new(0),
        seen: Mutex::default(),
    });
    let serial = Arc::new(Recorder {
        lane_of: |_| Lane::Serial,
        clock: AtomicUsize::new(0),
        seen: Mutex::default(),
    });
    let checkpoints = Arc::new(MemoryCheckpoints::default());
    let managers: Vec<Arc<dyn ProcessManager>> = vec![recorder.clone(), serial.clone()];
    let runner = ProcessRunner::new(w.store.clone(), checkpoints, managers).spawn();
    runner.wait_for(head, DEADLINE).await.unwrap();

    let seen = recorder.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 6, "every event reacted to once");
    for key in [Lane::key("even"), Lane::key("odd")] {
        let mut lane: Vec<_> = seen.iter().filter(|s| s.1 == key).collect();
        lane.sort_by_key(|s| s.2);
        assert!(
            lane.windows(2).all(|w| w[0].0 < w[1].0 && w[0].3 < w[1].2),
            "one lane's reactions run one after another in log order: {lane:?}"
        );
    }
    let overlapped = seen
        .iter()
        .any(|a| seen.iter().any(|b| a.1 != b.1 && a.2 < b.3 && b.2 < a.3));
    assert!(overlapped, "the two lanes never ran side by side: {seen:?}");
    let walls: Vec<_> = seen.iter().filter(|s| s.1 == Lane::Serial).collect();
    assert_eq!(walls.len(), 2, "{seen:?}");
    for wall in walls {
        for other in seen.iter().filter(|s| s.0 != wall.0) {
            let kept_out = if other.0 < wall.0 {
                other.3 < wall.2
            } else {
                other.2 > wall.3
            };
            assert!(kept_out, "{other:?} overlapped the serial {wall:?}");
        }
    }

    // A serial manager: no two reactions overlap, in log order.
    let mut serial_seen = serial.seen.lock().unwrap().clone();
    serial_seen.sort_by_key(|s| s.2);
    assert_eq!(serial_seen.len(), 6);
    assert!(serial_seen
        .windows(2)
        .all(|w| w[0].0 < w[1].0 && w[0].3 < w[1].2));
}

/// Refuses (transiently, for ever) the event at `stuck`, and handles every other.
struct StuckAt {
    stuck: Position,
    handled: Mutex<Vec<Position>>,
}

#[async_trait]
impl ProcessManager for StuckAt {
    fn name(&self) -> &'static str {
        "test:stuck"
    }

    fn lane(&self, incoming: &Incoming) -> Lane {
        Lane::stream(&incoming.record.stream_id)
    }

    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError> {
        if incoming.record.position == self.stuck {
            return Err(ViewError("not yet".into()).into());
        }
        self.handled.lock().unwrap().push(incoming.record.position);
        Ok(())
    }
}

#[tokio::test]
async fn a_runner_stopped_mid_batch_keeps_its_checkpoint_before_the_unfinished_reaction() {
    let w = World::memory().await;
    let head = six_streams(&w).await;
    let stuck = Position(head.0 - 3);
    let manager = Arc::new(StuckAt {
        stuck,
        handled: Mutex::default(),
    });
    let checkpoints = Arc::new(MemoryCheckpoints::default());
    let runner =
        ProcessRunner::new(w.store.clone(), checkpoints.clone(), vec![manager.clone()]).spawn();
    // The other lanes finish, the stuck one retries until the runner is stopped.
    let deadline = std::time::Instant::now() + DEADLINE;
    while manager.handled.lock().unwrap().len() < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "other lanes held back"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::timeout(DEADLINE, runner.stop())
        .await
        .expect("stops promptly")
        .unwrap();
    assert_eq!(checkpoints.get("test:stuck"), Position(stuck.0 - 1));

    // The next runner starts at the unfinished reaction (and redelivers what came after).
    let again = Arc::new(StuckAt {
        stuck: Position(u64::MAX),
        handled: Mutex::default(),
    });
    let runner =
        ProcessRunner::new(w.store.clone(), checkpoints.clone(), vec![again.clone()]).spawn();
    runner.wait_for(head, DEADLINE).await.unwrap();
    let handled = again.handled.lock().unwrap().clone();
    assert!(handled.contains(&stuck));
    assert!(handled.iter().all(|p| *p >= stuck));
    runner.stop().await.unwrap();
    assert_eq!(checkpoints.get("test:stuck"), head);
}

/// Follows alone: its own consumer.
struct Alone(Mutex<Vec<Position>>);

#[async_trait]
impl ProcessManager for Alone {
    fn name(&self) -> &'static str {
        "test:alone"
    }

    fn follows_alone(&self) -> bool {
        true
    }

    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError> {
        self.0.lock().unwrap().push(incoming.record.position);
        Ok(())
    }
}

#[tokio::test]
async fn a_manager_following_alone_is_not_held_back_by_a_stuck_one() {
    let w = World::memory().await;
    let head = six_streams(&w).await;
    let first = Position(head.0 - 5);
    // Stuck on the first event for ever; serial, so it holds back its whole consumer.
    let stuck = Arc::new(StuckAt {
        stuck: first,
        handled: Mutex::default(),
    });
    let alone = Arc::new(Alone(Mutex::default()));
    let checkpoints = Arc::new(MemoryCheckpoints::default());
    let managers: Vec<Arc<dyn ProcessManager>> = vec![stuck.clone(), alone.clone()];
    let runner = ProcessRunner::new(w.store.clone(), checkpoints.clone(), managers).spawn();
    let deadline = std::time::Instant::now() + DEADLINE;
    while alone.0.lock().unwrap().len() < 6 {
        assert!(
            std::time::Instant::now() < deadline,
            "held back by the stuck manager"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Events appended now come in a later batch, which a shared consumer would never read
    // while the stuck manager retries.
    for n in 0..3 {
        w.stock(800 + n, "D-BER-01", "AURA", &[]).await;
    }
    let head = w.head().await;
    while alone.0.lock().unwrap().len() < 9 {
        assert!(
            std::time::Instant::now() < deadline,
            "held back by the stuck manager"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(runner
        .wait_for(head, Duration::from_millis(50))
        .await
        .is_err());
    tokio::time::timeout(DEADLINE, runner.stop())
        .await
        .expect("stops promptly")
        .unwrap();
    assert_eq!(checkpoints.get("test:alone"), head);
    assert!(checkpoints.get("test:stuck") < first);
}
