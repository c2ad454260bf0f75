//! What a use case that spans several aggregates can be refused with.
//!
//! A service runs commands against several aggregates; each of them can say
//! no with its own error. [`Rejection`] keeps the aggregate's typed error
//! (so callers and tests match on the rule, never on a message) and adds the
//! few rules that belong to the use case itself (e.g. a reallocation whose
//! vehicle does not match the receiving order).
//!
//! Services return [`ServiceError`] = [`CommandError<Rejection>`]: the HTTP
//! edge maps `Rejected` to 422, `NotFound` to 404, `Conflict` to 409 and the
//! rest to 500.

use domain::claim::ClaimError;
use domain::commission::CommissionError;
use domain::customer::CustomerError;
use domain::invoice::InvoiceError;
use domain::invoice_register::InvoiceRegisterError;
use domain::lead::LeadError;
use domain::message::MessageError;
use domain::order::OrderError;
use domain::shipment::ShipmentError;
use domain::slot::SlotError;
use domain::test_drive::TestDriveError;
use domain::user::UserError;
use domain::values::{DealerId, LocationId, OrderId, VehicleId};
use domain::vehicle::VehicleError;
use domain::webhook::WebhookError;

use crate::CommandError;

/// The outcome of a use case that did not take effect (or only partly, see
/// each service's documentation).
pub type ServiceError = CommandError<Rejection>;

