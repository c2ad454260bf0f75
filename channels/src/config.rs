//! The channels' settings, read once at start-up from the environment:
//!
//! - `OTD_SMTP_URL`: the SMTP server (`smtp://127.0.0.1:2525`,
//!   `smtp://user:pass@host:587?tls=required`, `smtps://host:465`); unset,
//!   no e-mail is sent (messages stay in the outbox).
//! - `OTD_SMTP_FROM`: the sender, `otd <no-reply@otd.localhost>` by default;
//!   its domain is the right-hand side of every `Message-ID`.
//! - `OTD_WEBHOOK_ALLOW_HOSTS`: comma-separated host names (or IP literals)
//!   webhooks may reach although they resolve to loopback or private
//!   addresses; empty by default.

use std::time::Duration;

use url::Url;

/// The default sender.
pub const DEFAULT_FROM: &str = "otd <no-reply@otd.localhost>";

/// Where and how e-mail is sent. The URL may carry a password: it is never
/// shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    url: String,
    pub from: String,
    /// The longest wait for each SMTP command.
    pub timeout: Duration,
}

impl SmtpSettings {
    /// Settings for the server at `url` (scheme `smtp` or `smtps`).
    pub fn new(url: &str, from: &str) -> Result<SmtpSettings, ConfigError> {
        let parsed = Url::parse(url).map_err(|e| ConfigError::SmtpUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") || parsed.host_str().is_none() {
            return Err(ConfigError::SmtpUrl(
                "expected smtp://host:port or smtps://host:port".into(),
            ));
        }
        Ok(SmtpSettings {
            url: url.to_owned(),
            from: from.to_owned(),
            timeout: Duration::from_secs(30),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = Url::parse(&self.url).map_or_else(
            |_| "(unparsable)".to_owned(),
            |mut u| {
                if u.password().is_some() {
                    let _ = u.set_password(Some("***"));
                }
                u.to_string()
            },
        );
        f.debug_struct("SmtpSettings")
            .field("url", &shown)
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// How webhooks are delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Hosts allowed although they resolve to forbidden addresses
    /// (lower-case, as written in the URL).
    pub allow_hosts: Vec<String>,
    /// The longest wait for one delivery, connection to last byte.
    pub timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            allow_hosts: Vec::new(),
            timeout: Duration::from_secs(15),
        }
    }
}

impl WebhookSettings {
    /// Parses `OTD_WEBHOOK_ALLOW_HOSTS`: comma-separated, blanks ignored,
    /// IPv6 literals with or without brackets.
    pub fn allow_hosts_from(list: &str) -> Vec<String> {
        list.split(',')
            .map(|h| h.trim().trim_start_matches('[').trim_end_matches(']'))
            .filter(|h| !h.is_empty())
            .map(str::to_ascii_lowercase)
            .collect()
    }
}

/// Both channels' settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelsConfig {
    /// None: no e-mail is sent.
    pub smtp: Option<SmtpSettings>,
    pub webhooks: WebhookSettings,
}

/// A setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("OTD_SMTP_URL: {0}")]
    SmtpUrl(String),
}

impl ChannelsConfig {
    /// Reads the settings from the process environment (start-up only).
    pub fn from_env() -> Result<ChannelsConfig, ConfigError> {
        ChannelsConfig::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `var` (the environment, or a map in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ChannelsConfig, ConfigError> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let from = set("OTD_SMTP_FROM").unwrap_or_else(|| DEFAULT_FROM.to_owned());
        let smtp = set("OTD_SMTP_URL")
            .map(|url| SmtpSettings::new(url.trim(), &from))
            .transpose()?;
        let webhooks = WebhookSettings {
            allow_hosts: set("OTD_WEBHOOK_ALLOW_HOSTS")
                .map(|list| WebhookSettings::allow_hosts_from(&list))
                .unwrap_or_default(),
            ..WebhookSettings::default()
        };
        Ok(ChannelsConfig { smtp, webhooks })
    }
}
