//! Latency samples and how they are reported.

use std::time::Duration;

/// The latencies of one workload and what became of its calls (HTTP requests in the load
/// benchmark, from their scheduled start to the last byte; commands in the lifecycle
/// benchmark, from the call to the acknowledgement).
#[derive(Debug, Default)]
pub struct Samples {
    /// Latencies of the successful calls.
    pub latencies: Vec<Duration>,
    /// Calls that failed: an unexpected status, no answer, a refused command.
    pub failures: Vec<String>,
}

impl Samples {
    /// The `quantile` (0..=1) of the successful requests' latencies.
    pub fn percentile(&mut self, quantile: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        self.latencies.sort_unstable();
        let rank = ((self.latencies.len() as f64 - 1.0) * quantile).round() as usize;
        self.latencies[rank.min(self.latencies.len() - 1)]
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Milliseconds with two decimals.
pub fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn percentiles_pick_the_ranked_sample() {
        let mut samples = Samples {
            latencies: (1..=100).rev().map(Duration::from_millis).collect(),
            failures: Vec::new(),
        };
        assert_eq!(samples.percentile(0.5), Duration::from_millis(51));
        assert_eq!(samples.percentile(0.99), Duration::from_millis(99));
        assert_eq!(samples.percentile(1.0), Duration::from_millis(100));
        assert_eq!(Samples::default().percentile(0.99), Duration::ZERO);
    }
}
