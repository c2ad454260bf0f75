//! The demo's people: customers with names, addresses and phones (registered online or
//! in a showroom as they first order), and the staff who sign in: a few consultants and
//! a manager per dealer, a planner, finance and an admin, all with one demo password,
//! plus one customer per market who signs in online.

use app::people::{Address, NewCustomer, NewStaff, Profile, StaffProfile};
use domain::customer::{Channel, ConsentChoice};
use domain::user::StaffRole;
use domain::values::{
    CustomerId, DealerId, Email, Language, MarketCode, PersonName, Phone, UserId,
};
use rand::Rng;

use super::world::World;
use super::DemoError;
use app::accounts::Password;

/// The password of every demo account (printed by the demo; a demo data folder only).
pub const DEMO_PASSWORD: &str = "otd-demo-2026";

/// Consultants per dealer besides its manager.
const CONSULTANTS: usize = 2;

const DE_FIRST: &[&str] = &[
    "Anna", "Lukas", "Marie", "Felix", "Sophie", "Jonas", "Lea", "Paul", "Emma", "Leon", "Hannah",
    "Finn", "Mia", "Elias", "Lina", "Noah", "Clara", "Ben", "Ida", "Moritz",
];
const DE_LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
];
const DE_STREETS: &[&str] = &[
    "Hauptstraße",
    "Lindenallee",
    "Gartenweg",
    "Schillerstraße",
    "Bahnhofstraße",
];
const DE_CITIES: &[(&str, &str)] = &[
    ("10115", "Berlin"),
    ("20095", "Hamburg"),
    ("80331", "München"),
    ("50667", "Köln"),
];
const ZH_FAMILY: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
const ZH_GIVEN: &[&str] = &[
    "芳", "伟", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟",
];
const ZH_PINYIN: &[&str] = &[
    "fang", "wei", "na", "min", "jing", "lei", "yang", "yan", "yong", "jun", "jie", "juan",
];
const ZH_CITIES: &[(&str, &str)] = &[
    ("200000", "Shanghai"),
    ("100000", "Beijing"),
    ("518000", "Shenzhen"),
];

/// Someone the demo prints how to sign in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignInAs {
    pub who: String,
    pub role: String,
    pub email: String,
}

/// A fresh, seeded id (`C-…`, `U-…`): the same seed gives the same people.
fn seeded_code(world: &mut World<'_>) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    (0..10)
        .map(|_| ALPHABET[world.rng.random_range(0..32)] as char)
        .collect()
}

fn setup(what: &str, e: impl std::fmt::Display) -> DemoError {
    DemoError::Setup(format!("{what}: {e}"))
}

/// A made-up person of `market`: name, e-mail, phone and address.
fn person(world: &mut World<'_>, market: &MarketCode, n: usize) -> Result<Profile, DemoError> {
    let china = market.as_str() == "CN";
    let (name, slug, phone, address) = if china {
        let family = world.rng.random_range(0..ZH_FAMILY.len());
        let given = world.rng.random_range(0..ZH_GIVEN.len());
        let (postcode, city) = ZH_CITIES[world.rng.random_range(0..ZH_CITIES.len())];
        (
            format!("{}{}", ZH_FAMILY[family], ZH_GIVEN[given]),
            format!("{}.{}", ZH_PINYIN[given], n),
            format!(
                "+86 139 {:04} {:04}",
                world.rng.random_range(0..10_000),
                n % 10_000
            ),
            Address {
                street: format!(
                    "{} Road {}",
                    ["Nanjing", "Huaihai", "Century"][n % 3],
                    n % 300 + 1
                ),
                postcode: postcode.into(),
                city: city.into(),
                country: "CN".into(),
            },
        )
    } else {
        let first = DE_FIRST[world.rng.random_range(0..DE_FIRST.len())];
        let last = DE_LAST[world.rng.random_range(0..DE_LAST.len())];
        let (postcode, city) = DE_CITIES[world.rng.random_range(0..DE_CITIES.len())];
        let slug = format!("{first}.{last}.{n}")
            .to_lowercase()
            .replace('ü', "ue")
            .replace('ö', "oe")
            .replace('ä', "ae")
            .replace('ß', "ss");
        (
            format!("{first} {last}"),
            slug,
            format!(
                "+49 30 {:03}{:05}",
                world.rng.random_range(100..1000),
                n % 100_000
            ),
            Address {
                street: format!(
                    "{} {}",
                    DE_STREETS[world.rng.random_range(0..DE_STREETS.len())],
                    n % 120 + 1
                ),
                postcode: postcode.into(),
                city: city.into(),
                country: "DE".into(),
            },
        )
    };
    let domain = if china { "example.cn" } else { "example.de" };
    Ok(Profile {
        name: PersonName::parse(&name).map_err(|e| setup("a name", e))?,
        email: Email::parse(&format!("{slug}@{domain}")).map_err(|e| setup("an e-mail", e))?,
        phone: Phone::parse(&phone, Some(market)).ok(),
        billing_address: Some(address),
    })
}

