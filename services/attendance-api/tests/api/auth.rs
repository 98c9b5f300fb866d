//! Every route needs a bearer token with `attendance:read`: none is 401, without the
//! permission 403 (before any parameter is looked at).

use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(every_route_requires_attendance_read);

async fn every_route_requires_attendance_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = uuid::Uuid::now_v7();
    let routes = [
        "/api/v1/attendance".to_owned(),
        format!("/api/v1/attendance/{person}"),
        format!("/api/v1/attendance/status/{person}"),
        "/api/v1/attendance/reports/daily?date=2024-01-15".to_owned(),
        format!("/api/v1/attendance/{person}/statistics?from_date=2024-01-01&to_date=2024-01-31"),
        format!("/api/v1/attendance/{person}/statistics"),
        // Invalid input still answers 401/403 first.
        "/api/v1/attendance?status=sleeping".to_owned(),
    ];
    let wrong = app.token(&["persons:read", "attendance:write"]);
    for route in &routes {
        let response = app.client.get(app.url(route)).send().await.expect("sent");
        assert_error(response, 401, "missing_token").await;
        let response = app
            .client
            .get(app.url(route))
            .bearer_auth("not-a-jwt")
            .send()
            .await
            .expect("sent");
        assert_error(response, 401, "invalid_token").await;
        let response = app
            .client
            .get(app.url(route))
            .bearer_auth(&wrong)
            .send()
            .await
            .expect("sent");
        assert_error(response, 403, "forbidden").await;
    }
}
