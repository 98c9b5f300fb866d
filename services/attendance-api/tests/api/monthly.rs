//! `GET /api/v1/attendance/reports/monthly`: per person of the directory, working days per
//! the active rule less holidays and approved leave, presence, absences, hours; paged.

use serde_json::{Value, json};

use crate::helpers::{Backend, Seed, assert_error, at, spawn_app};
use crate::on_both_backends;

on_both_backends!(monthly_report_per_person, monthly_report_parameters);

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

async fn monthly_report_per_person(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", Some("Eng"), "active", false).await;
    let bob = app.seed_person("Bob", Some("Ops"), "active", false).await;
    app.seed_person("Inactive", Some("Eng"), "inactive", false)
        .await;
    // January 2024: 23 weekdays; New Year off for everyone, Ada's leave approved through
    // the API on the 10th.
    app.post_data(
        "/api/v1/attendance/exceptions",
        &json!({"exception_date": "2024-01-01", "exception_type": "holiday", "reason": "New year"}),
        201,
    )
    .await;
    let leave = app
        .post_data(
            "/api/v1/attendance/exceptions",
            &json!({"person_id": ada, "exception_date": "2024-01-10", "exception_type": "leave",
                    "reason": "Rest"}),
            201,
        )
        .await;
    let path = "/api/v1/attendance/reports/monthly?year=2024&month=1";
    let before = app.get_ok(path).await;
    assert_eq!(
        before["data"]["persons"][0]["working_days"], 22,
        "leave pending"
    );
    app.post_data(
        &format!(
            "/api/v1/attendance/exceptions/{}/approve",
            leave["id"].as_str().unwrap()
        ),
        &json!({}),
        200,
    )
    .await;
    let mut late = Seed::new(ada, "2024-01-03", "late");
    late.check_in = Some(at("2024-01-03".parse().unwrap(), 9, 30));
    app.seed_record(Seed::new(ada, "2024-01-02", "present"))
        .await;
    app.seed_record(late).await;
    app.seed_record(Seed::new(ada, "2024-01-04", "pending"))
        .await;

    let body = app.get_ok(path).await;
    let data = &body["data"];
    assert_eq!(
        (
            &data["year"],
            &data["month"],
            &data["from_date"],
            &data["to_date"]
        ),
        (
            &json!(2024),
            &json!(1),
            &json!("2024-01-01"),
            &json!("2024-01-31")
        )
    );
    assert_eq!(data["working_days_of_week"], json!([0, 1, 2, 3, 4]));
    assert_eq!(
        body["meta"],
        json!({"page": 1, "pageSize": 20, "total": 2, "totalPages": 1})
    );
    let ada_row = &data["persons"][0];
    assert_eq!(ada_row["person_id"], json!(ada));
    assert_eq!(ada_row["working_days"], 21);
    assert_eq!(ada_row["days_present"], 2);
    assert_eq!(ada_row["days_late"], 1);
    // The month is over: every working day without presence is absent (the pending day too).
    assert_eq!(ada_row["days_absent"], 19);
    assert_eq!(ada_row["total_worked_minutes"], 480 + 450);
    assert_eq!(ada_row["average_check_in_time"], "09:15:00");
    let bob_row = &data["persons"][1];
    assert_eq!(bob_row["person_id"], json!(bob));
    assert_eq!(
        (&bob_row["working_days"], &bob_row["days_absent"]),
        (&json!(22), &json!(22))
    );
    assert_eq!(bob_row["average_check_in_time"], Value::Null);

    // An active rule working Saturdays too: four more working days.
    app.post_data(
        "/api/v1/attendance/rules",
        &json!({"name": "Six days", "working_days": [0, 1, 2, 3, 4, 5], "start_time": "08:00",
                "end_time": "16:00", "is_active": true}),
        201,
    )
    .await;
    let body = app.get_ok(path).await;
    assert_eq!(
        body["data"]["working_days_of_week"],
        json!([0, 1, 2, 3, 4, 5])
    );
    assert_eq!(body["data"]["persons"][1]["working_days"], 26);

    let ops = app.get_ok(&format!("{path}&department=Ops")).await;
    assert_eq!(ops["data"]["persons"].as_array().unwrap().len(), 1);
    assert_eq!(ops["data"]["department"], "Ops");
    let page = app.get_ok(&format!("{path}&page=2&page_size=1")).await;
    assert_eq!(page["data"]["persons"][0]["person_id"], json!(bob));
    assert_eq!(page["meta"]["totalPages"], 2);

    // A month in the future has no absences yet.
    let future = app
        .get_ok("/api/v1/attendance/reports/monthly?year=2999&month=12")
        .await;
    assert!(
        future["data"]["persons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["days_absent"] == 0)
    );
}

async fn monthly_report_parameters(backend: Backend) {
    let app = spawn_app(backend).await;
    let pair = |f: &str, c: &str| (f.to_owned(), c.to_owned());
    for (query, expected) in [
        (
            "",
            vec![pair("year", "required"), pair("month", "required")],
        ),
        ("year=2024&month=13", vec![pair("month", "out_of_range")]),
        (
            "year=1999&month=0",
            vec![pair("year", "out_of_range"), pair("month", "out_of_range")],
        ),
        (
            "year=2024&month=1&page=0",
            vec![pair("page", "out_of_range")],
        ),
        (
            "year=2024&month=1&format=xlsx",
            vec![pair("format", "unknown_format")],
        ),
        (
            "year=2024&month=1&format=csv&page=2",
            vec![pair("page", "not_allowed")],
        ),
        (
            "year=2024&month=1&department=",
            vec![pair("department", "required")],
        ),
    ] {
        let response = app
            .get(&format!("/api/v1/attendance/reports/monthly?{query}"))
            .await;
        let body = assert_error(response, 400, "invalid_parameters").await;
        assert_eq!(codes(&body), expected, "{query}");
    }
    let response = app
        .get("/api/v1/attendance/reports/monthly?year=twenty&month=1")
        .await;
    assert_error(response, 400, "invalid_query_parameter").await;
}
