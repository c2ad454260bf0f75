//! Test drives: the free slots (the one answer online and in the showroom), booking (a
//! customer online, the dealer's staff in the showroom), the showroom's day calendar, and
//! what became of a drive (completed, cancelled, no-show).
//!
//! The slots and the booking read and decide on the same write-side state (each demo car's
//! day), so a slot listed free can be booked at that moment; of two bookings of one car that
//! overlap exactly one wins, the other is a 409 `slot_taken`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use domain::test_drive::{BookingChannel, FreeSlot, TestDriveStatus};
use domain::values::{CarId, CustomerId, DealerId, ModelCode, TestDriveId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::leads::staff;
use super::reads::{caught_up, read_error};
use crate::auth::{Caller, Role};
use crate::extract::{AppJson, AppPath, AppQuery, OptionalJson};
use crate::problem::{ApiError, Problem};
use crate::{metadata, AppState};
use app::test_drives::{BookTestDrive, Canceller, DriveChanged};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotsQuery {
    /// The dealer's local date (default: today there).
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub model: Option<ModelCode>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayQuery {
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub date: Option<NaiveDate>,
    pub min_position: Option<u64>,
}

/// `POST /api/v1/test-drives`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookBody {
    #[schema(value_type = domain::values::DealerId)]
    pub dealer_id: String,
    #[schema(value_type = String, example = "DC-BER-01-1")]
    pub car_id: String,
    /// A start of the 45-minute slot grid (see the free slots).
    pub start: DateTime<Utc>,
    /// Required in the showroom; a customer books for itself.
    #[schema(value_type = Option<domain::values::CustomerId>)]
    pub customer_id: Option<String>,
}

/// `POST /api/v1/test-drives/{id}/cancel`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    pub reason: Option<String>,
}

/// A booked test drive.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookedView {
    #[schema(value_type = String, example = "TD-DC-BER-01-1-20261123-1")]
    pub test_drive_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The lead the drive serves (an online booking opens or raises one).
    #[schema(value_type = Option<domain::values::LeadId>)]
    pub lead_id: Option<String>,
    pub position: u64,
}

/// A test drive after its outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct DriveChangedView {
    #[schema(value_type = String)]
    pub test_drive_id: String,
    pub status: TestDriveStatus,
    pub position: u64,
}

impl DriveChangedView {
    fn of(changed: &DriveChanged) -> Self {
        DriveChangedView {
            test_drive_id: changed.test_drive.to_string(),
            status: changed.status,
            position: changed.position.0,
        }
    }
}

/// One booking in the day calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingView {
    #[schema(value_type = String)]
    pub test_drive_id: String,
    #[schema(value_type = domain::values::CustomerId)]
    pub customer_id: String,
    pub name: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: TestDriveStatus,
    pub channel: BookingChannel,
    #[schema(value_type = Option<domain::values::LeadId>)]
    pub lead_id: Option<String>,
}

/// A demo car's day.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarDayView {
    #[schema(value_type = String)]
    pub car_id: String,
    #[schema(value_type = domain::values::ModelCode)]
    pub model: String,
    #[schema(value_type = Vec<domain::values::OptionCode>)]
    pub options: Vec<String>,
    /// Every drive of the car that day, whatever its status, by start.
    pub bookings: Vec<BookingView>,
    /// The slots still free now (the same answer online gets).
    pub free: Vec<FreeSlot>,
}

/// The showroom's day: every demo car with its bookings.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayCalendar {
    #[schema(value_type = domain::values::DealerId)]
    pub dealer_id: String,
    pub date: NaiveDate,
    /// Opening and closing that day (`null`: closed).
    pub open: Option<DateTime<Utc>>,
    pub close: Option<DateTime<Utc>>,
    pub cars: Vec<CarDayView>,
}

fn bad<E: std::fmt::Display>(e: E) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

/// A dealer of the catalog named in the path (404 otherwise).
fn dealer_of(state: &AppState, id: &str) -> Result<DealerId, ApiError> {
    DealerId::parse(id)
        .ok()
        .filter(|d| state.catalog.dealer(d).is_some())
        .ok_or_else(|| ApiError::NotFound(format!("dealer {id}")))
}

/// The dealer's local date today.
fn today_at(state: &AppState, dealer: &DealerId) -> NaiveDate {
    let now = state.clock.now();
    state
        .catalog
        .dealer(dealer)
        .map_or(now.date_naive(), |d| d.local_date(now))
}

