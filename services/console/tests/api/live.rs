//! The live feed through the console: a signed-in page opens the WebSocket on the console's
//! origin and receives realtime-gateway's events; everyone else is refused before the
//! upgrade; the feed ends when the session does.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use chrono::Utc;
use console::operators::Role;
use faceattend_proto::attendance::v1 as wire;
use futures::{SinkExt, StreamExt};
use prost::Message as _;
use reqwest::Method;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

use crate::helpers::{Backend, Browser, Spawn, TestApp, spawn_app_with};

type Feed = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn with_gateway() -> TestApp {
    let mut options = Spawn::new(Backend::Sqlite);
    options.gateway = true;
    options.live_session_check = Duration::from_millis(200);
    spawn_app_with(options).await
}

impl TestApp {
    fn live_url(&self, query: &str) -> String {
        let base = self.address.replacen("http://", "ws://", 1);
        format!("{base}/api/v1/attendance/ws/console-test{query}")
    }

    /// Opens the live feed as the console's page does: the session cookie and the
    /// console's own origin (`origin: None` leaves it out).
    async fn open_live(
        &self,
        browser: Option<&Browser>,
        origin: Option<&str>,
        query: &str,
    ) -> Result<Feed, WsError> {
        let mut request = self
            .live_url(query)
            .into_client_request()
            .expect("a valid request");
        if let Some(browser) = browser {
            request.headers_mut().insert(
                "cookie",
                HeaderValue::from_str(&browser.cookie).expect("cookie"),
            );
        }
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", HeaderValue::from_str(origin).expect("origin"));
        }
        tokio_tungstenite::connect_async(request)
            .await
            .map(|(feed, _)| feed)
    }

    /// Publishes `attendance.v1.checked_in` for a person as attendance-worker would, and
    /// returns its stream sequence.
    async fn publish_check_in(&self, person_id: Uuid, name: &str) -> u64 {
        let bus = &self.bus;
        let now = Utc::now();
        let stamp = prost_types::Timestamp {
            seconds: now.timestamp(),
            nanos: 0,
        };
        let message = wire::CheckedIn {
            event_id: Uuid::new_v4().to_string(),
            occurred_at: Some(stamp),
            subject: Some(wire::Subject {
                attendance_id: Uuid::new_v4().to_string(),
                person_id: person_id.to_string(),
                person_name: name.to_owned(),
                department: Some("Engineering".to_owned()),
                attendance_date: now.date_naive().to_string(),
            }),
            check_in: Some(wire::Mark {
                at: Some(stamp),
                source: wire::MarkSource::Auto as i32,
                confidence: Some(0.93),
                detection_id: Some(Uuid::new_v4().to_string()),
                camera_id: Some("entrance".to_owned()),
            }),
            status: wire::AttendanceStatus::Present as i32,
        };
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", Uuid::new_v4().to_string().as_str());
        jetstream::new(bus.nats.clone())
            .publish_with_headers(
                format!("{}.attendance.v1.checked_in", bus.namespace),
                headers,
                message.encode_to_vec().into(),
            )
            .await
            .expect("publish")
            .await
            .expect("stored by JetStream")
            .sequence
    }
}

/// The next JSON message of `type` kind, skipping others (pings, status messages).
async fn next_of(feed: &mut Feed, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(deadline, feed.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} message within 10 s"))
            .unwrap_or_else(|| panic!("the feed ended before a {kind} message"))
            .expect("a message");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            if value["type"] == kind {
                return value;
            }
        }
    }
}

/// How the feed ended: its close code.
async fn close_code(feed: &mut Feed) -> u16 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, feed.next())
            .await
            .expect("the feed closes within 10 s")
        {
            Some(Ok(Message::Close(frame))) => {
                return frame.map_or(1005, |frame| u16::from(frame.code));
            }
            Some(Ok(_)) => continue,
            other => panic!("the feed ended without a close frame: {other:?}"),
        }
    }
}

