//! The one listener's HTTP/1.1, served by hyper: `/healthz`, `/readyz` and `/metrics` are
//! answered here, and WebSocket upgrades are checked and handed to a [`session`].
//!
//! hyper parses every request head (so request smuggling, folded headers, pipelining and
//! half-closed sockets are handled by an implementation many servers share) within limits set
//! here: [`MAX_HEAD_BYTES`] and [`MAX_HEADERS`] (a larger head gets 431), and
//! `HANDSHAKE_TIMEOUT` to send a head, also the longest an idle keep-alive connection stays.
//! No route takes a body, so a request that has one is refused and its connection closed:
//! whatever framing it claims, nothing after its head is ever read as a request. Heads hyper
//! cannot parse are answered by hyper (400, 431) without the envelope: no route saw them.
//!
//! An upgrade is checked in full before the `101`: path and client id, origin, token and
//! permission, query, connection limit, readiness. A refusal is a plain HTTP response with the
//! error envelope every faceattend service uses (401 before 403, stable `code`), so a client
//! learns why; browsers, which hide the status of a failed upgrade, get the same check and
//! can read the reason from the gateway's logs and metrics. After the `101` hyper gives the
//! connection back: its buffers are freed and the session owns the bare `TcpStream`, read
//! through tungstenite's small buffer (`READ_BUFFER_BYTES`), which is what lets one replica
//! hold tens of thousands of idle listeners.

use std::convert::Infallible;
use std::sync::Arc;

use actix_http::StatusCode as ApiStatus;
use bytes::Bytes;
use faceattend_service::auth::{AttendanceRead, Permission, Principal};
use faceattend_service::{ApiError, health};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_util::task::TaskTracker;

use crate::config::Settings;
use crate::protocol::{Filter, Subscription, parse_min_confidence};
use crate::session::{self, SessionRequest};
use crate::startup::Gateway;

/// The WebSocket route of the spec; the client id follows it.
pub const WS_PATH: &str = "/api/v1/attendance/ws/";
/// The subprotocol the gateway speaks; echoed when offered, as browsers require.
pub const SUBPROTOCOL: &str = "faceattend.v1";
/// A subprotocol `bearer.<token>` carries the token for browsers, which cannot set headers.
pub const TOKEN_SUBPROTOCOL_PREFIX: &str = "bearer.";

/// Longest request head accepted (request line and headers); a longer one gets 431. A
/// browser's upgrade with a token in the query and a subprotocol is some 1.5 KB.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
/// Most header lines accepted; more get 431.
pub const MAX_HEADERS: usize = 48;
/// hyper's read buffer for a head grows up to this (its smallest allowed maximum); it is
/// freed when a connection is upgraded or closed.
const MAX_BUFFER_BYTES: usize = 8 * 1024;

type Body = Full<Bytes>;

/// Serves the connections of the one listener: probes and metrics, and upgrades whose
/// sessions run in `sessions` (waited for on shutdown).
pub struct HttpFront {
    http: http1::Builder,
    gateway: Arc<Gateway>,
    sessions: TaskTracker,
}

impl HttpFront {
    pub fn new(gateway: Arc<Gateway>, sessions: TaskTracker) -> Arc<Self> {
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(gateway.settings.handshake_timeout)
            .max_headers(MAX_HEADERS)
            .max_header_size(MAX_HEAD_BYTES)
            .max_buf_size(MAX_BUFFER_BYTES)
            // A client may send its request and shut its side: it still gets the answer.
            .half_close(true);
        Arc::new(Self {
            http,
            gateway,
            sessions,
        })
    }

