//! `TestApp`: a real attendance-worker in its own bus namespace on the NATS server named by
//! `TEST_NATS_URL`, with its own database (PostgreSQL: `CREATE DATABASE test_<uuid>` on the
//! server named by `TEST_DATABASE_URL`, dropped afterwards; SQLite: a file in a temp dir),
//! plus helpers that publish what face-embedder and person-api would and read what the
//! worker wrote and published.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use attendance_worker::config::{JobSettings, NotifySettings, Settings};
use attendance_worker::startup::Application;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use faceattend_attendance_store::AttendanceStore;
use faceattend_attendance_store::policy::PolicyDefaults;
use faceattend_database::testing::TestDatabase;
use faceattend_domain::attendance::{CameraRole, DayRecord};
use faceattend_proto::faces::v1 as wire;
use faceattend_service::config::LogFormat;
use prost::Message;
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub use faceattend_database::testing::Backend;

/// Generates one `#[tokio::test]` per backend for each listed `async fn name(Backend)`.
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

pub struct TestApp {
    pub port: u16,
    pub namespace: String,
    pub nats: async_nats::Client,
    /// The worker's database, for the assertions.
    pub store: AttendanceStore,
    shutdown: CancellationToken,
    stopped: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// Held for its drop, which removes the database (after the streams, see `Drop`).
    _database: TestDatabase,
    settings: Settings,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_via(backend, &test_nats_url()).await
}

/// A worker that reaches NATS at `nats_url` (e.g. through a [`TcpCut`]); the test itself
/// talks to the test server directly.
pub async fn spawn_app_via(backend: Backend, nats_url: &str) -> TestApp {
    spawn(backend, nats_url, |_| {}).await
}

/// A worker whose settings `configure` adjusts first (schedules, sinks).
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(backend, &test_nats_url(), configure).await
}

async fn spawn(backend: Backend, nats_url: &str, configure: impl FnOnce(&mut Settings)) -> TestApp {
    faceattend_service::telemetry::init_for_tests();
    let suffix = Uuid::new_v4().simple().to_string();
    let database = TestDatabase::create(backend, "test_attendance_worker").await;
    let database_url = database.url().to_owned();
    let namespace = format!("t{}", &suffix[..16]);
    let settings = Settings {
        database_url: SecretString::from(database_url.clone()),
        database_max_connections: 5,
        nats_url: nats_url.to_owned(),
        bus_namespace: namespace.clone(),
        policy: PolicyDefaults::default(),
        camera_roles: [
            ("gate-in".to_owned(), CameraRole::Entry),
            ("gate-out".to_owned(), CameraRole::Exit),
        ]
        .into_iter()
        .collect(),
        detections_consumer: "attendance-worker".to_owned(),
        persons_consumer: "attendance-worker".to_owned(),
        max_deliver: 3,
        retry_backoff: Duration::from_secs(1),
        // A message in the hands of a worker that lost NATS comes back after this.
        ack_wait: Duration::from_secs(3),
        concurrency: 2,
        batch_size: 64,
        bind_address: "127.0.0.1:0".to_owned(),
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
        jobs: test_job_settings(),
    };
    let mut settings = settings;
    configure(&mut settings);
    // A test may choose the namespace (to prepare the bus before the worker starts).
    let namespace = settings.bus_namespace.clone();
    let (port, shutdown, stopped) = start(settings.clone()).await;
    let nats = async_nats::connect(test_nats_url())
        .await
        .expect("test NATS reachable");
    let store = AttendanceStore::connect(&database_url, 2)
        .await
        .expect("test database reachable");
    let app = TestApp {
        port,
        namespace,
        nats,
        store,
        shutdown,
        stopped,
        _database: database,
        settings,
    };
    app.wait_ready().await;
    app
}

