//! The page handlers: each renders a template with the public catalog and
//! nothing else (the page's script fetches the rest with the user's token).

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::values::{LeadId, OrderId};

use super::assets::VERSION;
use super::catalog_view::CatalogView;
use crate::extract::AppPath;
use crate::problem::ApiError;
use crate::AppState;

/// Scripts, styles, images and connections from this origin only; no
/// inline script or style, no framing, no referrer (a link may carry a
/// token).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// What every page's layout needs.
pub struct Shell {
    /// The `<title>` and the `<h1>`.
    pub title: &'static str,
    /// The page's name: the navigation marks it, `app.js` reads it.
    pub page: &'static str,
    /// Who may use the page (`public`, or a role), for the sign-in gate.
    pub roles: &'static str,
    /// The page's own script in `/static/`.
    pub script: &'static str,
    /// The version of the assets, for their links.
    pub v: &'static str,
}

impl Shell {
    fn new(
        title: &'static str,
        page: &'static str,
        roles: &'static str,
        script: &'static str,
    ) -> Shell {
        Shell {
            title,
            page,
            roles,
            script,
            v: VERSION.as_str(),
        }
    }
}

#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexPage {
    pub shell: Shell,
}

#[derive(Template)]
#[template(path = "configurator.html")]
pub struct ConfiguratorPage {
    pub shell: Shell,
    pub catalog: CatalogView,
}

#[derive(Template)]
#[template(path = "orders.html")]
pub struct OrdersPage {
    pub shell: Shell,
}

#[derive(Template)]
#[template(path = "tracker.html")]
pub struct TrackerPage {
    pub shell: Shell,
    pub order_id: String,
    pub catalog: CatalogView,
}

#[derive(Template)]
#[template(path = "dealer.html")]
pub struct DealerPage {
    pub shell: Shell,
    /// The markets, for registering a showroom customer.
    pub catalog: CatalogView,
}

#[derive(Template)]
#[template(path = "planner.html")]
pub struct PlannerPage {
    pub shell: Shell,
    pub catalog: CatalogView,
}

#[derive(Template)]
#[template(path = "finance.html")]
pub struct FinancePage {
    pub shell: Shell,
    pub catalog: CatalogView,
}

#[derive(Template)]
#[template(path = "customer.html")]
pub struct CustomerPage {
    pub shell: Shell,
    pub customer_id: String,
}

#[derive(Template)]
#[template(path = "leads.html")]
pub struct LeadsPage {
    pub shell: Shell,
    /// The models, for a walk-in's lead.
    pub catalog: CatalogView,
}

#[derive(Template)]
#[template(path = "lead.html")]
pub struct LeadPage {
    pub shell: Shell,
    pub lead_id: String,
}

#[derive(Template)]
#[template(path = "test_drives.html")]
pub struct TestDrivesPage {
    pub shell: Shell,
}

#[derive(Template)]
#[template(path = "verify_email.html")]
pub struct VerifyEmailPage {
    pub shell: Shell,
}

#[derive(Template)]
#[template(path = "reset_password.html")]
pub struct ResetPasswordPage {
    pub shell: Shell,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    pub shell: Shell,
}

#[derive(Template)]
#[template(path = "not_found.html")]
pub struct NotFoundPage {
    pub shell: Shell,
    pub what: String,
}

/// A rendered page with the headers every page carries.
fn page(status: StatusCode, template: &impl Template) -> Result<Response, ApiError> {
    let html = template
        .render()
        .map_err(|e| ApiError::Internal(format!("rendering a page: {e}")))?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ),
    ];
    Ok((status, headers, html).into_response())
}

/// `/`: sign in, and the pages by role.
pub async fn index() -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &IndexPage {
            shell: Shell::new("Order to delivery", "index", "public", "index.js"),
        },
    )
}

/// `/sign-in`: e-mail and password, for the session cookie.
pub async fn sign_in() -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &SignInPage {
            shell: Shell::new("Sign in", "sign-in", "public", "sign-in.js"),
        },
    )
}

/// `/customers/{id}`: the customer 360 (the customer, its dealers, planners, finance).
pub async fn customer(AppPath(customer_id): AppPath<String>) -> Result<Response, ApiError> {
    let Ok(customer) = domain::values::CustomerId::parse(&customer_id) else {
        return page(
            StatusCode::NOT_FOUND,
            &NotFoundPage {
                shell: Shell::new("Not found", "not-found", "public", "index.js"),
                what: "That is not a customer number.".into(),
            },
        );
    };
    page(
        StatusCode::OK,
        &CustomerPage {
            shell: Shell::new(
                "Customer",
                "customer",
                "customer dealer planner finance admin",
                "customer.js",
            ),
            customer_id: customer.to_string(),
        },
    )
}

