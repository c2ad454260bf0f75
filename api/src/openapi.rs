//! The API description, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

pub mod problems;

use problems::SharedProblems;

#[derive(OpenApi)]
#[openapi(
    info(title = "otd", description = "Order-to-delivery for car makers selling direct (agency model)."),
    paths(
        routes::health::healthz,
        routes::catalog::catalog,
        routes::catalog::quote,
        routes::clock::get_clock,
        routes::clock::advance,
        crate::session::sign_in,
        crate::session::sign_out,
        routes::password_resets::request_reset,
        routes::password_resets::confirm_reset,
        routes::password_resets::resend_verification,
        routes::order_commands::place,
        routes::order_commands::amend,
        routes::order_commands::cancel,
        routes::order_commands::reallocate,
        routes::order_commands::book_handover,
        routes::order_commands::hand_over,
        routes::supply_commands::set_capacity,
        routes::supply_commands::start_production,
        routes::supply_commands::register_vehicle,
        routes::supply_commands::complete_build,
        routes::supply_commands::dispatch,
        routes::supply_commands::delay,
        routes::supply_commands::arrive,
        routes::supply_commands::record_payment,
        routes::lists::list_orders,
        routes::reads::get_order,
        routes::reads::order_history,
        routes::promises::order_promises,
        routes::reads::dealer_board,
        routes::board_stream::board_stream,
        routes::reads::commissions,
        routes::staff::dealer_staff,
        routes::supply_reads::capacity,
        routes::supply_reads::list_vehicles,
        routes::supply_reads::get_vehicle,
        routes::locate::locate_vehicles,
        routes::supply_reads::stock_summary,
        routes::lists::list_invoices,
        routes::reads::get_invoice,
        routes::reads::kpis,
        routes::leads::create,
        routes::leads::list,
        routes::leads::get_lead,
        routes::leads::contact,
        routes::leads::assign,
        routes::leads::request_lost,
        routes::leads::decide_lost,
        routes::crm_kpis::crm_kpis,
        routes::test_drives::slots,
        routes::test_drives::day,
        routes::test_drives::book,
        routes::test_drives::complete,
        routes::test_drives::cancel,
        routes::test_drives::no_show,
        routes::promises::promise_kpis,
        routes::messages::customer_messages,
        routes::messages::register_webhook,
        routes::messages::deliveries,
        routes::messages::replay,
    ),
    modifiers(&Bearer, &SharedProblems),
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// `GET /openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
