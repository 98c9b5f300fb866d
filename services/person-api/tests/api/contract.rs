//! The OpenAPI document is the contract, checked by schemathesis
//! ([`faceattend_service::contract`]) against a real person-api on PostgreSQL with a real NATS
//! and a real face-embedder beside it, so the face routes answer as in production; a person
//! with an enrolled face (when the development photos are there) gives the reads something to
//! return. Exclusions, each narrow and with its reason, are in `tests/schemathesis.toml`.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use faceattend_service::auth::ALL_PERMISSIONS;
use faceattend_service::contract::ContractRun;
use serde_json::json;

use crate::helpers::{Backend, Spawn, TestApp, person_body, spawn_app_with};

/// Generated requests per operation and phase: enough for every parameter and body field of
/// the 13 operations, and about two minutes on two cores.
const MAX_EXAMPLES: u32 = 25;

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
