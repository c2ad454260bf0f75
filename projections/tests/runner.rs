//! The runner as the API and the process managers use it: read-your-writes, lag, rebuilding
//! a projection while running, a malformed event stopping only the projections that read it,
//! foreign streams, a new projection version, and the process managers' checkpoints.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use app::Checkpoints;
use projections::views::OrderFilter;
use projections::{
    all_projections, DocQuery, Docs, Envelope, ProcessCheckpoints, Projection, ProjectionError,
    ReadModelError, ReadModelStore, Runner, RunnerError, RunnerOptions, WaitError,
};
use store::{EventStore, ExpectedVersion, NewEvent, Payload, Position, StreamId};
use support::world::World;

const WAIT: Duration = Duration::from_secs(10);

/// A small story: stock, capacity, three orders, one shipped.
async fn story(w: &mut World) {
    w.open_capacity("P-LEIPZIG", "2026-W51", 2).await.unwrap();
    let car = w.register_stock("DE", "AURA", &[], "D-MUC-01").await;
    let first = w.place("C-1", "D-BER-01", "DE", "AURA", &[]).await.unwrap();
    w.allocate(first, car).await.unwrap();
    w.dispatch(first, car).await.unwrap();
    let second = w
        .place("C-2", "D-BER-01", "DE", "AURA", &["PNT-RED"])
        .await
        .unwrap();
    w.schedule(second, "2026-W51").await.unwrap();
    let third = w.place("C-3", "D-HAM-01", "DE", "AURA", &[]).await.unwrap();
    w.await_capacity(third).await.unwrap();
}

async fn append_raw(
    events: &Arc<dyn EventStore>,
    stream: &str,
    event_type: &str,
    json: &str,
) -> Position {
    let stream = StreamId::parse(stream).unwrap();
    let event = NewEvent::new(event_type, Payload::from_json(json).unwrap());
    events
        .append(&stream, ExpectedVersion::Any, vec![event])
        .await
        .unwrap()
        .last_position
}

#[tokio::test]
async fn a_read_waits_for_the_position_of_its_write() {
    let (events, read_models, _dir) = support::sqlite().await;
    let runner = support::runner(&events, &read_models, 3).await;
    let views = support::views(&runner, &events, &read_models);
    let mut w = World::new(Arc::clone(&events));
    let order = w.place("C-9", "D-BER-01", "DE", "AURA", &[]).await.unwrap();
    let written = w.head().await;
    views.wait_for(written, WAIT).await.unwrap();
    assert!(
        views.order(order).await.unwrap().is_some(),
        "read-your-writes"
    );
    let ahead = Position(written.0 + 100);
    let late = views.wait_for(ahead, Duration::from_millis(50)).await;
    assert_eq!(
        late,
        Err(WaitError::Timeout {
            wanted: ahead,
            reached: written
        })
    );
    let lag = runner.lag().await.unwrap();
    assert_eq!(lag.len(), all_projections().len());
    assert!(lag.iter().all(|l| l.events == 0), "{lag:?}");
    let progress = runner.progress();
    runner.stop().await;
    assert!(!progress.snapshot().running);
    assert_eq!(
        progress.wait_for(ahead, WAIT).await,
        Err(WaitError::Stopped)
    );
}

#[tokio::test]
async fn a_projection_rebuilt_while_running_comes_back_the_same() {
    let (events, read_models, _dir) = support::sqlite().await;
    let runner = support::runner(&events, &read_models, 4).await;
    let mut w = World::new(Arc::clone(&events));
    story(&mut w).await;
    runner.wait_for(w.head().await, WAIT).await.unwrap();
    let before = support::dump(&read_models);

    runner.rebuild(Some("stock")).await.unwrap();
    runner.wait_for(w.head().await, WAIT).await.unwrap();
    support::assert_same_documents(&before, &support::dump(&read_models));

    runner.rebuild(None).await.unwrap();
    runner.wait_for(w.head().await, WAIT).await.unwrap();
    support::assert_same_documents(&before, &support::dump(&read_models));

    let unknown = runner.rebuild(Some("nope")).await;
    assert!(
        matches!(unknown, Err(RunnerError::ReadModel(ReadModelError::UnknownProjection(ref n))) if n == "nope"),
        "{unknown:?}"
    );
    runner.stop().await;
}

