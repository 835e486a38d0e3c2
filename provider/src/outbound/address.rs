//! Which destination addresses outbound requests may reach: never link-local, private and
//! loopback ranges only where configured, checked again on every name resolution.

use super::OutboundConfig;
use std::net::{IpAddr, SocketAddr};

/// What the resolver says when every address of a name is off limits.
pub(super) const REFUSED: &str = "it resolves only to private or local addresses";

/// Which destination addresses the fetcher may connect to.
#[derive(Debug, Clone, Copy)]
pub(super) struct AddressPolicy {
    loopback: bool,
    private: bool,
}

impl AddressPolicy {
    pub(super) fn from(config: &OutboundConfig) -> Self {
        Self { loopback: config.allow_http_loopback, private: config.allow_private_networks }
    }

    pub(super) fn allows(self, ip: IpAddr) -> bool {
        match classify(ip) {
            Reach::Public => true,
            Reach::Loopback => self.loopback,
            Reach::Private => self.private,
            Reach::Never => false,
        }
    }
}

/// Where an address leads.
#[derive(Debug, PartialEq, Eq)]
enum Reach {
    Public,
    Loopback,
    /// RFC 1918, shared (RFC 6598) and unique-local (RFC 4193) ranges.
    Private,
    /// Link-local (cloud metadata lives at 169.254.169.254), unspecified, broadcast, multicast.
    Never,
}

fn classify(ip: IpAddr) -> Reach {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Reach::Loopback
            } else if v4.is_private() || (a == 100 && (64..128).contains(&b)) {
                Reach::Private
            } else if v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast() || a == 0 {
                Reach::Never
            } else {
                Reach::Public
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Reach::Loopback
            } else if (first & 0xfe00) == 0xfc00 {
                Reach::Private
            } else if (first & 0xffc0) == 0xfe80 || v6.is_unspecified() || v6.is_multicast() {
                Reach::Never
            } else {
                Reach::Public
            }
        }
    }
}

/// Resolves names, then keeps only the addresses the policy allows, so a public name cannot be
/// pointed at an internal address.
pub(super) struct PublicOnly {
    pub(super) policy: AddressPolicy,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved.into_iter().filter(|a| policy.allows(a.ip())).collect();
            if allowed.is_empty() {
                return Err(REFUSED.into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_classes() {
        let reach = |s: &str| classify(s.parse().unwrap());
        assert_eq!(reach("93.184.216.34"), Reach::Public);
        assert_eq!(reach("127.0.0.1"), Reach::Loopback);
        assert_eq!(reach("::1"), Reach::Loopback);
        for private in ["10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "fd00::1", "::ffff:10.0.0.1"] {
            assert_eq!(reach(private), Reach::Private, "{private}");
        }
        for never in ["169.254.169.254", "0.0.0.0", "255.255.255.255", "224.0.0.1", "fe80::1", "::"] {
            assert_eq!(reach(never), Reach::Never, "{never}");
        }
    }
}
