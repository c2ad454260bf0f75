//! The `rule` codes of the HTTP contract are pinned: every refusal variant answers the code
//! written here, the reference list (`api::rule_codes::RULE_CODES`) holds exactly the codes
//! emitted, and docs/api-reference.md lists every one of them.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::mem::discriminant;

use api::rule_codes::RULE_CODES;
use app::accounts::PasswordRuleError;
use app::{ClockError, Rejection};
use chrono::{NaiveDate, TimeZone, Utc};
use domain::catalog::Violation;
use domain::claim::{ClaimError, ClaimOwner};
use domain::commission::CommissionError;
use domain::customer::CustomerError;
use domain::invoice::InvoiceError;
use domain::invoice_register::InvoiceRegisterError;
use domain::lead::{Grade, LeadError};
use domain::message::MessageError;
use domain::order::{Action, OrderError, OrderStatus};
use domain::shipment::{ShipmentError, ShipmentStatus};
use domain::slot::SlotError;
use domain::test_drive::TestDriveError;
use domain::user::UserError;
use domain::values::{
    CarDayKey, CarId, ClaimKey, ClaimKind, Currency, CustomerId, DealerId, FamilyCode,
    InvoiceNumber, IsoWeek, LocationId, MarketCode, ModelCode, Money, MoneyError, Month,
    OptionCode, OrderId, PaymentId, PlantId, ShipmentId, TestDriveId, UserId, VehicleId, Vin,
};
use domain::vehicle::{VehicleError, VehicleStatus};
use domain::webhook::WebhookError;

fn eur() -> Money {
    Money::new(100, Currency::EUR)
}
fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}
fn week() -> IsoWeek {
    IsoWeek::parse("2026-W50").unwrap()
}
fn month() -> Month {
    Month::parse("2026-11").unwrap()
}
fn plant() -> PlantId {
    PlantId::parse("P-LEIPZIG").unwrap()
}
fn dealer() -> DealerId {
    DealerId::parse("D-BER-01").unwrap()
}
fn market() -> MarketCode {
    MarketCode::parse("DE").unwrap()
}
fn location() -> LocationId {
    LocationId::parse("D-BER-01").unwrap()
}
fn model() -> ModelCode {
    ModelCode::parse("AURA").unwrap()
}
fn option() -> OptionCode {
    OptionCode::parse("PKG-SPORT").unwrap()
}
fn order() -> OrderId {
    OrderId::derived("order")
}
fn vehicle() -> VehicleId {
    VehicleId::derived("vehicle")
}
fn number() -> InvoiceNumber {
    InvoiceNumber::parse("DE-2026-000001").unwrap()
}

/// One value of every variant with the code it must answer.
#[rustfmt::skip]
fn order_errors() -> Vec<(OrderError, &'static str)> {
    use OrderError::*;
    vec![
        (NotPlaced, "not_placed"),
        (AlreadyPlaced(order()), "already_placed"),
        (InvalidConfiguration(vec![]), "invalid_configuration"),
        (UnknownDealer(dealer()), "unknown_dealer"),
        (DealerNotInMarket { dealer: dealer(), market: market() }, "dealer_not_in_market"),
        (SellerNotInMarket { dealer: dealer(), market: market() }, "seller_not_in_market"),
        (NotAllowed { action: Action::Amend, status: OrderStatus::Delivered }, "not_allowed"),
        (CannotGiveUpVehicle { order: order(), vehicle: vehicle(), status: OrderStatus::InProduction }, "cannot_give_up_vehicle"),
        (WrongPlant { model: model(), plant: plant(), builds_at: plant() }, "wrong_plant"),
        (WeekTooSoon { week: week(), earliest: day() }, "week_too_soon"),
        (WrongVehicle { expected: None, got: vehicle() }, "wrong_vehicle"),
        (ConfigurationDiffers { vehicle: vehicle() }, "configuration_differs"),
        (WrongLocation { dealer: dealer(), location: location() }, "wrong_location"),
        (EtaInPast { eta: day() }, "eta_in_past"),
        (InvalidReason, "invalid_reason"),
        (HandoverInPast { at: Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap() }, "handover_in_past"),
        (InvoiceNotPaid, "invoice_not_paid"),
        (AmendAfterFreeze { frozen_on: day() }, "amend_after_freeze"),
        (AmendAfterDispatch, "amend_after_dispatch"),
        (AmendAfterHandoverBooked, "amend_after_handover_booked"),
        (AmendAfterInvoice, "amend_after_invoice"),
        (ModelNotInCatalog(model()), "model_not_in_catalog"),
        (Money(MoneyError::Overflow), "money"),
        (NoRoute { from: location(), to: location() }, "no_route"),
    ]
}

