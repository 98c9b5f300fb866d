//! The live feed: the browser's WebSocket `/api/v1/attendance/ws/{client_id}` relayed to
//! realtime-gateway for the signed-in operator.
//!
//! Before anything is upgraded, the console checks the session (401 as for any request) and
//! the handshake's origin ([`csrf::check_upgrade`]), then opens the gateway's WebSocket
//! itself with a token minted for the operator. Only once the gateway has accepted does the
//! browser get its 101: a gateway that refuses (a bad `last_seq`, 503 `not_ready`) gives the
//! browser the gateway's own HTTP answer, and one that cannot be reached gives the console's
//! 503, so the page can tell "retry later" from "this will never work".
//!
//! After the upgrade, messages are relayed as they are, both ways, close codes included (the
//! gateway's 1008 for a slow client, 1001 when it restarts). The console adds two closes of
//! its own:
//! - 4401 `session_ended` when the operator's session ends (sign-out, revocation, expiry, a
//!   disabled account): the session is looked at again every `session_check`, without that
//!   counting as activity, so an open Today page does not defeat the idle timeout;
//! - 1001 when the console shuts down.
//!
//! The gateway's token lasts until the session's absolute end, not a minute as for a
//! forwarded request: the connection is long-lived, and the console's own checks are what
//! ends it first.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use chrono::Utc;
use faceattend_service::ApiError;
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;

use crate::csrf;
use crate::error::ConsoleError;
use crate::state::{ConsoleState, session_in_force, signed_in};

/// The close code the console ends a live feed with when the operator's session has ended:
/// the page stops reconnecting and shows the sign-in page.
pub const SESSION_ENDED: u16 = 4401;

/// Largest message relayed either way. The gateway's events are a few hundred bytes and a
/// browser sends only small control messages (subscribe, ping).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// How the console keeps a live feed: how often it looks at the session again.
#[derive(Debug, Clone, Copy)]
pub struct LiveFeedSettings {
    pub session_check: Duration,
}

/// Mounts the live feed's route; it must come before the attendance proxy's catch-all.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/attendance/ws/{client_id}").route(web::get().to(open)));
}

/// Opens a live feed for the signed-in operator.
async fn open(
    request: HttpRequest,
    body: web::Payload,
    state: web::Data<ConsoleState>,
) -> Result<HttpResponse, ConsoleError> {
    let signed = signed_in(&state, &request).await?;
    if !is_websocket_upgrade(&request) {
        return Err(ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "websocket_upgrade_required",
            "this address is a WebSocket: open it with an upgrade request",
        )
        .into());
    }
    csrf::check_upgrade(&request, &state.origins)?;

    let now = Utc::now();
    let until_end = (state.lifetime.absolute_end(signed.signed_in_at) - now)
        .to_std()
        .unwrap_or_default()
        .max(Duration::from_secs(1));
    let token = state.keys.mint(
        &signed.operator.id.to_string(),
        &signed.operator.role.permissions_for("GET", request.path()),
        until_end,
    )?;
    let upstream = connect_gateway(&state, &request, &token).await?;
    let upstream = match upstream {
        Ok(stream) => stream,
        Err(refusal) => return Ok(refusal),
    };

    let (response, session, messages) = actix_ws::handle(&request, body)
        .map_err(|e| ApiError::bad_request("invalid_websocket_handshake", e.to_string()))?;
    let messages = messages
        .max_frame_size(MAX_MESSAGE_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_MESSAGE_BYTES);
    tracing::info!(
        operator = %signed.operator.id,
        path = request.path(),
        "live feed opened"
    );
    // actix-ws's message stream is tied to this worker's thread.
    let shutdown = state.shutdown.clone();
    actix_web::rt::spawn(relay(
        state.into_inner(),
        signed.session,
        upstream,
        session,
        messages,
        shutdown,
    ));
    Ok(response)
}

