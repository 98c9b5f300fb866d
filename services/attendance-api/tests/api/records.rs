//! `GET /api/v1/attendance` and `GET /api/v1/attendance/{person_id}`: bodies, filters,
//! order and pagination.

use serde_json::Value;

use crate::helpers::{Backend, Seed, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    record_has_the_spec_fields,
    lists_newest_day_first_with_pagination,
    filters_by_person_dates_and_status,
    filters_by_department,
    person_route_lists_only_that_person,
    large_totals_are_estimated_and_flagged,
    late_and_early_leave_minutes_are_listed_and_exported,
);

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data is a list")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn record_has_the_spec_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app
        .seed_person("Ada Lovelace", Some("R&D"), "active", false)
        .await;
    let id = app
        .seed_record(Seed::new(person, "2024-01-15", "present"))
        .await;

    let body = app.get_ok("/api/v1/attendance").await;
    let record = &body["data"][0];
    assert_eq!(record["id"], id.to_string());
    assert_eq!(record["person_id"], person.to_string());
    assert_eq!(record["attendance_date"], "2024-01-15");
    assert_eq!(record["check_in_time"], "2024-01-15T09:00:00Z");
    assert_eq!(record["check_in_confidence"], 0.95);
    assert_eq!(record["check_in_source"], "auto");
    assert_eq!(record["check_out_time"], "2024-01-15T17:00:00Z");
    assert_eq!(record["check_out_confidence"], 0.875);
    assert_eq!(record["check_out_source"], "auto");
    assert_eq!(record["duration_minutes"], 480);
    assert_eq!(record["status"], "present");
    assert_eq!(record["is_manual"], false);
    assert!(record["createdAt"].is_string(), "{record}");
    let keys: Vec<&String> = record.as_object().unwrap().keys().collect();
    assert_eq!(record["late_minutes"], 0);
    assert_eq!(record["early_leave_minutes"], 0);
    assert_eq!(keys.len(), 15, "{keys:?}");
    assert_eq!(
        body["meta"],
        serde_json::json!({"page": 1, "pageSize": 20, "total": 1, "totalPages": 1})
    );
}

async fn lists_newest_day_first_with_pagination(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.seed_person("A", None, "active", false).await;
    let b = app.seed_person("B", None, "active", false).await;
    let mut expected = Vec::new();
    for day in ["2024-01-10", "2024-01-12", "2024-01-11"] {
        let first = app.seed_record(Seed::new(a, day, "present")).await;
        let second = app.seed_record(Seed::new(b, day, "late")).await;
        expected.push((day, first, second));
    }
    // Newest day first; within a day, newest id first.
    expected.sort_by(|x, y| y.0.cmp(x.0));
    let expected: Vec<String> = expected
        .into_iter()
        .flat_map(|(_, first, second)| [second.to_string(), first.to_string()])
        .collect();

    let all = app.get_ok("/api/v1/attendance?page_size=100").await;
    assert_eq!(ids(&all), expected);

    let page2 = app.get_ok("/api/v1/attendance?page=2&page_size=4").await;
    assert_eq!(ids(&page2), expected[4..]);
    assert_eq!(
        page2["meta"],
        serde_json::json!({"page": 2, "pageSize": 4, "total": 6, "totalPages": 2})
    );
    let beyond = app.get_ok("/api/v1/attendance?page=3&page_size=4").await;
    assert_eq!(ids(&beyond), Vec::<String>::new());
}

async fn filters_by_person_dates_and_status(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.seed_person("A", None, "active", false).await;
    let b = app.seed_person("B", None, "active", false).await;
    let a10 = app.seed_record(Seed::new(a, "2024-01-10", "present")).await;
    let a11 = app.seed_record(Seed::new(a, "2024-01-11", "late")).await;
    let a12 = app.seed_record(Seed::new(a, "2024-01-12", "present")).await;
    let b11 = app.seed_record(Seed::new(b, "2024-01-11", "present")).await;

    let body = app
        .get_ok(&format!("/api/v1/attendance?person_id={a}"))
        .await;
    assert_eq!(ids(&body), [a12, a11, a10].map(|i| i.to_string()));

    let body = app
        .get_ok("/api/v1/attendance?from_date=2024-01-11&to_date=2024-01-11")
        .await;
    assert_eq!(ids(&body), [b11, a11].map(|i| i.to_string()));

    let body = app
        .get_ok(&format!(
            "/api/v1/attendance?person_id={a}&from_date=2024-01-11&status=present"
        ))
        .await;
    assert_eq!(ids(&body), [a12.to_string()]);
    assert_eq!(body["meta"]["total"], 1);

    let body = app.get_ok("/api/v1/attendance?status=late").await;
    assert_eq!(ids(&body), [a11.to_string()]);
}

async fn filters_by_department(backend: Backend) {
    let app = spawn_app(backend).await;
    let eng = app
        .seed_person("Eng", Some("Engineering"), "active", false)
        .await;
    let ops = app
        .seed_person("Ops", Some("Operations"), "active", false)
        .await;
    let eng_day = app
        .seed_record(Seed::new(eng, "2024-01-10", "present"))
        .await;
    app.seed_record(Seed::new(ops, "2024-01-10", "present"))
        .await;

    let body = app
        .get_ok("/api/v1/attendance?department=Engineering")
        .await;
    assert_eq!(ids(&body), [eng_day.to_string()]);
    assert_eq!(body["meta"]["total"], 1);
    let body = app.get_ok("/api/v1/attendance?department=Nobody").await;
    assert_eq!(body["meta"]["total"], 0);
}

