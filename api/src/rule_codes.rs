//! Every `rule` code a problem can carry, with its status and meaning: the list
//! docs/api-reference.md publishes (section "Rule codes", rendered by
//! `api/tests/api_reference.rs`).
//!
//! The codes come from the refusing errors' own `rule()` methods (`domain::rule_codes`,
//! [`domain::catalog::Violation::rule`], [`app::Rejection::rule`], [`app::ClockError::rule`]),
//! written out per variant. `api/tests/rule_codes.rs` pins each variant's code and checks
//! that this list holds exactly the codes emitted, so a code cannot change or appear
//! without the contract saying so. One code may be shared by several aggregates when it
//! means the same thing (`unknown_market`, `eta_in_past`, `reason_missing`…).

/// One rule code of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleCode {
    /// The `rule` of an `errors[]` entry, e.g. `amend_after_freeze`.
    pub code: &'static str,
    /// The HTTP status of the problem it comes with.
    pub status: u16,
    /// What the rule says, for people reading the reference.
    pub meaning: &'static str,
}

/// A business rule refused the command: 422.
const fn rule(code: &'static str, meaning: &'static str) -> RuleCode {
    RuleCode {
        code,
        status: 422,
        meaning,
    }
}

/// The thing the command is about does not exist: a 404 problem (it carries no `rule`).
const fn missing(code: &'static str, meaning: &'static str) -> RuleCode {
    RuleCode {
        code,
        status: 404,
        meaning,
    }
}

/// A problem with its own status: sign-in and sessions, and the refusals that are about who
/// may act (403) or who was first (409) rather than what.
const fn access(code: &'static str, status: u16, meaning: &'static str) -> RuleCode {
    RuleCode {
        code,
        status,
        meaning,
    }
}

