//! The OpenAPI document is the contract, checked by schemathesis
//! ([`faceattend_service::contract`]) against a real attendance-api on PostgreSQL with a real
//! NATS, with a little real data so that reads find something.
//!
//! Exclusions, each narrow and with its reason, are in `tests/schemathesis.toml`.

use std::path::PathBuf;
use std::time::Duration;

use faceattend_domain::attendance::CameraRole;
use faceattend_service::auth::ALL_PERMISSIONS;
use faceattend_service::contract::ContractRun;
use serde_json::json;

use crate::helpers::{Backend, Seed, at, spawn_app};

/// Generated requests per operation and phase: enough for every operation's parameters and
/// body fields, and under four minutes on two cores.
const MAX_EXAMPLES: u32 = 25;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_exact() {
    let app = spawn_app(Backend::Postgres).await;
    seed(&app).await;

    let permissions: Vec<String> = ALL_PERMISSIONS.iter().map(|p| p.to_string()).collect();
    let token = app
        .keys
        .mint("schemathesis", &permissions, Duration::from_secs(3600))
        .expect("token");
    let run = ContractRun {
        schema_url: app.url("/api/v1/openapi.json"),
        headers: ContractRun::bearer(&token),
        env: Vec::new(),
        tests_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests"),
        max_examples: MAX_EXAMPLES,
        report_dir: std::env::temp_dir().join(format!("schemathesis-{}", app.namespace)),
    };
    tokio::task::spawn_blocking(move || run.assert_no_failures())
        .await
        .expect("schemathesis ran to the end");
}

/// A person in the directory with a day record, a shift, a rule, an exception and a
/// detection waiting in the review queue: the reads have rows to return and serialise.
async fn seed(app: &crate::helpers::TestApp) {
    let person_id = app
        .seed_person("Ada Lovelace", Some("Engineering"), "active", false)
        .await;
    let today = chrono::Utc::now().date_naive();
    app.seed_record(Seed::new(person_id, &today.to_string(), "present"))
        .await;
    app.seed_detection(person_id, CameraRole::Entry, at(today, 8, 0), 0.65)
        .await;
    app.post_data(
        "/api/v1/attendance/sessions",
        &json!({"name": "Day", "start_time": "09:00", "end_time": "17:00"}),
        201,
    )
    .await;
    app.post_data(
        "/api/v1/attendance/rules",
        &json!({"name": "Standard", "working_days": [0, 1, 2, 3, 4], "start_time": "09:00", "end_time": "17:00", "is_active": true}),
        201,
    )
    .await;
    app.post_data(
        "/api/v1/attendance/exceptions",
        &json!({"person_id": person_id, "exception_date": today, "exception_type": "leave", "reason": "dentist"}),
        201,
    )
    .await;
}
