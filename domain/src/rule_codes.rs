//! The stable code of every rule an aggregate can refuse a command with.
//!
//! The HTTP API reports a refusal as a 422 problem whose `rule` is this code, so the codes
//! are part of the contract: each is written out here per variant, never derived from a
//! Rust name, so renaming a variant changes nothing a client sees. A new variant does not
//! compile until it has a code here (every match is exhaustive); list the code in
//! `api/src/rule_codes.rs` too, which documents it in docs/api-reference.md.
//! Configuration rules have theirs in [`Violation::rule`](crate::catalog::Violation::rule).

use crate::claim::ClaimError;
use crate::commission::CommissionError;
use crate::customer::CustomerError;
use crate::invoice::InvoiceError;
use crate::invoice_register::InvoiceRegisterError;
use crate::lead::LeadError;
use crate::message::MessageError;
use crate::order::OrderError;
use crate::shipment::ShipmentError;
use crate::slot::SlotError;
use crate::test_drive::TestDriveError;
use crate::user::UserError;
use crate::vehicle::VehicleError;
use crate::webhook::WebhookError;

impl OrderError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            OrderError::NotPlaced => "not_placed",
            OrderError::AlreadyPlaced(_) => "already_placed",
            OrderError::InvalidConfiguration(_) => "invalid_configuration",
            OrderError::UnknownDealer(_) => "unknown_dealer",
            OrderError::DealerNotInMarket { .. } => "dealer_not_in_market",
            OrderError::SellerNotInMarket { .. } => "seller_not_in_market",
            OrderError::NotAllowed { .. } => "not_allowed",
            OrderError::CannotGiveUpVehicle { .. } => "cannot_give_up_vehicle",
            OrderError::WrongPlant { .. } => "wrong_plant",
            OrderError::WeekTooSoon { .. } => "week_too_soon",
            OrderError::WrongVehicle { .. } => "wrong_vehicle",
            OrderError::ConfigurationDiffers { .. } => "configuration_differs",
            OrderError::WrongLocation { .. } => "wrong_location",
            OrderError::EtaInPast { .. } => "eta_in_past",
            OrderError::InvalidReason => "invalid_reason",
            OrderError::HandoverInPast { .. } => "handover_in_past",
            OrderError::InvoiceNotPaid => "invoice_not_paid",
            OrderError::AmendAfterFreeze { .. } => "amend_after_freeze",
            OrderError::AmendAfterDispatch => "amend_after_dispatch",
            OrderError::AmendAfterHandoverBooked => "amend_after_handover_booked",
            OrderError::AmendAfterInvoice => "amend_after_invoice",
            OrderError::ModelNotInCatalog(_) => "model_not_in_catalog",
            OrderError::Money(_) => "money",
            OrderError::NoRoute { .. } => "no_route",
        }
    }
}

impl VehicleError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            VehicleError::NotFound => "not_found",
            VehicleError::AlreadyExists { .. } => "already_exists",
            VehicleError::AlreadyDelivered { .. } => "already_delivered",
            VehicleError::InvalidConfiguration(_) => "invalid_configuration",
            VehicleError::UnknownLocation { .. } => "unknown_location",
            VehicleError::UnknownPlant { .. } => "unknown_plant",
            VehicleError::WrongPlant { .. } => "wrong_plant",
            VehicleError::IncompleteReservation => "incomplete_reservation",
            VehicleError::UnknownDealer { .. } => "unknown_dealer",
            VehicleError::DealerOutsideMarket { .. } => "dealer_outside_market",
            VehicleError::LocationOutsideMarket { .. } => "location_outside_market",
            VehicleError::NotInProduction { .. } => "not_in_production",
            VehicleError::AlreadyReserved { .. } => "already_reserved",
            VehicleError::NotReservedBy { .. } => "not_reserved_by",
            VehicleError::NotDispatchable { .. } => "not_dispatchable",
            VehicleError::AlreadyAt { .. } => "already_at",
            VehicleError::MustGoToOrderDealer { .. } => "must_go_to_order_dealer",
            VehicleError::EtaInPast { .. } => "eta_in_past",
            VehicleError::NotInTransit { .. } => "not_in_transit",
            VehicleError::WrongDestination { .. } => "wrong_destination",
            VehicleError::ReasonMissing => "reason_missing",
            VehicleError::ReasonTooLong { .. } => "reason_too_long",
            VehicleError::NotAtOrderDealer { .. } => "not_at_order_dealer",
        }
    }
}

