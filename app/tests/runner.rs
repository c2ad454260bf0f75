//! The runner: transient failures are retried until they pass, refusals are
//! recorded and passed over, checkpoints advance per manager, and a runner
//! stuck retrying still stops when asked.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use app::process::{Incoming, ProcessManager, ProcessRunner, ReactionError};
use app::{CommandError, Rejection, ViewError};
use async_trait::async_trait;
use domain::values::VehicleId;
use store::Position;
use support::{MemoryCheckpoints, World, DEADLINE};

/// Fails the first `failures` calls with an unavailable read side.
struct Flaky {
    calls: AtomicU32,
    failures: u32,
}

#[async_trait]
impl ProcessManager for Flaky {
    fn name(&self) -> &'static str {
        "test:flaky"
    }

    async fn react(&self, _: &Incoming) -> Result<(), ReactionError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if call < self.failures {
            return Err(ViewError("projections are rebuilding".into()).into());
        }
        Ok(())
    }
}

/// Refuses every event with a business rule.
struct Refusing;

#[async_trait]
impl ProcessManager for Refusing {
    fn name(&self) -> &'static str {
        "test:refusing"
    }

    async fn react(&self, _: &Incoming) -> Result<(), ReactionError> {
        Err(CommandError::Rejected(Rejection::DestinationRequired {
            vehicle: VehicleId::derived("nowhere"),
        })
        .into())
    }
}

async fn three_events(w: &World) -> Position {
    for n in 0..3 {
        w.stock(900 + n, "D-BER-01", "AURA", &[]).await;
    }
    w.head().await
}

#[tokio::test]
async fn transient_failures_are_retried_and_refusals_are_passed_over() {
    let w = World::memory().await;
    let head = three_events(&w).await;
    let flaky = Arc::new(Flaky {
        calls: AtomicU32::new(0),
        failures: 2,
    });
    let checkpoints = Arc::new(MemoryCheckpoints::default());
    let runner = ProcessRunner::new(
        w.store.clone(),
        checkpoints.clone(),
        vec![flaky.clone(), Arc::new(Refusing)],
    )
    .spawn();
    runner.wait_for(head, DEADLINE).await.unwrap();
    assert_eq!(runner.position(), head);
    // Two failures on the first event, then one call per event.
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 2 + 3);
    let skipped = runner.skipped();
    assert_eq!(skipped.len(), 3);
    assert!(skipped.iter().all(|s| s.manager == "test:refusing"));
    assert_eq!(skipped[0].event_type, "VehicleRegistered");

    runner.stop().await.unwrap();
    assert_eq!(checkpoints.get("test:flaky"), head);
    assert_eq!(checkpoints.get("test:refusing"), head);
}

#[tokio::test]
async fn each_manager_starts_from_its_own_checkpoint() {
    let w = World::memory().await;
    let head = three_events(&w).await;
    let behind = Arc::new(Flaky {
        calls: AtomicU32::new(0),
        failures: 0,
    });
    let checkpoints = Arc::new(MemoryCheckpoints::default());
    app::Checkpoints::save(checkpoints.as_ref(), "test:flaky", Position(2))
        .await
        .unwrap();
    let runner =
        ProcessRunner::new(w.store.clone(), checkpoints.clone(), vec![behind.clone()]).spawn();
    runner.wait_for(head, DEADLINE).await.unwrap();
    assert_eq!(
        behind.calls.load(Ordering::SeqCst),
        1,
        "only event 3 is new"
    );
    runner.stop().await.unwrap();
}

#[tokio::test]
async fn a_runner_retrying_forever_stops_when_asked() {
    let w = World::memory().await;
    three_events(&w).await;
    let stuck = Arc::new(Flaky {
        calls: AtomicU32::new(0),
        failures: u32::MAX,
    });
    let checkpoints = Arc::new(MemoryCheckpoints::default());
    let runner =
        ProcessRunner::new(w.store.clone(), checkpoints.clone(), vec![stuck.clone()]).spawn();
    let waited = runner
        .wait_for(Position(1), std::time::Duration::from_millis(100))
        .await;
    assert!(waited.is_err());
    tokio::time::timeout(DEADLINE, runner.stop())
        .await
        .expect("stops promptly")
        .unwrap();
    assert!(stuck.calls.load(Ordering::SeqCst) >= 1);
    assert_eq!(checkpoints.get("test:flaky"), Position::START);
}

