//! `GET /api/v1/attendance/status/{person_id}`: today's record in the site's time zone.

use chrono::{Duration, Utc};

use faceattend_domain::attendance::SiteZone;

use crate::helpers::{Backend, Seed, assert_error, spawn_app, spawn_app_in};
use crate::on_both_backends;

on_both_backends!(
    checked_in_person_shows_elapsed_minutes,
    checked_out_person_shows_the_day_duration,
    known_person_without_record_is_not_checked_in,
    unknown_person_is_not_found,
    today_is_the_sites_local_day,
);

async fn checked_in_person_shows_elapsed_minutes(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("John Doe", None, "active", false).await;
    let now = Utc::now();
    let check_in = now - Duration::minutes(42);
    app.seed_record(Seed {
        check_in: Some(check_in),
        check_out: None,
        ..Seed::new(person, &now.date_naive().to_string(), "present")
    })
    .await;

    let body = app
        .get_ok(&format!("/api/v1/attendance/status/{person}"))
        .await;
    let data = &body["data"];
    assert_eq!(data["person_id"], person.to_string());
    assert_eq!(data["person_name"], "John Doe");
    assert_eq!(data["checked_in"], true);
    let shown: chrono::DateTime<Utc> = data["check_in_time"]
        .as_str()
        .expect("check_in_time")
        .parse()
        .expect("RFC 3339");
    assert_eq!(shown.timestamp(), check_in.timestamp());
    let minutes = data["current_duration_minutes"].as_i64().expect("minutes");
    assert!((42..=43).contains(&minutes), "{data}");
}

async fn checked_out_person_shows_the_day_duration(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Jane Roe", None, "active", false).await;
    let now = Utc::now();
    app.seed_record(Seed {
        check_in: Some(now - Duration::minutes(90)),
        check_out: Some(now - Duration::minutes(30)),
        ..Seed::new(person, &now.date_naive().to_string(), "present")
    })
    .await;
    // Yesterday's record does not count for today.
    app.seed_record(Seed::new(
        person,
        &(now.date_naive() - Duration::days(1)).to_string(),
        "present",
    ))
    .await;

    let body = app
        .get_ok(&format!("/api/v1/attendance/status/{person}"))
        .await;
    assert_eq!(body["data"]["checked_in"], false);
    assert_eq!(body["data"]["current_duration_minutes"], 60);
}

async fn known_person_without_record_is_not_checked_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.seed_person("Idle", None, "active", false).await;
    let body = app
        .get_ok(&format!("/api/v1/attendance/status/{person}"))
        .await;
    assert_eq!(
        body["data"],
        serde_json::json!({
            "person_id": person.to_string(),
            "person_name": "Idle",
            "checked_in": false,
            "check_in_time": null,
            "current_duration_minutes": 0,
        })
    );
}

async fn unknown_person_is_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let nobody = uuid::Uuid::now_v7();
    let response = app
        .get(&format!("/api/v1/attendance/status/{nobody}"))
        .await;
    assert_error(response, 404, "person_not_found").await;
    let deleted = app.seed_person("Gone", None, "active", true).await;
    let response = app
        .get(&format!("/api/v1/attendance/status/{deleted}"))
        .await;
    assert_error(response, 404, "person_not_found").await;
}

async fn today_is_the_sites_local_day(backend: Backend) {
    // UTC+14 (no DST): the local date differs from UTC's for ten hours of every UTC day,
    // and the route must pick the local one whenever they differ.
    let zone = SiteZone::parse("Pacific/Kiritimati").expect("known zone");
    let app = spawn_app_in(backend, zone).await;
    let person = app.seed_person("Far East", None, "active", false).await;
    let now = Utc::now();
    let local_today = zone.local(now).date();
    let check_in = now - Duration::minutes(5);
    app.seed_record(Seed {
        check_in: Some(check_in),
        check_out: None,
        ..Seed::new(person, &local_today.to_string(), "present")
    })
    .await;
    // A record on the UTC date (when it differs), already closed: not today's.
    if now.date_naive() != local_today {
        app.seed_record(Seed::new(person, &now.date_naive().to_string(), "late"))
            .await;
    }
    let body = app
        .get_ok(&format!("/api/v1/attendance/status/{person}"))
        .await;
    assert_eq!(body["data"]["checked_in"], true, "{body}");
}
