//! From a video of people to captures on `faces.v1.<camera>`: one track per appearance, one
//! or a few captures per track, each holding the face; nothing for an empty scene.

use std::collections::BTreeMap;
use std::time::Duration;

use camera_agent::analysis::FrameAnalyser;
use faceattend_face::{DecodeLimits, RuntimeOptions, decode_image};

use crate::helpers::{
    cleanup, faces_dir, metric_line, models_dir, new_namespace, people_video, spawn_agent,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_appearance_publishes_one_or_a_few_captures_of_the_face() {
    let Some(faces) = faces_dir() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let people = people_video(
        dir.path(),
        "people.avi",
        &faces,
        &[
            "person01/img1.jpg",
            "person02/img3.jpg",
            "person05/img16.jpg",
        ],
    );
    let empty = people_video(dir.path(), "empty.avi", &faces, &[]);
    let namespace = new_namespace();
    let cameras = serde_json::json!([
        {"id": "gate", "source": people, "role": "entry", "sample_fps": 5, "realtime": false},
        {"id": "hall", "source": empty, "role": "both", "sample_fps": 5, "realtime": false},
    ])
    .to_string();
    let mut agent = spawn_agent(&namespace, &cameras, &[]).await;

    let gate = agent
        .wait_for_state("gate", "ended", Duration::from_secs(60))
        .await;
    let hall = agent
        .wait_for_state("hall", "ended", Duration::from_secs(60))
        .await;
    let metrics = agent.metrics().await;
    assert_eq!(
        metric_line(&metrics, "camera_frames_analysed_total", "gate"),
        Some("60")
    );
    assert!(agent.stop().await, "the agent stops cleanly");
    // 12 s at 10 fps, sampled at 5 per second.
    assert_eq!(gate["frames_decoded"], 120, "{gate}");
    assert_eq!(gate["frames_analysed"], 60, "{gate}");
    assert!(hall["frames_analysed"].as_u64() >= Some(5), "{hall}");

    let captures = agent.captures("gate").await;
    let mut tracks: BTreeMap<String, usize> = BTreeMap::new();
    for (capture, _) in &captures {
        *tracks.entry(capture.track_id.clone()).or_default() += 1;
    }
    assert_eq!(tracks.len(), 3, "one track per appearance: {tracks:?}");
    assert!(
        tracks.values().all(|n| (1..=3).contains(n)),
        "one or a few captures per appearance: {tracks:?}"
    );
    assert_eq!(gate["captures_published"], captures.len() as u64);
    let published = metric_line(&metrics, "camera_captures_published_total", "gate");
    assert_eq!(published, Some(captures.len().to_string().as_str()));

    let analyser = FrameAnalyser::load(&models_dir(), RuntimeOptions::new(1)).expect("detector");
    for (capture, msg_id) in &captures {
        assert_eq!(&capture.capture_id, msg_id, "deduplicated by capture id");
        assert_eq!(capture.camera_id, "gate");
        assert_eq!(capture.camera_role.as_deref(), Some("entry"));
        let captured_at = capture.captured_at.expect("captured_at");
        let age = chrono::Utc::now().timestamp() - captured_at.seconds;
        assert!((0..120).contains(&age), "captured just now: {age} s ago");
        let frame_box = capture.frame_box.expect("where the crop sat");
        assert!(frame_box.x_min >= 0.0 && frame_box.x_max <= 960.0 && frame_box.y_max <= 540.0);
        let crop = decode_image(&capture.image, &DecodeLimits::default()).expect("a JPEG");
        assert_eq!(
            crop.dimensions(),
            (
                (frame_box.x_max - frame_box.x_min) as u32,
                (frame_box.y_max - frame_box.y_min) as u32
            )
        );
        let (found, _) = analyser.analyse(&crop, None).expect("detector runs");
        assert_eq!(found.len(), 1, "the crop holds the face");
    }
    assert!(
        agent.captures("hall").await.is_empty(),
        "an empty scene publishes nothing"
    );
    cleanup(&namespace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_of_interest_outside_the_people_sees_nobody() {
    let Some(faces) = faces_dir() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let people = people_video(dir.path(), "people.avi", &faces, &["person01/img1.jpg"]);
    let namespace = new_namespace();
    // The photo sits in the middle 80% of the frame; the left tenth holds only the scene.
    let cameras = serde_json::json!([
        {"id": "edge", "source": people, "role": "entry", "realtime": false,
         "roi": {"x": 0.0, "y": 0.0, "width": 0.08, "height": 1.0}},
        {"id": "whole", "source": people, "role": "entry", "realtime": false},
    ])
    .to_string();
    let mut agent = spawn_agent(&namespace, &cameras, &[]).await;
    agent
        .wait_for_state("edge", "ended", Duration::from_secs(60))
        .await;
    agent
        .wait_for_state("whole", "ended", Duration::from_secs(60))
        .await;
    assert!(agent.stop().await);
    assert!(agent.captures("edge").await.is_empty());
    assert!(!agent.captures("whole").await.is_empty());
    cleanup(&namespace).await;
}