fn refusal_status(error: WsError) -> u16 {
    match error {
        WsError::Http(response) => response.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_arrives_on_the_live_feed_and_a_reconnect_resumes_after_it() {
    let app = with_gateway().await;
    app.operator("viewer@example.com", Role::Viewer).await;
    let browser = app.sign_in("viewer@example.com").await;
    let origin = app.address.clone();

    let mut feed = app
        .open_live(Some(&browser), Some(&origin), "")
        .await
        .expect("the console opens the live feed");
    let established = next_of(&mut feed, "connection_established").await;
    assert_eq!(established["client_id"], "console-test");

    let ada = Uuid::new_v4();
    let first = app.publish_check_in(ada, "Ada Lovelace").await;
    let event = next_of(&mut feed, "attendance_event").await;
    assert_eq!(event["seq"], first);
    assert_eq!(event["person_id"], ada.to_string());
    assert_eq!(event["person_name"], "Ada Lovelace");

    // The page's own messages reach the gateway, and its answers come back.
    feed.send(Message::text(r#"{"type": "ping"}"#))
        .await
        .expect("sent");
    next_of(&mut feed, "pong").await;
    feed.close(None).await.ok();

    // Missed while away: the reconnect with last_seq gets exactly what came after.
    let grace = Uuid::new_v4();
    let second = app.publish_check_in(grace, "Grace Hopper").await;
    let mut feed = app
        .open_live(Some(&browser), Some(&origin), &format!("?last_seq={first}"))
        .await
        .expect("the console reopens the live feed");
    let resumed = next_of(&mut feed, "attendance_event").await;
    assert_eq!(resumed["seq"], second);
    assert_eq!(resumed["person_id"], grace.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_signed_in_page_of_the_console_may_open_the_feed() {
    let app = with_gateway().await;
    app.operator("viewer@example.com", Role::Viewer).await;
    let browser = app.sign_in("viewer@example.com").await;
    let origin = app.address.clone();

    // No session: 401 before any upgrade.
    let refused = app.open_live(None, Some(&origin), "").await.unwrap_err();
    assert_eq!(refusal_status(refused), 401);
    // Another site's page, with the operator's cookie (cross-site WebSocket hijacking).
    let refused = app
        .open_live(Some(&browser), Some("https://evil.example"), "")
        .await
        .unwrap_err();
    assert_eq!(refusal_status(refused), 403);
    // No Origin at all.
    let refused = app.open_live(Some(&browser), None, "").await.unwrap_err();
    assert_eq!(refusal_status(refused), 403);
    // The gateway's own refusal comes through as it is.
    let refused = app
        .open_live(Some(&browser), Some(&origin), "?last_seq=minus-one")
        .await
        .unwrap_err();
    assert_eq!(refusal_status(refused), 400);
    // A plain GET is told it is a WebSocket.
    let response = app
        .page_request(Method::GET, "/api/v1/attendance/ws/console-test", &browser)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 426);
    assert_eq!(
        crate::helpers::error_code(response).await,
        "websocket_upgrade_required"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_closes_the_feed_with_session_ended() {
    let app = with_gateway().await;
    app.operator("viewer@example.com", Role::Viewer).await;
    let browser = app.sign_in("viewer@example.com").await;
    let mut feed = app
        .open_live(Some(&browser), Some(&app.address.clone()), "")
        .await
        .expect("opened");
    next_of(&mut feed, "connection_established").await;

    let response = app
        .page_request(Method::DELETE, "/console/api/v1/session", &browser)
        .send()
        .await
        .expect("signed out");
    assert!(response.status().is_success());
    assert_eq!(close_code(&mut feed).await, console::live::SESSION_ENDED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_is_down_is_a_503() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    app.operator("viewer@example.com", Role::Viewer).await;
    let browser = app.sign_in("viewer@example.com").await;
    let refused = app
        .open_live(Some(&browser), Some(&app.address.clone()), "")
        .await
        .unwrap_err();
    assert_eq!(refusal_status(refused), 503);
}
