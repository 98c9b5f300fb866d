//! The console's OpenAPI document is the contract, checked by schemathesis
//! ([`faceattend_service::contract`]) against a real console on PostgreSQL, signed in as an
//! admin (its session cookie and the CSRF header on every request). Exclusions, each narrow
//! and with its reason, are in `tests/schemathesis.toml`.

use std::path::PathBuf;

use console::operators::Role;
use faceattend_service::contract::ContractRun;

use crate::helpers::{Backend, spawn_app};

/// Generated requests per operation and phase: enough for every parameter and body field of
/// the console's 11 operations.
const MAX_EXAMPLES: u32 = 25;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_exact() {
    let app = spawn_app(Backend::Postgres).await;
    app.operator("admin@example.com", Role::Admin).await;
    app.operator("desk@example.com", Role::Reception).await;
    let admin = app.sign_in("admin@example.com").await;
    let run = ContractRun {
        schema_url: app.url("/console/api/v1/openapi.json"),
        // The session goes through schemathesis' OpenAPI-aware auth (tests/schemathesis.toml),
        // not a fixed Cookie header, so that it can check every route refuses without it.
        headers: Vec::new(),
        env: vec![(
            "FACEATTEND_CONTRACT_SESSION".to_owned(),
            admin
                .cookie
                .split_once('=')
                .map(|(_, value)| value.to_owned())
                .expect("name=value"),
        )],
        tests_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests"),
        max_examples: MAX_EXAMPLES,
        report_dir: std::env::temp_dir()
            .join(format!("schemathesis-console-{}", uuid::Uuid::new_v4())),
    };
    tokio::task::spawn_blocking(move || run.assert_no_failures())
        .await
        .expect("schemathesis ran to the end");
}
