//! `TestApp`: a real realtime-gateway in its own bus namespace on the NATS server named by
//! `TEST_NATS_URL`, with helpers that publish what attendance-worker and attendance-api
//! publish on `attendance.v1.*`, and `WsClient`, a tokio-tungstenite client that reads the
//! gateway's JSON messages. The namespace's streams are deleted when the app is dropped.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use faceattend_domain::attendance::SiteZone;
use faceattend_proto::attendance::v1 as wire;
use faceattend_service::auth::{AuthConfig, Claims, JwtKeys};
use faceattend_service::config::LogFormat;
use futures::{SinkExt, StreamExt};
use prost::Message as _;
use realtime_gateway::config::{AllowedOrigins, Settings};
use realtime_gateway::startup::Application;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub fn test_nats_url() -> String {
    std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

pub fn keys() -> JwtKeys {
    faceattend_service::auth::testing::keys()
}

fn auth_config() -> AuthConfig {
    faceattend_service::auth::testing::verifier()
}

/// A token with exactly these permissions.
pub fn token(permissions: &[&str]) -> String {
    let permissions: Vec<String> = permissions.iter().map(|p| (*p).to_owned()).collect();
    keys()
        .mint("tester", &permissions, Duration::from_secs(600))
        .expect("mint a token")
}

pub fn expired_token() -> String {
    token_expiring_in(-3600)
}

/// An `attendance:read` token whose `exp` is `seconds` from now (negative: in the past).
pub fn token_expiring_in(seconds: i64) -> String {
    let now = Utc::now().timestamp();
    keys()
        .sign(&Claims {
            sub: "tester".into(),
            iss: "faceattend".into(),
            aud: "faceattend".into(),
            iat: now - 7200,
            exp: now + seconds,
            perms: vec!["attendance:read".into()],
        })
        .expect("sign")
}

pub fn settings(namespace: &str) -> Settings {
    Settings {
        bind_address: "127.0.0.1:0".to_owned(),
        auth: auth_config(),
        nats_url: test_nats_url(),
        bus_namespace: namespace.to_owned(),
        site_zone: SiteZone::default(),
        allowed_origins: AllowedOrigins::Listed(Vec::new()),
        max_connections: 100,
        max_message_bytes: 4096,
        client_queue: 64,
        ping_interval: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(90),
        send_timeout: Duration::from_secs(10),
        handshake_timeout: Duration::from_secs(5),
        resume_limit: 1000,
        resume_buffer: 1000,
        read_buffer_bytes: 1024,
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    }
}

pub struct TestApp {
    pub port: u16,
    pub namespace: String,
    pub nats: async_nats::Client,
    pub settings: Settings,
    shutdown: CancellationToken,
    stopped: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A gateway whose settings `adjust` changes first (limits, timeouts, origins).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    faceattend_service::telemetry::init_for_tests();
    let namespace = format!("t{}", &Uuid::new_v4().simple().to_string()[..16]);
    let mut settings = settings(&namespace);
    adjust(&mut settings);
    let (port, shutdown, stopped) = start(settings.clone()).await;
    let nats = async_nats::connect(test_nats_url())
        .await
        .expect("test NATS reachable");
    let app = TestApp {
        port,
        namespace,
        nats,
        settings,
        shutdown,
        stopped,
    };
    app.wait_ready().await;
    app
}

type Started = (
    u16,
    CancellationToken,
    Option<tokio::task::JoinHandle<std::io::Result<()>>>,
);

async fn start(settings: Settings) -> Started {
    let application = Application::build(settings)
        .await
        .expect("realtime-gateway starts");
    let port = application.port();
    let shutdown = application.shutdown_token();
    (
        port,
        shutdown,
        Some(tokio::spawn(application.run_until_stopped())),
    )
}

/// An attendance event to publish; the builders fill what the workers would.
pub struct Event {
    pub person_id: Uuid,
    pub person_name: String,
    pub department: Option<String>,
    pub date: String,
}

impl Event {
    pub fn of(person_id: Uuid) -> Self {
        Self {
            person_id,
            person_name: "John Doe".to_owned(),
            department: Some("Engineering".to_owned()),
            date: Utc::now().date_naive().to_string(),
        }
    }

    pub fn in_department(mut self, department: &str) -> Self {
        self.department = Some(department.to_owned());
        self
    }

    pub fn named(mut self, name: &str) -> Self {
        self.person_name = name.to_owned();
        self
    }

    fn subject(&self) -> wire::Subject {
        wire::Subject {
            attendance_id: Uuid::new_v5(&self.person_id, self.date.as_bytes()).to_string(),
            person_id: self.person_id.to_string(),
            person_name: self.person_name.clone(),
            department: self.department.clone(),
            attendance_date: self.date.clone(),
        }
    }
}

pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

fn mark(at: DateTime<Utc>, confidence: Option<f32>, camera: &str) -> wire::Mark {
    wire::Mark {
        at: Some(timestamp(at)),
        source: if confidence.is_some() {
            wire::MarkSource::Auto as i32
        } else {
            wire::MarkSource::Manual as i32
        },
        confidence,
        detection_id: confidence.map(|_| Uuid::new_v4().to_string()),
        camera_id: confidence.map(|_| camera.to_owned()),
    }
}

impl TestApp {
    pub fn subject(&self, relative: &str) -> String {
        format!("{}.{relative}", self.namespace)
    }

    /// Publishes raw bytes on `attendance.v1.<kind>` and returns the stream sequence.
    pub async fn publish_raw(&self, kind: &str, payload: Vec<u8>) -> u64 {
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", Uuid::new_v4().to_string().as_str());
        jetstream::new(self.nats.clone())
            .publish_with_headers(
                self.subject(&format!("attendance.v1.{kind}")),
                headers,
                Bytes::from(payload),
            )
            .await
            .expect("publish")
            .await
            .expect("stored by JetStream")
            .sequence
    }

    /// `attendance.v1.checked_in` at `at`, seen by `camera` with `confidence` (`None`: a
    /// manual entry).
    pub async fn checked_in(
        &self,
        event: &Event,
        at: DateTime<Utc>,
        confidence: Option<f32>,
        camera: &str,
    ) -> u64 {
        let message = wire::CheckedIn {
            event_id: Uuid::new_v4().to_string(),
            occurred_at: Some(timestamp(Utc::now())),
            subject: Some(event.subject()),
            check_in: Some(mark(at, confidence, camera)),
            status: wire::AttendanceStatus::Present as i32,
        };
        self.publish_raw("checked_in", message.encode_to_vec())
            .await
    }

    pub async fn checked_out(
        &self,
        event: &Event,
        check_in: DateTime<Utc>,
        at: DateTime<Utc>,
        confidence: Option<f32>,
        camera: &str,
    ) -> u64 {
        let message = wire::CheckedOut {
            event_id: Uuid::new_v4().to_string(),
            occurred_at: Some(timestamp(Utc::now())),
            subject: Some(event.subject()),
            check_out: Some(mark(at, confidence, camera)),
            check_in: Some(mark(check_in, confidence, camera)),
            duration_minutes: Some(u32::try_from((at - check_in).num_minutes()).unwrap_or(0)),
            status: wire::AttendanceStatus::Present as i32,
        };
        self.publish_raw("checked_out", message.encode_to_vec())
            .await
    }

    pub async fn status_changed(&self, event: &Event, current: wire::AttendanceStatus) -> u64 {
        let message = wire::StatusChanged {
            event_id: Uuid::new_v4().to_string(),
            occurred_at: Some(timestamp(Utc::now())),
            subject: Some(event.subject()),
            previous: wire::AttendanceStatus::Present as i32,
            current: current as i32,
            evidence_detection_id: None,
            actor: Some("admin".to_owned()),
        };
        self.publish_raw("status_changed", message.encode_to_vec())
            .await
    }

    pub async fn review_required(&self, event: &Event, confidence: f32, camera: &str) -> u64 {
        let message = wire::ReviewRequired {
            event_id: Uuid::new_v4().to_string(),
            occurred_at: Some(timestamp(Utc::now())),
            subject: Some(event.subject()),
            review_item_id: Uuid::new_v4().to_string(),
            detection_id: Uuid::new_v4().to_string(),
            camera_id: camera.to_owned(),
            at: Some(timestamp(Utc::now())),
            confidence,
            reason: "low_confidence".to_owned(),
        };
        self.publish_raw("review_required", message.encode_to_vec())
            .await
    }

    pub fn ws_url(&self, client_id: &str, query: &str) -> String {
        format!(
            "ws://127.0.0.1:{}/api/v1/attendance/ws/{client_id}?{query}",
            self.port
        )
    }

    /// Connects with a reading token in the `Authorization` header.
    pub async fn connect(&self, query: &str) -> WsClient {
        self.connect_with(
            query,
            &[(
                "Authorization",
                format!("Bearer {}", token(&["attendance:read"])),
            )],
        )
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"))
    }

    /// Connects with these extra request headers.
    pub async fn connect_with(
        &self,
        query: &str,
        headers: &[(&str, String)],
    ) -> Result<WsClient, WsError> {
        Self::connect_port(self.port, query, headers).await
    }

    /// Connects to the gateway on `port` (a replica) with a reading token.
    pub async fn connect_to(port: u16, query: &str) -> WsClient {
        let authorization = format!("Bearer {}", token(&["attendance:read"]));
        Self::connect_port(port, query, &[("Authorization", authorization)])
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"))
    }

    async fn connect_port(
        port: u16,
        query: &str,
        headers: &[(&str, String)],
    ) -> Result<WsClient, WsError> {
        let mut request = format!("ws://127.0.0.1:{port}/api/v1/attendance/ws/client123?{query}")
            .into_client_request()
            .expect("a valid request");
        for (name, value) in headers {
            request.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                    .expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        let (ws, response) = tokio_tungstenite::connect_async(request).await?;
        Ok(WsClient {
            ws,
            protocol: response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        })
    }

    /// Connects and returns the HTTP refusal: status and envelope.
    pub async fn refused(&self, url: &str, headers: &[(&str, String)]) -> (u16, Value) {
        let mut request = url.into_client_request().expect("a valid request");
        for (name, value) in headers {
            request.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                    .expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        match tokio_tungstenite::connect_async(request).await {
            Err(WsError::Http(response)) => {
                let body = response.body().clone().unwrap_or_default();
                (
                    response.status().as_u16(),
                    serde_json::from_slice(&body).unwrap_or(Value::Null),
                )
            }
            Err(other) => panic!("expected an HTTP refusal, got {other}"),
            Ok(_) => panic!("expected a refusal, the upgrade succeeded"),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(format!("http://127.0.0.1:{}{path}", self.port))
            .await
            .expect("GET")
    }

    /// The value of a metric line starting with `prefix` (name and labels), 0 when absent.
    pub async fn metric(&self, prefix: &str) -> f64 {
        self.get("/metrics")
            .await
            .text()
            .await
            .expect("metrics body")
            .lines()
            .find(|line| line.starts_with(prefix))
            .and_then(|line| line.rsplit_once(' '))
            .and_then(|(_, value)| value.trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// Waits until the gateway has relayed `count` events from the stream.
    pub async fn wait_relayed(&self, count: u64) {
        for _ in 0..200 {
            if self
                .metric("gateway_events_total{outcome=\"relayed\"")
                .await
                >= count as f64
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the gateway never relayed {count} events");
    }

    pub async fn wait_ready(&self) {
        wait_ready(self.port).await
    }

    /// Stops the gateway as SIGTERM would; true when it stopped cleanly.
    pub async fn stop(&mut self) -> bool {
        self.shutdown.cancel();
        match self.stopped.take() {
            Some(handle) => matches!(
                tokio::time::timeout(Duration::from_secs(15), handle).await,
                Ok(Ok(Ok(())))
            ),
            None => true,
        }
    }

    /// Stops the gateway and starts a new one on the same namespace (a redeploy).
    pub async fn restart(&mut self) {
        assert!(self.stop().await, "the gateway stops cleanly");
        let (port, shutdown, stopped) = start(self.settings.clone()).await;
        self.port = port;
        self.shutdown = shutdown;
        self.stopped = stopped;
        self.wait_ready().await;
    }

    /// A second replica on the same namespace; it stops with the returned token.
    pub async fn replica(&self) -> (u16, CancellationToken) {
        let (port, shutdown, _) = start(self.settings.clone()).await;
        wait_ready(port).await;
        (port, shutdown)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        faceattend_bus::testing::delete_namespace_streams(&self.nats, &self.namespace);
    }
}

async fn wait_ready(port: u16) {
    for _ in 0..200 {
        if let Ok(response) = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await
            && response.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("realtime-gateway never became ready");
}

/// A WebSocket client of the gateway.
pub struct WsClient {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The subprotocol the gateway chose.
    pub protocol: Option<String>,
}

impl WsClient {
    /// The next JSON message, within 5 s.
    pub async fn next_json(&mut self) -> Value {
        self.try_next_json(Duration::from_secs(5))
            .await
            .expect("a message within 5 s")
    }

    /// The next JSON message within `wait`, `None` if nothing came (a close frame or a
    /// non-text message panics).
    pub async fn try_next_json(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(wait, self.ws.next()).await.ok()?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return Some(serde_json::from_str(&text).expect("JSON"));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a text message, got {other:?}"),
            }
        }
    }

    /// The next message of type `kind`, skipping keep-alive pings.
    pub async fn expect(&mut self, kind: &str) -> Value {
        loop {
            let message = self.next_json().await;
            if message["type"] == "ping" && kind != "ping" {
                continue;
            }
            assert_eq!(message["type"], kind, "{message}");
            return message;
        }
    }

    /// Asserts nothing but pings arrives for `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        while let Some(left) = deadline.checked_duration_since(tokio::time::Instant::now()) {
            match self.try_next_json(left).await {
                Some(message) if message["type"] == "ping" => continue,
                Some(message) => panic!("expected nothing, got {message}"),
                None => return,
            }
        }
    }

    pub async fn send_json(&mut self, value: Value) {
        self.ws
            .send(Message::Text(value.to_string().into()))
            .await
            .expect("send");
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws
            .send(Message::Text(text.to_owned().into()))
            .await
            .expect("send");
    }

    /// Reads until the gateway closes; returns its close frame (skipping other messages).
    pub async fn expect_close(&mut self) -> CloseFrame {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(15), self.ws.next())
                .await
                .expect("a close within 15 s");
            match frame {
                Some(Ok(Message::Close(Some(frame)))) => return frame,
                Some(Ok(Message::Close(None))) | None => panic!("closed without a frame"),
                Some(Ok(_)) => continue,
                Some(Err(error)) => panic!("connection failed before a close frame: {error}"),
            }
        }
    }
}
