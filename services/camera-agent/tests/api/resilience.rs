//! Cameras fail: a source that does not exist or sends garbage is reopened with growing
//! waits, shows in health and metrics, and never stops the other cameras.

use std::time::Duration;

use crate::helpers::{cleanup, faces_dir, metric_line, new_namespace, people_video, spawn_agent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_cameras_are_retried_with_backoff_and_the_others_keep_working() {
    let Some(faces) = faces_dir() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let people = people_video(dir.path(), "people.avi", &faces, &["person02/img3.jpg"]);
    let garbage = dir.path().join("garbage.avi");
    // Random-looking bytes behind an AVI name: what a camera sending garbage looks like.
    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, noise).expect("garbage written");
    let missing = dir.path().join("unplugged.avi");
    let namespace = new_namespace();
    let cameras = serde_json::json!([
        {"id": "unplugged", "source": missing, "role": "entry"},
        {"id": "noisy", "source": garbage, "role": "exit"},
        {"id": "gate", "source": people, "role": "entry", "realtime": true},
    ])
    .to_string();
    let mut agent = spawn_agent(
        &namespace,
        &cameras,
        &[("RECONNECT_INITIAL", "100ms"), ("RECONNECT_MAX", "400ms")],
    )
    .await;

    // The good camera plays its 5 s video in real time while the others fail.
    let gate = agent
        .wait_for_state("gate", "ended", Duration::from_secs(60))
        .await;
    assert!(gate["captures_published"].as_u64() >= Some(1), "{gate}");
    assert_eq!(gate["reconnects"], 0);
    for id in ["unplugged", "noisy"] {
        let camera = agent.camera(id).await;
        assert!(
            camera["state"] == "reconnecting" || camera["state"] == "connecting",
            "{camera}"
        );
        let reconnects = camera["reconnects"].as_u64().unwrap_or(0);
        // 5 s of 100, 200, then 400 ms waits: about 14 attempts, far from a busy loop.
        assert!((5..=25).contains(&reconnects), "{camera}");
        assert!(
            camera["last_error"].as_str().is_some_and(|e| !e.is_empty()),
            "{camera}"
        );
        assert_eq!(camera["frames_analysed"], 0);
    }
    let (status, ready) = agent.get("/readyz").await;
    assert_eq!(
        status, 200,
        "one working camera keeps the agent ready: {ready}"
    );
    let metrics = agent.metrics().await;
    for (name, camera, value) in [
        ("camera_reconnects_total", "unplugged", None),
        ("camera_reconnects_total", "noisy", None),
        ("camera_up", "noisy", Some("0")),
        ("camera_up", "gate", Some("0")),
        ("camera_frames_decoded_total", "gate", Some("50")),
    ] {
        assert!(
            metric_line(&metrics, name, camera).is_some_and(|v| value.is_none_or(|x| v == x)),
            "{name}{{camera={camera}}} = {value:?} in {metrics}"
        );
    }
    assert!(
        agent.stop().await,
        "the agent stops cleanly while cameras retry"
    );
    cleanup(&namespace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_camera_the_agent_idles_healthy() {
    let namespace = new_namespace();
    let mut agent = spawn_agent(&namespace, "", &[]).await;
    let (status, health) = agent.get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(health["cameras"], serde_json::json!([]));
    let mut ready = 0;
    for _ in 0..50 {
        ready = agent.get("/readyz").await.0;
        if ready == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready, 200);
    assert!(agent.stop().await);
    cleanup(&namespace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_broken_cameras_make_the_agent_unready() {
    let namespace = new_namespace();
    let cameras = serde_json::json!([
        {"id": "unplugged", "source": "/nonexistent/cam.avi", "role": "entry"},
    ])
    .to_string();
    let mut agent = spawn_agent(&namespace, &cameras, &[("RECONNECT_INITIAL", "100ms")]).await;
    agent
        .wait_for_state("unplugged", "reconnecting", Duration::from_secs(10))
        .await;
    let (status, body) = agent.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.to_string().contains("unplugged"), "{body}");
    assert!(agent.stop().await);
    cleanup(&namespace).await;
}
