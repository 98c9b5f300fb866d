//! `faceattend jobs` as an operator runs it: the real binary against a real database
//! (PostgreSQL from `TEST_DATABASE_URL`, and SQLite).

use std::process::Output;

use chrono::{Days, Utc};
use faceattend_attendance_store::{AttendanceStore, NewDetection};
use faceattend_database::testing::{Backend, TestDatabase};
use faceattend_domain::attendance::{CameraRole, Confidence};
use serde_json::Value;
use tokio::process::Command;
use uuid::Uuid;

async fn faceattend(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faceattend"))
        .args(args)
        // Only what an operator would set: no stray JOB_* or NOTIFY_* from the test's own
        // environment.
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("SITE_TIMEZONE", "UTC")
        .env("USER", "operator")
        .output()
        .await
        .expect("the faceattend binary runs")
}

async fn a_cleanup_run_from_the_cli_is_recorded_and_printed(backend: Backend) {
    let database = TestDatabase::create(backend, "test_cli_jobs").await;
    let store = AttendanceStore::connect(database.url(), 2)
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let person = Uuid::now_v7();
    for days_ago in [40, 2] {
        let at = Utc::now() - Days::new(days_ago);
        store
            .insert_detection(&NewDetection {
                id: Uuid::now_v7(),
                camera_id: "gate".to_owned(),
                camera_role: CameraRole::Both,
                captured_at: at,
                person_id: Some(person),
                distance: 0.4,
                confidence: Confidence::new(0.9).expect("confidence"),
                model_id: "m".to_owned(),
                quality: 0.9,
                snapshot_ref: None,
                received_at: at,
                evidence: Default::default(),
            })
            .await
            .expect("detection");
    }

    let output = faceattend(database.url(), &["jobs", "run", "cleanup", "--days", "30"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_str(&stdout).expect("the summary is JSON");
    assert_eq!(summary["days"], 30);
    assert_eq!(summary["deleted"]["detections"], 1);

    let output = faceattend(database.url(), &["jobs", "list", "--job", "cleanup"]).await;
    assert!(output.status.success());
    let runs: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["trigger"], "cli");
    assert_eq!(runs[0]["state"], "succeeded");
    assert_eq!(runs[0]["requested_by"], "operator");

    let output = faceattend(database.url(), &["jobs", "run", "cleanup", "--days", "0"]).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--days"), "{stderr}");
    let output = faceattend(
        database.url(),
        &["jobs", "run", "cleanup", "--date", "2026-01-01"],
    )
    .await;
    assert!(!output.status.success(), "a flag the job does not take");
    let output = faceattend(database.url(), &["jobs", "run", "payroll"]).await;
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no job named"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_cleanup_run_from_the_cli() {
    a_cleanup_run_from_the_cli_is_recorded_and_printed(Backend::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_cleanup_run_from_the_cli() {
    a_cleanup_run_from_the_cli_is_recorded_and_printed(Backend::Sqlite).await
}
