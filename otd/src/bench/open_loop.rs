//! An open-loop load generator: requests start on a fixed schedule whether or not earlier ones
//! have been answered, and each latency counts from the request's *scheduled* start, so a
//! server that stalls is charged for the requests queued behind the stall (no coordinated
//! omission).

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::stats::Samples;

/// How long one request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A keep-alive HTTP/1.1 client for one server.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: Arc<str>,
}

/// One request to send.
#[derive(Clone)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub token: Arc<str>,
    pub body: Option<Bytes>,
}

/// What came back.
pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Http {
    pub fn new(base: String) -> Http {
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(4096)
            .build_http();
        Http {
            client,
            base: base.into(),
        }
    }

    /// Sends `call` and reads the whole answer.
    pub async fn send(&self, call: Call) -> Result<Reply, String> {
        let mut request = Request::builder()
            .method(call.method)
            .uri(format!("{}{}", self.base, call.path));
        // An empty token: a request nobody signed in sends.
        if !call.token.is_empty() {
            request = request.header("authorization", format!("Bearer {}", call.token));
        }
        if call.body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Full::new(call.body.unwrap_or_default()))
            .map_err(|e| format!("bad request: {e}"))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| format!("{e}"))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("{e}"))?
                .to_bytes();
            Ok(Reply { status, body })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("no answer within {REQUEST_TIMEOUT:?}"))?
    }
}

/// The outcome of one open-loop run.
pub struct Run {
    pub samples: Samples,
    /// Requests scheduled.
    pub sent: u64,
    /// From the first scheduled start to the last answer.
    pub elapsed: Duration,
}

/// Sends `rate` requests per second for `duration`, request `i` made by `make(i)`, and expects
/// `expected` for each. `first` numbers the first request (so phases can continue a sequence).
pub async fn run<F>(
    http: &Http,
    rate: f64,
    duration: Duration,
    first: u64,
    expected: StatusCode,
    make: F,
) -> Run
where
    F: Fn(u64) -> Call,
{
    let targets = std::slice::from_ref(http);
    run_observed(
        targets,
        rate,
        duration,
        first,
        expected,
        make,
        Arc::new(|_: &Answered| {}),
    )
    .await
}

/// One answer with the expected status, as [`run_observed`] hands it on.
pub struct Answered {
    /// When the request was scheduled to start.
    pub scheduled: Instant,
    pub reply: Reply,
}

/// Sends like [`run`], request `i` to `targets[i mod len]` (one or several servers), and hands
/// every answer with the `expected` status to `observe` as it arrives.
pub async fn run_observed<F>(
    targets: &[Http],
    rate: f64,
    duration: Duration,
    first: u64,
    expected: StatusCode,
    make: F,
    observe: Arc<dyn Fn(&Answered) + Send + Sync>,
) -> Run
where
    F: Fn(u64) -> Call,
{
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let interval = Duration::from_secs_f64(1.0 / rate.max(f64::MIN_POSITIVE));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let scheduled = started + interval.mul_f64(i as f64);
        tokio::time::sleep_until(scheduled.into()).await;
        let n = first + i;
        let call = make(n);
        let http = targets[(n % targets.len().max(1) as u64) as usize].clone();
        let observe = Arc::clone(&observe);
        tasks.spawn(async move {
            let outcome = http.send(call).await;
            let latency = scheduled.elapsed();
            match outcome {
                Ok(reply) if reply.status == expected => {
                    observe(&Answered { scheduled, reply });
                    Ok(latency)
                }
                Ok(reply) => Err(format!(
                    "{}: {}",
                    reply.status,
                    String::from_utf8_lossy(&reply.body)
                )),
                Err(e) => Err(e),
            }
        });
    }
    let mut samples = Samples::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(latency)) => samples.latencies.push(latency),
            Ok(Err(failure)) => samples.failures.push(failure),
            Err(join) => samples
                .failures
                .push(format!("request task failed: {join}")),
        }
    }
    Run {
        samples,
        sent: total,
        elapsed: started.elapsed(),
    }
}
