//! Who hears what: a person, a department, a camera or everyone; the confidence floor;
//! switching subscription on an open session; replicas that each follow the stream.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Event, spawn_app};

const QUIET: Duration = Duration::from_millis(700);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_subscription_hears_only_its_events() {
    let app = spawn_app().await;
    let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let mut by_person = app.connect(&format!("person_id={ada}")).await;
    let mut by_department = app.connect("department=Sales").await;
    let mut by_camera = app.connect("camera_id=back-door").await;
    let mut everyone = app.connect("").await;
    for client in [
        &mut by_person,
        &mut by_department,
        &mut by_camera,
        &mut everyone,
    ] {
        client.expect("connection_established").await;
    }
    by_person.expect("initial_status").await;

    // Bob, of Sales, at the back door: not Ada.
    let bob_seq = app
        .checked_in(
            &Event::of(bob).in_department("Sales"),
            Utc::now(),
            Some(0.9),
            "back-door",
        )
        .await;
    // Ada, of Engineering, at the front gate.
    let ada_seq = app
        .checked_in(&Event::of(ada), Utc::now(), Some(0.9), "front")
        .await;

    assert_eq!(
        by_department.expect("attendance_event").await["seq"],
        bob_seq
    );
    assert_eq!(by_camera.expect("attendance_event").await["seq"], bob_seq);
    assert_eq!(everyone.expect("attendance_event").await["seq"], bob_seq);
    everyone.expect("person_status_update").await;
    assert_eq!(everyone.expect("attendance_event").await["seq"], ada_seq);
    assert_eq!(by_person.expect("attendance_event").await["seq"], ada_seq);

    // The department and camera clients never hear of Ada.
    by_department.expect("person_status_update").await;
    by_department.expect_silence(QUIET).await;
    by_camera.expect("person_status_update").await;
    by_camera.expect_silence(QUIET).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_confidence_floor_holds_back_weak_events_but_not_status() {
    let app = spawn_app().await;
    let person = Uuid::new_v4();
    let mut client = app
        .connect(&format!("person_id={person}&min_confidence=0.8"))
        .await;
    client.expect("connection_established").await;
    client.expect("initial_status").await;
    let event = Event::of(person);
    app.checked_in(&event, Utc::now(), Some(0.75), "gate").await;
    // The check-in is below the floor: only the status arrives.
    let update = client.next_json().await;
    assert_eq!(update["type"], "person_status_update", "{update}");
    app.review_required(&event, 0.65, "gate").await;
    app.checked_out(&event, Utc::now(), Utc::now(), Some(0.85), "gate")
        .await;
    let checked_out = client.next_json().await;
    assert_eq!(checked_out["type"], "attendance_event", "{checked_out}");
    assert_eq!(checked_out["action"], "check_out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_switches_on_an_open_session() {
    let app = spawn_app().await;
    let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
    app.checked_in(&Event::of(bob).named("Bob"), Utc::now(), Some(0.9), "gate")
        .await;
    let mut client = app.connect(&format!("person_id={ada}")).await;
    client.expect("connection_established").await;
    client.expect("initial_status").await;
    // The check-in of Bob above went by before this session: nothing for Ada.
    client.expect_silence(QUIET).await;

    client
        .send_json(json!({"type": "subscribe", "person_id": bob, "min_confidence": 0.6}))
        .await;
    let subscribed = client.expect("subscribed").await;
    assert_eq!(subscribed["subscribed_to"], bob.to_string());
    let initial = client.expect("initial_status").await;
    assert_eq!(initial["person_id"], bob.to_string());
    assert_eq!(initial["checked_in"], true);
    assert_eq!(initial["person_name"], "Bob");

    app.checked_in(&Event::of(ada), Utc::now(), Some(0.9), "gate")
        .await;
    let bob_seq = app
        .checked_out(&Event::of(bob), Utc::now(), Utc::now(), Some(0.9), "gate")
        .await;
    let event = client.expect("attendance_event").await;
    assert_eq!(
        event["seq"], bob_seq,
        "Ada's check-in is not Bob's: {event}"
    );
    client.expect("person_status_update").await;

    // To everyone, then by department.
    client.send_json(json!({"type": "subscribe"})).await;
    assert_eq!(
        client.expect("subscribed").await["subscription"]["kind"],
        "all"
    );
    let ada_seq = app
        .checked_in(&Event::of(ada), Utc::now(), Some(0.9), "gate")
        .await;
    assert_eq!(client.expect("attendance_event").await["seq"], ada_seq);
    client.expect("person_status_update").await;
    client
        .send_json(json!({"type": "subscribe", "department": "Sales"}))
        .await;
    let subscribed = client.expect("subscribed").await;
    assert_eq!(
        subscribed["subscription"],
        json!({"kind": "department", "value": "Sales"})
    );
    app.checked_in(&Event::of(ada), Utc::now(), Some(0.9), "gate")
        .await;
    client.expect_silence(QUIET).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsubscribe_closes_the_session_normally() {
    let app = spawn_app().await;
    let mut client = app.connect("").await;
    client.expect("connection_established").await;
    client.send_json(json!({"type": "unsubscribe"})).await;
    let frame = client.expect_close().await;
    assert_eq!(u16::from(frame.code), 1000);
    assert_eq!(frame.reason.as_str(), "unsubscribed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_replica_delivers_every_event() {
    let app = spawn_app().await;
    let (replica_port, replica_stop) = app.replica().await;
    let mut first = app.connect("").await;
    let mut other = crate::helpers::TestApp::connect_to(replica_port, "").await;
    first.expect("connection_established").await;
    other.expect("connection_established").await;
    let seqs = [
        app.checked_in(&Event::of(Uuid::new_v4()), Utc::now(), Some(0.9), "gate")
            .await,
        app.checked_in(&Event::of(Uuid::new_v4()), Utc::now(), Some(0.9), "gate")
            .await,
    ];
    for client in [&mut first, &mut other] {
        for seq in seqs {
            assert_eq!(client.expect("attendance_event").await["seq"], seq);
            client.expect("person_status_update").await;
        }
    }
    replica_stop.cancel();
}
