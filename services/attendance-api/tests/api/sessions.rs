//! Shifts: create, list, get, update, delete, each write audited; validation through the
//! domain's shift; names used once.

use serde_json::{Value, json};

use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    a_shift_lives_and_dies_audited,
    shifts_are_listed_filtered_and_paged,
    bad_shifts_are_refused_by_field,
    a_patch_is_checked_against_the_stored_shift,
    shift_names_are_used_once,
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

async fn a_shift_lives_and_dies_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .post_data(
            "/api/v1/attendance/sessions",
            &json!({"name": "Night", "start_time": "22:00", "end_time": "06:00",
                    "grace_period_minutes": 10, "organization": "ACME"}),
            201,
        )
        .await;
    assert_eq!(created["name"], "Night");
    assert_eq!(created["start_time"], "22:00:00");
    assert_eq!(created["end_time"], "06:00:00");
    // Crossing midnight: eight hours by default.
    assert_eq!(created["expected_duration_minutes"], 480);
    assert_eq!(created["grace_period_minutes"], 10);
    assert_eq!(created["early_leave_grace_minutes"], 0);
    assert_eq!(created["is_active"], true);
    assert_eq!(created["organization"], "ACME");
    let id = created["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/attendance/sessions/{id}");

    let got = app.get_ok(&path).await;
    assert_eq!(got["data"], created);

    let response = app
        .patch(
            &path,
            &json!({"end_time": "07:30:00", "organization": null}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let updated: Value = response.json().await.expect("json");
    let updated = &updated["data"];
    assert_eq!(updated["end_time"], "07:30:00");
    assert_eq!(updated["organization"], Value::Null);
    // Fields the PATCH did not name are kept.
    assert_eq!(updated["grace_period_minutes"], 10);
    assert_eq!(updated["expected_duration_minutes"], 480);
    assert_eq!(app.get_ok(&path).await["data"], *updated);

    let response = app.delete(&path).await;
    assert_eq!(response.status().as_u16(), 204);
    assert_error(app.get(&path).await, 404, "session_not_found").await;
    assert_error(app.delete(&path).await, 404, "session_not_found").await;
    assert_error(
        app.patch(&path, &json!({"name": "x"})).await,
        404,
        "session_not_found",
    )
    .await;

    let audit = app.audit_of("attendance_session", &id).await;
    let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    assert!(audit.iter().all(|a| a.1 == "test"), "the token's subject");
    assert_eq!((&audit[0].2, &audit[0].3), (&Value::Null, &created));
    assert_eq!((&audit[1].2, &audit[1].3), (&created, updated));
    assert_eq!((&audit[2].2, &audit[2].3), (updated, &Value::Null));
}

async fn shifts_are_listed_filtered_and_paged(backend: Backend) {
    let app = spawn_app(backend).await;
    for (name, active, organization) in [
        ("Early", true, "ACME"),
        ("Late", false, "ACME"),
        ("Day", true, "Other"),
    ] {
        app.post_data(
            "/api/v1/attendance/sessions",
            &json!({"name": name, "start_time": "08:00", "end_time": "16:00",
                    "is_active": active, "organization": organization}),
            201,
        )
        .await;
    }
    let names = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .expect("array")
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = app.get_ok("/api/v1/attendance/sessions").await;
    assert_eq!(names(&all), ["Day", "Early", "Late"]);
    assert_eq!(
        all["meta"],
        json!({"page": 1, "pageSize": 20, "total": 3, "totalPages": 1})
    );
    let active = app
        .get_ok("/api/v1/attendance/sessions?is_active=true")
        .await;
    assert_eq!(names(&active), ["Day", "Early"]);
    let acme = app
        .get_ok("/api/v1/attendance/sessions?organization=ACME&is_active=false")
        .await;
    assert_eq!(names(&acme), ["Late"]);
    let page = app
        .get_ok("/api/v1/attendance/sessions?page=2&page_size=2")
        .await;
    assert_eq!(names(&page), ["Late"]);
    assert_eq!(page["meta"]["totalPages"], 2);

    for (query, expected) in [
        ("is_active=yes", pair("is_active", "invalid_boolean")),
        ("page=0", pair("page", "out_of_range")),
        ("organization=", pair("organization", "required")),
    ] {
        let response = app
            .get(&format!("/api/v1/attendance/sessions?{query}"))
            .await;
        let body = assert_error(response, 400, "invalid_parameters").await;
        assert_eq!(codes(&body), [expected], "{query}");
    }
    let response = app.get("/api/v1/attendance/sessions?colour=red").await;
    assert_error(response, 400, "invalid_query_parameter").await;
    let response = app.get("/api/v1/attendance/sessions/not-a-uuid").await;
    assert_error(response, 400, "invalid_path_parameter").await;
}

async fn bad_shifts_are_refused_by_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        (
            json!({"name": "", "start_time": "9am", "end_time": "17:00"}),
            vec![pair("name", "required"), pair("start_time", "invalid_time")],
        ),
        (
            json!({"name": "A", "start_time": "09:00", "end_time": "24:00"}),
            vec![pair("end_time", "invalid_time")],
        ),
        (
            json!({"name": "A", "start_time": "09:00", "end_time": "17:00",
                   "grace_period_minutes": 721, "early_leave_grace_minutes": -1}),
            vec![
                pair("grace_period_minutes", "out_of_range"),
                pair("early_leave_grace_minutes", "out_of_range"),
            ],
        ),
        (
            json!({"name": "A", "start_time": "09:00", "end_time": "09:30",
                   "early_leave_grace_minutes": 45}),
            vec![pair("early_leave_grace_minutes", "invalid_grace_period")],
        ),
        (
            json!({"name": "A", "start_time": "09:00", "end_time": "17:00",
                   "expected_duration_minutes": 0}),
            vec![pair("expected_duration_minutes", "out_of_range")],
        ),
    ];
    for (body, expected) in cases {
        let response = app.post("/api/v1/attendance/sessions", &body).await;
        let error = assert_error(response, 422, "validation_failed").await;
        assert_eq!(codes(&error), expected, "{body}");
    }
    // Not the body's shape at all.
    let response = app
        .post(
            "/api/v1/attendance/sessions",
            &json!({"name": "A", "start_time": 9}),
        )
        .await;
    let body = assert_error(response, 422, "validation_failed").await;
    assert_eq!(codes(&body), [pair("start_time", "invalid_type")]);
    let response = app
        .post(
            "/api/v1/attendance/sessions",
            &json!({"name": "A", "start_time": "09:00", "end_time": "17:00", "colour": "red"}),
        )
        .await;
    let body = assert_error(response, 422, "validation_failed").await;
    assert_eq!(codes(&body), [pair("colour", "unknown_field")]);
    let response = app
        .client
        .post(app.url("/api/v1/attendance/sessions"))
        .bearer_auth(app.token(&["attendance:write"]))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_error(response, 400, "malformed_json").await;
    // Nothing was stored.
    let list = app.get_ok("/api/v1/attendance/sessions").await;
    assert_eq!(list["meta"]["total"], 0);
}

