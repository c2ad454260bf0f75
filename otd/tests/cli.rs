//! The `otd` binary's catalog commands, run as a user runs them.

#![allow(clippy::unwrap_used)]

use std::process::Command;

fn otd(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_otd"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn quote_prints_the_full_breakdown_of_a_valid_configuration() {
    let (code, out, _) = otd(&[
        "quote",
        "--market",
        "DE",
        "--model",
        "AURA",
        "--options",
        "PNT-RED,WHL-20,PKG-SPORT",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("48700.00 EUR"), "{out}");
    assert!(out.contains("9253.00 EUR"), "{out}");
    assert!(out.contains("57953.00 EUR"), "{out}");
    assert!(out.contains("1000.00 EUR"), "{out}");
}

#[test]
fn quote_lists_every_violated_rule_and_fails() {
    let (code, _, err) = otd(&[
        "quote",
        "--market",
        "DE",
        "--model",
        "AURA",
        "--options",
        "PKG-TOW,PKG-SPORT",
    ]);
    assert_eq!(code, 1);
    for rule in ["model_only", "requires", "excludes"] {
        assert!(err.contains(rule), "{rule} missing in {err}");
    }
}

#[test]
fn malformed_input_is_a_clear_error_not_a_panic() {
    let (code, _, err) = otd(&["quote", "--market", "GERMANY", "--model", "AURA"]);
    assert_eq!(code, 2);
    assert!(err.contains("market code"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_inconsistent_catalog_file_is_refused_with_its_reason() {
    let dir = std::env::temp_dir().join(format!("otd-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("catalog.toml");
    std::fs::write(&file, "price_list = 1").unwrap();
    let (code, _, err) = otd(&["--catalog", file.to_str().unwrap(), "catalog"]);
    assert_eq!(code, 2);
    assert!(err.contains("catalog is not valid"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_catalog_lists_markets_models_and_options() {
    let (code, out, _) = otd(&["catalog"]);
    assert_eq!(code, 0);
    for needle in [
        "market DE",
        "market CN",
        "model AURA",
        "model TERRA",
        "PKG-WINTER",
    ] {
        assert!(out.contains(needle), "{needle} missing in {out}");
    }
}

#[test]
fn token_signs_staff_claims_and_refuses_a_manager_who_is_not_a_dealer() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (code, out, err) = otd(&[
        "token",
        "--role",
        "dealer",
        "--sub",
        "D-BER-01",
        "--user",
        "U-4F7Q2M",
        "--manager",
        "--data",
        data,
    ]);
    assert_eq!(code, 0, "{err}");
    let secret = std::fs::read(dir.path().join("jwt-secret")).unwrap();
    let caller = api::auth::AuthKeys::from_secret(&secret)
        .verify(out.trim())
        .unwrap();
    assert_eq!(caller.user.as_ref().map(|u| u.as_str()), Some("U-4F7Q2M"));
    assert!(caller.manager);

    let (code, out, err) = otd(&[
        "token",
        "--role",
        "planner",
        "--sub",
        "alice",
        "--manager",
        "--data",
        data,
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("only a dealer"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let (code, _, err) = otd(&["token", "--role", "admin", "--sub", "ops", "--data", data]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = otd(&[
        "token", "--role", "dealer", "--sub", "D-BER-01", "--user", "alice", "--data", data,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("user id"), "{err}");
}

#[test]
fn admin_create_user_bootstraps_staff_accounts_and_refuses_bad_ones() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let create = |email: &str, role: &str, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_otd"))
            .args([
                "admin",
                "create-user",
                "--email",
                email,
                "--name",
                "Ada Admin",
                "--role",
                role,
            ])
            .args(extra)
            .args(["--password", "first admin password", "--data", dir])
            .env_remove("OTD_BACKEND")
            .output()
            .unwrap()
    };
    let out = create("ada@otd.example", "admin", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(id.starts_with("U-"), "{id}");
    let again = create("ADA@otd.example", "admin", &[]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("login_taken"));
    let no_dealer = create("sam@otd.example", "dealer", &[]);
    assert!(!no_dealer.status.success());
    assert!(String::from_utf8_lossy(&no_dealer.stderr).contains("dealer"));
    let manager = create(
        "mia@otd.example",
        "dealer",
        &["--dealer", "D-BER-01", "--manager"],
    );
    assert!(
        manager.status.success(),
        "{}",
        String::from_utf8_lossy(&manager.stderr)
    );
}
