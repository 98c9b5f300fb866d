//! The review queue, corrections and the approval of manual entries: each decision changes
//! the day as the rules would with it, is audited, and is announced on `attendance.v1.*`.

use chrono::NaiveDate;
use faceattend_attendance_store::entities::audit_log;
use faceattend_domain::attendance::CameraRole;
use faceattend_proto::attendance::v1 as wire;
use prost::Message;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, assert_error, at, spawn_app};
use crate::on_both_backends;

fn tuesday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).expect("valid date")
}

async fn queue(app: &TestApp, query: &str) -> Vec<Value> {
    let body = app
        .get_ok(&format!("/api/v1/attendance/review{query}"))
        .await;
    body["data"].as_array().expect("a list").clone()
}

async fn audit_actions(app: &TestApp, entity_id: &str) -> Vec<String> {
    audit_log::Entity::find()
        .filter(audit_log::Column::EntityId.eq(entity_id))
        .all(&app.db)
        .await
        .expect("audit log")
        .into_iter()
        .map(|row| row.action)
        .collect()
}

async fn approving_a_low_confidence_sighting_checks_the_person_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Ada", Some("R&D"), "active", false).await;
    let detection = app
        .seed_detection(person, CameraRole::Entry, at(tuesday(), 8, 55), 0.65)
        .await;

    let pending = queue(&app, "").await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0]["detection_id"], detection.to_string());
    assert_eq!(pending[0]["reason"], "low_confidence");
    let item_id = pending[0]["id"].as_str().expect("an id").to_owned();

    let response = app
        .post(
            &format!("/api/v1/attendance/review/{item_id}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["review_item"]["state"], "approved");
    assert_eq!(body["data"]["review_item"]["decided_by"], "test");
    assert_eq!(body["data"]["attendance"]["status"], "present");
    assert_eq!(body["data"]["attendance"]["check_in_source"], "auto");
    assert!(queue(&app, "").await.is_empty());
    assert_eq!(queue(&app, "?state=approved").await.len(), 1);

    let events = app.wait_events("status_changed", 1).await;
    let change = wire::StatusChanged::decode(events.last().expect("an event").as_ref())
        .expect("a StatusChanged");
    assert_eq!(change.current, wire::AttendanceStatus::Present as i32);
    assert_eq!(change.actor.as_deref(), Some("test"));
    let checked_in = app.wait_events("checked_in", 1).await;
    let event = wire::CheckedIn::decode(checked_in[0].as_ref()).expect("a CheckedIn");
    assert_eq!(
        event.check_in.and_then(|m| m.detection_id),
        Some(detection.to_string())
    );
    assert_eq!(audit_actions(&app, &item_id).await, ["review_approved"]);

    // A decided item cannot be decided again.
    let again = app
        .post(
            &format!("/api/v1/attendance/review/{item_id}/reject"),
            &json!({}),
        )
        .await;
    assert_error(again, 409, "review_item_decided").await;
}

async fn an_ambiguous_sighting_needs_a_direction(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Grace", None, "active", false).await;
    app.seed_detection(person, CameraRole::Both, at(tuesday(), 8, 0), 0.9)
        .await;
    app.seed_detection(person, CameraRole::Both, at(tuesday(), 14, 0), 0.9)
        .await;
    let pending = queue(&app, "").await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["reason"], "ambiguous_time");
    let item = pending[0]["id"].as_str().expect("an id").to_owned();
    let path = format!("/api/v1/attendance/review/{item}/approve");

    assert_error(app.post(&path, &json!({})).await, 422, "direction_required").await;
    assert_error(
        app.post(&path, &json!({ "direction": "sideways" })).await,
        422,
        "validation_failed",
    )
    .await;
    let response = app.post(&path, &json!({ "direction": "check_out" })).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    let day = &body["data"]["attendance"];
    assert_eq!(day["check_out_time"], "2026-03-10T14:00:00Z");
    assert_eq!(day["duration_minutes"], 360);
    app.wait_events("checked_out", 1).await;
}

