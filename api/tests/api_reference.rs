//! docs/api-reference.md is generated from the OpenAPI document the server
//! publishes; this test fails when it is stale. Regenerate with
//! `OTD_UPDATE_DOCS=1 cargo test -p api --test api_reference`.

#![allow(clippy::unwrap_used)]

use std::fmt::Write;

use serde_json::Value;
use utoipa::OpenApi;

fn schema_name(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        return format!("`{}`", r.rsplit('/').next().unwrap_or(r));
    }
    if schema["type"] == "array" {
        return format!("array of {}", schema_name(&schema["items"]));
    }
    schema["type"]
        .as_str()
        .map(|t| format!("`{t}`"))
        .unwrap_or_else(|| "—".into())
}

fn render(doc: &Value) -> String {
    let mut out = String::new();
    writeln!(out, "# API reference").unwrap();
    writeln!(out).unwrap();
    writeln!(
        out,
        "Generated from `GET /openapi.json` (the server's own description, made from the code) by \
         `api/tests/api_reference.rs`; do not edit by hand. Errors are RFC 9457 `application/problem+json` \
         documents (`Problem`). Routes marked 🔒 need `Authorization: Bearer <JWT>`."
    )
    .unwrap();
    writeln!(out).unwrap();
    writeln!(
        out,
        "Every authenticated `POST` or `PUT` that changes state honours `Idempotency-Key` (1 to 200 \
         characters, the caller's own): the first request claims the key in the event log before \
         it runs; the same request again, even at the same moment and on another process, waits \
         for the first answer and gets it back with `Idempotent-Replayed: true`, and changes \
         nothing more; another request with the key is a 409. 401, 408, 429 and 5xx answers are \
         not kept, so a retry after them runs again. Anonymous requests and reads (quotes) record \
         no key."
    )
    .unwrap();
    render_rule_codes(&mut out);
    let paths = doc["paths"].as_object().unwrap();
    let mut by_tag: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let tag = op["tags"][0].as_str().unwrap_or("other").to_owned();
            let mut s = String::new();
            let lock = if op["security"].is_array() {
                " 🔒"
            } else {
                ""
            };
            writeln!(s, "### `{} {path}`{lock}", method.to_uppercase()).unwrap();
            writeln!(s).unwrap();
            let summary = op["summary"]
                .as_str()
                .or(op["description"].as_str())
                .unwrap_or("");
            writeln!(s, "{summary}").unwrap();
            writeln!(s).unwrap();
            if let Some(params) = op["parameters"].as_array() {
                writeln!(s, "| parameter | in | required |").unwrap();
                writeln!(s, "|---|---|---|").unwrap();
                for p in params {
                    writeln!(
                        s,
                        "| `{}` | {} | {} |",
                        p["name"].as_str().unwrap_or(""),
                        p["in"].as_str().unwrap_or(""),
                        p["required"].as_bool().unwrap_or(false)
                    )
                    .unwrap();
                }
                writeln!(s).unwrap();
            }
            if let Some(body) =
                op["requestBody"]["content"]["application/json"]["schema"].as_object()
            {
                writeln!(s, "Body: {}", schema_name(&Value::Object(body.clone()))).unwrap();
                writeln!(s).unwrap();
            }
            writeln!(s, "| status | body | |").unwrap();
            writeln!(s, "|---|---|---|").unwrap();
            for (code, response) in op["responses"].as_object().unwrap() {
                let content = response["content"]
                    .as_object()
                    .and_then(|c| c.values().next())
                    .map(|c| schema_name(&c["schema"]));
                writeln!(
                    s,
                    "| {code} | {} | {} |",
                    content.unwrap_or_else(|| "—".into()),
                    response["description"].as_str().unwrap_or("")
                )
                .unwrap();
            }
            writeln!(s).unwrap();
            by_tag.entry(tag).or_default().push(s);
        }
    }
    for (tag, ops) in by_tag {
        writeln!(out).unwrap();
        writeln!(out, "## {tag}").unwrap();
        writeln!(out).unwrap();
        for op in ops {
            out.push_str(&op);
        }
    }
    writeln!(out, "## Schemas").unwrap();
    writeln!(out).unwrap();
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let fields: Vec<String> = schema["properties"]
                .as_object()
                .map(|p| p.keys().map(|k| format!("`{k}`")).collect())
                .unwrap_or_default();
            writeln!(
                out,
                "- **{name}**: {}",
                if fields.is_empty() {
                    "—".into()
                } else {
                    fields.join(", ")
                }
            )
            .unwrap();
        }
    }
    out
}

