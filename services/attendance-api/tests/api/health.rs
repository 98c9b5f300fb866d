//! Liveness, readiness (the database), metrics, graceful shutdown, and the OpenAPI document
//! with Swagger UI.

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    health_readiness_and_metrics,
    stops_when_asked,
    openapi_documents_every_route,
);

async fn health_readiness_and_metrics(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let response = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let body = response.text().await.expect("body");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("database"), "{body}");

    app.get_ok("/api/v1/attendance").await;
    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    assert!(
        text.contains("attendance-api") || text.contains("attendance_api"),
        "{text}"
    );
}

async fn stops_when_asked(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.get_ok("/api/v1/attendance").await;
    assert!(app.stop().await, "stopped cleanly");
    assert!(
        app.client.get(app.url("/healthz")).send().await.is_err(),
        "no longer serving"
    );
}

/// Every route `routes::configure` mounts, with its methods: the document must list each
/// (the health routes are not part of the API).
const ROUTES: [(&str, &[&str]); 33] = [
    ("/api/v1/attendance", &["get"]),
    ("/api/v1/attendance/check-in", &["post"]),
    ("/api/v1/attendance/check-out", &["post"]),
    ("/api/v1/attendance/reports/daily", &["get"]),
    ("/api/v1/attendance/reports/monthly", &["get"]),
    ("/api/v1/attendance/reports/monthly-sheet", &["get"]),
    ("/api/v1/attendance/reports/trends", &["get"]),
    ("/api/v1/attendance/sessions", &["get", "post"]),
    (
        "/api/v1/attendance/sessions/{id}",
        &["get", "patch", "delete"],
    ),
    ("/api/v1/attendance/rules", &["get", "post"]),
    ("/api/v1/attendance/rules/{id}", &["get", "patch", "delete"]),
    ("/api/v1/attendance/exceptions", &["get", "post"]),
    (
        "/api/v1/attendance/exceptions/{id}",
        &["get", "patch", "delete"],
    ),
    ("/api/v1/attendance/exceptions/{id}/approve", &["post"]),
    ("/api/v1/attendance/exceptions/{id}/reject", &["post"]),
    ("/api/v1/attendance/review", &["get"]),
    ("/api/v1/attendance/review/{item_id}/approve", &["post"]),
    ("/api/v1/attendance/review/{item_id}/reject", &["post"]),
    ("/api/v1/attendance/review/{item_id}/assign", &["post"]),
    ("/api/v1/attendance/unknown-faces", &["get"]),
    ("/api/v1/attendance/detections/{detection_id}", &["get"]),
    (
        "/api/v1/attendance/detections/{detection_id}/snapshot",
        &["get"],
    ),
    (
        "/api/v1/attendance/detections/{detection_id}/crop",
        &["get"],
    ),
    ("/api/v1/attendance/records/{attendance_id}", &["get"]),
    ("/api/v1/attendance/corrections", &["post"]),
    (
        "/api/v1/attendance/manual/{attendance_id}/approve",
        &["post"],
    ),
    (
        "/api/v1/attendance/manual/{attendance_id}/reject",
        &["post"],
    ),
    ("/api/v1/attendance/jobs/runs", &["get"]),
    ("/api/v1/attendance/jobs/runs/{id}", &["get"]),
    ("/api/v1/attendance/jobs/{job}/runs", &["post"]),
    ("/api/v1/attendance/status/{person_id}", &["get"]),
    ("/api/v1/attendance/{person_id}/statistics", &["get"]),
    ("/api/v1/attendance/{person_id}", &["get"]),
];

async fn openapi_documents_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.expect("json");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    // The document spells `jobs/{job}/runs` as one path per job (each its own body).
    let routes: Vec<(String, &[&str])> = ROUTES
        .iter()
        .flat_map(|(path, methods)| {
            let expanded: Vec<String> = if path.contains("{job}") {
                faceattend_attendance_store::jobs::JobName::ALL
                    .iter()
                    .map(|job| path.replace("{job}", job.as_str()))
                    .collect()
            } else {
                vec![path.to_string()]
            };
            expanded.into_iter().map(move |p| (p, *methods))
        })
        .collect();
    let mut documented = 0;
    for (path, methods) in &routes {
        for method in methods.iter() {
            let operation = &paths
                .get(path.as_str())
                .unwrap_or_else(|| panic!("{path} missing from OpenAPI"))[method];
            assert!(
                operation.is_object(),
                "{method} {path} missing from OpenAPI"
            );
            assert_eq!(
                operation["security"][0]["bearer"],
                serde_json::json!([]),
                "{method} {path} needs a token"
            );
            assert!(
                operation["responses"]["401"].is_object(),
                "{method} {path} documents 401"
            );
        }
        documented += 1;
    }
    assert_eq!(documented, routes.len());
    // And every listed route is served: without a token each answers 401, not 404 or 405.
    let id = uuid::Uuid::now_v7().to_string();
    for (path, methods) in ROUTES {
        let path = path
            .replace("{id}", &id)
            .replace("{person_id}", &id)
            .replace("{item_id}", &id)
            .replace("{attendance_id}", &id)
            .replace("{detection_id}", &id)
            .replace("{job}", "cleanup");
        for method in methods {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .client
                .request(method.clone(), app.url(&path))
                .send()
                .await
                .expect("sent");
            assert_eq!(response.status(), 401, "{method} {path}");
        }
    }
    // Nothing documented that is not served.
    let served: std::collections::BTreeSet<&str> = routes.iter().map(|(p, _)| p.as_str()).collect();
    let listed: std::collections::BTreeSet<&str> = paths.keys().map(String::as_str).collect();
    assert_eq!(listed, served);
    for schema in [
        "SessionResponse",
        "RuleResponse",
        "ExceptionResponse",
        "MonthlyReport",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} schema"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let docs = app
        .client
        .get(app.url("/docs/"))
        .send()
        .await
        .expect("sent");
    assert_eq!(docs.status(), 200);
    assert!(
        docs.text().await.expect("text").contains("swagger"),
        "the docs page is Swagger UI"
    );
}
