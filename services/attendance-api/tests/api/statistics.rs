//! `GET /api/v1/attendance/{person_id}/statistics`: working days less holidays and approved
//! leave, presence on working days only.

use serde_json::json;

use crate::helpers::{Backend, Seed, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    statistics_honour_holidays_and_approved_leave,
    statistics_parameters_and_unknown_persons,
    statistics_start_on_the_day_the_person_was_created,
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
            "counted_from": "2024-01-01",
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
            "counted_from": "2024-01-13",
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

async fn statistics_start_on_the_day_the_person_was_created(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Newcomer", None, "active", false).await;
    // Created on Wednesday 17 January 2024 at 15:30 UTC: the weekdays from the 17th to
    // the 31st are 11; the 16 weekdays before were not absences.
    let created = crate::helpers::at("2024-01-17".parse().unwrap(), 15, 30);
    app.set_person_details(person, None, Some(created)).await;
    app.seed_record(Seed::new(person, "2024-01-18", "present"))
        .await;
    let path = format!("/api/v1/attendance/{person}/statistics");
    let body = app
        .get_ok(&format!("{path}?from_date=2024-01-01&to_date=2024-01-31"))
        .await;
    assert_eq!(
        body["data"],
        json!({
            "counted_from": "2024-01-17",
            "total_working_days": 11,
            "days_present": 1,
            "days_absent": 10,
            "days_late": 0,
            "days_early_leave": 0,
            "presence_percentage": 9.1,
        })
    );
    // A range after the creation is counted whole; one before it counts nothing.
    let body = app
        .get_ok(&format!("{path}?from_date=2024-01-22&to_date=2024-01-26"))
        .await;
    assert_eq!(body["data"]["counted_from"], "2024-01-22");
    assert_eq!(body["data"]["total_working_days"], 5);
    let body = app
        .get_ok(&format!("{path}?from_date=2023-12-01&to_date=2023-12-31"))
        .await;
    assert_eq!(body["data"]["total_working_days"], 0);
    assert_eq!(body["data"]["days_absent"], 0);
    assert_eq!(body["data"]["presence_percentage"], 0.0);
    // The CSV says where counting started.
    let response = app
        .get(&format!(
            "{path}?from_date=2024-01-01&to_date=2024-01-31&format=csv"
        ))
        .await;
    let text = response.text().await.expect("CSV");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("row").split(',').collect();
    let column = header
        .iter()
        .position(|c| *c == "counted_from")
        .expect("a counted_from column");
    assert_eq!(row[column], "2024-01-17");
}
