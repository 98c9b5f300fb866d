//! The one listener's HTTP: each connection's request head is read and parsed (httparse),
//! then either answered (`/healthz`, `/readyz`, `/metrics`, refusals) or upgraded to a
//! WebSocket session.
//!
//! An upgrade is checked in full before the `101`: path and client id, origin, token and
//! permission, query, connection limit, readiness. A refusal is a plain HTTP response with the
//! error envelope every faceattend service uses (401 before 403, stable `code`), so a client
//! learns why; browsers, which hide the status of a failed upgrade, get the same check and
//! can read the reason from the gateway's logs and metrics.

use std::sync::Arc;

use actix_http::StatusCode;
use faceattend_service::ApiError;
use faceattend_service::auth::{AttendanceRead, Permission, Principal};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::protocol::{Filter, Subscription, parse_min_confidence};
use crate::session::{self, SessionRequest};
use crate::startup::Gateway;

/// The WebSocket route of the spec; the client id follows it.
pub const WS_PATH: &str = "/api/v1/attendance/ws/";
/// The subprotocol the gateway speaks; echoed when offered, as browsers require.
pub const SUBPROTOCOL: &str = "faceattend.v1";
/// A subprotocol `bearer.<token>` carries the token for browsers, which cannot set headers.
pub const TOKEN_SUBPROTOCOL_PREFIX: &str = "bearer.";

/// Longest request head accepted.
const MAX_HEAD_BYTES: usize = 8 * 1024;
const MAX_HEADERS: usize = 48;

/// A parsed request head.
#[derive(Debug)]
pub struct RequestHead {
    pub method: String,
    pub path: String,
    pub query: String,
    headers: Vec<(String, String)>,
}

impl RequestHead {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a comma-separated header lists `token` (case-insensitively).
    fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    fn subprotocols(&self) -> impl Iterator<Item = &str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("sec-websocket-protocol"))
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
    }
}

/// Reads the request head; returns it with any bytes read past it. `None` when the peer
/// closed or sent something that is not HTTP/1.1 (answered with 400 where possible).
async fn read_head(stream: &mut TcpStream) -> Option<(RequestHead, Vec<u8>)> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&buffer) {
            Ok(httparse::Status::Complete(length)) => {
                let target = request.path.unwrap_or("/");
                let (path, query) = target.split_once('?').unwrap_or((target, ""));
                let head = RequestHead {
                    method: request.method.unwrap_or("").to_owned(),
                    path: path.to_owned(),
                    query: query.to_owned(),
                    headers: request
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_owned(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect(),
                };
                return Some((head, buffer[length..].to_vec()));
            }
            Ok(httparse::Status::Partial) if buffer.len() < MAX_HEAD_BYTES => continue,
            Ok(httparse::Status::Partial) | Err(_) => {
                let error =
                    ApiError::bad_request("bad_request", "the request head is not valid HTTP/1.1");
                let _ = write_error(stream, &error).await;
                return None;
            }
        }
    }
}

