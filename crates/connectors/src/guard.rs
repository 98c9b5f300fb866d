//! The one HTTP client every connector sends through, and how its answers become outcomes.
//!
//! A destination's URL is typed in by an operator (or by whoever got hold of an operator's
//! session), and the integrations service runs inside the site's network, next to its
//! database, its NATS and its cloud's metadata service. Left alone, "deliver attendance to
//! this URL" is a way to make faceattend send requests to any of those (server-side request
//! forgery). So, unless a destination is explicitly allowed private addresses (a door relay on
//! the LAN, an Odoo in the same cluster), [`OutboundClient`] refuses every destination whose
//! address is not a public unicast one ([`is_blocked_ip`]), in the two places that cannot be
//! bypassed:
//!
//! - host names are resolved by [`GuardedResolver`], which drops blocked addresses *after*
//!   resolution, so a name that resolves to a public address at validation time and to
//!   `127.0.0.1` at send time (DNS rebinding) still cannot reach loopback;
//! - IP literals never reach a resolver, so [`OutboundClient::check_url`] refuses them before
//!   a request is built; [`OutboundClient::execute`] checks again whatever it is handed.
//!
//! Redirects are never followed (a 3xx is the destination's answer: a redirect to
//! `http://169.254.169.254/` must not become a second hop), proxies from the environment are
//! ignored (a proxy would resolve the name itself, past the guard), and every request has a
//! deadline on connecting and on the whole exchange.
//!
//! The second half turns what came back into the shared [`DeliveryOutcome`]:
//! [`outcome_of`] for connectors whose destination speaks plain HTTP status codes (webhooks,
//! doors), and its parts ([`read_limited`], [`classify_status`], [`parse_retry_after`],
//! [`error_outcome`]) for those with their own error protocol on top (Odoo, Frappe). A reply
//! is never buffered whole: at most [`read_limited`]'s bound is read.
//!
//! Secrets never reach a log line or a delivery record: URLs are logged as their host only
//! ([`log_host`]), and transport errors are described without their URL (which may carry a
//! token in its query or userinfo).

use std::error::Error as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use ipnet::{Ipv4Net, Ipv6Net};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, Request, RequestBuilder, Response, StatusCode, Url};

use crate::{DeliveryOutcome, RESPONSE_EXCERPT_BYTES, Refusal, response_excerpt};

/// What the connectors refuse before anything is sent, each with a stable code for the
/// delivery log and the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// The destination is (or resolves only to) an address outside the public internet.
    #[error(
        "{host} is not a public address ({reason}); allow private addresses for this destination if it is meant to be reached inside the network"
    )]
    BlockedAddress { host: String, reason: String },
    #[error("the URL is not valid: {0}")]
    InvalidUrl(String),
    #[error("only http and https URLs can be delivered to, not {0}:")]
    UnsupportedScheme(String),
    #[error("the timeout must be between 1 ms and {max} s", max = MAX_TIMEOUT.as_secs())]
    InvalidTimeout,
    /// A header name or value a destination was configured with cannot be sent.
    #[error("the header {0} cannot be sent: not a valid HTTP header name or value")]
    InvalidHeader(String),
    /// A webhook signing secret that is not `whsec_` and 24 to 64 bytes of base64.
    #[error("the webhook secret is not valid: {0}")]
    InvalidSecret(String),
    /// The host resolved to no address at all.
    #[error("{0} resolves to no address")]
    Unresolvable(String),
    /// The HTTP client could not be set up (its TLS roots, most likely).
    #[error("the HTTP client could not be set up: {0}")]
    Client(String),
    /// A destination's setting is missing or malformed (an empty Odoo database, a Frappe
    /// field name that is not one).
    #[error("{field}: {reason}")]
    InvalidSetting { field: &'static str, reason: String },
}