#[rustfmt::skip]
fn vehicle_errors() -> Vec<(VehicleError, &'static str)> {
    use VehicleError::*;
    let status = VehicleStatus::Free;
    vec![
        (NotFound, "not_found"),
        (AlreadyExists { vehicle: vehicle() }, "already_exists"),
        (AlreadyDelivered { vehicle: vehicle() }, "already_delivered"),
        (InvalidConfiguration(vec![]), "invalid_configuration"),
        (UnknownLocation { location: location() }, "unknown_location"),
        (UnknownPlant { plant: plant() }, "unknown_plant"),
        (WrongPlant { plant: plant(), model: model(), builds_at: plant() }, "wrong_plant"),
        (IncompleteReservation, "incomplete_reservation"),
        (UnknownDealer { dealer: dealer() }, "unknown_dealer"),
        (LocationOutsideMarket { location: location(), location_market: market(), vehicle_market: market() }, "location_outside_market"),
        (DealerOutsideMarket { dealer: dealer(), dealer_market: market(), vehicle_market: market() }, "dealer_outside_market"),
        (NotInProduction { status }, "not_in_production"),
        (AlreadyReserved { vehicle: vehicle(), by: order() }, "already_reserved"),
        (NotReservedBy { vehicle: vehicle(), order: order() }, "not_reserved_by"),
        (NotDispatchable { status }, "not_dispatchable"),
        (AlreadyAt { location: location() }, "already_at"),
        (MustGoToOrderDealer { vehicle: vehicle(), dealer: dealer() }, "must_go_to_order_dealer"),
        (EtaInPast { eta: day(), today: day() }, "eta_in_past"),
        (NotInTransit { status }, "not_in_transit"),
        (WrongDestination { destination: location(), location: location() }, "wrong_destination"),
        (ReasonMissing, "reason_missing"),
        (ReasonTooLong { max: 200 }, "reason_too_long"),
        (NotAtOrderDealer { vehicle: vehicle(), dealer: dealer() }, "not_at_order_dealer"),
    ]
}

#[rustfmt::skip]
fn slot_errors() -> Vec<(SlotError, &'static str)> {
    use SlotError::*;
    let (plant, week) = (plant(), week());
    vec![
        (UnknownPlant { plant: plant.clone() }, "unknown_plant"),
        (WrongSlot { plant: plant.clone(), week, requested_plant: plant.clone(), requested_week: week }, "wrong_slot"),
        (NotOpened, "not_opened"),
        (WeekInPast { week }, "week_in_past"),
        (BelowBookings { units: 1, booked: 2 }, "below_bookings"),
        (SlotFull { plant: plant.clone(), week }, "slot_full"),
        (SlotFrozen { plant: plant.clone(), week }, "slot_frozen"),
        (NotBooked { order: order() }, "not_booked"),
        (TooEarlyToFreeze { freezes_on: day() }, "too_early_to_freeze"),
        (WeekNotStarted { starts_on: day() }, "week_not_started"),
        (NothingToBuild, "nothing_to_build"),
        (ProductionAlreadyStarted { plant, week }, "production_already_started"),
        (BuildForUnbookedOrder { order: order() }, "build_for_unbooked_order"),
        (MissingBuild { order: order() }, "missing_build"),
        (DuplicateBuild { order: order() }, "duplicate_build"),
        (DuplicateVehicle { vehicle: vehicle() }, "duplicate_vehicle"),
        (DuplicateVin { vin: Vin::parse("WVWZZZ1JZXW000001").unwrap() }, "duplicate_vin"),
    ]
}

#[rustfmt::skip]
fn shipment_errors() -> Vec<(ShipmentError, &'static str)> {
    use ShipmentError::*;
    let status = ShipmentStatus::Planned;
    vec![
        (NotFound, "not_found"),
        (AlreadyPlanned { shipment: ShipmentId::derived("shipment") }, "already_planned"),
        (UnknownLocation { location: location() }, "unknown_location"),
        (SameLocation { location: location() }, "same_location"),
        (NoRoute { from: location(), to: location() }, "no_route"),
        (NotPlanned { status }, "not_planned"),
        (NotUnderway { status }, "not_underway"),
        (NotInTransit { status }, "not_in_transit"),
        (NotCancellable { status }, "not_cancellable"),
        (ReasonMissing, "reason_missing"),
        (ReasonTooLong { max: 200 }, "reason_too_long"),
        (EtaInPast { eta: day(), today: day() }, "eta_in_past"),
    ]
}

