//! A lead's own list of test drives includes the drives booked online before the lead
//! existed (an online booking names the lead it opens, which is created after it). Run on
//! memory and SQLite.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration as Wait;

use chrono::{TimeZone, Utc};
use domain::customer::Channel;
use domain::lead::{Grade, LeadCommand, LeadSource};
use domain::test_drive::BookingChannel;
use domain::values::{LeadId, ModelCode};
use projections::ReadModelStore;
use store::EventStore;
use support::crm::customer;
use support::world::{dealer, World};

async fn a_drive_booked_before_its_lead_is_on_the_leads_list(
    events: Arc<dyn EventStore>,
    read_models: Arc<dyn ReadModelStore>,
) {
    let runner = support::runner(&events, &read_models, 5).await;
    let views = support::views(&runner, &events, &read_models);
    let w = World::new(Arc::clone(&events));
    w.register_customer("C-3001", Channel::Online)
        .await
        .unwrap();
    let lead = LeadId::derived("lead-opened-by-a-booking");
    let start = Utc.with_ymd_and_hms(2026, 11, 24, 9, 30, 0).unwrap();
    // The booking first, naming the lead it opens…
    let early = w
        .book_drive(
            "DC-BER-01-1",
            "C-3001",
            Some(lead),
            start,
            BookingChannel::Online,
        )
        .await
        .unwrap();
    // …then the lead, and a second drive booked for it afterwards.
    w.lead_cmd(
        lead,
        LeadCommand::Create {
            lead,
            customer: customer("C-3001"),
            dealer: dealer("D-BER-01"),
            model: ModelCode::parse("AURA").unwrap(),
            source: LeadSource::Web,
            grade: Grade::B,
            note: None,
            assigned_to: None,
        },
    )
    .await
    .unwrap();
    let later = w
        .book_drive(
            "DC-BER-01-1",
            "C-3001",
            Some(lead),
            start + chrono::Duration::minutes(45),
            BookingChannel::Online,
        )
        .await
        .unwrap();
    views
        .wait_for(w.head().await, Wait::from_secs(10))
        .await
        .unwrap();
    let doc = views.lead(&lead).await.unwrap().unwrap();
    assert_eq!(doc.test_drives, vec![early, later]);
}

#[tokio::test]
async fn a_drive_booked_before_its_lead_is_on_the_leads_list_in_memory() {
    let (events, read_models) = support::memory();
    a_drive_booked_before_its_lead_is_on_the_leads_list(events, read_models).await;
}

#[tokio::test]
async fn a_drive_booked_before_its_lead_is_on_the_leads_list_on_sqlite() {
    let (events, read_models, _dir) = support::sqlite().await;
    a_drive_booked_before_its_lead_is_on_the_leads_list(events, read_models).await;
}
