//! Every message type of the spec, field by field, and the client messages that keep a
//! session going.

use std::time::Duration;

use chrono::Utc;
use faceattend_proto::attendance::v1 as wire;
use futures::SinkExt as _;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Event, spawn_app, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_subscription_gets_the_spec_messages() {
    let app = spawn_app().await;
    let person = Uuid::new_v4();
    let mut client = app
        .connect(&format!("person_id={person}&min_confidence=0.7"))
        .await;

    let established = client.expect("connection_established").await;
    assert_eq!(established["client_id"], "client123");
    assert_eq!(established["subscribed_to"], person.to_string());
    assert!((established["min_confidence"].as_f64().unwrap() - 0.7).abs() < 1e-6);
    assert!(established["timestamp"].as_str().unwrap().ends_with('Z'));

    let initial = client.expect("initial_status").await;
    assert_eq!(initial["person_id"], person.to_string());
    assert_eq!(initial["checked_in"], false);
    assert!(initial["check_in_time"].is_null());
    assert!(initial["current_duration_minutes"].is_null());

    let event = Event::of(person);
    let nine = Utc::now() - chrono::Duration::minutes(30);
    let seq = app.checked_in(&event, nine, Some(0.95), "gate").await;
    let checked_in = client.expect("attendance_event").await;
    assert_eq!(checked_in["seq"], seq);
    assert_eq!(checked_in["action"], "check_in");
    assert_eq!(checked_in["person_id"], person.to_string());
    assert_eq!(checked_in["person_name"], "John Doe");
    assert!((checked_in["confidence"].as_f64().unwrap() - 0.95).abs() < 1e-6);
    assert_eq!(checked_in["check_in_time"], checked_in["timestamp"]);
    assert!(checked_in["duration_minutes"].is_null());
    assert!(checked_in["attendance_id"].is_string());
    assert!(checked_in["event_timestamp"].is_string());
    assert_eq!(checked_in["camera_id"], "gate");
    assert_eq!(checked_in["department"], "Engineering");
    let update = client.expect("person_status_update").await;
    assert_eq!(update["seq"], seq);
    assert_eq!(update["checked_in"], true);
    assert_eq!(update["check_in_time"], checked_in["check_in_time"]);
    assert_eq!(update["current_duration_minutes"], 30);

    let five = Utc::now();
    app.checked_out(&event, nine, five, Some(0.9), "gate").await;
    let checked_out = client.expect("attendance_event").await;
    assert_eq!(checked_out["action"], "check_out");
    assert_eq!(checked_out["duration_minutes"], 30);
    assert_eq!(checked_out["check_in_time"], checked_in["check_in_time"]);
    let update = client.expect("person_status_update").await;
    assert_eq!(update["checked_in"], false);
    assert_eq!(update["current_duration_minutes"], 30);

    // A status change (a correction) is a status update only; the status is named.
    app.status_changed(&event, wire::AttendanceStatus::Late)
        .await;
    let update = client.expect("person_status_update").await;
    assert_eq!(update["status"], "late");
    assert_eq!(update["checked_in"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_and_manual_entries_are_attendance_events() {
    let app = spawn_app().await;
    let person = Uuid::new_v4();
    let mut client = app.connect(&format!("person_id={person}")).await;
    client.expect("connection_established").await;
    client.expect("initial_status").await;

    let event = Event::of(person);
    app.review_required(&event, 0.62, "lobby").await;
    let review = client.expect("attendance_event").await;
    assert_eq!(review["action"], "review_required");
    assert_eq!(review["reason"], "low_confidence");
    assert_eq!(review["camera_id"], "lobby");
    assert!(review["review_item_id"].is_string());

    app.checked_in(&event, Utc::now(), None, "").await;
    let manual = client.expect("attendance_event").await;
    assert_eq!(manual["action"], "check_in");
    assert_eq!(manual["source"], "manual");
    assert!(manual["confidence"].is_null());
    client.expect("person_status_update").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_status_reflects_the_stream_after_a_restart() {
    let mut app = spawn_app().await;
    let person = Uuid::new_v4();
    let at = Utc::now() - chrono::Duration::minutes(90);
    app.checked_in(&Event::of(person).named("Ada"), at, Some(0.9), "gate")
        .await;
    // A new gateway knows only what it replays from the stream.
    app.restart().await;
    let mut client = app.connect(&format!("person_id={person}")).await;
    client.expect("connection_established").await;
    let initial = client.expect("initial_status").await;
    assert_eq!(initial["checked_in"], true);
    assert_eq!(initial["person_name"], "Ada");
    assert_eq!(initial["current_duration_minutes"], 90);
    assert_eq!(initial["status"], "present");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_on_the_interval_and_pongs_on_request() {
    let app = spawn_app_with(|s| s.ping_interval = Duration::from_millis(200)).await;
    let mut client = app.connect("").await;
    let established = client.expect("connection_established").await;
    assert!(established["subscribed_to"].is_null());
    assert_eq!(established["subscription"]["kind"], "all");
    let ping = client.expect("ping").await;
    assert!(ping["timestamp"].is_string());
    client.send_json(json!({"type": "pong"})).await;
    client.send_json(json!({"type": "ping"})).await;
    loop {
        let message = client.next_json().await;
        if message["type"] == "pong" {
            break;
        }
        assert_eq!(message["type"], "ping", "{message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_get_errors_and_the_session_goes_on() {
    let app = spawn_app().await;
    let person = Uuid::new_v4();
    let mut client = app.connect(&format!("person_id={person}")).await;
    client.expect("connection_established").await;
    client.expect("initial_status").await;

    for (text, code) in [
        ("not json", "invalid_message"),
        (r#"{"type":"dance"}"#, "invalid_message"),
        (
            r#"{"type":"subscribe","person_id":"nobody"}"#,
            "invalid_person_id",
        ),
        (
            r#"{"type":"subscribe","min_confidence":2}"#,
            "invalid_min_confidence",
        ),
        (
            r#"{"type":"subscribe","department":"a","camera_id":"b"}"#,
            "ambiguous_subscription",
        ),
    ] {
        client.send_text(text).await;
        let error = client.expect("error").await;
        assert_eq!(error["code"], code, "{text}: {error}");
        assert!(error["message"].is_string());
    }
    client
        .ws
        .send(tokio_tungstenite::tungstenite::Message::Binary(
            vec![1, 2, 3].into(),
        ))
        .await
        .expect("send binary");
    assert_eq!(client.expect("error").await["code"], "invalid_message");

    // Still subscribed to the same person.
    app.checked_in(&Event::of(person), Utc::now(), Some(0.9), "gate")
        .await;
    client.expect("attendance_event").await;
}
