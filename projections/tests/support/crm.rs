//! The world's customers, leads and test drives, driven through the real deciders as the
//! application does.

use chrono::{DateTime, Utc};
use domain::customer::{Channel, ConsentChoice, Customer, CustomerCommand};
use domain::lead::{ContactChannel, Grade, Lead, LeadCommand, LeadSource};
use domain::test_drive::{BookingChannel, TestDriveCommand, TestDriveDay, TestDriveEvent};
use domain::values::*;
use store::Metadata;

use super::world::{dealer, World};

pub fn user(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}

pub fn customer(s: &str) -> CustomerId {
    CustomerId::parse(s).unwrap()
}

impl World {
    /// Registers `id` (its profile sealed under a key no test opens).
    pub async fn register_customer(&self, id: &str, channel: Channel) -> Result<(), String> {
        let command = CustomerCommand::Register {
            customer: customer(id),
            profile: Sealed {
                key: format!("{id}/profile"),
                nonce: vec![0; 24],
                ciphertext: vec![1, 2, 3],
            },
            language: Language::De,
            market: MarketCode::parse("DE").unwrap(),
            channel,
            consents: ConsentChoice::default(),
            contacts: Vec::new(),
            at: self.now(),
        };
        self.exec
            .execute::<Customer>(&customer(id), &Metadata::default(), move |_| {
                command.clone()
            })
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    /// Merges `duplicate` into `survivor`, both sides, as the application does.
    pub async fn merge(&self, duplicate: &str, survivor: &str) -> Result<(), String> {
        let at = self.now();
        let (d, s) = (customer(duplicate), customer(survivor));
        self.exec
            .execute::<Customer>(&d, &Metadata::default(), |_| CustomerCommand::MergeInto {
                survivor: s.clone(),
                at,
            })
            .await
            .map_err(|e| format!("{e:?}"))?;
        self.exec
            .execute::<Customer>(&s, &Metadata::default(), |_| CustomerCommand::Absorb {
                duplicate: d.clone(),
                at,
            })
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    /// Opens a lead of `customer_id` at `dealer_id`.
    pub async fn open_lead(
        &mut self,
        customer_id: &str,
        dealer_id: &str,
        model: &str,
        source: LeadSource,
        grade: Grade,
        assigned_to: Option<&str>,
    ) -> Result<LeadId, String> {
        let lead = LeadId::derived(&format!("lead-{}", self.next()));
        self.lead_cmd(
            lead,
            LeadCommand::Create {
                lead,
                customer: customer(customer_id),
                dealer: dealer(dealer_id),
                model: ModelCode::parse(model).unwrap(),
                source,
                grade,
                note: None,
                assigned_to: assigned_to.map(user),
            },
        )
        .await?;
        Ok(lead)
    }

    /// Runs one command on a lead.
    pub async fn lead_cmd(&self, lead: LeadId, command: LeadCommand) -> Result<(), String> {
        self.exec
            .execute::<Lead>(&lead, &Metadata::default(), move |_| command.clone())
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    /// A consultant (`by`; `None`: the outlet's shared account) reached the person.
    pub async fn contact(
        &self,
        lead: LeadId,
        by: Option<&str>,
        channel: ContactChannel,
        grade: Option<Grade>,
    ) -> Result<(), String> {
        let command = LeadCommand::RecordContact {
            by: by.map(user),
            by_manager: false,
            channel,
            note: None,
            grade,
        };
        self.lead_cmd(lead, command).await
    }

    /// Books demo car `car` from `start` for `customer_id`.
    pub async fn book_drive(
        &self,
        car: &str,
        customer_id: &str,
        lead: Option<LeadId>,
        start: DateTime<Utc>,
        channel: BookingChannel,
    ) -> Result<TestDriveId, String> {
        let car = CarId::parse(car).unwrap();
        let demo = self.catalog.demo_car(&car).ok_or("no such car")?.clone();
        let at_dealer = self.catalog.dealer(&demo.dealer).ok_or("no dealer")?;
        let key = CarDayKey::new(car.clone(), at_dealer.local_date(start));
        let command = TestDriveCommand::Book {
            car,
            dealer: demo.dealer.clone(),
            customer: customer(customer_id),
            lead,
            start,
            channel,
        };
        let done = self
            .exec
            .execute::<TestDriveDay>(&key, &Metadata::default(), move |_| command.clone())
            .await
            .map_err(|e| format!("{e:?}"))?;
        match done.events.first() {
            Some(TestDriveEvent::Booked { drive, .. }) => Ok(drive.id.clone()),
            _ => Err("nothing booked".into()),
        }
    }

    /// Runs one command on a booked drive's car-day.
    pub async fn drive_cmd(
        &self,
        id: &TestDriveId,
        command: TestDriveCommand,
    ) -> Result<(), String> {
        self.exec
            .execute::<TestDriveDay>(id.key(), &Metadata::default(), move |_| command.clone())
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    /// Moves the clock on by `minutes`.
    pub fn advance_minutes(&self, minutes: u32) {
        self.clock.advance_minutes(minutes).unwrap();
    }
}
