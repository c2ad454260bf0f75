//! PostgreSQL-only guarantees: no subscriber skips a late committer, several processes share
//! one log, foreign schemas and unreachable servers give typed errors.

#![allow(clippy::unwrap_used)] // tests may unwrap
#![cfg(feature = "postgres")]

mod pg;

use std::sync::Arc;
use std::time::{Duration, Instant};

use store::{
    EventStore, ExpectedVersion, NewEvent, Payload, Position, PostgresStore, StoreError, StreamId,
};
use tokio::time::timeout;

const DEADLINE: Duration = Duration::from_secs(20);

fn stream(name: &str) -> StreamId {
    StreamId::parse(name).unwrap()
}

fn event(kind: &str) -> NewEvent {
    NewEvent::new(kind, Payload::from_json(r#"{"n":1}"#).unwrap())
}

/// Polls `condition` (a cheap query) until it holds, failing the test at the deadline.
async fn wait_until(what: &str, client: &tokio_postgres::Client, sql: &str, schema: &str) {
    let started = Instant::now();
    loop {
        let count: i64 = client.query_one(sql, &[&schema]).await.unwrap().get(0);
        if count > 0 {
            return;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The sequence-gap trap: transaction A takes a position, then stalls before committing; B,
/// from another process, appends meanwhile. With a sequence, B would commit position p+1
/// first, a subscriber would read it and move its checkpoint past p, and A's event would be
/// skipped forever. Here B must wait for A, and the subscriber must deliver A then B.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_subscriber_skips_an_event_that_commits_late() {
    let Some((process_a, _guard)) = pg::fresh_store().await else {
        return;
    };
    let url = pg::url().unwrap();
    let schema = process_a.schema().to_owned();
    let process_b = PostgresStore::connect(&url, Some(&schema)).await.unwrap();
    let control = pg::raw_client(&url, &schema).await;
    // Inserting a `Stalled` event waits for the test's advisory lock (4242, schema), inside the
    // writer's transaction, after its position was assigned. (7304292 = 0x6F7464 is the class
    // of the store's own lock.)
    control
        .batch_execute(
            "CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 PERFORM pg_advisory_lock_shared(4242, hashtext(TG_TABLE_SCHEMA));
                 PERFORM pg_advisory_unlock_shared(4242, hashtext(TG_TABLE_SCHEMA));
                 RETURN NEW;
             END $$;
             CREATE TRIGGER stall BEFORE INSERT ON events
                 FOR EACH ROW WHEN (NEW.event_type = 'Stalled') EXECUTE FUNCTION stall();
             SELECT pg_advisory_lock(4242, hashtext(current_schema()));",
        )
        .await
        .unwrap();
    let mut subscriber = process_b.subscribe_all(Position::START);

    let late = tokio::spawn({
        let store = process_a.clone();
        async move {
            store
                .append(
                    &stream("late"),
                    ExpectedVersion::NoStream,
                    vec![event("Stalled")],
                )
                .await
        }
    });
    wait_until(
        "A stalls inside its transaction",
        &control,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 4242 \
         AND objid::bigint = (hashtext($1)::bigint & 4294967295)",
        &schema,
    )
    .await;
    let quick = tokio::spawn({
        let store = process_b.clone();
        async move {
            store
                .append(
                    &stream("quick"),
                    ExpectedVersion::NoStream,
                    vec![event("Quick")],
                )
                .await
        }
    });
    // B either waits for the store's lock (this design) or has already committed (a design
    // with the trap); both are fine to continue from, and the checks below tell them apart.
    let started = Instant::now();
    loop {
        let waiting: i64 = control
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
                 AND classid = 7304292 AND objid::bigint = (hashtext($1)::bigint & 4294967295)",
                &[&schema],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 || quick.is_finished() {
            break;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "B neither waited nor committed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        !quick.is_finished(),
        "B must not commit while A, holding an earlier position, is open"
    );

    control
        .batch_execute("SELECT pg_advisory_unlock(4242, hashtext(current_schema()))")
        .await
        .unwrap();
    let late = timeout(DEADLINE, late).await.unwrap().unwrap().unwrap();
    let quick = timeout(DEADLINE, quick).await.unwrap().unwrap().unwrap();
    assert_eq!(
        (late.first_position, quick.first_position),
        (Position(1), Position(2))
    );

    let first = timeout(DEADLINE, subscriber.next())
        .await
        .expect("A is delivered")
        .unwrap();
    let second = timeout(DEADLINE, subscriber.next())
        .await
        .expect("B is delivered")
        .unwrap();
    assert_eq!(
        (first.event_type.as_str(), first.position),
        ("Stalled", Position(1))
    );
    assert_eq!(
        (second.event_type.as_str(), second.position),
        ("Quick", Position(2))
    );
}

/// Two store instances stand for two otd processes on one database: their concurrent appends
/// form one gapless log, one winner per version, and each one's subscribers see the other's
/// events live (LISTEN/NOTIFY).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_one_gapless_log_and_see_each_others_appends_live() {
    let Some((process_a, _guard)) = pg::fresh_store().await else {
        return;
    };
    let url = pg::url().unwrap();
    let process_b = PostgresStore::connect(&url, Some(process_a.schema()))
        .await
        .unwrap();
    let mut watcher_on_a = process_a.subscribe_all(Position::START);

    let mut tasks = Vec::new();
    for (index, store) in [process_a.clone(), process_b.clone()]
        .into_iter()
        .cycle()
        .take(16)
        .enumerate()
    {
        tasks.push(tokio::spawn(async move {
            let mut wins = 0;
            for round in 0..20 {
                store
                    .append(
                        &stream(&format!("own-{index}")),
                        ExpectedVersion::Any,
                        vec![event("Own")],
                    )
                    .await
                    .unwrap();
                let contended = stream("shared");
                let last = store
                    .read_stream(&contended, 0, 10_000)
                    .await
                    .unwrap()
                    .last()
                    .map(|e| e.stream_version);
                let expected = last.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
                match store
                    .append(&contended, expected, vec![event("Shared")])
                    .await
                {
                    Ok(_) => wins += 1,
                    Err(StoreError::WrongExpectedVersion { .. }) => {}
                    Err(other) => panic!("round {round}: {other}"),
                }
            }
            wins
        }));
    }
    let mut wins = 0;
    for task in tasks {
        wins += task.await.unwrap();
    }
    let shared = process_b
        .read_stream(&stream("shared"), 0, 10_000)
        .await
        .unwrap();
    assert_eq!(
        shared.len(),
        wins,
        "every win is one version, no version twice"
    );
    assert!(shared
        .iter()
        .enumerate()
        .all(|(index, e)| e.stream_version == index as u64));

    let total = 16 * 20 + wins;
    let mut seen = Vec::new();
    while seen.len() < total {
        seen.push(
            timeout(DEADLINE, watcher_on_a.next())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert!(
        seen.iter()
            .enumerate()
            .all(|(index, e)| e.position == Position(index as u64 + 1)),
        "gapless"
    );

    // B appends; A's subscriber, already caught up, is woken by B's notification.
    let late = process_b
        .append(
            &stream("from-b"),
            ExpectedVersion::NoStream,
            vec![event("FromB")],
        )
        .await
        .unwrap();
    let delivered = timeout(DEADLINE, watcher_on_a.next())
        .await
        .expect("B's append reaches A live")
        .unwrap();
    assert_eq!(delivered.position, late.first_position);
    assert_eq!(process_a.head().await.unwrap(), late.last_position);
}

#[tokio::test]
async fn connecting_twice_to_one_schema_applies_the_migrations_once() {
    let Some((first, _guard)) = pg::fresh_store().await else {
        return;
    };
    first
        .append(&stream("s"), ExpectedVersion::NoStream, vec![event("A")])
        .await
        .unwrap();
    let url = pg::url().unwrap();
    let second = PostgresStore::connect(&url, Some(first.schema()))
        .await
        .unwrap();
    assert_eq!(second.head().await.unwrap(), Position(1));
    let applied: i64 = pg::raw_client(&url, first.schema())
        .await
        .query_one("SELECT count(*) FROM otd_schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied, 2, "0001_init and 0002_occurred_at, once each");
}

#[tokio::test]
async fn a_schema_holding_another_programs_events_table_is_not_an_event_store() {
    let Some(url) = pg::url() else { return };
    let schema = pg::unique_schema(&url);
    let client = pg::raw_client(&url, "public").await;
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {0}; CREATE TABLE {0}.events (id serial PRIMARY KEY, what text);",
            schema.name()
        ))
        .await
        .unwrap();
    let connected = PostgresStore::connect(&url, Some(schema.name())).await;
    assert!(
        matches!(connected, Err(StoreError::NotAnEventStore { .. })),
        "got {:?}",
        connected.err()
    );
}

/// Needs no server: nothing listens on port 1.
#[tokio::test]
async fn an_unreachable_server_is_reported_as_unavailable() {
    let connected =
        PostgresStore::connect("postgres://otd@127.0.0.1:1/otd?connect_timeout=5", None).await;
    assert!(
        matches!(connected, Err(StoreError::Unavailable(_))),
        "got {:?}",
        connected.err()
    );
    let malformed = PostgresStore::connect("not a url at all", None).await;
    assert!(
        matches!(malformed, Err(StoreError::Unavailable(_))),
        "got {:?}",
        malformed.err()
    );
}

#[tokio::test]
async fn an_unusable_schema_name_is_refused_before_connecting() {
    let connected = PostgresStore::connect(
        "postgres://otd@127.0.0.1:1/otd",
        Some("Robert'); DROP TABLE x;--"),
    )
    .await;
    assert!(
        matches!(connected, Err(StoreError::Backend(_))),
        "got {:?}",
        connected.err()
    );
}

#[allow(dead_code)]
fn assert_store_is_shareable(store: PostgresStore) -> Arc<dyn EventStore> {
    Arc::new(store)
}
