//! `otd demo`, run as a user runs it: the real binary on a fresh data
//! folder, two short simulated weeks.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn demo(data: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_otd"))
        .args(["demo", "--data"])
        .arg(data)
        .args(extra)
        .env_remove("OTD_JWT_SECRET")
        .env("OTD_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The first figure on the report line starting with `label`.
fn figure(report: &str, label: &str) -> u64 {
    let line = report
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no line {label:?} in\n{report}"));
    let value = line.trim_start()[label.len()..]
        .split_whitespace()
        .next()
        .unwrap();
    value.replace(',', "").parse().unwrap()
}

/// The report without the lines about this run (folder, timing).
fn business(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter(|l| {
            !(l.starts_with("data folder")
                || l.contains("wall time")
                || l.contains("events/s")
                // A verification link expires a week from now (wall time).
                || l.contains("verify-email?code="))
        })
        .collect()
}

#[test]
fn the_demo_does_business_and_the_same_seed_does_the_same_business() {
    let dir = tempfile::tempdir().unwrap();
    let two_weeks = |folder: &str, seed: &str| {
        demo(&dir.path().join(folder), &["--weeks", "2", "--seed", seed])
    };
    let (code, first, err) = two_weeks("a", "7");
    assert_eq!(code, 0, "{err}\n{first}");
    assert!(!err.contains("panicked"), "{err}");

    let placed = figure(&first, "placed");
    assert!(placed > 0, "{first}");
    assert!(figure(&first, "delivered") <= placed, "{first}");
    assert!(figure(&first, "cancelled") <= placed, "{first}");
    assert!(figure(&first, "customers") > 0, "{first}");
    assert!(figure(&first, "stock cars registered") > 0, "{first}");
    assert!(
        figure(&first, "capacity opened (plant-weeks)") > 0,
        "{first}"
    );
    assert!(figure(&first, "events written") > placed, "{first}");
    // Customers send configurations the rules refuse; the demo counts
    // them by rule and goes on.
    assert!(first.contains("refused attempts"), "{first}");
    for section in [
        "from stock (LTO)",
        "order to delivery, median",
        "invoices",
        "commission",
    ] {
        assert!(first.contains(section), "{section} missing in\n{first}");
    }
    for market in ["DE", "CN"] {
        assert!(
            first.lines().any(|l| l.trim_start().starts_with(market)),
            "no invoice line for {market} in\n{first}"
        );
    }
    for dealer in ["D-BER-01", "D-MUC-01", "D-HAM-01", "D-SHA-01", "D-BJS-01"] {
        assert!(first.contains(dealer), "{dealer} missing in\n{first}");
    }
    for who in [
        "Sign in as",
        "planner@otd.example",
        "finance@otd.example",
        "admin@otd.example",
        "manager.d-ber-01@otd.example",
        "customer.de@example.com",
        "/verify-email?code=",
    ] {
        assert!(first.contains(who), "{who} missing in\n{first}");
    }

    the_lead_funnel_is_worked_and_reported(&first, &dir.path().join("a"));
    // The outbox decided messages per kind; with no mail server they all wait.
    assert!(first.contains("messages"), "{first}");
    let confirmed = first
        .lines()
        .find(|l| l.trim_start().starts_with("order.confirmed"))
        .unwrap_or_else(|| panic!("no order.confirmed line in\n{first}"));
    let figures: Vec<u64> = confirmed
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(figures.len(), 4, "{confirmed}");
    assert_eq!(
        figures[0], placed,
        "one confirmation per order placed: {confirmed}"
    );
    assert_eq!(figures[1], figures[0], "all queued: {confirmed}");

    let (code, second, err) = two_weeks("b", "7");
    assert_eq!(code, 0, "{err}");
    assert_eq!(business(&first), business(&second));

    let (code, other, err) = two_weeks("c", "8");
    assert_eq!(code, 0, "{err}");
    assert_ne!(
        business(&first),
        business(&other),
        "another seed, same business?"
    );
}

/// The cells of the row `label` in the report's leads section, one per dealer (the
/// section's columns are 10 characters wide after a 34-character label).
fn crm_row(report: &str, label: &str) -> Vec<String> {
    let section: Vec<&str> = report
        .lines()
        .skip_while(|l| !l.starts_with("leads and test drives"))
        .take_while(|l| !l.is_empty())
        .collect();
    let line = section
        .iter()
        .find(|l| l.get(..34).is_some_and(|head| head.trim() == label))
        .unwrap_or_else(|| panic!("no row {label:?} in the leads section of\n{report}"));
    line.get(34..)
        .unwrap()
        .as_bytes()
        .chunks(10)
        .map(|cell| String::from_utf8_lossy(cell).trim().to_owned())
        .collect()
}

fn crm_counts(report: &str, label: &str) -> Vec<u64> {
    crm_row(report, label)
        .iter()
        .map(|c| c.parse().unwrap_or_else(|_| panic!("{label}: {c:?}")))
        .collect()
}

/// The lead funnel the demo reported, against the engine's own views of the demo's data
/// folder (opened again, its simulated clock where the demo left it): the KPIs are the
/// view's, the funnel adds up, and every sold lead names an order of its customer at its
/// dealer.
fn the_lead_funnel_is_worked_and_reported(report: &str, data: &Path) {
    use domain::lead::{Grade, LeadSource};
    use projections::views::LeadFilter;

    let header = report
        .lines()
        .find(|l| l.starts_with("leads and test drives"))
        .unwrap_or_else(|| panic!("no leads section in\n{report}"));
    let dealers: Vec<&str> = header[34..].split_whitespace().collect();
    assert_eq!(dealers.len(), 5, "{header}");

    let leads = crm_counts(report, "leads");
    let contacted = crm_counts(report, "contacted");
    let driven = crm_counts(report, "test driven");
    let sold = crm_counts(report, "sold (S)");
    let lost = crm_counts(report, "lost (F)");
    let open = crm_counts(report, "still open");
    let breaches = crm_counts(report, "2-hour breaches");
    for i in 0..dealers.len() {
        assert!(leads[i] > 0, "{} has no leads:\n{report}", dealers[i]);
        assert_eq!(sold[i] + lost[i] + open[i], leads[i], "{report}");
        assert!(
            contacted[i] <= leads[i] && driven[i] <= contacted[i],
            "{report}"
        );
    }
    let all = |v: &[u64]| v.iter().sum::<u64>();
    // Consultants answer mostly in time: some breaches, far fewer than leads.
    assert!(all(&breaches) > 0, "{report}");
    assert!(all(&breaches) * 4 < all(&leads), "{report}");
    assert!(all(&sold) > 0 && all(&lost) > 0, "{report}");
    assert!(all(&driven) > 0, "{report}");
    assert!(figure(report, "orders naming their lead") > 0, "{report}");
    assert!(all(&crm_counts(report, "no-show")) > 0, "{report}");

    let settings = otd::settings::Settings::from_flags::<_, std::ffi::OsString>([
        "--data".into(),
        data.as_os_str().to_owned(),
        "--backend".into(),
        "sqlite".into(),
        "--clock".into(),
        "sim:2026-11-23".into(),
    ])
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let runtime = otd::stores::start(&settings).await.unwrap();
        let views = runtime.state.views.clone();
        let head = runtime.state.executor.store().head().await.unwrap();
        views
            .wait_for(head, std::time::Duration::from_secs(60))
            .await
            .unwrap();
        let now = runtime.state.clock.now();
        let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut sources = std::collections::BTreeSet::new();
        for (i, id) in dealers.iter().enumerate() {
            let dealer_id = domain::values::DealerId::parse(id).unwrap();
            let dealer = runtime.state.catalog.dealer(&dealer_id).unwrap().clone();
            let kpis = views
                .crm_kpis(&dealer, start, dealer.local_date(now), now)
                .await
                .unwrap();
            // The report shows the view's figures.
            assert_eq!(u64::from(kpis.leads), leads[i], "{id}");
            assert_eq!(u64::from(kpis.sla_breaches), breaches[i], "{id}");
            let minutes = |m: Option<f64>| m.map_or("-".to_owned(), |m| format!("{m:.0} min"));
            assert_eq!(
                crm_row(report, "first response, median")[i],
                minutes(kpis.first_response.median_minutes),
                "{id}"
            );
            assert_eq!(
                crm_row(report, "first response, p90")[i],
                minutes(kpis.first_response.p90_minutes),
                "{id}"
            );
            let share = kpis.first_response.within_2h_share.unwrap();
            assert_eq!(
                crm_row(report, "answered within 2 h")[i],
                format!("{:.1} %", share * 100.0),
                "{id}"
            );
            assert!(share > 0.6 && share < 1.0, "{id}: {share}");
            assert_eq!(
                u64::from(kpis.overdue_follow_ups),
                crm_counts(report, "overdue follow-ups at the end")[i],
                "{id}"
            );
            let drives = kpis.test_drives;
            for (label, count) in [
                ("test drives booked", drives.booked),
                ("completed", drives.completed),
                ("no-show", drives.no_show),
                ("cancelled", drives.cancelled),
            ] {
                assert_eq!(
                    crm_counts(report, label)[i],
                    u64::from(count),
                    "{id} {label}"
                );
            }
            let closed_by_source: u32 = kpis.conversion_by_source.iter().map(|c| c.sold).sum();
            assert_eq!(u64::from(closed_by_source), sold[i], "{id}");

            let all_leads = views
                .leads_of_dealer(&dealer_id, &LeadFilter::default())
                .await
                .unwrap();
            for lead in &all_leads {
                sources.insert(lead.source);
                if lead.grade != Grade::S {
                    assert!(lead.sold_order.is_none(), "{lead:?}");
                    continue;
                }
                // Sold by the sold process manager: an order of this customer at this dealer.
                let order = lead.sold_order.unwrap_or_else(|| panic!("{lead:?}"));
                let order = views.order(order).await.unwrap().unwrap();
                assert_eq!(order.customer_id, lead.customer_id, "{lead:?}");
                assert!(
                    order.dealer_id == lead.dealer_id
                        || order.selling_dealer_id.as_ref() == Some(&lead.dealer_id),
                    "{lead:?} {order:?}"
                );
            }
        }
        assert_eq!(sources.len(), LeadSource::ALL.len(), "{sources:?}");
        runtime.shutdown().await;
    });
}

#[test]
fn a_data_folder_that_holds_events_is_refused_unless_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args = ["--seed", "3", "--orders-per-day", "1", "--weeks", "1"];
    let (code, _, err) = demo(&data, &args);
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = demo(&data, &args);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("already holds"), "{err}");
    assert!(err.contains("--fresh"), "{err}");
    assert!(out.is_empty(), "{out}");

    let fresh: Vec<&str> = args.iter().copied().chain(["--fresh"]).collect();
    let (code, out, err) = demo(&data, &fresh);
    assert_eq!(code, 0, "{err}");
    assert!(figure(&out, "placed") > 0, "{out}");
}

#[test]
fn nonsense_options_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = demo(dir.path(), &["--weeks", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--weeks"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // Days and production weeks past 9999 cannot be recorded (invoice numbers hold a
    // four-digit year): a demo that would reach them is refused before it starts.
    for start in ["9999-11-01", "0999-06-01"] {
        let (code, _, err) = demo(dir.path(), &["--weeks", "1", "--start", start]);
        assert_eq!(code, 2, "{start}: {err}");
        assert!(err.contains("--start"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