async fn a_patch_is_checked_against_the_stored_shift(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .post_data(
            "/api/v1/attendance/sessions",
            &json!({"name": "Short", "start_time": "09:00", "end_time": "12:00",
                    "grace_period_minutes": 90}),
            201,
        )
        .await;
    let path = format!(
        "/api/v1/attendance/sessions/{}",
        created["id"].as_str().unwrap()
    );
    // Only the end changes, but a one-hour shift cannot forgive 90 minutes.
    let response = app.patch(&path, &json!({"end_time": "10:00"})).await;
    let body = assert_error(response, 422, "validation_failed").await;
    assert_eq!(
        codes(&body),
        [pair("grace_period_minutes", "invalid_grace_period")]
    );
    let response = app.patch(&path, &json!({"name": null})).await;
    let body = assert_error(response, 422, "validation_failed").await;
    assert_eq!(
        codes(&body),
        [pair("name", "invalid_type")],
        "name cannot be null"
    );
    assert_eq!(app.get_ok(&path).await["data"], created, "unchanged");
    assert_eq!(
        app.audit_of("attendance_session", created["id"].as_str().unwrap())
            .await
            .len(),
        1
    );
}

async fn shift_names_are_used_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = json!({"name": "Morning", "start_time": "06:00", "end_time": "14:00"});
    app.post_data("/api/v1/attendance/sessions", &body, 201)
        .await;
    let response = app.post("/api/v1/attendance/sessions", &body).await;
    assert_error(response, 409, "session_name_taken").await;
    let other = app
        .post_data(
            "/api/v1/attendance/sessions",
            &json!({"name": "Evening", "start_time": "14:00", "end_time": "22:00"}),
            201,
        )
        .await;
    let path = format!(
        "/api/v1/attendance/sessions/{}",
        other["id"].as_str().unwrap()
    );
    let response = app.patch(&path, &json!({"name": "Morning"})).await;
    assert_error(response, 409, "session_name_taken").await;
    // Renaming to its own name is no conflict.
    let response = app.patch(&path, &json!({"name": "Evening"})).await;
    assert_eq!(response.status().as_u16(), 200);
}
