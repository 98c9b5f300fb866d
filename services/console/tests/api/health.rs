//! Health, readiness and the console's OpenAPI document.

use serde_json::Value;

use crate::helpers::{Backend, Spawn, spawn_app, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_only_when_every_upstream_is() {
    let app = spawn_app(Backend::Sqlite).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["checks"]["database"], "ok");
    assert!(body["checks"]["person_api"]["error"].is_string(), "{body}");

    let mut options = Spawn::new(Backend::Postgres);
    options.upstreams = true;
    let app = spawn_app_with(options).await;
    let body: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The gateway is not spawned by these tests: only it is missing.
    assert_eq!(body["checks"]["person_api"], "ok", "{body}");
    assert_eq!(body["checks"]["attendance_api"], "ok", "{body}");
    assert!(
        body["checks"]["realtime_gateway"]["error"].is_string(),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route() {
    let app = spawn_app(Backend::Sqlite).await;
    let document: Value = app
        .client
        .get(app.url("/console/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
    for path in [
        "/console/api/v1/session",
        "/console/api/v1/session/password",
        "/console/api/v1/operators",
        "/console/api/v1/operators/{operator_id}",
        "/console/api/v1/operators/{operator_id}/password",
        "/console/api/v1/operators/{operator_id}/sessions",
        "/console/api/v1/audit",
    ] {
        assert!(paths.iter().any(|p| p.as_str() == path), "{path} missing");
    }
    let unknown = app
        .client
        .get(app.url("/console/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let wrong_method = app
        .client
        .put(app.url("/console/api/v1/operators"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(wrong_method.headers()["allow"], "GET, POST");
}
