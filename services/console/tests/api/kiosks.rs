//! Kiosks: an admin creates one, pairs a device with a one-time code, and can revoke or delete
//! it, every change audited; HR reads the list, others nothing. The device holds a cookie that
//! opens only its kiosk's API, refused at its very next request once revoked; wrong codes are
//! throttled by address.

use std::time::Duration;

use bytes::Bytes;
use console::operators::Role;
use console::throttle::ThrottlePolicy;
use faceattend_proto::attendance::v1 as attendance;
use faceattend_proto::faces::v1 as faces;
use futures::StreamExt;
use prost::Message;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, Browser, Spawn, TestApp, error_code, spawn_app, spawn_app_with};

crate::on_both_backends!(
    an_admin_creates_changes_and_deletes_kiosks,
    only_admins_change_kiosks_and_only_admins_and_hr_see_them,
    a_code_pairs_one_device_once,
    revoking_or_deleting_a_kiosk_refuses_its_device_at_once,
    wrong_codes_are_throttled_by_address,
);

/// The admin's browser, signed in.
async fn admin(app: &TestApp) -> Browser {
    app.operator("admin@example.com", Role::Admin).await;
    app.sign_in("admin@example.com").await
}

pub async fn create_kiosk(app: &TestApp, admin: &Browser, camera_id: &str, mode: &str) -> Value {
    let response = app
        .page_request(Method::POST, "/console/api/v1/kiosks", admin)
        .json(&json!({"name": "Lobby kiosk", "camera_id": camera_id, "mode": mode}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["data"].clone()
}

/// A new pairing code of the kiosk, as the admin is shown it.
pub async fn pairing_code(app: &TestApp, admin: &Browser, kiosk_id: &str) -> Value {
    let response = app
        .page_request(
            Method::POST,
            &format!("/console/api/v1/kiosks/{kiosk_id}/pairing"),
            admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["data"].clone()
}

/// A device's pairing request with `code`.
pub async fn pair_response(app: &TestApp, code: &str) -> Response {
    app.client
        .post(app.url("/kiosk/api/v1/pairing"))
        .header("X-Faceattend-Csrf", "1")
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap()
}

/// `name=value` of the kiosk cookie a response sets.
pub fn kiosk_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("faceattend_kiosk="))
        .map(str::to_owned)
}

/// A device paired with the kiosk: the cookie it holds.
pub async fn paired_device(app: &TestApp, admin: &Browser, kiosk_id: &str) -> String {
    let code = pairing_code(app, admin, kiosk_id).await;
    let response = pair_response(app, code["code"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    kiosk_cookie(&response)
        .and_then(|c| c.split(';').next().map(str::to_owned))
        .expect("a kiosk cookie")
}

pub async fn device_response(app: &TestApp, cookie: &str) -> Response {
    app.client
        .get(app.url("/kiosk/api/v1/device"))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap()
}

async fn an_admin_creates_changes_and_deletes_kiosks(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;

    let kiosk = create_kiosk(&app, &admin, "kiosk-lobby", "ask").await;
    assert_eq!(kiosk["name"], "Lobby kiosk");
    assert_eq!(kiosk["camera_id"], "kiosk-lobby");
    assert_eq!(kiosk["mode"], "ask");
    assert_eq!(kiosk["state"], "unpaired");
    assert!(kiosk["paired_at"].is_null());
    assert!(kiosk["revoked_at"].is_null());
    let id = kiosk["id"].as_str().unwrap().to_owned();

    // The camera id is the kiosk's own: another kiosk cannot take it...
    let taken = app
        .page_request(Method::POST, "/console/api/v1/kiosks", &admin)
        .json(&json!({"name": "Second", "camera_id": "kiosk-lobby", "mode": "entry"}))
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 409);
    assert_eq!(error_code(taken).await, "kiosk_exists");
    // ...nor may it be a CCTV camera's of the registry.
    let camera = app
        .page_request(Method::POST, "/console/api/v1/cameras", &admin)
        .json(&json!({"id": "main-door", "role": "entry", "source": "door.mp4"}))
        .send()
        .await
        .unwrap();
    assert_eq!(camera.status(), 201);
    let registered = app
        .page_request(Method::POST, "/console/api/v1/kiosks", &admin)
        .json(&json!({"name": "Door", "camera_id": "main-door", "mode": "entry"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 409);
    assert_eq!(error_code(registered).await, "camera_exists");

    // Every field's problem at once.
    let invalid = app
        .page_request(Method::POST, "/console/api/v1/kiosks", &admin)
        .json(&json!({"name": " ", "camera_id": "a.b", "mode": "sideways"}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    let body: Value = invalid.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    let fields: Vec<&str> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "camera_id", "mode"]);
    let long = app
        .page_request(Method::POST, "/console/api/v1/kiosks", &admin)
        .json(&json!({"name": "x".repeat(81), "camera_id": "k2", "mode": "entry"}))
        .send()
        .await
        .unwrap();
    assert_eq!(long.status(), 422);

    let changed = app
        .page_request(
            Method::PATCH,
            &format!("/console/api/v1/kiosks/{id}"),
            &admin,
        )
        .json(&json!({"name": "Front desk", "mode": "entry"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(body["data"]["name"], "Front desk");
    assert_eq!(body["data"]["mode"], "entry");
    assert_eq!(body["data"]["camera_id"], "kiosk-lobby");
    let bad_mode = app
        .page_request(
            Method::PATCH,
            &format!("/console/api/v1/kiosks/{id}"),
            &admin,
        )
        .json(&json!({"mode": "up"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_mode.status(), 422);

    let one: Value = app
        .page_request(Method::GET, &format!("/console/api/v1/kiosks/{id}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["data"]["name"], "Front desk");
    let list: Value = app
        .page_request(Method::GET, "/console/api/v1/kiosks", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"]["items"].as_array().unwrap().len(), 1);

    let pairing = pairing_code(&app, &admin, &id).await;
    let code = pairing["code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    assert_eq!(
        pairing["link"].as_str().unwrap(),
        format!("{}/kiosk/pair#{code}", app.address)
    );
    let expires_at: chrono::DateTime<chrono::Utc> =
        pairing["expires_at"].as_str().unwrap().parse().unwrap();
    let lifetime = expires_at - chrono::Utc::now();
    assert!(
        lifetime > chrono::Duration::minutes(9) && lifetime <= chrono::Duration::minutes(10),
        "{lifetime}"
    );

    let removed = app
        .page_request(
            Method::DELETE,
            &format!("/console/api/v1/kiosks/{id}"),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    for (method, path) in [
        (Method::GET, format!("/console/api/v1/kiosks/{id}")),
        (Method::PATCH, format!("/console/api/v1/kiosks/{id}")),
        (Method::DELETE, format!("/console/api/v1/kiosks/{id}")),
        (Method::POST, format!("/console/api/v1/kiosks/{id}/pairing")),
        (Method::POST, format!("/console/api/v1/kiosks/{id}/revoke")),
    ] {
        let mut request = app.page_request(method.clone(), &path, &admin);
        if method == Method::PATCH {
            request = request.json(&json!({"name": "x"}));
        }
        let gone = request.send().await.unwrap();
        assert_eq!(gone.status(), 404, "{method} {path}");
        assert_eq!(error_code(gone).await, "kiosk_not_found");
    }
    // The code given out before the deletion pairs nothing.
    let stale = pair_response(&app, code).await;
    assert_eq!(stale.status(), 401);
    assert_eq!(error_code(stale).await, "pairing_code_invalid");

    // Every change is in the audit log, naming the admin.
    let entries = app.store.audit_log(None, 100).await.unwrap();
    let kiosk_entries: Vec<&str> = entries
        .iter()
        .filter(|e| e.event.starts_with("kiosk_"))
        .map(|e| e.event.as_str())
        .collect();
    assert_eq!(
        kiosk_entries,
        [
            "kiosk_deleted",
            "kiosk_pairing_created",
            "kiosk_updated",
            "kiosk_created"
        ]
    );
    let updated = entries.iter().find(|e| e.event == "kiosk_updated").unwrap();
    assert_eq!(updated.email.as_deref(), Some("admin@example.com"));
    let detail = updated.detail.as_deref().unwrap();
    assert!(
        detail.contains("Front desk") && detail.contains("mode ask → entry"),
        "{detail}"
    );
    // The code itself is in no entry.
    assert!(
        entries
            .iter()
            .all(|e| !e.detail.as_deref().unwrap_or("").contains(code))
    );
}

async fn only_admins_change_kiosks_and_only_admins_and_hr_see_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let kiosk = create_kiosk(&app, &admin, "kiosk-1", "entry").await;
    let id = kiosk["id"].as_str().unwrap();
    app.operator("hr@example.com", Role::Hr).await;
    app.operator("desk@example.com", Role::Reception).await;
    app.operator("viewer@example.com", Role::Viewer).await;
    let hr = app.sign_in("hr@example.com").await;

    for path in [
        "/console/api/v1/kiosks".to_owned(),
        format!("/console/api/v1/kiosks/{id}"),
    ] {
        let seen = app
            .page_request(Method::GET, &path, &hr)
            .send()
            .await
            .unwrap();
        assert_eq!(seen.status(), 200, "{path}");
    }
    for (method, path, body) in [
        (
            Method::POST,
            "/console/api/v1/kiosks".to_owned(),
            Some(json!({"name": "x", "camera_id": "k9", "mode": "entry"})),
        ),
        (
            Method::PATCH,
            format!("/console/api/v1/kiosks/{id}"),
            Some(json!({"name": "x"})),
        ),
        (Method::DELETE, format!("/console/api/v1/kiosks/{id}"), None),
        (
            Method::POST,
            format!("/console/api/v1/kiosks/{id}/pairing"),
            None,
        ),
        (
            Method::POST,
            format!("/console/api/v1/kiosks/{id}/revoke"),
            None,
        ),
    ] {
        let mut request = app.page_request(method.clone(), &path, &hr);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let refused = request.send().await.unwrap();
        assert_eq!(refused.status(), 403, "HR {method} {path}");
        assert_eq!(error_code(refused).await, "forbidden");
    }
    for email in ["desk@example.com", "viewer@example.com"] {
        let browser = app.sign_in(email).await;
        let refused = app
            .page_request(Method::GET, "/console/api/v1/kiosks", &browser)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "{email}");
    }
    let anonymous = app
        .client
        .get(app.url("/console/api/v1/kiosks"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    // A change must come from the console's own pages.
    let forged = app
        .client
        .post(app.url(&format!("/console/api/v1/kiosks/{id}/pairing")))
        .header("Cookie", &admin.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(error_code(forged).await, "csrf_failed");
}

async fn a_code_pairs_one_device_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let kiosk = create_kiosk(&app, &admin, "kiosk-1", "both").await;
    let id = kiosk["id"].as_str().unwrap();

    // Without a cookie the device is not paired.
    let unpaired = app
        .client
        .get(app.url("/kiosk/api/v1/device"))
        .send()
        .await
        .unwrap();
    assert_eq!(unpaired.status(), 401);
    assert_eq!(error_code(unpaired).await, "kiosk_not_paired");
    let forged = device_response(&app, &format!("faceattend_kiosk={}", "a".repeat(43))).await;
    assert_eq!(error_code(forged).await, "kiosk_not_paired");

    // A newer code replaces an unused older one.
    let first = pairing_code(&app, &admin, id).await;
    let second = pairing_code(&app, &admin, id).await;
    let replaced = pair_response(&app, first["code"].as_str().unwrap()).await;
    assert_eq!(replaced.status(), 401);
    assert_eq!(error_code(replaced).await, "pairing_code_invalid");

    // Typed in lower case with a dash, it still pairs; the cookie is the device's alone.
    let code = second["code"].as_str().unwrap();
    let typed = format!("{}-{}", code[..4].to_lowercase(), &code[4..]);
    let paired = pair_response(&app, &typed).await;
    assert_eq!(paired.status(), 200);
    let set_cookie = kiosk_cookie(&paired).expect("the kiosk cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=31536000"] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} missing: {set_cookie}"
        );
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    let body: Value = paired.json().await.unwrap();
    assert_eq!(
        body["data"]["kiosk"],
        json!({"name": "Lobby kiosk", "mode": "both"})
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let device = device_response(&app, &cookie).await;
    assert_eq!(device.status(), 200);
    let body: Value = device.json().await.unwrap();
    assert_eq!(body["data"], json!({"name": "Lobby kiosk", "mode": "both"}));

    // The kiosk cookie is no operator session, and the session cookie no kiosk's.
    let as_operator = app
        .client
        .get(app.url("/console/api/v1/kiosks"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(as_operator.status(), 401);
    let as_kiosk = device_response(&app, &admin.cookie).await;
    assert_eq!(error_code(as_kiosk).await, "kiosk_not_paired");

    // Single use.
    let again = pair_response(&app, code).await;
    assert_eq!(again.status(), 401);
    assert_eq!(error_code(again).await, "pairing_code_invalid");

    let listed: Value = app
        .page_request(Method::GET, &format!("/console/api/v1/kiosks/{id}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"]["state"], "paired");
    assert!(listed["data"]["paired_at"].is_string());
    assert!(listed["data"]["last_seen_at"].is_string());

    // Pairing must come from the console's pages, like any change.
    let forged = app
        .client
        .post(app.url("/kiosk/api/v1/pairing"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(error_code(forged).await, "csrf_failed");
    assert!(
        app.audit_events()
            .await
            .contains(&"kiosk_paired".to_owned())
    );
}

async fn revoking_or_deleting_a_kiosk_refuses_its_device_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let kiosk = create_kiosk(&app, &admin, "kiosk-1", "entry").await;
    let id = kiosk["id"].as_str().unwrap();
    let cookie = paired_device(&app, &admin, id).await;
    assert_eq!(device_response(&app, &cookie).await.status(), 200);

    let revoked = app
        .page_request(
            Method::POST,
            &format!("/console/api/v1/kiosks/{id}/revoke"),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let body: Value = revoked.json().await.unwrap();
    assert_eq!(body["data"]["state"], "revoked");
    assert!(body["data"]["revoked_at"].is_string());
    let refused = device_response(&app, &cookie).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(error_code(refused).await, "kiosk_revoked");

    // A new code un-revokes it only once used, and only for the device that uses it.
    let code = pairing_code(&app, &admin, id).await;
    let still: Value = app
        .page_request(Method::GET, &format!("/console/api/v1/kiosks/{id}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still["data"]["state"], "revoked");
    let paired = pair_response(&app, code["code"].as_str().unwrap()).await;
    assert_eq!(paired.status(), 200);
    let new_cookie = kiosk_cookie(&paired)
        .and_then(|c| c.split(';').next().map(str::to_owned))
        .unwrap();
    assert_eq!(device_response(&app, &new_cookie).await.status(), 200);
    assert_eq!(
        error_code(device_response(&app, &cookie).await).await,
        "kiosk_revoked"
    );

    // Pairing another device replaces this one: one device per kiosk.
    let third = paired_device(&app, &admin, id).await;
    assert_eq!(device_response(&app, &third).await.status(), 200);
    assert_eq!(
        error_code(device_response(&app, &new_cookie).await).await,
        "kiosk_revoked"
    );

    // Deleted: its device is told it was disconnected, at once.
    let removed = app
        .page_request(
            Method::DELETE,
            &format!("/console/api/v1/kiosks/{id}"),
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let refused = device_response(&app, &third).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(error_code(refused).await, "kiosk_revoked");
    assert!(
        app.audit_events()
            .await
            .contains(&"kiosk_revoked".to_owned())
    );
}

async fn wrong_codes_are_throttled_by_address(backend: Backend) {
    let mut options = Spawn::new(backend);
    options.client_throttle = ThrottlePolicy {
        free_failures: 2,
        first_delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(60),
        lock_after: 6,
        lock_for: Duration::from_secs(600),
    };
    let app = spawn_app_with(options).await;
    let admin = admin(&app).await;
    let kiosk = create_kiosk(&app, &admin, "kiosk-1", "entry").await;
    let code = pairing_code(&app, &admin, kiosk["id"].as_str().unwrap()).await;

    for wrong in ["ABCDEFGH", "not a code"] {
        let refused = pair_response(&app, wrong).await;
        assert_eq!(refused.status(), 401);
        assert_eq!(error_code(refused).await, "pairing_code_invalid");
    }
    // The third wrong code costs a wait; in it even the right code is not tried.
    assert_eq!(pair_response(&app, "ABCDEFGJ").await.status(), 401);
    let throttled = pair_response(&app, code["code"].as_str().unwrap()).await;
    assert_eq!(throttled.status(), 429);
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    assert_eq!(error_code(throttled).await, "too_many_attempts");
}

// Frames: the console publishes them as captures and hears face-embedder's and the worker's
// answers on the real NATS; here the test publishes those answers as the services would.

/// A small real JPEG (a grey 64×48 frame).
fn frame() -> Bytes {
    let image = image::RgbImage::from_pixel(64, 48, image::Rgb([120, 120, 120]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .expect("encode");
    Bytes::from(jpeg.into_inner())
}

fn send_frame(app: &TestApp, cookie: &str, query: &str, body: Bytes) -> reqwest::RequestBuilder {
    app.client
        .post(app.url(&format!("/kiosk/api/v1/frames{query}")))
        .header("Cookie", cookie)
        .header("X-Faceattend-Csrf", "1")
        .header("Content-Type", "image/jpeg")
        .body(body)
}

/// The test's own subscription to the kiosk's captures (core NATS sees what JetStream stores).
async fn captures(app: &TestApp, camera: &str) -> async_nats::Subscriber {
    app.bus
        .nats
        .subscribe(format!("{}.faces.v1.{camera}", app.bus.namespace))
        .await
        .unwrap()
}

async fn next_capture(subscriber: &mut async_nats::Subscriber) -> (faces::FaceCapture, String) {
    let message = tokio::time::timeout(Duration::from_secs(5), subscriber.next())
        .await
        .expect("the capture is published")
        .unwrap();
    let msg_id = message
        .headers
        .as_ref()
        .and_then(|h| h.get("Nats-Msg-Id"))
        .map(|v| v.to_string())
        .unwrap_or_default();
    (
        faces::FaceCapture::decode(message.payload.as_ref()).unwrap(),
        msg_id,
    )
}

/// Publishes on the test's namespace as a service would (core NATS, as the console listens).
async fn publish(app: &TestApp, subject: &str, payload: Vec<u8>) {
    app.bus
        .nats
        .publish(format!("{}.{subject}", app.bus.namespace), payload.into())
        .await
        .unwrap();
    app.bus.nats.flush().await.unwrap();
}

/// face-embedder's detection of the capture's largest face.
fn detection(
    capture: &faces::FaceCapture,
    decision: faces::Decision,
    person: Option<Uuid>,
) -> faces::Detection {
    faces::Detection {
        detection_id: Uuid::new_v4().to_string(),
        capture_id: capture.capture_id.clone(),
        camera_id: capture.camera_id.clone(),
        decision: decision as i32,
        person_id: person.map(|p| p.to_string()),
        face_index: 0,
        track_id: capture.track_id.clone(),
        ..Default::default()
    }
}

fn subject(name: &str, person: Uuid) -> Option<attendance::Subject> {
    Some(attendance::Subject {
        person_id: person.to_string(),
        person_name: name.to_owned(),
        ..Default::default()
    })
}

fn mark(detection: &faces::Detection, seconds: i64) -> Option<attendance::Mark> {
    Some(attendance::Mark {
        at: Some(prost_types::Timestamp { seconds, nanos: 0 }),
        detection_id: Some(detection.detection_id.clone()),
        ..Default::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_is_published_as_a_capture_of_the_kiosks_camera() {
    let snapshots =
        std::env::temp_dir().join(format!("console-kiosk-snapshots-{}", Uuid::new_v4()));
    let mut options = Spawn::new(Backend::Postgres);
    options.snapshots_url = Some(format!("file://{}", snapshots.display()));
    let app = spawn_app_with(options).await;
    let admin = admin(&app).await;
    let kiosk = create_kiosk(&app, &admin, "kiosk-door", "ask").await;
    let cookie = paired_device(&app, &admin, kiosk["id"].as_str().unwrap()).await;
    let mut published = captures(&app, "kiosk-door").await;

    // Refusals before anything is published.
    let unpaired = app
        .client
        .post(app.url("/kiosk/api/v1/frames?action=in"))
        .header("X-Faceattend-Csrf", "1")
        .header("Content-Type", "image/jpeg")
        .body(frame())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(unpaired).await, "kiosk_not_paired");
    let no_action = send_frame(&app, &cookie, "", frame()).send().await.unwrap();
    assert_eq!(no_action.status(), 422);
    assert_eq!(error_code(no_action).await, "action_required");
    let png = app
        .client
        .post(app.url("/kiosk/api/v1/frames?action=in"))
        .header("Cookie", &cookie)
        .header("X-Faceattend-Csrf", "1")
        .header("Content-Type", "image/png")
        .body(frame())
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), 415);
    let garbage = send_frame(
        &app,
        &cookie,
        "?action=in",
        Bytes::from_static(b"not a jpeg"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(garbage.status(), 400);
    assert_eq!(error_code(garbage).await, "image_invalid");
    let mut large = frame().to_vec();
    large.resize(2 * 1024 * 1024 + 1, 0);
    let too_large = send_frame(&app, &cookie, "?action=in", Bytes::from(large))
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), 413);
    assert_eq!(error_code(too_large).await, "image_too_large");
    let forged = app
        .client
        .post(app.url("/kiosk/api/v1/frames?action=in"))
        .header("Cookie", &cookie)
        .header("Content-Type", "image/jpeg")
        .body(frame())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(forged).await, "csrf_failed");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), published.next())
            .await
            .is_err(),
        "nothing was published"
    );

    // A frame: the capture arrives, with the pressed action as its role; face-embedder finds
    // no face in it.
    let submitted = tokio::spawn(send_frame(&app, &cookie, "?action=out", frame()).send());
    let (capture, msg_id) = next_capture(&mut published).await;
    assert_eq!(msg_id, capture.capture_id);
    assert_eq!(capture.camera_id, "kiosk-door");
    assert_eq!(capture.camera_role.as_deref(), Some("exit"));
    assert_eq!(capture.image, frame().to_vec());
    assert!(capture.frame_box.is_none());
    assert_eq!(
        Uuid::parse_str(&capture.capture_id)
            .unwrap()
            .get_version_num(),
        7
    );
    assert_eq!(
        Uuid::parse_str(&capture.track_id)
            .unwrap()
            .get_version_num(),
        7
    );
    // The frame is the capture's evidence, where camera-agent would keep it.
    let day = chrono::Utc::now().format("%Y-%m-%d");
    assert_eq!(
        capture.snapshot_ref,
        format!("snapshots/kiosk-door/{day}/{}.jpg", capture.capture_id)
    );
    assert_eq!(
        std::fs::read(snapshots.join(&capture.snapshot_ref)).unwrap(),
        frame().to_vec()
    );
    publish(
        &app,
        "captures.v1.processed.kiosk-door",
        faces::CaptureProcessed {
            capture_id: capture.capture_id.clone(),
            camera_id: "kiosk-door".to_owned(),
            faces: 0,
            detection_ids: Vec::new(),
        }
        .encode_to_vec(),
    )
    .await;
    let answered = submitted.await.unwrap().unwrap();
    assert_eq!(answered.status(), 200);
    let body: Value = answered.json().await.unwrap();
    let result = &body["data"];
    assert_eq!(result["outcome"], "no_face");
    assert_eq!(result["capture_id"], capture.capture_id.as_str());
    assert!(result.get("greeting_name").is_none() && result.get("at").is_none());
    let stages = &result["stages_ms"];
    assert!(stages["published"].as_u64().unwrap() <= stages["detected"].as_u64().unwrap());
    assert_eq!(stages["detected"], stages["decided"]);

    // Nothing comes back: 504, and the capture is in the stream all the same.
    let mut options = Spawn::new(Backend::Postgres);
    options.kiosk_result_timeout = Duration::from_millis(800);
    drop(app);
    let app = spawn_app_with(options).await;
    let admin = crate::kiosks::admin(&app).await;
    let kiosk = create_kiosk(&app, &admin, "kiosk-door", "entry").await;
    let cookie = paired_device(&app, &admin, kiosk["id"].as_str().unwrap()).await;
    let timed_out = send_frame(&app, &cookie, "", frame()).send().await.unwrap();
    assert_eq!(timed_out.status(), 504);
    assert_eq!(error_code(timed_out).await, "kiosk_result_timeout");
    let stream = async_nats::jetstream::new(app.bus.nats.clone())
        .get_stream(format!("{}_FACES", app.bus.namespace.to_uppercase()))
        .await
        .unwrap()
        .get_info()
        .await
        .unwrap();
    assert_eq!(stream.state.messages, 1);
    let _ = std::fs::remove_dir_all(&snapshots);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outcome_follows_the_detection_and_the_attendance_event() {
    let app = spawn_app(Backend::Postgres).await;
    let admin = admin(&app).await;
    let kiosk = create_kiosk(&app, &admin, "kiosk-hall", "both").await;
    let cookie = paired_device(&app, &admin, kiosk["id"].as_str().unwrap()).await;
    let mut published = captures(&app, "kiosk-hall").await;
    let ada = Uuid::new_v4();

    // An unknown face: not recognised, and no name.
    let submitted = tokio::spawn(send_frame(&app, &cookie, "", frame()).send());
    let (first, _) = next_capture(&mut published).await;
    assert_eq!(first.camera_role.as_deref(), Some("both"));
    let unknown = detection(&first, faces::Decision::Unknown, None);
    publish(&app, "detections.v1.kiosk-hall", unknown.encode_to_vec()).await;
    let body: Value = submitted.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(body["data"]["outcome"], "not_recognised");
    assert!(body["data"].get("greeting_name").is_none());

    // The next frame, within 2 s of that face, is the same appearance. A match, checked in by
    // the worker: the greeting has the first name only, and the check-in's time.
    let submitted = tokio::spawn(send_frame(&app, &cookie, "", frame()).send());
    let (second, _) = next_capture(&mut published).await;
    assert_eq!(second.track_id, first.track_id);
    let matched = detection(&second, faces::Decision::Match, Some(ada));
    publish(&app, "detections.v1.kiosk-hall", matched.encode_to_vec()).await;
    // Another detection's event is not this frame's.
    publish(
        &app,
        "attendance.v1.checked_in",
        attendance::CheckedIn {
            subject: subject("Grace Hopper", Uuid::new_v4()),
            check_in: mark(
                &detection(&second, faces::Decision::Match, None),
                1_800_000_000,
            ),
            ..Default::default()
        }
        .encode_to_vec(),
    )
    .await;
    publish(
        &app,
        "attendance.v1.checked_in",
        attendance::CheckedIn {
            subject: subject("Ada King Lovelace", ada),
            check_in: mark(&matched, 1_800_000_060),
            ..Default::default()
        }
        .encode_to_vec(),
    )
    .await;
    let body: Value = submitted.await.unwrap().unwrap().json().await.unwrap();
    let result = &body["data"];
    assert_eq!(result["outcome"], "checked_in", "{body}");
    assert_eq!(result["greeting_name"], "Ada");
    assert_eq!(result["at"], "2027-01-15T08:01:00Z");
    assert!(!body.to_string().contains("Grace"));

    // Checked out by the worker.
    let submitted = tokio::spawn(send_frame(&app, &cookie, "", frame()).send());
    let (third, _) = next_capture(&mut published).await;
    let matched = detection(&third, faces::Decision::Match, Some(ada));
    publish(&app, "detections.v1.kiosk-hall", matched.encode_to_vec()).await;
    publish(
        &app,
        "attendance.v1.checked_out",
        attendance::CheckedOut {
            subject: subject("Ada King Lovelace", ada),
            check_out: mark(&matched, 1_800_030_000),
            ..Default::default()
        }
        .encode_to_vec(),
    )
    .await;
    let body: Value = submitted.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(body["data"]["outcome"], "checked_out");
    assert_eq!(body["data"]["greeting_name"], "Ada");

    // A match the worker sent to review, and an ambiguous face: not recognised.
    let submitted = tokio::spawn(send_frame(&app, &cookie, "", frame()).send());
    let (fourth, _) = next_capture(&mut published).await;
    let matched = detection(&fourth, faces::Decision::Match, Some(ada));
    publish(&app, "detections.v1.kiosk-hall", matched.encode_to_vec()).await;
    publish(
        &app,
        "attendance.v1.review_required",
        attendance::ReviewRequired {
            subject: subject("Ada King Lovelace", ada),
            detection_id: matched.detection_id.clone(),
            ..Default::default()
        }
        .encode_to_vec(),
    )
    .await;
    let body: Value = submitted.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(body["data"]["outcome"], "not_recognised");
    assert!(body["data"].get("greeting_name").is_none());
    let submitted = tokio::spawn(send_frame(&app, &cookie, "", frame()).send());
    let (fifth, _) = next_capture(&mut published).await;
    publish(
        &app,
        "detections.v1.kiosk-hall",
        detection(&fifth, faces::Decision::Ambiguous, Some(ada)).encode_to_vec(),
    )
    .await;
    let body: Value = submitted.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(body["data"]["outcome"], "not_recognised");

    // More than 2 s after the last face: a new appearance.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let submitted = tokio::spawn(send_frame(&app, &cookie, "", frame()).send());
    let (sixth, _) = next_capture(&mut published).await;
    assert_ne!(sixth.track_id, first.track_id);
    publish(
        &app,
        "captures.v1.processed.kiosk-hall",
        faces::CaptureProcessed {
            capture_id: sixth.capture_id.clone(),
            camera_id: "kiosk-hall".to_owned(),
            faces: 0,
            detection_ids: Vec::new(),
        }
        .encode_to_vec(),
    )
    .await;
    let body: Value = submitted.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(body["data"]["outcome"], "no_face");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_without_a_decision_reads_the_persons_day() {
    let mut options = Spawn::new(Backend::Postgres);
    options.upstreams = true;
    let app = spawn_app_with(options).await;
    let admin = admin(&app).await;
    let kiosk = create_kiosk(&app, &admin, "kiosk-hall", "entry").await;
    let cookie = paired_device(&app, &admin, kiosk["id"].as_str().unwrap()).await;
    let mut published = captures(&app, "kiosk-hall").await;
    let ada = Uuid::new_v4();

    // Not in today: a match with no event (below the review threshold) is not recognised.
    let submitted = tokio::spawn(send_frame(&app, &cookie, "", frame()).send());
    let (capture, _) = next_capture(&mut published).await;
    publish(
        &app,
        "detections.v1.kiosk-hall",
        detection(&capture, faces::Decision::Match, Some(ada)).encode_to_vec(),
    )
    .await;
    let answered = submitted.await.unwrap().unwrap();
    assert_eq!(answered.status(), 200);
    let body: Value = answered.json().await.unwrap();
    assert_eq!(body["data"]["outcome"], "not_recognised", "{body}");

    // Checked in earlier (at reception): the kiosk says so, with that time. The directory
    // entry is what attendance-worker writes from person-api's `persons.v1.created`.
    let attendance_db = sea_orm::Database::connect(app.attendance_database_url.clone().unwrap())
        .await
        .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &attendance_db,
        &format!(
            "INSERT INTO person_directory (person_id, name, person_type, status, deleted, \
             updated_at, version, created_at) VALUES ('{ada}', 'Ada King Lovelace', 'employee', \
             'active', false, now(), 1, now())"
        ),
    )
    .await
    .unwrap();
    let checked_in = app
        .page_request(Method::POST, "/api/v1/attendance/check-in", &admin)
        .json(&json!({"person_id": ada}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        checked_in.status(),
        200,
        "{}",
        checked_in.text().await.unwrap()
    );
    let submitted = tokio::spawn(send_frame(&app, &cookie, "", frame()).send());
    let (capture, _) = next_capture(&mut published).await;
    publish(
        &app,
        "detections.v1.kiosk-hall",
        detection(&capture, faces::Decision::Match, Some(ada)).encode_to_vec(),
    )
    .await;
    let body: Value = submitted.await.unwrap().unwrap().json().await.unwrap();
    let result = &body["data"];
    assert_eq!(result["outcome"], "already_checked_in", "{body}");
    assert!(result["at"].is_string());
    assert_eq!(result["greeting_name"], "Ada");
    let decided = result["stages_ms"]["decided"].as_u64().unwrap();
    assert!(decided >= 1000, "it waited for an event first: {decided}");
}
