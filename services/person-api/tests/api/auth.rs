//! The authorisation matrix: every route × no token, garbage, expired, wrong permission,
//! right permission.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, person_body, spawn_app};
use crate::on_both_backends;

on_both_backends!(every_route_checks_token_and_permission);

struct Route {
    method: Method,
    path: String,
    permission: &'static str,
    body: Option<Value>,
}

fn routes(id: &str) -> Vec<Route> {
    let route = |method: Method, path: String, permission, body| Route {
        method,
        path,
        permission,
        body,
    };
    vec![
        route(
            Method::POST,
            "/api/v1/persons".into(),
            "persons:write",
            Some(person_body("matrix")),
        ),
        route(Method::GET, "/api/v1/persons".into(), "persons:read", None),
        route(
            Method::GET,
            "/api/v1/persons/search?q=first".into(),
            "persons:read",
            None,
        ),
        route(
            Method::GET,
            "/api/v1/persons/summary".into(),
            "persons:read",
            None,
        ),
        route(
            Method::GET,
            format!("/api/v1/persons/{id}"),
            "persons:read",
            None,
        ),
        route(
            Method::PUT,
            format!("/api/v1/persons/{id}"),
            "persons:write",
            Some(json!({"department": "QA"})),
        ),
        route(
            Method::GET,
            format!("/api/v1/persons/{id}/metadata"),
            "persons:read",
            None,
        ),
        route(
            Method::PUT,
            format!("/api/v1/persons/{id}/metadata"),
            "persons:write",
            Some(json!({"address": "x"})),
        ),
        // Last, since the right permission deletes the person.
        route(
            Method::DELETE,
            format!("/api/v1/persons/{id}"),
            "persons:write",
            None,
        ),
    ]
}

async fn send(app: &TestApp, route: &Route, authorization: Option<String>) -> reqwest::Response {
    let mut request = app
        .client
        .request(route.method.clone(), app.url(&route.path));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    if let Some(body) = &route.body {
        request = request.json(body);
    }
    request.send().await.expect("request sent")
}

async fn every_route_checks_token_and_permission(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.create_person(person_body("subject")).await;
    let id = person["id"].as_str().unwrap();

    for route in routes(id) {
        let what = format!("{} {}", route.method, route.path);
        let other = if route.permission == "persons:read" {
            "persons:write"
        } else {
            "persons:read"
        };

        let response = send(&app, &route, None).await;
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap()),
            Some("Bearer"),
            "{what}"
        );
        assert_error(response, 401, "missing_token").await;

        assert_error(
            send(&app, &route, Some("Bearer not-a-jwt".into())).await,
            401,
            "invalid_token",
        )
        .await;
        assert_error(
            send(&app, &route, Some(format!("Basic {}", app.admin_token()))).await,
            401,
            "invalid_token",
        )
        .await;
        let expired = app.expired_token(&[route.permission]);
        assert_error(
            send(&app, &route, Some(format!("Bearer {expired}"))).await,
            401,
            "token_expired",
        )
        .await;

        let wrong = app.token(&[other, "attendance:read", "attendance:write"]);
        let body = assert_error(
            send(&app, &route, Some(format!("Bearer {wrong}"))).await,
            403,
            "forbidden",
        )
        .await;
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(route.permission),
            "{what}: {body}"
        );

        let right = app.token(&[route.permission]);
        let response = send(&app, &route, Some(format!("bearer {right}"))).await;
        assert!(
            response.status().is_success(),
            "{what} with {}: {}",
            route.permission,
            response.status()
        );
    }
}
