//! Detections in, day records, review items, events and dead letters out.

use std::time::Duration;

use faceattend_attendance_store::ReviewState;
use faceattend_domain::attendance::AttendanceStatus;
use faceattend_proto::attendance::v1 as events;
use prost::Message;
use uuid::Uuid;

use crate::helpers::{Backend, at, detection, eventually, spawn_app, workday};

crate::on_both_backends!(
    a_confident_detection_checks_the_person_in,
    detections_out_of_order_give_the_same_day,
    a_redelivered_detection_is_recorded_and_published_once,
    morning_and_evening_detections_check_in_and_out,
    a_low_confidence_detection_goes_to_review,
    a_garbage_payload_is_dead_lettered_and_others_still_processed,
    later_captures_of_an_appearance_improve_the_evidence_and_never_check_in_twice,
    a_clearer_capture_that_names_someone_else_withdraws_the_early_mark,
);

async fn a_confident_detection_checks_the_person_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = Uuid::new_v4();
    let seen = detection(person, at(workday(), 8, 55), 0.92);
    app.publish_detection(&seen).await;

    let record = eventually("a day record", || app.day_record(person, workday())).await;
    let check_in = record.check_in.expect("checked in");
    assert_eq!(check_in.detection_id.to_string(), seen.detection_id);
    assert_eq!(check_in.at, at(workday(), 8, 55));
    assert_eq!(check_in.camera_id, "gate");
    assert!(record.check_out.is_none());
    assert_eq!(record.status, AttendanceStatus::Present);

    let events = eventually("a checked_in event", || async {
        let events = app.attendance_events("checked_in").await;
        (!events.is_empty()).then_some(events)
    })
    .await;
    let event = events::CheckedIn::decode(events[0].payload.as_ref()).expect("a CheckedIn");
    let subject = event.subject.expect("subject");
    assert_eq!(subject.person_id, person.to_string());
    assert_eq!(subject.attendance_date, "2026-03-10");
    assert_eq!(
        events[0].headers.get("Nats-Msg-Id").map(|v| v.to_string()),
        Some(event.event_id)
    );
}

async fn a_redelivered_detection_is_recorded_and_published_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = Uuid::new_v4();
    let seen = detection(person, at(workday(), 9, 0), 0.9);
    // Two messages with different Nats-Msg-Ids: JetStream keeps both, the worker sees the
    // same detection twice.
    app.publish_detection(&seen).await;
    app.publish_detection(&seen).await;
    app.wait_detections("attended", 2).await;

    eventually("a checked_in event", || async {
        (!app.attendance_events("checked_in").await.is_empty()).then_some(())
    })
    .await;
    // Give a second (wrong) event time to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.attendance_events("checked_in").await.len(), 1);
    assert_eq!(app.attendance_events("status_changed").await.len(), 1);

    use faceattend_attendance_store::entities::{attendance, detection as stored};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let records = attendance::Entity::find()
        .filter(attendance::Column::PersonId.eq(person))
        .count(app.store.connection())
        .await
        .expect("count records");
    assert_eq!(records, 1);
    let detections = stored::Entity::find()
        .filter(stored::Column::PersonId.eq(person))
        .count(app.store.connection())
        .await
        .expect("count detections");
    assert_eq!(detections, 1);
}

async fn morning_and_evening_detections_check_in_and_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = Uuid::new_v4();
    app.publish_detection(&detection(person, at(workday(), 8, 30), 0.9))
        .await;
    // In order: the check-out event then carries the worked time.
    eventually("a check-in", || async {
        app.day_record(person, workday())
            .await
            .filter(|r| r.check_in.is_some())
    })
    .await;
    app.publish_detection(&detection(person, at(workday(), 17, 45), 0.88))
        .await;

    let record = eventually("a check-out", || async {
        app.day_record(person, workday())
            .await
            .filter(|r| r.check_out.is_some())
    })
    .await;
    assert_eq!(
        record.check_in.expect("checked in").at,
        at(workday(), 8, 30)
    );
    assert_eq!(
        record.check_out.expect("checked out").at,
        at(workday(), 17, 45)
    );
    assert_eq!(record.worked_minutes, Some(9 * 60 + 15));

    let events = eventually("a checked_out event", || async {
        let events = app.attendance_events("checked_out").await;
        (!events.is_empty()).then_some(events)
    })
    .await;
    let event = events::CheckedOut::decode(events[0].payload.as_ref()).expect("a CheckedOut");
    assert_eq!(event.duration_minutes, Some(9 * 60 + 15));
}

