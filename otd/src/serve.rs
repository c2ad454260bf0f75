//! `otd serve`: the HTTP server on a running engine, with graceful shutdown.

use std::time::Duration;

use chrono::Duration as TokenTtl;

use crate::auth::Role;
use crate::runtime::Runtime;
use crate::settings::{ClockSetting, Settings};

/// Serves until SIGINT or SIGTERM, then finishes in-flight requests, stops
/// the process managers and the projections (saving their checkpoints) and
/// closes the store.
pub async fn serve(settings: Settings) -> Result<(), String> {
    tracing::info!(?settings, "starting");
    let runtime = Runtime::open(&settings).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("otd listening on http://{address}");
    if let ClockSetting::Simulated(date) = settings.clock {
        let today = runtime.state.clock.today();
        if today == date {
            println!("simulated clock at {date}; ready-made tokens (8 h):");
        } else {
            // Restored from the advances the log recorded for this start date.
            println!("simulated clock at {today} (started on {date}); ready-made tokens (8 h):");
        }
        print_tokens(&runtime, &address.to_string());
    }
    let app = crate::app(runtime.state.clone());
    crate::connections::serve(listener, app, settings.connections, shutdown_signal()).await;
    tracing::info!("draining: stopping process managers and projections");
    tokio::time::timeout(Duration::from_secs(30), runtime.shutdown())
        .await
        .map_err(|_| "shutdown took longer than 30 s".to_owned())?;
    println!("otd stopped");
    Ok(())
}

/// One token per role (the demo network's subjects) and the UI link.
pub fn print_tokens(runtime: &Runtime, address: &str) {
    let subjects = [
        (Role::Customer, "C-1001"),
        (Role::Dealer, "D-BER-01"),
        (Role::Planner, "planner"),
        (Role::Finance, "finance"),
    ];
    for (role, sub) in subjects {
        match runtime.state.auth.issue(role, sub, TokenTtl::hours(8)) {
            Ok(token) => println!(
                "  {:<8} {sub:<10} http://{address}/?token={token}",
                format!("{role:?}").to_lowercase()
            ),
            Err(e) => println!("  {role:?}: {e}"),
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}

/// Settings for a command from flags over `OTD_*` over the settings file
/// (`--config`, else `otd.toml` in the data folder).
pub fn settings_from(
    flags: crate::settings::Layer,
    config: Option<&std::path::Path>,
) -> Result<Settings, String> {
    let env = crate::settings::Layer::from_env(|k| std::env::var(k).ok());
    let data = flags
        .data
        .clone()
        .or_else(|| env.data.clone())
        .unwrap_or_else(|| "./otd-data".into());
    let file_path = config
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| data.join("otd.toml"));
    let file = crate::settings::Layer::from_file(&file_path)?;
    file.under(env).under(flags).resolve()
}
