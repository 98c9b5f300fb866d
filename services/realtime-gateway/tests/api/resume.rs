//! A client that reconnects with the last sequence it saw receives what it missed, in order,
//! once, then the live events (the spec's "WebSocket connection drops", solved server-side).

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Event, spawn_app, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_with_last_seq_replays_what_was_missed() {
    reconnect_and_resume(spawn_app().await).await;
}

/// The same with no events kept in memory: every resume is a JetStream replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_beyond_the_kept_events_replay_from_jetstream() {
    reconnect_and_resume(spawn_app_with(|s| s.resume_buffer = 0).await).await;
}

async fn reconnect_and_resume(app: crate::helpers::TestApp) {
    let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let mut client = app.connect(&format!("person_id={ada}")).await;
    client.expect("connection_established").await;
    client.expect("initial_status").await;
    let first = app
        .checked_in(&Event::of(ada), Utc::now(), Some(0.9), "gate")
        .await;
    assert_eq!(client.expect("attendance_event").await["seq"], first);
    client.expect("person_status_update").await;
    drop(client);

    // Missed while away: two of Ada's events and one of Bob's.
    let missed_in = app.review_required(&Event::of(ada), 0.62, "gate").await;
    app.checked_in(&Event::of(bob), Utc::now(), Some(0.9), "gate")
        .await;
    let missed_out = app
        .checked_out(&Event::of(ada), Utc::now(), Utc::now(), Some(0.9), "gate")
        .await;

    let mut client = app
        .connect(&format!("person_id={ada}&last_seq={first}"))
        .await;
    client.expect("connection_established").await;
    client.expect("initial_status").await;
    let replayed = client.expect("attendance_event").await;
    assert_eq!(replayed["seq"], missed_in);
    assert_eq!(replayed["action"], "review_required");
    let replayed = client.expect("attendance_event").await;
    assert_eq!(replayed["seq"], missed_out);
    assert_eq!(replayed["action"], "check_out");
    client.expect("person_status_update").await;

    // Then live, each event once.
    let live = app
        .checked_in(&Event::of(ada), Utc::now(), Some(0.9), "gate")
        .await;
    assert_eq!(client.expect("attendance_event").await["seq"], live);
    client.expect("person_status_update").await;
    client.expect_silence(Duration::from_millis(500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_with_last_seq_replays_for_the_new_subscription() {
    let app = spawn_app().await;
    let person = Uuid::new_v4();
    let seqs = [
        app.checked_in(
            &Event::of(person).in_department("Sales"),
            Utc::now(),
            Some(0.9),
            "gate",
        )
        .await,
        app.checked_in(
            &Event::of(Uuid::new_v4()).in_department("HR"),
            Utc::now(),
            Some(0.9),
            "gate",
        )
        .await,
    ];
    let mut client = app.connect(&format!("person_id={}", Uuid::new_v4())).await;
    client.expect("connection_established").await;
    client.expect("initial_status").await;
    client
        .send_json(json!({"type": "subscribe", "department": "Sales", "last_seq": 0}))
        .await;
    client.expect("subscribed").await;
    let replayed = client.expect("attendance_event").await;
    assert_eq!(replayed["seq"], seqs[0]);
    assert_eq!(replayed["department"], "Sales");
    client.expect("person_status_update").await;
    client.expect_silence(Duration::from_millis(500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_beyond_the_limit_says_so_and_sends_the_latest() {
    resume_beyond_the_limit(spawn_app_with(|s| s.resume_limit = 2).await).await;
    resume_beyond_the_limit(
        spawn_app_with(|s| {
            s.resume_limit = 2;
            s.resume_buffer = 0;
        })
        .await,
    )
    .await;
}

async fn resume_beyond_the_limit(app: crate::helpers::TestApp) {
    let person = Uuid::new_v4();
    let mut seqs = Vec::new();
    for _ in 0..4 {
        seqs.push(app.review_required(&Event::of(person), 0.6, "gate").await);
    }
    // Once the gateway has read them all (what it has not read yet would reach the client
    // live rather than replayed).
    app.wait_relayed(4).await;
    let mut client = app.connect("last_seq=0").await;
    client.expect("connection_established").await;
    let error = client.expect("error").await;
    assert_eq!(error["code"], "resume_incomplete");
    assert!(
        error["message"].as_str().unwrap().starts_with("2 events"),
        "{error}"
    );
    assert_eq!(client.expect("attendance_event").await["seq"], seqs[2]);
    assert_eq!(client.expect("attendance_event").await["seq"], seqs[3]);
}