/// Leadership granted by the test, one lease at a time: each permit added to `grants` lets
/// one `acquire` through, and `revoked.notify_one()` ends the lease in force.
struct Granted {
    grants: tokio::sync::Semaphore,
    revoked: Arc<tokio::sync::Notify>,
}

impl Default for Granted {
    fn default() -> Self {
        Granted {
            grants: tokio::sync::Semaphore::new(0),
            revoked: Arc::default(),
        }
    }
}

/// Waits (with a deadline) until the runner has saved `position` for the manager.
async fn saved(checkpoints: &MemoryCheckpoints, position: Position) {
    let deadline = std::time::Instant::now() + DEADLINE;
    while checkpoints.get("test:flaky") < position {
        assert!(std::time::Instant::now() < deadline, "checkpoint not saved");
        tokio::task::yield_now().await;
    }
}

struct GrantedLease {
    revoked: Arc<tokio::sync::Notify>,
}

#[async_trait]
impl app::Lease for GrantedLease {
    async fn lost(&mut self) {
        self.revoked.notified().await;
    }
}

#[async_trait]
impl app::Leadership for Granted {
    async fn acquire(&self) -> Result<Box<dyn app::Lease>, ViewError> {
        let permit = self.grants.acquire().await.unwrap();
        permit.forget();
        Ok(Box::new(GrantedLease {
            revoked: Arc::clone(&self.revoked),
        }))
    }
}

#[tokio::test]
async fn managers_react_only_while_this_process_leads() {
    let w = World::memory().await;
    let head = three_events(&w).await;
    let counting = Arc::new(Flaky {
        calls: AtomicU32::new(0),
        failures: 0,
    });
    let leadership = Arc::new(Granted::default());
    let checkpoints = Arc::new(MemoryCheckpoints::default());
    let runner = ProcessRunner::new(w.store.clone(), checkpoints.clone(), vec![counting.clone()])
        .with_leadership(leadership.clone())
        .spawn();
    // Not leading: nothing is handled (a bounded wait that must run out).
    let short = std::time::Duration::from_millis(300);
    assert!(runner.wait_for(head, short).await.is_err());
    assert_eq!(counting.calls.load(Ordering::SeqCst), 0);

    leadership.grants.add_permits(1);
    runner.wait_for(head, DEADLINE).await.unwrap();
    assert_eq!(counting.calls.load(Ordering::SeqCst), 3);

    // The lead is lost: new events wait for the next lease, which resumes from the saved
    // checkpoint, so nothing is handled twice.
    saved(&checkpoints, head).await;
    leadership.revoked.notify_one();
    w.stock(910, "D-BER-01", "AURA", &[]).await;
    let later = w.head().await;
    assert!(
        runner.wait_for(later, short).await.is_err(),
        "handled without the lead"
    );
    leadership.grants.add_permits(1);
    runner.wait_for(later, DEADLINE).await.unwrap();
    assert_eq!(counting.calls.load(Ordering::SeqCst), 4);
    runner.stop().await.unwrap();
    assert_eq!(checkpoints.get("test:flaky"), later);
}

#[tokio::test]
async fn a_runner_waiting_to_lead_still_stops_when_asked() {
    let w = World::memory().await;
    let runner = ProcessRunner::new(
        w.store.clone(),
        Arc::new(MemoryCheckpoints::default()),
        vec![Arc::new(Refusing)],
    )
    .with_leadership(Arc::new(Granted::default()))
    .spawn();
    tokio::time::timeout(DEADLINE, runner.stop())
        .await
        .unwrap()
        .unwrap();
}
