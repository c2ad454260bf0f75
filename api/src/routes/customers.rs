//! People: registering customers (sign-up online, in the showroom), changing
//! their profile and consents, verifying an e-mail address, merging
//! duplicates, erasure, and staff accounts.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::customer::{Channel, ConsentSource};
use domain::user::StaffRole;
use domain::values::{CustomerId, DealerId, MarketCode, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::people_input::{parse_email, parse_name, parse_phone, NewCustomerBody, ProfilePatch};
use crate::auth::{Caller, MaybeCaller, Role};
use crate::extract::{AppJson, AppPath};
use crate::people_access::{people, visible_for_command};
use crate::problem::{ApiError, Problem};
use crate::{metadata, AppState};
use app::accounts::Password;
use app::people::{NewCustomer, NewStaff, Profile, ProfileChange, StaffProfile};

/// The answer to a registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredView {
    #[schema(value_type = domain::values::CustomerId)]
    pub customer_id: String,
    /// `false`: the e-mail or phone already belongs to this customer; nothing changed.
    pub created: bool,
    /// Development mode only (no mail server configured): the link that verifies the
    /// account's e-mail address, which a mail would carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_link: Option<String>,
    pub position: u64,
}

/// A fresh customer id: `C-` and ten characters of a random UUID (base 32).
pub(crate) fn fresh_customer() -> CustomerId {
    let id = format!("C-{}", short_code(uuid::Uuid::new_v4()));
    CustomerId::parse(&id).unwrap_or_else(|_| unreachable_id())
}

fn fresh_user() -> UserId {
    let id = format!("U-{}", short_code(uuid::Uuid::new_v4()));
    UserId::parse(&id).unwrap_or_else(|_| unreachable_user())
}

#[allow(clippy::panic)]
fn unreachable_id() -> CustomerId {
    panic!("C- followed by base-32 letters and digits is a customer id")
}

#[allow(clippy::panic)]
fn unreachable_user() -> UserId {
    panic!("U- followed by base-32 letters and digits is a user id")
}

/// Ten characters of Crockford's base 32 (no I, L, O, U): 50 random bits.
fn short_code(uuid: uuid::Uuid) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bits = uuid.as_u128();
    (0..10)
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// Registers a customer: a sign-up online (anyone, with a password) or a dealer in its
/// showroom (no password). One customer per e-mail and phone: when either already belongs
/// to a customer the answer is that customer with `created: false` (200), and nothing
/// changes.
#[utoipa::path(post, path = "/api/v1/customers", tag = "people",
    request_body = NewCustomerBody,
    responses((status = 201, body = RegisteredView, description = "a new customer"),
        (status = 200, body = RegisteredView, description = "the e-mail or phone already belongs to this customer"),
        (status = 422, body = Problem, description = "a malformed e-mail, phone or name, a password too short or long, an unknown market")))]
pub async fn register(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    AppJson(body): AppJson<NewCustomerBody>,
) -> Result<(StatusCode, Json<RegisteredView>), ApiError> {
    let people = people(&state)?;
    let channel = match &caller {
        None => Channel::Online,
        Some(c) if c.role == Role::Dealer => Channel::Showroom {
            dealer: c
                .dealer()
                .ok_or_else(|| ApiError::Forbidden("not a dealer".into()))?,
        },
        Some(c) => {
            return Err(ApiError::Forbidden(format!(
                "the {} role does not register customers: sign up without a token, or as a dealer",
                c.role
            )))
        }
    };
    let market = MarketCode::parse(&body.market)
        .ok()
        .filter(|m| state.catalog.market(m).is_some())
        .ok_or_else(|| {
            ApiError::rule(
                "unknown_market",
                format!("unknown market {:?}", body.market),
            )
        })?;
    let password = match (&channel, body.password) {
        (Channel::Online, None) => {
            return Err(ApiError::rule(
                "password_too_short",
                "a sign-up needs a password of at least 10 characters",
            ))
        }
        (_, Some(p)) => {
            Some(Password::parse(p).map_err(|e| ApiError::rule(e.rule(), e.to_string()))?)
        }
        (_, None) => None,
    };
    let profile = Profile {
        name: parse_name(&body.name)?,
        email: parse_email(&body.email)?,
        phone: body
            .phone
            .as_deref()
            .map(|p| parse_phone(p, &market))
            .transpose()?,
        billing_address: body.billing_address.map(|a| a.parse()).transpose()?,
    };
    let metadata = match &caller {
        Some(c) => metadata(c),
        None => crate::anonymous_metadata(),
    };
    let registration = people
        .register(
            NewCustomer {
                customer: fresh_customer(),
                profile,
                language: body.language,
                market,
                consents: body.consents.unwrap_or_default().choice(),
                channel,
                password,
            },
            &metadata,
        )
        .await?;
    let verification_link =
        (registration.created && registration.needs_verification && state.dev_links)
            .then(|| state.auth.verification_link(&registration.customer))
            .transpose()?;
    let status = if registration.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(RegisteredView {
            customer_id: registration.customer.to_string(),
            created: registration.created,
            verification_link,
            position: registration.position.0,
        }),
    ))
}

