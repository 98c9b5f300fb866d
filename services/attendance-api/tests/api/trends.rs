//! Trends against a hand-computed fixture: by day, by ISO week, by department; a record
//! changed afterwards (by any path) shows in the next answer; the CSV; the range limit.

use chrono::NaiveDate;
use faceattend_attendance_store::entities::attendance;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, Seed, TestApp, assert_error, at, spawn_app};
use crate::on_both_backends;

const TRENDS: &str = "/api/v1/attendance/reports/trends";

fn date(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

async fn seed(
    app: &TestApp,
    person: Uuid,
    day: &str,
    status: &'static str,
    arrival: (u32, u32),
    leave: (u32, u32),
) {
    let mut seed = Seed::new(person, day, status);
    seed.check_in = Some(at(date(day), arrival.0, arrival.1));
    seed.check_out = Some(at(date(day), leave.0, leave.1));
    app.seed_record(seed).await;
}

async fn absent(app: &TestApp, person: Uuid, day: &str) {
    let mut seed = Seed::new(person, day, "absent");
    seed.check_in = None;
    seed.check_out = None;
    app.seed_record(seed).await;
}

/// The fixture (UTC site): R&D = Ada, Bea; Ops = Cy.
/// - Mon 2 March: Ada 08:50–17:00 (490 min), Bea late 09:20–17:00 (460), Cy absent.
/// - Tue 3 March: Ada 08:40–16:40 (480), Bea absent, Cy 09:00–17:00 (480).
/// - Wed 4 March: Bea pending (not counted).
/// - Mon 9 March: Ada 08:55–17:00 (485).
async fn fixture(app: &TestApp) -> Uuid {
    let ada = app.seed_person("Ada", Some("R&D"), "active", false).await;
    let bea = app.seed_person("Bea", Some("R&D"), "active", false).await;
    let cy = app.seed_person("Cy", Some("Ops"), "active", false).await;
    seed(app, ada, "2026-03-02", "present", (8, 50), (17, 0)).await;
    seed(app, bea, "2026-03-02", "late", (9, 20), (17, 0)).await;
    absent(app, cy, "2026-03-02").await;
    seed(app, ada, "2026-03-03", "present", (8, 40), (16, 40)).await;
    absent(app, bea, "2026-03-03").await;
    seed(app, cy, "2026-03-03", "present", (9, 0), (17, 0)).await;
    seed(app, bea, "2026-03-04", "pending", (9, 0), (17, 0)).await;
    seed(app, ada, "2026-03-09", "present", (8, 55), (17, 0)).await;
    cy
}

fn point(
    expected: u64,
    present: u64,
    late: u64,
    absent: u64,
    pct: f64,
    mean: &str,
    p90: &str,
    worked: f64,
) -> Value {
    json!({
        "expected": expected, "present": present, "late": late, "absent": absent,
        "presence_percentage": pct, "mean_arrival": mean, "p90_arrival": p90,
        "mean_worked_minutes": worked,
    })
}

/// The figures of `p` that `point` names.
fn figures(p: &Value) -> Value {
    let keys = [
        "expected",
        "present",
        "late",
        "absent",
        "presence_percentage",
        "mean_arrival",
        "p90_arrival",
        "mean_worked_minutes",
    ];
    Value::Object(
        keys.iter()
            .map(|k| ((*k).to_owned(), p[*k].clone()))
            .collect(),
    )
}

async fn trends_match_the_hand_computed_fixture(backend: Backend) {
    let app = spawn_app(backend).await;
    let cy = fixture(&app).await;

    let days = app
        .get_ok(&format!("{TRENDS}?from_date=2026-03-02&to_date=2026-03-04"))
        .await["data"]
        .clone();
    assert_eq!(days["interval"], "day");
    let series = days["series"].as_array().expect("series");
    assert_eq!(series.len(), 1);
    assert_eq!(series[0]["department"], Value::Null);
    let points = series[0]["points"].as_array().expect("points");
    assert_eq!(points.len(), 3);
    assert_eq!(points[0]["period_start"], "2026-03-02");
    // Arrivals 08:50 and 09:20: mean 09:05, the 90th percentile the later one.
    assert_eq!(
        figures(&points[0]),
        point(3, 2, 1, 1, 66.7, "09:05:00", "09:20:00", 475.0)
    );
    assert_eq!(
        figures(&points[1]),
        point(3, 2, 0, 1, 66.7, "08:50:00", "09:00:00", 480.0)
    );
    // Only a pending entry on the 4th: nothing expected yet.
    assert_eq!(points[2]["expected"], 0);
    assert_eq!(points[2]["presence_percentage"], 0.0);
    assert_eq!(points[2]["mean_arrival"], Value::Null);

    // ISO weeks: Monday 2 to Sunday 8, then Monday 9 alone.
    let weeks = app
        .get_ok(&format!(
            "{TRENDS}?from_date=2026-03-02&to_date=2026-03-09&interval=week"
        ))
        .await["data"]["series"][0]["points"]
        .clone();
    assert_eq!(weeks[0]["period_end"], "2026-03-08");
    // Arrivals 530, 560, 520, 540 minutes: mean 537.5 → 08:58; 4th of 4 → 09:20.
    assert_eq!(
        figures(&weeks[0]),
        point(6, 4, 1, 2, 66.7, "08:58:00", "09:20:00", 477.5)
    );
    assert_eq!(
        figures(&weeks[1]),
        point(1, 1, 0, 0, 100.0, "08:55:00", "08:55:00", 485.0)
    );

    let by_department = app
        .get_ok(&format!(
            "{TRENDS}?from_date=2026-03-02&to_date=2026-03-02&by_department=true"
        ))
        .await["data"]["series"]
        .clone();
    assert_eq!(by_department[0]["department"], "Ops");
    assert_eq!(by_department[0]["points"][0]["expected"], 1);
    assert_eq!(by_department[0]["points"][0]["absent"], 1);
    assert_eq!(by_department[0]["points"][0]["mean_arrival"], Value::Null);
    assert_eq!(by_department[1]["department"], "R&D");
    assert_eq!(by_department[1]["points"][0]["present"], 2);
    let ops = app
        .get_ok(&format!(
            "{TRENDS}?from_date=2026-03-02&to_date=2026-03-03&department=Ops"
        ))
        .await["data"]["series"]
        .clone();
    assert_eq!(ops.as_array().map(Vec::len), Some(1));
    assert_eq!(ops[0]["department"], "Ops");
    assert_eq!(ops[0]["points"][1]["present"], 1);

    // A record changed behind the API's back (a hand-made fix) shows in the next answer.
    let row = attendance::Entity::find()
        .filter(attendance::Column::PersonId.eq(cy))
        .filter(attendance::Column::AttendanceDate.eq(date("2026-03-02")))
        .one(&app.db)
        .await
        .expect("read")
        .expect("Cy's 2 March");
    let mut fixed = row.into_active_model();
    fixed.status = Set("present".to_owned());
    fixed.check_in_time = Set(Some(at(date("2026-03-02"), 9, 0)));
    fixed.update(&app.db).await.expect("updated");
    let again = app
        .get_ok(&format!("{TRENDS}?from_date=2026-03-02&to_date=2026-03-02"))
        .await["data"]["series"][0]["points"][0]
        .clone();
    assert_eq!(again["present"], 3);
    assert_eq!(again["absent"], 0);
    assert_eq!(again["presence_percentage"], 100.0);

    let response = app
        .get(&format!(
            "{TRENDS}?from_date=2026-03-02&to_date=2026-03-09&interval=week&format=csv"
        ))
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("CSV");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "department,period_start,period_end,expected,present,late,absent,presence_percentage,mean_arrival,p90_arrival,mean_worked_minutes"
    );
    assert_eq!(lines.len(), 3);
    assert!(
        lines[2].starts_with(",2026-03-09,2026-03-09,1,1,0,0,100.0,08:55:00"),
        "{}",
        lines[2]
    );

    for (query, code) in [
        ("from_date=2025-01-01&to_date=2026-03-02", "range_too_long"),
        ("from_date=2026-03-03&to_date=2026-03-02", "invalid_range"),
        (
            "from_date=2026-03-02&to_date=2026-03-03&interval=month",
            "unknown_interval",
        ),
        ("to_date=2026-03-03", "required"),
    ] {
        let body = assert_error(
            app.get(&format!("{TRENDS}?{query}")).await,
            400,
            "invalid_parameters",
        )
        .await;
        assert_eq!(body["error"]["details"][0]["code"], code, "{query}: {body}");
    }
}

on_both_backends!(trends_match_the_hand_computed_fixture);