async fn rejecting_a_review_item_leaves_the_sighting_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Alan", None, "active", false).await;
    app.seed_detection(person, CameraRole::Entry, at(tuesday(), 8, 55), 0.62)
        .await;
    let item = queue(&app, "").await[0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let response = app
        .post(
            &format!("/api/v1/attendance/review/{item}/reject"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["review_item"]["state"], "rejected");
    // The day rested on that sighting alone; it is over and Alan was expected (a Tuesday):
    // what is left is an absence.
    assert_eq!(body["data"]["attendance"]["status"], "absent");
    assert!(queue(&app, "").await.is_empty());
    assert_eq!(queue(&app, "?state=rejected").await.len(), 1);
}

async fn this_was_not_me_moves_the_check_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Barbara", None, "active", false).await;
    let wrong = app
        .seed_detection(person, CameraRole::Entry, at(tuesday(), 7, 0), 0.95)
        .await;
    app.seed_detection(person, CameraRole::Entry, at(tuesday(), 9, 0), 0.9)
        .await;
    let day = app
        .get_ok(&format!(
            "/api/v1/attendance/{person}?from_date=2026-03-10&to_date=2026-03-10"
        ))
        .await;
    assert_eq!(day["data"][0]["check_in_time"], "2026-03-10T07:00:00Z");

    let response = app
        .post(
            "/api/v1/attendance/corrections",
            &json!({ "detection_id": wrong, "verdict": "rejected", "reason": "my colleague" }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["verdict"], "rejected");
    assert_eq!(body["data"]["verdict_by"], "test");
    assert_eq!(
        body["data"]["attendance"]["check_in_time"],
        "2026-03-10T09:00:00Z"
    );
    assert_eq!(
        audit_actions(&app, &wrong.to_string()).await,
        ["detection_corrected"]
    );
    app.wait_events("checked_in", 1).await;
}

async fn corrections_refuse_bad_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let missing = app.post("/api/v1/attendance/corrections", &json!({})).await;
    let body = assert_error(missing, 422, "validation_failed").await;
    let fields: Vec<&str> = body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
    for field in ["detection_id", "verdict", "reason"] {
        assert!(fields.contains(&field), "{body}");
    }
    let unknown = app
        .post(
            "/api/v1/attendance/corrections",
            &json!({ "detection_id": Uuid::now_v7(), "verdict": "rejected", "reason": "x" }),
        )
        .await;
    assert_error(unknown, 404, "detection_not_found").await;
    let bad_verdict = app
        .post(
            "/api/v1/attendance/corrections",
            &json!({ "detection_id": Uuid::now_v7(), "verdict": "maybe", "reason": "x" }),
        )
        .await;
    assert_error(bad_verdict, 422, "validation_failed").await;
    let not_found = app
        .post(
            &format!("/api/v1/attendance/review/{}/approve", Uuid::now_v7()),
            &json!({}),
        )
        .await;
    assert_error(not_found, 404, "review_item_not_found").await;
    let bad_state = app.get("/api/v1/attendance/review?state=done").await;
    assert_error(bad_state, 400, "invalid_parameters").await;
}

async fn decisions_need_attendance_write(backend: Backend) {
    let app = spawn_app(backend).await;
    let item = Uuid::now_v7();
    let anonymous = app
        .client
        .post(app.url(&format!("/api/v1/attendance/review/{item}/approve")))
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), 401);
    for path in [
        format!("/api/v1/attendance/review/{item}/approve"),
        format!("/api/v1/attendance/review/{item}/reject"),
        format!("/api/v1/attendance/manual/{item}/approve"),
        format!("/api/v1/attendance/manual/{item}/reject"),
        "/api/v1/attendance/corrections".to_owned(),
    ] {
        let response = app.post_as(&path, &json!({}), &["attendance:read"]).await;
        assert_error(response, 403, "forbidden").await;
    }
    let read = app
        .client
        .get(app.url("/api/v1/attendance/review"))
        .bearer_auth(app.token(&["persons:read"]))
        .send()
        .await
        .expect("sent");
    assert_error(read, 403, "forbidden").await;
}

