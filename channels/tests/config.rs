//! The channels' settings from the environment.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use channels::config::{ChannelsConfig, ConfigError, DEFAULT_FROM};

fn read(vars: &[(&str, &str)]) -> Result<ChannelsConfig, ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ChannelsConfig::from_vars(|name| vars.get(name).cloned())
}

#[test]
fn without_settings_no_email_is_sent_and_no_private_host_is_allowed() {
    let config = read(&[]).unwrap();
    assert_eq!(config.smtp, None);
    assert!(config.webhooks.allow_hosts.is_empty());
}

#[test]
fn the_smtp_url_sender_and_allow_list_are_read() {
    let config = read(&[
        ("OTD_SMTP_URL", "smtp://127.0.0.1:2525"),
        ("OTD_SMTP_FROM", "Orders <orders@oem.example>"),
        (
            "OTD_WEBHOOK_ALLOW_HOSTS",
            " localhost, [::1] ,Hooks.Internal,,",
        ),
    ])
    .unwrap();
    let smtp = config.smtp.unwrap();
    assert_eq!(smtp.url(), "smtp://127.0.0.1:2525");
    assert_eq!(smtp.from, "Orders <orders@oem.example>");
    assert_eq!(
        config.webhooks.allow_hosts,
        ["localhost", "::1", "hooks.internal"]
    );
    assert_eq!(
        read(&[("OTD_SMTP_URL", "smtps://mail.example:465")])
            .unwrap()
            .smtp
            .unwrap()
            .from,
        DEFAULT_FROM
    );
}

#[test]
fn an_smtp_url_of_another_scheme_is_refused() {
    for bad in ["http://127.0.0.1:2525", "127.0.0.1:2525", "smtp://"] {
        assert!(
            matches!(read(&[("OTD_SMTP_URL", bad)]), Err(ConfigError::SmtpUrl(_))),
            "{bad}"
        );
    }
}

#[test]
fn the_smtp_password_is_never_shown() {
    let config = read(&[(
        "OTD_SMTP_URL",
        "smtp://otd:s3cret@mail.example:587?tls=required",
    )])
    .unwrap();
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("mail.example"));
}
