//! Black-box tests: the real `otd` binary, started on a free port over the
//! embedded SQLite default (and over PostgreSQL when OTD_TEST_POSTGRES_URL is
//! set), driven over a real socket.

#![allow(clippy::unwrap_used)]

mod support;

use support::{customer_token, eventually, http, token, Server};

const ORDER: &str =
    r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01"}"#;

fn lifecycle(server: &Server) {
    let planner = token("planner", "pat");
    let customer = customer_token(server, "lifecycle@example.de");
    let dealer = token("dealer", "D-BER-01");
    let finance = token("finance", "fin");
    assert_eq!(
        http(server, "GET", "/healthz", None, None),
        (200, serde_json::json!({"status": "ok"}))
    );
    let (s, q) = http(
        server,
        "POST",
        "/api/v1/quotes",
        None,
        Some(r#"{"market":"DE","model":"AURA","options":["PNT-RED"]}"#),
    );
    assert_eq!(s, 200);
    assert_eq!(q["gross"]["amount_minor"], 5_247_900);
    let (s, _) = http(
        server,
        "PUT",
        "/api/v1/plants/P-LEIPZIG/capacity/2026-W50",
        Some(&planner),
        Some(r#"{"units":3}"#),
    );
    assert_eq!(s, 200);
    let (s, placed) = http(
        server,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(ORDER),
    );
    assert_eq!(s, 201, "{placed}");
    let id = placed["order_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/orders/{id}");
    eventually(server, &path, &customer, |o| o["status"] == "scheduled");
    let (s, _) = http(
        server,
        "POST",
        "/api/v1/clock/advance",
        Some(&planner),
        Some(r#"{"days":14}"#),
    );
    assert_eq!(s, 200);
    let (s, builds) = http(
        server,
        "POST",
        "/api/v1/plants/P-LEIPZIG/capacity/2026-W50/start-production",
        Some(&planner),
        None,
    );
    assert_eq!(s, 200, "{builds}");
    let vehicle = builds[0]["vehicle_id"].as_str().unwrap().to_owned();
    for step in ["complete-build", "dispatch"] {
        let (s, body) = http(
            server,
            "POST",
            &format!("/api/v1/vehicles/{vehicle}/{step}"),
            Some(&planner),
            None,
        );
        assert_eq!(s, 200, "{step}: {body}");
    }
    let (s, _) = http(
        server,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/delay"),
        Some(&planner),
        Some(r#"{"reason":"storm","new_eta":"2026-12-11"}"#),
    );
    assert_eq!(s, 200);
    eventually(server, &path, &customer, |o| o["delayed"] == true);
    let (s, _) = http(
        server,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/arrive"),
        Some(&dealer),
        None,
    );
    assert_eq!(s, 200);
    let o = eventually(server, &path, &customer, |o| {
        o["invoice"]["number"].is_string()
    });
    let number = o["invoice"]["number"].as_str().unwrap().to_owned();
    let due = o["invoice"]["amount_due"]["amount_minor"].as_i64().unwrap();
    let pay = format!(r#"{{"amount_minor":{due}}}"#);
    let (s, p) = http(
        server,
        "POST",
        &format!("/api/v1/invoices/{number}/payments"),
        Some(&finance),
        Some(&pay),
    );
    assert_eq!((s, p["status"].as_str()), (200, Some("paid")));
    let (s, _) = http(
        server,
        "POST",
        &format!("{path}/handover"),
        Some(&dealer),
        None,
    );
    assert_eq!(s, 200);
    let c = eventually(
        server,
        "/api/v1/dealers/D-BER-01/commissions?month=2026-12",
        &dealer,
        |c| c["lines"].as_array().is_some_and(|l| l.len() == 1),
    );
    assert_eq!(
        c["lines"][0]["commission"]["amount_minor"],
        176_400 + 15_000
    );
}

#[test]
fn a_full_lifecycle_over_a_real_socket_on_the_sqlite_default() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), &[]);
    lifecycle(&server);
    server.stop();
}

#[test]
fn a_full_lifecycle_over_a_real_socket_on_postgresql() {
    let Ok(url) = std::env::var("OTD_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: OTD_TEST_POSTGRES_URL is not set, the PostgreSQL black-box run did not happen");
        return;
    };
    let schema = store::ThrowawaySchema::new(&url, "otd_bb");
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(
        data.path(),
        &[
            "--backend",
            "postgres",
            "--postgres-url",
            &url,
            "--postgres-schema",
            schema.name(),
        ],
    );
    lifecycle(&server);
    server.stop();
}

#[test]
fn every_order_acknowledged_before_a_sigkill_is_there_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), &[]);
    let customer = customer_token(&server, "sigkill@example.de");
    let mut ids = Vec::new();
    for _ in 0..40 {
        let (s, placed) = http(
            &server,
            "POST",
            "/api/v1/orders",
            Some(&customer),
            Some(ORDER),
        );
        assert_eq!(s, 201);
        ids.push((
            placed["order_id"].as_str().unwrap().to_owned(),
            placed["position"].as_u64().unwrap(),
        ));
    }
    server.kill();
    let server = Server::start(data.path(), &[]);
    let last = ids.iter().map(|(_, p)| *p).max().unwrap();
    for (id, _) in &ids {
        let (s, o) = http(
            &server,
            "GET",
            &format!("/api/v1/orders/{id}?min_position={last}"),
            Some(&customer),
            None,
        );
        assert_eq!(s, 200, "order {id} lost after SIGKILL: {o}");
        assert_eq!(o["order_id"], id.as_str());
    }
    server.stop();
}