async fn a_manual_check_in_counts_once_approved(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app
        .seed_person("Katherine", Some("Ops"), "active", false)
        .await;
    let response = app
        .post(
            "/api/v1/attendance/check-in",
            &json!({ "person_id": person }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let today = app
        .get_ok(&format!("/api/v1/attendance/status/{person}"))
        .await;
    let listed = app.get_ok(&format!("/api/v1/attendance/{person}")).await;
    let record = &listed["data"][0];
    assert_eq!(record["status"], "pending", "{today}");
    assert_eq!(record["is_manual"], true);
    let id = record["id"].as_str().expect("an id").to_owned();

    let approve = format!("/api/v1/attendance/manual/{id}/approve");
    let response = app
        .post(&approve, &json!({ "remarks": "badge reader down" }))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    // No shift is defined: a check-in is simply present.
    assert_eq!(body["data"]["status"], "present");
    let events = app.wait_events("checked_in", 1).await;
    let event = wire::CheckedIn::decode(events[0].as_ref()).expect("a CheckedIn");
    assert_eq!(
        event.check_in.map(|m| m.source),
        Some(wire::MarkSource::Manual as i32)
    );
    let changes = app.wait_events("status_changed", 1).await;
    let change = wire::StatusChanged::decode(changes[0].as_ref()).expect("a StatusChanged");
    assert_eq!(change.previous, wire::AttendanceStatus::Pending as i32);
    assert_eq!(change.actor.as_deref(), Some("test"));
    assert_eq!(
        audit_actions(&app, &id).await,
        ["manual_check_in", "manual_approved"]
    );
    assert_error(
        app.post(&approve, &json!({})).await,
        409,
        "already_approved",
    )
    .await;
    assert_error(
        app.post(
            &format!("/api/v1/attendance/manual/{}/approve", Uuid::now_v7()),
            &json!({}),
        )
        .await,
        404,
        "attendance_not_found",
    )
    .await;
}

async fn a_rejected_manual_entry_leaves_what_the_cameras_saw(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Edsger", None, "active", false).await;
    let response = app
        .post(
            "/api/v1/attendance/check-in",
            &json!({ "person_id": person }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let listed = app.get_ok(&format!("/api/v1/attendance/{person}")).await;
    let id = listed["data"][0]["id"].as_str().expect("an id").to_owned();
    let response = app
        .post(
            &format!("/api/v1/attendance/manual/{id}/reject"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    // No camera saw them: no day is left.
    assert_eq!(body["data"], Value::Null);
    let listed = app.get_ok(&format!("/api/v1/attendance/{person}")).await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        audit_actions(&app, &id).await,
        ["manual_check_in", "manual_rejected"]
    );

    // A day the cameras made is not a manual entry.
    app.seed_detection(person, CameraRole::Entry, at(tuesday(), 9, 0), 0.9)
        .await;
    let listed = app
        .get_ok(&format!(
            "/api/v1/attendance/{person}?from_date=2026-03-10&to_date=2026-03-10"
        ))
        .await;
    let auto_id = listed["data"][0]["id"].as_str().expect("an id").to_owned();
    assert_error(
        app.post(
            &format!("/api/v1/attendance/manual/{auto_id}/approve"),
            &json!({}),
        )
        .await,
        409,
        "not_manual",
    )
    .await;
}

on_both_backends!(
    approving_a_low_confidence_sighting_checks_the_person_in,
    an_ambiguous_sighting_needs_a_direction,
    rejecting_a_review_item_leaves_the_sighting_out,
    this_was_not_me_moves_the_check_in,
    corrections_refuse_bad_input,
    decisions_need_attendance_write,
    a_manual_check_in_counts_once_approved,
    a_rejected_manual_entry_leaves_what_the_cameras_saw,
    leave_approved_after_the_fact_takes_back_a_lateness,
    a_holiday_declared_after_the_day_end_takes_back_absences,
);

async fn seed_day_shift(app: &TestApp) {
    use chrono::{NaiveTime, Utc};
    use faceattend_attendance_store::entities::attendance_session;
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    attendance_session::Model {
        id: Uuid::now_v7(),
        name: "Day".to_owned(),
        start_time: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        end_time: NaiveTime::from_hms_opt(17, 0, 0).expect("time"),
        expected_duration_minutes: 480,
        grace_period_minutes: 10,
        early_leave_grace_minutes: 5,
        is_active: true,
        organization: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
    .into_active_model()
    .insert(&app.db)
    .await
    .expect("shift inserted");
}

async fn day_of(app: &TestApp, person: Uuid) -> Value {
    let listed = app
        .get_ok(&format!(
            "/api/v1/attendance/{person}?from_date=2026-03-10&to_date=2026-03-10"
        ))
        .await;
    listed["data"][0].clone()
}

async fn leave_approved_after_the_fact_takes_back_a_lateness(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_day_shift(&app).await;
    let person = app.seed_person("Linus", None, "active", false).await;
    app.seed_detection(person, CameraRole::Entry, at(tuesday(), 9, 40), 0.9)
        .await;
    assert_eq!(day_of(&app, person).await["status"], "late");

    let leave = app
        .post_data(
            "/api/v1/attendance/exceptions",
            &json!({ "person_id": person, "exception_date": "2026-03-10",
                     "exception_type": "leave", "reason": "doctor in the morning" }),
            201,
        )
        .await;
    // Pending leave excuses nothing yet.
    assert_eq!(day_of(&app, person).await["status"], "late");
    let id = leave["id"].as_str().expect("an id");
    app.post_data(
        &format!("/api/v1/attendance/exceptions/{id}/approve"),
        &json!({}),
        200,
    )
    .await;
    assert_eq!(day_of(&app, person).await["status"], "present");
    let changes = app.wait_events("status_changed", 2).await;
    let last = wire::StatusChanged::decode(changes.last().expect("an event").as_ref())
        .expect("a StatusChanged");
    assert_eq!(last.previous, wire::AttendanceStatus::Late as i32);
    assert_eq!(last.current, wire::AttendanceStatus::Present as i32);
}

async fn a_holiday_declared_after_the_day_end_takes_back_absences(backend: Backend) {
    use faceattend_attendance_store::policy::PolicyDefaults;
    let app = spawn_app(backend).await;
    let absent = app.seed_person("Absent", None, "active", false).await;
    let present = app.seed_person("Present", None, "active", false).await;
    app.seed_detection(present, CameraRole::Entry, at(tuesday(), 8, 50), 0.9)
        .await;
    let marked = faceattend_attendance_store::recompute::mark_absences(
        &app.db,
        &PolicyDefaults::default(),
        tuesday(),
    )
    .await
    .expect("day end");
    assert_eq!(marked, 1);
    assert_eq!(day_of(&app, absent).await["status"], "absent");

    app.post_data(
        "/api/v1/attendance/exceptions",
        &json!({ "exception_date": "2026-03-10", "exception_type": "holiday",
                 "reason": "declared late" }),
        201,
    )
    .await;
    // Nobody was expected: the absence is gone, the person who came still came.
    assert_eq!(day_of(&app, absent).await, Value::Null);
    assert_eq!(day_of(&app, present).await["status"], "present");
}