impl GuardError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            GuardError::BlockedAddress { .. } => "blocked_address",
            GuardError::InvalidUrl(_) => "invalid_url",
            GuardError::UnsupportedScheme(_) => "unsupported_scheme",
            GuardError::InvalidTimeout => "invalid_timeout",
            GuardError::InvalidHeader(_) => "invalid_header",
            GuardError::InvalidSecret(_) => "invalid_secret",
            GuardError::Unresolvable(_) => "unresolvable",
            GuardError::Client(_) => "client_setup",
            GuardError::InvalidSetting { .. } => "invalid_setting",
        }
    }

    /// What a delivery refused by the guard became: a blocked address is refused for good
    /// ([`Refusal::BlockedAddress`]); a URL or header that can never be sent means the
    /// destination's configuration is wrong, so it is disabled until an operator fixes it.
    /// A name that does not resolve may be a passing DNS fault: tried again.
    pub fn outcome(&self) -> DeliveryOutcome {
        let reason = self.to_string();
        match self {
            GuardError::BlockedAddress { .. } => DeliveryOutcome::Refused {
                status: None,
                refusal: Refusal::BlockedAddress,
                reason,
                response: String::new(),
            },
            GuardError::Unresolvable(_) => DeliveryOutcome::Retry {
                status: None,
                retry_after: None,
                reason,
                response: String::new(),
            },
            _ => DeliveryOutcome::Disable {
                status: None,
                reason,
                response: String::new(),
            },
        }
    }
}

/// The longest a destination may be given for one request.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);

/// How a destination may be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Whether private, loopback and link-local addresses may be reached (a relay on the LAN,
    /// an ERP in the same cluster). Off by default: an operator turns it on per destination.
    pub allow_private: bool,
    /// The deadline on connecting and on the whole request, reply body included.
    pub timeout: Duration,
    /// Whether the destination's TLS certificate is verified. Only devices with self-signed
    /// certificates (door controllers) should turn this off.
    pub verify_tls: bool,
}

impl Default for OutboundPolicy {
    fn default() -> Self {
        OutboundPolicy {
            allow_private: false,
            timeout: Duration::from_secs(15),
            verify_tls: true,
        }
    }
}

/// The guarded HTTP client: cheap to clone (one connection pool behind an `Arc`).
#[derive(Debug, Clone)]
pub struct OutboundClient {
    http: reqwest::Client,
    policy: OutboundPolicy,
}

impl OutboundClient {
    pub fn new(policy: &OutboundPolicy) -> Result<OutboundClient, GuardError> {
        if policy.timeout.is_zero() || policy.timeout > MAX_TIMEOUT {
            return Err(GuardError::InvalidTimeout);
        }
        let http = reqwest::Client::builder()
            .dns_resolver(GuardedResolver::new(policy.allow_private))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the destination's name itself, past the resolver above.
            .no_proxy()
            .connect_timeout(policy.timeout)
            .timeout(policy.timeout)
            .tls_danger_accept_invalid_certs(!policy.verify_tls)
            .user_agent(concat!("faceattend-connectors/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| GuardError::Client(describe_error(&error)))?;
        Ok(OutboundClient {
            http,
            policy: policy.clone(),
        })
    }

    pub fn policy(&self) -> &OutboundPolicy {
        &self.policy
    }

    /// Parses a destination URL and refuses what can never be sent: a scheme other than
    /// http(s), no host, a blocked IP literal, or `localhost` (refused by name too, so the
    /// answer does not depend on the machine's hosts file). Host names are otherwise judged
    /// at send time by the addresses they resolve to.
    pub fn check_url(&self, url: &str) -> Result<Url, GuardError> {
        let parsed = Url::parse(url).map_err(|error| GuardError::InvalidUrl(error.to_string()))?;
        self.check_parsed(&parsed)?;
        Ok(parsed)
    }

    /// [`OutboundClient::check_url`] for a URL already parsed.
    pub fn check_parsed(&self, url: &Url) -> Result<(), GuardError> {
        match url.scheme() {
            "http" | "https" => {}
            other => return Err(GuardError::UnsupportedScheme(other.to_owned())),
        }
        let host = url
            .host_str()
            .ok_or_else(|| GuardError::InvalidUrl("the URL has no host".into()))?;
        if self.policy.allow_private {
            return Ok(());
        }
        // The url crate has already normalised every IPv4 spelling (`2130706433`, `0x7f.1`,
        // `127.1`) to its dotted form for http(s), and IPv6 to its bracketed canonical form,
        // so literals are judged by value.
        let literal = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(v6) => v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
            None => host.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
        };
        if literal.is_none() && is_localhost_name(host) {
            return Err(GuardError::BlockedAddress {
                host: host.to_owned(),
                reason: "localhost".into(),
            });
        }
        if let Some(ip) = literal
            && let Some(reason) = blocked_reason(ip)
        {
            return Err(GuardError::BlockedAddress {
                host: ip.to_string(),
                reason: reason.into(),
            });
        }
        Ok(())
    }

    /// A request to a checked URL, to be given headers and a body freely and then sent with
    /// [`OutboundClient::send`] or [`OutboundClient::execute`] (or the builder's own `send`:
    /// the URL cannot change after this check, and host names meet the resolver either way).
    pub fn request(&self, method: Method, url: &str) -> Result<RequestBuilder, GuardError> {
        let url = self.check_url(url)?;
        Ok(self.http.request(method, url))
    }

    pub fn get(&self, url: &str) -> Result<RequestBuilder, GuardError> {
        self.request(Method::GET, url)
    }

    pub fn post(&self, url: &str) -> Result<RequestBuilder, GuardError> {
        self.request(Method::POST, url)
    }

    pub fn put(&self, url: &str) -> Result<RequestBuilder, GuardError> {
        self.request(Method::PUT, url)
    }

    /// Sends a built request, checking its URL again first (a `Request`'s URL can be changed
    /// after it was built). The error tells a guard refusal from a transport failure; turn
    /// either into an outcome with [`SendError::outcome`].
    pub async fn execute(&self, request: Request) -> Result<Response, SendError> {
        self.check_parsed(request.url()).map_err(SendError::Guard)?;
        let host = log_host(request.url());
        tracing::debug!(%host, method = %request.method(), "sending");
        self.http
            .execute(request)
            .await
            .map_err(SendError::from_reqwest)
    }

    /// Builds, checks and sends a request, then classifies its answer by status code alone
    /// ([`outcome_of`]): what webhooks and doors need.
    pub async fn send(&self, request: RequestBuilder) -> DeliveryOutcome {
        let request = match request.build() {
            Ok(request) => request,
            Err(error) => return GuardError::InvalidUrl(describe_error(&error)).outcome(),
        };
        outcome_of(self.execute(request).await).await
    }
}

/// Why a request got no answer: refused by the guard, or failed on the way.
#[derive(Debug)]
pub enum SendError {
    /// Refused before sending, or by the resolver (a name resolving only to blocked addresses).
    Guard(GuardError),
    /// The network, TLS, or the deadline. Kept without its URL (which may hold a secret).
    Transport(reqwest::Error),
}

impl SendError {
    fn from_reqwest(error: reqwest::Error) -> SendError {
        match guard_error_in(&error) {
            Some(guard) => SendError::Guard(guard),
            None => SendError::Transport(error.without_url()),
        }
    }

