//! `GET /api/v1/attendance/reports/daily`: the spec's counts, the same per department, and
//! every person's line.

use serde_json::{Value, json};

use crate::helpers::{Backend, Seed, spawn_app};
use crate::on_both_backends;

on_both_backends!(daily_report_counts_active_persons, empty_day_reports_zeroes);

async fn daily_report_counts_active_persons(backend: Backend) {
    let app = spawn_app(backend).await;
    let day = "2024-01-15";
    let e1 = app
        .seed_person("E1", Some("Engineering"), "active", false)
        .await;
    let e2 = app
        .seed_person("E2", Some("Engineering"), "active", false)
        .await;
    let e3 = app
        .seed_person("E3", Some("Engineering"), "active", false)
        .await;
    let o1 = app
        .seed_person("O1", Some("Operations"), "active", false)
        .await;
    let n1 = app.seed_person("N1", None, "active", false).await;
    let n2 = app.seed_person("N2", None, "active", false).await;
    // Not counted: inactive or deleted persons, even with a record.
    let inactive = app
        .seed_person("X", Some("Engineering"), "inactive", false)
        .await;
    let deleted = app
        .seed_person("Y", Some("Operations"), "active", true)
        .await;

    app.seed_record(Seed::new(e1, day, "present")).await;
    app.seed_record(Seed::new(e2, day, "late")).await;
    app.seed_record(Seed::new(e3, day, "absent")).await;
    app.seed_record(Seed::new(o1, day, "early_leave")).await;
    app.seed_record(Seed::new(n1, day, "pending")).await;
    app.seed_record(Seed::new(n2, "2024-01-14", "present"))
        .await;
    app.seed_record(Seed::new(inactive, day, "present")).await;
    app.seed_record(Seed::new(deleted, day, "present")).await;

    let body = app
        .get_ok(&format!("/api/v1/attendance/reports/daily?date={day}"))
        .await;
    let mut data = body["data"].clone();
    let persons = data
        .as_object_mut()
        .and_then(|d| d.remove("persons"))
        .expect("persons");
    // One line per counted person, in department then name order, with the day's record.
    let lines: Vec<(String, Value)> = persons
        .as_array()
        .expect("array")
        .iter()
        .map(|p| {
            (
                p["person_id"].as_str().unwrap().to_owned(),
                p["status"].clone(),
            )
        })
        .collect();
    let id = |u: uuid::Uuid| u.to_string();
    assert_eq!(
        lines,
        [
            (id(e1), json!("present")),
            (id(e2), json!("late")),
            (id(e3), json!("absent")),
            (id(o1), json!("early_leave")),
            (id(n1), json!("pending")),
            (id(n2), Value::Null),
        ]
    );
    assert_eq!(persons[0]["worked_minutes"], 480);
    assert_eq!(persons[0]["name"], "E1");
    assert!(persons[5]["check_in_time"].is_null());
    assert_eq!(
        data,
        json!({
            "date": day,
            "total_persons": 6,
            "present": 3,
            "absent": 3,
            "late": 1,
            "presence_percentage": 50.0,
            "by_department": [
                {"department": "Engineering", "total_persons": 3, "present": 2, "absent": 1,
                 "late": 1, "presence_percentage": 66.7},
                {"department": "Operations", "total_persons": 1, "present": 1, "absent": 0,
                 "late": 0, "presence_percentage": 100.0},
                {"department": null, "total_persons": 2, "present": 0, "absent": 2,
                 "late": 0, "presence_percentage": 0.0},
            ],
        })
    );

    // A dashboard asks for the counts alone: the same numbers, no lines.
    let counts = app
        .get_ok(&format!(
            "/api/v1/attendance/reports/daily?date={day}&persons=false"
        ))
        .await;
    let mut counts = counts["data"].clone();
    assert_eq!(counts["persons"], json!([]));
    counts.as_object_mut().expect("object").remove("persons");
    assert_eq!(counts, data);
}

async fn empty_day_reports_zeroes(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get_ok("/api/v1/attendance/reports/daily?date=2024-02-29")
        .await;
    assert_eq!(
        body["data"],
        json!({
            "date": "2024-02-29",
            "total_persons": 0,
            "present": 0,
            "absent": 0,
            "late": 0,
            "presence_percentage": 0.0,
            "by_department": [],
            "persons": [],
        })
    );
}
