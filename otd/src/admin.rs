//! `otd admin`: what an operator does on a data folder directly, e.g. create the first
//! staff account of a fresh installation (every later one can be made by an admin through
//! `POST /api/v1/users`).

use std::sync::Arc;

use api::auth::Role;
use app::accounts::{Password, PasswordPool};
use app::people::{NewStaff, People, StaffProfile};
use domain::values::{Email, PersonName, UserId};

use crate::settings::Settings;
use crate::stores::Parts;

/// A staff account to create.
#[derive(Debug, Clone)]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub dealer: Option<String>,
    pub manager: bool,
    pub password: String,
}

/// Creates the account on the engine `settings` name; returns its id.
pub async fn create_user(settings: &Settings, user: CreateUser) -> Result<UserId, String> {
    let parts = Parts::open(settings).await.map_err(|e| e.to_string())?;
    let catalog = Arc::clone(&parts.catalog);
    let role = api::routes::customers::staff_role(
        user.role,
        user.dealer.as_deref(),
        user.manager,
        |dealer| catalog.dealer(dealer).is_some(),
    )
    .map_err(|e| e.to_string())?;
    let id = UserId::parse(&format!(
        "U-{}",
        uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()
    ))
    .map_err(|e| e.to_string())?;
    let new = NewStaff {
        user: id.clone(),
        profile: StaffProfile {
            name: PersonName::parse(&user.name).map_err(|e| format!("--name: {e}"))?,
            email: Email::parse(&user.email).map_err(|e| format!("--email: {e}"))?,
        },
        role,
        password: Password::parse(user.password).map_err(|e| format!("--password: {e}"))?,
    };
    let executor = app::Executor::new(parts.events, parts.catalog, parts.clock);
    let people = People::new(executor, parts.vault, PasswordPool::for_this_machine());
    let metadata = store::Metadata {
        actor: Some("admin:otd-cli".into()),
        ..store::Metadata::default()
    };
    people
        .create_staff(new, &metadata)
        .await
        .map_err(|e| match e {
            app::CommandError::Rejected(r) => format!("{} ({})", r, r.rule()),
            other => other.to_string(),
        })?;
    Ok(id)
}