fn language(market: &MarketCode) -> Language {
    if market.as_str() == "CN" {
        Language::Zh
    } else {
        Language::De
    }
}

/// A new customer of `market`, who comes online or through `showroom`'s door.
pub(super) async fn new_customer(
    world: &mut World<'_>,
    market: &MarketCode,
    showroom: Option<&DealerId>,
) -> Result<CustomerId, DemoError> {
    let (new, metadata) = new_person(world, market, showroom)?;
    register(world, new, &metadata).await
}

/// A made-up person of `market` to register, coming online or through `showroom`'s door
/// (a fresh seeded id, used if nobody holds their e-mail or phone yet), and who registers
/// them.
pub(super) fn new_person(
    world: &mut World<'_>,
    market: &MarketCode,
    showroom: Option<&DealerId>,
) -> Result<(NewCustomer, store::Metadata), DemoError> {
    let n = world.customers.len() + 1;
    let profile = person(world, market, n)?;
    let consents = ConsentChoice {
        email: world.chance(0.4),
        sms: world.chance(0.15),
        phone: world.chance(0.1),
    };
    let (channel, metadata) = match showroom {
        Some(dealer) => (
            Channel::Showroom {
                dealer: dealer.clone(),
            },
            world.by(api::auth::Role::Dealer, dealer.as_str()),
        ),
        None => (Channel::Online, api::anonymous_metadata()),
    };
    let new = NewCustomer {
        customer: fresh_customer_id(world)?,
        profile,
        language: language(market),
        market: market.clone(),
        consents,
        channel,
        password: None,
    };
    Ok((new, metadata))
}

fn fresh_customer_id(world: &mut World<'_>) -> Result<CustomerId, DemoError> {
    CustomerId::parse(&format!("C-{}", seeded_code(world))).map_err(|e| setup("a customer id", e))
}

/// Registers a customer (found instead when their e-mail or phone is known); the demo
/// remembers the profile of one it registered.
pub(super) async fn register(
    world: &mut World<'_>,
    new: NewCustomer,
    metadata: &store::Metadata,
) -> Result<CustomerId, DemoError> {
    let profile = new.profile.clone();
    let market = new.market.clone();
    let registration = world
        .people
        .register(new, metadata)
        .await
        .map_err(|error| DemoError::Service {
            action: "registering a customer",
            error,
        })?;
    known(
        world,
        &registration.customer,
        &market,
        profile,
        registration.created,
    );
    Ok(registration.customer)
}

/// Notes a customer of `market` the demo registered (`created`) or found.
pub(super) fn known(
    world: &mut World<'_>,
    customer: &CustomerId,
    market: &MarketCode,
    profile: Profile,
    created: bool,
) {
    if created {
        world.profiles.insert(customer.clone(), profile);
    }
    world.customers.insert(customer.clone(), market.clone());
}

/// A registration with a sign-up password (an online account).
async fn sign_up(
    world: &mut World<'_>,
    profile: Profile,
    market: &MarketCode,
    password: Password,
) -> Result<CustomerId, DemoError> {
    let new = NewCustomer {
        customer: fresh_customer_id(world)?,
        profile,
        language: language(market),
        market: market.clone(),
        consents: ConsentChoice::default(),
        channel: Channel::Online,
        password: Some(password),
    };
    register(world, new, &api::anonymous_metadata()).await
}

