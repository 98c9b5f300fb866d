//! `POST /api/v1/attendance/check-in` and `/check-out`: manual entries, pending approval,
//! audited, behind `attendance:write`.

use chrono::{Duration, Utc};
use faceattend_attendance_store::entities::{attendance, audit_log};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, Seed, TestApp, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    check_in_and_out_write_a_pending_manual_day,
    conflicts_are_refused,
    unknown_or_deleted_persons_are_not_found,
    write_routes_require_attendance_write,
    bad_bodies_are_named,
    check_in_fills_a_markless_record,
    a_night_worker_checks_out_after_midnight_on_the_night_s_record,
    a_forgotten_mark_is_entered_at_its_time_with_its_reason,
    a_given_time_fills_the_check_in_before_a_camera_s_check_out,
    bad_times_and_reasons_are_named,
);

const CHECK_IN: &str = "/api/v1/attendance/check-in";
const CHECK_OUT: &str = "/api/v1/attendance/check-out";

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true, "{body}");
    body["data"].clone()
}

async fn today_row(app: &TestApp, person: Uuid) -> attendance::Model {
    attendance::Entity::find()
        .filter(attendance::Column::PersonId.eq(person))
        .filter(attendance::Column::AttendanceDate.eq(Utc::now().date_naive()))
        .one(&app.db)
        .await
        .expect("query")
        .expect("today's record")
}

async fn audit_rows(app: &TestApp) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .expect("audit rows")
}

fn json_of(text: &Option<String>) -> Value {
    serde_json::from_str(text.as_deref().expect("JSON text")).expect("JSON")
}

async fn check_in_and_out_write_a_pending_manual_day(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("John Doe", None, "active", false).await;

    let data = ok(app
        .post(
            CHECK_IN,
            &json!({"person_id": person, "confidence_threshold": 0.7}),
        )
        .await)
    .await;
    let keys: Vec<&String> = data.as_object().expect("object").keys().collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    assert_eq!(data["success"], true);
    assert_eq!(data["person_id"], person.to_string());
    assert_eq!(data["person_name"], "John Doe");
    assert_eq!(data["confidence"], Value::Null);
    assert!(data["message"].is_string(), "{data}");
    let shown: chrono::DateTime<Utc> = data["check_in_time"]
        .as_str()
        .expect("check_in_time")
        .parse()
        .expect("RFC 3339");

    let row = today_row(&app, person).await;
    assert_eq!(row.check_in_time, Some(shown));
    assert_eq!(row.check_in_source.as_deref(), Some("manual"));
    assert_eq!(row.check_in_confidence, None);
    assert_eq!(row.check_in_detection_id, None);
    assert!(row.is_manual);
    assert_eq!(row.status, "pending");
    assert_eq!(row.approved_by, None);
    assert_eq!(row.check_out_time, None);

    let audit = audit_rows(&app).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "test");
    assert_eq!(audit[0].action, "manual_check_in");
    assert_eq!(audit[0].entity, "attendance");
    assert_eq!(audit[0].entity_id, row.id.to_string());
    assert_eq!(audit[0].before, None);
    let after = json_of(&audit[0].after);
    assert_eq!(after["status"], "pending");
    assert_eq!(after["check_in_source"], "manual");

    // The status route sees the manual check-in.
    let status = app
        .get_ok(&format!("/api/v1/attendance/status/{person}"))
        .await;
    assert_eq!(status["data"]["checked_in"], true, "{status}");

    let data = ok(app.post(CHECK_OUT, &json!({"person_id": person})).await).await;
    let keys: Vec<&String> = data.as_object().expect("object").keys().collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    assert_eq!(data["success"], true);
    assert_eq!(data["person_id"], person.to_string());
    assert_eq!(data["person_name"], "John Doe");
    assert_eq!(data["duration_minutes"], 0);
    assert!(data["message"].is_string(), "{data}");
    let out: chrono::DateTime<Utc> = data["check_out_time"]
        .as_str()
        .expect("check_out_time")
        .parse()
        .expect("RFC 3339");
    assert!(out >= shown);

    let row = today_row(&app, person).await;
    assert_eq!(row.check_out_time, Some(out));
    assert_eq!(row.check_out_source.as_deref(), Some("manual"));
    assert_eq!(row.check_out_confidence, None);
    assert_eq!(row.duration_minutes, Some(0));
    assert_eq!(row.status, "pending");
    assert!(row.is_manual);

    let audit = audit_rows(&app).await;
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[1].action, "manual_check_out");
    assert_eq!(audit[1].entity_id, row.id.to_string());
    assert_eq!(json_of(&audit[1].before)["check_out_time"], Value::Null);
    assert_eq!(json_of(&audit[1].after)["check_out_source"], "manual");
}