/// The free test-drive slots of a dealer's demo cars on a day (anyone): the same answer the
/// showroom gets, each slot bookable at this moment.
#[utoipa::path(get, path = "/api/v1/dealers/{dealer_id}/test-drives/slots", tag = "test drives",
    params(("dealer_id" = DealerId, Path), ("date" = Option<NaiveDate>, Query, description = "the dealer's local date (default today)"),
        ("model" = Option<ModelCode>, Query)),
    responses((status = 200, body = [FreeSlot]), (status = 404, body = Problem, description = "no such dealer")))]
pub async fn slots(
    State(state): State<AppState>,
    AppPath(dealer): AppPath<String>,
    AppQuery(q): AppQuery<SlotsQuery>,
) -> Result<Json<Vec<FreeSlot>>, ApiError> {
    let dealer = dealer_of(&state, &dealer)?;
    let date = q.date.unwrap_or_else(|| today_at(&state, &dealer));
    let free = state
        .services
        .free_test_drive_slots(&dealer, date, q.model.as_ref())
        .await?;
    Ok(Json(free))
}

/// Books a demo car: a customer online (for itself; it opens or raises the customer's lead
/// at the dealer, source `web`, grade at least C), or the dealer's staff in the showroom
/// (for a `customer_id`).
#[utoipa::path(post, path = "/api/v1/test-drives", tag = "test drives", request_body = BookBody,
    security(("bearer" = [])),
    responses((status = 201, body = BookedView),
        (status = 403, body = Problem, description = "another dealer's car, another customer, a role that does not book"),
        (status = 404, body = Problem, description = "no such customer"),
        (status = 409, body = Problem, description = "the slot was taken (`slot_taken`)"),
        (status = 422, body = Problem, description = "unknown dealer or car (`unknown_dealer`, `unknown_car`, `car_not_at_dealer`), outside opening hours (`outside_opening_hours`), off the slot grid (`not_on_slot_grid`), in the past (`slot_in_past`), no customer in the showroom (`customer_required`)")))]
pub async fn book(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(body): AppJson<BookBody>,
) -> Result<(StatusCode, Json<BookedView>), ApiError> {
    let dealer = DealerId::parse(&body.dealer_id).map_err(bad)?;
    let car = CarId::parse(&body.car_id).map_err(bad)?;
    let (customer, channel) = match caller.role {
        Role::Customer => {
            let me = caller
                .customer()
                .ok_or_else(|| ApiError::Forbidden("not a customer".into()))?;
            if body
                .customer_id
                .as_deref()
                .is_some_and(|c| c != me.as_str())
            {
                return Err(ApiError::Forbidden(
                    "a customer books only for itself".into(),
                ));
            }
            (me, BookingChannel::Online)
        }
        Role::Dealer => {
            if caller.dealer().as_ref() != Some(&dealer) {
                return Err(ApiError::Forbidden(
                    "a dealer books its own demo cars".into(),
                ));
            }
            let customer = body.customer_id.as_deref().ok_or_else(|| {
                let e = app::Rejection::CustomerRequired;
                ApiError::rule(e.rule(), e.to_string())
            })?;
            (
                CustomerId::parse(customer).map_err(bad)?,
                BookingChannel::Showroom,
            )
        }
        Role::Planner | Role::Finance | Role::Admin => {
            return Err(ApiError::Forbidden(
                "customers and dealers book test drives".into(),
            ))
        }
    };
    let lead = state
        .views
        .open_leads_of(&customer, &dealer)
        .await
        .map_err(read_error)?
        .first()
        .map(|l| l.lead_id);
    let booked = state
        .services
        .book_test_drive(
            BookTestDrive {
                dealer,
                car,
                customer,
                start: body.start,
                channel,
                lead,
            },
            &metadata(&caller),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(BookedView {
            test_drive_id: booked.test_drive.to_string(),
            start: booked.start,
            end: booked.end,
            lead_id: booked.lead.map(|l| l.to_string()),
            position: booked.position.0,
        }),
    ))
}

fn drive_id(id: &str) -> Result<TestDriveId, ApiError> {
    TestDriveId::parse(id).map_err(|e| ApiError::BadRequest(e.0))
}

/// The drive took place (its dealer): it counts as a contact on its lead.
#[utoipa::path(post, path = "/api/v1/test-drives/{id}/complete", tag = "test drives",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = DriveChangedView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "not started yet (`test_drive_not_started`), already completed, cancelled or a no-show")))]
pub async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<Json<DriveChangedView>, ApiError> {
    let me = staff(&caller)?;
    let id = drive_id(&id)?;
    let changed = state
        .services
        .complete_test_drive(&id, &me, &metadata(&caller))
        .await?;
    Ok(Json(DriveChangedView::of(&changed)))
}

