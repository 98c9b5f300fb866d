//! CSV exports (`format=csv`): parsed back with the `csv` crate, they hold the same rows as
//! the JSON of the same query; headers, RFC 4180 quoting, formula injection defused.

use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{Backend, Seed, TestApp, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    the_list_exports_what_it_lists,
    reports_and_statistics_export_what_they_show,
    risky_cells_are_defused,
    exports_are_whole_and_bounded_by_filters,
);

/// A CSV response's header row and rows, after checking its headers.
async fn parse_csv(response: Response, filename: &str) -> (Vec<String>, Vec<Vec<String>>) {
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"{filename}\"").as_str()
    );
    let body = response.bytes().await.expect("body");
    assert!(body.ends_with(b"\r\n"), "CRLF line ends");
    let mut reader = csv::Reader::from_reader(&body[..]);
    let header: Vec<String> = reader
        .headers()
        .expect("header row")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// A JSON value as the export writes it.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Asserts the CSV rows are the JSON items, column by column.
fn assert_same(header: &[String], rows: &[Vec<String>], items: &[Value]) {
    assert_eq!(rows.len(), items.len());
    for (row, item) in rows.iter().zip(items) {
        for (column, value) in header.iter().zip(row) {
            assert_eq!(*value, cell(&item[column]), "column {column} of {item}");
        }
    }
}

async fn seed(app: &TestApp) -> (uuid::Uuid, uuid::Uuid) {
    let ada = app.seed_person("Ada", Some("Eng"), "active", false).await;
    let bob = app.seed_person("Bob", Some("Ops"), "active", false).await;
    for day in ["2024-01-02", "2024-01-03", "2024-01-04"] {
        app.seed_record(Seed::new(ada, day, "present")).await;
    }
    app.seed_record(Seed::new(bob, "2024-01-02", "late")).await;
    app.seed_record(Seed::new(bob, "2024-01-05", "absent"))
        .await;
    (ada, bob)
}

async fn the_list_exports_what_it_lists(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ada, _) = seed(&app).await;
    for (query, filename) in [
        ("", "attendance.csv".to_owned()),
        (
            "status=present&from_date=2024-01-03",
            "attendance.csv".to_owned(),
        ),
        ("department=Ops", "attendance.csv".to_owned()),
    ] {
        let json = app
            .get_ok(&format!("/api/v1/attendance?page_size=100&{query}"))
            .await;
        let response = app
            .get(&format!("/api/v1/attendance?format=csv&{query}"))
            .await;
        let (header, rows) = parse_csv(response, &filename).await;
        assert_eq!(header[..3], ["id", "person_id", "attendance_date"]);
        assert!(header.contains(&"status".to_owned()));
        assert_same(&header, &rows, json["data"].as_array().unwrap());
        assert_eq!(
            rows.len() as u64,
            json["meta"]["total"].as_u64().unwrap(),
            "{query}"
        );
    }
    let json = app.get_ok(&format!("/api/v1/attendance/{ada}")).await;
    let response = app
        .get(&format!("/api/v1/attendance/{ada}?format=csv"))
        .await;
    let (header, rows) = parse_csv(response, &format!("attendance_{ada}.csv")).await;
    assert_eq!(rows.len(), 3);
    assert_same(&header, &rows, json["data"].as_array().unwrap());
}