async fn conflicts_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Twice", None, "active", false).await;
    let idle = app.seed_person("Idle", None, "active", false).await;

    let response = app.post(CHECK_OUT, &json!({"person_id": idle})).await;
    assert_error(response, 409, "not_checked_in").await;

    ok(app.post(CHECK_IN, &json!({"person_id": person})).await).await;
    let response = app.post(CHECK_IN, &json!({"person_id": person})).await;
    assert_error(response, 409, "already_checked_in").await;
    ok(app.post(CHECK_OUT, &json!({"person_id": person})).await).await;
    let response = app.post(CHECK_OUT, &json!({"person_id": person})).await;
    assert_error(response, 409, "already_checked_out").await;
    let response = app.post(CHECK_IN, &json!({"person_id": person})).await;
    assert_error(response, 409, "already_checked_in").await;

    // A check-in later than now (recorded by the worker from a skewed clock): a check-out
    // now would come before it.
    let early = app.seed_person("Early", None, "active", false).await;
    let now = Utc::now();
    app.seed_record(Seed {
        check_in: Some(now + Duration::minutes(30)),
        check_out: None,
        ..Seed::new(early, &now.date_naive().to_string(), "present")
    })
    .await;
    let response = app.post(CHECK_OUT, &json!({"person_id": early})).await;
    assert_error(response, 409, "check_out_before_check_in").await;

    // Only the two successful entries were audited.
    assert_eq!(audit_rows(&app).await.len(), 2);
}

async fn unknown_or_deleted_persons_are_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let deleted = app.seed_person("Gone", None, "active", true).await;
    for person in [Uuid::now_v7(), deleted] {
        for route in [CHECK_IN, CHECK_OUT] {
            let response = app.post(route, &json!({"person_id": person})).await;
            assert_error(response, 404, "person_not_found").await;
        }
    }
    assert!(audit_rows(&app).await.is_empty());
    let rows = attendance::Entity::find().all(&app.db).await.expect("rows");
    assert!(rows.is_empty());
}

async fn write_routes_require_attendance_write(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Guarded", None, "active", false).await;
    for route in [CHECK_IN, CHECK_OUT] {
        let response = app
            .client
            .post(app.url(route))
            .json(&json!({"person_id": person}))
            .send()
            .await
            .expect("sent");
        assert_error(response, 401, "missing_token").await;
        let response = app
            .client
            .post(app.url(route))
            .bearer_auth("not-a-jwt")
            .json(&json!({"person_id": person}))
            .send()
            .await
            .expect("sent");
        assert_error(response, 401, "invalid_token").await;
        let response = app
            .post_as(route, &json!({"person_id": person}), &["attendance:read"])
            .await;
        assert_error(response, 403, "forbidden").await;
        // 403 before the body is looked at.
        let response = app
            .post_as(route, &json!({"nonsense": true}), &["persons:write"])
            .await;
        assert_error(response, 403, "forbidden").await;
        // Read-only verbs are not routes here.
        let response = app
            .client
            .get(app.url(route))
            .bearer_auth(app.token(&["attendance:read", "attendance:write"]))
            .send()
            .await
            .expect("sent");
        assert_error(response, 405, "method_not_allowed").await;
    }
    assert!(audit_rows(&app).await.is_empty());
}

