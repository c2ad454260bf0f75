//! Erasure by crypto-shredding, checked where the data lives: after a customer is erased,
//! no personal value of theirs is anywhere in the database (the SQLite file and its WAL,
//! or every PostgreSQL table of the schema), while the log still replays and the views
//! rebuild to "erased".
//!
//! Personal values are sealed before they reach a command, so the scan finding nothing is
//! only half the proof; the other half: the sealed profile is still in the log, the key
//! that opened it before the erasure is gone after it, and the scan itself finds a value
//! that is stored in clear (the customer id), so it cannot pass by reading nothing.

#![allow(clippy::unwrap_used)]

#[path = "../../api/tests/support/mod.rs"]
mod support;

use api::auth::Role;
use api::runtime::Runtime;
use otd::settings::Settings;
use serde_json::json;
use support::*;

const NAME: &str = "Xaver Quellhuber";
const EMAIL: &str = "xaver.quellhuber@erasure.example";
const PHONE_DIGITS: &str = "309876543";
const MASTER_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn settings(data: &std::path::Path, backend: &[&str]) -> Settings {
    let mut flags = vec![
        "--data",
        data.to_str().unwrap(),
        "--clock",
        "sim:2026-11-23",
        "--jwt-secret",
        std::str::from_utf8(SECRET).unwrap(),
        "--master-key",
        MASTER_KEY,
    ];
    flags.extend_from_slice(backend);
    Settings::from_flags(flags).unwrap()
}

/// Registers the customer in a showroom, orders for them, pays nothing; returns the id.
async fn customer_with_an_order(rt: &Runtime) -> String {
    let dealer = token(Role::Dealer, "D-BER-01");
    let body = json!({"name": NAME, "email": EMAIL, "phone": format!("0{PHONE_DIGITS}"),
        "language": "de", "market": "DE",
        "billing_address": {"street": "Quellweg 7", "postcode": "10115", "city": "Berlin", "country": "DE"}})
    .to_string();
    let r = call(
        &rt.state,
        "POST",
        "/api/v1/customers",
        Some(&dealer),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let customer = r.json["customer_id"].as_str().unwrap().to_owned();
    let order = json!({"market": "DE", "model": "AURA", "options": [], "dealer_id": "D-BER-01",
        "customer_id": customer})
    .to_string();
    let r = call(
        &rt.state,
        "POST",
        "/api/v1/orders",
        Some(&dealer),
        Some(&order),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    settle(rt).await;
    let view = call(
        &rt.state,
        "GET",
        &format!("/api/v1/customers/{customer}"),
        Some(&dealer),
        None,
    )
    .await;
    assert_eq!(
        view.json["name"], NAME,
        "the 360 opens the profile before the erasure"
    );
    customer
}

/// Erases the customer (as an admin) and checks the views and the vault afterwards.
async fn erase(rt: &Runtime, customer: &str) {
    let admin = token(Role::Admin, "privacy-desk");
    let r = call(
        &rt.state,
        "POST",
        &format!("/api/v1/customers/{customer}/erase"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    settle(rt).await;
    let people = rt.state.people.as_ref().unwrap();
    let id = domain::values::CustomerId::parse(customer).unwrap();
    let state = people.customer(&id).await.unwrap();
    assert!(state.erased());
    let sealed = state
        .profile()
        .expect("the sealed profile stays in the log");
    let opened = people.open_profile(&id, sealed).await.unwrap();
    assert!(opened.clear().is_none(), "the key is destroyed");
}

/// After a rebuild of every projection from the log, the 360 is the erased one.
async fn rebuilt_views_stay_erased(rt: &Runtime, customer: &str) {
    rt.projections().rebuild(None).await.unwrap();
    settle(rt).await;
    let planner = token(Role::Planner, "pat");
    let view = call(
        &rt.state,
        "GET",
        &format!("/api/v1/customers/{customer}"),
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(view.status, 200, "{:?}", view.json);
    assert_eq!(view.json["erased"], true);
    assert_eq!(view.json["name"], serde_json::Value::Null);
    assert_eq!(view.json["orders"].as_array().unwrap().len(), 1);
}

fn needles() -> [&'static str; 4] {
    [NAME, "Quellhuber", EMAIL, PHONE_DIGITS]
}

/// Every file of the data folder, as bytes.
fn files(data: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_erasure_no_personal_value_is_in_the_sqlite_files_and_the_log_still_replays() {
    let data = tempfile::tempdir().unwrap();
    let rt = otd::stores::start(&settings(data.path(), &["--backend", "sqlite"]))
        .await
        .unwrap();
    let customer = customer_with_an_order(&rt).await;
    erase(&rt, &customer).await;
    rebuilt_views_stay_erased(&rt, &customer).await;
    rt.shutdown().await;
    let files = files(data.path());
    assert!(
        files.iter().any(|(_, bytes)| contains(bytes, &customer)),
        "the scan reads the database: the customer id (not personal) is there in clear"
    );
    for (path, bytes) in &files {
        for needle in needles() {
            assert!(!contains(bytes, needle), "{needle:?} found in {path}");
        }
    }
    // The log still replays from the start: a new engine on the same files comes up.
    let rt = otd::stores::start(&settings(data.path(), &["--backend", "sqlite"]))
        .await
        .unwrap();
    rebuilt_views_stay_erased(&rt, &customer).await;
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_erasure_no_personal_value_is_in_any_postgresql_table() {
    let Ok(url) = std::env::var("OTD_TEST_POSTGRES_URL") else {
        eprintln!(
            "SKIPPED: OTD_TEST_POSTGRES_URL is not set, the PostgreSQL erasure scan did not run"
        );
        return;
    };
    let schema = store::ThrowawaySchema::new(&url, "otd_erase");
    let data = tempfile::tempdir().unwrap();
    let backend = [
        "--backend",
        "postgres",
        "--postgres-url",
        url.as_str(),
        "--postgres-schema",
        schema.name(),
    ];
    let rt = otd::stores::start(&settings(data.path(), &backend))
        .await
        .unwrap();
    let customer = customer_with_an_order(&rt).await;
    erase(&rt, &customer).await;
    rebuilt_views_stay_erased(&rt, &customer).await;
    rt.shutdown().await;
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let tables = client
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1",
            &[&schema.name()],
        )
        .await
        .unwrap();
    assert!(!tables.is_empty());
    let mut found_id = false;
    for table in tables {
        let table: String = table.get(0);
        let sql = format!("SELECT t::text FROM \"{}\".\"{table}\" t", schema.name());
        for row in client.query(sql.as_str(), &[]).await.unwrap() {
            let text: String = row.get(0);
            found_id |= text.contains(&customer);
            for needle in needles() {
                assert!(!text.contains(needle), "{needle:?} found in table {table}");
            }
        }
    }
    assert!(
        found_id,
        "the scan reads the tables: the customer id is there in clear"
    );
}