impl SlotError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            SlotError::UnknownPlant { .. } => "unknown_plant",
            SlotError::WrongSlot { .. } => "wrong_slot",
            SlotError::NotOpened => "not_opened",
            SlotError::WeekInPast { .. } => "week_in_past",
            SlotError::BelowBookings { .. } => "below_bookings",
            SlotError::SlotFull { .. } => "slot_full",
            SlotError::SlotFrozen { .. } => "slot_frozen",
            SlotError::NotBooked { .. } => "not_booked",
            SlotError::TooEarlyToFreeze { .. } => "too_early_to_freeze",
            SlotError::WeekNotStarted { .. } => "week_not_started",
            SlotError::NothingToBuild => "nothing_to_build",
            SlotError::ProductionAlreadyStarted { .. } => "production_already_started",
            SlotError::BuildForUnbookedOrder { .. } => "build_for_unbooked_order",
            SlotError::MissingBuild { .. } => "missing_build",
            SlotError::DuplicateBuild { .. } => "duplicate_build",
            SlotError::DuplicateVehicle { .. } => "duplicate_vehicle",
            SlotError::DuplicateVin { .. } => "duplicate_vin",
        }
    }
}

impl ShipmentError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            ShipmentError::NotFound => "not_found",
            ShipmentError::AlreadyPlanned { .. } => "already_planned",
            ShipmentError::UnknownLocation { .. } => "unknown_location",
            ShipmentError::SameLocation { .. } => "same_location",
            ShipmentError::NoRoute { .. } => "no_route",
            ShipmentError::NotPlanned { .. } => "not_planned",
            ShipmentError::NotUnderway { .. } => "not_underway",
            ShipmentError::NotInTransit { .. } => "not_in_transit",
            ShipmentError::NotCancellable { .. } => "not_cancellable",
            ShipmentError::ReasonMissing => "reason_missing",
            ShipmentError::ReasonTooLong { .. } => "reason_too_long",
            ShipmentError::EtaInPast { .. } => "eta_in_past",
        }
    }
}

impl InvoiceRegisterError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            InvoiceRegisterError::UnknownMarket { .. } => "unknown_market",
            InvoiceRegisterError::WrongRegister { .. } => "wrong_register",
            InvoiceRegisterError::InvalidYear { .. } => "invalid_year",
            InvoiceRegisterError::YearNotStarted { .. } => "year_not_started",
            InvoiceRegisterError::SeriesExhausted { .. } => "series_exhausted",
        }
    }
}

impl InvoiceError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            InvoiceError::AlreadyIssued { .. } => "already_issued",
            InvoiceError::UnknownMarket { .. } => "unknown_market",
            InvoiceError::DealerNotInMarket { .. } => "dealer_not_in_market",
            InvoiceError::NumberFromOtherMarket { .. } => "number_from_other_market",
            InvoiceError::NumberFromOtherYear { .. } => "number_from_other_year",
            InvoiceError::IssuedInFuture { .. } => "issued_in_future",
            InvoiceError::WrongCurrency { .. } => "wrong_currency",
            InvoiceError::NetNotPositive { .. } => "net_not_positive",
            InvoiceError::LinesDoNotAddUp { .. } => "lines_do_not_add_up",
            InvoiceError::InconsistentAmounts { .. } => "inconsistent_amounts",
            InvoiceError::WrongVat { .. } => "wrong_vat",
            InvoiceError::InvalidDeposit { .. } => "invalid_deposit",
            InvoiceError::NotIssued => "not_issued",
            InvoiceError::NonPositivePayment { .. } => "non_positive_payment",
            InvoiceError::PaymentConflict { .. } => "payment_conflict",
            InvoiceError::Overpayment { .. } => "overpayment",
            InvoiceError::InvoiceCredited { .. } => "invoice_credited",
            InvoiceError::AlreadyCredited { .. } => "already_credited",
            InvoiceError::CreditNumberIsInvoiceNumber { .. } => "credit_number_is_invoice_number",
            InvoiceError::ReasonMissing => "reason_missing",
            InvoiceError::ReasonTooLong { .. } => "reason_too_long",
            InvoiceError::AmountOutOfRange => "amount_out_of_range",
        }
    }
}

