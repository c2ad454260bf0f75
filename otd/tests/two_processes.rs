//! Several `otd serve` processes on one PostgreSQL schema, black box: the real binary, real
//! sockets, SIGKILL. Written against behaviour, not the mechanism that shares the work (one
//! leader today, per-partition leases later): every acknowledged order is fulfilled exactly
//! once, no week is booked beyond its capacity, no vehicle is held twice. And `--role`: an
//! `api` process serves without fulfilling, a `worker` fulfils without serving the API, and
//! SQLite refuses to split them.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{customer_token, eventually, http, token, try_http, Server};

/// Weeks opened, each with [`UNITS`] units: more than the test places.
const WEEKS: [&str; 3] = ["2027-W02", "2027-W03", "2027-W04"];
const UNITS: u64 = 200;
/// Orders placed by each client thread before the kill, and after it.
const BEFORE_KILL: usize = 30;
const AFTER_KILL: usize = 30;
const CLIENTS: usize = 3;

fn postgres(url: &str, schema: &store::ThrowawaySchema) -> Vec<String> {
    [
        "--backend",
        "postgres",
        "--postgres-url",
        url,
        "--postgres-schema",
        schema.name(),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn order(n: usize) -> String {
    let options = ["[\"PNT-RED\"]", "[\"PNT-WHT\",\"WHL-20\"]"][n % 2];
    format!(r#"{{"market":"DE","model":"AURA","options":{options},"dealer_id":"D-BER-01"}}"#)
}

/// Opens the weeks and registers a little stock at the plant.
fn open_supply(server: &Server, planner: &str) {
    for week in WEEKS {
        let (s, body) = http(
            server,
            "PUT",
            &format!("/api/v1/plants/P-LEIPZIG/capacity/{week}"),
            Some(planner),
            Some(&format!(r#"{{"units":{UNITS}}}"#)),
        );
        assert_eq!(s, 200, "{body}");
    }
    for _ in 0..4 {
        let (s, body) = http(
            server,
            "POST",
            "/api/v1/vehicles",
            Some(planner),
            Some(r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"location":"P-LEIPZIG"}"#),
        );
        assert_eq!(s, 201, "{body}");
    }
}

/// The orders acknowledged (201) and the highest position they reached.
#[derive(Default)]
struct Acked {
    orders: Vec<String>,
    position: u64,
}

/// Places `count` orders from one client, alternating between `targets` while `first_alive`
/// holds and only on the second after; requests that fail (the killed process) are not
/// acknowledged and are not counted.
fn place(
    targets: [&str; 2],
    first_alive: &AtomicBool,
    customer: &str,
    count: usize,
    acked: &Mutex<Acked>,
) {
    for n in 0..count {
        let target = if n % 2 == 0 && first_alive.load(Ordering::SeqCst) {
            targets[0]
        } else {
            targets[1]
        };
        let Ok((201, body)) = try_http(
            target,
            "POST",
            "/api/v1/orders",
            Some(customer),
            Some(&order(n)),
        ) else {
            continue;
        };
        let mut acked = acked.lock().unwrap();
        acked
            .orders
            .push(body["order_id"].as_str().unwrap().to_owned());
        acked.position = acked.position.max(body["position"].as_u64().unwrap());
    }
}

/// Waits (up to two minutes: a debug build fulfils slowly) until none of the acknowledged
/// orders is still `placed` on `server`.
fn all_fulfilled(server: &Server, planner: &str, acked: &Acked) {
    let ids: HashSet<&str> = acked.orders.iter().map(String::as_str).collect();
    let path = format!(
        "/api/v1/orders?status=placed&min_position={}",
        acked.position
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, placed) = http(server, "GET", &path, Some(planner), None);
        let waiting = placed.as_array().map_or(usize::MAX, |rows| {
            rows.iter()
                .filter(|o| ids.contains(o["order_id"].as_str().unwrap_or_default()))
                .count()
        });
        if status == 200 && waiting == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{waiting} of {} acknowledged orders still placed ({status})",
            ids.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The read models: each acknowledged order listed once, allocated or scheduled with its ETA;
/// the weeks' bookings within capacity and equal to the orders scheduled in them; no vehicle
/// on two orders.
fn check_views(server: &Server, planner: &str, acked: &Acked) {
    let mut listed: Vec<Value> = Vec::new();
    for status in ["allocated", "scheduled"] {
        let (s, rows) = http(
            server,
            "GET",
            &format!(
                "/api/v1/orders?status={status}&min_position={}",
                acked.position
            ),
            Some(planner),
            None,
        );
        assert_eq!(s, 200, "{rows}");
        listed.extend(rows.as_array().unwrap().iter().cloned());
    }
    for id in &acked.orders {
        let rows: Vec<&Value> = listed
            .iter()
            .filter(|o| o["order_id"] == id.as_str())
            .collect();
        assert_eq!(
            rows.len(),
            1,
            "order {id} listed once as fulfilled: {rows:?}"
        );
        assert!(!rows[0]["eta"].is_null(), "{}", rows[0]);
    }
    let vehicles: Vec<&str> = listed
        .iter()
        .filter_map(|o| o["fulfilment"]["vehicle_id"].as_str())
        .collect();
    let distinct: HashSet<&&str> = vehicles.iter().collect();
    assert_eq!(
        distinct.len(),
        vehicles.len(),
        "a vehicle held twice: {vehicles:?}"
    );
    let (s, weeks) = http(
        server,
        "GET",
        &format!(
            "/api/v1/plants/P-LEIPZIG/capacity?from={}&to={}",
            WEEKS[0],
            WEEKS[WEEKS.len() - 1]
        ),
        Some(planner),
        None,
    );
    assert_eq!(s, 200, "{weeks}");
    for week in weeks.as_array().unwrap() {
        let name = week["week"].as_str().unwrap();
        let scheduled = listed
            .iter()
            .filter(|o| o["fulfilment"]["week"] == name && o["status"] == "scheduled")
            .count() as u64;
        assert!(
            week["booked"].as_u64().unwrap() <= week["capacity"].as_u64().unwrap(),
            "{week}"
        );
        assert_eq!(
            week["booked"], scheduled,
            "one booking per scheduled order: {week}"
        );
    }
}

/// Two processes of role `all` under load; the first (the leader: it started first) is
/// killed with SIGKILL half way; the load goes on against the survivor, which must take the
/// work over and fulfil every acknowledged order exactly once.
#[test]
fn two_processes_under_load_survive_a_kill_and_fulfil_every_order_exactly_once() {
    let Ok(url) = std::env::var("OTD_TEST_POSTGRES_URL") else {
        eprintln!(
            "SKIPPED: OTD_TEST_POSTGRES_URL is not set, the two-process kill test did not run"
        );
        return;
    };
    let schema = store::ThrowawaySchema::new(&url, "otd_kill");
    let flags = postgres(&url, &schema);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let (data_a, data_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = Server::start(data_a.path(), &flags);
    let second = Server::start(data_b.path(), &flags);
    let planner = token("planner", "pat");
    open_supply(&second, &planner);
    let customers: Vec<String> = (0..CLIENTS)
        .map(|n| customer_token(&first, &format!("kill-{n}@example.de")))
        .collect();
    let targets = [first.address.clone(), second.address.clone()];
    let first_alive = AtomicBool::new(true);
    let acked = Mutex::new(Acked::default());
    let killed = std::thread::scope(|scope| {
        let clients: Vec<_> = customers
            .iter()
            .map(|customer| {
                let (targets, first_alive, acked) = (&targets, &first_alive, &acked);
                scope.spawn(move || {
                    let targets = [targets[0].as_str(), targets[1].as_str()];
                    place(
                        targets,
                        first_alive,
                        customer,
                        BEFORE_KILL + AFTER_KILL,
                        acked,
                    );
                })
            })
            .collect();
        // Mid-way, while the clients are placing: kill the first process.
        let deadline = Instant::now() + Duration::from_secs(120);
        while acked.lock().unwrap().orders.len() < CLIENTS * BEFORE_KILL {
            assert!(
                Instant::now() < deadline,
                "the orders before the kill were not placed"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        first_alive.store(false, Ordering::SeqCst);
        first.kill();
        let placed_at_kill = acked.lock().unwrap().orders.len();
        for client in clients {
            client.join().unwrap();
        }
        placed_at_kill
    });
    let acked = acked.into_inner().unwrap();
    assert!(
        acked.orders.len() > killed,
        "orders were placed on the survivor after the kill"
    );
    all_fulfilled(&second, &planner, &acked);
    check_views(&second, &planner, &acked);
    second.stop();
    // The log, read back by the launch benchmark's own audit.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let audit = runtime.block_on(async {
        let events = store::PostgresStore::connect(&url, Some(schema.name()))
            .await
            .unwrap();
        otd::bench::launch_audit::log(&events, &acked.orders)
            .await
            .unwrap()
    });
    assert!(audit.passed(), "the log: {audit:?}");
}

/// An `api` process alone serves but never fulfils; a `worker` started beside it fulfils
/// what was placed, and serves only /healthz and /metrics.
#[test]
fn an_api_process_and_a_worker_process_split_the_work_on_postgresql() {
    let Ok(url) = std::env::var("OTD_TEST_POSTGRES_URL") else {
        eprintln!(
            "SKIPPED: OTD_TEST_POSTGRES_URL is not set, the --role api|worker run did not happen"
        );
        return;
    };
    let schema = store::ThrowawaySchema::new(&url, "otd_roles");
    let mut flags = postgres(&url, &schema);
    flags.extend(["--role".to_owned(), "api".to_owned()]);
    let api_flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let (data_api, data_worker) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let api = Server::start(data_api.path(), &api_flags);
    let planner = token("planner", "pat");
    open_supply(&api, &planner);
    let customer = customer_token(&api, "roles@example.de");
    let (s, placed) = http(
        &api,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(&order(1)),
    );
    assert_eq!(s, 201, "{placed}");
    let id = placed["order_id"].as_str().unwrap();
    let tracker = format!("/api/v1/orders/{id}?min_position={}", placed["position"]);
    // No process runs the process managers yet: the order waits, whatever the time.
    let (s, waiting) = http(&api, "GET", &tracker, Some(&customer), None);
    assert_eq!(
        (s, waiting["status"].as_str()),
        (200, Some("placed")),
        "{waiting}"
    );

    let worker_flags: Vec<&str> = api_flags
        .iter()
        .map(|f| if *f == "api" { "worker" } else { f })
        .collect();
    let worker = Server::start(data_worker.path(), &worker_flags);
    eventually(&api, &format!("/api/v1/orders/{id}"), &customer, |o| {
        o["status"] != "placed" && !o["eta"].is_null()
    });
    assert_eq!(http(&worker, "GET", "/healthz", None, None).0, 200);
    assert_eq!(http(&worker, "GET", "/metrics", None, None).0, 200);
    let (s, refused) = http(&worker, "GET", "/api/v1/catalog", None, None);
    assert_eq!(s, 404, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("worker"),
        "{refused}"
    );
    worker.stop();
    api.stop();
}

#[test]
fn serve_refuses_to_split_the_roles_on_sqlite() {
    for role in ["api", "worker"] {
        let data = tempfile::tempdir().unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_otd"))
            .args(["serve", "--listen", "127.0.0.1:0", "--role", role, "--data"])
            .arg(data.path())
            .env_remove("OTD_BACKEND")
            .env("OTD_JWT_SECRET", "two-processes-secret-two-processes-42")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "--role {role}: {stderr}");
        assert!(
            stderr.contains(&format!("--role {role} needs several processes")),
            "--role {role}: {stderr}"
        );
    }
}
