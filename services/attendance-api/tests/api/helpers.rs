//! `TestApp`: a real attendance-api on a random port, with its own database, and helpers
//! that seed the database directly through the attendance store's entities.
//!
//! PostgreSQL is the real server named by `TEST_DATABASE_URL` (`make test` sets it; the
//! default is the local standard port). Each app gets a fresh database (PostgreSQL:
//! `CREATE DATABASE test_attendance_api_<uuid>`; SQLite: a file in a temp dir), removed when
//! the `TestApp` drops.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use attendance_api::config::Settings;
use attendance_api::startup::Application;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use faceattend_attendance_store::entities::{
    attendance, attendance_exception, audit_log, person_directory,
};
use faceattend_attendance_store::events::Cause;
use faceattend_attendance_store::policy::{PolicyBook, PolicyDefaults};
use faceattend_attendance_store::{NewDetection, detections, recompute};
use faceattend_database::testing::TestDatabase;
use faceattend_domain::attendance::{
    CameraRole, Confidence, DayKey, DuplicateWindow, SiteZone, Thresholds,
};
use faceattend_service::auth::{AuthConfig, JwtKeys};
use faceattend_service::config::LogFormat;
use faceattend_service::object_storage::ObjectStorage;
use reqwest::Response;
use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel};
use secrecy::SecretString;
use serde_json::Value;
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
    pub address: String,
    /// Prefix of the app's subjects and streams on the test NATS server.
    pub namespace: String,
    pub nats: async_nats::Client,
    stopped: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub client: reqwest::Client,
    pub keys: JwtKeys,
    /// A connection of the test's own to the app's database, for seeding.
    pub db: DatabaseConnection,
    /// The app's database, for a second service on it (attendance-worker).
    pub database_url: String,
    /// The app's snapshot store (`SNAPSHOTS_URL`), where a test puts the frames it names.
    pub snapshots: ObjectStorage,
    _snapshots_dir: tempfile::TempDir,
    shutdown: CancellationToken,
    /// Held for its drop, which removes the database.
    _database: TestDatabase,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_in(backend, SiteZone::UTC).await
}

/// An app whose site is in `site_zone`.
pub async fn spawn_app_in(backend: Backend, site_zone: SiteZone) -> TestApp {
    faceattend_service::telemetry::init_for_tests();
    let database = TestDatabase::create(backend, "test_attendance_api").await;
    let database_url = database.url().to_owned();
    let namespace = format!("t{}", &Uuid::new_v4().simple().to_string()[..16]);
    let snapshots_dir = tempfile::tempdir().expect("a temporary directory");
    let snapshots_url = format!("file://{}", snapshots_dir.path().display());
    let settings = Settings {
        database_url: SecretString::from(database_url.clone()),
        database_max_connections: 5,
        run_migrations: true,
        bind_address: "127.0.0.1:0".to_owned(),
        auth: auth_config(),
        site_zone,
        thresholds: Thresholds::default(),
        duplicate_window: DuplicateWindow::default(),
        nats_url: test_nats_url(),
        bus_namespace: namespace.clone(),
        max_body_bytes: 64 * 1024,
        snapshots_url: Some(snapshots_url.clone()),
        http_workers: 1,
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    };
    let application = Application::build(settings)
        .await
        .expect("attendance-api starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.shutdown_token();
    let stopped = Some(tokio::spawn(application.run_until_stopped()));
    let store = faceattend_attendance_store::AttendanceStore::connect(&database_url, 2)
        .await
        .expect("test connects to the app's database");
    TestApp {
        address,
        namespace,
        nats: async_nats::connect(test_nats_url())
            .await
            .expect("test NATS reachable"),
        stopped,
        client: reqwest::Client::new(),
        keys: faceattend_service::auth::testing::keys(),
        db: store.connection().clone(),
        database_url,
        snapshots: ObjectStorage::from_url(&snapshots_url).expect("the snapshot store"),
        _snapshots_dir: snapshots_dir,
        shutdown,
        _database: database,
    }
}

fn auth_config() -> AuthConfig {
    faceattend_service::auth::testing::verifier()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The database is dropped after this, with FORCE closing the app's connections.
        self.shutdown.cancel();
        faceattend_bus::testing::delete_namespace_streams(&self.nats, &self.namespace);
    }
}

/// A seeded attendance record; `record()` gives defaults a test overrides.
pub struct Seed {
    pub person_id: Uuid,
    pub date: NaiveDate,
    pub status: &'static str,
    pub check_in: Option<DateTime<Utc>>,
    pub check_out: Option<DateTime<Utc>>,
}

impl Seed {
    pub fn new(person_id: Uuid, date: &str, status: &'static str) -> Self {
        let date = date.parse().expect("YYYY-MM-DD");
        Self {
            person_id,
            date,
            status,
            check_in: Some(at(date, 9, 0)),
            check_out: Some(at(date, 17, 0)),
        }
    }
}

