//! `GET /api/v1/persons/{person_id}/faces/{encoding_id}/image`: the stored photo of one
//! encoding, for the web console's thumbnails. Photos are enrolled for real (face-embedder,
//! the real models, the labelled development photos), so what comes back is compared with
//! what was actually sent.

use std::path::Path;

use base64::Engine;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use serde_json::{Value, json};

use crate::faces::{enrol, faces_dir, files_under, spawn_with_faces};
use crate::helpers::{Backend, TestApp, assert_error, person_body};

crate::on_both_backends!(
    a_face_photo_comes_back_as_it_was_enrolled,
    a_face_photo_is_reachable_only_through_its_own_person,
    a_lost_photo_is_a_404_of_its_own_and_a_failing_store_a_503,
);

fn image_path(person_id: &str, encoding_id: &str) -> String {
    format!("/api/v1/persons/{person_id}/faces/{encoding_id}/image")
}

/// Creates a person and enrols `bytes` as their face; returns (person id, encoding id).
async fn enrolled(app: &TestApp, key: &str, bytes: &[u8]) -> (String, String) {
    let person = app.create_person(person_body(key)).await;
    let person_id = person["id"].as_str().expect("id").to_owned();
    let photo = base64::engine::general_purpose::STANDARD.encode(bytes);
    let face = enrol(app, &person_id, photo, json!({})).await;
    let encoding_id = face["encoding_id"]
        .as_str()
        .expect("encoding id")
        .to_owned();
    (person_id, encoding_id)
}

fn read(faces: &Path, name: &str) -> Vec<u8> {
    std::fs::read(faces.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A labelled JPEG re-encoded as PNG: the route must answer in the stored format, not JPEG.
fn as_png(faces: &Path, name: &str) -> Vec<u8> {
    let image = image::open(faces.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("PNG encodes");
    bytes.into_inner()
}

fn header(response: &reqwest::Response, name: impl reqwest::header::AsHeaderName) -> &str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("an ASCII header"))
        .unwrap_or("")
}

async fn a_face_photo_comes_back_as_it_was_enrolled(backend: Backend) {
    let Some(faces) = faces_dir() else { return };
    let app = spawn_with_faces(backend).await;
    let jpeg = read(&faces, "person01/img1.jpg");
    let (person_id, encoding_id) = enrolled(&app, "alice", &jpeg).await;
    let path = image_path(&person_id, &encoding_id);

    let response = app.get(&path).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CONTENT_TYPE), "image/jpeg");
    assert_eq!(header(&response, CACHE_CONTROL), "private, max-age=3600");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    let etag = header(&response, ETAG).to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2,
        "a strong entity tag: {etag}"
    );
    let body = response.bytes().await.expect("body");
    assert!(
        body.as_ref() == jpeg.as_slice(),
        "the photo is byte-identical"
    );

    // The client's copy is current: 304 with no body, the same validators, whichever form of
    // the tag it sends (weak comparison) and among others.
    for condition in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".into(),
    ] {
        let response = app
            .client
            .get(app.url(&path))
            .bearer_auth(app.admin_token())
            .header(IF_NONE_MATCH, &condition)
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 304, "If-None-Match: {condition}");
        assert_eq!(header(&response, ETAG), etag);
        assert_eq!(header(&response, CACHE_CONTROL), "private, max-age=3600");
        assert!(response.bytes().await.expect("body").is_empty());
    }
    // A stale (or unparsable) tag gets the photo.
    for condition in ["\"stale\"", "not an entity tag"] {
        let response = app
            .client
            .get(app.url(&path))
            .bearer_auth(app.admin_token())
            .header(IF_NONE_MATCH, condition)
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200, "If-None-Match: {condition}");
        assert!(response.bytes().await.expect("body").as_ref() == jpeg.as_slice());
    }

    // A PNG enrolment comes back as PNG, with its own tag.
    let png = as_png(&faces, "person03/img8.jpg");
    let (bob_id, bob_encoding) = enrolled(&app, "bob", &png).await;
    let response = app.get(&image_path(&bob_id, &bob_encoding)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, CONTENT_TYPE), "image/png");
    assert_ne!(header(&response, ETAG), etag, "another photo, another tag");
    assert!(response.bytes().await.expect("body").as_ref() == png.as_slice());
}

