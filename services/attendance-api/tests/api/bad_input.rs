//! Bad parameters are a 400 with a stable code and the offending field, never a 500.

use serde_json::Value;

use crate::helpers::{Backend, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    bad_list_parameters_are_named,
    bad_path_ids_are_refused,
    bad_report_dates_are_refused,
);

fn fields(body: &Value) -> Vec<(String, String)> {
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

async fn bad_list_parameters_are_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        ("person_id=42", pair("person_id", "invalid_uuid")),
        ("from_date=2024-02-30", pair("from_date", "invalid_date")),
        ("to_date=yesterday", pair("to_date", "invalid_date")),
        (
            "from_date=2024-02-01&to_date=2024-01-01",
            pair("from_date", "invalid_range"),
        ),
        ("status=sleeping", pair("status", "unknown_status")),
        ("page=0", pair("page", "out_of_range")),
        ("page_size=101", pair("page_size", "out_of_range")),
        ("department=", pair("department", "required")),
    ];
    for (query, expected) in cases {
        let response = app.get(&format!("/api/v1/attendance?{query}")).await;
        let body = assert_error(response, 400, "invalid_parameters").await;
        assert_eq!(fields(&body), [expected], "{query}");
    }
    // Several at once are all reported.
    let response = app
        .get("/api/v1/attendance?person_id=x&status=y&from_date=z")
        .await;
    let body = assert_error(response, 400, "invalid_parameters").await;
    assert_eq!(fields(&body).len(), 3, "{body}");
    // Values that are not even of the parameter's type, and unknown parameters.
    let response = app.get("/api/v1/attendance?page=first").await;
    assert_error(response, 400, "invalid_query_parameter").await;
    let response = app.get("/api/v1/attendance?colour=blue").await;
    assert_error(response, 400, "invalid_query_parameter").await;
    let person = uuid::Uuid::now_v7();
    let response = app
        .get(&format!("/api/v1/attendance/{person}?person_id={person}"))
        .await;
    let body = assert_error(response, 400, "invalid_parameters").await;
    assert_eq!(fields(&body), [pair("person_id", "not_allowed")]);
}

async fn bad_path_ids_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/api/v1/attendance/not-a-uuid",
        "/api/v1/attendance/status/12345",
    ] {
        let response = app.get(path).await;
        assert_error(response, 400, "invalid_path_parameter").await;
    }
    let response = app.get("/api/v1/attendance/reports/weekly").await;
    assert_error(response, 404, "route_not_found").await;
    // The read routes only read.
    let response = app
        .client
        .delete(app.url("/api/v1/attendance/reports/daily"))
        .bearer_auth(app.token(&["attendance:read"]))
        .send()
        .await
        .expect("sent");
    assert_error(response, 405, "method_not_allowed").await;
}

async fn bad_report_dates_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    for (query, code) in [
        ("", "required"),
        ("?date=15-01-2024", "invalid_date"),
        ("?date=2023-02-29", "invalid_date"),
    ] {
        let response = app
            .get(&format!("/api/v1/attendance/reports/daily{query}"))
            .await;
        let body = assert_error(response, 400, "invalid_parameters").await;
        assert_eq!(fields(&body), [pair("date", code)], "{query}");
    }
    for (query, code) in [
        ("?date=2024-01-15&persons=no", "invalid_boolean"),
        (
            "?date=2024-01-15&persons=false&format=csv",
            "conflicts_with_format",
        ),
    ] {
        let response = app
            .get(&format!("/api/v1/attendance/reports/daily{query}"))
            .await;
        let body = assert_error(response, 400, "invalid_parameters").await;
        assert_eq!(fields(&body), [pair("persons", code)], "{query}");
    }
}
