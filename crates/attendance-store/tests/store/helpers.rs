//! `TestDb`: an `AttendanceStore` on a fresh, migrated database of its own.
//!
//! PostgreSQL is the real server named by `TEST_DATABASE_URL` (`make test` sets it; the
//! default is the local standard port): each test gets `CREATE DATABASE test_attendance_<uuid>`,
//! dropped when the `TestDb` drops. SQLite is a file in a temp dir, removed with it.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use faceattend_attendance_store::{AttendanceStore, NewDetection};
use faceattend_database::testing::TestDatabase;
use faceattend_domain::attendance::{CameraRole, Confidence};
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

pub struct TestDb {
    pub store: AttendanceStore,
    pub url: String,
    /// Held for its drop, which removes the database.
    _database: TestDatabase,
}

impl TestDb {
    /// A fresh database with every migration applied.
    pub async fn new(backend: Backend) -> Self {
        let db = Self::empty(backend).await;
        db.store.migrate().await.expect("migrations apply");
        db
    }

    /// A fresh database, not migrated.
    pub async fn empty(backend: Backend) -> Self {
        let database = TestDatabase::create(backend, "test_attendance").await;
        let url = database.url().to_owned();
        let store = AttendanceStore::connect(&url, 4)
            .await
            .expect("test database reachable");
        Self {
            store,
            url,
            _database: database,
        }
    }
}

/// 2026-03-02 (a Monday) at `h:m:s` UTC.
pub fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, m, s)
        .single()
        .expect("valid time")
}

pub fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("valid date")
}

pub fn detection(person_id: Uuid, captured_at: DateTime<Utc>, confidence: f32) -> NewDetection {
    NewDetection {
        id: Uuid::now_v7(),
        camera_id: "lobby".to_owned(),
        camera_role: CameraRole::Both,
        captured_at,
        person_id: Some(person_id),
        distance: 0.4,
        confidence: Confidence::new(confidence).expect("valid confidence"),
        model_id: "mobilefacenet-v1".to_owned(),
        quality: 0.9,
        snapshot_ref: None,
        received_at: captured_at,
        evidence: Default::default(),
    }
}
