//! The camera path: `faces.v1.<camera>` captures in, `detections.v1.<camera>` events out,
//! exactly once per face, poison captures dead-lettered with the reason.

use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::consumer::{DeliverPolicy, pull};
use bytes::Bytes;
use faceattend_proto::faces::v1 as wire;
use futures::StreamExt;
use prost::Message;
use uuid::Uuid;

use crate::helpers::{
    TestEmbedder, cleanup, faceless_png, faces_dir, new_namespace, photo, spawn_embedder,
};

async fn publish_capture(
    embedder: &TestEmbedder,
    camera: &str,
    capture: &wire::FaceCapture,
    msg_id: &str,
) {
    let js = jetstream::new(embedder.nats.clone());
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", msg_id);
    js.publish_with_headers(
        embedder.subject(&format!("faces.v1.{camera}")),
        headers,
        Bytes::from(capture.encode_to_vec()),
    )
    .await
    .expect("publish")
    .await
    .expect("stored");
}

/// Every message currently in a stream, waiting until `expected` are there (or 10 s).
async fn read_stream(
    embedder: &TestEmbedder,
    stream: &str,
    expected: usize,
) -> Vec<async_nats::Message> {
    let js = jetstream::new(embedder.nats.clone());
    let stream = js
        .get_stream(embedder.stream(stream))
        .await
        .expect("stream");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let count = stream.get_info().await.expect("info").state.messages as usize;
        if count >= expected || tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give a wrongly duplicated message the chance to show up too.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let consumer = stream
        .create_consumer(pull::Config {
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .expect("consumer");
    let count = stream.get_info().await.expect("info").state.messages as usize;
    let mut messages = Vec::new();
    if count == 0 {
        return messages;
    }
    let mut batch = consumer
        .fetch()
        .max_messages(count)
        .expires(Duration::from_secs(2))
        .messages()
        .await
        .expect("fetch");
    while let Some(Ok(message)) = batch.next().await {
        messages.push(async_nats::Message::from(message));
    }
    messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_face_of_a_capture_becomes_one_detection_even_when_redelivered() {
    let Some(faces) = faces_dir() else { return };
    let namespace = new_namespace();
    let embedder = spawn_embedder(&namespace).await;
    let person = Uuid::new_v4();
    embedder
        .enrol(person, &[photo(&faces, "person06/img18.jpg")])
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut processed = embedder
        .nats
        .subscribe(embedder.subject("captures.v1.processed.lobby"))
        .await
        .expect("subscribe");
    let capture = wire::FaceCapture {
        capture_id: Uuid::now_v7().to_string(),
        camera_id: "lobby".to_owned(),
        captured_at: Some(prost_types::Timestamp {
            seconds: 1_764_000_000,
            nanos: 0,
        }),
        image: photo(&faces, "person06/img19.jpg").to_vec(),
        track_id: "track-7".to_owned(),
        snapshot_ref: String::new(),
        frame_box: None,
        camera_role: Some("entry".to_owned()),
    };
    publish_capture(&embedder, "lobby", &capture, &capture.capture_id).await;
    // The same capture again under another message id: what a camera retrying after a lost
    // acknowledgement does. It is analysed twice, but the detection is stored once.
    publish_capture(&embedder, "lobby", &capture, "retry-1").await;

    let messages = read_stream(&embedder, "DETECTIONS", 1).await;
    assert_eq!(messages.len(), 1, "one detection for one face");
    let message = &messages[0];
    assert_eq!(
        message.subject.as_str(),
        embedder.subject("detections.v1.lobby")
    );
    let detection = wire::Detection::decode(message.payload.as_ref()).expect("Detection");
    assert_eq!(detection.capture_id, capture.capture_id);
    assert_eq!(detection.camera_id, "lobby");
    assert_eq!(detection.track_id, "track-7");
    assert_eq!(detection.camera_role.as_deref(), Some("entry"));
    assert_eq!(detection.captured_at, capture.captured_at);
    assert_eq!(detection.decision, wire::Decision::Match as i32);
    assert_eq!(
        detection.person_id.as_deref(),
        Some(person.to_string().as_str())
    );
    assert!(detection.confidence >= 0.6, "{detection:?}");
    assert_eq!(detection.model, "mobilefacenet-expo-1.0.24");
    assert!(detection.r#box.is_some() && detection.quality.is_some());
    let msg_id = message
        .headers
        .as_ref()
        .and_then(|h| h.get("Nats-Msg-Id"))
        .map(|v| v.to_string());
    assert_eq!(msg_id.as_deref(), Some(detection.detection_id.as_str()));

    // Once settled, the capture is announced with its one detection (each time it was
    // analysed: the retry too).
    let notice = tokio::time::timeout(Duration::from_secs(10), processed.next())
        .await
        .expect("a processed notice")
        .expect("subscription open");
    let notice = wire::CaptureProcessed::decode(notice.payload.as_ref()).expect("CaptureProcessed");
    assert_eq!(notice.capture_id, capture.capture_id);
    assert_eq!(notice.camera_id, "lobby");
    assert_eq!(notice.faces, 1);
    assert_eq!(notice.detection_ids, vec![detection.detection_id]);

    cleanup(&namespace).await;
}

/// A frame without a face produces no detection, so the capture's notice is how a waiter
/// (a kiosk) learns there was none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_without_a_face_is_announced_with_no_faces() {
    let namespace = new_namespace();
    let embedder = spawn_embedder(&namespace).await;
    let mut processed = embedder
        .nats
        .subscribe(embedder.subject("captures.v1.processed.*"))
        .await
        .expect("subscribe");
    let capture = wire::FaceCapture {
        capture_id: Uuid::now_v7().to_string(),
        camera_id: "kiosk-1".to_owned(),
        captured_at: Some(prost_types::Timestamp {
            seconds: 1_764_000_000,
            nanos: 0,
        }),
        image: faceless_png().to_vec(),
        track_id: "track-1".to_owned(),
        snapshot_ref: String::new(),
        frame_box: None,
        camera_role: Some("entry".to_owned()),
    };
    publish_capture(&embedder, "kiosk-1", &capture, &capture.capture_id).await;

    let message = tokio::time::timeout(Duration::from_secs(10), processed.next())
        .await
        .expect("a processed notice")
        .expect("subscription open");
    assert_eq!(
        message.subject.as_str(),
        embedder.subject("captures.v1.processed.kiosk-1")
    );
    let content_type = message
        .headers
        .as_ref()
        .and_then(|h| h.get("Content-Type"))
        .map(|v| v.to_string());
    assert_eq!(
        content_type.as_deref(),
        Some("application/protobuf; proto=faceattend.faces.v1.CaptureProcessed")
    );
    let notice =
        wire::CaptureProcessed::decode(message.payload.as_ref()).expect("CaptureProcessed");
    assert_eq!(notice.capture_id, capture.capture_id);
    assert_eq!(notice.camera_id, "kiosk-1");
    assert_eq!(notice.faces, 0);
    assert!(notice.detection_ids.is_empty());
    // The notice is not stored, and there is no detection.
    assert!(read_stream(&embedder, "DETECTIONS", 0).await.is_empty());
    let js = jetstream::new(embedder.nats.clone());
    let faces = js
        .get_stream(embedder.stream("FACES"))
        .await
        .expect("FACES")
        .get_info()
        .await
        .expect("info")
        .state
        .messages;
    assert_eq!(faces, 1, "only the capture itself is in FACES");

    cleanup(&namespace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_captures_are_dead_lettered_and_do_not_block_others() {
    let Some(faces) = faces_dir() else { return };
    let namespace = new_namespace();
    let embedder = spawn_embedder(&namespace).await;

    let js = jetstream::new(embedder.nats.clone());
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", "garbage-1");
    js.publish_with_headers(
        embedder.subject("faces.v1.door"),
        headers,
        Bytes::from_static(b"\xff\xfe not protobuf"),
    )
    .await
    .unwrap()
    .await
    .unwrap();
    let broken_image = wire::FaceCapture {
        capture_id: Uuid::now_v7().to_string(),
        camera_id: "door".to_owned(),
        captured_at: None,
        image: b"not an image".to_vec(),
        ..Default::default()
    };
    publish_capture(&embedder, "door", &broken_image, &broken_image.capture_id).await;
    // A good capture of a stranger after the poison ones: still processed (unknown person).
    let good = wire::FaceCapture {
        capture_id: Uuid::now_v7().to_string(),
        camera_id: "door".to_owned(),
        image: photo(&faces, "person07/img20.jpg").to_vec(),
        ..Default::default()
    };
    publish_capture(&embedder, "door", &good, &good.capture_id).await;

    let detections = read_stream(&embedder, "DETECTIONS", 1).await;
    assert_eq!(detections.len(), 1);
    let detection = wire::Detection::decode(detections[0].payload.as_ref()).unwrap();
    assert_eq!(detection.capture_id, good.capture_id);
    assert_eq!(detection.decision, wire::Decision::Unknown as i32);
    assert_eq!(detection.person_id, None);

    let dead = read_stream(&embedder, "DEAD_LETTERS", 2).await;
    assert_eq!(dead.len(), 2);
    let reasons: Vec<String> = dead
        .iter()
        .map(|m| {
            m.headers
                .as_ref()
                .and_then(|h| h.get("Dead-Letter-Reason"))
                .map(|v| v.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("not a FaceCapture")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("unsupported_image")),
        "{reasons:?}"
    );
    for message in &dead {
        assert_eq!(
            message.subject.as_str(),
            embedder.subject("deadletter.v1.faces.v1.door")
        );
    }

    cleanup(&namespace).await;
}
