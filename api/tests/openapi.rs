//! The OpenAPI document describes every parameter, body and response with a
//! schema a generated client can use (`.ci/schemathesis.sh` checks the
//! server against it; these check the document itself).

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use utoipa::OpenApi;

fn document() -> Value {
    serde_json::to_value(api::openapi::ApiDoc::openapi()).unwrap()
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    out
}

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                out.push(r.to_owned());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// A schema that says what it holds: a reference, a type with properties or
/// items, or a scalar type; not a bare `object`.
fn typed(schema: &Value) -> bool {
    if schema["$ref"].is_string() {
        return true;
    }
    let kind = match &schema["type"] {
        // `["integer", "null"]`: an optional value.
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null"),
        other => other.as_str(),
    };
    match kind {
        Some("array") => typed(&schema["items"]),
        Some("object") => {
            schema["properties"].is_object() || schema["additionalProperties"].is_object()
        }
        Some(_) => true,
        None => false,
    }
}

#[test]
fn every_reference_names_a_component() {
    let doc = document();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} is not in the components"
        );
    }
}

#[test]
fn every_parameter_body_and_response_has_a_typed_schema() {
    let doc = document();
    for (method, path, op) in operations(&doc) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            assert!(
                typed(&p["schema"]),
                "{method} {path}: parameter {} has no typed schema",
                p["name"]
            );
        }
        for (media, content) in op["requestBody"]["content"]
            .as_object()
            .into_iter()
            .flatten()
        {
            assert!(
                typed(&content["schema"]),
                "{method} {path}: the {media} body has no typed schema"
            );
        }
        for (status, response) in op["responses"].as_object().unwrap() {
            for (media, content) in response["content"].as_object().into_iter().flatten() {
                if media == "text/event-stream" {
                    continue;
                }
                assert!(
                    typed(&content["schema"]),
                    "{method} {path}: {status} has no typed schema"
                );
            }
        }
    }
}

#[test]
fn ids_weeks_months_and_codes_carry_their_patterns() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    for name in [
        "OrderId",
        "VehicleId",
        "CustomerId",
        "DealerId",
        "PlantId",
        "LocationId",
        "IsoWeek",
        "Month",
        "MarketCode",
        "InvoiceNumber",
    ] {
        assert!(
            schemas[name]["pattern"].is_string(),
            "{name} has no pattern: {}",
            schemas[name]
        );
    }
    assert_eq!(schemas["OrderId"]["format"], "uuid");
    let statuses: Vec<&str> = schemas["VehicleStatus"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "free",
            "reserved",
            "in_production",
            "built",
            "in_transit",
            "delivered"
        ]
    );
    assert_eq!(
        schemas["PaymentRequest"]["properties"]["amount_minor"]["minimum"],
        1
    );
}

#[test]
fn every_operation_lists_the_problems_it_can_answer() {
    let doc = document();
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        let has = |s: &str| responses.contains_key(s);
        assert!(has("429"), "{method} {path}: 429");
        if op["security"].is_array() {
            assert!(has("401") && has("403"), "{method} {path}: 401/403");
        }
        if op["parameters"].is_array() || op["requestBody"].is_object() {
            assert!(has("400"), "{method} {path}: 400");
        }
        if method == "POST" || method == "PUT" {
            assert!(has("413") && has("409"), "{method} {path}: 409/413");
        }
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let content = response["content"].as_object().unwrap();
                assert_eq!(
                    content.keys().collect::<Vec<_>>(),
                    ["application/problem+json"],
                    "{method} {path}: {status}"
                );
                assert_eq!(
                    content["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem"
                );
            }
        }
    }
}

#[test]
fn the_locator_is_described_with_the_contract_fields() {
    let doc = document();
    let ok = &doc["paths"]["/api/v1/vehicles/locate"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(ok["items"]["$ref"], "#/components/schemas/LocatedView");
    let located = &doc["components"]["schemas"]["LocatedView"];
    let mut fields: Vec<&str> = located["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "differences",
            "eta",
            "location",
            "match",
            "status",
            "vehicle_id"
        ]
    );
    assert_eq!(
        located["properties"]["match"]["$ref"],
        "#/components/schemas/MatchKind"
    );
}