/// The staff accounts and one online customer account per market; who to sign in as.
pub(super) async fn accounts(world: &mut World<'_>) -> Result<Vec<SignInAs>, DemoError> {
    let password = || Password::parse(DEMO_PASSWORD).map_err(|e| setup("the demo password", e));
    let admin = world.by(api::auth::Role::Admin, "demo");
    let mut people = Vec::new();
    let dealers: Vec<_> = world.catalog.dealers().cloned().collect();
    let mut staff: Vec<(StaffRole, String, String)> = Vec::new();
    for dealer in &dealers {
        let slug = dealer.id.as_str().to_lowercase();
        staff.push((
            StaffRole::Dealer {
                dealer: dealer.id.clone(),
                manager: true,
            },
            format!("manager.{slug}@otd.example"),
            format!("manager of {}", dealer.name),
        ));
        for i in 1..=CONSULTANTS {
            staff.push((
                StaffRole::Dealer {
                    dealer: dealer.id.clone(),
                    manager: false,
                },
                format!("sales{i}.{slug}@otd.example"),
                format!("sales consultant at {}", dealer.name),
            ));
        }
    }
    staff.push((
        StaffRole::Planner,
        "planner@otd.example".into(),
        "OEM planner".into(),
    ));
    staff.push((
        StaffRole::Finance,
        "finance@otd.example".into(),
        "OEM finance".into(),
    ));
    staff.push((
        StaffRole::Admin,
        "admin@otd.example".into(),
        "OEM admin".into(),
    ));
    for (n, (role, email, what)) in staff.into_iter().enumerate() {
        let market = match &role {
            StaffRole::Dealer { dealer, .. } => world
                .catalog
                .dealer(dealer)
                .map(|d| d.market.clone())
                .ok_or_else(|| setup("a dealer", dealer))?,
            _ => MarketCode::parse("DE").map_err(|e| setup("a market", e))?,
        };
        let name = person(world, &market, n)?.name;
        let user = UserId::parse(&format!("U-{}", seeded_code(world)))
            .map_err(|e| setup("a user id", e))?;
        let new = NewStaff {
            user: user.clone(),
            profile: StaffProfile {
                name: name.clone(),
                email: Email::parse(&email).map_err(|e| setup("an e-mail", e))?,
            },
            role: role.clone(),
            password: password()?,
        };
        world
            .people
            .create_staff(new, &admin)
            .await
            .map_err(|error| DemoError::Service {
                action: "creating a staff account",
                error,
            })?;
        if let StaffRole::Dealer { dealer, manager } = &role {
            let staff = world.staff.entry(dealer.clone()).or_default();
            if *manager {
                staff.manager = Some(user.clone());
            } else {
                staff.consultants.push(user.clone());
            }
        }
        let role = match role {
            StaffRole::Dealer { manager: true, .. } => "dealer (manager)",
            StaffRole::Dealer { .. } => "dealer",
            StaffRole::Planner => "planner",
            StaffRole::Finance => "finance",
            StaffRole::Admin => "admin",
        };
        people.push(SignInAs {
            who: format!("{name}, {what}"),
            role: role.into(),
            email,
        });
    }
    for market in ["DE", "CN"] {
        let market = MarketCode::parse(market).map_err(|e| setup("a market", e))?;
        let n = 90_000 + people.len();
        let mut profile = person(world, &market, n)?;
        let email = format!("customer.{}@example.com", market.as_str().to_lowercase());
        profile.email = Email::parse(&email).map_err(|e| setup("an e-mail", e))?;
        let name = profile.name.to_string();
        let customer = sign_up(world, profile, &market, password()?).await?;
        world
            .people
            .verify_email(&customer, &api::anonymous_metadata())
            .await
            .map_err(|error| DemoError::Service {
                action: "verifying an e-mail address",
                error,
            })?;
        world.customers.insert(customer.clone(), market.clone());
        people.push(SignInAs {
            who: format!("{name}, customer {customer} ({market})"),
            role: "customer".into(),
            email,
        });
    }
    Ok(people)
}

/// A customer who just signed up online (account not verified yet).
pub(super) async fn new_sign_up(
    world: &mut World<'_>,
    market: &MarketCode,
) -> Result<CustomerId, DemoError> {
    let n = 99_000 + world.customers.len();
    let profile = person(world, market, n)?;
    let password = Password::parse(DEMO_PASSWORD).map_err(|e| setup("the demo password", e))?;
    sign_up(world, profile, market, password).await
}
