//! Who the HTTP benchmarks act as and what they order: customers registered in the German
//! showrooms, a dealer, a planner, the demo catalog's AURA in four configurations, and the
//! production capacity opened for them.

use std::sync::Arc;

use futures_util::StreamExt;
use hyper::body::Bytes;
use hyper::Method;

use super::open_loop::{Call, Http};
use api::auth::{AuthKeys, Role};

/// The dealer whose board is read.
pub const BOARD_DEALER: &str = "D-BER-01";
/// The dealers orders go to, round robin (all in the DE market).
pub const DEALERS: [&str; 3] = [BOARD_DEALER, "D-MUC-01", "D-HAM-01"];
/// Valid configurations of the demo catalog's AURA, in turn.
pub const CONFIGURATIONS: [&str; 4] = [
    r#"["PNT-RED"]"#,
    r#"["PNT-BLK","WHL-20","PKG-SPORT"]"#,
    r#"["INT-LEATHER","PKG-WINTER"]"#,
    r#"["PNT-WHT","WHL-20"]"#,
];
/// Distinct customers placing orders.
pub const CUSTOMERS: u64 = 1_000;
/// Weeks of capacity opened at the AURA's plant, all past the freeze at that date.
pub const WEEKS: u32 = 12;

/// Who sends what: a token per customer, one for the board dealer, one for the planner.
pub struct Callers {
    pub customers: Vec<Arc<str>>,
    pub dealer: Arc<str>,
    pub planner: Arc<str>,
}

impl Callers {
    /// Registers `count` customers (at most [`CUSTOMERS`]) in the showrooms of the dealers (orders are placed
    /// only for customers that exist) and makes a token for each.
    pub async fn register(http: &Http, secret: &str, count: u64) -> Result<Callers, String> {
        let keys = AuthKeys::from_secret(secret.as_bytes());
        let ttl = chrono::Duration::hours(4);
        let token = |role, sub: &str| {
            keys.issue_role(role, sub, ttl)
                .map(Arc::from)
                .map_err(|e| e.to_string())
        };
        let dealer: Arc<str> = token(Role::Dealer, BOARD_DEALER)?;
        let registered: Vec<Result<String, String>> = futures_util::stream::iter(0..count.max(1))
            .map(|n| {
                let dealer = Arc::clone(&dealer);
                async move {
                    let body = format!(
                        r#"{{"name":"Bench Customer {n}","email":"bench-{n}@customers.example","language":"de","market":"DE"}}"#
                    );
                    let reply = http
                        .send(Call {
                            method: Method::POST,
                            path: "/api/v1/customers".into(),
                            token: dealer,
                            body: Some(Bytes::from(body)),
                        })
                        .await?;
                    let json: serde_json::Value = serde_json::from_slice(&reply.body)
                        .map_err(|e| format!("registering a customer: {e}"))?;
                    json["customer_id"].as_str().map(str::to_owned).ok_or_else(|| {
                        format!(
                            "registering a customer failed: {} {}",
                            reply.status,
                            String::from_utf8_lossy(&reply.body)
                        )
                    })
                }
            })
            .buffered(32)
            .collect()
            .await;
        let customers = registered
            .into_iter()
            .map(|id| token(Role::Customer, &id?))
            .collect::<Result<_, _>>()?;
        Ok(Callers {
            customers,
            dealer,
            planner: token(Role::Planner, "bench-planner")?,
        })
    }

    /// Order `n`: customer `n mod` the customers registered, at dealer `n mod 3`.
    pub fn order(&self, n: u64) -> Call {
        self.order_at(n, DEALERS[(n % DEALERS.len() as u64) as usize])
    }

    pub fn order_at(&self, n: u64, dealer: &str) -> Call {
        let options = CONFIGURATIONS[(n % CONFIGURATIONS.len() as u64) as usize];
        let body = format!(
            r#"{{"market":"DE","model":"AURA","options":{options},"dealer_id":"{dealer}"}}"#
        );
        Call {
            method: Method::POST,
            path: "/api/v1/orders".into(),
            token: Arc::clone(&self.customers[(n % self.customers.len() as u64) as usize]),
            body: Some(Bytes::from(body)),
        }
    }

    pub fn board(&self, min_position: Option<u64>) -> Call {
        let query = min_position.map_or(String::new(), |p| format!("?min_position={p}"));
        Call {
            method: Method::GET,
            path: format!("/api/v1/dealers/{BOARD_DEALER}/board{query}"),
            token: Arc::clone(&self.dealer),
            body: None,
        }
    }
}

/// Opens enough capacity for `orders` at the AURA's plant over [`WEEKS`] weeks.
pub async fn open_capacity(http: &Http, callers: &Callers, orders: u64) -> Result<(), String> {
    let units = orders.div_ceil(u64::from(WEEKS)) + 1;
    for week in 1..=WEEKS {
        let reply = http
            .send(Call {
                method: Method::PUT,
                path: format!("/api/v1/plants/P-LEIPZIG/capacity/2027-W{week:02}"),
                token: Arc::clone(&callers.planner),
                body: Some(Bytes::from(format!(r#"{{"units":{units}}}"#))),
            })
            .await?;
        if !reply.status.is_success() {
            return Err(format!(
                "opening capacity failed: {} {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            ));
        }
    }
    Ok(())
}