#[rustfmt::skip]
fn register_errors() -> Vec<(InvoiceRegisterError, &'static str)> {
    use InvoiceRegisterError::*;
    vec![
        (UnknownMarket { market: market() }, "unknown_market"),
        (WrongRegister { market: market(), year: 2026, requested_market: market(), requested_year: 2027 }, "wrong_register"),
        (InvalidYear { year: 10_000 }, "invalid_year"),
        (YearNotStarted { year: 2027 }, "year_not_started"),
        (SeriesExhausted { market: market(), year: 2026 }, "series_exhausted"),
    ]
}

#[rustfmt::skip]
fn invoice_errors() -> Vec<(InvoiceError, &'static str)> {
    use InvoiceError::*;
    let (e, cny) = (eur(), Currency::CNY);
    vec![
        (AlreadyIssued { number: number() }, "already_issued"),
        (UnknownMarket { market: market() }, "unknown_market"),
        (DealerNotInMarket { dealer: dealer(), market: market() }, "dealer_not_in_market"),
        (NumberFromOtherMarket { number: number(), market: market() }, "number_from_other_market"),
        (NumberFromOtherYear { number: number(), issued_on: day() }, "number_from_other_year"),
        (IssuedInFuture { issued_on: day() }, "issued_in_future"),
        (WrongCurrency { expected: Currency::EUR, found: cny }, "wrong_currency"),
        (NetNotPositive { net: e }, "net_not_positive"),
        (LinesDoNotAddUp { lines: e, net: e }, "lines_do_not_add_up"),
        (InconsistentAmounts { net: e, vat: e, gross: e }, "inconsistent_amounts"),
        (WrongVat { expected: e, found: e }, "wrong_vat"),
        (InvalidDeposit { deposit_paid: e, gross: e }, "invalid_deposit"),
        (NotIssued, "not_issued"),
        (NonPositivePayment { amount: e }, "non_positive_payment"),
        (PaymentConflict { payment: PaymentId::derived("payment"), recorded: e, attempted: e }, "payment_conflict"),
        (Overpayment { outstanding: e, attempted: e }, "overpayment"),
        (InvoiceCredited { credit_number: number() }, "invoice_credited"),
        (AlreadyCredited { credit_number: number() }, "already_credited"),
        (CreditNumberIsInvoiceNumber { number: number() }, "credit_number_is_invoice_number"),
        (ReasonMissing, "reason_missing"),
        (ReasonTooLong { max: 200 }, "reason_too_long"),
        (AmountOutOfRange, "amount_out_of_range"),
    ]
}

#[rustfmt::skip]
fn commission_errors() -> Vec<(CommissionError, &'static str)> {
    use CommissionError::*;
    let (dealer, month) = (dealer(), month());
    vec![
        (WrongStatement { dealer: dealer.clone(), month, requested_dealer: dealer.clone(), requested_month: month }, "wrong_statement"),
        (UnknownMarket { market: market() }, "unknown_market"),
        (UnknownDealer { dealer: dealer.clone() }, "unknown_dealer"),
        (DealerNotInMarket { dealer, market: market() }, "dealer_not_in_market"),
        (WrongMonth { month, delivered_on: day() }, "wrong_month"),
        (DeliveredInFuture { delivered_on: day() }, "delivered_in_future"),
        (WrongCurrency { expected: Currency::EUR, found: Currency::CNY }, "wrong_currency"),
        (MixedCurrency { statement: Currency::EUR, found: Currency::CNY }, "mixed_currency"),
        (NonPositiveNetPrice { net_price: eur() }, "non_positive_net_price"),
        (AlreadyAccrued { order: order(), commission: eur() }, "already_accrued"),
        (AmountOutOfRange, "amount_out_of_range"),
        (MonthNotOver { month, settles_from: day() }, "month_not_over"),
        (NothingToSettle, "nothing_to_settle"),
    ]
}

fn customer() -> CustomerId {
    CustomerId::parse("C-1001").unwrap()
}
fn claim() -> ClaimKey {
    ClaimKey::new(ClaimKind::Email, &"ab".repeat(32)).unwrap()
}

