//! The process managers' leadership on PostgreSQL: one process leads per schema; the next
//! takes over when the leader lets go or its connection dies. Runs when
//! `OTD_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use app::Leadership;
use projections::PostgresLeadership;

const DEADLINE: Duration = Duration::from_secs(15);

#[tokio::test]
async fn one_process_leads_and_the_next_takes_over_when_it_lets_go_or_dies() {
    let Some(url) = support::pg::url() else {
        return;
    };
    let schema = format!("otd_lead_test_{}", uuid::Uuid::new_v4().simple());
    let first = PostgresLeadership::new(&url, &schema);
    let second = PostgresLeadership::new(&url, &schema);
    let elsewhere = PostgresLeadership::new(&url, &format!("{schema}_other"));

    let lease = tokio::time::timeout(DEADLINE, first.acquire())
        .await
        .unwrap()
        .unwrap();
    // Another schema is another log: led independently.
    let other = tokio::time::timeout(DEADLINE, elsewhere.acquire())
        .await
        .unwrap()
        .unwrap();
    // The same schema: the second waits while the first leads (a bounded wait that must run
    // out; it retries every second, so 2.5 s is two refusals).
    assert!(
        tokio::time::timeout(Duration::from_millis(2_500), second.acquire())
            .await
            .is_err(),
        "two leaders at once"
    );

    drop(lease);
    let mut taken = tokio::time::timeout(DEADLINE, second.acquire())
        .await
        .unwrap()
        .unwrap();
    drop(other);

    // The leader's connection dies (a crash, a partition): its lease says so, and the first
    // can lead again.
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let killed = client
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks \
             WHERE locktype = 'advisory' AND granted \
             AND objid = ((hashtext($1)::bigint & 4294967295)::text)::oid",
            &[&format!("otd process managers in {schema}")],
        )
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(killed, 1);
    tokio::time::timeout(DEADLINE, taken.lost()).await.unwrap();
    tokio::time::timeout(DEADLINE, first.acquire())
        .await
        .unwrap()
        .unwrap();
}

/// Partitions are led one lease each: two processes split them, and a process takes over
/// the partition of one that died while keeping its own.
#[tokio::test]
async fn processes_share_the_partitions_and_take_over_a_dead_ones() {
    let Some(url) = support::pg::url() else {
        return;
    };
    let schema = format!("otd_lead_test_{}", uuid::Uuid::new_v4().simple());
    let first = PostgresLeadership::new(&url, &schema);
    let second = PostgresLeadership::new(&url, &schema);
    let parts = ["partition 0 of 2", "partition 1 of 2"];

    let first_0 = tokio::time::timeout(DEADLINE, first.acquire_part(parts[0]))
        .await
        .unwrap()
        .unwrap();
    // The other partition is free: the second process takes it at once.
    let mut second_1 = tokio::time::timeout(DEADLINE, second.acquire_part(parts[1]))
        .await
        .unwrap()
        .unwrap();
    // Neither takes what the other holds (2.5 s: two refusals each).
    let both = async { tokio::join!(second.acquire_part(parts[0]), first.acquire_part(parts[1])) };
    assert!(
        tokio::time::timeout(Duration::from_millis(2_500), both)
            .await
            .is_err(),
        "a partition led twice"
    );
    // Partitions are not the whole: the unsplit lease is another lock.
    let whole = tokio::time::timeout(DEADLINE, first.acquire())
        .await
        .unwrap()
        .unwrap();
    drop(whole);

    // The second process dies: its partition's lease says so, the first takes it over and
    // keeps its own.
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let killed = client
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks \
             WHERE locktype = 'advisory' AND granted \
             AND objid = ((hashtext($1)::bigint & 4294967295)::text)::oid",
            &[&format!("otd process managers in {schema} {}", parts[1])],
        )
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(killed, 1);
    tokio::time::timeout(DEADLINE, second_1.lost())
        .await
        .unwrap();
    let _first_1 = tokio::time::timeout(DEADLINE, first.acquire_part(parts[1]))
        .await
        .unwrap()
        .unwrap();
    drop(first_0);
}
