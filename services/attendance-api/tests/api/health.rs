//! Liveness, readiness (the database), metrics and graceful shutdown.

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

on_both_backends!(health_readiness_and_metrics, stops_when_asked);

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
