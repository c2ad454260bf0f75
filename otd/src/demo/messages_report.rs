//! The demo report's messages: how many the outbox decided per kind and channel, and
//! where they stand (queued, sent, dead-lettered), read from the `messages` read model.
//!
//! `otd demo` runs without a mail server unless `OTD_SMTP_URL` is set and registers no
//! webhook endpoint, and its engine runs no sender: every message it decides stays queued
//! (`otd serve` on the same data folder sends them). The clock-driven reminders are queued
//! by the demo itself after every clock move ([`super::world::World::advance`]), once the
//! engine has settled, so the counts are the same for the same seed.

use std::fmt;

use projections::views::MessageCount;

use super::world::World;
use super::DemoError;

/// The messages per kind and channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagesReport {
    counts: Vec<MessageCount>,
}

impl MessagesReport {
    /// Reads the counts once the engine has settled.
    pub(super) async fn gather(world: &World<'_>) -> Result<MessagesReport, DemoError> {
        Ok(MessagesReport {
            counts: world.views.message_counts().await?,
        })
    }
}

impl fmt::Display for MessagesReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<36}{:>8}{:>9}{:>8}{:>8}{:>14}",
            "messages", "channel", "decided", "queued", "sent", "dead letters"
        )?;
        if self.counts.is_empty() {
            return writeln!(f, "  none");
        }
        for c in &self.counts {
            let channel = match c.channel {
                domain::message::Channel::Email => "e-mail",
                domain::message::Channel::Webhook => "webhook",
            };
            writeln!(
                f,
                "  {:<34}{:>8}{:>9}{:>8}{:>8}{:>14}",
                c.kind.name(),
                channel,
                c.decided,
                c.queued,
                c.sent,
                c.dead_lettered
            )?;
        }
        let total: u64 = self.counts.iter().map(|c| c.decided).sum();
        let sent: u64 = self.counts.iter().map(|c| c.sent).sum();
        writeln!(f, "  {:<34}{:>8}{total:>9}{:>8}{sent:>8}", "all", "", "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::message::{Channel, MessageKind};

    #[test]
    fn each_kind_and_channel_is_one_line_with_a_total() {
        let report = MessagesReport {
            counts: vec![
                MessageCount {
                    kind: MessageKind::OrderConfirmed,
                    channel: Channel::Email,
                    decided: 12,
                    queued: 10,
                    sent: 1,
                    dead_lettered: 1,
                },
                MessageCount {
                    kind: MessageKind::LeadCreated,
                    channel: Channel::Webhook,
                    decided: 3,
                    queued: 0,
                    sent: 3,
                    dead_lettered: 0,
                },
            ],
        };
        let text = report.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[1].contains("order.confirmed") && lines[1].contains("e-mail"));
        assert!(lines[2].contains("lead.created") && lines[2].contains("webhook"));
        assert!(lines[3].trim_start().starts_with("all") && lines[3].contains("15"));
    }
}
