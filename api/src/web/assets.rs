//! `/static/*`: the styles, scripts and icon of the web UI, embedded in the
//! binary with `include_str!`.
//!
//! Pages link them as `/static/NAME?v=VERSION`, the version being a hash of
//! every asset, so a new binary changes the links; a request carrying the
//! current version may be cached for a year (`immutable`), any other is
//! revalidated with its `ETag`.

use std::sync::LazyLock;

use axum::extract::RawQuery;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::extract::AppPath;
use crate::problem::ApiError;

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// An asset of `static/`, served under its file name.
macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_str!(concat!("../../static/", $name)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("app.css", CSS),
    asset!("app.js", JS),
    asset!("option-fields.js", JS),
    asset!("reports.js", JS),
    asset!("format.js", JS),
    asset!("i18n.js", JS),
    asset!("i18n-de.js", JS),
    asset!("i18n-zh.js", JS),
    asset!("options.js", JS),
    asset!("scroll-regions.js", JS),
    asset!("index.js", JS),
    asset!("sign-in.js", JS),
    asset!("verify-email.js", JS),
    asset!("reset-password.js", JS),
    asset!("customer.js", JS),
    asset!("configurator.js", JS),
    asset!("tracker.js", JS),
    asset!("history-text.js", JS),
    asset!("tracker-history.js", JS),
    asset!("handover-picker.js", JS),
    asset!("dealer.js", JS),
    asset!("dealer-customers.js", JS),
    asset!("leads.js", JS),
    asset!("lead.js", JS),
    asset!("test-drives.js", JS),
    asset!("test-drive-booking.js", JS),
    asset!("crm.js", JS),
    asset!("planner.js", JS),
    asset!("finance.js", JS),
    asset!("staff.js", JS),
    asset!("icon.svg", SVG),
];

/// FNV-1a, 64 bits: stable across builds and platforms (unlike std's
/// hasher), and enough to tell one set of assets from another.
fn fnv1a(bytes: impl IntoIterator<Item = u8>, mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// The version of the whole set of assets, as the pages link it.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    let hash = ASSETS.iter().fold(FNV_OFFSET, |h, a| {
        fnv1a(a.name.bytes().chain(a.body.bytes()), h)
    });
    format!("{hash:016x}")
});

/// The ETag of one asset (its own hash, quoted).
fn etag(asset: &Asset) -> String {
    format!("\"{:016x}\"", fnv1a(asset.body.bytes(), FNV_OFFSET))
}

/// The `v` parameter of a query string, if any.
fn version_of(query: Option<&str>) -> Option<&str> {
    query?.split('&').find_map(|pair| pair.strip_prefix("v="))
}

/// `GET /static/{file}`: an embedded asset, 304 when the client's copy is
/// current, 404 for any other name.
pub async fn asset(
    AppPath(file): AppPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == file)
        .ok_or_else(|| ApiError::NotFound(format!("no asset {file:?}")))?;
    let tag = etag(asset);
    let cache = if version_of(query.as_deref()) == Some(VERSION.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response_headers = HeaderMap::new();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response_headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&tag) {
        response_headers.insert(header::ETAG, v);
    }
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
    }
    Ok((response_headers, asset.body).into_response())
}

/// `GET /favicon.ico`: browsers ask for it whatever the page links; send
/// them to the SVG icon.
pub async fn favicon() -> Response {
    let location = format!("/static/icon.svg?v={}", VERSION.as_str());
    match HeaderValue::from_str(&location) {
        Ok(v) => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, v)]).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_distinct_name_and_a_body() {
        let mut names: Vec<_> = ASSETS.iter().map(|a| a.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ASSETS.len());
        assert!(ASSETS.iter().all(|a| !a.body.trim().is_empty()));
        assert_eq!(VERSION.len(), 16);
    }
}
