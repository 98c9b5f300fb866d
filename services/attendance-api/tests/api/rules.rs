//! Rules: CRUD, validation through the domain (working days, thresholds, a night shift),
//! and one active rule at a time, each deactivation audited.

use serde_json::{Value, json};

use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    a_rule_lives_and_dies_audited,
    activating_a_rule_deactivates_the_others,
    bad_rules_are_refused_by_field,
    rule_names_are_used_once,
    concurrent_activations_leave_one_rule_active,
);

fn codes(body: &Value) -> Vec<(String, String)> {
    body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| {
            (
                d["field"].as_str().unwrap().to_owned(),
                d["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

fn standard(name: &str, active: bool) -> Value {
    json!({"name": name, "working_days": [4, 0, 1, 2, 3], "start_time": "09:00",
           "end_time": "17:00", "min_presence_percentage": 80.0,
           "auto_check_in_threshold": 0.75, "manual_review_threshold": 0.5,
           "is_active": active})
}

async fn a_rule_lives_and_dies_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .post_data(
            "/api/v1/attendance/rules",
            &standard("Standard", false),
            201,
        )
        .await;
    assert_eq!(created["working_days"], json!([0, 1, 2, 3, 4]));
    assert_eq!(created["start_time"], "09:00:00");
    assert_eq!(created["min_presence_percentage"], 80.0);
    assert_eq!(created["auto_check_in_threshold"], 0.75);
    assert_eq!(created["manual_review_threshold"], 0.5);
    assert_eq!(created["is_active"], false);
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/attendance/rules/{id}");
    assert_eq!(app.get_ok(&path).await["data"], created);

    // Defaults: the spec's thresholds, inactive.
    let defaults = app
        .post_data(
            "/api/v1/attendance/rules",
            &json!({"name": "Night", "working_days": [6], "start_time": "22:00",
                    "end_time": "06:00"}),
            201,
        )
        .await;
    assert_eq!(
        defaults["auto_check_in_threshold"]
            .as_f64()
            .map(|v| (v * 100.0).round()),
        Some(70.0)
    );
    assert_eq!(
        defaults["manual_review_threshold"]
            .as_f64()
            .map(|v| (v * 100.0).round()),
        Some(60.0)
    );
    assert_eq!(defaults["is_active"], false);

    let response = app
        .patch(
            &path,
            &json!({"working_days": [5, 6], "manual_review_threshold": 0.75}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let updated: Value = response.json().await.expect("json");
    let updated = updated["data"].clone();
    assert_eq!(updated["working_days"], json!([5, 6]));
    assert_eq!(updated["manual_review_threshold"], 0.75);
    assert_eq!(updated["name"], "Standard");

    let listed = app.get_ok("/api/v1/attendance/rules").await;
    assert_eq!(listed["meta"]["total"], 2);
    assert_eq!(listed["data"][0]["name"], "Night");

    assert_eq!(app.delete(&path).await.status().as_u16(), 204);
    assert_error(app.get(&path).await, 404, "rule_not_found").await;
    assert_error(app.delete(&path).await, 404, "rule_not_found").await;
    let audit = app.audit_of("attendance_rule", &id).await;
    let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    assert_eq!((&audit[1].2, &audit[1].3), (&created, &updated));
    assert_eq!(audit[2].3, Value::Null);
}

async fn activating_a_rule_deactivates_the_others(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app
        .post_data("/api/v1/attendance/rules", &standard("A", true), 201)
        .await;
    let b = app
        .post_data("/api/v1/attendance/rules", &standard("B", true), 201)
        .await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let active = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let only = app.get_ok("/api/v1/attendance/rules?is_active=true").await;
    assert_eq!(active(&only), ["B"]);
    let inactive = app.get_ok("/api/v1/attendance/rules?is_active=false").await;
    assert_eq!(active(&inactive), ["A"]);
    let audit = app.audit_of("attendance_rule", a_id).await;
    let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(actions, ["create", "deactivate"]);
    assert_eq!(audit[1].2["is_active"], true);
    assert_eq!(audit[1].3["is_active"], false);

    let response = app
        .patch(
            &format!("/api/v1/attendance/rules/{a_id}"),
            &json!({"is_active": true}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let only = app.get_ok("/api/v1/attendance/rules?is_active=true").await;
    assert_eq!(active(&only), ["A"]);
    let b_audit = app.audit_of("attendance_rule", b_id).await;
    assert_eq!(b_audit.last().map(|a| a.0.as_str()), Some("deactivate"));
    // An inactive rule's changes leave the active one alone.
    let response = app
        .patch(
            &format!("/api/v1/attendance/rules/{b_id}"),
            &json!({"name": "B2"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let only = app.get_ok("/api/v1/attendance/rules?is_active=true").await;
    assert_eq!(active(&only), ["A"]);
}

async fn bad_rules_are_refused_by_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let with = |field: &str, value: Value| {
        let mut body = standard("R", false);
        body[field] = value;
        body
    };
    let cases = [
        (
            with("working_days", json!([])),
            pair("working_days", "invalid_working_days"),
        ),
        (
            with("working_days", json!([0, 7])),
            pair("working_days", "invalid_working_days"),
        ),
        (
            with("working_days", json!([1, 1])),
            pair("working_days", "invalid_working_days"),
        ),
        (
            with("start_time", json!("9:60")),
            pair("start_time", "invalid_time"),
        ),
        (
            with("min_presence_percentage", json!(101)),
            pair("min_presence_percentage", "out_of_range"),
        ),
        (
            with("auto_check_in_threshold", json!(1.01)),
            pair("auto_check_in_threshold", "invalid_confidence"),
        ),
        (
            with("manual_review_threshold", json!(-0.1)),
            pair("manual_review_threshold", "invalid_confidence"),
        ),
        (
            with("manual_review_threshold", json!(0.8)),
            pair("manual_review_threshold", "invalid_thresholds"),
        ),
        (
            with("working_days", json!("weekdays")),
            pair("working_days", "invalid_type"),
        ),
    ];
    for (body, expected) in cases {
        let response = app.post("/api/v1/attendance/rules", &body).await;
        let error = assert_error(response, 422, "validation_failed").await;
        assert_eq!(codes(&error), [expected], "{body}");
    }
    let created = app
        .post_data("/api/v1/attendance/rules", &standard("R", false), 201)
        .await;
    // The stored auto threshold (0.75) is below the new review threshold.
    let path = format!(
        "/api/v1/attendance/rules/{}",
        created["id"].as_str().unwrap()
    );
    let response = app
        .patch(&path, &json!({"manual_review_threshold": 0.9}))
        .await;
    let error = assert_error(response, 422, "validation_failed").await;
    assert_eq!(
        codes(&error),
        [pair("manual_review_threshold", "invalid_thresholds")]
    );
    let response = app.get("/api/v1/attendance/rules?is_active=1").await;
    let error = assert_error(response, 400, "invalid_parameters").await;
    assert_eq!(codes(&error), [pair("is_active", "invalid_boolean")]);
}

async fn rule_names_are_used_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.post_data("/api/v1/attendance/rules", &standard("Standard", true), 201)
        .await;
    let response = app
        .post("/api/v1/attendance/rules", &standard("Standard", true))
        .await;
    assert_error(response, 409, "rule_name_taken").await;
    // The refused rule deactivated nothing.
    let only = app.get_ok("/api/v1/attendance/rules?is_active=true").await;
    assert_eq!(only["meta"]["total"], 1);
}

/// Rules activated at the same moment: the writes serialise (PostgreSQL's table lock,
/// SQLite's write lock), so exactly one stays active.
async fn concurrent_activations_leave_one_rule_active(backend: Backend) {
    let app = spawn_app(backend).await;
    let creates = (0..8).map(|i| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/attendance/rules",
                &standard(&format!("R{i}"), true),
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = futures::future::join_all(creates).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let active = app.get_ok("/api/v1/attendance/rules?is_active=true").await;
    assert_eq!(active["meta"]["total"], 1, "{active}");
    let all = app.get_ok("/api/v1/attendance/rules").await;
    assert_eq!(all["meta"]["total"], 8);
}