/// Serves one accepted connection until it ends.
pub async fn serve(mut stream: TcpStream, gateway: Arc<Gateway>) {
    // Boxed, like the rarer paths of a session: the future of a connection is held as long
    // as the connection, so only the session's own state should be in it.
    let head = tokio::time::timeout(
        gateway.settings.handshake_timeout,
        Box::pin(read_head(&mut stream)),
    )
    .await;
    let Ok(Some((head, leftover))) = head else {
        return;
    };
    let outcome = match (head.method.as_str(), head.path.as_str()) {
        ("GET", "/healthz") => {
            write_response(
                &mut stream,
                StatusCode::OK,
                "application/json",
                br#"{"status":"ok"}"#,
            )
            .await
        }
        ("GET", "/readyz") => {
            let (ready, body) = Box::pin(gateway.readiness.report()).await;
            let status = if ready {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            write_response(
                &mut stream,
                status,
                "application/json",
                body.to_string().as_bytes(),
            )
            .await
        }
        ("GET", "/metrics") => match gateway.http_metrics.render() {
            Ok(text) => {
                write_response(
                    &mut stream,
                    StatusCode::OK,
                    "text/plain; version=0.0.4; charset=utf-8",
                    text.as_bytes(),
                )
                .await
            }
            Err(error) => write_error(&mut stream, &ApiError::internal(error)).await,
        },
        (_, path) if path.starts_with(WS_PATH) => {
            return upgrade(stream, head, leftover, gateway).await;
        }
        (method, path) => {
            let error =
                ApiError::not_found("route_not_found", format!("no route for {method} {path}"));
            write_error(&mut stream, &error).await
        }
    };
    if let Err(error) = outcome {
        tracing::debug!(%error, "cannot write an HTTP response");
    }
}

/// Checks an upgrade request and, if it may proceed, answers `101` and runs the session.
async fn upgrade(
    mut stream: TcpStream,
    head: RequestHead,
    leftover: Vec<u8>,
    gateway: Arc<Gateway>,
) {
    let checked = check_upgrade(&head, &gateway);
    let (request, accept_key) = match checked {
        Ok(accepted) => accepted,
        Err((error, outcome)) => {
            gateway.metrics.upgrades.with_label_values(&[outcome]).inc();
            tracing::info!(
                code = error.code,
                status = error.status.as_u16(),
                "WebSocket upgrade refused"
            );
            let _ = write_error(&mut stream, &error).await;
            return;
        }
    };
    let Some(permit) = gateway.hub.admit() else {
        gateway.metrics.upgrades.with_label_values(&["limit"]).inc();
        let error = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_connections",
            "the gateway holds as many connections as it may; retry on another replica or later",
        );
        let _ = write_error(&mut stream, &error).await;
        return;
    };
    let protocol = if head.subprotocols().any(|p| p == SUBPROTOCOL) {
        format!("Sec-WebSocket-Protocol: {SUBPROTOCOL}\r\n")
    } else {
        String::new()
    };
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept_key}\r\n{protocol}\r\n"
    );
    if stream.write_all(response.as_bytes()).await.is_err() {
        return;
    }
    gateway
        .metrics
        .upgrades
        .with_label_values(&["accepted"])
        .inc();
    let settings = &gateway.settings;
    let mut config = WebSocketConfig::default();
    config.read_buffer_size = settings.read_buffer_bytes;
    // Each message is written at once: nothing waits in a buffer for a quiet client.
    config.write_buffer_size = 0;
    config.max_write_buffer_size = settings.max_message_bytes.max(64 * 1024);
    config.max_message_size = Some(settings.max_message_bytes);
    config.max_frame_size = Some(settings.max_message_bytes);
    let _ = stream.set_nodelay(true);
    let ws =
        WebSocketStream::from_partially_read(stream, leftover, Role::Server, Some(config)).await;
    session::run(ws, request, gateway.clone(), permit).await;
}

type Refusal = (ApiError, &'static str);

/// Everything an upgrade request must satisfy, in the order a client should hear about it.
fn check_upgrade(
    head: &RequestHead,
    gateway: &Gateway,
) -> Result<(SessionRequest, String), Refusal> {
    let bad = |error: ApiError| (error, "bad_request");
    if head.method != "GET" {
        return Err(bad(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{} is not allowed on {}", head.method, head.path),
        )));
    }
    let client_id = &head.path[WS_PATH.len()..];
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
    let key = head.header("sec-websocket-key");
    let upgrade = head.header_has_token("upgrade", "websocket")
        && head.header_has_token("connection", "upgrade")
        && head.header("sec-websocket-version") == Some("13");
    let Some(key) = key.filter(|_| upgrade) else {
        return Err(bad(ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "websocket_upgrade_required",
            "this route is a WebSocket (version 13): send an upgrade request",
        )));
    };
    if let Some(origin) = head.header("origin") {
        let allowed = &gateway.settings.allowed_origins;
        let origin = origin.trim_end_matches('/');
        if !allowed.is_empty() && !allowed.iter().any(|a| a.eq_ignore_ascii_case(origin)) {
            return Err((
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "origin_not_allowed",
                    format!("origin {origin} is not allowed"),
                ),
                "origin",
            ));
        }
    }
    let query: Vec<(String, String)> = form_urlencoded::parse(head.query.as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let principal = authenticate(head, param("token"), gateway)?;
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
                StatusCode::SERVICE_UNAVAILABLE,
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
    head: &RequestHead,
    query_token: Option<&str>,
    gateway: &Gateway,
) -> Result<Principal, Refusal> {
    let unauthorized = |error: ApiError| (error, "unauthorized");
    let token = if let Some(header) = head.header("authorization") {
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
    } else if let Some(token) = head
        .subprotocols()
        .find_map(|p| p.strip_prefix(TOKEN_SUBPROTOCOL_PREFIX))
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

async fn write_error(stream: &mut TcpStream, error: &ApiError) -> std::io::Result<()> {
    let status = StatusCode::from_u16(error.status.as_u16()).unwrap_or(StatusCode::BAD_REQUEST);
    let extra = if status == StatusCode::UNAUTHORIZED {
        "WWW-Authenticate: Bearer\r\n"
    } else if status == StatusCode::UPGRADE_REQUIRED {
        "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
    } else {
        ""
    };
    write_with(
        stream,
        status,
        "application/json",
        extra,
        error.body_json().as_bytes(),
    )
    .await
}

async fn write_response(
    stream: &mut TcpStream,
    status: StatusCode,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    write_with(stream, status, content_type, "", body).await
}

async fn write_with(
    stream: &mut TcpStream,
    status: StatusCode,
    content_type: &str,
    extra_headers: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra_headers}Connection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.flush().await?;
    stream.shutdown().await
}