    /// What the failed attempt became: see [`GuardError::outcome`] and [`error_outcome`].
    pub fn outcome(&self) -> DeliveryOutcome {
        match self {
            SendError::Guard(guard) => guard.outcome(),
            SendError::Transport(error) => error_outcome(error),
        }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Guard(guard) => guard.fmt(f),
            SendError::Transport(error) => f.write_str(&describe_error(error)),
        }
    }
}

/// The resolver's refusal travels inside reqwest's error as a boxed source; find it again.
fn guard_error_in(error: &reqwest::Error) -> Option<GuardError> {
    let mut source = error.source();
    while let Some(inner) = source {
        if let Some(guard) = inner.downcast_ref::<GuardError>() {
            return Some(guard.clone());
        }
        source = inner.source();
    }
    None
}

/// The resolver behind [`OutboundClient`]: the system's resolver, then the guard's filter
/// ([`filter_resolved`]) on what it answered.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    allow_private: bool,
}

impl GuardedResolver {
    pub fn new(allow_private: bool) -> GuardedResolver {
        GuardedResolver { allow_private }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: reqwest puts the URL's port (or the scheme's) in afterwards.
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept = filter_resolved(&host, resolved, allow_private)?;
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// Keeps the resolved addresses a destination may be sent to. Blocked ones are dropped, not
/// just the first checked: a name answering both a public and a private address (a rebinding
/// attempt, or a split-horizon DNS) is sent only to the public one. If nothing is left, the
/// destination is refused.
pub fn filter_resolved(
    host: &str,
    resolved: Vec<SocketAddr>,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, GuardError> {
    if resolved.is_empty() {
        return Err(GuardError::Unresolvable(host.to_owned()));
    }
    if allow_private {
        return Ok(resolved);
    }
    let mut first_reason = None;
    let kept: Vec<SocketAddr> = resolved
        .into_iter()
        .filter(|address| match blocked_reason(address.ip()) {
            None => true,
            Some(reason) => {
                tracing::warn!(%host, address = %address.ip(), reason, "resolved address blocked");
                first_reason.get_or_insert((address.ip(), reason));
                false
            }
        })
        .collect();
    if kept.is_empty() {
        let (ip, reason) = first_reason.unwrap_or((IpAddr::V4(Ipv4Addr::UNSPECIFIED), "blocked"));
        return Err(GuardError::BlockedAddress {
            host: host.to_owned(),
            reason: format!("resolves to {ip}: {reason}"),
        });
    }
    Ok(kept)
}

/// `localhost` and its subdomains (RFC 6761 reserves them all for loopback).
fn is_localhost_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// Whether an address is outside the public internet, so a destination may not be sent to it
/// unless allowed private addresses.
pub fn is_blocked_ip(ip: IpAddr) -> bool {
    blocked_reason(ip).is_some()
}

/// Why an address is blocked, or `None` for a public unicast address.
pub fn blocked_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => blocked_v6(v6),
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix)
}

