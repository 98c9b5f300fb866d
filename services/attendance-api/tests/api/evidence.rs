//! The evidence of detections: the review queue with what a reviewer judges by, the
//! snapshots and face crops served from the snapshot store, a deleted person's evidence gone,
//! assigning a sighting to somebody else, "not a person", a record's page with its history,
//! and the unknown faces grouped by appearance.

use std::io::Cursor;

use bytes::Bytes;
use chrono::{Duration, NaiveDate, Utc};
use faceattend_attendance_store::entities::{audit_log, person_directory};
use faceattend_attendance_store::{DetectionEvidence, FaceBox, FaceDecision, RunnerUp};
use faceattend_domain::attendance::{CameraRole, Confidence};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, assert_error, at, new_detection, spawn_app};
use crate::on_both_backends;

fn tuesday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).expect("valid date")
}

/// A 640×480 JPEG frame.
fn frame() -> Bytes {
    let image = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut jpeg = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&image)
        .expect("encodes");
    Bytes::from(jpeg.into_inner())
}

/// Stores a frame and a 0.65 sighting of `person` on it (a review item), with its face box
/// (100 px wide, at 200,150), track and runner-up; returns the detection id.
async fn seed_reviewable(app: &TestApp, person: Uuid, runner_up: Option<Uuid>) -> Uuid {
    let key = format!("snapshots/gate/2026-03-10/{}.jpg", Uuid::now_v7());
    app.snapshots.put(&key, frame()).await.expect("stored");
    let mut detection = new_detection(person, CameraRole::Entry, at(tuesday(), 8, 55), 0.65);
    detection.camera_id = "gate".to_owned();
    detection.distance = 1.02;
    detection.snapshot_ref = Some(key);
    detection.evidence = DetectionEvidence {
        decision: Some(FaceDecision::Match),
        track_id: Some("4".to_owned()),
        face_box: FaceBox::new(200.0, 150.0, 300.0, 250.0),
        runner_up: runner_up.map(|person_id| RunnerUp {
            person_id,
            distance: 1.10,
        }),
    };
    app.seed_new_detection(detection).await
}

async fn pending(app: &TestApp) -> Vec<Value> {
    app.get_ok("/api/v1/attendance/review").await["data"]
        .as_array()
        .expect("a list")
        .clone()
}

async fn actions(app: &TestApp, entity_id: &str) -> Vec<(String, Value)> {
    audit_log::Entity::find()
        .filter(audit_log::Column::EntityId.eq(entity_id))
        .all(&app.db)
        .await
        .expect("audit log")
        .into_iter()
        .map(|row| {
            let after = serde_json::from_str(row.after.as_deref().unwrap_or("null")).expect("JSON");
            (row.action, after)
        })
        .collect()
}

async fn image_of(app: &TestApp, path: &str) -> (u16, Option<String>, Bytes) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, kind, response.bytes().await.expect("a body"))
}

