//! Reading the server's `/metrics` (the Prometheus text format) while a benchmark runs:
//! one gauge by name, and a watcher that samples the outbox's backlog and the age of its
//! oldest queued message and keeps their peaks (`otd_outbox_backlog`,
//! `otd_outbox_oldest_age_seconds`). `/metrics` answers on loopback only, where the
//! benchmarks run their server.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::Method;
use tokio::task::JoinHandle;

use super::open_loop::{Call, Http};

/// The value of the first sample of `name` in a Prometheus text exposition (labels, if any,
/// ignored); `None` when the metric is absent or not a number.
pub fn gauge(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let rest = line.strip_prefix(name)?;
            let rest = match rest.strip_prefix('{') {
                Some(labelled) => labelled.split_once('}')?.1,
                None => rest,
            };
            if !rest.starts_with(' ') {
                return None; // a longer name that starts with `name`
            }
            rest.split_whitespace().next()?.parse().ok()
        })
}

/// The server's metrics text, once.
pub async fn scrape(http: &Http) -> Result<String, String> {
    let reply = http
        .send(Call {
            method: Method::GET,
            path: "/metrics".into(),
            token: Arc::from(""),
            body: None,
        })
        .await?;
    if !reply.status.is_success() {
        return Err(format!("GET /metrics answered {}", reply.status));
    }
    String::from_utf8(reply.body.to_vec()).map_err(|e| format!("/metrics is not text: {e}"))
}

/// The outbox's peaks over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OutboxPeaks {
    /// The most messages queued at once.
    pub backlog_max: u64,
    /// The longest the oldest queued message had waited (business-clock seconds).
    pub oldest_age_max_s: f64,
    /// How many samples were read.
    pub samples: u64,
}

impl OutboxPeaks {
    fn add(&mut self, text: &str) {
        let backlog = gauge(text, "otd_outbox_backlog").unwrap_or(0.0);
        let age = gauge(text, "otd_outbox_oldest_age_seconds").unwrap_or(0.0);
        self.backlog_max = self.backlog_max.max(backlog.max(0.0) as u64);
        self.oldest_age_max_s = self.oldest_age_max_s.max(age);
        self.samples += 1;
    }
}

/// Samples the outbox gauges every `every` until stopped.
pub struct OutboxWatch {
    peaks: Arc<Mutex<OutboxPeaks>>,
    task: JoinHandle<()>,
}

impl OutboxWatch {
    /// Starts sampling `http`'s server.
    pub fn start(http: Http, every: Duration) -> OutboxWatch {
        let peaks = Arc::new(Mutex::new(OutboxPeaks::default()));
        let shared = Arc::clone(&peaks);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                ticks.tick().await;
                if let Ok(text) = scrape(&http).await {
                    shared
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .add(&text);
                }
            }
        });
        OutboxWatch { peaks, task }
    }

    /// Stops sampling, reads once more (after the run), and returns the peaks.
    pub async fn stop(self, http: &Http) -> OutboxPeaks {
        self.task.abort();
        let mut peaks = *self.peaks.lock().unwrap_or_else(PoisonError::into_inner);
        if let Ok(text) = scrape(http).await {
            peaks.add(&text);
        }
        peaks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# HELP otd_outbox_backlog messages queued\n\
        # TYPE otd_outbox_backlog gauge\n\
        otd_outbox_backlog 42\n\
        otd_outbox_backlog_other 7\n\
        otd_outbox_oldest_age_seconds 3600\n\
        otd_projection_lag_events{projection=\"orders\"} 5\n";

    #[test]
    fn a_gauge_is_read_by_its_exact_name_with_or_without_labels() {
        assert_eq!(gauge(TEXT, "otd_outbox_backlog"), Some(42.0));
        assert_eq!(gauge(TEXT, "otd_outbox_oldest_age_seconds"), Some(3600.0));
        assert_eq!(gauge(TEXT, "otd_projection_lag_events"), Some(5.0));
        assert_eq!(gauge(TEXT, "otd_outbox"), None);
        assert_eq!(gauge(TEXT, "missing"), None);
    }

    #[test]
    fn the_peaks_keep_the_highest_sample() {
        let mut peaks = OutboxPeaks::default();
        peaks.add(TEXT);
        peaks.add("otd_outbox_backlog 3\notd_outbox_oldest_age_seconds 7200\n");
        assert_eq!(peaks.backlog_max, 42);
        assert_eq!(peaks.oldest_age_max_s, 7200.0);
        assert_eq!(peaks.samples, 2);
    }
}
