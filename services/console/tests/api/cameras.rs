//! An admin manages the camera registry from the console: cameras are registered, changed
//! (the source's credentials kept and never shown), disabled and removed; what agents report
//! shows beside each camera; HR sees them, others do not; a probe nobody answers says so.

use faceattend_camera_registry::CameraRegistry;
use faceattend_proto::cameras::v1 as wire;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, error_code, spawn_app, test_nats_url};

/// The registry the console writes, opened as an agent would.
async fn registry(app: &TestApp) -> CameraRegistry {
    let bus = faceattend_bus::Bus::connect(&faceattend_bus::BusConfig {
        url: test_nats_url(),
        namespace: app.bus.namespace.clone(),
        client_name: "console-tests".to_owned(),
    })
    .await
    .expect("bus");
    CameraRegistry::open(&bus).await.expect("registry")
}

crate::on_both_backends!(
    an_admin_registers_changes_and_removes_a_camera,
    what_the_agent_reports_shows_beside_the_camera,
    only_admins_change_cameras_and_only_admins_and_hr_see_them,
    a_test_of_a_source_needs_an_agent_that_answers,
);

async fn an_admin_registers_changes_and_removes_a_camera(backend: Backend) {
    let app = spawn_app(backend).await;
    app.operator("admin@example.com", console::operators::Role::Admin)
        .await;
    let admin = app.sign_in("admin@example.com").await;

    let created = app
        .page_request(Method::POST, "/console/api/v1/cameras", &admin)
        .json(&json!({
            "id": "main-door", "name": "Main door", "role": "entry",
            "source": "rtsp://viewer:s3cret@10.0.0.5:554/stream", "agent": "east",
            "roi": {"x": 0.25, "y": 0, "width": 0.5, "height": 1}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    let camera = &body["data"];
    assert_eq!(camera["source"], "rtsp://***@10.0.0.5:554/stream");
    assert_eq!(camera["source_has_credentials"], true);
    assert_eq!(camera["sample_fps"], 5.0);
    assert_eq!(camera["enabled"], true);
    assert_eq!(camera["agent"], "east");
    assert_eq!(camera["updated_by"], "admin@example.com");
    assert!(camera["live"].is_null());
    assert!(!body.to_string().contains("s3cret"), "{body}");
    let revision = camera["revision"].as_u64().expect("a revision");

    let taken = app
        .page_request(Method::POST, "/console/api/v1/cameras", &admin)
        .json(&json!({"id": "main-door", "role": "exit", "source": "b.mp4"}))
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 409);
    assert_eq!(error_code(taken).await, "camera_exists");

    let invalid = app
        .page_request(Method::POST, "/console/api/v1/cameras", &admin)
        .json(&json!({"id": "a.b", "role": "up", "source": "ftp://x", "sample_fps": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    let body: Value = invalid.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["id", "source", "role", "sample_fps"]);

    // The source as shown is not a source.
    let shown = app
        .page_request(Method::PATCH, "/console/api/v1/cameras/main-door", &admin)
        .json(&json!({"source": "rtsp://***@10.0.0.5:554/stream"}))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 422);
    let body: Value = shown.json().await.unwrap();
    assert_eq!(body["error"]["details"][0]["code"], "source_redacted");

    // A change without the source keeps the stored one, credentials and all.
    let changed = app
        .page_request(Method::PATCH, "/console/api/v1/cameras/main-door", &admin)
        .json(&json!({"enabled": false, "sample_fps": 2, "roi": null, "revision": revision}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(body["data"]["enabled"], false);
    assert_eq!(body["data"]["sample_fps"], 2.0);
    assert!(body["data"]["roi"].is_null());
    let registry = registry(&app).await;
    let stored = registry.get("main-door").await.unwrap().unwrap();
    assert_eq!(
        stored.camera.source.to_string(),
        "rtsp://viewer:s3cret@10.0.0.5:554/stream"
    );

    // Someone still holding the first revision is told, not obeyed.
    let stale = app
        .page_request(Method::PATCH, "/console/api/v1/cameras/main-door", &admin)
        .json(&json!({"enabled": true, "revision": revision}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    assert_eq!(error_code(stale).await, "camera_changed");

    let removed = app
        .page_request(Method::DELETE, "/console/api/v1/cameras/main-door", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let gone = app
        .page_request(Method::GET, "/console/api/v1/cameras/main-door", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    assert_eq!(error_code(gone).await, "camera_not_found");
    let bad_id = app
        .page_request(Method::GET, "/console/api/v1/cameras/a%20b", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_id.status(), 422);
}

async fn what_the_agent_reports_shows_beside_the_camera(backend: Backend) {
    let app = spawn_app(backend).await;
    app.operator("admin@example.com", console::operators::Role::Admin)
        .await;
    let admin = app.sign_in("admin@example.com").await;
    let created: Value = app
        .page_request(Method::POST, "/console/api/v1/cameras", &admin)
        .json(&json!({"id": "lobby", "role": "both", "source": "/videos/lobby.mp4"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let revision = created["data"]["revision"].as_u64().unwrap();

    // What the agent named `default` writes while it runs the camera.
    let registry = registry(&app).await;
    let now = prost_types::Timestamp {
        seconds: chrono::Utc::now().timestamp(),
        nanos: 0,
    };
    registry
        .report_camera(&wire::CameraStatus {
            camera_id: "lobby".to_owned(),
            agent: "default".to_owned(),
            state: "reconnecting".to_owned(),
            last_error: "cannot open /videos/lobby.mp4: no such file".to_owned(),
            frames_decoded: 10,
            decoded_fps: 9.5,
            reconnects: 2,
            reported_at: Some(now),
            revision,
            ..Default::default()
        })
        .await
        .unwrap();
    registry
        .report_agent(&wire::AgentHeartbeat {
            agent: "default".to_owned(),
            camera_ids: vec!["lobby".to_owned()],
            reported_at: Some(now),
            version: "0.1.0".to_owned(),
        })
        .await
        .unwrap();

    let thumbnail = app
        .page_request(
            Method::GET,
            "/console/api/v1/cameras/lobby/thumbnail",
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(thumbnail.status(), 404);
    assert_eq!(error_code(thumbnail).await, "thumbnail_not_found");
    registry
        .put_thumbnail(&wire::Thumbnail {
            camera_id: "lobby".to_owned(),
            jpeg: vec![0xff, 0xd8, 0xff, 0xd9],
            captured_at: Some(now),
        })
        .await
        .unwrap();

    let list: Value = app
        .page_request(Method::GET, "/console/api/v1/cameras", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lobby = &list["data"]["cameras"][0];
    assert_eq!(lobby["id"], "lobby");
    assert_eq!(lobby["source_has_credentials"], false);
    let live = &lobby["live"];
    assert_eq!(live["state"], "reconnecting");
    assert_eq!(
        live["last_error"],
        "cannot open /videos/lobby.mp4: no such file"
    );
    assert_eq!(live["decoded_fps"], 9.5);
    assert_eq!(live["reconnects"], 2);
    assert_eq!(live["current"], true);
    assert!(lobby["thumbnail_at"].is_string(), "{lobby}");
    assert_eq!(list["data"]["agents"][0]["name"], "default");
    assert_eq!(list["data"]["agents"][0]["camera_ids"], json!(["lobby"]));

    let image = app
        .page_request(
            Method::GET,
            "/console/api/v1/cameras/lobby/thumbnail",
            &admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/jpeg");
    assert_eq!(
        image.bytes().await.unwrap().as_ref(),
        [0xff, 0xd8, 0xff, 0xd9]
    );

    // Moved to another agent: the old agent's report is not this camera's state.
    app.page_request(Method::PATCH, "/console/api/v1/cameras/lobby", &admin)
        .json(&json!({"agent": "west"}))
        .send()
        .await
        .unwrap();
    let moved: Value = app
        .page_request(Method::GET, "/console/api/v1/cameras/lobby", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(moved["data"]["live"].is_null(), "{moved}");
}

async fn only_admins_change_cameras_and_only_admins_and_hr_see_them(backend: Backend) {
    use console::operators::Role;
    let app = spawn_app(backend).await;
    app.operator("hr@example.com", Role::Hr).await;
    app.operator("viewer@example.com", Role::Viewer).await;
    let hr = app.sign_in("hr@example.com").await;
    let viewer = app.sign_in("viewer@example.com").await;

    let listed = app
        .page_request(Method::GET, "/console/api/v1/cameras", &hr)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let create = app
        .page_request(Method::POST, "/console/api/v1/cameras", &hr)
        .json(&json!({"id": "x", "role": "entry", "source": "x.mp4"}))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), 403);
    assert_eq!(error_code(create).await, "forbidden");
    let hidden = app
        .page_request(Method::GET, "/console/api/v1/cameras", &viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 403);
    let signed_out = app
        .client
        .get(app.url("/console/api/v1/cameras"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 401);
}

async fn a_test_of_a_source_needs_an_agent_that_answers(backend: Backend) {
    let app = spawn_app(backend).await;
    app.operator("admin@example.com", console::operators::Role::Admin)
        .await;
    let admin = app.sign_in("admin@example.com").await;
    let nobody = app
        .page_request(Method::POST, "/console/api/v1/cameras/test", &admin)
        .json(&json!({"source": "rtsp://10.0.0.7/live", "agent": "nobody"}))
        .send()
        .await
        .unwrap();
    assert_eq!(nobody.status(), 200);
    let body: Value = nobody.json().await.unwrap();
    assert_eq!(body["data"]["ok"], false);
    assert_eq!(body["data"]["agent_answered"], false);
    assert_eq!(body["data"]["agent"], "nobody");
    assert!(
        body["data"]["error"]
            .as_str()
            .unwrap()
            .contains("AGENT_NAME=nobody"),
        "{body}"
    );
    let invalid = app
        .page_request(Method::POST, "/console/api/v1/cameras/test", &admin)
        .json(&json!({"source": "ftp://x", "agent": "not an agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    let unknown = app
        .page_request(Method::POST, "/console/api/v1/cameras/ghost/test", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}