async fn the_review_queue_shows_the_evidence_and_serves_its_images(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    let bea = app.seed_person("Bea", None, "active", false).await;
    let detection = seed_reviewable(&app, ada, Some(bea)).await;

    let items = pending(&app).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item["person_name"], "Ada");
    let evidence = &item["detection"];
    assert_eq!(evidence["detection_id"], detection.to_string());
    assert_eq!(evidence["camera_id"], "gate");
    assert_eq!(evidence["camera_role"], "entry");
    assert_eq!(evidence["decision"], "match");
    assert_eq!(evidence["track_id"], "4");
    assert_eq!(evidence["has_snapshot"], true);
    assert_eq!(
        evidence["face_box"],
        json!({ "x_min": 200.0, "y_min": 150.0, "x_max": 300.0, "y_max": 250.0 })
    );
    assert_eq!(evidence["runner_up"]["person_id"], bea.to_string());
    assert_eq!(evidence["runner_up"]["name"], "Bea");
    let margin = evidence["runner_up"]["margin"].as_f64().expect("a margin");
    assert!((margin - 0.08).abs() < 1e-4, "{margin}");

    let (status, kind, body) = image_of(
        &app,
        &format!("/api/v1/attendance/detections/{detection}/snapshot"),
    )
    .await;
    assert_eq!((status, kind.as_deref()), (200, Some("image/jpeg")));
    assert_eq!(body, frame());
    // The face (100 px) with 60 px of margin on each side.
    let (status, kind, body) = image_of(
        &app,
        &format!("/api/v1/attendance/detections/{detection}/crop"),
    )
    .await;
    assert_eq!((status, kind.as_deref()), (200, Some("image/jpeg")));
    let crop = image::load_from_memory(&body).expect("a JPEG");
    assert_eq!((crop.width(), crop.height()), (220, 220));

    let one = app
        .get_ok(&format!("/api/v1/attendance/detections/{detection}"))
        .await;
    assert_eq!(one["data"]["person_name"], "Ada");

    // A detection without a snapshot or a box has no image; an unknown id is no detection.
    let bare = app
        .seed_detection(ada, CameraRole::Entry, at(tuesday(), 17, 0), 0.9)
        .await;
    for image in ["snapshot", "crop"] {
        let response = app
            .get(&format!("/api/v1/attendance/detections/{bare}/{image}"))
            .await;
        assert_error(response, 404, "evidence_not_found").await;
        let response = app
            .get(&format!(
                "/api/v1/attendance/detections/{}/{image}",
                Uuid::now_v7()
            ))
            .await;
        assert_error(response, 404, "detection_not_found").await;
    }
    // Evidence is read with attendance:read, and only with it.
    let response = app
        .client
        .get(app.url(&format!("/api/v1/attendance/detections/{detection}/crop")))
        .bearer_auth(app.token(&["persons:read"]))
        .send()
        .await
        .expect("sent");
    assert_error(response, 403, "forbidden").await;
}

async fn a_deleted_persons_evidence_is_gone(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    let detection = seed_reviewable(&app, ada, None).await;
    let record = app.get_ok(&format!("/api/v1/attendance/{ada}")).await["data"][0]["id"]
        .as_str()
        .expect("a record")
        .to_owned();

    let mut entry = person_directory::Entity::find_by_id(ada)
        .one(&app.db)
        .await
        .expect("read")
        .expect("Ada")
        .into_active_model();
    entry.deleted = Set(true);
    entry.update(&app.db).await.expect("deleted");

    for path in ["", "/snapshot", "/crop"] {
        let response = app
            .get(&format!("/api/v1/attendance/detections/{detection}{path}"))
            .await;
        assert_error(response, 404, "detection_not_found").await;
    }
    let response = app
        .get(&format!("/api/v1/attendance/records/{record}"))
        .await;
    assert_error(response, 404, "attendance_not_found").await;
    // The queue keeps the item (it is still to be decided) but shows nothing of the person.
    let items = pending(&app).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["person_name"], Value::Null);
    assert_eq!(items[0]["detection"], Value::Null);
}

