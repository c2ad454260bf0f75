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

/// `otd admin …`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum AdminCommand {
    /// Create a staff account (bootstraps the first admin of a fresh data folder); prints
    /// its user id.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// dealer, planner, finance or admin.
        #[arg(long)]
        role: api::auth::Role,
        /// The outlet of a dealer's staff member (D-…).
        #[arg(long)]
        dealer: Option<String>,
        /// A dealer's staff member who manages the outlet.
        #[arg(long)]
        manager: bool,
        /// 10 to 128 characters.
        #[arg(long, env = "OTD_NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
        #[command(flatten)]
        settings: Settings,
    },
}

impl AdminCommand {
    /// The engine settings the command runs on.
    pub fn settings(&self) -> &Settings {
        match self {
            AdminCommand::CreateUser { settings, .. } => settings,
        }
    }
}

/// Runs `command` on the engine `settings` name (the settings file's values included).
pub async fn run(command: AdminCommand, settings: Settings) -> Result<(), String> {
    match command {
        AdminCommand::CreateUser {
            email,
            name,
            role,
            dealer,
            manager,
            password,
            settings: _,
        } => {
            let user = CreateUser {
                email,
                name,
                role,
                dealer,
                manager,
                password,
            };
            let id = create_user(&settings, user).await?;
            println!("{id}");
            Ok(())
        }
    }
}

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
