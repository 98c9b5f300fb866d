//! Enrolment, search by face, listing and deleting faces, with a real face-embedder and the
//! real models; photos from the labelled development set.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::{Backend, Spawn, TestApp, assert_error, person_body, spawn_app_with};

#[track_caller]
pub(crate) fn faces_dir() -> Option<PathBuf> {
    faceattend_face::photo_set::labelled_photos()
}

pub(crate) fn base64_photo(faces: &Path, name: &str) -> String {
    let bytes = std::fs::read(faces.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) async fn spawn_with_faces(backend: Backend) -> TestApp {
    spawn_app_with(
        backend,
        Spawn {
            faces: true,
            max_body_bytes: Some(64 * 1024),
            ..Spawn::default()
        },
    )
    .await
}

pub(crate) async fn enrol(app: &TestApp, person_id: &str, photo: String, extra: Value) -> Value {
    let mut body = json!({ "frame_data": photo });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let response = app
        .post_json(&format!("/api/v1/persons/{person_id}/enroll"), &body)
        .await;
    let status = response.status().as_u16();
    let json: Value = response.json().await.expect("json");
    assert_eq!(status, 200, "enrolment failed: {json}");
    json["data"].clone()
}

async fn search(app: &TestApp, photo: String) -> Value {
    let response = app
        .post_json(
            "/api/v1/persons/search/by-face",
            &json!({ "frame_data": photo, "confidence_threshold": 0.6 }),
        )
        .await;
    let status = response.status().as_u16();
    let json: Value = response.json().await.expect("json");
    assert_eq!(status, 200, "search failed: {json}");
    json["data"].clone()
}

/// Searches until `check` accepts the result: the gallery reaches face-embedder through the
/// outbox and the bucket, a few milliseconds after the API answered.
async fn search_until(app: &TestApp, photo: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let result = search(app, photo.to_owned()).await;
        if check(&result) || tokio::time::Instant::now() > deadline {
            return result;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn files_under(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                files_under(&e.path())
            } else {
                1
            }
        })
        .sum()
}