async fn assigning_a_sighting_moves_it_to_the_other_person(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    let bea = app.seed_person("Bea", None, "active", false).await;
    let detection = seed_reviewable(&app, ada, Some(bea)).await;
    let item = pending(&app).await[0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let path = format!("/api/v1/attendance/review/{item}/assign");

    assert_error(
        app.post(&path, &json!({ "person_id": ada })).await,
        422,
        "same_person",
    )
    .await;
    assert_error(
        app.post(&path, &json!({ "person_id": Uuid::now_v7() }))
            .await,
        404,
        "person_not_found",
    )
    .await;
    assert_error(app.post(&path, &json!({})).await, 422, "validation_failed").await;

    let body = app
        .post_data(
            &path,
            &json!({ "person_id": bea, "reason": "Bea, in Ada's coat" }),
            200,
        )
        .await;
    assert_eq!(body["review_item"]["state"], "rejected");
    assert_eq!(body["assigned_attendance"]["person_id"], bea.to_string());
    assert_eq!(body["assigned_attendance"]["status"], "present");
    let assigned = body["assigned_attendance"]["id"]
        .as_str()
        .expect("a record");
    let page = app
        .get_ok(&format!("/api/v1/attendance/records/{assigned}"))
        .await;
    assert_eq!(
        page["data"]["record"]["check_in_detection_id"],
        detection.to_string()
    );
    // Ada's day rested on that sighting alone: a Tuesday she was expected, now over.
    assert_eq!(body["candidate_attendance"]["status"], "absent");
    assert!(pending(&app).await.is_empty());

    let on_item = actions(&app, &item).await;
    assert_eq!(on_item.len(), 1);
    assert_eq!(on_item[0].0, "review_assigned");
    assert_eq!(on_item[0].1["assigned_to"], bea.to_string());
    assert_eq!(on_item[0].1["reason"], "Bea, in Ada's coat");
    let on_detection = actions(&app, &detection.to_string()).await;
    assert_eq!(on_detection[0].0, "detection_assigned");
    let moved = app
        .get_ok(&format!("/api/v1/attendance/detections/{detection}"))
        .await;
    assert_eq!(moved["data"]["person_name"], "Bea");
    assert_eq!(moved["data"]["verdict"], "confirmed");

    assert_error(
        app.post(&path, &json!({ "person_id": bea })).await,
        409,
        "review_item_decided",
    )
    .await;
}

async fn not_a_face_is_a_rejection_with_its_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    seed_reviewable(&app, ada, None).await;
    let item = pending(&app).await[0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let path = format!("/api/v1/attendance/review/{item}/reject");
    assert_error(
        app.post(&path, &json!({ "reason": "   " })).await,
        422,
        "validation_failed",
    )
    .await;
    let body = app
        .post_data(
            &path,
            &json!({ "reason": "a poster on the wall", "not_a_face": true }),
            200,
        )
        .await;
    assert_eq!(body["review_item"]["state"], "rejected");
    let audited = actions(&app, &item).await;
    assert_eq!(audited[0].0, "review_not_a_face");
    assert_eq!(audited[0].1["reason"], "a poster on the wall");
    assert_eq!(audited[0].1["verdict"], "rejected");
}

async fn a_record_page_has_its_sightings_and_history(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", Some("R&D"), "active", false).await;
    let first = app
        .seed_detection(ada, CameraRole::Entry, at(tuesday(), 8, 50), 0.9)
        .await;
    let second = app
        .seed_detection(ada, CameraRole::Entry, at(tuesday(), 9, 30), 0.9)
        .await;
    // Another day's sighting is not this record's.
    app.seed_detection(
        ada,
        CameraRole::Entry,
        at(tuesday() + Duration::days(1), 9, 0),
        0.9,
    )
    .await;
    app.post_data(
        "/api/v1/attendance/corrections",
        &json!({ "detection_id": first, "verdict": "rejected", "reason": "her sister" }),
        200,
    )
    .await;
    let records = app
        .get_ok(&format!(
            "/api/v1/attendance/{ada}?from_date=2026-03-10&to_date=2026-03-10"
        ))
        .await;
    let record = records["data"][0]["id"]
        .as_str()
        .expect("a record")
        .to_owned();

    let page = app
        .get_ok(&format!("/api/v1/attendance/records/{record}"))
        .await["data"]
        .clone();
    assert_eq!(page["record"]["id"], record);
    assert_eq!(page["record"]["check_in_detection_id"], second.to_string());
    assert_eq!(page["person"]["name"], "Ada");
    assert_eq!(page["person"]["department"], "R&D");
    let sightings: Vec<&str> = page["sightings"]
        .as_array()
        .expect("sightings")
        .iter()
        .map(|s| s["detection_id"].as_str().expect("an id"))
        .collect();
    assert_eq!(sightings, [first.to_string(), second.to_string()]);
    assert_eq!(page["sightings"][0]["verdict"], "rejected");
    let history = page["history"].as_array().expect("history");
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["action"], "detection_corrected");
    assert_eq!(history[0]["actor"], "test");
    assert_eq!(history[0]["after"]["reason"], "her sister");

    let response = app
        .get(&format!("/api/v1/attendance/records/{}", Uuid::now_v7()))
        .await;
    assert_error(response, 404, "attendance_not_found").await;
    let response = app.get("/api/v1/attendance/records/not-a-uuid").await;
    assert_eq!(response.status(), 400);
}

