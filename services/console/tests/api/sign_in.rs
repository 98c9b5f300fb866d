//! Signing in and out, as an operator does it.

use console::operators::Role;
use serde_json::Value;

use crate::helpers::{Backend, PASSWORD, error_code, spawn_app};
use crate::on_both_backends;

async fn an_operator_signs_in_and_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let operator = app.operator("ada@example.com", Role::Hr).await;

    let response = app.sign_in_response("  ADA@Example.com ", PASSWORD).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.starts_with("faceattend_session="),
        "{set_cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} missing: {set_cookie}"
        );
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    let cookie = app.session_cookie(&response).unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["operator"]["id"], operator.id.to_string());
    assert_eq!(body["data"]["operator"]["email"], "ada@example.com");
    assert_eq!(body["data"]["operator"]["role"], "hr");
    assert_eq!(body["data"]["idle_timeout_seconds"], 1800);
    assert_eq!(body["data"]["permissions"].as_array().unwrap().len(), 4);

    let session = app
        .client
        .get(app.url("/console/api/v1/session"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 200);
    let body: Value = session.json().await.unwrap();
    assert_eq!(body["data"]["operator"]["display_name"], "ada");
    assert!(body["data"]["operator"]["last_sign_in_at"].is_string());

    let signed_out = app
        .client
        .delete(app.url("/console/api/v1/session"))
        .header("Cookie", &cookie)
        .header("X-Faceattend-Csrf", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 204);
    let removal = signed_out.headers()["set-cookie"].to_str().unwrap();
    assert!(removal.starts_with("faceattend_session=;"), "{removal}");
    assert!(removal.contains("Max-Age=0"), "{removal}");

    // The old cookie opens nothing any more.
    let after = app
        .client
        .get(app.url("/console/api/v1/session"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    assert_eq!(error_code(after).await, "session_expired");
    let events = app.audit_events().await;
    assert_eq!(events[..2], ["sign_out", "sign_in"]);
}

async fn without_a_session_nothing_is_shown(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .get(app.url("/console/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(error_code(response).await, "not_signed_in");
    // A cookie that is not a session token, and one of the right shape that names no session.
    for cookie in [
        "faceattend_session=forged",
        &format!("faceattend_session={}", "A".repeat(43)),
    ] {
        let response = app
            .client
            .get(app.url("/console/api/v1/session"))
            .header("Cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{cookie}");
    }
}

async fn wrong_password_unknown_email_and_disabled_account_answer_alike(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.operator("admin@localhost", Role::Admin).await;
    let disabled = app.operator("gone@example.com", Role::Viewer).await;
    app.store
        .update_operator(
            disabled.id,
            console::store::OperatorChange {
                disabled: Some(true),
                ..Default::default()
            },
            console::store::Audit::new(console::store::AuditEvent::OperatorUpdated),
            chrono::Utc::now(),
        )
        .await
        .unwrap();

    let mut bodies = Vec::new();
    for (email, password) in [
        ("admin@localhost", "not the password"),
        ("nobody@example.com", PASSWORD),
        ("gone@example.com", PASSWORD),
    ] {
        let response = app.sign_in_response(email, password).await;
        assert_eq!(response.status(), 401, "{email}");
        assert!(app.session_cookie(&response).is_none());
        bodies.push(response.text().await.unwrap());
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[1], bodies[2]);
    assert!(bodies[0].contains("invalid_credentials"));

    let log = app.store.audit_log(None, 10).await.unwrap();
    let failures: Vec<_> = log.iter().filter(|e| e.event == "sign_in_failed").collect();
    assert_eq!(failures.len(), 3);
    // The trail says why, though the answer does not.
    let details: Vec<_> = failures
        .iter()
        .filter_map(|e| e.detail.as_deref())
        .collect();
    for reason in ["wrong password", "unknown email", "account disabled"] {
        assert!(details.contains(&reason), "{reason} not in {details:?}");
    }
    assert!(failures.iter().any(|e| e.operator_id == Some(admin.id)));
    // And the right password still works.
    app.sign_in("admin@localhost").await;
}

async fn sign_in_input_is_validated(backend: Backend) {
    let app = spawn_app(backend).await;
    for (body, status, code) in [
        (
            r#"{"email": "", "password": "x"}"#,
            422,
            "validation_failed",
        ),
        (
            r#"{"email": "not-an-email", "password": "x"}"#,
            422,
            "validation_failed",
        ),
        (
            r#"{"email": "a@example.com", "password": ""}"#,
            422,
            "validation_failed",
        ),
        (r#"{"email": "a@example.com"}"#, 422, "validation_failed"),
        (
            r#"{"email": "a@example.com", "password": "x", "remember": true}"#,
            422,
            "validation_failed",
        ),
        (r#"{"email": "#, 400, "malformed_json"),
    ] {
        let response = app
            .client
            .post(app.url("/console/api/v1/session"))
            .header("X-Faceattend-Csrf", "1")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{body}");
        assert_eq!(error_code(response).await, code, "{body}");
    }
    // A megabyte of password is refused before it is hashed.
    let response = app
        .sign_in_response("a@example.com", &"p".repeat(2000))
        .await;
    assert_eq!(response.status(), 422);
}

on_both_backends!(
    an_operator_signs_in_and_out,
    without_a_session_nothing_is_shown,
    wrong_password_unknown_email_and_disabled_account_answer_alike,
    sign_in_input_is_validated,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_cookie_is_host_prefixed_and_secure() {
    let mut options = crate::helpers::Spawn::new(Backend::Sqlite);
    options.cookie_secure = true;
    let app = crate::helpers::spawn_app_with(options).await;
    app.operator("ada@example.com", Role::Viewer).await;
    let response = app.sign_in_response("ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.starts_with("__Host-faceattend_session="),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");
}
