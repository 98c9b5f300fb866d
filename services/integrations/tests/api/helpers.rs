//! `TestApp`: a real integrations service on a random port, with its own database and NATS
//! namespace, and a webhook receiver of the test's own that checks each request's Standard
//! Webhooks signature and answers as a test scripts it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use async_nats::HeaderMap;
use async_nats::jetstream;
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use faceattend_database::testing::TestDatabase;
use faceattend_proto::attendance::v1 as wire;
use faceattend_proto::persons::v1 as persons;
use faceattend_service::auth::JwtKeys;
use faceattend_service::config::LogFormat;
use hmac::{Hmac, Mac};
use integrations::config::{DispatcherSettings, Settings};
use integrations::startup::Application;
use prost::Message as _;
use reqwest::Response;
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub use faceattend_database::testing::Backend;

/// One `#[tokio::test]` per backend for each listed `async fn name(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )+
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )+
        }
    };
}

pub fn test_nats_url() -> String {
    std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

/// The retry schedule of the tests: Standard Webhooks' shape, in milliseconds.
pub const TEST_SCHEDULE: [Duration; 3] = [
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
];

pub struct TestApp {
    pub address: String,
    pub namespace: String,
    pub nats: async_nats::Client,
    pub client: reqwest::Client,
    pub keys: JwtKeys,
    pub receiver: Receiver,
    stopped: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    shutdown: CancellationToken,
    /// The app's settings, for a second replica on the same database and namespace.
    replica_settings: Settings,
    _database: TestDatabase,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// An app whose settings `adjust` changes first.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    faceattend_service::telemetry::init_for_tests();
    let database = TestDatabase::create(backend, "test_integrations").await;
    let namespace = format!("t{}", &Uuid::new_v4().simple().to_string()[..16]);
    let mut settings = Settings {
        database_url: SecretString::from(database.url().to_owned()),
        database_max_connections: 5,
        nats_url: test_nats_url(),
        bus_namespace: namespace.clone(),
        bind_address: "127.0.0.1:0".to_owned(),
        auth: faceattend_service::auth::testing::verifier(),
        attendance_consumer: "integrations".to_owned(),
        persons_consumer: "integrations-persons".to_owned(),
        max_deliver: 3,
        ack_wait: Duration::from_secs(5),
        dispatcher: DispatcherSettings {
            workers: 3,
            retry_schedule: TEST_SCHEDULE.to_vec(),
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_millis(50),
            request_timeout: Duration::from_secs(5),
            ..DispatcherSettings::default()
        },
        max_body_bytes: 64 * 1024,
        http_workers: 1,
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    };
    adjust(&mut settings);
    let replica_settings = settings.clone();
    let application = Application::build(settings)
        .await
        .expect("integrations starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.shutdown_token();
    let stopped = Some(tokio::spawn(application.run_until_stopped()));
    TestApp {
        address,
        namespace,
        nats: async_nats::connect(test_nats_url())
            .await
            .expect("test NATS reachable"),
        client: reqwest::Client::new(),
        keys: faceattend_service::auth::testing::keys(),
        receiver: Receiver::start().await,
        stopped,
        shutdown,
        replica_settings,
        _database: database,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        faceattend_bus::testing::delete_namespace_streams(&self.nats, &self.namespace);
    }
}

impl TestApp {
    /// A second replica of the service on the same database and NATS namespace (sharing
    /// its durable consumers); it stops when the returned token is cancelled or dropped.
    pub async fn spawn_replica(&self) -> tokio_util::sync::DropGuard {
        let application = Application::build(self.replica_settings.clone())
            .await
            .expect("the replica starts");
        let shutdown = application.shutdown_token();
        tokio::spawn(application.run_until_stopped());
        shutdown.drop_guard()
    }

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

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn token(&self, permissions: &[&str]) -> String {
        let permissions: Vec<String> = permissions.iter().map(|p| p.to_string()).collect();
        self.keys
            .mint("test", &permissions, Duration::from_secs(600))
            .expect("token")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(self.token(&["attendance:read"]))
            .send()
            .await
            .expect("request sent")
    }

    /// GET expecting 200; the envelope's `data` (and `meta`).
    pub async fn get_ok(&self, path: &str) -> Value {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("json body");
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// POST with an admin's token; `None` sends no body.
    pub async fn post(&self, path: &str, body: Option<Value>) -> Response {
        let request = self
            .client
            .post(self.url(path))
            .bearer_auth(self.token(&["attendance:read", "attendance:write"]));
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        request.send().await.expect("request sent")
    }

    /// Creates a webhook destination to the test's receiver (it listens on loopback, so
    /// private addresses are allowed); `extra` overrides fields. Returns (id, secret).
    pub async fn create_webhook(&self, name: &str, extra: Value) -> (Uuid, String) {
        let mut body = json!({
            "name": name,
            "kind": "webhook",
            "config": {"url": self.receiver.url()},
            "allow_private": true,
            "event_types": ["check_in", "check_out", "correction", "absence"],
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                body.insert(k.clone(), v.clone());
            }
        }
        let response = self.post("/api/v1/destinations", Some(body)).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, 201, "{body}");
        let id = body["data"]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("id");
        let secret = body["data"]["secret"].as_str().expect("secret").to_owned();
        (id, secret)
    }

    fn subject(&self, relative: &str) -> String {
        format!("{}.{relative}", self.namespace)
    }

    pub async fn publish(&self, relative: &str, payload: Vec<u8>) {
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", Uuid::new_v4().to_string().as_str());
        jetstream::new(self.nats.clone())
            .publish_with_headers(self.subject(relative), headers, Bytes::from(payload))
            .await
            .expect("publish")
            .await
            .expect("stored by JetStream");
    }

    /// Publishes a check-in (or, with `out`, a check-out) of `mark.person` as
    /// attendance-worker would; returns the event id.
    pub async fn publish_mark(&self, mark: &Mark) -> Uuid {
        let event_id = mark.event_id.unwrap_or_else(Uuid::new_v4);
        let subject = wire::Subject {
            attendance_id: mark.attendance_id.to_string(),
            person_id: mark.person.to_string(),
            person_name: "Ada Lovelace".to_owned(),
            department: mark.department.clone(),
            attendance_date: mark.at.date_naive().to_string(),
        };
        let wire_mark = wire::Mark {
            at: Some(ts(mark.at)),
            source: if mark.manual {
                wire::MarkSource::Manual as i32
            } else {
                wire::MarkSource::Auto as i32
            },
            confidence: Some(0.93),
            detection_id: None,
            camera_id: mark.camera.clone(),
        };
        if mark.out {
            let event = wire::CheckedOut {
                event_id: event_id.to_string(),
                occurred_at: Some(ts(mark.at)),
                subject: Some(subject),
                check_out: Some(wire_mark),
                check_in: None,
                duration_minutes: None,
                status: wire::AttendanceStatus::Present as i32,
            };
            self.publish("attendance.v1.checked_out", event.encode_to_vec())
                .await;
        } else {
            let event = wire::CheckedIn {
                event_id: event_id.to_string(),
                occurred_at: Some(ts(mark.at)),
                subject: Some(subject),
                check_in: Some(wire_mark),
                status: wire::AttendanceStatus::Present as i32,
            };
            self.publish("attendance.v1.checked_in", event.encode_to_vec())
                .await;
        }
        event_id
    }

    /// Publishes `persons.v1.created` (or `updated`) for a person.
    pub async fn publish_person(&self, id: Uuid, id_number: Option<&str>, updated: bool) {
        let person = persons::Person {
            id: id.to_string(),
            first_name: "Ada".to_owned(),
            last_name: "Lovelace".to_owned(),
            email: "ada@example.com".to_owned(),
            person_type: "employee".to_owned(),
            id_number: id_number.map(str::to_owned),
            department: Some("Engineering".to_owned()),
            status: "active".to_owned(),
            ..Default::default()
        };
        if updated {
            let event = persons::PersonUpdated {
                event_id: Uuid::new_v4().to_string(),
                occurred_at: Some(ts(Utc::now())),
                person: Some(person),
                changed_fields: vec!["id_number".to_owned()],
            };
            self.publish("persons.v1.updated", event.encode_to_vec())
                .await;
        } else {
            let event = persons::PersonCreated {
                event_id: Uuid::new_v4().to_string(),
                occurred_at: Some(ts(Utc::now())),
                person: Some(person),
            };
            self.publish("persons.v1.created", event.encode_to_vec())
                .await;
        }
    }

    /// The log's deliveries matching `query` (e.g. `status=delivered`).
    pub async fn deliveries(&self, query: &str) -> Vec<Value> {
        let body = self
            .get_ok(&format!("/api/v1/deliveries?page_size=100&{query}"))
            .await;
        body["data"].as_array().cloned().unwrap_or_default()
    }

    /// Waits (up to 20 s) until the log holds `n` deliveries matching `query`.
    pub async fn wait_for_deliveries(&self, query: &str, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = self.deliveries(query).await;
            if found.len() >= n || Instant::now() > deadline {
                let all = self.deliveries("").await;
                assert_eq!(
                    found.len(),
                    n,
                    "deliveries matching {query}: {found:?}; the whole log: {all:?}"
                );
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every message stored in the namespace's stream `base`.
    pub async fn stream_messages(&self, base: &str) -> Vec<jetstream::message::StreamMessage> {
        let js = jetstream::new(self.nats.clone());
        let name = format!("{}_{base}", self.namespace.to_uppercase());
        let Ok(stream) = js.get_stream(name).await else {
            return Vec::new();
        };
        let Ok(info) = stream.get_info().await else {
            return Vec::new();
        };
        let (first, last) = (info.state.first_sequence, info.state.last_sequence);
        let mut out = Vec::new();
        for sequence in first..=last {
            if let Ok(message) = stream.get_raw_message(sequence).await {
                out.push(message);
            }
        }
        out
    }
}

pub fn ts(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

/// A check-in or check-out to publish.
#[derive(Debug, Clone)]
pub struct Mark {
    pub person: Uuid,
    pub attendance_id: Uuid,
    pub at: DateTime<Utc>,
    pub out: bool,
    pub camera: Option<String>,
    pub department: Option<String>,
    pub event_id: Option<Uuid>,
    /// Entered by hand in the console rather than decided from a camera.
    pub manual: bool,
}

impl Mark {
    pub fn check_in(person: Uuid) -> Self {
        Self {
            person,
            attendance_id: Uuid::new_v4(),
            at: Utc::now(),
            out: false,
            camera: Some("gate".to_owned()),
            department: Some("Engineering".to_owned()),
            event_id: None,
            manual: false,
        }
    }

    pub fn check_out(&self) -> Self {
        Self {
            out: true,
            at: self.at + chrono::Duration::hours(8),
            event_id: None,
            ..self.clone()
        }
    }
}

/// A request the receiver got, signature already verified against the secrets it knows.
#[derive(Debug, Clone)]
pub struct Received {
    pub webhook_id: String,
    pub timestamp: String,
    /// The `v1,` signatures sent (two during a rotation's overlap).
    pub signatures: Vec<String>,
    pub body: Value,
    pub raw: Bytes,
    pub at: Instant,
    /// What the receiver answered.
    pub answered: u16,
}

/// One scripted answer: `status` (with `Retry-After` if given) to the next `times` requests
/// about `person` (any person when `None`).
#[derive(Debug, Clone)]
pub struct Rule {
    pub person: Option<Uuid>,
    pub status: u16,
    pub retry_after: Option<&'static str>,
    pub times: usize,
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    rules: VecDeque<Rule>,
}

/// An HTTP server in the test, answering as a webhook receiver does.
#[derive(Clone)]
pub struct Receiver {
    port: u16,
    state: Arc<Mutex<ReceiverState>>,
}

impl Receiver {
    async fn start() -> Self {
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let port = listener.local_addr().expect("address").port();
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .listen(listener)
        .expect("receiver listens")
        .workers(1)
        .disable_signals()
        .run();
        tokio::spawn(server);
        Self { port, state }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/attendance", self.port)
    }

    pub fn script(&self, rule: Rule) {
        self.state
            .lock()
            .expect("receiver state")
            .rules
            .push_back(rule);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().expect("receiver state").received.clone()
    }

    /// Waits (up to 20 s) until `n` requests were answered 2xx; returns every request.
    pub async fn wait_for_accepted(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            let accepted = received.iter().filter(|r| r.answered < 300).count();
            if accepted >= n || Instant::now() > deadline {
                assert_eq!(accepted, n, "accepted requests: {received:?}");
                return received;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<ReceiverState>>>,
) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let person: Option<Uuid> = json["data"]["person"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok());
    let mut state = state.lock().expect("receiver state");
    let mut answer = (200u16, None);
    if let Some(rule) = state
        .rules
        .iter_mut()
        .find(|r| r.times > 0 && (r.person.is_none() || r.person == person))
    {
        rule.times -= 1;
        answer = (rule.status, rule.retry_after);
    }
    state.received.push(Received {
        webhook_id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signatures: header("webhook-signature")
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        body: json,
        raw: body.clone(),
        at: Instant::now(),
        answered: answer.0,
    });
    let mut response =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(answer.0).expect("a status"));
    if let Some(retry_after) = answer.1 {
        response.insert_header(("Retry-After", retry_after));
    }
    response.body(format!("answered {}", answer.0))
}

/// The Standard Webhooks signature of `id.timestamp.body` under `secret` (`whsec_<base64>`),
/// computed here independently of the service.
pub fn signature(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// Asserts that `received` carries a valid signature under `secret`.
pub fn assert_signed(received: &Received, secret: &str) {
    let expected = signature(
        secret,
        &received.webhook_id,
        &received.timestamp,
        &received.raw,
    );
    assert!(
        received.signatures.contains(&expected),
        "no signature under the secret: {:?}",
        received.signatures
    );
}
