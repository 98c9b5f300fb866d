//! Sessions end when idle, when old, and when a password change or an admin ends them.

use std::time::Duration;

use console::operators::Role;
use console::session::SessionLifetime;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    Backend, Browser, PASSWORD, Spawn, TestApp, error_code, spawn_app, spawn_app_with,
};
use crate::on_both_backends;

async fn session_status(app: &TestApp, browser: &Browser) -> u16 {
    app.page_request(Method::GET, "/console/api/v1/session", browser)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn an_idle_session_ends(backend: Backend) {
    let mut options = Spawn::new(backend);
    options.lifetime = SessionLifetime {
        idle_timeout: Duration::from_secs(4),
        absolute_lifetime: Duration::from_secs(60),
    };
    let app = spawn_app_with(options).await;
    app.operator("ada@example.com", Role::Viewer).await;
    let browser = app.sign_in("ada@example.com").await;
    assert_eq!(session_status(&app, &browser).await, 200);
    tokio::time::sleep(Duration::from_millis(4200)).await;
    let response = app
        .page_request(Method::GET, "/console/api/v1/session", &browser)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(error_code(response).await, "session_expired");
}

async fn an_active_session_ends_at_its_absolute_lifetime(backend: Backend) {
    let mut options = Spawn::new(backend);
    options.lifetime = SessionLifetime {
        idle_timeout: Duration::from_secs(4),
        absolute_lifetime: Duration::from_secs(8),
    };
    let app = spawn_app_with(options).await;
    app.operator("ada@example.com", Role::Viewer).await;
    let browser = app.sign_in("ada@example.com").await;
    let started = tokio::time::Instant::now();
    // Used every half second, it outlives its idle timeout...
    while started.elapsed() < Duration::from_millis(6500) {
        assert_eq!(session_status(&app, &browser).await, 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // ...but not its lifetime (counted from before `started`).
    tokio::time::sleep(
        Duration::from_secs(8).saturating_sub(started.elapsed()) + Duration::from_millis(200),
    )
    .await;
    assert_eq!(session_status(&app, &browser).await, 401);
}

async fn a_password_change_ends_the_other_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    app.operator("ada@example.com", Role::Hr).await;
    let laptop = app.sign_in("ada@example.com").await;
    let phone = app.sign_in("ada@example.com").await;

    let wrong = app
        .page_request(Method::PUT, "/console/api/v1/session/password", &laptop)
        .json(&json!({"current_password": "not it", "new_password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let body: serde_json::Value = wrong.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["current_password", "new_password"]);
    assert_eq!(session_status(&app, &phone).await, 200);

    let changed = app
        .page_request(Method::PUT, "/console/api/v1/session/password", &laptop)
        .json(&json!({"current_password": PASSWORD, "new_password": "a much better passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 204);
    assert_eq!(session_status(&app, &laptop).await, 200);
    assert_eq!(session_status(&app, &phone).await, 401);
    assert_eq!(
        app.sign_in_response("ada@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.sign_in_response("ada@example.com", "a much better passphrase")
            .await
            .status(),
        200
    );
    assert!(
        app.audit_events()
            .await
            .contains(&"password_changed".to_owned())
    );
}

async fn an_admin_ends_an_operators_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    app.operator("admin@example.com", Role::Admin).await;
    let reception = app.operator("desk@example.com", Role::Reception).await;
    let admin = app.sign_in("admin@example.com").await;
    let desk_one = app.sign_in("desk@example.com").await;
    let desk_two = app.sign_in("desk@example.com").await;

    let response = app
        .page_request(
            Method::DELETE,
            &format!("/console/api/v1/operators/{}/sessions", reception.id),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["data"]["ended"], 2);
    assert_eq!(session_status(&app, &desk_one).await, 401);
    assert_eq!(session_status(&app, &desk_two).await, 401);
    assert_eq!(session_status(&app, &admin).await, 200);
    // They may sign in again: revoking is not disabling.
    app.sign_in("desk@example.com").await;

    // Of their own account an admin ends every other session, not the one asking.
    let admin_elsewhere = app.sign_in("admin@example.com").await;
    let own = app
        .store
        .operator_for_sign_in(
            &console::operators::OperatorEmail::parse("admin@example.com").unwrap(),
        )
        .await
        .unwrap()
        .unwrap()
        .0;
    let response = app
        .page_request(
            Method::DELETE,
            &format!("/console/api/v1/operators/{}/sessions", own.id),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(session_status(&app, &admin).await, 200);
    assert_eq!(session_status(&app, &admin_elsewhere).await, 401);
}

async fn disabling_or_a_new_role_ends_sessions_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.operator("admin@example.com", Role::Admin).await;
    let hr = app.operator("hr@example.com", Role::Hr).await;
    let admin = app.sign_in("admin@example.com").await;
    let browser = app.sign_in("hr@example.com").await;

    let demote = app
        .page_request(
            Method::PATCH,
            &format!("/console/api/v1/operators/{}", hr.id),
            &admin,
        )
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(demote.status(), 200);
    assert_eq!(session_status(&app, &browser).await, 401);

    let browser = app.sign_in("hr@example.com").await;
    let disable = app
        .page_request(
            Method::PATCH,
            &format!("/console/api/v1/operators/{}", hr.id),
            &admin,
        )
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(disable.status(), 200);
    assert_eq!(session_status(&app, &browser).await, 401);
    assert_eq!(
        app.sign_in_response("hr@example.com", PASSWORD)
            .await
            .status(),
        401
    );
}

on_both_backends!(
    an_idle_session_ends,
    an_active_session_ends_at_its_absolute_lifetime,
    a_password_change_ends_the_other_sessions,
    an_admin_ends_an_operators_sessions,
    disabling_or_a_new_role_ends_sessions_at_once,
);
