//! Jobs on demand: asking for a run (validated per job), reading runs back, and a real
//! attendance-worker on the same database executing what was asked.

use std::time::Duration;

use attendance_worker::config::Settings as WorkerSettings;
use attendance_worker::startup::Application as Worker;
use faceattend_service::config::EnvReader;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    a_run_is_requested_and_read_back,
    bad_job_requests_are_refused_with_a_code,
    jobs_need_their_permissions,
    a_requested_run_is_executed_by_a_running_worker,
);

fn fields(body: &Value) -> Vec<(String, String)> {
    body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| {
            (
                d["field"].as_str().unwrap_or_default().to_owned(),
                d["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

async fn request_run(app: &TestApp, job: &str, body: &Value) -> Value {
    let response = app
        .post(&format!("/api/v1/attendance/jobs/{job}/runs"), body)
        .await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("json body");
    assert_eq!(status, 202, "{body}");
    body["data"].clone()
}

async fn a_run_is_requested_and_read_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let run = request_run(&app, "daily_report", &json!({"date": "2026-03-10"})).await;
    assert_eq!(run["job"], "daily_report");
    assert_eq!(run["state"], "pending");
    assert_eq!(run["trigger"], "api");
    assert_eq!(run["requested_by"], "test");
    assert_eq!(run["parameters"], json!({"date": "2026-03-10"}));
    assert_eq!(run["slot"], Value::Null);
    let id = run["id"].as_str().expect("an id");

    let read = app
        .get_ok(&format!("/api/v1/attendance/jobs/runs/{id}"))
        .await;
    assert_eq!(read["data"], run);

    // An empty body asks for the defaults.
    let response = app
        .client
        .post(app.url("/api/v1/attendance/jobs/cleanup/runs"))
        .bearer_auth(app.token(&["attendance:write"]))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status().as_u16(), 202);
    let cleanup: Value = response.json().await.expect("json");
    assert_eq!(cleanup["data"]["parameters"], json!({}));
    request_run(&app, "monthly_report", &json!({"year": 2026, "month": 2})).await;

    let all = app.get_ok("/api/v1/attendance/jobs/runs").await;
    let jobs: Vec<&str> = all["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| r["job"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        jobs,
        vec!["monthly_report", "cleanup", "daily_report"],
        "newest first"
    );
    let filtered = app
        .get_ok("/api/v1/attendance/jobs/runs?job=cleanup&state=pending")
        .await;
    assert_eq!(filtered["data"].as_array().expect("a list").len(), 1);
    let none = app
        .get_ok("/api/v1/attendance/jobs/runs?state=succeeded&limit=5")
        .await;
    assert_eq!(none["data"], json!([]));
}

async fn bad_job_requests_are_refused_with_a_code(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_error(
        app.post("/api/v1/attendance/jobs/payroll/runs", &json!({}))
            .await,
        404,
        "job_not_found",
    )
    .await;
    for (job, body, expected) in [
        (
            "cleanup",
            json!({"days": -3}),
            vec![pair("days", "out_of_range")],
        ),
        (
            "cleanup",
            json!({"days": 30, "dry_run": true}),
            vec![pair("dry_run", "unknown_field")],
        ),
        (
            "daily_report",
            json!({"date": "2026-02-30"}),
            vec![pair("date", "invalid_date")],
        ),
        (
            "monthly_report",
            json!({"year": 2026, "month": 13}),
            vec![pair("month", "out_of_range")],
        ),
        (
            "monthly_report",
            json!({"month": 3}),
            vec![pair("year", "incomplete")],
        ),
        (
            "notifications",
            json!({"person_id": 7}),
            vec![pair("person_id", "invalid_uuid")],
        ),
        ("reconcile", json!([5]), vec![pair("body", "invalid_type")]),
    ] {
        let body = assert_error(
            app.post(&format!("/api/v1/attendance/jobs/{job}/runs"), &body)
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&body), expected, "{job}: {body}");
    }
    let not_json = app
        .client
        .post(app.url("/api/v1/attendance/jobs/cleanup/runs"))
        .bearer_auth(app.token(&["attendance:write"]))
        .header("content-type", "text/plain")
        .body("days=3")
        .send()
        .await
        .expect("request sent");
    assert_error(not_json, 415, "unsupported_media_type").await;
    // Only JSON's own white space (space, tab, CR, LF) is an empty body: a form feed is not
    // JSON, and was once taken for "no body" and so for the defaults.
    for (raw, status, code) in [
        ("{days:", 400, "malformed_json"),
        ("\x0c", 400, "malformed_json"),
        (" \x0b ", 400, "malformed_json"),
        ("null", 422, "validation_failed"),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/attendance/jobs/cleanup/runs"))
            .bearer_auth(app.token(&["attendance:write"]))
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .expect("request sent");
        assert_error(response, status, code).await;
    }

    let body = assert_error(
        app.get("/api/v1/attendance/jobs/runs?job=payroll&state=done&limit=0")
            .await,
        400,
        "invalid_parameters",
    )
    .await;
    assert_eq!(
        fields(&body),
        vec![
            pair("job", "unknown_job"),
            pair("state", "unknown_state"),
            pair("limit", "out_of_range")
        ]
    );
    assert_error(
        app.get("/api/v1/attendance/jobs/runs/not-a-uuid").await,
        400,
        "invalid_parameters",
    )
    .await;
    assert_error(
        app.get(&format!("/api/v1/attendance/jobs/runs/{}", Uuid::now_v7()))
            .await,
        404,
        "job_run_not_found",
    )
    .await;
    let wrong_method = app
        .client
        .delete(app.url("/api/v1/attendance/jobs/runs"))
        .bearer_auth(app.token(&["attendance:write"]))
        .send()
        .await
        .expect("request sent");
    assert_eq!(wrong_method.status().as_u16(), 405);
}

async fn jobs_need_their_permissions(backend: Backend) {
    let app = spawn_app(backend).await;
    let anonymous = app
        .client
        .post(app.url("/api/v1/attendance/jobs/cleanup/runs"))
        .json(&json!({}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(anonymous.status().as_u16(), 401);
    let reader = app
        .post_as(
            "/api/v1/attendance/jobs/cleanup/runs",
            &json!({}),
            &["attendance:read"],
        )
        .await;
    assert_eq!(reader.status().as_u16(), 403);
    let writer_only = app
        .client
        .get(app.url("/api/v1/attendance/jobs/runs"))
        .bearer_auth(app.token(&["attendance:write"]))
        .send()
        .await
        .expect("request sent");
    assert_eq!(writer_only.status().as_u16(), 403);
    let anonymous_read = app
        .client
        .get(app.url("/api/v1/attendance/jobs/runs"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(anonymous_read.status().as_u16(), 401);
}

async fn a_requested_run_is_executed_by_a_running_worker(backend: Backend) {
    let app = spawn_app(backend).await;
    let nats_url =
        std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let namespace = format!("t{}", &Uuid::new_v4().simple().to_string()[..16]);
    // The worker's own configuration path, as its deployment would set it: nothing
    // scheduled (only what the API asks for runs), a quick poll.
    let worker_settings = WorkerSettings::from_reader(EnvReader::from_pairs([
        ("DATABASE_URL", app.database_url.as_str()),
        ("NATS_URL", nats_url.as_str()),
        ("BUS_NAMESPACE", namespace.as_str()),
        ("BIND_ADDRESS", "127.0.0.1:0"),
        ("LOG_FORMAT", "pretty"),
        ("JOB_POLL_INTERVAL_MS", "100"),
        ("JOB_RECONCILE_CRON", ""),
        ("JOB_DAILY_REPORT_CRON", ""),
        ("JOB_MONTHLY_REPORT_CRON", ""),
        ("JOB_NOTIFICATIONS_CRON", ""),
        ("JOB_CLEANUP_CRON", ""),
    ]))
    .expect("worker settings");
    assert!(
        worker_settings
            .jobs
            .schedules
            .iter()
            .all(|(_, s)| s.is_none())
    );
    let worker = Worker::build(worker_settings)
        .await
        .expect("attendance-worker starts");
    let worker_stop = worker.shutdown_token();
    let worker_task = tokio::spawn(worker.run_until_stopped());

    let run = request_run(&app, "cleanup", &json!({"days": 30})).await;
    let id = run["id"].as_str().expect("an id").to_owned();
    let mut done = Value::Null;
    for _ in 0..200 {
        let read = app
            .get_ok(&format!("/api/v1/attendance/jobs/runs/{id}"))
            .await;
        if read["data"]["state"] != "pending" && read["data"]["state"] != "running" {
            done = read["data"].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker_stop.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(15), worker_task).await;
    let nats = async_nats::connect(nats_url).await.expect("NATS");
    let jetstream = async_nats::jetstream::new(nats);
    for stream in ["PERSONS", "DETECTIONS", "ATTENDANCE", "DEAD_LETTERS"] {
        let _ = jetstream
            .delete_stream(format!("{}_{stream}", namespace.to_uppercase()))
            .await;
    }
    assert!(
        matches!(stopped, Ok(Ok(Ok(())))),
        "the worker stops cleanly"
    );
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["attempts"], 1);
    assert!(done["started_at"].is_string() && done["finished_at"].is_string());
    assert_eq!(done["result"]["days"], 30);
    assert!(done["result"]["deleted"].is_object(), "{done}");
}