/// IANA's special-purpose IPv4 registry, less the few globally reachable entries.
const BLOCKED_V4: &[(Ipv4Net, &str)] = &[
    (v4(0, 0, 0, 0, 8), "\"this network\" / unspecified"),
    (v4(10, 0, 0, 0, 8), "private"),
    (v4(100, 64, 0, 0, 10), "carrier-grade NAT"),
    (v4(127, 0, 0, 0, 8), "loopback"),
    (v4(169, 254, 0, 0, 16), "link-local (cloud metadata)"),
    (v4(172, 16, 0, 0, 12), "private"),
    (v4(192, 0, 0, 0, 24), "IETF protocol assignments"),
    (v4(192, 0, 2, 0, 24), "documentation"),
    (v4(192, 88, 99, 0, 24), "6to4 relay anycast"),
    (v4(192, 168, 0, 0, 16), "private"),
    (v4(198, 18, 0, 0, 15), "benchmarking"),
    (v4(198, 51, 100, 0, 24), "documentation"),
    (v4(203, 0, 113, 0, 24), "documentation"),
    (v4(224, 0, 0, 0, 4), "multicast"),
    (v4(240, 0, 0, 0, 4), "reserved / broadcast"),
];

fn blocked_v4(ip: Ipv4Addr) -> Option<&'static str> {
    BLOCKED_V4
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|(_, reason)| *reason)
}

const fn v6(segments: [u16; 8], prefix: u8) -> Ipv6Net {
    let [a, b, c, d, e, f, g, h] = segments;
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), prefix)
}

/// IANA's special-purpose IPv6 registry. The ranges that embed an IPv4 address (mapped,
/// NAT64, 6to4) are judged by that address instead, in [`blocked_v6`].
const BLOCKED_V6: &[(Ipv6Net, &str)] = &[
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 128), "unspecified"),
    (v6([0, 0, 0, 0, 0, 0, 0, 1], 128), "loopback"),
    (
        v6([0, 0, 0, 0, 0, 0, 0, 0], 96),
        "IPv4-compatible (deprecated)",
    ),
    (v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), "local-use NAT64"),
    (v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64), "discard-only"),
    (
        v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),
        "IETF protocol assignments (Teredo, benchmarking)",
    ),
    (v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), "documentation"),
    (v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), "documentation"),
    (v6([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16), "segment routing"),
    (v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), "unique-local"),
    (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), "link-local"),
    (
        v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10),
        "site-local (deprecated)",
    ),
    (v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), "multicast"),
];

const MAPPED: Ipv6Net = v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96);
const NAT64: Ipv6Net = v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96);
const SIX_TO_FOUR: Ipv6Net = v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16);

fn blocked_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    // Addresses that carry an IPv4 address reach that address: `::ffff:127.0.0.1` is loopback.
    let embedded = if MAPPED.contains(&ip) || NAT64.contains(&ip) {
        Some(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ))
    } else if SIX_TO_FOUR.contains(&ip) {
        Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ))
    } else {
        None
    };
    if let Some(v4) = embedded {
        return blocked_v4(v4);
    }
    BLOCKED_V6
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|(_, reason)| *reason)
}

/// A destination's host (and port) as it may be logged: never its userinfo, path or query.
pub fn log_host(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => String::from("(no host)"),
    }
}

/// A reqwest error as text for the delivery log: its kind and causes, never its URL.
pub fn describe_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() {
        "the body failed"
    } else if error.is_builder() {
        "the request could not be built"
    } else {
        "the request failed"
    };
    let mut text = String::from(kind);
    let mut source = error.source();
    while let Some(inner) = source {
        let cause = inner.to_string();
        if !text.ends_with(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        source = inner.source();
    }
    text
}

