//! `otd serve`: the HTTP server on a running engine, with graceful shutdown.

use std::time::Duration;

use chrono::Duration as TokenTtl;

use api::auth::Role;
use api::runtime::Runtime;

use crate::settings::{ClockSetting, ServeRole, Settings};

/// Serves until SIGINT or SIGTERM, then finishes in-flight requests, stops
/// the process managers and the projections (saving their checkpoints) and
/// closes the store. `role` says what this process does (refused where it makes no sense).
pub async fn serve(settings: Settings, role: ServeRole) -> Result<(), String> {
    tracing::info!(?settings, ?role, "starting");
    let duties = role.duties(&settings)?;
    let runtime = crate::stores::start_as(&settings, duties)
        .await
        .map_err(|e| e.to_string())?;
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
    let app = if duties.serves_api() {
        api::app(runtime.state.clone())
    } else {
        println!("worker: serving /healthz and /metrics only");
        api::worker_app(runtime.state.clone())
    };
    api::connections::serve(listener, app, settings.connections(), shutdown_signal()).await;
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
        match runtime.state.auth.issue_role(role, sub, TokenTtl::hours(8)) {
            Ok(token) => println!(
                "  {:<8} {sub:<10} http://{address}/?token={token}",
                role.as_str()
            ),
            Err(e) => println!("  {role}: {e}"),
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