async fn a_face_photo_is_reachable_only_through_its_own_person(backend: Backend) {
    let Some(faces) = faces_dir() else { return };
    let app = spawn_with_faces(backend).await;
    let (alice_id, alice_encoding) =
        enrolled(&app, "alice", &read(&faces, "person01/img1.jpg")).await;
    let (bob_id, bob_encoding) = enrolled(&app, "bob", &read(&faces, "person03/img8.jpg")).await;
    assert_eq!(
        app.get(&image_path(&alice_id, &alice_encoding))
            .await
            .status(),
        200
    );

    // Bob's encoding under Alice's id (and the reverse) is not found: no photo leaks.
    assert_error(
        app.get(&image_path(&alice_id, &bob_encoding)).await,
        404,
        "face_not_found",
    )
    .await;
    assert_error(
        app.get(&image_path(&bob_id, &alice_encoding)).await,
        404,
        "face_not_found",
    )
    .await;
    let unknown = "0190b6a0-0000-7000-8000-000000000000";
    assert_error(
        app.get(&image_path(&alice_id, unknown)).await,
        404,
        "face_not_found",
    )
    .await;
    assert_error(
        app.get(&image_path(unknown, &alice_encoding)).await,
        404,
        "person_not_found",
    )
    .await;
    for path in [
        image_path("not-a-uuid", &alice_encoding),
        image_path(&alice_id, "not-a-uuid"),
    ] {
        assert_error(app.get(&path).await, 400, "invalid_path_parameter").await;
    }

    // Authorisation comes first, even for a photo that exists.
    let path = image_path(&alice_id, &alice_encoding);
    let without_token = app.client.get(app.url(&path)).send().await.expect("sent");
    assert_error(without_token, 401, "missing_token").await;
    let expired = app.expired_token(&["persons:read"]);
    let response = app
        .client
        .get(app.url(&path))
        .bearer_auth(expired)
        .send()
        .await
        .expect("sent");
    assert_error(response, 401, "token_expired").await;
    let write_only = app.token(&["persons:write", "attendance:read", "attendance:write"]);
    let response = app
        .client
        .get(app.url(&path))
        .bearer_auth(write_only)
        .send()
        .await
        .expect("sent");
    let body = assert_error(response, 403, "forbidden").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("persons:read")),
        "{body}"
    );
    let read_only = app.token(&["persons:read"]);
    let response = app
        .client
        .get(app.url(&path))
        .bearer_auth(read_only)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200, "persons:read is enough");

    // Only GET is served.
    let response = app
        .client
        .delete(app.url(&path))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 405);
    assert_eq!(header(&response, "allow"), "GET");

    // A deleted encoding's photo is gone with it.
    let response = app
        .delete(&format!(
            "/api/v1/persons/{alice_id}/faces/{alice_encoding}"
        ))
        .await;
    assert_eq!(response.status(), 204);
    assert_error(app.get(&path).await, 404, "face_not_found").await;
}

async fn a_lost_photo_is_a_404_of_its_own_and_a_failing_store_a_503(backend: Backend) {
    let Some(faces) = faces_dir() else { return };
    let app = spawn_with_faces(backend).await;
    let (person_id, first) = enrolled(&app, "carol", &read(&faces, "person04/img13.jpg")).await;
    let photo = read(&faces, "person04/img14.jpg");
    let second = enrol(
        &app,
        &person_id,
        base64::engine::general_purpose::STANDARD.encode(&photo),
        json!({}),
    )
    .await;
    let second = second["encoding_id"].as_str().expect("id").to_owned();
    assert_eq!(files_under(app.images.path()), 2);

    // The first photo's object disappears from the store behind the service's back.
    let listed: Value = app
        .get(&format!("/api/v1/persons/{person_id}/faces"))
        .await
        .json()
        .await
        .expect("json");
    let image_id = listed["data"]
        .as_array()
        .and_then(|faces| faces.iter().find(|f| f["encoding_id"] == first.as_str()))
        .and_then(|f| f["image_id"].as_str())
        .expect("the first encoding has a photo")
        .to_owned();
    let object = app
        .images
        .path()
        .join(format!("persons/{person_id}/{image_id}.jpg"));
    std::fs::remove_file(&object).unwrap_or_else(|e| panic!("{}: {e}", object.display()));

    let body = assert_error(
        app.get(&image_path(&person_id, &first)).await,
        404,
        "face_image_not_found",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&first)),
        "{body}"
    );
    // The other photo is untouched.
    let response = app.get(&image_path(&person_id, &second)).await;
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.expect("body").as_ref() == photo.as_slice());

    // A store that fails to read (here the person's folder is a file: not "not found", an
    // I/O error) is unavailable, not a missing photo and not a 500.
    let folder = app.images.path().join(format!("persons/{person_id}"));
    std::fs::remove_dir_all(&folder).expect("the person's photo folder");
    std::fs::write(&folder, b"not a folder").expect("a file in its place");
    assert_error(
        app.get(&image_path(&person_id, &second)).await,
        503,
        "service_unavailable",
    )
    .await;

    // An encoding that has no photo row at all is `face_image_not_found`, from the database
    // alone.
    use person_api::db::entities::person_face_encoding as encoding;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = person_api::db::connect(&app.database_url, 1)
        .await
        .expect("database");
    let second_id: uuid::Uuid = second.parse().expect("a UUID");
    let updated = encoding::Entity::update_many()
        .col_expr(
            encoding::Column::ImageId,
            sea_orm::sea_query::Expr::value(Option::<uuid::Uuid>::None),
        )
        .filter(encoding::Column::Id.eq(second_id))
        .exec(&db)
        .await
        .expect("update");
    assert_eq!(updated.rows_affected, 1);
    assert_error(
        app.get(&image_path(&person_id, &second)).await,
        404,
        "face_image_not_found",
    )
    .await;
}
