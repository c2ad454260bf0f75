//! Value types, parsed at the edge: domain functions take these, never bare
//! strings or integers.

mod calendar;
mod codes;
mod contact;
mod ids;
mod invoice_number;
mod keys;
mod money;
mod sealed;
mod test_drive_ids;
mod time_of_day;
mod vin;

pub use calendar::{in_calendar, last_day, CalendarError, IsoWeek, Month, CALENDAR_YEARS};
pub use codes::{
    CarId, CodeError, CustomerId, DealerId, FamilyCode, LocationId, MarketCode, ModelCode,
    OptionCode, PlantId, UserId,
};
pub use contact::{ContactError, Email, Language, PersonName, Phone};
pub use ids::{IdError, LeadId, MessageId, OrderId, PaymentId, ShipmentId, VehicleId, WebhookId};
pub use invoice_number::{InvoiceNumber, InvoiceNumberError};
pub use keys::{CommissionKey, RegisterKey, SlotKey};
pub use money::{Currency, Money, MoneyError, Rate};
pub use sealed::{ClaimKey, ClaimKeyError, ClaimKind, Sealed};
pub use test_drive_ids::{CarDayKey, TestDriveId, TestDriveIdError};
pub use time_of_day::{TimeOfDay, TimeOfDayError};
pub use vin::{Vin, VinError};