/// The section listing every `rule` code (`api::rule_codes::RULE_CODES`).
fn render_rule_codes(out: &mut String) {
    writeln!(out).unwrap();
    writeln!(out, "## Rule codes").unwrap();
    writeln!(out).unwrap();
    writeln!(
        out,
        "A refused command answers a problem whose `errors[].rule` is one of these stable codes \
         (an invalid configuration lists every violated rule). Codes are written out per rule in \
         the code, never derived from a Rust name. Codes with status 404 are answered as a 404 \
         problem, without `rule`."
    )
    .unwrap();
    writeln!(out).unwrap();
    writeln!(out, "| code | status | meaning |").unwrap();
    writeln!(out, "|---|---|---|").unwrap();
    for r in api::rule_codes::RULE_CODES {
        writeln!(out, "| `{}` | {} | {} |", r.code, r.status, r.meaning).unwrap();
    }
}

#[test]
fn the_api_reference_in_docs_matches_the_openapi_document() {
    let doc = serde_json::to_value(api::openapi::ApiDoc::openapi()).unwrap();
    let rendered = render(&doc);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api-reference.md");
    if std::env::var_os("OTD_UPDATE_DOCS").is_some() {
        std::fs::write(path, &rendered).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/api-reference.md is stale: run OTD_UPDATE_DOCS=1 cargo test -p api --test api_reference"
    );
}

#[test]
fn every_route_of_the_contract_is_described() {
    let doc = serde_json::to_value(api::openapi::ApiDoc::openapi()).unwrap();
    let contract = [
        ("get", "/healthz"),
        ("get", "/api/v1/catalog"),
        ("post", "/api/v1/quotes"),
        ("post", "/api/v1/orders"),
        ("get", "/api/v1/orders"),
        ("get", "/api/v1/orders/{order_id}"),
        ("get", "/api/v1/orders/{order_id}/history"),
        ("post", "/api/v1/orders/{order_id}/amend"),
        ("post", "/api/v1/orders/{order_id}/cancel"),
        ("post", "/api/v1/orders/{order_id}/reallocate"),
        ("post", "/api/v1/orders/{order_id}/handover-appointment"),
        ("post", "/api/v1/orders/{order_id}/handover"),
        ("get", "/api/v1/dealers/{dealer_id}/board"),
        ("get", "/api/v1/dealers/{dealer_id}/board/stream"),
        ("get", "/api/v1/dealers/{dealer_id}/commissions"),
        ("put", "/api/v1/plants/{plant}/capacity/{week}"),
        ("get", "/api/v1/plants/{plant}/capacity"),
        (
            "post",
            "/api/v1/plants/{plant}/capacity/{week}/start-production",
        ),
        ("post", "/api/v1/vehicles"),
        ("get", "/api/v1/vehicles"),
        ("get", "/api/v1/vehicles/{vehicle_id}"),
        ("get", "/api/v1/vehicles/locate"),
        ("get", "/api/v1/stock/summary"),
        ("post", "/api/v1/vehicles/{vehicle_id}/complete-build"),
        ("post", "/api/v1/vehicles/{vehicle_id}/dispatch"),
        ("post", "/api/v1/vehicles/{vehicle_id}/delay"),
        ("post", "/api/v1/vehicles/{vehicle_id}/arrive"),
        ("get", "/api/v1/invoices"),
        ("get", "/api/v1/invoices/{number}"),
        ("post", "/api/v1/invoices/{number}/payments"),
        ("get", "/api/v1/customers/{customer_id}/messages"),
        ("post", "/api/v1/webhooks"),
        ("get", "/api/v1/webhooks/{webhook_id}/deliveries"),
        (
            "post",
            "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
        ),
        ("post", "/api/v1/clock/advance"),
        ("get", "/api/v1/clock"),
    ];
    for (method, path) in contract {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not in the OpenAPI document"
        );
    }
}
