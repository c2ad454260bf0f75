//! The decider shape every aggregate follows, and the context a decision is
//! made in.
//!
//! An aggregate is a pure pair of functions: `decide(state, command, ctx)`
//! returns the events the command causes (or the typed rule it breaks) and
//! `evolve(state, event)` folds one event into the state. The application
//! layer loads a stream, folds it with `evolve`, calls `decide` and appends
//! the events with the stream's version as the expected version.

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::catalog::Catalog;

/// What a decision may know besides the state and the command: the time
/// (from the business clock, real or simulated) and the catalog.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub catalog: &'a Catalog,
}

impl<'a> Context<'a> {
    pub fn new(now: DateTime<Utc>, catalog: &'a Catalog) -> Self {
        Context { now, catalog }
    }

    /// The business date (UTC).
    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}

/// An event as it is stored: a pinned type name and a schema version.
pub trait DomainEvent: Serialize + DeserializeOwned + Clone + std::fmt::Debug {
    /// The stored name of this event (pinned by [`event_enum!`](crate::event_enum),
    /// so a renamed Rust variant never breaks stored events).
    fn event_type(&self) -> &'static str;

    /// The version of the payload's schema; bump it and upcast on read when
    /// a payload changes shape.
    fn schema_version(&self) -> u32 {
        1
    }
}

/// An aggregate as a decider.
pub trait Decider {
    type State: Default + Clone + std::fmt::Debug;
    type Command;
    type Event: DomainEvent;
    type Error: std::error::Error + Clone + PartialEq;

    fn decide(
        state: &Self::State,
        command: Self::Command,
        ctx: &Context<'_>,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// The state after `events`, folded from the default.
    fn replay<'e>(events: impl IntoIterator<Item = &'e Self::Event>) -> Self::State
    where
        Self::Event: 'e,
    {
        events
            .into_iter()
            .fold(Self::State::default(), |state, e| Self::evolve(state, e))
    }
}

/// Declares an event enum with each variant's stored name written once.
///
/// Each variant is written `Variant as "StoredName" { fields }`; the macro
/// pins the name with `#[serde(rename)]`, stores every event of the enum
/// the same way (`{"type": name, "data": fields}`) and implements
/// [`DomainEvent::event_type`] from the same names, so the name a payload
/// is stored under and the name the log records can never disagree.
/// Attributes and doc comments on the enum, its variants and their fields
/// are kept as written.
///
/// ```
/// domain::event_enum! {
///     /// What happened to a lamp.
///     #[derive(Debug, Clone, PartialEq, Eq)]
///     pub enum LampEvent {
///         /// It was switched on.
///         SwitchedOn as "LampSwitchedOn" { by: String },
///     }
/// }
///
/// use domain::decider::DomainEvent;
/// let event = LampEvent::SwitchedOn { by: "ana".into() };
/// assert_eq!(event.event_type(), "LampSwitchedOn");
/// ```
#[macro_export]
macro_rules! event_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $enum:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident as $name:literal { $($fields:tt)* }
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(::serde::Serialize, ::serde::Deserialize)]
        #[serde(tag = "type", content = "data")]
        $vis enum $enum {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $name)]
                $variant { $($fields)* },
            )+
        }

        impl $crate::decider::DomainEvent for $enum {
            fn event_type(&self) -> &'static str {
                match self {
                    $($enum::$variant { .. } => $name,)+
                }
            }
        }
    };
}
