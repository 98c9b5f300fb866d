//! Every route needs a bearer token: reads `attendance:read`, writes `attendance:write`;
//! none is 401, without the permission 403 (before any parameter is looked at).

use reqwest::Method;

use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    every_route_requires_attendance_read,
    policy_routes_require_their_permission,
);

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

/// Reads of the policy need `attendance:read`, writes `attendance:write`: no token is 401,
/// the other permission 403, before the body or the id is looked at.
async fn policy_routes_require_their_permission(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = uuid::Uuid::now_v7();
    let mut routes = Vec::new();
    for resource in ["sessions", "rules", "exceptions"] {
        let list = format!("/api/v1/attendance/{resource}");
        let one = format!("{list}/{id}");
        routes.push((Method::GET, list.clone(), "attendance:write"));
        routes.push((Method::GET, one.clone(), "attendance:write"));
        routes.push((Method::POST, list, "attendance:read"));
        routes.push((Method::PATCH, one.clone(), "attendance:read"));
        routes.push((Method::DELETE, one, "attendance:read"));
    }
    for action in ["approve", "reject"] {
        let path = format!("/api/v1/attendance/exceptions/{id}/{action}");
        routes.push((Method::POST, path, "attendance:read"));
    }
    routes.push((
        Method::GET,
        "/api/v1/attendance/reports/monthly?year=2024&month=1".to_owned(),
        "attendance:write",
    ));
    for (method, route, wrong) in routes {
        let response = app
            .client
            .request(method.clone(), app.url(&route))
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("sent");
        assert_error(response, 401, "missing_token").await;
        let response = app
            .send_as(
                method.clone(),
                &route,
                Some(&serde_json::json!({})),
                &[wrong],
            )
            .await;
        let body = assert_error(response, 403, "forbidden").await;
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("attendance:"),
            "{method} {route}: {body}"
        );
    }
}
