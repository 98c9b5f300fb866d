//! Stored detections: idempotent by id, read back as the day's sightings.

use chrono::Duration;
use faceattend_domain::attendance::CameraRole;
use uuid::Uuid;

use crate::helpers::{Backend, TestDb, at, detection};
use crate::on_both_backends;

on_both_backends!(
    a_duplicate_detection_is_a_no_op,
    sightings_are_the_persons_detections_in_the_range_in_time_order
);

async fn a_duplicate_detection_is_a_no_op(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    let first = detection(person, at(8, 0, 0), 0.9);
    assert!(
        db.store
            .insert_detection(&first)
            .await
            .expect("first insert")
    );
    assert!(
        !db.store
            .insert_detection(&first)
            .await
            .expect("second insert")
    );
    // A redelivery that disagrees (it should not) changes nothing either: the first wins.
    let mut altered = first.clone();
    altered.captured_at = at(9, 0, 0);
    assert!(
        !db.store
            .insert_detection(&altered)
            .await
            .expect("third insert")
    );
    let sightings = db
        .store
        .sightings_for_day(person, at(0, 0, 0), at(23, 59, 59))
        .await
        .expect("sightings");
    assert_eq!(sightings.len(), 1);
    assert_eq!(sightings[0].at, at(8, 0, 0));
}

async fn sightings_are_the_persons_detections_in_the_range_in_time_order(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    // Sub-microsecond digits are not stored: the sighting read back is the truncated time.
    let late = detection(
        person,
        at(17, 30, 0) + Duration::nanoseconds(1_234_567),
        0.8,
    );
    let mut early = detection(person, at(8, 5, 0), 0.95);
    early.camera_role = CameraRole::Entry;
    early.camera_id = "gate".to_owned();
    let before = detection(person, at(0, 0, 0) - Duration::seconds(1), 0.9);
    let end = detection(person, at(0, 0, 0) + Duration::days(1), 0.9);
    let someone_else = detection(Uuid::now_v7(), at(9, 0, 0), 0.9);
    let mut unknown = detection(person, at(10, 0, 0), 0.1);
    unknown.person_id = None;
    for d in [&late, &early, &before, &end, &someone_else, &unknown] {
        assert!(db.store.insert_detection(d).await.expect("insert"));
    }

    let sightings = db
        .store
        .sightings_for_day(person, at(0, 0, 0), at(0, 0, 0) + Duration::days(1))
        .await
        .expect("sightings");

    let ids: Vec<Uuid> = sightings.iter().map(|s| s.detection_id).collect();
    assert_eq!(ids, vec![early.id, late.id]);
    assert_eq!(sightings[0].role, CameraRole::Entry);
    assert_eq!(sightings[0].camera_id, "gate");
    assert_eq!(sightings[0].person_id, person);
    assert_eq!(sightings[0].confidence.value(), 0.95);
    assert_eq!(sightings[1].role, CameraRole::Both);
    assert_eq!(
        sightings[1].at,
        at(17, 30, 0) + Duration::microseconds(1_234)
    );
    assert_eq!(sightings[1].confidence.value(), 0.8);
}
