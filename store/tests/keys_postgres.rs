//! The key table in PostgreSQL, when `OTD_TEST_POSTGRES_URL` names a server: the contract,
//! races between processes, and that a destroyed key is in no row and no page of the table's
//! files (the table is rewritten, so no dead tuple keeps it).

#![allow(clippy::unwrap_used)] // tests may unwrap
#![cfg(feature = "postgres")]

mod keys;
mod pg;

use store::{KeyStore, PostgresKeys, Shred};

#[tokio::test]
async fn postgres_keys_keep_the_contract() {
    let Some((store, _schema)) = pg::fresh_store().await else {
        return;
    };
    keys::contract(&PostgresKeys::open(&store).await.unwrap()).await;
}

#[tokio::test]
async fn two_connections_racing_for_a_key_share_the_winner() {
    let Some((store, schema)) = pg::fresh_store().await else {
        return;
    };
    let a = PostgresKeys::open(&store).await.unwrap();
    let b = PostgresKeys::connect(schema.url(), Some(schema.name()))
        .await
        .unwrap();
    keys::race(&a, &b).await;
}

/// The bytes of the table's main file, after a checkpoint wrote its pages out (needs a
/// superuser, which the test server's `postgres` is).
async fn table_file(client: &tokio_postgres::Client) -> Vec<u8> {
    client.batch_execute("CHECKPOINT").await.unwrap();
    client
        .query_one(
            "SELECT pg_read_binary_file(pg_relation_filepath('personal_keys'))",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_destroyed_key_is_in_no_row_and_no_page_of_the_table() {
    let Some((store, schema)) = pg::fresh_store().await else {
        return;
    };
    let keys = PostgresKeys::open(&store).await.unwrap();
    let client = pg::raw_client(schema.url(), schema.name()).await;
    let kept = keys::key("C-2", "profile", None);
    let doomed = keys::key("C-1", "profile", None);
    keys.insert_if_absent(kept.clone()).await.unwrap();
    keys.insert_if_absent(doomed.clone()).await.unwrap();
    // The scan can fail: before the shred the table's file holds the key.
    assert!(keys::contains(
        &table_file(&client).await,
        &doomed.wrapped_key
    ));

    keys.destroy_subject("C-1", Shred::All).await.unwrap();

    let rows: i64 = client
        .query_one(
            "SELECT count(*) FROM personal_keys WHERE wrapped_key = $1",
            &[&doomed.wrapped_key],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0);
    // VACUUM FULL copies a deleted row that a transaction older than the delete may still
    // see (another test's, here): the destroyed key leaves the file once no such snapshot
    // remains and the table is rewritten again (as the next destroy or the start-up
    // re-shredding does). A condition with a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut file = table_file(&client).await;
    while keys::contains(&file, &doomed.wrapped_key) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        client
            .batch_execute("VACUUM FULL personal_keys")
            .await
            .unwrap();
        file = table_file(&client).await;
    }
    assert!(
        !keys::contains(&file, &doomed.wrapped_key),
        "no dead tuple keeps it"
    );
    assert!(keys::contains(&file, &kept.wrapped_key));
    assert_eq!(keys.get("C-2/profile").await.unwrap(), Some(kept));
}