async fn person_route_lists_only_that_person(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.seed_person("A", None, "active", false).await;
    let b = app.seed_person("B", None, "active", false).await;
    let a10 = app.seed_record(Seed::new(a, "2024-01-10", "present")).await;
    let a11 = app.seed_record(Seed::new(a, "2024-01-11", "present")).await;
    app.seed_record(Seed::new(b, "2024-01-11", "present")).await;

    let body = app.get_ok(&format!("/api/v1/attendance/{a}")).await;
    assert_eq!(ids(&body), [a11, a10].map(|i| i.to_string()));
    let body = app
        .get_ok(&format!(
            "/api/v1/attendance/{a}?to_date=2024-01-10&page_size=1"
        ))
        .await;
    assert_eq!(ids(&body), [a10.to_string()]);
    assert_eq!(
        body["meta"],
        serde_json::json!({"page": 1, "pageSize": 1, "total": 1, "totalPages": 1})
    );
    // A person without records is an empty page, not an error.
    let nobody = uuid::Uuid::now_v7();
    let body = app.get_ok(&format!("/api/v1/attendance/{nobody}")).await;
    assert_eq!(body["meta"]["total"], 0);
}

/// Over `EXACT_TOTAL_UP_TO` matches, PostgreSQL's total is the planner's estimate, flagged
/// by `X-Total-Estimated`; SQLite counts exactly; a narrower filter is exact again.
async fn large_totals_are_estimated_and_flagged(backend: Backend) {
    use sea_orm::{EntityTrait, IntoActiveModel};
    let app = spawn_app(backend).await;
    let people: Vec<uuid::Uuid> = (0..101).map(|_| uuid::Uuid::now_v7()).collect();
    let start: chrono::NaiveDate = "2024-01-01".parse().unwrap();
    let now = chrono::Utc::now();
    // 101 persons × 100 days: 10,100 records, in batches of 1,000 rows.
    let rows: Vec<_> = people
        .iter()
        .flat_map(|person| {
            (0..100).map(
                move |day| faceattend_attendance_store::entities::attendance::Model {
                    id: uuid::Uuid::now_v7(),
                    person_id: *person,
                    attendance_date: start + chrono::Duration::days(day),
                    check_in_time: None,
                    check_in_confidence: None,
                    check_in_source: None,
                    check_in_detection_id: None,
                    check_in_camera_id: None,
                    check_out_time: None,
                    check_out_confidence: None,
                    check_out_source: None,
                    check_out_detection_id: None,
                    check_out_camera_id: None,
                    duration_minutes: None,
                    status: "absent".to_owned(),
                    status_evidence: None,
                    late_minutes: 0,
                    early_leave_minutes: 0,
                    is_manual: false,
                    approved_by: None,
                    approval_timestamp: None,
                    remarks: None,
                    created_at: now,
                    updated_at: now,
                },
            )
        })
        .collect();
    for batch in rows.chunks(1_000) {
        faceattend_attendance_store::entities::attendance::Entity::insert_many(
            batch
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&app.db)
        .await
        .expect("records inserted");
    }
    if backend == Backend::Postgres {
        sea_orm::ConnectionTrait::execute_unprepared(&app.db, "ANALYZE attendance")
            .await
            .expect("analyze");
    }

    let response = app.get("/api/v1/attendance").await;
    let estimated = response.headers().get("x-total-estimated").cloned();
    let body: Value = response.json().await.expect("json");
    let total = body["meta"]["total"].as_u64().expect("total");
    assert_eq!(body["data"].as_array().unwrap().len(), 20);
    match backend {
        Backend::Postgres => {
            assert_eq!(
                estimated.as_ref().map(|v| v.to_str().unwrap()),
                Some("true")
            );
            // Fresh statistics: close to the 10,100 rows, and never below the cap.
            assert!((10_001..=11_000).contains(&total), "{total}");
            assert_eq!(body["meta"]["totalPages"], total.div_ceil(20));
        }
        Backend::Sqlite => {
            assert!(estimated.is_none());
            assert_eq!(total, 10_100);
        }
    }
    // 5,050 matches: counted exactly on both backends.
    let response = app.get("/api/v1/attendance?to_date=2024-02-19").await;
    assert!(response.headers().get("x-total-estimated").is_none());
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["meta"]["total"], 101 * 50);
}

async fn late_and_early_leave_minutes_are_listed_and_exported(backend: Backend) {
    use faceattend_attendance_store::entities::attendance;
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

    let app = spawn_app(backend).await;
    let person = app.seed_person("Tardy", None, "active", false).await;
    let id = app
        .seed_record(Seed::new(person, "2024-01-15", "late"))
        .await;
    // As the rules decide a late day that also ended early.
    let mut row = attendance::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the record")
        .into_active_model();
    row.late_minutes = Set(25);
    row.early_leave_minutes = Set(10);
    row.update(&app.db).await.expect("updated");

    let body = app.get_ok("/api/v1/attendance?status=late").await;
    assert_eq!(body["data"][0]["late_minutes"], 25, "{body}");
    assert_eq!(body["data"][0]["early_leave_minutes"], 10, "{body}");

    let response = app.get("/api/v1/attendance?status=late&format=csv").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("CSV");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("row").split(',').collect();
    let value = |name: &str| row[header.iter().position(|c| *c == name).expect(name)];
    assert_eq!(
        (value("late_minutes"), value("early_leave_minutes")),
        ("25", "10")
    );
    // The record's page carries them once, beside what it rests on.
    let detail = app
        .get_ok(&format!("/api/v1/attendance/records/{id}"))
        .await;
    assert_eq!(detail["data"]["record"]["late_minutes"], 25, "{detail}");
}
