//! The web UI: page shells rendered from templates compiled into the
//! binary, and the small hand-written scripts and styles they load.
//!
//! **Invariant:** a page never carries private data. The server renders
//! only what is public (the catalog: markets, models, options, dealers,
//! plants); everything else is fetched by the page's script from the same
//! `/api/v1/...` routes any client uses, with the session the user signed
//! in with, so the API's authorization applies unchanged. A page
//! opened without a token shows a sign-in form instead of data.
//!
//! People sign in on `/sign-in` with their e-mail and password: the server
//! sets the HttpOnly session cookie and the readable `otd_csrf` cookie, and
//! `app.js` sends the latter back in `X-CSRF-Token` on every write (see
//! `crate::session`). For developers and the browser tests a token still
//! works: in a link (`/?token=…`, as `otd serve` prints in sim mode; any page
//! takes it, the start page then goes on to the role's page) or pasted into
//! a form; `app.js` moves it into the tab's `sessionStorage` and strips it
//! from the address bar. Pages are sent with `Referrer-Policy: no-referrer`
//! and a Content-Security-Policy that allows scripts, styles and connections
//! to this origin only.
//!
//! - `pages`: the page handlers and what each template gets.
//! - `assets`: `/static/*`, embedded with `include_str!`, cached by version.
//!
//! See `docs/ui.md` for the pages, the roles and the browser tests.

mod assets;
mod catalog_view;
mod pages;

use axum::routing::get;
use axum::Router;

use crate::AppState;

/// The routes of the web UI (pages and static assets), to merge into the
/// API's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::index))
        .route("/sign-in", get(pages::sign_in))
        .route("/verify-email", get(pages::verify_email))
        .route("/reset-password", get(pages::reset_password))
        .route("/customers/{customer_id}", get(pages::customer))
        .route("/configurator", get(pages::configurator))
        .route("/orders", get(pages::orders))
        .route("/orders/{order_id}", get(pages::tracker))
        .route("/dealer", get(pages::dealer))
        .route("/leads", get(pages::leads))
        .route("/leads/{lead_id}", get(pages::lead))
        .route("/test-drives", get(pages::test_drives))
        .route("/planner", get(pages::planner))
        .route("/finance", get(pages::finance))
        .route("/static/{file}", get(assets::asset))
        .route("/favicon.ico", get(assets::favicon))
}
