//! Evidence: with `SNAPSHOTS_URL` set, each capture's whole frame is kept in the object
//! store and the capture names it; a store that refuses costs the evidence, never the capture.

use std::time::Duration;

use faceattend_face::{DecodeLimits, decode_image};

use crate::helpers::{cleanup, faces_dir, metric_line, new_namespace, people_video, spawn_agent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_capture_names_its_frame_kept_in_the_snapshot_store() {
    let Some(faces) = faces_dir() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let video = people_video(
        dir.path(),
        "people.avi",
        &faces,
        &["person01/img1.jpg", "person02/img3.jpg"],
    );
    let store = dir.path().join("evidence");
    let namespace = new_namespace();
    let cameras = serde_json::json!([
        {"id": "gate", "source": video, "role": "entry", "sample_fps": 5, "realtime": false},
    ])
    .to_string();
    let url = format!("file://{}", store.display());
    let mut agent = spawn_agent(&namespace, &cameras, &[("SNAPSHOTS_URL", &url)]).await;
    agent
        .wait_for_state("gate", "ended", Duration::from_secs(60))
        .await;
    let metrics = agent.metrics().await;
    assert!(agent.stop().await);

    let captures = agent.captures("gate").await;
    assert!(captures.len() >= 2, "{} captures", captures.len());
    for (capture, _) in &captures {
        let captured_at = capture.captured_at.expect("captured_at");
        let day = chrono::DateTime::from_timestamp(captured_at.seconds, 0)
            .expect("a time")
            .format("%Y-%m-%d");
        assert_eq!(
            capture.snapshot_ref,
            format!("snapshots/gate/{day}/{}.jpg", capture.capture_id)
        );
        let bytes = std::fs::read(store.join(&capture.snapshot_ref)).expect("the frame is kept");
        let frame = decode_image(&bytes, &DecodeLimits::default()).expect("a JPEG");
        assert_eq!(frame.dimensions(), (960, 540), "the whole frame");
        // The crop came from inside it.
        let frame_box = capture.frame_box.expect("where the crop sat");
        assert!(frame_box.x_max <= 960.0 && frame_box.y_max <= 540.0);
    }
    let stored = captures.len().to_string();
    assert_eq!(
        metric_line(&metrics, "camera_snapshots_stored_total", "gate"),
        Some(stored.as_str())
    );
    cleanup(&namespace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_snapshot_store_costs_the_evidence_not_the_capture() {
    let Some(faces) = faces_dir() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let video = people_video(dir.path(), "people.avi", &faces, &["person01/img1.jpg"]);
    let store = dir.path().join("evidence");
    let namespace = new_namespace();
    let cameras = serde_json::json!([
        {"id": "gate", "source": video, "role": "entry", "sample_fps": 5, "realtime": false},
    ])
    .to_string();
    let url = format!("file://{}", store.display());
    // Let the agent open the store, then put a file where its directory was: every write
    // fails from then on (even for root, which ignores permissions).
    let mut agent = spawn_agent(&namespace, &cameras, &[("SNAPSHOTS_URL", &url)]).await;
    std::fs::remove_dir_all(&store).expect("store directory");
    std::fs::write(&store, b"not a directory").expect("blocking file");
    agent
        .wait_for_state("gate", "ended", Duration::from_secs(60))
        .await;
    // Retries back off for a few seconds before a capture goes without its frame.
    let mut captures = Vec::new();
    for _ in 0..100 {
        captures = agent.captures("gate").await;
        if !captures.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let metrics = agent.metrics().await;
    assert!(agent.stop().await);
    assert!(
        !captures.is_empty(),
        "the captures are published all the same"
    );
    assert!(
        captures.iter().all(|(c, _)| c.snapshot_ref.is_empty()),
        "no capture names a frame that was not kept"
    );
    let failed = captures.len().to_string();
    assert_eq!(
        metric_line(&metrics, "camera_snapshots_failed_total", "gate"),
        Some(failed.as_str())
    );
    cleanup(&namespace).await;
}
