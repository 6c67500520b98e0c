//! The client's address, which per-client limits count and anonymous callers'
//! idempotency records are kept under.
use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// One `trusted_proxies` entry: an address (`10.0.0.5`) or a network (`10.0.0.0/8`).
/// The device a request comes from, as its `User-Agent` names it: without control or
/// invisible characters, trimmed, at most 120 characters; `None` without one.
pub fn device(req: &HttpRequest) -> Option<String> {
    // Not only ASCII: a header may carry UTF-8 (and any byte), read leniently.
    let agent = req.headers().get(actix_web::http::header::USER_AGENT)?;
    let agent = String::from_utf8_lossy(agent.as_bytes());
    let cleaned: String = agent
        .chars()
        .filter(|c| !c.is_control() && !crate::platform::text::is_invisible(*c))
        .take(120)
        .collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

pub fn parse_proxy(entry: &str) -> Option<IpNet> {
    let entry = entry.trim();
    entry
        .parse::<IpNet>()
        .ok()
        .or_else(|| entry.parse::<IpAddr>().ok().map(IpNet::from))
}

/// The address limits count: the TCP peer, or, when the peer is a trusted proxy, the
/// nearest address in `X-Forwarded-For` that is not a trusted proxy. The header is read
/// from the right because a client can write anything on its left; a header that does
/// not parse is not believed at all. IPv6 clients are counted by their /64 network,
/// which one subscriber usually holds whole.
pub fn address(req: &HttpRequest, trusted_proxies: &[String]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip().to_canonical()) else {
        return "unknown".into();
    };
    key(behind_proxies(req, peer, trusted_proxies))
}

fn behind_proxies(req: &HttpRequest, peer: IpAddr, trusted_proxies: &[String]) -> IpAddr {
    let nets: Vec<IpNet> = trusted_proxies
        .iter()
        .filter_map(|entry| parse_proxy(entry))
        .collect();
    let trusted = |ip: &IpAddr| nets.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return peer;
    }
    let hops: Result<Vec<IpAddr>, _> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|hop| hop.trim().parse::<IpAddr>().map(|ip| ip.to_canonical()))
        .collect();
    hops.unwrap_or_default()
        .into_iter()
        .rev()
        .find(|ip| !trusted(ip))
        .unwrap_or(peer)
}

fn key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        IpAddr::V4(v4) => v4.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn from(peer: &str, forwarded: Option<&str>, trusted: &[&str]) -> String {
        let mut req = TestRequest::default().peer_addr(peer.parse().unwrap());
        if let Some(value) = forwarded {
            req = req.insert_header(("X-Forwarded-For", value));
        }
        let trusted: Vec<String> = trusted.iter().map(|s| s.to_string()).collect();
        address(&req.to_http_request(), &trusted)
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(
            from("198.51.100.1:5000", Some("203.0.113.9"), &[]),
            "198.51.100.1"
        );
        assert_eq!(
            from("198.51.100.1:5000", Some("203.0.113.9"), &["10.0.0.0/8"]),
            "198.51.100.1"
        );
    }

    #[test]
    fn a_trusted_proxy_passes_the_nearest_untrusted_hop() {
        let trusted = ["10.0.0.0/8", "192.0.2.7"];
        assert_eq!(
            from("10.1.2.3:5000", Some("203.0.113.9"), &trusted),
            "203.0.113.9"
        );
        // The client wrote a fake first hop; the proxies' own hops are skipped.
        assert_eq!(
            from(
                "10.1.2.3:5000",
                Some("1.1.1.1, 203.0.113.9, 192.0.2.7"),
                &trusted
            ),
            "203.0.113.9"
        );
        assert_eq!(from("10.1.2.3:5000", None, &trusted), "10.1.2.3");
        assert_eq!(
            from("10.1.2.3:5000", Some("not an address"), &trusted),
            "10.1.2.3"
        );
        assert_eq!(
            from("10.1.2.3:5000", Some("2001:db8:1:2:3:4:5:6"), &trusted),
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn entries_are_addresses_or_networks() {
        assert!(parse_proxy("10.0.0.5").is_some());
        assert!(parse_proxy(" 10.0.0.0/8 ").is_some());
        assert!(parse_proxy("::1").is_some());
        assert!(parse_proxy("proxy.local").is_none());
    }
}