impl CommissionError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            CommissionError::WrongStatement { .. } => "wrong_statement",
            CommissionError::UnknownMarket { .. } => "unknown_market",
            CommissionError::UnknownDealer { .. } => "unknown_dealer",
            CommissionError::DealerNotInMarket { .. } => "dealer_not_in_market",
            CommissionError::WrongMonth { .. } => "wrong_month",
            CommissionError::DeliveredInFuture { .. } => "delivered_in_future",
            CommissionError::WrongCurrency { .. } => "wrong_currency",
            CommissionError::MixedCurrency { .. } => "mixed_currency",
            CommissionError::NonPositiveNetPrice { .. } => "non_positive_net_price",
            CommissionError::AlreadyAccrued { .. } => "already_accrued",
            CommissionError::AmountOutOfRange => "amount_out_of_range",
            CommissionError::MonthNotOver { .. } => "month_not_over",
            CommissionError::NothingToSettle => "nothing_to_settle",
        }
    }
}

impl CustomerError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            CustomerError::NotRegistered => "customer_not_found",
            CustomerError::AlreadyRegistered { .. } => "already_registered",
            CustomerError::Erased => "customer_erased",
            CustomerError::MergedInto(_) => "customer_merged",
            CustomerError::MergeWithItself { .. } => "merge_with_itself",
            CustomerError::InvalidClaim { .. } => "invalid_claim",
            CustomerError::AccountExists => "account_exists",
            CustomerError::NoAccount => "no_account",
        }
    }
}

impl ClaimError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            ClaimError::Taken { .. } => "claim_taken",
        }
    }
}

impl UserError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            UserError::NotFound => "user_not_found",
            UserError::AlreadyCreated { .. } => "already_created",
            UserError::Deactivated => "user_deactivated",
            UserError::InvalidClaim { .. } => "invalid_claim",
        }
    }
}

impl LeadError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            LeadError::NotCreated => "lead_not_found",
            LeadError::AlreadyCreated { .. } => "lead_exists",
            LeadError::UnknownDealer { .. } => "unknown_dealer",
            LeadError::UnknownModel { .. } => "unknown_model",
            LeadError::ModelNotSoldInMarket { .. } => "model_not_sold_in_market",
            LeadError::GradeNotAllowed { .. } => "grade_not_allowed",
            LeadError::LeadClosed { .. } => "lead_closed",
            LeadError::AssignedToAnother { .. } => "assigned_to_another",
            LeadError::NotManager => "manager_only",
            LeadError::LostAlreadyRequested { .. } => "lost_already_requested",
            LeadError::NoLostRequest => "no_lost_request",
            LeadError::ReasonMissing => "reason_missing",
            LeadError::ReasonTooLong { .. } => "reason_too_long",
            LeadError::AlreadySold { .. } => "already_sold",
        }
    }
}

impl TestDriveError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            TestDriveError::UnknownCar { .. } => "unknown_car",
            TestDriveError::CarNotAtDealer { .. } => "car_not_at_dealer",
            TestDriveError::WrongCarDay { .. } => "wrong_car_day",
            TestDriveError::OutsideOpeningHours { .. } => "outside_opening_hours",
            TestDriveError::NotOnSlotGrid { .. } => "not_on_slot_grid",
            TestDriveError::InThePast { .. } => "slot_in_past",
            TestDriveError::SlotTaken { .. } => "slot_taken",
            TestDriveError::UnknownTestDrive { .. } => "test_drive_not_found",
            TestDriveError::AlreadyCompleted { .. } => "already_completed",
            TestDriveError::AlreadyCancelled { .. } => "already_cancelled",
            TestDriveError::AlreadyNoShow { .. } => "already_no_show",
            TestDriveError::NotStarted { .. } => "test_drive_not_started",
            TestDriveError::AlreadyOver { .. } => "test_drive_over",
            TestDriveError::ReasonTooLong { .. } => "reason_too_long",
        }
    }
}

impl MessageError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            MessageError::NotQueued => "message_not_found",
            MessageError::WrongId { .. } => "message_id_mismatch",
            MessageError::NoConsent { .. } => "no_marketing_consent",
            MessageError::AttemptOutOfOrder { .. } => "attempt_out_of_order",
            MessageError::NotDeadLettered => "not_dead_lettered",
        }
    }
}

impl WebhookError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            WebhookError::NotRegistered => "webhook_not_found",
            WebhookError::AlreadyRegistered { .. } => "webhook_exists",
        }
    }
}