async fn a_low_confidence_detection_goes_to_review(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = Uuid::new_v4();
    let seen = detection(person, at(workday(), 9, 5), 0.65);
    app.publish_detection(&seen).await;

    let items = eventually("a review item", || async {
        let items = app
            .store
            .review_items(person, workday())
            .await
            .expect("review items");
        (!items.is_empty()).then_some(items)
    })
    .await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].detection_id.to_string(), seen.detection_id);
    assert_eq!(items[0].state, ReviewState::Pending);
    let record = app.day_record(person, workday()).await;
    assert!(
        record.as_ref().is_none_or(|r| r.check_in.is_none()),
        "{record:?}"
    );

    let events = eventually("a review_required event", || async {
        let events = app.attendance_events("review_required").await;
        (!events.is_empty()).then_some(events)
    })
    .await;
    let event =
        events::ReviewRequired::decode(events[0].payload.as_ref()).expect("a ReviewRequired");
    assert_eq!(event.detection_id, seen.detection_id);
    assert_eq!(event.review_item_id, items[0].id.to_string());
    assert!(app.attendance_events("checked_in").await.is_empty());
}

async fn a_garbage_payload_is_dead_lettered_and_others_still_processed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish("detections.v1.gate", b"\xff\x00 not a protobuf".to_vec())
        .await;
    let person = Uuid::new_v4();
    app.publish_detection(&detection(person, at(workday(), 8, 0), 0.95))
        .await;

    let letters = eventually("a dead letter", || async {
        let letters = app.stream_messages("DEAD_LETTERS").await;
        (!letters.is_empty()).then_some(letters)
    })
    .await;
    assert_eq!(letters.len(), 1);
    assert_eq!(
        letters[0].subject.as_str(),
        app.subject("deadletter.v1.detections.v1.gate")
    );
    let reason = letters[0]
        .headers
        .get("Dead-Letter-Reason")
        .map(|v| v.to_string())
        .unwrap_or_default();
    assert!(reason.contains("not a Detection"), "{reason}");
    assert_eq!(letters[0].payload.as_ref(), b"\xff\x00 not a protobuf");

    let record = eventually("a day record", || app.day_record(person, workday())).await;
    assert!(record.check_in.is_some());
    app.wait_detections("dead_lettered", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_are_served_and_shutdown_is_clean() {
    let mut app = spawn_app(Backend::Sqlite).await;
    let health = reqwest::get(format!("http://127.0.0.1:{}/healthz", app.port))
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let person = Uuid::new_v4();
    app.publish_detection(&detection(person, at(workday(), 8, 0), 0.95))
        .await;
    app.wait_detections("attended", 1).await;
    assert!(
        app.metrics()
            .await
            .contains("attendance_events_enqueued_total")
    );
    assert!(app.stop().await, "stopped cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_stream_loses_and_doubles_nothing() {
    let mut app = spawn_app(Backend::Postgres).await;
    let people: Vec<Uuid> = (0..20).map(|_| Uuid::new_v4()).collect();
    for person in &people {
        app.publish_detection(&detection(*person, at(workday(), 8, 15), 0.9))
            .await;
    }
    assert!(app.restart().await, "stopped cleanly");
    // The same detections again, as a replay after the restart.
    for person in &people {
        let mut again = detection(*person, at(workday(), 8, 15), 0.9);
        again.detection_id = uuid_for(*person).to_string();
        app.publish_detection(&again).await;
        app.publish_detection(&again).await;
    }
    for person in &people {
        eventually("every day record", || async {
            app.day_record(*person, workday())
                .await
                .filter(|r| r.check_in.is_some())
        })
        .await;
    }
    eventually("one checked_in event per person", || async {
        (app.attendance_events("checked_in").await.len() >= people.len()).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.attendance_events("checked_in").await.len(),
        people.len()
    );
}

/// A detection id of its own per person, the same on every call.
fn uuid_for(person: Uuid) -> Uuid {
    Uuid::new_v5(&person, b"replayed")
}

async fn detections_out_of_order_give_the_same_day(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = Uuid::new_v4();
    // Evening first, then morning, published back to back (possibly processed at once).
    app.publish_detection(&detection(person, at(workday(), 18, 0), 0.9))
        .await;
    app.publish_detection(&detection(person, at(workday(), 8, 0), 0.9))
        .await;
    let record = eventually("a complete day", || async {
        app.day_record(person, workday())
            .await
            .filter(|r| r.check_in.is_some() && r.check_out.is_some())
    })
    .await;
    assert_eq!(record.check_in.expect("checked in").at, at(workday(), 8, 0));
    assert_eq!(
        record.check_out.expect("checked out").at,
        at(workday(), 18, 0)
    );
    assert_eq!(record.worked_minutes, Some(10 * 60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_failure_is_retried_with_backoff() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(Backend::Postgres).await;
    let db = app.store.connection();
    // The worker's insert fails while the table is away: a database error, so a retry.
    db.execute_unprepared("ALTER TABLE detections RENAME TO detections_away")
        .await
        .expect("rename the table");
    let person = Uuid::new_v4();
    app.publish_detection(&detection(person, at(workday(), 8, 20), 0.9))
        .await;
    app.wait_detections("retried", 1).await;
    db.execute_unprepared("ALTER TABLE detections_away RENAME TO detections")
        .await
        .expect("restore the table");
    // The next delivery (after the 1 s backoff of the tests) succeeds.
    let record = eventually("a day record", || app.day_record(person, workday())).await;
    assert!(record.check_in.is_some());
    assert!(app.stream_messages("DEAD_LETTERS").await.is_empty());
}

/// The worker's real binary, killed (SIGKILL: no shutdown, no last acks) in the middle of a
/// stream and started again: every detection is stored once, every person checked in once,
/// every event published once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_loses_and_doubles_nothing() {
    use faceattend_attendance_store::entities::{attendance, detection as stored};
    use sea_orm::{EntityTrait, PaginatorTrait};

    let mut app = crate::helpers::spawn_app(Backend::Postgres).await;
    // The TestApp's in-process worker gives the database and streams; it then stops.
    app.stop_in_process().await;
    let (database_url, namespace) = (app.database_url(), app.namespace.clone());
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_attendance-worker"))
            .env("DATABASE_URL", &database_url)
            .env("NATS_URL", crate::helpers::test_nats_url())
            .env("BUS_NAMESPACE", &namespace)
            .env("DETECTIONS_CONSUMER", "killed-worker")
            .env("PERSONS_CONSUMER", "killed-worker")
            .env("BIND_ADDRESS", "127.0.0.1:0")
            .env("ACK_WAIT_SECS", "2")
            .env("DETECTIONS_BATCH", "16")
            .env("LOG_FORMAT", "pretty")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the worker binary starts")
    };
    let mut first = spawn();
    let people: Vec<Uuid> = (0..1000).map(|_| Uuid::new_v4()).collect();
    for person in &people {
        app.publish_detection(&detection(*person, at(workday(), 8, 45), 0.9))
            .await;
    }
    let db = app.store.connection();
    eventually("the first worker under way", || async {
        let stored = stored::Entity::find().count(db).await.ok()?;
        (stored >= 20).then_some(())
    })
    .await;
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    let mut second = spawn();
    eventually("every person checked in", || async {
        let days = attendance::Entity::find().count(db).await.ok()?;
        (days == people.len() as u64).then_some(())
    })
    .await;
    eventually("one checked_in event per person", || async {
        (app.attendance_events("checked_in").await.len() >= people.len()).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    second.kill().expect("stop the second worker");
    second.wait().expect("reaped");
    assert_eq!(
        stored::Entity::find().count(db).await.expect("count"),
        people.len() as u64
    );
    assert_eq!(
        app.attendance_events("checked_in").await.len(),
        people.len(),
        "no event lost or doubled"
    );
}

/// A capture of track `track` at `seconds` past 08:00, of `person` (or nobody), with its face's quality.
fn capture(
    track: &str,
    seconds: i64,
    person: Option<Uuid>,
    quality: f32,
    confidence: f32,
) -> faceattend_proto::faces::v1::Detection {
    use faceattend_proto::faces::v1 as wire;
    let mut d = detection(
        person.unwrap_or_else(Uuid::new_v4),
        at(workday(), 8, 0) + chrono::Duration::seconds(seconds),
        confidence,
    );
    if person.is_none() {
        d.decision = wire::Decision::Unknown as i32;
        d.person_id = None;
    }
    d.track_id = track.to_owned();
    d.quality = Some(wire::Quality {
        score: quality,
        issues: Vec::new(),
    });
    d
}

async fn later_captures_of_an_appearance_improve_the_evidence_and_never_check_in_twice(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let person = Uuid::new_v4();
    let track = Uuid::now_v7().to_string();
    // The camera's first capture, at once; then two clearly better ones of the same track.
    let first = capture(&track, 0, Some(person), 0.55, 0.74);
    app.publish_detection(&first).await;
    let record = eventually("the first capture's check-in", || {
        app.day_record(person, workday())
    })
    .await;
    assert_eq!(
        record
            .check_in
            .expect("checked in")
            .detection_id
            .to_string(),
        first.detection_id
    );
    let best = capture(&track, 1, Some(person), 0.9, 0.95);
    app.publish_detection(&best).await;
    app.publish_detection(&capture(&track, 2, Some(person), 0.8, 0.9))
        .await;
    app.wait_detections("attended", 3).await;

    let record = app.day_record(person, workday()).await.expect("a day");
    let check_in = record.check_in.expect("checked in");
    assert_eq!(
        check_in.at,
        at(workday(), 8, 0),
        "the first capture's time stays"
    );
    assert_eq!(
        check_in.detection_id.to_string(),
        best.detection_id,
        "the best is the evidence"
    );
    assert!((check_in.confidence.value() - 0.95).abs() < 1e-6);
    assert!(
        record.check_out.is_none(),
        "one appearance is never a check-in and a check-out"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.attendance_events("checked_in").await.len(),
        1,
        "published once"
    );
}

async fn a_clearer_capture_that_names_someone_else_withdraws_the_early_mark(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let track = Uuid::now_v7().to_string();
    // A blurry first capture matched Ada; the sharp ones of the same face are Bob.
    app.publish_detection(&capture(&track, 0, Some(ada), 0.5, 0.75))
        .await;
    eventually("Ada's early mark", || app.day_record(ada, workday())).await;
    app.publish_detection(&capture(&track, 1, Some(bob), 0.92, 0.93))
        .await;
    let bob_day = eventually("Bob's check-in", || app.day_record(bob, workday())).await;
    assert_eq!(
        bob_day.check_in.expect("checked in").at,
        at(workday(), 8, 0) + chrono::Duration::seconds(1)
    );
    eventually("Ada's mark withdrawn", || async {
        app.day_record(ada, workday())
            .await
            .is_none_or(|r| r.check_in.is_none())
            .then_some(())
    })
    .await;

    // An unknown clearer face withdraws a mark too, and marks nobody.
    let carol = Uuid::new_v4();
    let other_track = Uuid::now_v7().to_string();
    app.publish_detection(&capture(&other_track, 10, Some(carol), 0.5, 0.8))
        .await;
    eventually("Carol's early mark", || app.day_record(carol, workday())).await;
    app.publish_detection(&capture(&other_track, 11, None, 0.95, 0.2))
        .await;
    eventually("Carol's mark withdrawn", || async {
        app.day_record(carol, workday())
            .await
            .is_none_or(|r| r.check_in.is_none())
            .then_some(())
    })
    .await;
}
