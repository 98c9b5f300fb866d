//! The OpenAPI document is the contract: schemathesis (`scripts/schemathesis.sh`, pinned to
//! 4.32.5) generates requests from `/api/v1/openapi.json` — valid ones, which must be
//! accepted, and invalid ones, which must be refused with a 4xx — and checks every answer
//! against the document (`--checks all`: status codes, content types, headers, schemas, no
//! 5xx, 405 with `Allow`, authentication not ignored). A real attendance-api on PostgreSQL
//! with a real NATS, with a little real data so that reads find something.
//!
//! Exclusions, each narrow and with its reason, are in `tests/schemathesis.toml`.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use faceattend_domain::attendance::CameraRole;
use faceattend_service::auth::ALL_PERMISSIONS;
use serde_json::json;

use crate::helpers::{Backend, Seed, at, spawn_app};

/// Fixed, so a failure reproduces; change it only with the examples it finds fixed.
const SEED: &str = "20261204";
/// Generated requests per operation and phase: enough for every operation's parameters and
/// body fields, and under four minutes on two cores.
const MAX_EXAMPLES: &str = "25";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_exact() {
    let app = spawn_app(Backend::Postgres).await;
    seed(&app).await;

    // Run from this service's `tests/`, where schemathesis finds its `schemathesis.toml`
    // (it looks in the working directory and its parents; `run` takes no `--config-file`).
    let tests_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/schemathesis.sh");
    let schema = app.url("/api/v1/openapi.json");
    let permissions: Vec<String> = ALL_PERMISSIONS.iter().map(|p| p.to_string()).collect();
    let token = app
        .keys
        .mint("schemathesis", &permissions, Duration::from_secs(3600))
        .expect("token");
    let report_dir = std::env::temp_dir().join(format!("schemathesis-{}", app.namespace));

    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(&script)
            .current_dir(&tests_dir)
            .arg("run")
            .arg(&schema)
            .args([
                "--checks",
                "all",
                "--seed",
                SEED,
                "--max-examples",
                MAX_EXAMPLES,
            ])
            .args(["--workers", "2", "--no-color", "--report-dir"])
            .arg(&report_dir)
            .arg("--header")
            .arg(format!("Authorization: Bearer {token}"))
            .output()
    })
    .await
    .expect("schemathesis task")
    .expect("scripts/schemathesis.sh runs (python3 with venv and pip are needed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    println!("schemathesis took {:.1} s", started.elapsed().as_secs_f64());
    assert!(
        output.status.success(),
        "schemathesis found contract failures (exit {:?}); its report is above",
        output.status.code()
    );
    assert!(
        !stdout.contains("FAILURES") && !stdout.contains("ERRORS"),
        "schemathesis reported failures or errors"
    );
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