async fn bad_bodies_are_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let field = |body: &Value| body["error"]["details"][0]["field"].clone();
    let response = app.post(CHECK_IN, &json!({"person_id": "42"})).await;
    let body = assert_error(response, 422, "validation_failed").await;
    assert_eq!(field(&body), "person_id", "{body}");
    let response = app
        .post(
            CHECK_IN,
            &json!({"person_id": Uuid::now_v7(), "confidence_threshold": 1.5}),
        )
        .await;
    let body = assert_error(response, 422, "validation_failed").await;
    assert_eq!(field(&body), "confidence_threshold", "{body}");
    let response = app.post(CHECK_OUT, &json!({})).await;
    assert_error(response, 422, "validation_failed").await;
    let response = app
        .post(
            CHECK_OUT,
            &json!({"person_id": Uuid::now_v7(), "confidence_threshold": 0.7}),
        )
        .await;
    assert_error(response, 422, "validation_failed").await;
    let response = app
        .client
        .post(app.url(CHECK_IN))
        .bearer_auth(app.token(&["attendance:write"]))
        .body("person_id=1")
        .send()
        .await
        .expect("sent");
    assert_error(response, 415, "unsupported_media_type").await;
}

async fn check_in_fills_a_markless_record(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app
        .seed_person("Marked absent", None, "active", false)
        .await;
    let id = app
        .seed_record(Seed {
            check_in: None,
            check_out: None,
            ..Seed::new(person, &Utc::now().date_naive().to_string(), "absent")
        })
        .await;
    ok(app.post(CHECK_IN, &json!({"person_id": person})).await).await;
    let row = today_row(&app, person).await;
    assert_eq!(row.id, id);
    assert_eq!(row.status, "pending");
    assert!(row.is_manual);
    let audit = audit_rows(&app).await;
    assert_eq!(json_of(&audit[0].before)["status"], "absent");
}

/// A night worker (22:00–06:00) whose site clock shows about 02:00 now: the check-in and
/// check-out made now belong to the night that started yesterday, not to today.
async fn a_night_worker_checks_out_after_midnight_on_the_night_s_record(backend: Backend) {
    use chrono::{Datelike, NaiveTime, Timelike};
    use faceattend_attendance_store::entities::{attendance_session, person_directory};
    use faceattend_domain::attendance::SiteZone;
    use sea_orm::{ActiveModelTrait, IntoActiveModel};

    // A whole-hour zone in which it is now between 02:00 and 03:00 (Etc/GMT-N is UTC+N).
    let utc_hour = i64::from(Utc::now().hour());
    let offset = (2 - utc_hour).rem_euclid(24);
    let offset = if offset > 14 { offset - 24 } else { offset };
    let name = match offset {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    let zone = SiteZone::parse(&name).expect("an Etc zone");
    let app = crate::helpers::spawn_app_in(backend, zone).await;
    attendance_session::Model {
        id: Uuid::now_v7(),
        name: "Night".to_owned(),
        start_time: NaiveTime::from_hms_opt(22, 0, 0).expect("time"),
        end_time: NaiveTime::from_hms_opt(6, 0, 0).expect("time"),
        expected_duration_minutes: 480,
        grace_period_minutes: 10,
        early_leave_grace_minutes: 5,
        is_active: true,
        organization: Some("Night crew".to_owned()),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
    .into_active_model()
    .insert(&app.db)
    .await
    .expect("shift inserted");
    let person = Uuid::now_v7();
    person_directory::Model {
        person_id: person,
        name: "Owl".to_owned(),
        person_type: "employee".to_owned(),
        status: "active".to_owned(),
        department: None,
        organization: Some("Night crew".to_owned()),
        deleted: false,
        updated_at: Utc::now(),
        version: 1,
        created_at: None,
    }
    .into_active_model()
    .insert(&app.db)
    .await
    .expect("person inserted");

    let local_today = zone.local(Utc::now()).date();
    // Within the minute of a local 03:00 the hour could roll over; the night's day is still
    // yesterday until 14:00.
    let night = local_today.pred_opt().expect("a day before");
    ok(app.post(CHECK_IN, &json!({ "person_id": person })).await).await;
    ok(app.post(CHECK_OUT, &json!({ "person_id": person })).await).await;
    let rows = attendance::Entity::find()
        .filter(attendance::Column::PersonId.eq(person))
        .all(&app.db)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0].attendance_date,
        night,
        "weekday {}",
        night.weekday()
    );
    assert!(rows[0].check_out_time.is_some());
}

