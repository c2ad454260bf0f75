//! The catalog and quotes: public, the one transparent price.

use axum::extract::State;
use axum::Json;
use domain::catalog::{LineKind, Quote};
use domain::values::{MarketCode, ModelCode, Money, OptionCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::AppJson;
use crate::problem::{ApiError, RuleViolation};
use crate::routes::estimate::{estimate, EstimateView};
use crate::AppState;

/// Markets, models, option families, options with their rules, prices.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog",
    responses((status = 200, description = "the catalog in force", body = domain::catalog::Catalog)))]
pub async fn catalog(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::to_value(state.catalog.as_ref()).unwrap_or_default())
}

/// A configuration to price.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    #[schema(value_type = domain::values::MarketCode)]
    pub market: String,
    #[schema(value_type = domain::values::ModelCode)]
    pub model: String,
    /// At most 64; families left out take their defaults.
    #[serde(default)]
    #[schema(value_type = Vec<domain::values::OptionCode>, max_items = 64, example = json!(["PNT-RED", "WHL-20"]))]
    pub options: Vec<String>,
    /// The delivering dealer: the answer then carries the delivery `estimate`
    /// (what fulfilment would decide for this configuration today).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "D-BER-01")]
    pub dealer_id: Option<String>,
}

/// Money as the API writes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyView {
    pub amount_minor: i64,
    #[schema(value_type = domain::values::Currency)]
    pub currency: String,
}

impl From<Money> for MoneyView {
    fn from(m: Money) -> Self {
        MoneyView {
            amount_minor: m.amount_minor,
            currency: m.currency.to_string(),
        }
    }
}

/// One line of the breakdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    #[schema(value_type = domain::catalog::LineKind)]
    pub kind: &'static str,
    pub code: String,
    pub description: String,
    pub amount: MoneyView,
}

/// The full price breakdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteView {
    #[schema(value_type = domain::values::MarketCode)]
    pub market: String,
    #[schema(value_type = domain::values::ModelCode)]
    pub model: String,
    /// The configuration with the defaults filled in.
    #[schema(value_type = Vec<domain::values::OptionCode>)]
    pub options: Vec<String>,
    pub lines: Vec<LineView>,
    pub net: MoneyView,
    pub vat: MoneyView,
    pub gross: MoneyView,
    pub deposit: MoneyView,
    pub price_list: String,
    /// With `dealer_id` in the request: when and how the car would come.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<EstimateView>,
}

impl From<Quote> for QuoteView {
    fn from(q: Quote) -> Self {
        QuoteView {
            market: q.market.to_string(),
            model: q.configuration.model.to_string(),
            options: q
                .configuration
                .options
                .iter()
                .map(ToString::to_string)
                .collect(),
            lines: q
                .lines
                .into_iter()
                .map(|l| LineView {
                    kind: match l.kind {
                        LineKind::Base => "base",
                        LineKind::Option => "option",
                    },
                    code: l.code,
                    description: l.description,
                    amount: l.amount.into(),
                })
                .collect(),
            net: q.price.net.into(),
            vat: q.price.vat.into(),
            gross: q.price.gross.into(),
            deposit: q.deposit.into(),
            price_list: q.sheet.price_list,
            estimate: None,
        }
    }
}

/// Parses the codes of a configuration; a malformed code is a 400.
pub fn parse_configuration(
    market: &str,
    model: &str,
    options: &[String],
) -> Result<(MarketCode, ModelCode, Vec<OptionCode>), ApiError> {
    let bad = |e: &dyn std::fmt::Display| ApiError::BadRequest(e.to_string());
    let market = MarketCode::parse(market).map_err(|e| bad(&e))?;
    let model = ModelCode::parse(model).map_err(|e| bad(&e))?;
    Ok((market, model, parse_options(options)?))
}

/// Parses option codes (at most 64); a malformed code is a 400.
pub fn parse_options(options: &[String]) -> Result<Vec<OptionCode>, ApiError> {
    if options.len() > 64 {
        return Err(ApiError::BadRequest("at most 64 options".into()));
    }
    options
        .iter()
        .map(|o| OptionCode::parse(o).map_err(|e| ApiError::BadRequest(e.to_string())))
        .collect()
}

/// A 422 listing every violated rule.
pub fn violations(violations: Vec<domain::catalog::Violation>) -> ApiError {
    ApiError::Unprocessable {
        title: "invalid configuration".into(),
        detail: format!("the configuration breaks {} rule(s)", violations.len()),
        errors: violations
            .iter()
            .map(|v| RuleViolation {
                rule: v.rule().into(),
                message: v.to_string(),
                option: v.option().map(|o| o.as_str().to_owned()),
            })
            .collect(),
    }
}

/// Prices a configuration, or lists every rule it breaks (422). With
/// `dealer_id`, the answer also carries the delivery estimate: what
/// fulfilment (locate first, build second) would decide for it today.
#[utoipa::path(post, path = "/api/v1/quotes", tag = "catalog", request_body = QuoteRequest,
    responses(
        (status = 200, body = QuoteView),
        (status = 400, body = crate::problem::Problem, description = "a malformed code or dealer id"),
        (status = 422, body = crate::problem::Problem, description = "every violated rule; an unknown dealer (`unknown_dealer`) or one of another market (`dealer_not_in_market`)"),
        (status = 503, body = crate::problem::Problem, description = "the supply read models did not answer in time for the estimate"),
    ))]
pub async fn quote(
    State(state): State<AppState>,
    AppJson(req): AppJson<QuoteRequest>,
) -> Result<Json<QuoteView>, ApiError> {
    let (market, model, options) = parse_configuration(&req.market, &req.model, &req.options)?;
    let quote = state
        .catalog
        .quote(&market, &model, &options)
        .map_err(violations)?;
    let configuration = quote.configuration.clone();
    let mut view = QuoteView::from(quote);
    if let Some(dealer) = &req.dealer_id {
        view.estimate = Some(estimate(&state, &market, configuration, dealer).await?);
    }
    Ok(Json(view))
}