#[rustfmt::skip]
fn customer_errors() -> Vec<(CustomerError, &'static str)> {
    use CustomerError::*;
    vec![
        (NotRegistered, "customer_not_found"),
        (AlreadyRegistered { customer: customer() }, "already_registered"),
        (Erased, "customer_erased"),
        (MergedInto(customer()), "customer_merged"),
        (MergeWithItself { customer: customer() }, "merge_with_itself"),
        (InvalidClaim { claim: claim() }, "invalid_claim"),
        (AccountExists, "account_exists"),
        (NoAccount, "no_account"),
    ]
}

fn claim_errors() -> Vec<(ClaimError, &'static str)> {
    let owner = ClaimOwner::Customer(customer());
    vec![(ClaimError::Taken { owner }, "claim_taken")]
}

#[rustfmt::skip]
fn user_errors() -> Vec<(UserError, &'static str)> {
    use UserError::*;
    vec![
        (NotFound, "user_not_found"),
        (AlreadyCreated { user: UserId::parse("U-4F7Q2M").unwrap() }, "already_created"),
        (Deactivated, "user_deactivated"),
        (InvalidClaim { claim: claim() }, "invalid_claim"),
    ]
}

#[rustfmt::skip]
fn violations() -> Vec<(Violation, &'static str)> {
    use Violation::*;
    vec![
        (UnknownMarket { market: market() }, "unknown_market"),
        (UnknownModel { model: model() }, "unknown_model"),
        (ModelNotSoldInMarket { model: model(), market: market() }, "model_not_sold_in_market"),
        (UnknownOption { option: option() }, "unknown_option"),
        (DuplicateOption { option: option() }, "duplicate_option"),
        (OptionNotInMarket { option: option(), market: market() }, "option_not_in_market"),
        (ModelOnly { option: option(), models: vec![model()] }, "model_only"),
        (ExactlyOne { family: FamilyCode::parse("paint").unwrap(), options: vec![option()] }, "exactly_one"),
        (MissingChoice { family: FamilyCode::parse("paint").unwrap() }, "missing_choice"),
        (Requires { option: option(), requires: option() }, "requires"),
        (Excludes { option: option(), excludes: option() }, "excludes"),
        (NotOnLockedPriceList { option: option() }, "not_on_locked_price_list"),
    ]
}

fn car() -> CarId {
    CarId::parse("DC-BER-01-1").unwrap()
}
fn car_day() -> CarDayKey {
    CarDayKey::new(car(), day())
}
fn drive() -> TestDriveId {
    TestDriveId::new(car_day(), 1).unwrap()
}
fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}
fn user() -> UserId {
    UserId::parse("U-ANNA").unwrap()
}

#[rustfmt::skip]
fn lead_errors() -> Vec<(LeadError, &'static str)> {
    use LeadError::*;
    vec![
        (NotCreated, "lead_not_found"),
        (AlreadyCreated { lead: domain::values::LeadId::derived("lead") }, "lead_exists"),
        (UnknownDealer { dealer: dealer() }, "unknown_dealer"),
        (UnknownModel { model: model() }, "unknown_model"),
        (ModelNotSoldInMarket { model: model(), market: market() }, "model_not_sold_in_market"),
        (GradeNotAllowed { grade: Grade::F }, "grade_not_allowed"),
        (LeadClosed { grade: Grade::S }, "lead_closed"),
        (AssignedToAnother { assignee: user() }, "assigned_to_another"),
        (NotManager, "manager_only"),
        (LostAlreadyRequested { by: None }, "lost_already_requested"),
        (NoLostRequest, "no_lost_request"),
        (ReasonMissing, "reason_missing"),
        (ReasonTooLong { max: 1 }, "reason_too_long"),
        (AlreadySold { order: order() }, "already_sold"),
    ]
}

#[rustfmt::skip]
fn test_drive_errors() -> Vec<(TestDriveError, &'static str)> {
    use TestDriveError::*;
    vec![
        (UnknownCar { car: car() }, "unknown_car"),
        (CarNotAtDealer { car: car(), dealer: dealer() }, "car_not_at_dealer"),
        (WrongCarDay { holds: car_day(), requested: car_day() }, "wrong_car_day"),
        (OutsideOpeningHours { start: at() }, "outside_opening_hours"),
        (NotOnSlotGrid { start: at() }, "not_on_slot_grid"),
        (InThePast { start: at() }, "slot_in_past"),
        (SlotTaken { car: car(), start: at() }, "slot_taken"),
        (UnknownTestDrive { id: drive() }, "test_drive_not_found"),
        (AlreadyCompleted { id: drive() }, "already_completed"),
        (AlreadyCancelled { id: drive() }, "already_cancelled"),
        (AlreadyNoShow { id: drive() }, "already_no_show"),
        (NotStarted { start: at() }, "test_drive_not_started"),
        (AlreadyOver { end: at() }, "test_drive_over"),
        (ReasonTooLong { max: 1 }, "reason_too_long"),
    ]
}