/// `POST /api/v1/customers/verify`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    /// The token of the verification link.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedView {
    #[schema(value_type = domain::values::CustomerId)]
    pub customer_id: String,
    pub verified: bool,
    pub position: u64,
}

/// Verifies a customer's e-mail address with the token of the link sent to it (anyone
/// holding the link: it proves access to the mailbox).
#[utoipa::path(post, path = "/api/v1/customers/verify", tag = "people",
    request_body = VerifyBody,
    responses((status = 200, body = VerifiedView), (status = 422, body = Problem, description = "an invalid or expired link")))]
pub async fn verify(
    State(state): State<AppState>,
    AppJson(body): AppJson<VerifyBody>,
) -> Result<Json<VerifiedView>, ApiError> {
    let people = people(&state)?;
    let customer = state.auth.verified_customer(&body.token)?;
    let done = people
        .verify_email(&customer, &crate::anonymous_metadata())
        .await?;
    Ok(Json(VerifiedView {
        customer_id: customer.to_string(),
        verified: true,
        position: done.position.0,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedView {
    #[schema(value_type = domain::values::CustomerId)]
    pub customer_id: String,
    pub position: u64,
}

/// Changes a customer's profile and marketing consents (the customer, its dealers).
#[utoipa::path(patch, path = "/api/v1/customers/{customer_id}", tag = "people", security(("bearer" = [])),
    params(("customer_id" = CustomerId, Path)), request_body = ProfilePatch,
    responses((status = 200, body = ChangedView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(customer): AppPath<CustomerId>,
    AppJson(patch): AppJson<ProfilePatch>,
) -> Result<Json<ChangedView>, ApiError> {
    let people = people(&state)?;
    if !matches!(caller.role, Role::Customer | Role::Dealer) {
        return Err(ApiError::Forbidden(
            "only the customer and its dealers change a profile".into(),
        ));
    }
    let doc = visible_for_command(&state, &caller, &customer).await?;
    let id = doc.customer_id.clone();
    let source = if caller.role == Role::Dealer {
        ConsentSource::Showroom
    } else {
        ConsentSource::Online
    };
    let consents = patch.consents.unwrap_or_default();
    let change = ProfileChange {
        name: patch.name.as_deref().map(parse_name).transpose()?,
        email: patch.email.as_deref().map(parse_email).transpose()?,
        phone: patch
            .phone
            .map(|p| {
                p.as_deref()
                    .map(|p| parse_phone(p, &doc.market))
                    .transpose()
            })
            .transpose()?,
        billing_address: patch
            .billing_address
            .map(|a| a.map(|a| a.parse()).transpose())
            .transpose()?,
        language: patch.language,
        consent_email: consents.email,
        consent_sms: consents.sms,
        consent_phone: consents.phone,
        consent_source: Some(source),
    };
    let done = people
        .change_profile(&id, change, &metadata(&caller))
        .await?;
    state.named_boards.names_changed();
    Ok(Json(ChangedView {
        customer_id: id.to_string(),
        position: done.position.0,
    }))
}

/// `POST /api/v1/customers/{id}/merge`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    #[schema(value_type = domain::values::CustomerId)]
    pub duplicate_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MergedView {
    #[schema(value_type = domain::values::CustomerId)]
    pub customer_id: String,
    #[schema(value_type = domain::values::CustomerId)]
    pub merged: String,
    pub position: u64,
}

/// Merges a duplicate into this customer (a dealer's manager, for customers of the outlet;
/// an admin): the duplicate's orders, invoices and everything else answer as this
/// customer's, and its id keeps answering, pointing here.
#[utoipa::path(post, path = "/api/v1/customers/{customer_id}/merge", tag = "people", security(("bearer" = [])),
    params(("customer_id" = CustomerId, Path)), request_body = MergeBody,
    responses((status = 200, body = MergedView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "into itself, into an erased or merged customer")))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(survivor): AppPath<CustomerId>,
    AppJson(body): AppJson<MergeBody>,
) -> Result<Json<MergedView>, ApiError> {
    let people = people(&state)?;
    let duplicate = CustomerId::parse(&body.duplicate_id)
        .map_err(|e| ApiError::BadRequest(format!("duplicate_id: {e}")))?;
    match caller.role {
        Role::Admin => {}
        Role::Dealer if caller.manager => {
            visible_for_command(&state, &caller, &survivor).await?;
            visible_for_command(&state, &caller, &duplicate).await?;
        }
        _ => {
            return Err(ApiError::Forbidden(
                "only a dealer's manager or an admin merges customers".into(),
            ))
        }
    }
    let done = people
        .merge(&survivor, &duplicate, &metadata(&caller))
        .await?;
    state.named_boards.names_changed();
    Ok(Json(MergedView {
        customer_id: survivor.to_string(),
        merged: duplicate.to_string(),
        position: done.position.0,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErasedView {
    #[schema(value_type = domain::values::CustomerId)]
    pub customer_id: String,
    pub erased: bool,
    pub position: u64,
}

/// Erases a customer (the customer, an admin): personal data becomes unreadable everywhere
/// (its key is destroyed); orders, amounts, invoice numbers and history stay. The billing
/// identity of issued invoices stays until its retention ends.
#[utoipa::path(post, path = "/api/v1/customers/{customer_id}/erase", tag = "people", security(("bearer" = [])),
    params(("customer_id" = CustomerId, Path)),
    responses((status = 200, body = ErasedView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(customer): AppPath<CustomerId>,
) -> Result<Json<ErasedView>, ApiError> {
    let people = people(&state)?;
    match caller.role {
        Role::Admin => {}
        Role::Customer => {
            visible_for_command(&state, &caller, &customer).await?;
        }
        _ => {
            return Err(ApiError::Forbidden(
                "only the customer or an admin asks for erasure".into(),
            ))
        }
    }
    let done = people.erase(&customer, &metadata(&caller)).await?;
    state.named_boards.names_changed();
    Ok(Json(ErasedView {
        customer_id: customer.to_string(),
        erased: true,
        position: done.position.0,
    }))
}

/// `POST /api/v1/users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub email: String,
    pub name: String,
    /// `dealer`, `planner`, `finance` or `admin`.
    #[schema(value_type = String, example = "dealer")]
    pub role: Role,
    /// The outlet of a dealer's staff member.
    #[schema(value_type = Option<domain::values::DealerId>)]
    pub dealer_id: Option<String>,
    /// A dealer's staff member who manages the outlet.
    #[serde(default)]
    pub manager: bool,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserCreatedView {
    #[schema(value_type = domain::values::UserId)]
    pub user_id: String,
    pub position: u64,
}

/// Creates a staff account (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "people", security(("bearer" = [])),
    request_body = NewUserBody,
    responses((status = 201, body = UserCreatedView), (status = 403, body = Problem),
        (status = 422, body = Problem, description = "a malformed e-mail, an unknown dealer, a password too short or long, an e-mail that signs in elsewhere")))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(body): AppJson<NewUserBody>,
) -> Result<(StatusCode, Json<UserCreatedView>), ApiError> {
    let people = people(&state)?;
    caller.require(&[Role::Admin])?;
    let new = staff_from(&state, body)?;
    let user = new.user.clone();
    let done = people.create_staff(new, &metadata(&caller)).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserCreatedView {
            user_id: user.to_string(),
            position: done.position.0,
        }),
    ))
}

/// A staff account from the request, checked against the catalog's network.
pub fn staff_from(state: &AppState, body: NewUserBody) -> Result<NewStaff, ApiError> {
    let role = staff_role(
        body.role,
        body.dealer_id.as_deref(),
        body.manager,
        |dealer| state.catalog.dealer(dealer).is_some(),
    )?;
    Ok(NewStaff {
        user: fresh_user(),
        profile: StaffProfile {
            name: parse_name(&body.name)?,
            email: parse_email(&body.email)?,
        },
        role,
        password: Password::parse(body.password)
            .map_err(|e| ApiError::rule(e.rule(), e.to_string()))?,
    })
}

/// The staff role a role, an outlet and the manager flag describe.
pub fn staff_role(
    role: Role,
    dealer: Option<&str>,
    manager: bool,
    known: impl Fn(&DealerId) -> bool,
) -> Result<StaffRole, ApiError> {
    if manager && role != Role::Dealer {
        return Err(ApiError::rule(
            "manager_not_dealer",
            "only a dealer's staff member can be a manager",
        ));
    }
    match role {
        Role::Dealer => {
            let text = dealer.ok_or_else(|| {
                ApiError::rule(
                    "unknown_dealer",
                    "a dealer's staff member needs a dealer_id",
                )
            })?;
            let dealer = DealerId::parse(text)
                .ok()
                .filter(|d| known(d))
                .ok_or_else(|| {
                    ApiError::rule("unknown_dealer", format!("unknown dealer {text:?}"))
                })?;
            Ok(StaffRole::Dealer { dealer, manager })
        }
        Role::Planner => Ok(StaffRole::Planner),
        Role::Finance => Ok(StaffRole::Finance),
        Role::Admin => Ok(StaffRole::Admin),
        Role::Customer => Err(ApiError::rule(
            "not_staff",
            "customers sign up themselves (POST /api/v1/customers)",
        )),
    }
}