/// `date` at `hour:minute` UTC.
pub fn at(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    date.and_hms_opt(hour, minute, 0)
        .expect("valid time")
        .and_utc()
}

impl TestApp {
    pub async fn stop(&mut self) -> bool {
        self.shutdown.cancel();
        match self.stopped.take() {
            Some(handle) => matches!(
                tokio::time::timeout(Duration::from_secs(10), handle).await,
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

    /// GET with a token holding `attendance:read`.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(self.token(&["attendance:read"]))
            .send()
            .await
            .expect("request sent")
    }

    /// GET expecting 200; returns the whole envelope.
    pub async fn get_ok(&self, path: &str) -> Value {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("json body");
        assert_eq!(status, 200, "GET {path}: {body}");
        assert_eq!(body["success"], true, "{body}");
        body
    }

    /// Inserts one attendance record; returns its id.
    pub async fn seed_record(&self, seed: Seed) -> Uuid {
        let id = Uuid::now_v7();
        let duration = match (seed.check_in, seed.check_out) {
            (Some(i), Some(o)) => Some((o - i).num_minutes() as i32),
            _ => None,
        };
        let now = Utc::now();
        attendance::Model {
            id,
            person_id: seed.person_id,
            attendance_date: seed.date,
            check_in_time: seed.check_in,
            check_in_confidence: seed.check_in.map(|_| 0.95),
            check_in_source: seed.check_in.map(|_| "auto".to_owned()),
            check_in_detection_id: None,
            check_in_camera_id: None,
            check_out_time: seed.check_out,
            check_out_confidence: seed.check_out.map(|_| 0.875),
            check_out_source: seed.check_out.map(|_| "auto".to_owned()),
            check_out_detection_id: None,
            check_out_camera_id: None,
            duration_minutes: duration,
            status: seed.status.to_owned(),
            status_evidence: None,
            late_minutes: 0,
            early_leave_minutes: 0,
            is_manual: false,
            approved_by: None,
            approval_timestamp: None,
            remarks: None,
            created_at: now,
            updated_at: now,
        }
        .into_active_model()
        .insert(&self.db)
        .await
        .expect("record inserted");
        id
    }

    /// POST a JSON body with a token holding `permissions`.
    pub async fn post_as(&self, path: &str, body: &Value, permissions: &[&str]) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(self.token(permissions))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// `method path` with an optional JSON body and a token holding `permissions`.
    pub async fn send_as(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        permissions: &[&str],
    ) -> Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(self.token(permissions));
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request sent")
    }

    /// PATCH a JSON body with a token holding `attendance:write`.
    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.send_as(
            reqwest::Method::PATCH,
            path,
            Some(body),
            &["attendance:write"],
        )
        .await
    }

    /// DELETE with a token holding `attendance:write`.
    pub async fn delete(&self, path: &str) -> Response {
        self.send_as(reqwest::Method::DELETE, path, None, &["attendance:write"])
            .await
    }

    /// POST `body` expecting `status` (200 or 201); returns `data`.
    pub async fn post_data(&self, path: &str, body: &Value, status: u16) -> Value {
        let response = self.post(path, body).await;
        let actual = response.status().as_u16();
        let envelope: Value = response.json().await.expect("json body");
        assert_eq!(actual, status, "POST {path}: {envelope}");
        envelope["data"].clone()
    }

    /// The audit log of one entity, oldest first: (action, actor, before, after).
    pub async fn audit_of(&self, entity: &str, id: &str) -> Vec<(String, String, Value, Value)> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        audit_log::Entity::find()
            .filter(audit_log::Column::Entity.eq(entity))
            .filter(audit_log::Column::EntityId.eq(id))
            .order_by_asc(audit_log::Column::At)
            .order_by_asc(audit_log::Column::Id)
            .all(&self.db)
            .await
            .expect("audit log read")
            .into_iter()
            .map(|row| {
                let parse = |text: Option<String>| {
                    text.map_or(Value::Null, |t| serde_json::from_str(&t).expect("JSON"))
                };
                (row.action, row.actor, parse(row.before), parse(row.after))
            })
            .collect()
    }

    /// POST a JSON body with a token holding `attendance:write`.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.post_as(path, body, &["attendance:write"]).await
    }

    /// Inserts an attendance exception (`person_id` `None`: for everyone).
    pub async fn seed_exception(
        &self,
        person_id: Option<Uuid>,
        date: &str,
        exception_type: &str,
        requires_approval: bool,
        approved: bool,
    ) {
        attendance_exception::Model {
            id: Uuid::now_v7(),
            person_id,
            exception_date: date.parse().expect("YYYY-MM-DD"),
            exception_type: exception_type.to_owned(),
            reason: "test".to_owned(),
            requires_approval,
            approved,
            approved_by: approved.then(|| "hr".to_owned()),
            approved_at: approved.then(Utc::now),
            created_at: Utc::now(),
            organization: None,
        }
        .into_active_model()
        .insert(&self.db)
        .await
        .expect("exception inserted");
    }

    /// Sets a directory entry's organisation and creation time (what `persons.v1.*` says).
    pub async fn set_person_details(
        &self,
        person_id: Uuid,
        organization: Option<&str>,
        created_at: Option<DateTime<Utc>>,
    ) {
        use sea_orm::EntityTrait;
        let mut row = person_directory::Entity::find_by_id(person_id)
            .one(&self.db)
            .await
            .expect("query")
            .expect("a directory entry")
            .into_active_model();
        row.organization = sea_orm::Set(organization.map(str::to_owned));
        row.created_at = sea_orm::Set(created_at);
        row.update(&self.db).await.expect("directory entry updated");
    }

    /// Inserts a directory entry; returns the person's id.
    pub async fn seed_person(
        &self,
        name: &str,
        department: Option<&str>,
        status: &str,
        deleted: bool,
    ) -> Uuid {
        let person_id = Uuid::now_v7();
        person_directory::Model {
            person_id,
            name: name.to_owned(),
            person_type: "employee".to_owned(),
            status: status.to_owned(),
            department: department.map(str::to_owned),
            organization: None,
            deleted,
            updated_at: Utc::now(),
            version: 1,
            created_at: None,
        }
        .into_active_model()
        .insert(&self.db)
        .await
        .expect("directory entry inserted");
        person_id
    }
}