async fn enrol_search_list_and_delete(backend: Backend) {
    let Some(faces) = faces_dir() else { return };
    let app = spawn_with_faces(backend).await;
    let alice = app.create_person(person_body("alice")).await;
    let bob = app.create_person(person_body("bob")).await;
    let carol = app.create_person(person_body("carol")).await;
    let alice_id = alice["id"].as_str().unwrap().to_owned();
    let bob_id = bob["id"].as_str().unwrap().to_owned();

    let first = enrol(
        &app,
        &alice_id,
        base64_photo(&faces, "person01/img1.jpg"),
        json!({}),
    )
    .await;
    assert_eq!(first["person_id"], alice_id);
    assert_eq!(first["total_encodings"], 1);
    assert_eq!(
        first["is_primary"], true,
        "the first face is the primary one"
    );
    assert_eq!(first["model"], "mobilefacenet-expo-1.0.24");
    assert_eq!(first["message"], "Face enrolled successfully");
    assert!(first["confidence"].as_f64().unwrap() > 0.5);
    let quality = first["quality_score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&quality));
    let second = enrol(
        &app,
        &alice_id,
        base64_photo(&faces, "person01/img2.jpg"),
        json!({ "is_primary": true, "quality_score": 0.95 }),
    )
    .await;
    assert_eq!(second["total_encodings"], 2);
    assert_eq!(second["is_primary"], true);
    enrol(
        &app,
        &bob_id,
        base64_photo(&faces, "person03/img8.jpg"),
        json!({}),
    )
    .await;

    // The person shows the enrolment, and the photos are in the object store.
    let person: Value = app
        .get(&format!("/api/v1/persons/{alice_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(person["data"]["face_encoding_count"], 2);
    assert!(person["data"]["enrolled_at"].is_string());
    assert!(person["data"]["last_face_enrolled"].is_string());
    assert_eq!(files_under(app.images.path()), 3);

    // Another photo of Alice finds her, with her name and a calibrated confidence.
    let probe = base64_photo(&faces, "person01/img7.jpg");
    let result = search_until(&app, &probe, |r| r["matched"] == true).await;
    assert_eq!(result["matched"], true, "{result}");
    assert_eq!(result["best_match"]["person_id"], alice_id);
    assert_eq!(result["best_match"]["first_name"], "Firstalice");
    assert_eq!(result["best_match"]["last_name"], "Lastalice");
    let confidence = result["best_match"]["confidence"].as_f64().unwrap();
    assert!((0.6..=1.0).contains(&confidence), "{result}");
    assert_eq!(result["all_matches"][0]["person_id"], alice_id);
    // Carol was never enrolled: no match for her photo.
    let stranger = search(&app, base64_photo(&faces, "person05/img16.jpg")).await;
    assert_eq!(stranger["matched"], false, "{stranger}");
    assert!(stranger["best_match"].is_null());
    let _ = carol;

    // Her faces, oldest first; the second became primary.
    let listed: Value = app
        .get(&format!("/api/v1/persons/{alice_id}/faces"))
        .await
        .json()
        .await
        .unwrap();
    let listed = listed["data"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["encoding_id"], first["encoding_id"]);
    assert_eq!(listed[0]["is_primary"], false);
    assert_eq!(listed[1]["is_primary"], true);
    assert_eq!(listed[1]["dimension"], 192);
    assert_eq!(listed[1]["content_type"], "image/jpeg");

    // Deleting one face: the count drops, its photo is erased.
    let response = app
        .delete(&format!(
            "/api/v1/persons/{alice_id}/faces/{}",
            first["encoding_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(response.status(), 204);
    let person: Value = app
        .get(&format!("/api/v1/persons/{alice_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(person["data"]["face_encoding_count"], 1);
    let again = app
        .delete(&format!(
            "/api/v1/persons/{alice_id}/faces/{}",
            first["encoding_id"].as_str().unwrap()
        ))
        .await;
    assert_error(again, 404, "face_not_found").await;

    // Deleting Alice erases her photos and her gallery entry everywhere.
    assert_eq!(
        app.delete(&format!("/api/v1/persons/{alice_id}"))
            .await
            .status(),
        204
    );
    let erased = crate::helpers::eventually(Duration::from_secs(5), || async {
        files_under(app.images.path()) == 1
    })
    .await;
    assert!(erased, "only Bob's photo is left");
    let result = search_until(&app, &probe, |r| r["matched"] == false).await;
    assert_eq!(
        result["matched"], false,
        "Alice is gone from the gallery: {result}"
    );
    assert!(
        result["all_matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["person_id"] != alice_id)
    );
}

async fn unusable_photos_get_clear_codes(backend: Backend) {
    let Some(faces) = faces_dir() else { return };
    let app = spawn_with_faces(backend).await;
    let person = app.create_person(person_body("dave")).await;
    let id = person["id"].as_str().unwrap();
    let path = format!("/api/v1/persons/{id}/enroll");
    let post = |body: Value| {
        let app = &app;
        let path = path.clone();
        async move { app.post_json(&path, &body).await }
    };

    let faceless = {
        let image = image::RgbImage::from_fn(320, 240, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        base64::engine::general_purpose::STANDARD.encode(bytes.into_inner())
    };
    assert_error(
        post(json!({ "frame_data": faceless })).await,
        422,
        "no_face",
    )
    .await;
    // Two people in one photo: refused unless the caller opts into the largest face.
    let two = side_by_side(&faces, "person01/img1.jpg", "person03/img8.jpg");
    assert_error(
        post(json!({ "frame_data": two.clone() })).await,
        422,
        "multiple_faces",
    )
    .await;
    let largest = enrol(&app, id, two, json!({ "use_largest_face": true })).await;
    assert_eq!(largest["total_encodings"], 1);
    assert_error(
        post(json!({ "frame_data": "%%% not base64" })).await,
        422,
        "invalid_base64",
    )
    .await;
    let gif = base64::engine::general_purpose::STANDARD.encode(b"GIF89a\x01\x00\x01\x00");
    assert_error(
        post(json!({ "frame_data": gif })).await,
        422,
        "unsupported_image",
    )
    .await;
    let truncated = {
        let bytes = std::fs::read(faces.join("person01/img1.jpg")).unwrap();
        base64::engine::general_purpose::STANDARD.encode(&bytes[..bytes.len() / 10])
    };
    let response = post(json!({ "frame_data": truncated })).await;
    let status = response.status().as_u16();
    assert!(status == 422, "a truncated JPEG is refused, got {status}");
    assert_error(
        post(
            json!({ "frame_data": base64_photo(&faces, "person01/img1.jpg"), "quality_score": 3 }),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_error(
        post(json!({ "frame_data": "x", "surprise": 1 })).await,
        422,
        "validation_failed",
    )
    .await;
    let missing = app
        .post_json(
            "/api/v1/persons/0190b6a0-0000-7000-8000-000000000000/enroll",
            &json!({ "frame_data": base64_photo(&faces, "person01/img1.jpg") }),
        )
        .await;
    assert_error(missing, 404, "person_not_found").await;
    let search = app
        .post_json(
            "/api/v1/persons/search/by-face",
            &json!({ "frame_data": base64_photo(&faces, "person01/img1.jpg"), "confidence_threshold": 2 }),
        )
        .await;
    assert_error(search, 422, "validation_failed").await;
    // Nothing refused left a photo behind.
    assert_eq!(files_under(app.images.path()), 1);
}

/// A photo of two people: two portraits next to each other, the second smaller.
fn side_by_side(faces: &Path, left: &str, right: &str) -> String {
    let open = |name: &str| image::open(faces.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let left = open(left)
        .resize(600, 600, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let right = open(right)
        .resize(450, 450, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let mut canvas = image::RgbImage::from_pixel(1100, 620, image::Rgb([128, 128, 128]));
    image::imageops::replace(&mut canvas, &left, 0, 0);
    image::imageops::replace(&mut canvas, &right, 640, 80);
    let mut bytes = std::io::Cursor::new(Vec::new());
    canvas
        .write_to(&mut bytes, image::ImageFormat::Jpeg)
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes.into_inner())
}

async fn without_face_recognition_enrolment_is_unavailable(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let person = app.create_person(person_body("erin")).await;
    let photo = base64::engine::general_purpose::STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 1, 2]);
    let response = app
        .post_json(
            &format!("/api/v1/persons/{}/enroll", person["id"].as_str().unwrap()),
            &json!({ "frame_data": photo }),
        )
        .await;
    assert_error(response, 503, "face_service_unavailable").await;
}

async fn reembedding_replaces_encodings_of_an_old_model(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let Some(faces) = faces_dir() else { return };
    let app = spawn_with_faces(backend).await;
    let person = app.create_person(person_body("frank")).await;
    let id = person["id"].as_str().unwrap().to_owned();
    enrol(
        &app,
        &id,
        base64_photo(&faces, "person04/img13.jpg"),
        json!({}),
    )
    .await;
    enrol(
        &app,
        &id,
        base64_photo(&faces, "person04/img14.jpg"),
        json!({}),
    )
    .await;

    // Pretend the encodings came from an older model.
    let db = person_api::db::connect(&app.database_url, 2).await.unwrap();
    db.execute_unprepared("UPDATE person_face_encodings SET model = 'old-model-v0', dimension = 1")
        .await
        .unwrap();

    let bus = faceattend_bus::Bus::connect(&faceattend_bus::BusConfig {
        url: crate::helpers::test_nats_url(),
        namespace: app.namespace.clone(),
        client_name: "reembed-test".to_owned(),
    })
    .await
    .unwrap();
    let notify = std::sync::Arc::new(tokio::sync::Notify::new());
    let store = person_api::store::PersonStore::new(
        db.clone(),
        notify.clone(),
        notify,
        bus.kv_subject_prefix(&faceattend_bus::KvSpec::FACE_GALLERY),
    );
    let images = person_api::images::ImageStore::from_url(&format!(
        "file://{}",
        app.images.path().display()
    ))
    .unwrap();
    let client = person_api::face_client::FaceClient::new(bus, Duration::from_secs(15));
    let report = person_api::reembed::reembed_all(&store, &images, &client)
        .await
        .expect("re-embedding runs");
    assert_eq!(report.photos, 2);
    assert_eq!(report.reembedded, 2);
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.model, "mobilefacenet-expo-1.0.24");

    let listed: Value = app
        .get(&format!("/api/v1/persons/{id}/faces"))
        .await
        .json()
        .await
        .unwrap();
    let listed = listed["data"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .all(|f| f["model"] == "mobilefacenet-expo-1.0.24" && f["dimension"] == 192)
    );
    assert_eq!(listed.iter().filter(|f| f["is_primary"] == true).count(), 1);
    // Run again: nothing left to do.
    let again = person_api::reembed::reembed_all(&store, &images, &client)
        .await
        .unwrap();
    assert_eq!((again.reembedded, again.already_current), (0, 2));
    // The republished gallery finds the person.
    let probe = base64_photo(&faces, "person04/img15.jpg");
    let result = search_until(&app, &probe, |r| r["matched"] == true).await;
    assert_eq!(result["best_match"]["person_id"], id, "{result}");
}

crate::on_both_backends!(
    reembedding_replaces_encodings_of_an_old_model,
    enrol_search_list_and_delete,
    unusable_photos_get_clear_codes,
    without_face_recognition_enrolment_is_unavailable,
);
