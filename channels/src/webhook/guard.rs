//! The SSRF guard: a webhook reaches only public addresses, unless its host
//! is in the allow-list (`OTD_WEBHOOK_ALLOW_HOSTS`).
//!
//! A host name is resolved once per connection by [`GuardedResolver`], the
//! HTTP client's only resolver, and the client connects to the addresses it
//! checked, so a name cannot resolve to a public address for the check and
//! to a private one for the connection (DNS rebinding). A host that
//! resolves to any forbidden address is refused whole.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

/// Why a webhook URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    #[error("a webhook URL is http or https, not {0}")]
    Scheme(String),
    #[error("a webhook URL names a host")]
    NoHost,
    #[error("{host} is on a forbidden address ({addr}); list the host in OTD_WEBHOOK_ALLOW_HOSTS to allow it")]
    Forbidden { host: String, addr: IpAddr },
    #[error("{host} does not resolve")]
    Unresolved { host: String },
}

/// Which hosts may be reached despite a forbidden address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SsrfGuard {
    allow_hosts: Arc<Vec<String>>,
}

impl SsrfGuard {
    /// A guard allowing `allow_hosts` (compared case-insensitively, IPv6
    /// literals without brackets).
    pub fn new(allow_hosts: &[String]) -> SsrfGuard {
        SsrfGuard {
            allow_hosts: Arc::new(allow_hosts.iter().map(|h| h.to_ascii_lowercase()).collect()),
        }
    }

    /// Whether `host` is allow-listed.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.allow_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Checks what can be checked without the network: the scheme, a host,
    /// and an IP-literal host's address.
    pub fn check_literal(&self, url: &Url) -> Result<(), UrlRefused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UrlRefused::Scheme(url.scheme().to_owned()));
        }
        let host = url.host().ok_or(UrlRefused::NoHost)?;
        let addr = match host {
            Host::Domain(_) => return Ok(()),
            Host::Ipv4(v4) => IpAddr::V4(v4),
            Host::Ipv6(v6) => IpAddr::V6(v6),
        };
        let name = url.host_str().unwrap_or_default();
        if forbidden(addr) && !self.allows_host(name) {
            return Err(UrlRefused::Forbidden {
                host: name.to_owned(),
                addr,
            });
        }
        Ok(())
    }

    /// Checks `url` fully, resolving its host (when an endpoint is
    /// registered: a refused URL is a 422 there).
    pub async fn check(&self, url: &Url) -> Result<(), UrlRefused> {
        self.check_literal(url)?;
        if let Some(Host::Domain(name)) = url.host() {
            self.resolve(name).await?;
        }
        Ok(())
    }

    /// The addresses of `host`, all permitted (or the host allow-listed).
    pub async fn resolve(&self, host: &str) -> Result<Vec<SocketAddr>, UrlRefused> {
        let unresolved = || UrlRefused::Unresolved {
            host: host.to_owned(),
        };
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|_| unresolved())?
            .collect();
        if addrs.is_empty() {
            return Err(unresolved());
        }
        if !self.allows_host(host) {
            if let Some(bad) = addrs.iter().find(|a| forbidden(a.ip())) {
                return Err(UrlRefused::Forbidden {
                    host: host.to_owned(),
                    addr: bad.ip(),
                });
            }
        }
        Ok(addrs)
    }
}

/// The client's resolver: resolves through the guard, so every connection
/// goes to a checked address.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver(pub(crate) SsrfGuard);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        Box::pin(async move {
            let addrs = guard.resolve(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether a webhook may never reach `addr` (without an allow-listed host):
/// loopback, private, shared (CGNAT), link-local, unique-local, unspecified,
/// multicast, broadcast, documentation, benchmarking and reserved ranges,
/// in IPv4 and IPv6, and IPv4 addresses carried inside IPv6 (mapped,
/// compatible, NAT64, 6to4) by their IPv4 address.
pub fn forbidden(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(a: Ipv4Addr) -> bool {
    let [o1, o2, o3, _] = a.octets();
    a.is_unspecified()
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_multicast()
        || a.is_broadcast()
        || a.is_documentation()
        || o1 == 0 // "this network"
        || (o1 == 100 && (64..128).contains(&o2)) // shared address space (CGNAT)
        || (o1 == 192 && o2 == 0 && o3 == 0) // IETF protocol assignments
        || (o1 == 198 && (o2 == 18 || o2 == 19)) // benchmarking
        || o1 >= 240 // reserved
}

fn forbidden_v6(a: Ipv6Addr) -> bool {
    let s = a.segments();
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = a.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    if s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1) {
        // IPv4-compatible (deprecated) ::a.b.c.d
        return forbidden_v4(embedded(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64
        return forbidden_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        // 6to4 carries an IPv4 address in its next 32 bits
        return forbidden_v4(embedded(s[1], s[2]));
    }
    a.is_unspecified()
        || a.is_loopback()
        || a.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
        || (s[0] == 0x3fff && s[1] < 0x1000) // documentation 3fff::/20
        || (s[0] == 0x2001 && s[1] == 0) // Teredo 2001::/32
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only 100::/64
}