#[tokio::test]
async fn a_malformed_event_stops_only_the_projections_that_read_it() {
    let (events, read_models) = support::memory();
    let runner = support::runner(&events, &read_models, 100).await;
    let views = support::views(&runner, &events, &read_models);
    let mut w = World::new(Arc::clone(&events));
    story(&mut w).await;
    let stream = format!("order-{}", domain::values::OrderId::derived("broken"));
    let bad = append_raw(
        &events,
        &stream,
        "OrderPlaced",
        r#"{"type":"OrderPlaced","data":{"x":1}}"#,
    )
    .await;
    // Events after it keep coming.
    w.open_capacity("P-LEIPZIG", "2026-W52", 3).await.unwrap();
    let head = w.head().await;

    let waited = views.wait_for(head, WAIT).await;
    let Err(WaitError::Failed { projection, error }) = waited else {
        panic!("expected a failed projection, got {waited:?}");
    };
    assert_eq!(projection, "orders");
    assert!(
        error.contains(&format!("position {bad}")) && error.contains(&stream),
        "{error}"
    );
    let snapshot = runner.progress().snapshot();
    let orders = snapshot
        .projections
        .iter()
        .find(|p| p.name == "orders")
        .unwrap();
    assert!(
        orders.checkpoint < bad,
        "it stays at its last commit before the bad event"
    );
    assert!(matches!(
        orders.failure,
        Some(ProjectionError::Malformed { .. })
    ));
    // The others read no order events and are at the head.
    for name in ["stock", "capacity", "finance"] {
        assert_eq!(snapshot.checkpoint(name), Some(head), "{name}");
    }
    let lag = runner.lag().await.unwrap();
    let orders_lag = lag.iter().find(|l| l.projection == "orders").unwrap();
    assert!(orders_lag.events > head.0 - bad.0);
    // What it committed before the bad event is still served.
    assert!(views.orders(&OrderFilter::default()).await.unwrap().len() <= 3);
    runner.stop().await;
}

#[tokio::test]
async fn events_of_foreign_streams_are_passed_over() {
    let (events, read_models) = support::memory();
    let runner = support::runner(&events, &read_models, 2).await;
    let mut w = World::new(Arc::clone(&events));
    story(&mut w).await;
    append_raw(&events, "pm-fulfilment-7", "Noted", r#"{"anything": true}"#).await;
    let placed = w.place("C-4", "D-MUC-01", "DE", "AURA", &[]).await.unwrap();
    runner.wait_for(w.head().await, WAIT).await.unwrap();
    let doc = read_models.load("orders", &placed.to_string()).unwrap();
    assert!(doc.is_some());
    runner.stop().await;
}

/// The orders projection under another version number.
struct Versioned(u32);

impl Projection for Versioned {
    fn name(&self) -> &'static str {
        "orders"
    }
    fn version(&self) -> u32 {
        self.0
    }
    fn collections(&self) -> &'static [&'static str] {
        projections::models::orders::OrdersProjection.collections()
    }
    fn categories(&self) -> &'static [&'static str] {
        projections::models::orders::OrdersProjection.categories()
    }
    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        projections::models::orders::OrdersProjection.apply(envelope, docs)
    }
}