/// Job settings for tests: nothing scheduled (a test schedules what it needs), on-demand
/// runs picked up within 100 ms, no sink.
pub fn test_job_settings() -> JobSettings {
    JobSettings {
        enabled: true,
        schedules: Vec::new(),
        retention_days: 90,
        lease: Duration::from_secs(30),
        poll_interval: Duration::from_millis(100),
        notify: NotifySettings {
            webhook_url: None,
            smtp_url: None,
            email_from: None,
            email_to: Vec::new(),
            timeout: Duration::from_secs(5),
            attempts: 2,
        },
    }
}

type Started = (
    u16,
    CancellationToken,
    Option<tokio::task::JoinHandle<std::io::Result<()>>>,
);

async fn start(settings: Settings) -> Started {
    let application = Application::build(settings)
        .await
        .expect("attendance-worker starts");
    let port = application.port();
    let shutdown = application.shutdown_token();
    (
        port,
        shutdown,
        Some(tokio::spawn(application.run_until_stopped())),
    )
}

/// A detection as face-embedder publishes it: MATCH of `person_id` at `at`.
pub fn detection(person_id: Uuid, at: DateTime<Utc>, confidence: f32) -> wire::Detection {
    wire::Detection {
        detection_id: Uuid::new_v4().to_string(),
        capture_id: Uuid::new_v4().to_string(),
        camera_id: "gate".to_owned(),
        captured_at: Some(prost_types::Timestamp {
            seconds: at.timestamp(),
            nanos: 0,
        }),
        processed_at: Some(prost_types::Timestamp {
            seconds: at.timestamp() + 1,
            nanos: 0,
        }),
        decision: wire::Decision::Match as i32,
        person_id: Some(person_id.to_string()),
        encoding_id: Some(Uuid::new_v4().to_string()),
        distance: 0.4,
        confidence,
        model: "mobilefacenet-test".to_owned(),
        quality: Some(wire::Quality {
            score: 0.9,
            issues: Vec::new(),
        }),
        snapshot_ref: "snapshots/test.jpg".to_owned(),
        ..Default::default()
    }
}

/// `date` at `hh:mm` UTC (the tests' site zone).
pub fn at(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    date.and_hms_opt(hour, minute, 0)
        .expect("valid time")
        .and_utc()
}

/// A Tuesday in the past.
pub fn workday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).expect("valid date")
}

/// Polls `check` until it returns `Some`, for at most 15 s.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..300 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

impl TestApp {
    pub fn subject(&self, relative: &str) -> String {
        format!("{}.{relative}", self.namespace)
    }

    pub fn stream(&self, base: &str) -> String {
        format!("{}_{base}", self.namespace.to_uppercase())
    }

    /// Publishes raw bytes to the JetStream subject `relative` with a fresh `Nats-Msg-Id`,
    /// and waits for the stream to store it.
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

    /// Publishes a detection on `detections.v1.<camera>` (each call a new `Nats-Msg-Id`, so a
    /// repeat is a redelivery JetStream does not deduplicate).
    pub async fn publish_detection(&self, detection: &wire::Detection) {
        let subject = format!("detections.v1.{}", detection.camera_id);
        self.publish(&subject, detection.encode_to_vec()).await;
    }

    pub async fn day_record(&self, person_id: Uuid, date: NaiveDate) -> Option<DayRecord> {
        self.store
            .day_record(person_id, date)
            .await
            .expect("read the day record")
    }

    /// Every message stored in the namespace's stream `base`, in order.
    pub async fn stream_messages(&self, base: &str) -> Vec<jetstream::message::StreamMessage> {
        let js = jetstream::new(self.nats.clone());
        let Ok(stream) = js.get_stream(self.stream(base)).await else {
            return Vec::new();
        };
        let Ok(info) = stream.get_info().await else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for sequence in info.state.first_sequence..=info.state.last_sequence {
            if let Ok(message) = stream.get_raw_message(sequence).await {
                out.push(message);
            }
        }
        out
    }

    /// The `attendance.v1.<kind>` events published so far.
    pub async fn attendance_events(&self, kind: &str) -> Vec<jetstream::message::StreamMessage> {
        let subject = self.subject(&format!("attendance.v1.{kind}"));
        self.stream_messages("ATTENDANCE")
            .await
            .into_iter()
            .filter(|m| m.subject.as_str() == subject)
            .collect()
    }