/// The `field` and `code` of a 422's first detail.
fn first_issue(body: &Value) -> (String, String) {
    let detail = &body["error"]["details"][0];
    (
        detail["field"].as_str().unwrap_or_default().to_owned(),
        detail["code"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn a_forgotten_mark_is_entered_at_its_time_with_its_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Late Entry", None, "active", false).await;
    // Three days ago at 08:55 UTC, written with a +01:00 offset (09:55 there): the record is
    // that day's (the site is on UTC and there is no shift).
    let day = Utc::now().date_naive() - Duration::days(3);
    let arrived = crate::helpers::at(day, 8, 55);
    let offset = chrono::FixedOffset::east_opt(3600).expect("offset");
    let time = arrived.with_timezone(&offset).to_rfc3339();
    assert!(time.ends_with("+01:00"), "{time}");
    let reason = "forgot to look at the camera";

    let data = ok(app
        .post(
            CHECK_IN,
            &json!({"person_id": person, "time": time, "reason": reason}),
        )
        .await)
    .await;
    let shown: chrono::DateTime<Utc> = data["check_in_time"]
        .as_str()
        .expect("check_in_time")
        .parse()
        .expect("RFC 3339");
    assert_eq!(shown, arrived);

    let row = attendance::Entity::find()
        .filter(attendance::Column::PersonId.eq(person))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the day's record");
    assert_eq!(row.attendance_date, day);
    assert_eq!(row.check_in_time, Some(arrived));
    assert_eq!(row.check_in_source.as_deref(), Some("manual"));
    assert_eq!((row.status.as_str(), row.is_manual), ("pending", true));

    // The check-out of that day, 8 hours later, without a reason.
    let left = arrived + Duration::hours(8);
    let data = ok(app
        .post(
            CHECK_OUT,
            &json!({"person_id": person, "time": left.to_rfc3339()}),
        )
        .await)
    .await;
    assert_eq!(data["duration_minutes"], 480, "{data}");

    // The reason is kept with the check-in's entry, and the record's history shows it.
    let audit = audit_rows(&app).await;
    assert_eq!(audit.len(), 2);
    assert_eq!(json_of(&audit[0].after)["reason"], reason);
    assert!(json_of(&audit[1].after).get("reason").is_none());
    let detail = app
        .get_ok(&format!("/api/v1/attendance/records/{}", row.id))
        .await;
    let history = detail["data"]["history"].as_array().expect("history");
    assert_eq!(history[0]["action"], "manual_check_in");
    assert_eq!(history[0]["after"]["reason"], reason);

    // It waits in the approval queue (pending manual entries), then counts once approved.
    let queue = app
        .get_ok("/api/v1/attendance?status=pending&source=manual")
        .await;
    let listed = queue["data"].as_array().expect("records");
    assert_eq!(listed.len(), 1, "{queue}");
    assert_eq!(listed[0]["id"], row.id.to_string());
    assert_eq!(listed[0]["attendance_date"], day.to_string());
    let approved = ok(app
        .post(
            &format!("/api/v1/attendance/manual/{}/approve", row.id),
            &json!({}),
        )
        .await)
    .await;
    assert_eq!(approved["status"], "present", "{approved}");
    assert_eq!(approved["duration_minutes"], 480);
}

async fn a_given_time_fills_the_check_in_before_a_camera_s_check_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Unseen", None, "active", false).await;
    let day = Utc::now().date_naive() - Duration::days(1);
    // The exit camera saw them leave at 17:00; nobody saw them arrive.
    app.seed_record(Seed {
        check_in: None,
        ..Seed::new(person, &day.to_string(), "pending")
    })
    .await;
    let after_leaving = crate::helpers::at(day, 17, 30).to_rfc3339();
    let response = app
        .post(
            CHECK_IN,
            &json!({"person_id": person, "time": after_leaving}),
        )
        .await;
    assert_error(response, 409, "already_checked_out").await;

    let arrived = crate::helpers::at(day, 9, 5);
    ok(app
        .post(
            CHECK_IN,
            &json!({"person_id": person, "time": arrived.to_rfc3339(), "reason": "badge day"}),
        )
        .await)
    .await;
    let row = attendance::Entity::find()
        .filter(attendance::Column::PersonId.eq(person))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the record");
    assert_eq!(row.check_in_time, Some(arrived));
    assert_eq!(row.check_out_time, Some(crate::helpers::at(day, 17, 0)));
    assert_eq!(row.duration_minutes, Some(7 * 60 + 55));
    assert_eq!((row.status.as_str(), row.is_manual), ("pending", true));

    // A check-out before the day's check-in is refused.
    let other = app.seed_person("Backwards", None, "active", false).await;
    let morning = crate::helpers::at(day, 9, 0);
    ok(app
        .post(
            CHECK_IN,
            &json!({"person_id": other, "time": morning.to_rfc3339()}),
        )
        .await)
    .await;
    let response = app
        .post(
            CHECK_OUT,
            &json!({"person_id": other, "time": (morning - Duration::minutes(1)).to_rfc3339()}),
        )
        .await;
    assert_error(response, 409, "check_out_before_check_in").await;
}

async fn bad_times_and_reasons_are_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Checked", None, "active", false).await;
    let now = Utc::now();
    let cases = [
        (
            json!({"time": (now + Duration::hours(1)).to_rfc3339()}),
            ("time", "time_in_future"),
        ),
        (
            json!({"time": (now - Duration::days(32)).to_rfc3339()}),
            ("time", "time_too_old"),
        ),
        // No offset: which 08:55 would it be?
        (
            json!({"time": "2026-03-02T08:55:00"}),
            ("time", "invalid_time"),
        ),
        (json!({"time": "08:55"}), ("time", "invalid_time")),
        (json!({"reason": "   "}), ("reason", "required")),
        (json!({"reason": "x".repeat(501)}), ("reason", "too_long")),
    ];
    for (extra, (field, code)) in cases {
        for route in [CHECK_IN, CHECK_OUT] {
            let mut body = json!({"person_id": person});
            for (key, value) in extra.as_object().expect("object") {
                body[key] = value.clone();
            }
            let response = app.post(route, &body).await;
            let error = assert_error(response, 422, "validation_failed").await;
            assert_eq!(
                first_issue(&error),
                (field.to_owned(), code.to_owned()),
                "{route} {body}: {error}"
            );
        }
    }
    // A time within the clock-skew allowance is taken; `null` is now.
    ok(app
        .post(
            CHECK_IN,
            &json!({"person_id": person, "time": null, "reason": null}),
        )
        .await)
    .await;
    ok(app
        .post(
            CHECK_OUT,
            &json!({"person_id": person, "time": (Utc::now() + Duration::minutes(1)).to_rfc3339()}),
        )
        .await)
    .await;
    assert_eq!(audit_rows(&app).await.len(), 2);
}
