//! The web UI's cookies: `otd_session` (the token, HttpOnly) and `otd_csrf`
//! (the session's CSRF token, readable by the page's scripts so they can send
//! it back in `X-CSRF-Token`).

use axum::http::HeaderMap;

/// The session cookie's name.
pub const SESSION: &str = "otd_session";
/// The CSRF cookie's name.
pub const CSRF: &str = "otd_csrf";
/// The header a cookie-authenticated write carries the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of cookie `name` among the request's `Cookie` headers.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.trim_matches('"'))
}

/// `Set-Cookie` for the session: HttpOnly, SameSite=Strict, the whole site,
/// for `max_age_secs`; `Secure` when `secure`.
pub fn session(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SESSION}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` for the CSRF token: like the session's, but readable by
/// scripts.
pub fn csrf(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{CSRF}={token}; SameSite=Strict; Path=/; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` lines that remove both cookies.
pub fn cleared(secure: bool) -> [String; 2] {
    [session("", 0, secure), csrf("", 0, secure)]
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn a_cookie_is_found_among_others_and_across_headers() {
        let mut headers = HeaderMap::new();
        headers.append("cookie", HeaderValue::from_static("a=1; otd_session=tok"));
        headers.append("cookie", HeaderValue::from_static("otd_csrf=abc"));
        assert_eq!(get(&headers, SESSION), Some("tok"));
        assert_eq!(get(&headers, CSRF), Some("abc"));
        assert_eq!(get(&headers, "missing"), None);
        let mut empty = HeaderMap::new();
        empty.append("cookie", HeaderValue::from_static("otd_session=; x"));
        assert_eq!(get(&empty, SESSION), None);
    }

    #[test]
    fn the_session_cookie_is_http_only_and_strict() {
        let line = session("t", 28_800, true);
        assert_eq!(
            line,
            "otd_session=t; HttpOnly; SameSite=Strict; Path=/; Max-Age=28800; Secure"
        );
        assert!(!csrf("c", 60, false).contains("HttpOnly"));
        assert!(cleared(false).iter().all(|l| l.contains("Max-Age=0")));
    }
}
