//! The free functions compose into one transaction of the caller's: the worker's decision,
//! its evidence, its review items, its audit entry and its outbox event commit together, or
//! not at all.

use faceattend_attendance_store::{AuditEntry, audit, days, detections, review};
use faceattend_domain::attendance::{
    AttendancePolicy, Confidence, DayKey, DaysOff, ReviewItem, ReviewReason, SiteZone, decide_day,
};
use faceattend_outbox::OutboxMessage;
use uuid::Uuid;

use crate::helpers::{Backend, TestDb, at, day, detection};
use crate::on_both_backends;

on_both_backends!(
    a_decision_commits_whole,
    a_rolled_back_decision_leaves_nothing
);

/// Writes a detection, the day it decides, a review item, an audit entry and an outbox event
/// in `txn`.
async fn write_decision(txn: &sea_orm::DatabaseTransaction, person: Uuid) {
    let seen = detection(person, at(8, 0, 0), 0.9);
    assert!(detections::insert(txn, &seen).await.expect("detection"));
    let policy = AttendancePolicy::new(SiteZone::default());
    let (from, to) = policy.day_bounds(day());
    let sightings = detections::sightings(txn, person, from, to)
        .await
        .expect("sightings see the transaction's own insert");
    assert_eq!(sightings.len(), 1);
    let key = DayKey {
        person_id: person,
        date: day(),
    };
    let record = decide_day(key, &sightings, &policy, &DaysOff::default())
        .record
        .expect("a record");
    assert_eq!(days::upsert(txn, &record).await.expect("upsert"), None);
    let item = ReviewItem {
        detection_id: Uuid::now_v7(),
        at: at(13, 0, 0),
        confidence: Confidence::new(0.65).expect("valid"),
        camera_id: "lobby".to_owned(),
        reason: ReviewReason::LowConfidence,
    };
    review::replace(txn, person, day(), &[item])
        .await
        .expect("review items");
    audit::record(
        txn,
        &AuditEntry {
            actor: "worker".to_owned(),
            action: "decide".to_owned(),
            entity: "attendance".to_owned(),
            entity_id: person.to_string(),
            at: at(8, 0, 1),
            before: None,
            after: Some(serde_json::json!({"status": record.status.as_str()})),
        },
    )
    .await
    .expect("audit");
    faceattend_outbox::enqueue(
        txn,
        OutboxMessage {
            id: Uuid::now_v7(),
            subject: "attendance.v1.checked_in".to_owned(),
            content_type: "application/json".to_owned(),
            headers: Vec::new(),
            payload: b"{}".to_vec(),
        },
    )
    .await
    .expect("outbox");
}

async fn a_decision_commits_whole(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    let txn = db.store.begin_write().await.expect("begin");
    write_decision(&txn, person).await;
    txn.commit().await.expect("commit");

    assert!(
        db.store
            .day_record(person, day())
            .await
            .expect("read")
            .is_some()
    );
    assert_eq!(
        db.store
            .review_items(person, day())
            .await
            .expect("read")
            .len(),
        1
    );
    assert_eq!(
        faceattend_outbox::pending_count(db.store.connection())
            .await
            .expect("count"),
        1
    );
}

async fn a_rolled_back_decision_leaves_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    let txn = db.store.begin_write().await.expect("begin");
    write_decision(&txn, person).await;
    txn.rollback().await.expect("rollback");

    let sightings = db
        .store
        .sightings_for_day(person, at(0, 0, 0), at(23, 59, 59))
        .await
        .expect("read");
    assert!(sightings.is_empty());
    assert_eq!(
        db.store.day_record(person, day()).await.expect("read"),
        None
    );
    assert!(
        db.store
            .review_items(person, day())
            .await
            .expect("read")
            .is_empty()
    );
    assert_eq!(
        faceattend_outbox::pending_count(db.store.connection())
            .await
            .expect("count"),
        0
    );
}