#[tokio::test]
async fn a_new_version_of_a_projection_is_rebuilt_at_start() {
    let (events, read_models, _dir) = support::sqlite().await;
    let mut w = World::new(Arc::clone(&events));
    story(&mut w).await;
    let start = |version| {
        let projections: Vec<Arc<dyn Projection>> = vec![Arc::new(Versioned(version))];
        Runner::start(
            Arc::clone(&events),
            Arc::clone(&read_models),
            projections,
            RunnerOptions::default(),
        )
    };
    let runner = start(1).await.unwrap();
    runner.wait_for(w.head().await, WAIT).await.unwrap();
    runner.stop().await;
    let before = support::dump(&read_models);
    // A stray document the old version left: a rebuild drops it.
    let stray = read_models.find("orders", &DocQuery::all()).unwrap()[0].clone();
    assert_eq!(
        read_models.checkpoint("orders").unwrap().unwrap().version,
        1
    );

    let runner = start(2).await.unwrap();
    let checkpoint = read_models.checkpoint("orders").unwrap().unwrap();
    assert_eq!(
        (checkpoint.version, checkpoint.position),
        (2, Position::START),
        "reset at start"
    );
    runner.wait_for(w.head().await, WAIT).await.unwrap();
    support::assert_same_documents(&before, &support::dump(&read_models));
    assert!(read_models.load("orders", &stray.key).unwrap().is_some());
    runner.stop().await;
}

async fn process_checkpoints_round_trip(read_models: Arc<dyn ReadModelStore>) {
    let checkpoints = ProcessCheckpoints::new(Arc::clone(&read_models));
    assert_eq!(
        checkpoints.load("fulfilment").await.unwrap(),
        Position::START
    );
    checkpoints.save("fulfilment", Position(42)).await.unwrap();
    checkpoints.save("invoicing", Position(7)).await.unwrap();
    checkpoints.save("fulfilment", Position(43)).await.unwrap();
    assert_eq!(checkpoints.load("fulfilment").await.unwrap(), Position(43));
    assert_eq!(checkpoints.load("invoicing").await.unwrap(), Position(7));
    // Kept apart from the projections' own checkpoints.
    assert!(read_models.checkpoint("fulfilment").unwrap().is_none());
    assert_eq!(
        read_models
            .checkpoint("pm:fulfilment")
            .unwrap()
            .map(|c| c.position),
        Some(Position(43))
    );
}

#[tokio::test]
async fn process_managers_keep_their_checkpoints_in_memory() {
    let (_, read_models) = support::memory();
    process_checkpoints_round_trip(read_models).await;
}

#[tokio::test]
async fn process_managers_keep_their_checkpoints_on_sqlite() {
    let (_, read_models, _dir) = support::sqlite().await;
    process_checkpoints_round_trip(read_models).await;
}

#[tokio::test]
async fn process_managers_keep_their_checkpoints_on_postgres() {
    let Some((_, read_models, _schema)) = support::pg::fresh().await else {
        return;
    };
    process_checkpoints_round_trip(read_models).await;
}

#[tokio::test]
async fn a_bulk_rebuild_builds_the_same_documents_and_its_indexes() {
    let (events, read_models, dir) = support::sqlite().await;
    let mut w = World::new(Arc::clone(&events));
    story(&mut w).await;
    // The same log projected in memory, the ordinary way.
    let reference: Arc<dyn ReadModelStore> = Arc::new(projections::MemoryReadModels::new());
    projections::catch_up(
        Arc::clone(&events),
        Arc::clone(&reference),
        all_projections(),
        RunnerOptions::default(),
    )
    .await
    .unwrap();
    // On SQLite, in bulk: tag indexes dropped, built again before the end.
    let options = RunnerOptions {
        max_batch: 3,
        commit_every: 7,
        bulk_min_events: 1,
        ..RunnerOptions::default()
    };
    projections::rebuild(
        events,
        Arc::clone(&read_models),
        all_projections(),
        None,
        options,
    )
    .await
    .unwrap();
    support::assert_same_documents(&support::dump(&reference), &support::dump(&read_models));
    let conn = rusqlite::Connection::open(dir.path().join("events.db")).unwrap();
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'rm_docs_tag%' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(indexes, ["rm_docs_tag1", "rm_docs_tag2", "rm_docs_tag3"]);
}