/// The customer did not come (its dealer).
#[utoipa::path(post, path = "/api/v1/test-drives/{id}/no-show", tag = "test drives",
    security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = DriveChangedView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "not started yet, already completed, cancelled or a no-show")))]
pub async fn no_show(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
) -> Result<Json<DriveChangedView>, ApiError> {
    let me = staff(&caller)?;
    let id = drive_id(&id)?;
    let changed = state
        .services
        .no_show_test_drive(&id, &me, &metadata(&caller))
        .await?;
    Ok(Json(DriveChangedView::of(&changed)))
}

/// Calls a drive off (its dealer, or its customer); the slot is free again.
#[utoipa::path(post, path = "/api/v1/test-drives/{id}/cancel", tag = "test drives",
    request_body = CancelBody, security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = DriveChangedView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "over already (`test_drive_over`), already completed, cancelled or a no-show")))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<String>,
    OptionalJson(body): OptionalJson<CancelBody>,
) -> Result<Json<DriveChangedView>, ApiError> {
    let id = drive_id(&id)?;
    let by = match caller.role {
        Role::Customer => Canceller::Customer(crate::access::customer_ids(&state, &caller).await?),
        Role::Dealer => Canceller::Dealer(staff(&caller)?),
        _ => {
            return Err(ApiError::Forbidden(
                "the dealer or the customer cancels".into(),
            ))
        }
    };
    let reason = body.unwrap_or_default().reason;
    let changed = state
        .services
        .cancel_test_drive(&id, &by, reason, &metadata(&caller))
        .await?;
    Ok(Json(DriveChangedView::of(&changed)))
}

/// The showroom's day calendar (the dealer, planners): every demo car with its bookings and
/// its free slots.
#[utoipa::path(get, path = "/api/v1/dealers/{dealer_id}/test-drives", tag = "test drives",
    security(("bearer" = [])),
    params(("dealer_id" = DealerId, Path), ("date" = Option<NaiveDate>, Query, description = "the dealer's local date (default today)"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = DayCalendar), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn day(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(dealer): AppPath<String>,
    AppQuery(q): AppQuery<DayQuery>,
) -> Result<Json<DayCalendar>, ApiError> {
    caught_up(&state, q.min_position).await?;
    let dealer = dealer_of(&state, &dealer)?;
    let allowed = match caller.role {
        Role::Planner => true,
        Role::Dealer => caller.dealer().as_ref() == Some(&dealer),
        _ => false,
    };
    if !allowed {
        return Err(ApiError::Forbidden("the dealer's own calendar".into()));
    }
    let date = q.date.unwrap_or_else(|| today_at(&state, &dealer));
    let drives = state
        .views
        .test_drives_of_dealer(&dealer, date)
        .await
        .map_err(read_error)?;
    let free = state
        .services
        .free_test_drive_slots(&dealer, date, None)
        .await?;
    let names = crate::names::customer_names(
        &state,
        drives.iter().map(|d| d.customer_id.clone()).collect(),
    )
    .await?;
    let outlet = state
        .catalog
        .dealer(&dealer)
        .ok_or_else(|| ApiError::NotFound(format!("dealer {dealer}")))?;
    let opening = outlet.opening(date);
    let cars = outlet
        .demo_cars
        .iter()
        .map(|car| CarDayView {
            car_id: car.id.to_string(),
            model: car.model.to_string(),
            options: car.options.iter().map(ToString::to_string).collect(),
            bookings: drives
                .iter()
                .filter(|d| d.car_id == car.id)
                .map(|d| BookingView {
                    test_drive_id: d.test_drive_id.to_string(),
                    customer_id: d.customer_id.to_string(),
                    name: names.get(&d.customer_id).cloned(),
                    start: d.start,
                    end: d.end,
                    status: d.status,
                    channel: d.channel,
                    lead_id: d.lead_id.map(|l| l.to_string()),
                })
                .collect(),
            free: free.iter().filter(|s| s.car == car.id).cloned().collect(),
        })
        .collect();
    Ok(Json(DayCalendar {
        dealer_id: dealer.to_string(),
        date,
        open: opening.map(|(open, _)| open),
        close: opening.map(|(_, close)| close),
        cars,
    }))
}