fn is_websocket_upgrade(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(actix_web::http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

type GatewayStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The gateway's WebSocket for this request's path and query, or the answer the browser gets
/// instead: the gateway's own refusal, passed on as it is.
async fn connect_gateway(
    state: &ConsoleState,
    request: &HttpRequest,
    token: &str,
) -> Result<Result<GatewayStream, HttpResponse>, ConsoleError> {
    let unavailable = |reason: String| ConsoleError::UpstreamUnavailable {
        service: "realtime-gateway",
        reason,
    };
    let base = &state.upstream.urls().realtime_gateway;
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.clone()
    };
    let url = match request.uri().query() {
        Some(query) => format!("{base}{}?{query}", request.path()),
        None => format!("{base}{}", request.path()),
    };
    let mut upstream_request = url
        .into_client_request()
        .map_err(|e| ApiError::bad_request("invalid_websocket_address", e.to_string()))?;
    let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|e| unavailable(format!("unusable token: {e}")))?;
    upstream_request
        .headers_mut()
        .insert("authorization", bearer);
    // No `Origin`: the console is a server-side client of the gateway, not a page (the
    // browser's origin was checked above), and the gateway admits clients without one.
    for name in ["traceparent", "tracestate", "x-request-id"] {
        if let Some(value) = request.headers().get(name)
            && let Ok(value) = HeaderValue::from_bytes(value.as_bytes())
        {
            upstream_request.headers_mut().insert(name, value);
        }
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    let connecting =
        tokio_tungstenite::connect_async_with_config(upstream_request, Some(config), false);
    let timeout = state.upstream.urls().connect_timeout + state.upstream.urls().connect_timeout;
    match tokio::time::timeout(timeout, connecting).await {
        Err(_) => Err(unavailable(format!(
            "no WebSocket handshake within {} ms",
            timeout.as_millis()
        ))),
        Ok(Ok((stream, _))) => Ok(Ok(stream)),
        Ok(Err(tungstenite::Error::Http(refusal))) => {
            let status =
                StatusCode::from_u16(refusal.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
                return Err(unavailable(format!("the handshake answered {status}")));
            }
            let mut answer = HttpResponse::build(status);
            if let Some(kind) = refusal.headers().get("content-type") {
                answer.insert_header(("content-type", kind.as_bytes()));
            }
            if let Some(retry) = refusal.headers().get("retry-after") {
                answer.insert_header(("retry-after", retry.as_bytes()));
            }
            Ok(Err(answer.body(refusal.into_body().unwrap_or_default())))
        }
        Ok(Err(error)) => Err(unavailable(error.to_string())),
    }
}

/// Why a relay ended, and the close the side still open is sent.
struct Ending {
    to_browser: Option<CloseReason>,
    to_gateway: Option<CloseFrame>,
    why: &'static str,
}

impl Ending {
    fn both(code: u16, reason: &str, why: &'static str) -> Self {
        Self {
            to_browser: Some(CloseReason {
                code: CloseCode::from(code),
                description: Some(reason.to_owned()),
            }),
            to_gateway: Some(CloseFrame {
                code: code_or_normal(code).into(),
                reason: reason.to_owned().into(),
            }),
            why,
        }
    }
}

/// Codes an endpoint may send (RFC 6455 section 7.4): the console's own 4401 is for the
/// browser; the gateway is told 1000.
fn code_or_normal(code: u16) -> u16 {
    match code {
        1000..=1003 | 1007..=1014 => code,
        _ => 1000,
    }
}

/// Relays messages until either side closes, the session ends or the console stops.
async fn relay(
    state: std::sync::Arc<ConsoleState>,
    session_id: String,
    gateway: GatewayStream,
    mut browser: actix_ws::Session,
    mut from_browser: actix_ws::AggregatedMessageStream,
    shutdown: CancellationToken,
) {
    let (mut to_gateway, mut from_gateway) = gateway.split();
    let mut session_check = tokio::time::interval(state.live.session_check);
    session_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    session_check.tick().await;
    let ending = loop {
        tokio::select! {
            message = from_gateway.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    if browser.text(text.as_str().to_owned()).await.is_err() {
                        break Ending { to_browser: None, to_gateway: Some(normal_close()), why: "browser gone" };
                    }
                }
                Some(Ok(Message::Binary(bytes))) => {
                    if browser.binary(bytes).await.is_err() {
                        break Ending { to_browser: None, to_gateway: Some(normal_close()), why: "browser gone" };
                    }
                }
                // tungstenite answers the gateway's pings itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(frame))) => {
                    let to_browser = frame.map(|frame| CloseReason {
                        code: CloseCode::from(u16::from(frame.code)),
                        description: Some(frame.reason.as_str().to_owned()),
                    });
                    break Ending { to_browser, to_gateway: None, why: "gateway closed" };
                }
                Some(Err(_)) | None => {
                    break Ending {
                        to_browser: Some(CloseReason {
                            code: CloseCode::Away,
                            description: Some("the live feed's service went away; reconnect".to_owned()),
                        }),
                        to_gateway: None,
                        why: "gateway connection lost",
                    };
                }
            },
            message = from_browser.next() => match message {
                Some(Ok(AggregatedMessage::Text(text))) => {
                    if to_gateway.send(Message::text(text.to_string())).await.is_err() {
                        break gateway_lost();
                    }
                }
                Some(Ok(AggregatedMessage::Binary(bytes))) => {
                    if to_gateway.send(Message::binary(bytes)).await.is_err() {
                        break gateway_lost();
                    }
                }
                Some(Ok(AggregatedMessage::Ping(bytes))) => {
                    if browser.pong(&bytes).await.is_err() {
                        break Ending { to_browser: None, to_gateway: Some(normal_close()), why: "browser gone" };
                    }
                }
                Some(Ok(AggregatedMessage::Pong(_))) => {}
                Some(Ok(AggregatedMessage::Close(reason))) => {
                    let to_gateway = reason.map(|reason| CloseFrame {
                        code: code_or_normal(u16::from(reason.code)).into(),
                        reason: reason.description.unwrap_or_default().into(),
                    });
                    break Ending { to_browser: None, to_gateway: to_gateway.or_else(|| Some(normal_close())), why: "browser closed" };
                }
                Some(Err(error)) => {
                    break match error {
                        actix_ws::ProtocolError::Overflow => {
                            Ending::both(1009, "message too large", "browser sent too much")
                        }
                        // The page was closed or the network dropped without a close frame.
                        actix_ws::ProtocolError::Io(_) => Ending {
                            to_browser: None,
                            to_gateway: Some(normal_close()),
                            why: "browser gone",
                        },
                        _ => Ending::both(1002, "protocol error", "browser protocol error"),
                    };
                }
                None => break Ending { to_browser: None, to_gateway: Some(normal_close()), why: "browser gone" },
            },
            _ = session_check.tick() => {
                match session_in_force(&state, session_id.clone()).await {
                    Ok(_) => {}
                    Err(ConsoleError::SessionEnded | ConsoleError::NotSignedIn) => {
                        break Ending::both(SESSION_ENDED, "session_ended", "session ended");
                    }
                    // The database is unreachable for a moment: keep the feed, ask again later.
                    Err(error) => tracing::warn!(%error, "live feed: could not check the session"),
                }
            }
            _ = shutdown.cancelled() => {
                break Ending::both(1001, "the console is restarting; reconnect", "console stopping");
            }
        }
    };
    tracing::info!(why = ending.why, "live feed closed");
    if let Some(frame) = ending.to_gateway {
        let _ = to_gateway.send(Message::Close(Some(frame))).await;
    }
    let _ = to_gateway.close().await;
    let _ = browser.close(ending.to_browser).await;
}

fn normal_close() -> CloseFrame {
    CloseFrame {
        code: 1000.into(),
        reason: "".into(),
    }
}

fn gateway_lost() -> Ending {
    Ending {
        to_browser: Some(CloseReason {
            code: CloseCode::Away,
            description: Some("the live feed's service went away; reconnect".to_owned()),
        }),
        to_gateway: None,
        why: "gateway connection lost",
    }
}
