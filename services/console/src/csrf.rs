//! Cross-site request forgery: a state-changing request must come from the console's own
//! pages.
//!
//! The session cookie is SameSite=Strict, which already keeps it off requests other sites
//! start; these checks hold even where that does not (an old browser, a sibling subdomain).
//! A request that changes state (any method but GET, HEAD and OPTIONS) must:
//! - carry `X-Faceattend-Csrf: 1`, a header only script of the same origin can set (another
//!   origin's script would need a CORS preflight, which the console never grants);
//! - if the browser says where it comes from, come from here: `Sec-Fetch-Site` must be
//!   `same-origin`, and `Origin` must be one of the console's public origins (configured,
//!   or else the origin the request itself was addressed to).
//!
//! The WebSocket upgrade ([`check_upgrade`]) is different: no script can add a header of its
//! own to a browser's WebSocket handshake, and no CORS preflight guards it, so any site's
//! page could open one with the operator's cookie (cross-site WebSocket hijacking). What
//! stands in for the header is `Origin`, which browsers always send on the handshake and
//! page script cannot set: it must be present and be one of the console's origins.

use actix_web::HttpRequest;
use actix_web::http::Method;
use faceattend_service::error::ApiError;

/// The header the console's pages send with every state-changing request.
pub const CSRF_HEADER: &str = "x-faceattend-csrf";

/// The origins the console is served from, e.g. `https://attendance.example.com`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicOrigins(Vec<String>);

impl PublicOrigins {
    /// A comma-separated list of `scheme://host[:port]` origins; empty means "the origin each
    /// request was addressed to" (fine behind a proxy that keeps `Host`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut origins = Vec::new();
        for origin in raw.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let lower = origin.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"))
                .ok_or_else(|| format!("{origin:?} must start with http:// or https://"))?;
            if rest.is_empty() || rest.contains('/') || rest.contains('?') || rest.contains('#') {
                return Err(format!(
                    "{origin:?} must be an origin (scheme://host[:port]), with no path"
                ));
            }
            origins.push(lower);
        }
        Ok(Self(origins))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether any configured origin is served over HTTPS.
    pub fn any_https(&self) -> bool {
        self.0.iter().any(|o| o.starts_with("https://"))
    }

    /// The origin links to the console should use: the first configured one, or else the
    /// origin `request` was addressed to.
    pub fn link_origin(&self, request: &HttpRequest) -> String {
        match self.0.first() {
            Some(origin) => origin.clone(),
            None => {
                let info = request.connection_info();
                format!("{}://{}", info.scheme(), info.host())
            }
        }
    }

    fn allows(&self, origin: &str, request: &HttpRequest) -> bool {
        let origin = origin.to_ascii_lowercase();
        if self.0.is_empty() {
            let info = request.connection_info();
            origin == format!("{}://{}", info.scheme(), info.host()).to_ascii_lowercase()
        } else {
            self.0.contains(&origin)
        }
    }
}

/// Whether a request with this method changes state.
pub fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a state-changing request (or a WebSocket upgrade) that did not come from the
/// console's own pages: 403 `csrf_failed`.
pub fn check(request: &HttpRequest, origins: &PublicOrigins) -> Result<(), ApiError> {
    let headers = request.headers();
    if headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) != Some("1") {
        return Err(refused(
            "a state-changing request must carry the header X-Faceattend-Csrf: 1",
        ));
    }
    if let Some(site) = headers.get("sec-fetch-site")
        && site.as_bytes() != b"same-origin"
    {
        return Err(refused("the request came from another site"));
    }
    if let Some(origin) = headers.get(actix_web::http::header::ORIGIN) {
        let allowed = origin
            .to_str()
            .map(|origin| origins.allows(origin, request))
            .unwrap_or(false);
        if !allowed {
            return Err(refused("the request came from another origin"));
        }
    }
    Ok(())
}

/// Refuses a WebSocket upgrade that did not come from the console's own pages: 403
/// `csrf_failed`. `Origin` is required (a browser always sends it on the handshake; a
/// program that is not a browser has no cookie to abuse and can leave the console alone).
pub fn check_upgrade(request: &HttpRequest, origins: &PublicOrigins) -> Result<(), ApiError> {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site")
        && site.as_bytes() != b"same-origin"
    {
        return Err(refused("the WebSocket was opened from another site"));
    }
    let allowed = headers
        .get(actix_web::http::header::ORIGIN)
        .and_then(|origin| origin.to_str().ok())
        .is_some_and(|origin| origins.allows(origin, request));
    if allowed {
        Ok(())
    } else {
        Err(refused(
            "a WebSocket must be opened from the console's own pages (its Origin)",
        ))
    }
}

