//! Operational routes: health, readiness, metrics, OpenAPI and the docs page.

use serde_json::Value;

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

on_both_backends!(health_readiness_and_metrics, openapi_documents_every_route);

async fn health_readiness_and_metrics(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);

    // NATS may still be connecting right after start.
    let mut ready = Value::Null;
    for _ in 0..50 {
        let response = app.client.get(app.url("/readyz")).send().await.unwrap();
        let status = response.status().as_u16();
        ready = response.json().await.unwrap();
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["checks"]["database"], "ok");
    assert_eq!(ready["checks"]["nats"], "ok");

    app.get("/api/v1/persons/summary").await;
    app.get(&format!("/api/v1/persons/{}", uuid::Uuid::now_v7()))
        .await;
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"http_requests_total{method="GET",route="/api/v1/persons/summary",status="200",service="person-api"} 1"#),
        "{metrics}"
    );
    // Routes are labelled by pattern, not by id.
    assert!(
        metrics.contains(r#"route="/api/v1/persons/{person_id}",status="404""#),
        "{metrics}"
    );
    assert!(
        metrics.contains("http_request_duration_seconds_bucket"),
        "{metrics}"
    );
}

async fn openapi_documents_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/v1/persons", &["get", "post"][..]),
        ("/api/v1/persons/search", &["get"]),
        ("/api/v1/persons/summary", &["get"]),
        ("/api/v1/persons/{person_id}", &["get", "put", "delete"]),
        ("/api/v1/persons/{person_id}/metadata", &["get", "put"]),
        ("/api/v1/persons/{person_id}/enroll", &["post"]),
        ("/api/v1/persons/search/by-face", &["post"]),
        ("/api/v1/persons/{person_id}/faces", &["get"]),
        (
            "/api/v1/persons/{person_id}/faces/{encoding_id}",
            &["delete"],
        ),
        (
            "/api/v1/persons/{person_id}/faces/{encoding_id}/image",
            &["get"],
        ),
    ] {
        for method in methods {
            assert!(
                paths[path][method].is_object(),
                "{method} {path} missing from OpenAPI"
            );
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let docs = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status().as_u16(), 200);
    assert!(
        docs.text().await.unwrap().contains("swagger"),
        "the docs page is Swagger UI"
    );
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/docs"))
        .send()
        .await
        .unwrap();
    assert!(redirect.status().is_redirection());
}
