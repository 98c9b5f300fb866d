//! `TestDb`: an `AttendanceStore` on a fresh, migrated database of its own.
//!
//! PostgreSQL is the real server named by `TEST_DATABASE_URL` (`make test` sets it; the
//! default is the local standard port): each test gets `CREATE DATABASE test_attendance_<uuid>`,
//! dropped when the `TestDb` drops. SQLite is a file in a temp dir, removed with it.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use faceattend_attendance_store::{AttendanceStore, NewDetection};
use faceattend_domain::attendance::{CameraRole, Confidence};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

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
    database: Database,
}

enum Database {
    Postgres { admin_url: String, name: String },
    Sqlite { _dir: tempfile::TempDir },
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
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
        let suffix = Uuid::new_v4().simple().to_string();
        let (url, database) = match backend {
            Backend::Postgres => {
                let admin_url = admin_url();
                let name = format!("test_attendance_{suffix}");
                run_admin_sql(&admin_url, &format!("CREATE DATABASE \"{name}\"")).await;
                let (base, _) = admin_url.rsplit_once('/').expect("database url has a path");
                let url = format!("{base}/{name}");
                (url, Database::Postgres { admin_url, name })
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("attendance.db").display()
                );
                (url, Database::Sqlite { _dir: dir })
            }
        };
        let store = AttendanceStore::connect(&url, 4)
            .await
            .expect("test database reachable");
        Self {
            store,
            url,
            database,
        }
    }
}

async fn run_admin_sql(admin_url: &str, sql: &str) {
    let db = sea_orm::Database::connect(admin_url)
        .await
        .expect("test PostgreSQL reachable");
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    db.close().await.ok();
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Database::Postgres { admin_url, name } = &self.database else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop cannot await, and the test's runtime may be shutting down: drop the database
        // from a runtime of our own. FORCE ends the pool's connections still open.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(run_admin_sql(
                &admin_url,
                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            ));
        })
        .join()
        .ok();
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
    }
}
