//! The problem responses every operation shares, added to the document in
//! one place so that no operation forgets one (a client generated from the
//! document then knows every status it can receive):
//!
//! - 400: a malformed parameter or body (operations with either);
//! - 401 and 403: no or a bad token, the role or the ownership (operations
//!   that need a token);
//! - 409 and 413: an `Idempotency-Key` reused with another request, a body
//!   over the limit (`POST`, `PUT`);
//! - 429: over the rate of the caller (every operation);
//! - 503: the read models have not reached `min_position` in time (reads
//!   that take it).
//!
//! Statuses an operation documents itself (its own 404s and 422s, or its own
//! wording of a shared one) are kept. Every problem is sent as
//! `application/problem+json` with the [`Problem`] schema.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, HttpMethod, Ref, RefOr, Required, Response, ResponseBuilder};
use utoipa::{Modify, ToSchema};

use crate::problem::Problem;

/// The media type of every error.
pub const PROBLEM_JSON: &str = "application/problem+json";

pub struct SharedProblems;

fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            Content::new(Some(Ref::from_schema_name(Problem::name()))),
        )
        .build()
}

fn has_parameter(op: &Operation, name: &str) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| p.name.eq_ignore_ascii_case(name))
}

/// The shared statuses of one operation, with their descriptions.
fn shared(op: &Operation, method: &HttpMethod) -> Vec<(&'static str, &'static str)> {
    let writes = matches!(method, HttpMethod::Post | HttpMethod::Put);
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut statuses = Vec::new();
    if writes || op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty())
    {
        statuses.push(("400", "a malformed parameter or body"));
    }
    if secured {
        statuses.push(("401", "no, an invalid or an expired token"));
        statuses.push(("403", "the role or the ownership does not allow it"));
    }
    if writes {
        statuses.push(("409", "the Idempotency-Key was used with another request"));
        statuses.push(("413", "the body is over 64 KiB"));
    }
    statuses.push(("429", "rate limited; see Retry-After"));
    if has_parameter(op, "min_position") {
        statuses.push((
            "503",
            "the read models have not reached min_position in time; retry",
        ));
    }
    statuses
}

/// `Idempotency-Key` on every authenticated write.
fn idempotency_key() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "retry safely: the same key and request return the first response and change nothing more",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(crate::idempotency::MAX_KEY_CHARS))
                .pattern(Some("^[!-~]+$")),
        ))
        .build()
}

impl Modify for SharedProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                (HttpMethod::Get, &mut item.get),
                (HttpMethod::Post, &mut item.post),
                (HttpMethod::Put, &mut item.put),
                (HttpMethod::Patch, &mut item.patch),
                (HttpMethod::Delete, &mut item.delete),
            ];
            for (method, op) in operations {
                let Some(op) = op.as_mut() else { continue };
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                if secured
                    && matches!(method, HttpMethod::Post | HttpMethod::Put)
                    && !has_parameter(op, "Idempotency-Key")
                {
                    op.parameters
                        .get_or_insert_with(Vec::new)
                        .push(idempotency_key());
                }
                for (status, description) in shared(op, &method) {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::T(problem(description)));
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let is_error = status.starts_with('4') || status.starts_with('5');
                    if is_error {
                        if let Some(content) = response.content.shift_remove("application/json") {
                            response.content.insert(PROBLEM_JSON.to_owned(), content);
                        }
                    }
                }
            }
        }
    }
}
