//! Which address a request comes from, for rate limiting only: the connection's peer, or, when
//! that peer is a trusted reverse proxy (`--trusted-proxy`), the right-most `X-Forwarded-For`
//! address that is not one of those proxies. The address is only ever hashed (`client_key`).

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The proxies whose `X-Forwarded-For` is believed: addresses or CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parse `127.0.0.1, ::1, 10.0.0.0/8` (comma-separated addresses or CIDR ranges).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for item in raw
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let range = IpNet::from_str(item)
                .or_else(|_| IpAddr::from_str(item).map(IpNet::from))
                .map_err(|_| format!("`{item}` is not an IP address or CIDR range"))?;
            ranges.push(range);
        }
        Ok(TrustedProxies(ranges))
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|range| range.contains(&address))
    }

    /// The client behind `peer`: the peer itself unless it is trusted; then the right-most
    /// forwarded address that is not trusted (or the left-most one, if every one is).
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer.map(canonical);
        if !peer.is_some_and(|peer| self.contains(peer)) {
            return peer;
        }
        // Several headers count as one list, in order (RFC 9110, section 5.3).
        let forwarded: Vec<&str> = headers
            .get_all(FORWARDED_FOR)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for entry in forwarded.iter().rev() {
            // An entry that is not an address was not written by a proxy we trust: stop there.
            let Some(address) = parse_entry(entry) else {
                break;
            };
            client = Some(address);
            if !self.contains(address) {
                break;
            }
        }
        client
    }
}

/// `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:443` or `203.0.113.7:5000`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    IpAddr::from_str(entry)
        .or_else(|_| SocketAddr::from_str(entry).map(|socket| socket.ip()))
        .ok()
        .map(canonical)
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:127.0.0.1`) is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                HeaderName::from_static(FORWARDED_FOR),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn addresses_and_ranges_parse_and_bad_ones_are_named() {
        let trusted = TrustedProxies::parse(" 127.0.0.1, ::1,10.0.0.0/8 ").expect("parses");
        assert!(trusted.contains(ip("127.0.0.1")));
        assert!(trusted.contains(ip("::ffff:127.0.0.1")), "mapped IPv4");
        assert!(trusted.contains(ip("10.20.30.40")));
        assert!(!trusted.contains(ip("127.0.0.2")));
        assert_eq!(TrustedProxies::parse(""), Ok(TrustedProxies::default()));
        let error = TrustedProxies::parse("127.0.0.1,nginx").expect_err("refused");
        assert!(error.contains("nginx"), "{error}");
    }

    #[test]
    fn only_a_trusted_peer_is_believed() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").expect("parses");
        let forwarded = headers(&["198.51.100.9"]);
        assert_eq!(
            trusted.client(Some(ip("203.0.113.7")), &forwarded),
            Some(ip("203.0.113.7")),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            trusted.client(Some(ip("10.0.0.2")), &forwarded),
            Some(ip("198.51.100.9"))
        );
        assert_eq!(
            trusted.client(Some(ip("10.0.0.2")), &HeaderMap::new()),
            Some(ip("10.0.0.2")),
            "no header: the proxy itself"
        );
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").expect("parses");
        let peer = Some(ip("10.0.0.2"));
        // The client wrote the first entry itself; only what our proxies appended counts.
        let spoofed = headers(&["1.2.3.4, 198.51.100.9, 10.0.0.5"]);
        assert_eq!(trusted.client(peer, &spoofed), Some(ip("198.51.100.9")));
        let split = headers(&["1.2.3.4", "198.51.100.9:4711, 10.0.0.5"]);
        assert_eq!(trusted.client(peer, &split), Some(ip("198.51.100.9")));
        let all_proxies = headers(&["10.1.1.1, 10.0.0.5"]);
        assert_eq!(trusted.client(peer, &all_proxies), Some(ip("10.1.1.1")));
        let garbage = headers(&["198.51.100.9, unknown"]);
        assert_eq!(trusted.client(peer, &garbage), peer);
    }
}
