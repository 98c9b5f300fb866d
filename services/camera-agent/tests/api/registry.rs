//! Cameras as data: the agent runs the registry's enabled cameras that name it, picks up a
//! camera added, changed or disabled while it runs within 2 s, reports their live state and
//! thumbnails, and answers the console's probe.

use std::time::{Duration, Instant};

use faceattend_bus::{Bus, BusConfig};
use faceattend_camera_registry::CameraRegistry;
use faceattend_domain::camera::{Camera, CameraDraft};

use crate::helpers::{cleanup, faces_dir, new_namespace, people_video, spawn_agent, test_nats_url};

async fn registry(namespace: &str) -> CameraRegistry {
    let bus = Bus::connect(&BusConfig {
        url: test_nats_url(),
        namespace: namespace.to_owned(),
        client_name: "camera-agent-tests".to_owned(),
    })
    .await
    .expect("bus");
    CameraRegistry::open(&bus).await.expect("registry")
}

fn camera(id: &str, agent: &str, source: &std::path::Path) -> Camera {
    Camera::parse(CameraDraft {
        id: id.to_owned(),
        name: Some(format!("Camera {id}")),
        source: source.display().to_string(),
        role: "entry".to_owned(),
        sample_fps: Some(5.0),
        roi: None,
        enabled: Some(true),
        agent: Some(agent.to_owned()),
        realtime: Some(true),
        repeat: Some(true),
    })
    .expect("a valid camera")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camera_added_while_the_agent_runs_is_picked_up_and_reported() {
    let Some(faces) = faces_dir() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let video = people_video(dir.path(), "door.avi", &faces, &["person01/img1.jpg"]);
    let namespace = new_namespace();
    let agent = spawn_agent(
        &namespace,
        "",
        &[("AGENT_NAME", "east"), ("CAMERA_STATUS_INTERVAL", "200ms")],
    )
    .await;
    let registry = registry(&namespace).await;
    // The agent idles, ready, with no camera of its own.
    let (status, _) = agent.get("/readyz").await;
    assert_eq!(status, 200);

    // Another agent's camera is not ours to run.
    registry
        .create(&camera("west-door", "west", &video), "admin@example.com")
        .await
        .unwrap();
    let added = Instant::now();
    registry
        .create(&camera("door", "east", &video), "admin@example.com")
        .await
        .unwrap();
    let door = agent.camera("door").await;
    let picked_up = added.elapsed();
    assert!(
        picked_up < Duration::from_secs(2),
        "picked up in {picked_up:?}"
    );
    assert_eq!(door["role"], "entry");
    assert!(agent.running_camera("west-door").await.is_none());

    // Its live state and a thumbnail of its first capture reach the registry.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (state, thumbnail) = loop {
        let state = registry.live_state().await.unwrap();
        let thumbnail = registry.thumbnail("door").await.unwrap();
        let reported = state
            .cameras
            .iter()
            .find(|c| c.camera_id == "door")
            .cloned();
        if let (Some(reported), Some(thumbnail)) = (reported, thumbnail)
            && reported.captures_published > 0
        {
            break (state, (reported, thumbnail));
        }
        assert!(Instant::now() < deadline, "no capture reported: {state:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (reported, thumbnail) = thumbnail;
    assert_eq!(reported.agent, "east");
    assert_eq!(reported.state, "streaming");
    assert!(reported.frames_decoded > 0 && reported.frames_analysed > 0);
    assert!(reported.last_capture_at.is_some() && reported.reported_at.is_some());
    assert!(reported.decoded_fps > 0.0, "{reported:?}");
    assert_eq!(state.agents.len(), 1);
    assert_eq!(state.agents[0].agent, "east");
    assert_eq!(state.agents[0].camera_ids, ["door"]);
    let image = image::load_from_memory(&thumbnail.jpeg).expect("a JPEG thumbnail");
    assert_eq!((image.width(), image.height()), (320, 180));

    // Disabled: stopped within 2 s, its state gone; enabled again: running again.
    let mut disabled = camera("door", "east", &video);
    disabled.enabled = false;
    registry
        .update(&disabled, "admin@example.com", None)
        .await
        .unwrap();
    let changed = Instant::now();
    while agent.running_camera("door").await.is_some() {
        assert!(
            changed.elapsed() < Duration::from_secs(2),
            "still running after disabling"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        registry
            .live_state()
            .await
            .unwrap()
            .cameras
            .iter()
            .all(|c| c.camera_id != "door")
    );
    let mut slower = camera("door", "east", &video);
    slower.sample_fps = 2.0;
    registry
        .update(&slower, "admin@example.com", None)
        .await
        .unwrap();
    agent.camera("door").await;

    // Moved to another agent: this one stops it.
    registry
        .update(&camera("door", "west", &video), "admin@example.com", None)
        .await
        .unwrap();
    let moved = Instant::now();
    while agent.running_camera("door").await.is_some() {
        assert!(
            moved.elapsed() < Duration::from_secs(2),
            "still running after the move"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cleanup(&namespace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cameras_seed_the_registry_under_the_agents_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("absent.avi");
    let namespace = new_namespace();
    let cameras = serde_json::json!([
        {"id": "seeded", "source": missing, "role": "exit", "name": "Back door"},
    ])
    .to_string();
    let agent = spawn_agent(&namespace, &cameras, &[("AGENT_NAME", "north")]).await;
    let registry = registry(&namespace).await;
    let seeded = registry.get("seeded").await.unwrap().expect("seeded");
    assert_eq!(seeded.camera.agent, "north");
    assert_eq!(seeded.camera.name, "Back door");
    assert_eq!(seeded.updated_by, "camera-agent:north");
    // A camera whose file is absent runs, reconnecting, with the reason shown.
    let camera = agent
        .wait_for_state("seeded", "reconnecting", Duration::from_secs(10))
        .await;
    assert!(
        camera["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("no such file")),
        "{camera}"
    );
    cleanup(&namespace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_answers_a_probe_with_what_the_source_gives() {
    let Some(faces) = faces_dir() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let video = people_video(dir.path(), "probe.avi", &faces, &[]);
    let namespace = new_namespace();
    let _agent = spawn_agent(&namespace, "", &[("AGENT_NAME", "probe-me")]).await;
    let registry = registry(&namespace).await;

    let reply = registry
        .probe(
            "probe-me",
            &video.display().to_string(),
            Duration::from_secs(5),
        )
        .await
        .expect("the agent answers");
    assert!(reply.ok, "{reply:?}");
    assert_eq!((reply.width, reply.height), (960, 540));
    assert_eq!(reply.fps, 10.0);

    let missing = dir.path().join("nothing-here.mp4");
    let reply = registry
        .probe(
            "probe-me",
            &missing.display().to_string(),
            Duration::from_secs(5),
        )
        .await
        .expect("the agent answers");
    assert!(!reply.ok);
    assert!(reply.error.contains("no such file"), "{reply:?}");

    let reply = registry
        .probe("probe-me", "ftp://nope", Duration::from_secs(1))
        .await
        .expect("the agent answers");
    assert!(
        !reply.ok && reply.error.contains("sources are"),
        "{reply:?}"
    );
    cleanup(&namespace).await;
}