async fn reports_and_statistics_export_what_they_show(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ada, _) = seed(&app).await;

    let daily = app
        .get_ok("/api/v1/attendance/reports/daily?date=2024-01-02")
        .await;
    let response = app
        .get("/api/v1/attendance/reports/daily?date=2024-01-02&format=csv")
        .await;
    let (header, rows) = parse_csv(response, "daily_report_2024-01-02.csv").await;
    assert_eq!(
        header,
        [
            "person_id",
            "name",
            "department",
            "status",
            "check_in_time",
            "check_out_time",
            "worked_minutes",
            "late_minutes",
            "early_leave_minutes",
            "date"
        ]
    );
    let mut persons = daily["data"]["persons"].as_array().unwrap().clone();
    for p in &mut persons {
        p["date"] = json!("2024-01-02");
    }
    assert_same(&header, &rows, &persons);
    assert_eq!(rows[0][1], "Ada");
    assert_eq!(rows[1][3], "late");

    let monthly = app
        .get_ok("/api/v1/attendance/reports/monthly?year=2024&month=1&page_size=100")
        .await;
    let response = app
        .get("/api/v1/attendance/reports/monthly?year=2024&month=1&format=csv")
        .await;
    let (header, rows) = parse_csv(response, "monthly_report_2024-01.csv").await;
    let mut persons = monthly["data"]["persons"].as_array().unwrap().clone();
    for p in &mut persons {
        p["year"] = json!(2024);
        p["month"] = json!(1);
    }
    assert_same(&header, &rows, &persons);
    assert_eq!(rows.len(), 2);
    assert!(header.contains(&"average_check_in_time".to_owned()));

    let range = "from_date=2024-01-01&to_date=2024-01-31";
    let stats = app
        .get_ok(&format!("/api/v1/attendance/{ada}/statistics?{range}"))
        .await;
    let response = app
        .get(&format!(
            "/api/v1/attendance/{ada}/statistics?{range}&format=csv"
        ))
        .await;
    let (header, rows) = parse_csv(
        response,
        &format!("statistics_{ada}_2024-01-01_2024-01-31.csv"),
    )
    .await;
    let mut expected = stats["data"].clone();
    expected["person_id"] = json!(ada);
    expected["from_date"] = json!("2024-01-01");
    expected["to_date"] = json!("2024-01-31");
    assert_same(&header, &rows, &[expected]);
    assert_eq!(rows[0][4], "3", "days_present");
}

async fn risky_cells_are_defused(backend: Backend) {
    let app = spawn_app(backend).await;
    let names = [
        "=HYPERLINK(\"http://x\")",
        "+1",
        "-2",
        "@SUM(A1)",
        "Doe, \"J\"\nJr",
    ];
    for name in names {
        app.seed_person(name, Some("Eng"), "active", false).await;
    }
    let response = app
        .get("/api/v1/attendance/reports/daily?date=2024-01-02&format=csv")
        .await;
    let (_, rows) = parse_csv(response, "daily_report_2024-01-02.csv").await;
    let mut exported: Vec<String> = rows.into_iter().map(|r| r[1].clone()).collect();
    exported.sort();
    let mut expected = vec![
        "'=HYPERLINK(\"http://x\")".to_owned(),
        "'+1".to_owned(),
        "'-2".to_owned(),
        "'@SUM(A1)".to_owned(),
        // Quoting keeps the comma, quotes and line break inside one cell.
        "Doe, \"J\"\nJr".to_owned(),
    ];
    expected.sort();
    assert_eq!(exported, expected);
}

async fn exports_are_whole_and_bounded_by_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    seed(&app).await;
    // 25 records: more than a default page, all in the export.
    let carl = app.seed_person("Carl", None, "active", false).await;
    let start: chrono::NaiveDate = "2024-02-01".parse().unwrap();
    for offset in 0..20 {
        let day = (start + chrono::Duration::days(offset)).to_string();
        app.seed_record(Seed::new(carl, &day, "present")).await;
    }
    let response = app.get("/api/v1/attendance?format=csv").await;
    let (_, rows) = parse_csv(response, "attendance.csv").await;
    assert_eq!(rows.len(), 25);
    let response = app.get("/api/v1/attendance?format=csv&page_size=10").await;
    assert_error(response, 400, "invalid_parameters").await;
    let response = app.get("/api/v1/attendance?format=pdf").await;
    assert_error(response, 400, "invalid_parameters").await;
    let response = app
        .get("/api/v1/attendance/reports/daily?date=2024-01-02&format=xml")
        .await;
    assert_error(response, 400, "invalid_parameters").await;

    // An export beyond its bound is refused after one count, before any row is read.
    let queries = attendance_api::queries::AttendanceQueries::new(app.db.clone());
    let filter = attendance_api::queries::AttendanceFilter::default();
    let error = queries.export(&filter, 24).await.expect_err("25 rows > 24");
    assert!(
        matches!(
            error,
            attendance_api::error::AttendanceApiError::ExportTooLarge { rows: 25, max: 24 }
        ),
        "{error}"
    );
    assert_eq!(
        queries.export(&filter, 25).await.expect("25 rows").len(),
        25
    );
}
