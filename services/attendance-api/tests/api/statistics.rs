//! `GET /api/v1/attendance/{person_id}/statistics`: working days less holidays and approved
//! leave, presence on working days only.

use serde_json::json;

use crate::helpers::{Backend, Seed, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    statistics_honour_holidays_and_approved_leave,
    statistics_parameters_and_unknown_persons,
);

async fn statistics_honour_holidays_and_approved_leave(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Stat", None, "active", false).await;
    let other = app.seed_person("Other", None, "active", false).await;
    // January 2024 has 23 weekdays. Days off: New Year (a Monday, for everyone) and the
    // person's approved leave on Wednesday the 10th.
    app.seed_exception(None, "2024-01-01", "holiday", false, false)
        .await;
    app.seed_exception(Some(person), "2024-01-10", "leave", true, true)
        .await;
    // Not days off: a holiday on a Saturday (already no working day), leave not yet
    // approved, someone else's leave, a special event.
    app.seed_exception(None, "2024-01-06", "holiday", false, false)
        .await;
    app.seed_exception(Some(person), "2024-01-11", "leave", true, false)
        .await;
    app.seed_exception(Some(other), "2024-01-12", "leave", true, true)
        .await;
    app.seed_exception(None, "2024-01-15", "special_event", false, false)
        .await;

    for (day, status) in [
        ("2024-01-02", "present"),
        ("2024-01-03", "late"),
        ("2024-01-04", "early_leave"),
        ("2024-01-05", "pending"),
        ("2024-01-08", "absent"),
        ("2024-01-11", "late"),
        ("2024-01-12", "present"),
        // Not working days, or outside the range: not counted.
        ("2024-01-01", "present"),
        ("2024-01-10", "present"),
        ("2024-01-13", "present"),
        ("2023-12-29", "present"),
        ("2024-02-01", "present"),
    ] {
        app.seed_record(Seed::new(person, day, status)).await;
    }
    app.seed_record(Seed::new(other, "2024-01-09", "present"))
        .await;

    let body = app
        .get_ok(&format!(
            "/api/v1/attendance/{person}/statistics?from_date=2024-01-01&to_date=2024-01-31"
        ))
        .await;
    assert_eq!(
        body["data"],
        json!({
            "total_working_days": 21,
            "days_present": 5,
            "days_absent": 16,
            "days_late": 2,
            "days_early_leave": 1,
            "presence_percentage": 23.8,
        })
    );

    // A range of weekend days only: nothing to count.
    let body = app
        .get_ok(&format!(
            "/api/v1/attendance/{person}/statistics?from_date=2024-01-13&to_date=2024-01-14"
        ))
        .await;
    assert_eq!(
        body["data"],
        json!({
            "total_working_days": 0,
            "days_present": 0,
            "days_absent": 0,
            "days_late": 0,
            "days_early_leave": 0,
            "presence_percentage": 0.0,
        })
    );
}

async fn statistics_parameters_and_unknown_persons(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Known", None, "active", false).await;
    let path = format!("/api/v1/attendance/{person}/statistics");
    for (query, field, code) in [
        ("", "from_date", "required"),
        ("?from_date=2024-01-01", "to_date", "required"),
        (
            "?from_date=2024-02-01&to_date=2024-01-01",
            "from_date",
            "invalid_range",
        ),
        (
            "?from_date=2024-01-01&to_date=2025-01-01",
            "to_date",
            "range_too_long",
        ),
        (
            "?from_date=2024-01-01&to_date=soon",
            "to_date",
            "invalid_date",
        ),
    ] {
        let response = app.get(&format!("{path}{query}")).await;
        let body = assert_error(response, 400, "invalid_parameters").await;
        assert_eq!(body["error"]["details"][0]["field"], field, "{query}");
        assert_eq!(body["error"]["details"][0]["code"], code, "{query}");
    }
    // 366 days (a leap year) is allowed.
    app.get_ok(&format!("{path}?from_date=2024-01-01&to_date=2024-12-31"))
        .await;
    let nobody = uuid::Uuid::now_v7();
    let response = app
        .get(&format!(
            "/api/v1/attendance/{nobody}/statistics?from_date=2024-01-01&to_date=2024-01-31"
        ))
        .await;
    assert_error(response, 404, "person_not_found").await;
    // A deleted person's past stays reportable.
    let gone = app.seed_person("Gone", None, "active", true).await;
    app.get_ok(&format!(
        "/api/v1/attendance/{gone}/statistics?from_date=2024-01-01&to_date=2024-01-31"
    ))
    .await;
    let response = app
        .get("/api/v1/attendance/not-a-uuid/statistics?from_date=2024-01-01&to_date=2024-01-31")
        .await;
    assert_error(response, 400, "invalid_path_parameter").await;
}