/// A detection of `person_id` with the test's defaults (no snapshot, no evidence).
pub fn new_detection(
    person_id: Uuid,
    camera_role: CameraRole,
    at: DateTime<Utc>,
    confidence: f32,
) -> NewDetection {
    NewDetection {
        id: Uuid::now_v7(),
        camera_id: format!("cam-{}", camera_role.as_str()),
        camera_role,
        captured_at: at,
        person_id: Some(person_id),
        distance: 0.5,
        confidence: Confidence::new(confidence).expect("a confidence in [0, 1]"),
        model_id: "mobilefacenet-test".to_owned(),
        quality: 0.9,
        snapshot_ref: None,
        received_at: Utc::now(),
        evidence: Default::default(),
    }
}

impl TestApp {
    /// Stores a detection of `person_id` and decides its day through the attendance store's
    /// recompute path (what the worker does for each detection); returns the detection id.
    pub async fn seed_detection(
        &self,
        person_id: Uuid,
        camera_role: CameraRole,
        at: DateTime<Utc>,
        confidence: f32,
    ) -> Uuid {
        self.seed_new_detection(new_detection(person_id, camera_role, at, confidence))
            .await
    }

    /// Stores `detection` and, when it has a person, decides their day through the
    /// attendance store's recompute path; returns the detection id.
    pub async fn seed_new_detection(&self, detection: NewDetection) -> Uuid {
        let at = detection.captured_at;
        let txn = faceattend_outbox::begin_write(&self.db)
            .await
            .expect("begin");
        detections::insert_many(&txn, &[&detection])
            .await
            .expect("insert");
        let Some(person_id) = detection.person_id else {
            txn.commit().await.expect("commit");
            return detection.id;
        };
        let persons = BTreeSet::from([person_id]);
        recompute::lock_persons(&txn, &persons).await.expect("lock");
        let people = recompute::people(&txn, &persons).await.expect("people");
        let date = at.date_naive();
        let book = PolicyBook::load(&txn, &PolicyDefaults::default(), date..=date)
            .await
            .expect("policy");
        let key = DayKey { person_id, date };
        let days = BTreeMap::from([(key, Cause::detection(detection.id))]);
        recompute::recompute_days(&txn, &book, &people, &days, Utc::now())
            .await
            .expect("recompute");
        txn.commit().await.expect("commit");
        detection.id
    }

    /// The `attendance.v1.<kind>` events on the app's stream so far, waiting up to 10 s for
    /// at least `count` of them (the relay publishes after the commit).
    pub async fn wait_events(&self, kind: &str, count: usize) -> Vec<Bytes> {
        let stream_name = format!("{}_ATTENDANCE", self.namespace.to_uppercase());
        let subject = format!("{}.attendance.v1.{kind}", self.namespace);
        let js = async_nats::jetstream::new(self.nats.clone());
        let mut found = Vec::new();
        for _ in 0..200 {
            found.clear();
            if let Ok(mut stream) = js.get_stream(&stream_name).await
                && let Ok(info) = stream.info().await
                && info.state.messages > 0
            {
                for sequence in info.state.first_sequence..=info.state.last_sequence {
                    if let Ok(message) = stream.get_raw_message(sequence).await
                        && message.subject.as_str() == subject
                    {
                        found.push(message.payload.clone());
                    }
                }
            }
            if found.len() >= count {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} {kind} events, found {}", found.len());
    }
}

/// Asserts a response is the error envelope with this status and code; returns the body.
pub async fn assert_error(response: Response, status: u16, code: &str) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.expect("error responses are JSON");
    assert_eq!(actual, status, "unexpected status, body: {body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    body
}
