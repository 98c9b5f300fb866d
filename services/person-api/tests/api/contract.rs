//! The OpenAPI document is the contract: schemathesis (`scripts/schemathesis.sh`, pinned to
//! 4.32.5) generates requests from `/api/v1/openapi.json` — valid ones, which must be
//! accepted, and invalid ones, which must be refused with a 4xx — and checks every answer
//! against the document (`--checks all`: status codes, content types, headers, schemas, no
//! 5xx, 405 with `Allow`, authentication not ignored). A real person-api on PostgreSQL with a
//! real NATS and a real face-embedder beside it, so the face routes answer as in production;
//! a person with an enrolled face (when the development photos are there) gives the reads
//! something to return.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use faceattend_service::auth::ALL_PERMISSIONS;
use serde_json::json;

use crate::helpers::{Backend, Spawn, TestApp, person_body, spawn_app_with};

/// Fixed, so a failure reproduces; change it only with the examples it finds fixed.
const SEED: &str = "20261204";
/// Generated requests per operation and phase: enough for every parameter and body field of
/// the 13 operations, and about two minutes on two cores.
const MAX_EXAMPLES: &str = "25";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_exact() {
    let app = spawn_app_with(
        Backend::Postgres,
        Spawn {
            faces: true,
            ..Spawn::default()
        },
    )
    .await;
    seed(&app).await;

    // Run from this service's `tests/`, where schemathesis finds its `schemathesis.toml`
    // (it looks in the working directory; `run` takes no config path).
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
            .args(["--checks", "all", "--seed", SEED])
            .args(["--max-examples", MAX_EXAMPLES])
            .args([
                "--workers",
                "2",
                "--no-color",
                "--generation-database",
                "none",
            ])
            .arg("--report-dir")
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

/// A person with metadata and, when the development photos are there, an enrolled face.
async fn seed(app: &TestApp) {
    let person = app.create_person(person_body("contract")).await;
    let id = person["id"].as_str().expect("id").to_owned();
    let response = app
        .put_json(
            &format!("/api/v1/persons/{id}/metadata"),
            &json!({"address": "1 Main St", "preferences": {"lang": "en"}}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let faces = std::env::var_os("FACEATTEND_FACES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/faces")
        });
    if let Ok(bytes) = std::fs::read(faces.join("person01/img1.jpg")) {
        let photo = base64::engine::general_purpose::STANDARD.encode(bytes);
        let response = app
            .post_json(
                &format!("/api/v1/persons/{id}/enroll"),
                &json!({"frame_data": photo}),
            )
            .await;
        assert_eq!(
            response.status().as_u16(),
            200,
            "{:?}",
            response.text().await
        );
    }
}