#[test]
fn a_sigkill_while_the_process_managers_work_never_books_twice() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), &[]);
    let planner = token("planner", "pat");
    let customer = customer_token(&server, "twice@example.de");
    for week in ["2026-W50", "2026-W51"] {
        let path = format!("/api/v1/plants/P-LEIPZIG/capacity/{week}");
        assert_eq!(
            http(
                &server,
                "PUT",
                &path,
                Some(&planner),
                Some(r#"{"units":15}"#)
            )
            .0,
            200
        );
    }
    for _ in 0..40 {
        assert_eq!(
            http(
                &server,
                "POST",
                "/api/v1/orders",
                Some(&customer),
                Some(ORDER)
            )
            .0,
            201
        );
    }
    // Killed while fulfilment is still booking slots.
    server.kill();
    let server = Server::start(data.path(), &[]);
    let orders = eventually(&server, "/api/v1/orders", &customer, |all| {
        let all = all.as_array().unwrap();
        all.len() == 40
            && all
                .iter()
                .all(|o| o["status"] == "scheduled" || o["status_reason"] == "awaiting capacity")
    });
    let scheduled = orders
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "scheduled")
        .count();
    assert_eq!(scheduled, 30, "every unit taken exactly once");
    let (_, weeks) = http(
        &server,
        "GET",
        "/api/v1/plants/P-LEIPZIG/capacity?from=2026-W50&to=2026-W51",
        Some(&planner),
        None,
    );
    let booked: u64 = weeks
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["booked"].as_u64().unwrap())
        .sum();
    assert_eq!(booked, 30, "no order booked twice: {weeks}");
    for w in weeks.as_array().unwrap() {
        assert!(w["booked"].as_u64() <= w["capacity"].as_u64());
    }
    server.stop();
}

/// Two `otd serve` on one PostgreSQL schema: only one runs the process managers, and when
/// it dies (SIGKILL) the other takes over, so orders placed through either are fulfilled
/// once.
#[test]
fn two_servers_on_one_postgresql_schema_share_the_work_and_survive_the_leaders_death() {
    let Ok(url) = std::env::var("OTD_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: OTD_TEST_POSTGRES_URL is not set, the two-server PostgreSQL run did not happen");
        return;
    };
    let schema = store::ThrowawaySchema::new(&url, "otd_bb2");
    let pg = [
        "--backend",
        "postgres",
        "--postgres-url",
        &url,
        "--postgres-schema",
        schema.name(),
    ];
    let (data_a, data_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = Server::start(data_a.path(), &pg);
    let second = Server::start(data_b.path(), &pg);
    let planner = token("planner", "pat");
    let customer = customer_token(&first, "two-servers@example.de");
    let (s, _) = http(
        &second,
        "PUT",
        "/api/v1/plants/P-LEIPZIG/capacity/2027-W02",
        Some(&planner),
        Some(r#"{"units":4}"#),
    );
    assert_eq!(s, 200);
    let place = |server: &Server| -> String {
        let (s, body) = http(
            server,
            "POST",
            "/api/v1/orders",
            Some(&customer),
            Some(ORDER),
        );
        assert_eq!(s, 201, "{body}");
        body["order_id"].as_str().unwrap().to_owned()
    };
    let scheduled = |server: &Server, order: &str| {
        eventually(server, &format!("/api/v1/orders/{order}"), &customer, |o| {
            o["status"] == "scheduled"
        });
    };
    let one = place(&first);
    let two = place(&second);
    scheduled(&second, &one);
    scheduled(&first, &two);

    // Whichever led dies; the survivor takes over the process managers.
    first.kill();
    let three = place(&second);
    scheduled(&second, &three);
    let capacity = eventually(
        &second,
        "/api/v1/plants/P-LEIPZIG/capacity?from=2027-W02&to=2027-W02",
        &planner,
        |weeks| weeks[0]["booked"] == 3,
    );
    assert_eq!(
        capacity[0]["capacity"], 4,
        "each order booked once: {capacity}"
    );
    second.stop();
}