async fn unknown_faces_are_grouped_by_appearance(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = Utc::now();
    let stranger = |track: &str, quality: f32, minutes_ago: i64| {
        let mut detection = new_detection(Uuid::nil(), CameraRole::Entry, now, 0.0);
        detection.person_id = None;
        detection.camera_id = "gate".to_owned();
        detection.captured_at = now - Duration::minutes(minutes_ago);
        detection.quality = quality;
        detection.confidence = Confidence::new(0.0).expect("valid");
        detection.evidence = DetectionEvidence {
            decision: Some(FaceDecision::Unknown),
            track_id: Some(track.to_owned()),
            face_box: FaceBox::new(10.0, 10.0, 60.0, 60.0),
            runner_up: None,
        };
        detection
    };
    app.seed_new_detection(stranger("1", 0.4, 30)).await;
    let best = app.seed_new_detection(stranger("1", 0.8, 29)).await;
    app.seed_new_detection(stranger("1", 0.5, 28)).await;
    let other = app.seed_new_detection(stranger("2", 0.7, 5)).await;
    // An ambiguous face is no stranger: it goes to nobody, but it is not unknown.
    let mut ambiguous = stranger("3", 0.9, 1);
    ambiguous.evidence.decision = Some(FaceDecision::Ambiguous);
    app.seed_new_detection(ambiguous).await;

    let body = app.get_ok("/api/v1/attendance/unknown-faces").await;
    let groups = body["data"].as_array().expect("groups");
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(body["meta"]["total"], 2);
    // The most recently seen first.
    assert_eq!(groups[0]["best"]["detection_id"], other.to_string());
    assert_eq!(groups[0]["sightings"], 1);
    assert_eq!(groups[1]["track_id"], "1");
    assert_eq!(groups[1]["sightings"], 3);
    assert_eq!(groups[1]["best"]["detection_id"], best.to_string());

    let page = app
        .get_ok("/api/v1/attendance/unknown-faces?page_size=1&page=2")
        .await;
    assert_eq!(page["data"][0]["track_id"], "1");
    let elsewhere = app
        .get_ok("/api/v1/attendance/unknown-faces?camera_id=door")
        .await;
    assert_eq!(elsewhere["data"].as_array().map(Vec::len), Some(0));

    assert_error(
        app.get("/api/v1/attendance/unknown-faces?from_date=2026-03-10&to_date=2026-03-01")
            .await,
        400,
        "invalid_parameters",
    )
    .await;
}

async fn records_filter_by_source(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    let bea = app.seed_person("Bea", None, "active", false).await;
    app.seed_detection(ada, CameraRole::Entry, at(tuesday(), 8, 50), 0.9)
        .await;
    app.post_data(
        "/api/v1/attendance/check-in",
        &json!({ "person_id": bea }),
        200,
    )
    .await;
    let of = |body: Value| -> Vec<String> {
        body["data"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|r| r["person_id"].as_str().expect("an id").to_owned())
            .collect()
    };
    let auto = app.get_ok("/api/v1/attendance?source=auto").await;
    assert_eq!(of(auto), [ada.to_string()]);
    let manual = app.get_ok("/api/v1/attendance?source=manual").await;
    assert_eq!(of(manual), [bea.to_string()]);
    let body = assert_error(
        app.get("/api/v1/attendance?source=carrier-pigeon").await,
        400,
        "invalid_parameters",
    )
    .await;
    assert_eq!(body["error"]["details"][0]["code"], "unknown_source");
}

on_both_backends!(
    records_filter_by_source,
    the_review_queue_shows_the_evidence_and_serves_its_images,
    a_deleted_persons_evidence_is_gone,
    assigning_a_sighting_moves_it_to_the_other_person,
    not_a_face_is_a_rejection_with_its_reason,
    a_record_page_has_its_sightings_and_history,
    unknown_faces_are_grouped_by_appearance,
);