/// `/verify-email?code=`: the link of the verification mail.
pub async fn verify_email() -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &VerifyEmailPage {
            shell: Shell::new(
                "Verify your e-mail",
                "verify-email",
                "public",
                "verify-email.js",
            ),
        },
    )
}

/// `/reset-password[?code=]`: asking for a reset link, or setting the new password with
/// the link of the reset mail.
pub async fn reset_password() -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &ResetPasswordPage {
            shell: Shell::new(
                "Reset your password",
                "reset-password",
                "public",
                "reset-password.js",
            ),
        },
    )
}

/// `/configurator`: public; placing the order needs a customer or dealer.
pub async fn configurator(State(state): State<AppState>) -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &ConfiguratorPage {
            shell: Shell::new(
                "Configure your car",
                "configurator",
                "public",
                "configurator.js",
            ),
            catalog: CatalogView::of(&state.catalog),
        },
    )
}

/// `/orders`: the signed-in customer's orders.
pub async fn orders() -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &OrdersPage {
            shell: Shell::new("My orders", "orders", "customer dealer", "tracker.js"),
        },
    )
}

/// `/orders/{id}`: one order's tracker (its customer, its dealer).
pub async fn tracker(
    State(state): State<AppState>,
    AppPath(order_id): AppPath<String>,
) -> Result<Response, ApiError> {
    let Ok(order) = OrderId::parse(&order_id) else {
        return page(
            StatusCode::NOT_FOUND,
            &NotFoundPage {
                shell: Shell::new("Not found", "not-found", "public", "index.js"),
                what: format!("{order_id:?} is not an order number."),
            },
        );
    };
    page(
        StatusCode::OK,
        &TrackerPage {
            shell: Shell::new(
                "Order tracker",
                "tracker",
                "customer dealer planner finance",
                "tracker.js",
            ),
            order_id: order.to_string(),
            catalog: CatalogView::of(&state.catalog),
        },
    )
}

/// `/dealer`: the dealer's board, stock, handovers, commission and customers.
pub async fn dealer(State(state): State<AppState>) -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &DealerPage {
            shell: Shell::new("Dealer board", "dealer", "dealer", "dealer.js"),
            catalog: CatalogView::of(&state.catalog),
        },
    )
}

/// `/planner`: stock and demand, capacity, the locator and the actions.
pub async fn planner(State(state): State<AppState>) -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &PlannerPage {
            shell: Shell::new("Supply planning", "planner", "planner", "planner.js"),
            catalog: CatalogView::of(&state.catalog),
        },
    )
}

/// `/finance`: invoices, payments, commission statements.
pub async fn finance(State(state): State<AppState>) -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &FinancePage {
            shell: Shell::new("Finance", "finance", "finance", "finance.js"),
            catalog: CatalogView::of(&state.catalog),
        },
    )
}

/// `/leads`: the outlet's leads inbox; a manager also assigns, decides lost
/// requests and reads the breaches and the CRM KPIs.
pub async fn leads(State(state): State<AppState>) -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &LeadsPage {
            shell: Shell::new("Leads", "leads", "dealer", "leads.js"),
            catalog: CatalogView::of(&state.catalog),
        },
    )
}

/// `/leads/{id}`: one lead with its contacts; record a contact, regrade, ask for lost.
pub async fn lead(AppPath(lead_id): AppPath<String>) -> Result<Response, ApiError> {
    let Ok(lead) = LeadId::parse(&lead_id) else {
        return page(
            StatusCode::NOT_FOUND,
            &NotFoundPage {
                shell: Shell::new("Not found", "not-found", "public", "index.js"),
                what: "That is not a lead number.".into(),
            },
        );
    };
    page(
        StatusCode::OK,
        &LeadPage {
            shell: Shell::new("Lead", "lead", "dealer", "lead.js"),
            lead_id: lead.to_string(),
        },
    )
}

/// `/test-drives`: the showroom's day of demo cars and their 45-minute slots.
pub async fn test_drives() -> Result<Response, ApiError> {
    page(
        StatusCode::OK,
        &TestDrivesPage {
            shell: Shell::new("Test drives", "test-drives", "dealer", "test-drives.js"),
        },
    )
}