    /// Serves one accepted connection until it closes or is upgraded; on shutdown a
    /// keep-alive connection is closed once its current request is answered.
    pub async fn serve(self: Arc<Self>, stream: TcpStream) {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let shutdown = self.gateway.shutdown.clone();
        let front = self.clone();
        let service = service_fn(move |request| {
            let front = front.clone();
            async move { Ok::<_, Infallible>(front.route(request).await) }
        });
        let connection = self
            .http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut connection = std::pin::pin!(connection);
        let outcome = tokio::select! {
            outcome = connection.as_mut() => outcome,
            () = shutdown.cancelled() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(error) = outcome {
            // Malformed heads, timeouts, peers gone: hyper answered what could be answered.
            tracing::debug!(%error, "HTTP connection ended with an error");
        }
    }

    async fn route(&self, mut request: Request<Incoming>) -> Response<Body> {
        let gateway = &self.gateway;
        let path = request.uri().path().to_owned();
        if has_body(request.headers()) {
            if path.starts_with(WS_PATH) {
                gateway
                    .metrics
                    .upgrades
                    .with_label_values(&["bad_request"])
                    .inc();
            }
            let error = ApiError::bad_request(
                "request_body_not_allowed",
                "the gateway's routes take no request body (Transfer-Encoding, or a Content-Length above 0)",
            );
            return closing(refusal(&error));
        }
        let probe = matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics");
        if probe && request.method() != Method::GET {
            let error = method_not_allowed(request.method(), &path);
            return refusal(&error);
        }
        match path.as_str() {
            "/healthz" => respond(
                StatusCode::OK,
                "application/json",
                serde_json::json!({ "status": "ok", "version": health::VERSION }).to_string(),
            ),
            "/readyz" => {
                let (ready, body) = Box::pin(gateway.readiness.report()).await;
                let status = if ready {
                    StatusCode::OK
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                };
                respond(status, "application/json", body.to_string())
            }
            "/metrics" => match gateway.http_metrics.render() {
                Ok(text) => respond(
                    StatusCode::OK,
                    "text/plain; version=0.0.4; charset=utf-8",
                    text,
                ),
                Err(error) => refusal(&ApiError::internal(error)),
            },
            path if path.starts_with(WS_PATH) => {
                let response = self.upgrade(&mut request);
                if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                    response
                } else {
                    // A refused upgrade ends the connection: a client that wanted a
                    // WebSocket has no next request, and a full gateway keeps no idle socket.
                    closing(response)
                }
            }
            path => {
                let error = ApiError::not_found(
                    "route_not_found",
                    format!("no route for {} {path}", request.method()),
                );
                refusal(&error)
            }
        }
    }

    /// Checks an upgrade request; if it may proceed, the `101` is returned and the session
    /// is started on the connection hyper hands over once the `101` is written.
    fn upgrade(&self, request: &mut Request<Incoming>) -> Response<Body> {
        let gateway = &self.gateway;
        let (session_request, accept_key) = match check_upgrade(request, gateway) {
            Ok(accepted) => accepted,
            Err((error, outcome)) => {
                gateway.metrics.upgrades.with_label_values(&[outcome]).inc();
                tracing::info!(
                    code = error.code,
                    status = error.status.as_u16(),
                    "WebSocket upgrade refused"
                );
                return refusal(&error);
            }
        };
        let Some(permit) = gateway.hub.admit() else {
            gateway.metrics.upgrades.with_label_values(&["limit"]).inc();
            let error = ApiError::new(
                ApiStatus::SERVICE_UNAVAILABLE,
                "too_many_connections",
                "the gateway holds as many connections as it may; retry on another replica or later",
            );
            return refusal(&error);
        };
        let offers_protocol = subprotocols(request.headers()).any(|p| p == SUBPROTOCOL);
        let upgraded = hyper::upgrade::on(request);
        let gateway = gateway.clone();
        // Boxed, like the rarer paths of a session: the task lives as long as the
        // connection, so only the session's own state should be in it.
        self.sessions.spawn(Box::pin(async move {
            let upgraded = match upgraded.await {
                Ok(upgraded) => upgraded,
                Err(error) => {
                    tracing::debug!(%error, "the connection closed before its upgrade");
                    return;
                }
            };
            // `serve` hands hyper a `TokioIo<TcpStream>`: the downcast gives the socket
            // back with whatever the client sent after its head, and hyper's buffers go.
            let parts = match upgraded.downcast::<TokioIo<TcpStream>>() {
                Ok(parts) => parts,
                Err(_) => {
                    tracing::error!("an upgraded connection is not the accepted TCP stream");
                    return;
                }
            };
            gateway
                .metrics
                .upgrades
                .with_label_values(&["accepted"])
                .inc();
            let ws = WebSocketStream::from_partially_read(
                parts.io.into_inner(),
                parts.read_buf.to_vec(),
                Role::Server,
                Some(websocket_config(&gateway.settings)),
            )
            .await;
            session::run(ws, session_request, gateway, permit).await;
        }));
        let mut response = Response::new(Body::default());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        if let Ok(accept) = HeaderValue::from_str(&accept_key) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        if offers_protocol {
            headers.insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_static(SUBPROTOCOL),
            );
        }
        response
    }
}

