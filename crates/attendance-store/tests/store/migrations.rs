//! The shared migrator: both services run it at start, so it must be safe to run again and
//! at the same time.

use faceattend_attendance_store::AttendanceStore;
use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::{Backend, TestDb};
use crate::on_both_backends;

on_both_backends!(
    migrations_run_twice_without_error,
    concurrent_migrations_both_succeed,
    every_table_exists
);

async fn migrations_run_twice_without_error(backend: Backend) {
    let db = TestDb::new(backend).await;
    db.store.migrate().await.expect("second run is a no-op");
    // And from a fresh connection, as a second service would.
    let other = AttendanceStore::connect(&db.url, 2)
        .await
        .expect("connects");
    other.migrate().await.expect("third run is a no-op");
}

async fn concurrent_migrations_both_succeed(backend: Backend) {
    let db = TestDb::empty(backend).await;
    let api = AttendanceStore::connect(&db.url, 2)
        .await
        .expect("connects");
    let worker = AttendanceStore::connect(&db.url, 2)
        .await
        .expect("connects");
    let (a, b) = tokio::join!(api.migrate(), worker.migrate());
    a.expect("api's migration");
    b.expect("worker's migration");
}

async fn every_table_exists(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    for table in [
        "attendance",
        "attendance_sessions",
        "attendance_rules",
        "attendance_exceptions",
        "detections",
        "person_directory",
        "review_items",
        "audit_log",
        "outbox_events",
        "job_runs",
        "notifications_sent",
        "attendance_reports",
    ] {
        conn.query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap_or_else(|e| panic!("{table}: {e}"))
        .expect("a count");
    }
}