#[rustfmt::skip]
fn message_errors() -> Vec<(MessageError, &'static str)> {
    use domain::message::{Channel, MessageKind};
    let id = domain::values::MessageId::derived("rule-codes");
    vec![
        (MessageError::NotQueued, "message_not_found"),
        (MessageError::WrongId { given: id, expected: id }, "message_id_mismatch"),
        (MessageError::NoConsent { kind: MessageKind::OrderConfirmed, channel: Channel::Email }, "no_marketing_consent"),
        (MessageError::AttemptOutOfOrder { given: 2, recorded: 0 }, "attempt_out_of_order"),
        (MessageError::NotDeadLettered, "not_dead_lettered"),
    ]
}

#[rustfmt::skip]
fn webhook_errors() -> Vec<(WebhookError, &'static str)> {
    vec![
        (WebhookError::NotRegistered, "webhook_not_found"),
        (WebhookError::AlreadyRegistered { webhook: domain::values::WebhookId::derived("w") }, "webhook_exists"),
    ]
}

/// Every rejection a service can answer, with its pinned code.
#[rustfmt::skip]
fn rejections() -> Vec<(Rejection, &'static str)> {
    fn lift<E: Into<Rejection>>(v: Vec<(E, &'static str)>) -> Vec<(Rejection, &'static str)> {
        v.into_iter().map(|(e, code)| (e.into(), code)).collect()
    }
    let mut all = Vec::new();
    all.extend(lift(order_errors()));
    all.extend(lift(vehicle_errors()));
    all.extend(lift(slot_errors()));
    all.extend(lift(shipment_errors()));
    all.extend(lift(register_errors()));
    all.extend(lift(invoice_errors()));
    all.extend(lift(commission_errors()));
    all.extend(lift(customer_errors()));
    all.extend(lift(claim_errors()));
    all.extend(lift(user_errors()));
    all.extend(lift(lead_errors()));
    all.extend(lift(test_drive_errors()));
    all.extend(lift(message_errors()));
    all.extend(lift(webhook_errors()));
    all.extend([
        (Rejection::AssigneeNotAtDealer { user: user(), dealer: dealer() }, "assignee_not_at_dealer"),
        (Rejection::CustomerRequired, "customer_required"),
        (Rejection::DestinationRequired { vehicle: vehicle() }, "destination_required"),
        (Rejection::VehicleDoesNotMatch { vehicle: vehicle(), order: order(), differences: vec![] }, "vehicle_does_not_match"),
        (Rejection::VehicleOutOfReach { vehicle: vehicle(), dealer: dealer(), location: location() }, "vehicle_out_of_reach"),
        (Rejection::ReservationMismatch { vehicle: vehicle(), order: order() }, "reservation_mismatch"),
        (Rejection::LoginTaken, "login_taken"),
        (Rejection::EmailUnverified, "email_unverified"),
        (Rejection::PasswordsBusy, "passwords_busy"),
        (Rejection::ResetLinkUsed, "invalid_password_reset"),
    ]);
    all
}

#[rustfmt::skip]
fn clock_errors() -> Vec<(ClockError, &'static str)> {
    vec![
        (ClockError::NotSimulated, "clock_not_simulated"),
        (ClockError::InvalidAdvance, "invalid_advance"),
        (ClockError::PastCalendarEnd { minutes: 1 }, "date_out_of_range"),
    ]
}

/// The codes of sign-in and sessions, with the status their problem has.
fn access_errors() -> Vec<(api::problem::ApiError, &'static str)> {
    use api::auth::{AuthKeys, Role};
    use api::problem::ApiError;
    use api::routes::{customers, people_input};
    vec![
        (ApiError::InvalidCredentials, "invalid_credentials"),
        (
            api::routes::messages::url_refused("loopback"),
            "webhook_url_refused",
        ),
        (
            api::routes::messages::unknown_event("empty"),
            "unknown_event",
        ),
        (ApiError::Csrf("no token".into()), "csrf"),
        (
            api::routes::promises::before_order(
                domain::values::OrderId::derived("rule-codes"),
                chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            ),
            "as_of_before_order",
        ),
        (
            ApiError::from(PasswordRuleError::TooShort { min: 10 }),
            "password_too_short",
        ),
        (
            ApiError::from(PasswordRuleError::TooLong { max: 128 }),
            "password_too_long",
        ),
        (
            people_input::contact_error("email", domain::values::ContactError::EmailTooLong),
            "invalid_email",
        ),
        (
            people_input::contact_error(
                "phone",
                domain::values::ContactError::Phone(String::new()),
            ),
            "invalid_phone",
        ),
        (
            people_input::contact_error("name", domain::values::ContactError::Name { max: 120 }),
            "invalid_name",
        ),
        (
            people_input::AddressBody {
                street: String::new(),
                postcode: "1".into(),
                city: "B".into(),
                country: "DE".into(),
            }
            .parse()
            .unwrap_err(),
            "invalid_address",
        ),
        (
            AuthKeys::from_secret(b"rule-codes-secret-rule-codes-secret!")
                .verified_customer("not-a-token")
                .unwrap_err(),
            "invalid_verification",
        ),
        (
            AuthKeys::from_secret(b"rule-codes-secret-rule-codes-secret!")
                .reset_grant("not-a-token")
                .unwrap_err(),
            "invalid_password_reset",
        ),
        (
            customers::staff_role(Role::Planner, None, true, |_| true).unwrap_err(),
            "manager_not_dealer",
        ),
        (
            customers::staff_role(Role::Customer, None, false, |_| true).unwrap_err(),
            "not_staff",
        ),
    ]
}

/// Fails to compile when an error gains a variant: give it a sample (and its code) above.
#[allow(dead_code, clippy::too_many_arguments)]
#[rustfmt::skip]
fn every_variant_has_a_sample(
    o: &OrderError,
    v: &VehicleError,
    s: &SlotError,
    sh: &ShipmentError,
    r: &InvoiceRegisterError,
    i: &InvoiceError,
    c: &CommissionError,
    people: (&CustomerError, &ClaimError, &UserError),
    crm: (&LeadError, &TestDriveError),
    outbox: (&MessageError, &WebhookError),
    x: &Rejection,
) {
    use CommissionError as C;
    use InvoiceError as I;
    use InvoiceRegisterError as R;
    use OrderError as O;
    use ShipmentError as Sh;
    use SlotError as S;
    use VehicleError as V;
    match o {
        O::NotPlaced | O::AlreadyPlaced(_) | O::InvalidConfiguration(_) | O::UnknownDealer(_)
        | O::DealerNotInMarket { .. } | O::NotAllowed { .. } | O::CannotGiveUpVehicle { .. }
        | O::WrongPlant { .. } | O::WeekTooSoon { .. } | O::WrongVehicle { .. }
        | O::ConfigurationDiffers { .. } | O::WrongLocation { .. } | O::EtaInPast { .. }
        | O::InvalidReason | O::HandoverInPast { .. } | O::InvoiceNotPaid
        | O::AmendAfterFreeze { .. } | O::AmendAfterDispatch | O::ModelNotInCatalog(_)
        | O::SellerNotInMarket { .. } | O::AmendAfterHandoverBooked | O::AmendAfterInvoice
        | O::Money(_) | O::NoRoute { .. } => {}
    }
    match v {
        V::NotFound | V::AlreadyExists { .. } | V::AlreadyDelivered { .. }
        | V::InvalidConfiguration(_) | V::UnknownLocation { .. } | V::UnknownPlant { .. }
        | V::WrongPlant { .. } | V::IncompleteReservation | V::UnknownDealer { .. }
        | V::DealerOutsideMarket { .. } | V::LocationOutsideMarket { .. } | V::NotInProduction { .. } | V::AlreadyReserved { .. }
        | V::NotReservedBy { .. } | V::NotDispatchable { .. } | V::AlreadyAt { .. }
        | V::MustGoToOrderDealer { .. } | V::EtaInPast { .. } | V::NotInTransit { .. }
        | V::WrongDestination { .. } | V::ReasonMissing | V::ReasonTooLong { .. }
        | V::NotAtOrderDealer { .. } => {}
    }
    match s {
        S::UnknownPlant { .. } | S::WrongSlot { .. } | S::NotOpened | S::WeekInPast { .. }
        | S::BelowBookings { .. } | S::SlotFull { .. } | S::SlotFrozen { .. }
        | S::NotBooked { .. } | S::TooEarlyToFreeze { .. } | S::WeekNotStarted { .. }
        | S::NothingToBuild | S::ProductionAlreadyStarted { .. }
        | S::BuildForUnbookedOrder { .. } | S::MissingBuild { .. } | S::DuplicateBuild { .. }
        | S::DuplicateVehicle { .. } | S::DuplicateVin { .. } => {}
    }
    match sh {
        Sh::NotFound | Sh::AlreadyPlanned { .. } | Sh::UnknownLocation { .. }
        | Sh::SameLocation { .. } | Sh::NoRoute { .. } | Sh::NotPlanned { .. }
        | Sh::NotUnderway { .. } | Sh::NotInTransit { .. } | Sh::NotCancellable { .. }
        | Sh::ReasonMissing | Sh::ReasonTooLong { .. } | Sh::EtaInPast { .. } => {}
    }
    match r {
        R::UnknownMarket { .. } | R::WrongRegister { .. } | R::InvalidYear { .. }
        | R::YearNotStarted { .. } | R::SeriesExhausted { .. } => {}
    }
    match i {
        I::AlreadyIssued { .. } | I::UnknownMarket { .. } | I::DealerNotInMarket { .. }
        | I::NumberFromOtherMarket { .. } | I::NumberFromOtherYear { .. }
        | I::IssuedInFuture { .. } | I::WrongCurrency { .. } | I::NetNotPositive { .. }
        | I::LinesDoNotAddUp { .. } | I::InconsistentAmounts { .. } | I::WrongVat { .. }
        | I::InvalidDeposit { .. } | I::NotIssued | I::NonPositivePayment { .. }
        | I::PaymentConflict { .. } | I::Overpayment { .. } | I::InvoiceCredited { .. }
        | I::AlreadyCredited { .. } | I::CreditNumberIsInvoiceNumber { .. } | I::ReasonMissing
        | I::ReasonTooLong { .. } | I::AmountOutOfRange => {}
    }
    match c {
        C::WrongStatement { .. } | C::UnknownMarket { .. } | C::UnknownDealer { .. }
        | C::DealerNotInMarket { .. } | C::WrongMonth { .. } | C::DeliveredInFuture { .. }
        | C::WrongCurrency { .. } | C::MixedCurrency { .. } | C::NonPositiveNetPrice { .. }
        | C::AlreadyAccrued { .. } | C::AmountOutOfRange | C::MonthNotOver { .. }
        | C::NothingToSettle => {}
    }
    let (cu, cl, u) = people;
    match cu {
        CustomerError::NotRegistered | CustomerError::AlreadyRegistered { .. }
        | CustomerError::Erased | CustomerError::MergedInto(_)
        | CustomerError::MergeWithItself { .. } | CustomerError::InvalidClaim { .. }
        | CustomerError::AccountExists | CustomerError::NoAccount => {}
    }
    match cl {
        ClaimError::Taken { .. } => {}
    }
    match u {
        UserError::NotFound | UserError::AlreadyCreated { .. } | UserError::Deactivated
        | UserError::InvalidClaim { .. } => {}
    }
    match crm.0 {
        LeadError::NotCreated | LeadError::AlreadyCreated { .. } | LeadError::UnknownDealer { .. }
        | LeadError::UnknownModel { .. } | LeadError::ModelNotSoldInMarket { .. }
        | LeadError::GradeNotAllowed { .. } | LeadError::LeadClosed { .. }
        | LeadError::AssignedToAnother { .. } | LeadError::NotManager
        | LeadError::LostAlreadyRequested { .. } | LeadError::NoLostRequest
        | LeadError::ReasonMissing | LeadError::ReasonTooLong { .. }
        | LeadError::AlreadySold { .. } => {}
    }
    match crm.1 {
        TestDriveError::UnknownCar { .. } | TestDriveError::CarNotAtDealer { .. }
        | TestDriveError::WrongCarDay { .. } | TestDriveError::OutsideOpeningHours { .. }
        | TestDriveError::NotOnSlotGrid { .. } | TestDriveError::InThePast { .. }
        | TestDriveError::SlotTaken { .. } | TestDriveError::UnknownTestDrive { .. }
        | TestDriveError::AlreadyCompleted { .. } | TestDriveError::AlreadyCancelled { .. }
        | TestDriveError::AlreadyNoShow { .. } | TestDriveError::NotStarted { .. }
        | TestDriveError::AlreadyOver { .. } | TestDriveError::ReasonTooLong { .. } => {}
    }
    match outbox.0 {
        MessageError::NotQueued | MessageError::WrongId { .. } | MessageError::NoConsent { .. }
        | MessageError::AttemptOutOfOrder { .. } | MessageError::NotDeadLettered => {}
    }
    match outbox.1 {
        WebhookError::NotRegistered | WebhookError::AlreadyRegistered { .. } => {}
    }
    match x {
        Rejection::Order(_) | Rejection::Vehicle(_) | Rejection::Slot(_)
        | Rejection::Shipment(_) | Rejection::Register(_) | Rejection::Invoice(_)
        | Rejection::Commission(_) | Rejection::Customer(_) | Rejection::Claim(_)
        | Rejection::User(_) | Rejection::Lead(_) | Rejection::TestDrive(_)
        | Rejection::Message(_) | Rejection::Webhook(_)
        | Rejection::AssigneeNotAtDealer { .. } | Rejection::CustomerRequired
        | Rejection::DestinationRequired { .. }
        | Rejection::VehicleDoesNotMatch { .. } | Rejection::VehicleOutOfReach { .. }
        | Rejection::ReservationMismatch { .. } | Rejection::LoginTaken
        | Rejection::EmailUnverified | Rejection::PasswordsBusy | Rejection::ResetLinkUsed => {}
    }
}

/// No two samples of one error are the same variant (so each listed variant is sampled once).
fn distinct<E>(samples: &[(E, &str)]) -> bool {
    let kinds: BTreeSet<String> = samples
        .iter()
        .map(|(e, _)| format!("{:?}", discriminant(e)))
        .collect();
    kinds.len() == samples.len()
}

#[test]
fn every_refusal_answers_its_pinned_rule_code() {
    assert!(distinct(&order_errors()) && distinct(&vehicle_errors()) && distinct(&slot_errors()));
    assert!(distinct(&shipment_errors()) && distinct(&register_errors()));
    assert!(distinct(&invoice_errors()) && distinct(&commission_errors()));
    assert!(distinct(&customer_errors()) && distinct(&claim_errors()) && distinct(&user_errors()));
    assert!(distinct(&violations()) && distinct(&clock_errors()));
    assert!(distinct(&lead_errors()) && distinct(&test_drive_errors()));
    assert!(distinct(&message_errors()) && distinct(&webhook_errors()));
    for (rejection, code) in rejections() {
        assert_eq!(rejection.rule(), code, "{rejection:?}");
    }
    for (violation, code) in violations() {
        assert_eq!(violation.rule(), code, "{violation:?}");
    }
    for (error, code) in clock_errors() {
        assert_eq!(error.rule(), code, "{error:?}");
    }
    for (error, code) in access_errors() {
        assert_eq!(error.problem().errors[0].rule, code, "{error:?}");
    }
}

#[test]
fn the_reference_lists_exactly_the_codes_emitted_with_their_status() {
    let mut emitted = BTreeSet::new();
    for (rejection, code) in rejections() {
        let listed = api::rule_codes::find(code).unwrap_or_else(|| panic!("{code} is not listed"));
        let status = if rejection.is_not_found() {
            404
        } else if rejection.is_forbidden() {
            403
        } else if rejection.is_conflict() {
            409
        } else if matches!(rejection, Rejection::PasswordsBusy) {
            503
        } else {
            422
        };
        assert_eq!(listed.status, status, "{code}");
        emitted.insert(code);
    }
    let others = violations().into_iter().map(|(_, c)| c);
    for code in others.chain(clock_errors().into_iter().map(|(_, c)| c)) {
        assert_eq!(
            api::rule_codes::find(code).map(|r| r.status),
            Some(422),
            "{code}"
        );
        emitted.insert(code);
    }
    for (error, code) in access_errors() {
        assert_eq!(
            api::rule_codes::find(code).map(|r| r.status),
            Some(error.status().as_u16()),
            "{code}"
        );
        emitted.insert(code);
    }
    let listed: Vec<&str> = RULE_CODES.iter().map(|r| r.code).collect();
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(listed, sorted, "RULE_CODES is alphabetical, each code once");
    assert_eq!(
        listed.into_iter().collect::<BTreeSet<_>>(),
        emitted,
        "RULE_CODES lists exactly the codes emitted"
    );
}

#[test]
fn docs_api_reference_lists_every_rule_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api-reference.md");
    let reference = std::fs::read_to_string(path).unwrap();
    let section = reference
        .split("## Rule codes")
        .nth(1)
        .expect("docs/api-reference.md has a section \"Rule codes\"");
    for r in RULE_CODES {
        assert!(
            section.contains(&format!("| `{}` | {} |", r.code, r.status)),
            "docs/api-reference.md does not list `{}`",
            r.code
        );
    }
}