    pub async fn metrics(&self) -> String {
        reqwest::get(format!("http://127.0.0.1:{}/metrics", self.port))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body")
    }

    /// The value of `attendance_detections_total{outcome="<outcome>"}`, 0 when absent.
    pub async fn detections_counted(&self, outcome: &str) -> u64 {
        let label = format!("outcome=\"{outcome}\"");
        self.metrics()
            .await
            .lines()
            .filter(|line| line.starts_with("attendance_detections_total{"))
            .filter(|line| line.contains(&label))
            .find_map(|line| line.rsplit_once(' '))
            .and_then(|(_, value)| value.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Waits until `count` detections were counted with `outcome`.
    pub async fn wait_detections(&self, outcome: &str, count: u64) {
        eventually(&format!("{count} {outcome} detections"), || async {
            (self.detections_counted(outcome).await >= count).then_some(())
        })
        .await
    }

    /// Waits for `/readyz` (NATS connected, database reachable).
    pub async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(response) = client
                .get(format!("http://127.0.0.1:{}/readyz", self.port))
                .send()
                .await
                && response.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("attendance-worker never became ready");
    }

    /// Stops the worker and starts a new one on the same database and namespace (a crash
    /// and restart, or a deployment); true when the first stopped cleanly.
    pub async fn restart(&mut self) -> bool {
        let clean = self.stop().await;
        let (port, shutdown, stopped) = start(self.settings.clone()).await;
        self.port = port;
        self.shutdown = shutdown;
        self.stopped = stopped;
        self.wait_ready().await;
        clean
    }

    /// The database URL the worker uses.
    pub fn database_url(&self) -> String {
        self.settings.database_url().to_owned()
    }

    /// Stops the in-process worker, leaving the database and streams to a test that runs
    /// workers of its own (the real binary).
    pub async fn stop_in_process(&mut self) {
        assert!(self.stop().await, "the in-process worker stops cleanly");
    }

    /// Stops the worker as SIGTERM would; true when it stopped cleanly.
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
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        faceattend_bus::testing::delete_namespace_streams(&self.nats, &self.namespace);
    }
}

/// A stored detection of `person_id` at `at`, as the detections consumer would store it.
pub fn stored_detection(
    person_id: Uuid,
    at: DateTime<Utc>,
) -> faceattend_attendance_store::NewDetection {
    faceattend_attendance_store::NewDetection {
        id: Uuid::now_v7(),
        camera_id: "gate".to_owned(),
        camera_role: faceattend_domain::attendance::CameraRole::Both,
        captured_at: at,
        person_id: Some(person_id),
        distance: 0.4,
        confidence: faceattend_domain::attendance::Confidence::new(0.9).expect("confidence"),
        model_id: "mobilefacenet-test".to_owned(),
        quality: 0.9,
        snapshot_ref: None,
        received_at: at,
        evidence: Default::default(),
    }
}

/// A TCP forwarder in front of a server that a test can cut (every connection dropped, new
/// ones refused) and restore: to the client, the server went away and came back.
pub struct TcpCut {
    pub port: u16,
    open: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    listener: tokio::task::JoinHandle<()>,
}

impl TcpCut {
    pub async fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("nats://").to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the forwarder");
        let port = listener.local_addr().expect("local address").port();
        let open = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let accepting = {
            let open = open.clone();
            let connections = connections.clone();
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !open.load(Ordering::SeqCst) {
                        continue; // dropped: refused
                    }
                    let upstream = upstream.clone();
                    let task = tokio::spawn(async move {
                        if let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    connections
                        .lock()
                        .expect("connections lock")
                        .push(task.abort_handle());
                }
            })
        };
        Self {
            port,
            open,
            connections,
            listener: accepting,
        }
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Drops every connection and refuses new ones.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for connection in self.connections.lock().expect("connections lock").drain(..) {
            connection.abort();
        }
    }

    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for TcpCut {
    fn drop(&mut self) {
        self.listener.abort();
        self.cut();
    }
}
