//! The proxy: the browser's API requests forwarded to the service that answers them, with a
//! token minted for the signed-in operator.
//!
//! `/api/v1/persons*` goes to person-api and `/api/v1/attendance*` to attendance-api, method,
//! path, query and body unchanged. The browser's cookies never leave the console; the
//! upstream sees `Authorization: Bearer <token>` with `sub` = the operator's id and the
//! permissions of the operator's role ([`Role::permissions_for`]), valid for a minute. The
//! upstream's answer (status, headers, body) is streamed back as it is, so the console adds
//! no error codes of its own to the upstream's contract, except 503 `upstream_unavailable`
//! when the upstream cannot be reached in time.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use faceattend_service::ApiError;

use crate::config::Upstreams;
use crate::csrf;
use crate::error::ConsoleError;
use crate::operators::Role;
use crate::state::{ConsoleState, signed_in};

/// The services the console forwards to, and the one HTTP client (with its connection pool)
/// it reaches them with.
#[derive(Clone)]
pub struct Upstream {
    client: reqwest::Client,
    urls: Upstreams,
}

/// Request headers an upstream may need; everything else (cookies above all) stays here.
const FORWARDED_REQUEST_HEADERS: &[&str] = &[
    "accept",
    "accept-language",
    "content-type",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "traceparent",
    "tracestate",
    "x-request-id",
];

/// Response headers that describe one hop, not the answer (RFC 9110 section 7.6.1), and
/// cookies, which only the console sets.
const DROPPED_RESPONSE_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "set-cookie",
    "content-length",
];

impl Upstream {
    pub fn new(urls: Upstreams) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(urls.connect_timeout)
            .timeout(urls.request_timeout)
            // The upstream's redirects are the browser's to follow, through the console.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60))
            .build()?;
        Ok(Self { client, urls })
    }

    pub fn urls(&self) -> &Upstreams {
        &self.urls
    }

    /// The pooled client, for the console's own requests upstream (a kiosk reading a
    /// person's day).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The service that answers `path`, and its base URL.
    fn route(&self, path: &str) -> Option<(&'static str, &str)> {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/api/v1/persons") {
            Some(("person-api", &self.urls.person_api))
        } else if under("/api/v1/attendance") {
            Some(("attendance-api", &self.urls.attendance_api))
        } else {
            None
        }
    }

    /// Whether `service`'s readiness endpoint answers 200, for the console's `/readyz`.
    pub async fn ready(&self, base: &str) -> Result<(), String> {
        let response = self
            .client
            .get(format!("{base}/readyz"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("readyz answered {}", response.status()))
        }
    }
}

/// Mounts the forwarded routes; `max_body_bytes` bounds a forwarded body.
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    for pattern in [
        "/api/v1/persons",
        "/api/v1/persons/{tail:.*}",
        "/api/v1/attendance",
        "/api/v1/attendance/{tail:.*}",
    ] {
        cfg.service(
            web::resource(pattern)
                .app_data(web::PayloadConfig::new(max_body_bytes))
                .default_service(web::to(forward)),
        );
    }
}

/// Forwards one request for the signed-in operator.
pub async fn forward(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<ConsoleState>,
) -> Result<HttpResponse, ConsoleError> {
    let operator = signed_in(&state, &request).await?.operator;
    if csrf::changes_state(request.method()) {
        csrf::check(&request, &state.origins)?;
    }
    // Read only now: a request that was going to be refused costs no upload.
    let body = web::Bytes::from_request(&request, &mut payload.into_inner())
        .await
        .map_err(faceattend_service::json::payload_error)?;
    let path = request.path();
    let (service, base) = state
        .upstream
        .route(path)
        .ok_or_else(|| ApiError::not_found("route_not_found", "no route"))?;
    let token = mint(
        &state,
        operator.role,
        operator.id,
        request.method().as_str(),
        path,
    )?;
    let url = match request.uri().query() {
        Some(query) => format!("{base}{path}?{query}"),
        None => format!("{base}{path}"),
    };
    let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes())
        .map_err(|_| ApiError::bad_request("invalid_method", "invalid method"))?;
    let mut upstream_request = state
        .upstream
        .client
        .request(method, url)
        .bearer_auth(token);
    for name in FORWARDED_REQUEST_HEADERS {
        for value in request.headers().get_all(*name) {
            upstream_request = upstream_request.header(*name, value.as_bytes());
        }
    }
    if !body.is_empty() {
        upstream_request = upstream_request.body(body);
    }
    let response =
        upstream_request
            .send()
            .await
            .map_err(|e| ConsoleError::UpstreamUnavailable {
                service,
                reason: e.to_string(),
            })?;
    let status =
        StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut answer = HttpResponse::build(status);
    for (name, value) in response.headers() {
        if DROPPED_RESPONSE_HEADERS.contains(&name.as_str()) {
            continue;
        }
        answer.append_header((name.as_str(), value.as_bytes()));
    }
    // A 204 or 304 has no body by definition: a streamed (chunked) one, even empty, is a
    // malformed answer some clients refuse.
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return Ok(answer.finish());
    }
    Ok(answer.streaming(response.bytes_stream()))
}

fn mint(
    state: &ConsoleState,
    role: Role,
    operator_id: uuid::Uuid,
    method: &str,
    path: &str,
) -> Result<String, ConsoleError> {
    Ok(state.keys.mint(
        &operator_id.to_string(),
        &role.permissions_for(method, path),
        state.token_ttl,
    )?)
}
