//! Admins manage operators; nobody else can.

use console::operators::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, error_code, spawn_app};
use crate::on_both_backends;

async fn an_admin_creates_lists_and_changes_operators(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin_operator = app.operator("admin@example.com", Role::Admin).await;
    let admin = app.sign_in("admin@example.com").await;

    let created = app
        .page_request(Method::POST, "/console/api/v1/operators", &admin)
        .json(&json!({
            "email": "Desk@Example.com",
            "display_name": "Front desk",
            "role": "reception",
            "password": "first password 123",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["data"]["email"], "desk@example.com");
    assert_eq!(body["data"]["role"], "reception");
    assert_eq!(body["meta"]["created"], true);
    assert!(body["data"].get("password_hash").is_none());
    let id = body["data"]["id"].as_str().unwrap().to_owned();

    // The email is unique whatever its case.
    let duplicate = app
        .page_request(Method::POST, "/console/api/v1/operators", &admin)
        .json(&json!({
            "email": "DESK@example.com",
            "display_name": "Another desk",
            "role": "viewer",
            "password": "first password 123",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), 409);
    assert_eq!(error_code(duplicate).await, "email_taken");

    let list: Value = app
        .page_request(Method::GET, "/console/api/v1/operators", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["admin@example.com", "desk@example.com"]);

    let renamed = app
        .page_request(
            Method::PATCH,
            &format!("/console/api/v1/operators/{id}"),
            &admin,
        )
        .json(&json!({"display_name": "Reception, hall B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let body: Value = renamed.json().await.unwrap();
    assert_eq!(body["data"]["display_name"], "Reception, hall B");
    assert_eq!(body["data"]["role"], "reception");

    // The new operator signs in with the password the admin gave; after a reset, the new one.
    app.sign_in_response("desk@example.com", "first password 123")
        .await
        .error_for_status()
        .unwrap();
    let reset = app
        .page_request(
            Method::PUT,
            &format!("/console/api/v1/operators/{id}/password"),
            &admin,
        )
        .json(&json!({"new_password": "second password 456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    assert_eq!(
        app.sign_in_response("desk@example.com", "first password 123")
            .await
            .status(),
        401
    );
    assert_eq!(
        app.sign_in_response("desk@example.com", "second password 456")
            .await
            .status(),
        200
    );

    // The audit log names who did what.
    let log: Value = app
        .page_request(Method::GET, "/console/api/v1/audit?limit=50", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = log["data"].as_array().unwrap();
    let created_entry = entries
        .iter()
        .find(|e| e["event"] == "operator_created" && e["operator_id"] == id.as_str())
        .expect("operator_created entry");
    let detail = created_entry["detail"].as_str().unwrap();
    assert!(detail.contains("role reception"), "{detail}");
    assert!(detail.contains(&admin_operator.id.to_string()), "{detail}");
    assert!(entries.iter().any(|e| e["event"] == "password_reset"));
}

async fn operator_input_is_validated(backend: Backend) {
    let app = spawn_app(backend).await;
    app.operator("admin@example.com", Role::Admin).await;
    let admin = app.sign_in("admin@example.com").await;
    let response = app
        .page_request(Method::POST, "/console/api/v1/operators", &admin)
        .json(&json!({"email": "nope", "display_name": " ", "role": "viewer", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<(&str, &str)> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["field"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("email", "invalid_email"),
            ("display_name", "required"),
            ("password", "too_short")
        ]
    );
    let bad_role = app
        .page_request(Method::POST, "/console/api/v1/operators", &admin)
        .json(&json!({"email": "a@example.com", "display_name": "A", "role": "root", "password": "long enough password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_role.status(), 422);
    let missing = app
        .page_request(
            Method::GET,
            &format!("/console/api/v1/operators/{}", uuid::Uuid::now_v7()),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(error_code(missing).await, "operator_not_found");
    let not_uuid = app
        .page_request(Method::GET, "/console/api/v1/operators/42", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(not_uuid.status(), 400);
    let bad_limit = app
        .page_request(Method::GET, "/console/api/v1/audit?limit=0", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_limit.status(), 400);
}

async fn only_admins_manage_operators(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin_operator = app.operator("admin@example.com", Role::Admin).await;
    for role in [Role::Hr, Role::Reception, Role::Viewer] {
        let email = format!("{role}@example.com");
        app.operator(&email, role).await;
        let browser = app.sign_in(&email).await;
        for (method, path) in [
            (Method::GET, "/console/api/v1/operators".to_owned()),
            (Method::POST, "/console/api/v1/operators".to_owned()),
            (
                Method::GET,
                format!("/console/api/v1/operators/{}", admin_operator.id),
            ),
            (
                Method::PATCH,
                format!("/console/api/v1/operators/{}", admin_operator.id),
            ),
            (
                Method::PUT,
                format!("/console/api/v1/operators/{}/password", admin_operator.id),
            ),
            (
                Method::DELETE,
                format!("/console/api/v1/operators/{}/sessions", admin_operator.id),
            ),
            (Method::GET, "/console/api/v1/audit".to_owned()),
        ] {
            let response = app
                .page_request(method.clone(), &path, &browser)
                .json(&json!({"email": "x@example.com", "display_name": "X", "role": "admin", "password": "long enough password", "new_password": "long enough password"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 403, "{role} {method} {path}");
            assert_eq!(error_code(response).await, "forbidden");
        }
        // Names only, for histories: every operator, nothing to reach them by.
        let response = app
            .page_request(Method::GET, "/console/api/v1/operator-names", &browser)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{role}");
        let body: serde_json::Value = response.json().await.unwrap();
        let names = body["data"].as_array().expect("a list");
        assert!(
            names
                .iter()
                .any(|n| n["id"] == admin_operator.id.to_string() && n["display_name"].is_string()),
            "{body}"
        );
        assert!(names.iter().all(|n| n.get("email").is_none()), "{body}");
    }
    let response = app
        .client
        .get(app.url("/console/api/v1/operator-names"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // Nobody raised themselves: there is still one admin, and four operators.
    let operators = app.store.operators().await.unwrap();
    assert_eq!(operators.len(), 4);
    assert_eq!(
        operators.iter().filter(|o| o.role == Role::Admin).count(),
        1
    );
}

async fn an_admin_cannot_lock_themselves_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let me = app.operator("admin@example.com", Role::Admin).await;
    let admin = app.sign_in("admin@example.com").await;
    for change in [json!({"role": "hr"}), json!({"disabled": true})] {
        let response = app
            .page_request(
                Method::PATCH,
                &format!("/console/api/v1/operators/{}", me.id),
                &admin,
            )
            .json(&change)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 409, "{change}");
        assert_eq!(error_code(response).await, "cannot_lock_out_self");
    }
    assert_eq!(app.store.operator(me.id).await.unwrap().role, Role::Admin);
}

on_both_backends!(
    an_admin_creates_lists_and_changes_operators,
    operator_input_is_validated,
    only_admins_manage_operators,
    an_admin_cannot_lock_themselves_out,
);