/// Every code, alphabetically.
pub const RULE_CODES: &[RuleCode] = &[
    rule("account_exists", "the customer already has an account"),
    rule("already_accrued", "the order's commission was already accrued with other figures"),
    rule("already_at", "the vehicle already stands at the destination"),
    rule("already_cancelled", "the test drive was already cancelled"),
    rule("already_completed", "the test drive was already completed"),
    rule("already_created", "a staff user with this id already exists"),
    rule("already_credited", "the invoice was already credited"),
    rule("already_delivered", "the vehicle is delivered: nothing more can happen to it"),
    rule("already_exists", "a vehicle with this id is already registered"),
    rule("already_issued", "the order is already invoiced"),
    rule("already_no_show", "the test drive was already marked a no-show"),
    rule("already_placed", "an order with this id is already placed"),
    rule("already_planned", "the shipment is already planned with another route, vehicle or order"),
    rule("already_registered", "a customer with this id is already registered"),
    rule("already_reserved", "the vehicle is reserved by another order"),
    rule("already_sold", "the lead was already sold with another order"),
    rule("amend_after_dispatch", "the vehicle is on its way: the order can no longer be amended"),
    rule("amend_after_freeze", "the configuration froze: the order can no longer be amended"),
    rule("amend_after_handover_booked", "the handover is booked: the order can no longer be amended"),
    rule("amend_after_invoice", "the order is invoiced: it can no longer be amended"),
    rule("amount_out_of_range", "an amount is too large to compute with"),
    access("assigned_to_another", 403, "the lead is assigned to another consultant: only they or a manager work it"),
    rule("assignee_not_at_dealer", "a lead goes only to an active staff user of its own outlet"),
    rule("below_bookings", "the capacity would be below the orders already booked in the week"),
    rule("build_for_unbooked_order", "a build names an order that is not booked in the slot"),
    rule("cannot_give_up_vehicle", "reallocation: the order holding the vehicle cannot give it up in its status (the detail names that order and its status)"),
    rule("car_not_at_dealer", "the demo car is not at that dealer"),
    rule("claim_taken", "the e-mail address, phone number or login belongs to another customer or user (the detail names it)"),
    rule("clock_not_simulated", "the clock is real; only a simulated clock can be advanced"),
    rule("configuration_differs", "the vehicle's configuration differs from the order's (amended meanwhile)"),
    rule("credit_number_is_invoice_number", "a credit note needs its own number"),
    access("csrf", 403, "a change made with the session cookie lacks the session's X-CSRF-Token header"),
    rule("customer_erased", "the customer was erased: nothing more can happen to it"),
    rule("customer_merged", "the customer was merged into another one (the detail names the survivor)"),
    missing("customer_not_found", "the customer does not exist"),
    rule("customer_required", "a test drive in the showroom names its customer (`customer_id`)"),
    rule("date_out_of_range", "a date, week or clock advance would leave the business calendar (years 0001 to 9999)"),
    rule("dealer_not_in_market", "the dealer is not an agent in the market"),
    rule("dealer_outside_market", "the dealer is in another market than the vehicle"),
    rule("delivered_in_future", "a handover dated in the future cannot accrue commission"),
    rule("destination_required", "the vehicle is free stock: moving it is a transfer that names a destination"),
    rule("duplicate_build", "an order has more than one build"),
    rule("duplicate_option", "the option is named twice"),
    rule("duplicate_vehicle", "a vehicle appears in more than one build"),
    rule("duplicate_vin", "a VIN appears in more than one build"),
    rule("email_unverified", "an online order needs the account's e-mail address verified first"),
    rule("eta_in_past", "the ETA is before today"),
    rule("exactly_one", "two options of an \"exactly one\" family"),
    rule("excludes", "the option excludes another one chosen"),
    rule("grade_not_allowed", "F takes a manager's approval and S an order: a command sets only H, A, B, C or D"),
    rule("handover_in_past", "the handover appointment is in the past"),
    rule("incomplete_reservation", "a build for an order needs both the order and its dealer"),
    rule("inconsistent_amounts", "gross is not net plus VAT"),
    rule("invalid_address", "a billing address line is empty, too long or has control characters, or the country is not a two-letter code"),
    rule("invalid_advance", "the clock only moves forward, by 1 to 3650 days"),
    rule("invalid_claim", "a contact claim of a kind not allowed there, or two of one kind"),
    rule("invalid_configuration", "the configuration breaks the catalog's rules"),
    access("invalid_credentials", 401, "sign-in: the e-mail or the password is wrong, or the account is inactive (one answer for all)"),
    rule("invalid_deposit", "the deposit paid is not between zero and gross"),
    rule("invalid_email", "the e-mail address is malformed (name@domain.tld, at most 254 characters)"),
    rule("invalid_name", "a person's name has 1 to 120 characters without control characters"),
    rule("invalid_phone", "the phone number is not a valid number (international, or national in the market)"),
    rule("invalid_reason", "a reason is required, at most 200 characters"),
    rule("invalid_verification", "the e-mail verification link is malformed, forged, expired or made for something else"),
    rule("invalid_year", "the year is not a four-digit year"),
    rule("invoice_credited", "the invoice was credited: it takes no more payments"),
    rule("invoice_not_paid", "the car is handed over only when the invoice is paid in full"),
    rule("issued_in_future", "an invoice cannot be dated after today"),
    rule("lead_closed", "the lead is sold or lost: it takes no contact, assignment or regrade"),
    rule("lead_exists", "a lead with this id already exists (for another dealer or customer)"),
    missing("lead_not_found", "the lead does not exist"),
    rule("lines_do_not_add_up", "the invoice lines do not add up to the net price"),
    rule("location_outside_market", "a vehicle stands and moves only within its market (plants excepted)"),
    rule("login_taken", "the e-mail address already signs in to another account"),
    rule("lost_already_requested", "a request to close the lead as lost is already waiting for a manager"),
    rule("manager_not_dealer", "only a dealer's staff member can be a manager"),
    access("manager_only", 403, "only the outlet's manager may do this (assign a lead, decide a lost request, see the CRM KPIs)"),
    rule("merge_with_itself", "a customer cannot be merged with itself"),
    rule("missing_build", "a booked order has no build"),
    rule("missing_choice", "an \"exactly one\" family without a choice or default"),
    rule("mixed_currency", "the statement is in another currency"),
    rule("model_not_in_catalog", "the order's model is no longer in the catalog"),
    rule("model_not_sold_in_market", "the model has no price in the market"),
    rule("model_only", "the option is offered only on other models"),
    rule("money", "an amount cannot be computed (currencies differ or out of range)"),
    rule("month_not_over", "the month cannot be settled yet"),
    rule("must_go_to_order_dealer", "a reserved vehicle may only go to its order's dealer"),
    rule("net_not_positive", "the net price must be positive"),
    rule("no_account", "the customer has no account"),
    rule("no_lost_request", "nobody asked for the lead to be closed as lost"),
    rule("no_route", "the transport table has no route between the two locations"),
    rule("non_positive_net_price", "the net price must be positive"),
    rule("non_positive_payment", "a payment must be positive"),
    rule("not_allowed", "the order's status does not allow the action (the detail names the action and the status)"),
    rule("not_at_order_dealer", "the vehicle does not stand at its order's dealer"),
    rule("not_booked", "the order is not booked in the slot"),
    rule("not_cancellable", "only a planned shipment can be cancelled"),
    rule("not_dispatchable", "the vehicle's status does not allow a dispatch"),
    missing("not_found", "the vehicle or shipment does not exist"),
    rule("not_in_production", "only a vehicle in production can complete its build"),
    rule("not_in_transit", "only a vehicle or shipment in transit can be delayed or arrive"),
    rule("not_issued", "the invoice has not been issued"),
    rule("not_on_locked_price_list", "an amendment names an option that was not on the order's price list"),
    rule("not_on_slot_grid", "the start is not a start of the 45-minute test-drive slots"),
    rule("not_opened", "the production slot was never opened"),
    missing("not_placed", "the order does not exist"),
    rule("not_planned", "only a planned shipment can be dispatched"),
    rule("not_reserved_by", "the vehicle is not reserved by the order"),
    rule("not_staff", "customers sign up themselves; staff accounts are dealer, planner, finance or admin"),
    rule("not_underway", "the shipment can no longer be delayed"),
    rule("nothing_to_build", "no order is booked in the slot"),
    rule("nothing_to_settle", "no open line to settle"),
    rule("number_from_other_market", "the invoice number is from another market's series"),
    rule("number_from_other_year", "the invoice number is from another year's series"),
    rule("option_not_in_market", "the option has no price in the market"),
    rule("outside_opening_hours", "the test drive would not lie within the dealer's opening hours"),
    rule("overpayment", "the payment exceeds what is outstanding"),
    rule("password_too_long", "a password has at most 128 characters"),
    rule("password_too_short", "a password has at least 10 characters"),
    access("passwords_busy", 503, "too many passwords are being checked right now: try again after Retry-After"),
    rule("payment_conflict", "the payment id was recorded with another amount"),
    rule("production_already_started", "production of the slot has already started"),
    rule("reason_missing", "a reason is required"),
    rule("reason_too_long", "the reason is too long"),
    rule("requires", "the option requires another one"),
    rule("reservation_mismatch", "the vehicle and the order holding it disagree (being repaired)"),
    rule("same_location", "a shipment must go somewhere else than where the vehicle is"),
    rule("seller_not_in_market", "a dealer places orders only in its own market"),
    rule("series_exhausted", "the invoice number series has no numbers left"),
    rule("slot_frozen", "the production slot is frozen"),
    rule("slot_full", "the production slot is full"),
    rule("slot_in_past", "the test-drive slot has already started"),
    access("slot_taken", 409, "another booking of the demo car overlaps the slot: it was taken first"),
    missing("test_drive_not_found", "the test drive does not exist"),
    rule("test_drive_not_started", "the test drive has not started yet"),
    rule("test_drive_over", "the test drive is over: it can no longer be cancelled"),
    rule("too_early_to_freeze", "the slot cannot be frozen before its freeze date"),
    rule("unknown_car", "the demo car is not in the network"),
    rule("unknown_dealer", "the dealer is not in the network"),
    rule("unknown_location", "the location is not in the network"),
    rule("unknown_market", "the market is not in the catalog"),
    rule("unknown_model", "the model is not in the catalog"),
    rule("unknown_option", "the option is not in the catalog"),
    rule("unknown_plant", "the plant is not in the network"),
    rule("user_deactivated", "the staff user is deactivated"),
    missing("user_not_found", "the staff user does not exist"),
    rule("vehicle_does_not_match", "reallocation: the vehicle is of another market or configuration than the order"),
    rule("vehicle_out_of_reach", "reallocation: the vehicle cannot be brought to the order's dealer"),
    rule("week_in_past", "the week is over"),
    rule("week_not_started", "the production week has not started"),
    rule("week_too_soon", "the week starts too soon to book"),
    rule("wrong_car_day", "the test drive belongs to another car or date"),
    rule("wrong_currency", "the amount is not in the market's currency"),
    rule("wrong_destination", "the vehicle is going elsewhere"),
    rule("wrong_location", "the vehicle is not at the order's dealer"),
    rule("wrong_month", "the handover does not belong to the statement's month"),
    rule("wrong_plant", "the model is built at another plant"),
    rule("wrong_register", "internal: the register stream holds another series"),
    rule("wrong_slot", "internal: the slot stream holds another plant or week"),
    rule("wrong_statement", "internal: the statement stream holds another dealer or month"),
    rule("wrong_vat", "the VAT is not the market's rate"),
    rule("wrong_vehicle", "the order holds another vehicle"),
    rule("year_not_started", "the invoice year has not begun"),
];

/// The entry of `code`, if it is one.
pub fn find(code: &str) -> Option<&'static RuleCode> {
    RULE_CODES.iter().find(|r| r.code == code)
}