/// A transport failure (no answer at all): worth trying again, whether the network, TLS
/// or the deadline. A TLS failure may persist, but the five-day rule of the integrations
/// service disables such a destination; one failed handshake must not.
pub fn error_outcome(error: &reqwest::Error) -> DeliveryOutcome {
    DeliveryOutcome::Retry {
        status: None,
        retry_after: None,
        reason: describe_error(error),
        response: String::new(),
    }
}

/// The most a `Retry-After` may hold a delivery back: beyond this, a destination's answer is
/// taken as a mistake, and the retry schedule's own waits apply.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Reads `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), relative to
/// `now`. A date already past is no wait; a wait beyond [`MAX_RETRY_AFTER`] is capped;
/// anything else unreadable is ignored.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is still "a very long time", not garbage.
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// What a status code says of a delivery, whatever the destination:
///
/// - 2xx: delivered;
/// - 408, 425, 429 and 5xx: try again, no sooner than `Retry-After`;
/// - 410 (gone) and 401/403 (our credentials are refused): disable the destination until an
///   operator looks; sending more cannot help and would only pile up;
/// - 3xx: disable too: redirects are not followed, and a destination that moved needs its
///   URL changed;
/// - any other 4xx: this mark is refused for good ([`Refusal::Rejected`]).
///
/// `response` is the excerpt of the reply kept in the delivery log.
pub fn classify_status(
    status: StatusCode,
    headers: &HeaderMap,
    response: String,
) -> DeliveryOutcome {
    let code = Some(status.as_u16());
    let reason = match status.canonical_reason() {
        Some(text) => format!("HTTP {} {text}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    };
    if status.is_success() {
        return DeliveryOutcome::Delivered {
            status: code,
            external_record: None,
            response,
        };
    }
    let retryable = status.is_server_error() || matches!(status.as_u16(), 408 | 425 | 429);
    if retryable {
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, SystemTime::now()));
        return DeliveryOutcome::Retry {
            status: code,
            retry_after,
            reason,
            response,
        };
    }
    match status.as_u16() {
        410 => DeliveryOutcome::Disable {
            status: code,
            reason: format!("{reason}: the destination is gone"),
            response,
        },
        401 | 403 => DeliveryOutcome::Disable {
            status: code,
            reason: format!("{reason}: the destination refuses our credentials"),
            response,
        },
        300..=399 => DeliveryOutcome::Disable {
            status: code,
            reason: format!(
                "{reason}: redirects are not followed; set the destination's final URL"
            ),
            response,
        },
        _ => DeliveryOutcome::Refused {
            status: code,
            refusal: Refusal::Rejected,
            reason,
            response,
        },
    }
}

/// A reply body read up to a bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitedBody {
    /// At most the bound's bytes.
    pub bytes: Bytes,
    /// Whether the reply went on past the bound (the rest was not read).
    pub truncated: bool,
}

/// Reads at most `limit` bytes of a reply, chunk by chunk, so a destination answering with
/// gigabytes costs no more than `limit` of memory. What could not be read (the deadline, a
/// broken connection) ends the body early rather than failing: an answer's status already
/// says what happened, and the excerpt is only evidence. Connectors that must parse the
/// body (Odoo, Frappe) should treat a `truncated` body as not understood.
pub async fn read_limited(mut response: Response, limit: usize) -> LimitedBody {
    let mut buffer = BytesMut::new();
    let mut truncated = false;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - buffer.len();
                if chunk.len() > room {
                    buffer.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                buffer.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(error) => {
                tracing::debug!(error = %describe_error(&error), "reply body ended early");
                break;
            }
        }
    }
    LimitedBody {
        bytes: buffer.freeze(),
        truncated,
    }
}

/// A reply (or its absence) as a delivery outcome, by status code alone: the status and
/// `Retry-After` through [`classify_status`], the first [`RESPONSE_EXCERPT_BYTES`] of the
/// body as the logged response.
pub async fn outcome_of(result: Result<Response, SendError>) -> DeliveryOutcome {
    match result {
        Ok(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let host = log_host(response.url());
            // One byte past the excerpt, so response_excerpt can tell a cut body.
            let body = read_limited(response, RESPONSE_EXCERPT_BYTES + 1).await;
            let outcome = classify_status(status, &headers, response_excerpt(&body.bytes));
            tracing::debug!(%host, status = status.as_u16(), "destination answered");
            outcome
        }
        Err(error) => {
            tracing::debug!(error = %error, "no answer");
            error.outcome()
        }
    }
}