fn refused(message: &str) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::FORBIDDEN,
        "csrf_failed",
        message.to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn configured() -> PublicOrigins {
        PublicOrigins::parse("https://attendance.example.com, http://127.0.0.1:8000").unwrap()
    }

    #[test]
    fn origins_are_parsed_strictly() {
        assert_eq!(PublicOrigins::parse("").unwrap(), PublicOrigins::default());
        assert!(configured().any_https());
        assert!(PublicOrigins::parse("attendance.example.com").is_err());
        assert!(PublicOrigins::parse("https://attendance.example.com/console").is_err());
        assert!(PublicOrigins::parse("https://").is_err());
    }

    #[test]
    fn an_upgrade_needs_one_of_our_origins() {
        let from = |origin: Option<&str>, site: Option<&str>| {
            let mut request = TestRequest::get();
            if let Some(origin) = origin {
                request = request.insert_header(("origin", origin));
            }
            if let Some(site) = site {
                request = request.insert_header(("sec-fetch-site", site));
            }
            check_upgrade(&request.to_http_request(), &configured())
        };
        assert!(from(Some("http://127.0.0.1:8000"), None).is_ok());
        assert!(from(Some("https://attendance.example.com"), Some("same-origin")).is_ok());
        assert_eq!(from(None, None).unwrap_err().code, "csrf_failed");
        assert!(from(Some("https://evil.example"), None).is_err());
        assert!(from(Some("http://127.0.0.1:8000"), Some("cross-site")).is_err());
        assert!(from(Some("null"), None).is_err());
    }

    #[test]
    fn the_header_is_required() {
        let request = TestRequest::post().to_http_request();
        assert_eq!(
            check(&request, &configured()).unwrap_err().code,
            "csrf_failed"
        );
        let request = TestRequest::post()
            .insert_header((CSRF_HEADER, "0"))
            .to_http_request();
        assert!(check(&request, &configured()).is_err());
        let request = TestRequest::post()
            .insert_header((CSRF_HEADER, "1"))
            .to_http_request();
        assert!(check(&request, &configured()).is_ok());
    }

    #[test]
    fn another_site_or_origin_is_refused() {
        let from = |site: &str, origin: &str| {
            TestRequest::post()
                .insert_header((CSRF_HEADER, "1"))
                .insert_header(("Sec-Fetch-Site", site))
                .insert_header(("Origin", origin))
                .to_http_request()
        };
        assert!(
            check(
                &from("same-origin", "https://attendance.example.com"),
                &configured()
            )
            .is_ok()
        );
        assert!(
            check(
                &from("same-origin", "HTTPS://Attendance.Example.com"),
                &configured()
            )
            .is_ok()
        );
        assert!(
            check(
                &from("cross-site", "https://attendance.example.com"),
                &configured()
            )
            .is_err()
        );
        assert!(
            check(
                &from("same-site", "https://attendance.example.com"),
                &configured()
            )
            .is_err()
        );
        assert!(
            check(
                &from("same-origin", "https://evil.example.com"),
                &configured()
            )
            .is_err()
        );
        assert!(check(&from("same-origin", "null"), &configured()).is_err());
    }

    #[test]
    fn without_configured_origins_the_request_host_is_the_origin() {
        let request = TestRequest::post()
            .uri("http://console.local:8000/console/api/v1/session")
            .insert_header(("Host", "console.local:8000"))
            .insert_header((CSRF_HEADER, "1"))
            .insert_header(("Origin", "http://console.local:8000"))
            .to_http_request();
        assert!(check(&request, &PublicOrigins::default()).is_ok());
        let request = TestRequest::post()
            .insert_header(("Host", "console.local:8000"))
            .insert_header((CSRF_HEADER, "1"))
            .insert_header(("Origin", "http://elsewhere:8000"))
            .to_http_request();
        assert!(check(&request, &PublicOrigins::default()).is_err());
    }

    #[test]
    fn reads_change_nothing() {
        assert!(!changes_state(&Method::GET));
        assert!(!changes_state(&Method::HEAD));
        assert!(changes_state(&Method::POST));
        assert!(changes_state(&Method::PATCH));
        assert!(changes_state(&Method::DELETE));
    }
}
