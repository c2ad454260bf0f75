//! Paging and search of the list routes (`GET /api/v1/orders`, `/invoices`, `/vehicles`).
//!
//! The contract's lists are JSON arrays, so a page is still a JSON array: `limit` and
//! `offset` choose the slice, the number of items matching the filters (before paging)
//! is in the `X-Total-Count` header, and a `Link: <…>; rel="next"` header points at the
//! next page while there is one. Without `limit` a list answers every match, as before.
//! `q` searches the words people read (names, short ids, model, status), case-insensitive.
//! See docs/decisions/0010-list-paging.md.

use axum::http::{header, HeaderName, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::problem::ApiError;

/// The largest page a list answers.
pub const MAX_LIMIT: u32 = 500;

/// The header that carries the number of matches before paging.
pub const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// Which slice of a list to answer: `limit` items from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// At most this many items (`None`: all of them).
    pub limit: Option<u32>,
    /// Skip this many matches first.
    pub offset: u32,
}

impl Page {
    /// Checks the parameters: `limit` from 1 to [`MAX_LIMIT`]; negative or non-numeric
    /// values never get here (the query extractor answers 400).
    pub fn new(limit: Option<u32>, offset: Option<u32>) -> Result<Page, ApiError> {
        if let Some(limit) = limit {
            if limit == 0 || limit > MAX_LIMIT {
                return Err(ApiError::BadRequest(format!(
                    "limit must be between 1 and {MAX_LIMIT}, not {limit}"
                )));
            }
        }
        Ok(Page {
            limit,
            offset: offset.unwrap_or(0),
        })
    }

    /// Whether the caller asked for a slice (then the names are opened for the page only).
    pub fn is_partial(&self) -> bool {
        self.limit.is_some() || self.offset > 0
    }

    /// Cuts `items` (every match, in the list's order) to the page.
    pub fn cut<T>(&self, items: Vec<T>, uri: &Uri) -> Paged<T> {
        let total = items.len();
        let start = (self.offset as usize).min(total);
        let end = match self.limit {
            Some(limit) => start.saturating_add(limit as usize).min(total),
            None => total,
        };
        let next = (end < total).then(|| next_link(uri, end));
        let items = items.into_iter().skip(start).take(end - start).collect();
        Paged {
            items,
            total,
            next,
            extra: Vec::new(),
        }
    }
}

/// One page of a list: the JSON array, with `X-Total-Count` and `Link` rel=next.
#[derive(Debug)]
pub struct Paged<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// How many items matched before paging.
    pub total: usize,
    /// The address of the next page, if any.
    pub next: Option<String>,
    /// Further headers about every match (the invoices' totals per currency).
    pub extra: Vec<(HeaderName, HeaderValue)>,
}

impl<T> Paged<T> {
    /// The page's items, to be completed (names) before answering.
    pub fn items_mut(&mut self) -> &mut [T] {
        &mut self.items
    }
}

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let mut response = Json(self.items).into_response();
        let headers = response.headers_mut();
        headers.insert(TOTAL_COUNT, HeaderValue::from(self.total));
        if let Some(next) = self.next.and_then(|n| HeaderValue::from_str(&n).ok()) {
            headers.insert(header::LINK, next);
        }
        for (name, value) in self.extra {
            headers.insert(name, value);
        }
        response
    }
}

/// `<path?…&offset=N>; rel="next"`: the request's own address with the next offset.
fn next_link(uri: &Uri, offset: usize) -> String {
    let mut query: Vec<String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("offset=") && !p.starts_with("min_position="))
        .map(str::to_owned)
        .collect();
    query.push(format!("offset={offset}"));
    format!("<{}?{}>; rel=\"next\"", uri.path(), query.join("&"))
}

/// A search text, trimmed and lower-cased; an empty one searches nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search(String);

impl Search {
    /// `None` for an absent or blank `q`.
    pub fn new(q: Option<&str>) -> Option<Search> {
        q.map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| Search(q.to_lowercase()))
    }

    /// Whether any of `fields` contains the text (case-insensitive).
    pub fn matches<'a>(&self, fields: impl IntoIterator<Item = &'a str>) -> bool {
        fields
            .into_iter()
            .any(|field| field.to_lowercase().contains(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn a_page_is_a_slice_with_the_total_and_a_link_to_the_next() {
        let page = Page::new(Some(2), Some(1)).unwrap();
        let paged = page.cut(
            vec![1, 2, 3, 4, 5],
            &uri("/api/v1/orders?q=x&offset=1&limit=2"),
        );
        assert_eq!(paged.items, vec![2, 3]);
        assert_eq!(paged.total, 5);
        assert_eq!(
            paged.next.as_deref(),
            Some("</api/v1/orders?q=x&limit=2&offset=3>; rel=\"next\"")
        );
    }

    #[test]
    fn the_last_page_has_no_next_and_an_offset_past_the_end_is_empty() {
        let page = Page::new(Some(2), Some(3)).unwrap();
        let paged = page.cut(vec![1, 2, 3, 4, 5], &uri("/x?limit=2&offset=3"));
        assert_eq!((paged.items, paged.next), (vec![4, 5], None));
        let past = Page::new(Some(2), Some(9))
            .unwrap()
            .cut(vec![1], &uri("/x"));
        assert_eq!((past.items.len(), past.total), (0, 1));
    }

    #[test]
    fn no_limit_answers_everything() {
        let page = Page::new(None, None).unwrap();
        assert!(!page.is_partial());
        assert_eq!(page.cut(vec![1, 2, 3], &uri("/x")).items, vec![1, 2, 3]);
    }

    #[test]
    fn a_limit_of_zero_or_above_the_maximum_is_refused() {
        assert!(Page::new(Some(0), None).is_err());
        assert!(Page::new(Some(MAX_LIMIT + 1), None).is_err());
        assert!(Page::new(Some(MAX_LIMIT), None).is_ok());
    }

    #[test]
    fn search_is_case_insensitive_and_blank_searches_nothing() {
        let s = Search::new(Some("  Anna ")).unwrap();
        assert!(s.matches(["x", "Hanna Meyer"]));
        assert!(!s.matches(["Bert"]));
        assert_eq!(Search::new(Some("  ")), None);
    }
}
