//! The SSRF guard: which addresses a webhook may never reach, and the
//! allow-list that opens a named host.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use channels::webhook::{forbidden, SsrfGuard, UrlRefused};
use proptest::prelude::*;
use url::Url;

const FORBIDDEN: &[&str] = &[
    "127.0.0.1",
    "127.255.0.9",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254", // cloud metadata
    "0.0.0.0",
    "0.1.2.3",
    "100.64.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "192.0.2.10",
    "198.51.100.7",
    "203.0.113.99",
    "198.18.0.1",
    "240.0.0.1",
    "192.0.0.8",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "3fff::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "64:ff9b::10.0.0.1",
    "2002:c0a8:0101::1", // 6to4 of 192.168.1.1
    "2001::1",           // Teredo
];

const PUBLIC: &[&str] = &[
    "1.1.1.1",
    "8.8.8.8",
    "93.184.216.34",
    "172.32.0.1",
    "100.128.0.1",
    "192.0.1.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "2002:0808:0808::1",
];

#[test]
fn loopback_private_and_reserved_addresses_are_forbidden() {
    for a in FORBIDDEN {
        assert!(forbidden(a.parse().unwrap()), "{a} should be forbidden");
    }
    for a in PUBLIC {
        assert!(!forbidden(a.parse().unwrap()), "{a} should be allowed");
    }
}

proptest! {
    #[test]
    fn a_v4_address_is_judged_the_same_when_mapped_into_v6(bits: u32) {
        let v4 = Ipv4Addr::from(bits);
        prop_assert_eq!(forbidden(IpAddr::V4(v4)), forbidden(IpAddr::V6(v4.to_ipv6_mapped())));
    }

    #[test]
    fn every_private_v4_address_is_forbidden(a in 0u8..=255, b in 0u8..=255, c in 0u8..=255) {
        for ip in [Ipv4Addr::new(10, a, b, c), Ipv4Addr::new(172, 16 + a % 16, b, c),
                   Ipv4Addr::new(192, 168, b, c), Ipv4Addr::new(127, a, b, c),
                   Ipv4Addr::new(169, 254, b, c)] {
            prop_assert!(forbidden(IpAddr::V4(ip)), "{}", ip);
        }
        let ula = Ipv6Addr::new(0xfc00 | u16::from(a), u16::from(b), 0, 0, 0, 0, 0, u16::from(c));
        prop_assert!(forbidden(IpAddr::V6(ula)));
    }
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[tokio::test]
async fn a_private_url_is_refused_unless_its_host_is_allowed() {
    let guard = SsrfGuard::default();
    for u in [
        "http://127.0.0.1:9000/hook",
        "http://[::1]/hook",
        "http://[::ffff:7f00:1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "https://10.0.0.5/hook",
    ] {
        assert!(
            matches!(
                guard.check(&url(u)).await,
                Err(UrlRefused::Forbidden { .. })
            ),
            "{u}"
        );
    }
    assert!(matches!(
        guard.check(&url("http://localhost:9000/hook")).await,
        Err(UrlRefused::Forbidden { .. })
    ));
    assert_eq!(
        guard.check(&url("ftp://example.com/x")).await,
        Err(UrlRefused::Scheme("ftp".into()))
    );
    assert!(guard
        .check(&url("https://93.184.216.34/hook"))
        .await
        .is_ok());

    let allowed = SsrfGuard::new(&[
        "LOCALHOST".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ]);
    assert!(allowed
        .check(&url("http://localhost:9000/hook"))
        .await
        .is_ok());
    assert!(allowed
        .check(&url("http://127.0.0.1:9000/hook"))
        .await
        .is_ok());
    assert!(allowed.check(&url("http://[::1]:9000/hook")).await.is_ok());
    assert!(matches!(
        allowed.check(&url("http://127.0.0.2:9000/hook")).await,
        Err(UrlRefused::Forbidden { .. })
    ));
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_refused() {
    let guard = SsrfGuard::default();
    assert!(matches!(
        guard.check(&url("http://no-such-host.invalid/hook")).await,
        Err(UrlRefused::Unresolved { .. })
    ));
}
