//! A state-changing request must come from the console's own pages.

use console::operators::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, Spawn, error_code, spawn_app, spawn_app_with};
use crate::on_both_backends;

async fn writes_without_the_header_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.operator("admin@example.com", Role::Admin).await;
    // Sign-in itself (a forged sign-in would put the victim in the attacker's account).
    let response = app
        .client
        .post(app.url("/console/api/v1/session"))
        .json(&json!({"email": "admin@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(error_code(response).await, "csrf_failed");

    let admin = app.sign_in("admin@example.com").await;
    for (method, path, body) in [
        (
            Method::POST,
            "/console/api/v1/operators",
            json!({"email": "x@example.com", "display_name": "X", "role": "viewer", "password": "long enough password"}),
        ),
        (Method::DELETE, "/console/api/v1/session", json!(null)),
        (
            Method::PUT,
            "/console/api/v1/session/password",
            json!({"current_password": PASSWORD, "new_password": "another long password"}),
        ),
        (Method::POST, "/api/v1/persons", json!({})),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .header("Cookie", &admin.cookie)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{method} {path}");
        assert_eq!(error_code(response).await, "csrf_failed");
    }
    // Nothing happened: the session is alive and no operator was created.
    let session = app
        .page_request(Method::GET, "/console/api/v1/session", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 200);
    assert_eq!(app.store.operator_count().await.unwrap(), 1);
}

async fn other_sites_and_origins_are_refused(backend: Backend) {
    let mut options = Spawn::new(backend);
    options.public_origins = "http://console.example.com:8000";
    let app = spawn_app_with(options).await;
    app.operator("admin@example.com", Role::Admin).await;
    for (site, origin, allowed) in [
        (
            Some("same-origin"),
            Some("http://console.example.com:8000"),
            true,
        ),
        (None, None, true),
        (Some("cross-site"), None, false),
        (
            Some("same-site"),
            Some("http://console.example.com:8000"),
            false,
        ),
        (None, Some("https://evil.example.com"), false),
        (
            Some("same-origin"),
            Some("http://console.example.com:8001"),
            false,
        ),
    ] {
        let mut request = app
            .client
            .post(app.url("/console/api/v1/session"))
            .header("X-Faceattend-Csrf", "1")
            .json(&json!({"email": "admin@example.com", "password": PASSWORD}));
        if let Some(site) = site {
            request = request.header("Sec-Fetch-Site", site);
        }
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        let response = request.send().await.unwrap();
        let expected = if allowed { 200 } else { 403 };
        assert_eq!(response.status(), expected, "{site:?} {origin:?}");
    }
}

async fn reads_need_no_header(backend: Backend) {
    let app = spawn_app(backend).await;
    app.operator("admin@example.com", Role::Admin).await;
    let admin = app.sign_in("admin@example.com").await;
    let response = app
        .client
        .get(app.url("/console/api/v1/operators"))
        .header("Cookie", &admin.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

on_both_backends!(
    writes_without_the_header_are_refused,
    other_sites_and_origins_are_refused,
    reads_need_no_header,
);