/// A business rule a use case broke: the refusing aggregate's own error, or a
/// rule of the use case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The order refused.
    #[error(transparent)]
    Order(#[from] OrderError),
    /// The vehicle refused.
    #[error(transparent)]
    Vehicle(#[from] VehicleError),
    /// The production slot refused.
    #[error(transparent)]
    Slot(#[from] SlotError),
    /// The shipment refused.
    #[error(transparent)]
    Shipment(#[from] ShipmentError),
    /// The invoice register refused.
    #[error(transparent)]
    Register(#[from] InvoiceRegisterError),
    /// The invoice refused.
    #[error(transparent)]
    Invoice(#[from] InvoiceError),
    /// The commission statement refused.
    #[error(transparent)]
    Commission(#[from] CommissionError),
    /// The customer refused.
    #[error(transparent)]
    Customer(#[from] CustomerError),
    /// A contact claim refused (it belongs to someone else).
    #[error(transparent)]
    Claim(#[from] ClaimError),
    /// The staff account refused.
    #[error(transparent)]
    User(#[from] UserError),
    /// The lead refused.
    #[error(transparent)]
    Lead(#[from] LeadError),
    /// The demo car's day of test drives refused.
    #[error(transparent)]
    TestDrive(#[from] TestDriveError),
    /// The outbox's message refused.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// The webhook endpoint refused.
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    /// The sign-in e-mail belongs to another account.
    #[error("this e-mail address already signs in to another account")]
    LoginTaken,
    /// An online order needs the account's e-mail address verified first.
    #[error("verify your e-mail address before ordering online (see the link we sent)")]
    EmailUnverified,
    /// A password-reset link whose password has changed since it was made (it was used,
    /// or the password was changed otherwise): a link works once.
    #[error("this password-reset link was used already or the password has changed since; ask for a new one")]
    ResetLinkUsed,
    /// Too many passwords are being hashed right now: try again in a moment.
    #[error("too many sign-ins and sign-ups right now; try again in a moment")]
    PasswordsBusy,
    /// A lead goes only to an active staff user of its own outlet.
    #[error("{user} is not a consultant of dealer {dealer}")]
    AssigneeNotAtDealer {
        user: domain::values::UserId,
        dealer: DealerId,
    },
    /// A test drive is booked for a registered customer.
    #[error("a test drive in the showroom is booked for a customer: customer_id is required")]
    CustomerRequired,
    /// A free vehicle moves only as a transfer, which names its destination.
    #[error("vehicle {vehicle} is free stock: a transfer needs a destination")]
    DestinationRequired { vehicle: VehicleId },
    /// A reallocation gives an order only a vehicle of its market and its
    /// exact configuration.
    #[error("vehicle {vehicle} does not match order {order}: {}", differences.join(", "))]
    VehicleDoesNotMatch {
        vehicle: VehicleId,
        order: OrderId,
        /// `+X`: the vehicle has X the order lacks; `-Y`: it lacks Y; or
        /// `market` when the markets differ.
        differences: Vec<String>,
    },
    /// A reallocation cannot bring the vehicle to the receiving order's
    /// dealer (it is on its way elsewhere, or there is no route).
    #[error("vehicle {vehicle} cannot be brought to dealer {dealer} from {location}")]
    VehicleOutOfReach {
        vehicle: VehicleId,
        dealer: DealerId,
        location: LocationId,
    },
    /// The vehicle is reserved by an order that does not hold it (a
    /// half-done command the process managers have not repaired yet).
    #[error("vehicle {vehicle} and order {order} disagree about their reservation")]
    ReservationMismatch { vehicle: VehicleId, order: OrderId },
}

impl Rejection {
    /// The rule's stable code, as the API reports it: the refusing aggregate's own
    /// (`domain::rule_codes`), or the use case's, written out here.
    pub fn rule(&self) -> &'static str {
        match self {
            Rejection::Order(e) => e.rule(),
            Rejection::Vehicle(e) => e.rule(),
            Rejection::Slot(e) => e.rule(),
            Rejection::Shipment(e) => e.rule(),
            Rejection::Register(e) => e.rule(),
            Rejection::Invoice(e) => e.rule(),
            Rejection::Commission(e) => e.rule(),
            Rejection::Customer(e) => e.rule(),
            Rejection::Claim(e) => e.rule(),
            Rejection::User(e) => e.rule(),
            Rejection::Lead(e) => e.rule(),
            Rejection::TestDrive(e) => e.rule(),
            Rejection::Message(e) => e.rule(),
            Rejection::Webhook(e) => e.rule(),
            Rejection::AssigneeNotAtDealer { .. } => "assignee_not_at_dealer",
            Rejection::CustomerRequired => "customer_required",
            Rejection::LoginTaken => "login_taken",
            Rejection::EmailUnverified => "email_unverified",
            Rejection::PasswordsBusy => "passwords_busy",
            Rejection::ResetLinkUsed => "invalid_password_reset",
            Rejection::DestinationRequired { .. } => "destination_required",
            Rejection::VehicleDoesNotMatch { .. } => "vehicle_does_not_match",
            Rejection::VehicleOutOfReach { .. } => "vehicle_out_of_reach",
            Rejection::ReservationMismatch { .. } => "reservation_mismatch",
        }
    }

    /// Whether the rule is about who may act, not what (a 403 with its rule): a lead
    /// worked by another consultant, a manager's decision.
    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            Rejection::Lead(LeadError::AssignedToAnother { .. } | LeadError::NotManager)
        )
    }

    /// Whether the rule lost a race for one thing (a 409 with its rule): the slot of a
    /// demo car someone else booked first.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Rejection::TestDrive(TestDriveError::SlotTaken { .. }))
    }

    /// Whether the rule says "the thing does not exist" (a 404, not a 422).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Rejection::Order(OrderError::NotPlaced)
                | Rejection::Vehicle(VehicleError::NotFound)
                | Rejection::Shipment(ShipmentError::NotFound)
                | Rejection::Customer(CustomerError::NotRegistered)
                | Rejection::User(UserError::NotFound)
                | Rejection::Lead(LeadError::NotCreated)
                | Rejection::TestDrive(TestDriveError::UnknownTestDrive { .. })
                | Rejection::Message(MessageError::NotQueued)
                | Rejection::Webhook(WebhookError::NotRegistered)
        )
    }
}

/// Lifts an aggregate's command error into a [`ServiceError`]; a rejection
/// that means "does not exist" becomes [`CommandError::NotFound`].
pub(crate) fn lift<E: Into<Rejection>>(error: CommandError<E>) -> ServiceError {
    match error.map_rejection(Into::into) {
        CommandError::Rejected(r) if r.is_not_found() => CommandError::NotFound(r.to_string()),
        other => other,
    }
}