fn websocket_config(settings: &Settings) -> WebSocketConfig {
    let mut config = WebSocketConfig::default();
    config.read_buffer_size = settings.read_buffer_bytes;
    // Each message is written at once: nothing waits in a buffer for a quiet client.
    config.write_buffer_size = 0;
    config.max_write_buffer_size = settings.max_message_bytes.max(64 * 1024);
    config.max_message_size = Some(settings.max_message_bytes);
    config.max_frame_size = Some(settings.max_message_bytes);
    config
}

/// The first value of a header; a value that is not UTF-8 reads as U+FFFD, which no check
/// accepts.
fn header(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers
        .get(name)
        .map(|value| std::str::from_utf8(value.as_bytes()).unwrap_or("\u{fffd}"))
}

/// Whether a comma-separated header lists `token` (case-insensitively), on any of its lines.
fn header_has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn subprotocols(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
}

fn method_not_allowed(method: &Method, path: &str) -> ApiError {
    ApiError::new(
        ApiStatus::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {path}"),
    )
}

type Refusal = (ApiError, &'static str);

/// Everything an upgrade request must satisfy, in the order a client should hear about it.
fn check_upgrade(
    request: &Request<Incoming>,
    gateway: &Gateway,
) -> Result<(SessionRequest, String), Refusal> {
    let bad = |error: ApiError| (error, "bad_request");
    let path = request.uri().path();
    if request.method() != Method::GET {
        return Err(bad(method_not_allowed(request.method(), path)));
    }
    let headers = request.headers();
    let client_id = &path[WS_PATH.len()..];
    let valid_id = !client_id.is_empty()
        && client_id.len() <= 128
        && client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    if !valid_id {
        return Err(bad(ApiError::bad_request(
            "invalid_client_id",
            "the client id is 1 to 128 letters, digits, '-', '_', '.' or '~'",
        )));
    }
    let key = header(headers, header::SEC_WEBSOCKET_KEY);
    let upgrade = header_has_token(headers, header::UPGRADE, "websocket")
        && header_has_token(headers, header::CONNECTION, "upgrade")
        && header(headers, header::SEC_WEBSOCKET_VERSION) == Some("13");
    let Some(key) = key.filter(|_| upgrade) else {
        return Err(bad(ApiError::new(
            ApiStatus::UPGRADE_REQUIRED,
            "websocket_upgrade_required",
            "this route is a WebSocket (version 13): send an upgrade request",
        )));
    };
    if let Some(origin) = header(headers, header::ORIGIN) {
        let host = header(headers, header::HOST);
        if !gateway.settings.allowed_origins.allows(origin, host) {
            let origin = origin.trim_end_matches('/');
            return Err((
                ApiError::new(
                    ApiStatus::FORBIDDEN,
                    "origin_not_allowed",
                    format!("origin {origin} is not allowed"),
                ),
                "origin",
            ));
        }
    }
    let query = request.uri().query().unwrap_or("");
    let query: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let principal = authenticate(headers, param("token"), gateway)?;
    let subscription =
        Subscription::from_parts(param("person_id"), param("department"), param("camera_id"))
            .map_err(bad)?;
    let min_confidence = param("min_confidence")
        .map(|raw| {
            raw.trim().parse::<f64>().map_err(|_| {
                bad(ApiError::bad_request(
                    "invalid_min_confidence",
                    "min_confidence must be a number between 0 and 1",
                ))
            })
        })
        .transpose()?;
    let min_confidence = parse_min_confidence(min_confidence).map_err(bad)?;
    let last_seq = param("last_seq")
        .map(|raw| {
            raw.trim().parse::<u64>().map_err(|_| {
                bad(ApiError::bad_request(
                    "invalid_last_seq",
                    "last_seq must be the seq of an event received (a non-negative integer)",
                ))
            })
        })
        .transpose()?;
    if !gateway.position.is_caught_up() {
        return Err((
            ApiError::new(
                ApiStatus::SERVICE_UNAVAILABLE,
                "not_ready",
                "the gateway is still reading today's attendance; retry shortly",
            ),
            "not_ready",
        ));
    }
    Ok((
        SessionRequest {
            client_id: client_id.to_owned(),
            filter: Filter {
                subscription,
                min_confidence,
            },
            last_seq,
            subject: principal.subject,
            expires_at: principal.expires_at,
        },
        derive_accept_key(key.trim().as_bytes()),
    ))
}

/// The token from the `Authorization` header, the `token` query parameter or a
/// `bearer.<token>` subprotocol, in that order; it must carry `attendance:read`.
fn authenticate(
    headers: &HeaderMap,
    query_token: Option<&str>,
    gateway: &Gateway,
) -> Result<Principal, Refusal> {
    let unauthorized = |error: ApiError| (error, "unauthorized");
    let token = if let Some(header) = header(headers, header::AUTHORIZATION) {
        let (scheme, token) = header.split_once(' ').ok_or_else(|| {
            unauthorized(ApiError::unauthorized(
                "invalid_token",
                "the Authorization header must be 'Bearer <token>'",
            ))
        })?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(unauthorized(ApiError::unauthorized(
                "invalid_token",
                "the Authorization header must be 'Bearer <token>'",
            )));
        }
        token.trim().to_owned()
    } else if let Some(token) = query_token {
        token.trim().to_owned()
    } else if let Some(token) =
        subprotocols(headers).find_map(|p| p.strip_prefix(TOKEN_SUBPROTOCOL_PREFIX))
    {
        token.to_owned()
    } else {
        return Err(unauthorized(ApiError::unauthorized(
            "missing_token",
            "a token is required: Authorization: Bearer, ?token= or the bearer.<token> subprotocol",
        )));
    };
    let principal = gateway.keys.verify(&token).map_err(unauthorized)?;
    if !principal.has(AttendanceRead::NAME) {
        return Err((ApiError::forbidden(AttendanceRead::NAME), "forbidden"));
    }
    Ok(principal)
}

/// Whether a request has a body. hyper has already refused a malformed `Content-Length` and
/// dropped one sent beside `Transfer-Encoding` (so that pair is refused here as a
/// `Transfer-Encoding`); a `Content-Length: 0`, which some clients send on every request, is
/// no body.
fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get_all(header::CONTENT_LENGTH)
            .iter()
            .any(|length| {
                length
                    .to_str()
                    .ok()
                    .and_then(|l| l.trim().parse::<u64>().ok())
                    != Some(0)
            })
}

/// The response with `Connection: close`: hyper closes the connection once it is written,
/// without reading what the client sent after the request.
fn closing(mut response: Response<Body>) -> Response<Body> {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A refusal: the error envelope with the headers its status calls for.
fn refusal(error: &ApiError) -> Response<Body> {
    let status =
        StatusCode::from_u16(error.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = respond(status, "application/json", error.body_json());
    let headers = response.headers_mut();
    match status {
        StatusCode::UNAUTHORIZED => {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        StatusCode::UPGRADE_REQUIRED => {
            headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            headers.insert(
                header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            );
        }
        // Every route of the gateway is a GET (RFC 9110 requires the list on a 405).
        StatusCode::METHOD_NOT_ALLOWED => {
            headers.insert(header::ALLOW, HeaderValue::from_static("GET"));
        }
        _ => {}
    }
    response
}

fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
