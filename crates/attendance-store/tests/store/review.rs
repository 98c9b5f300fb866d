//! The review queue: a recomputed day replaces its pending items and keeps decided ones.

use faceattend_attendance_store::{ReviewState, entities::review_item};
use faceattend_domain::attendance::{Confidence, ReviewItem, ReviewReason};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use uuid::Uuid;

use crate::helpers::{Backend, TestDb, at, day};
use crate::on_both_backends;

on_both_backends!(replacing_keeps_decided_items);

fn item(hour: u32, reason: ReviewReason) -> ReviewItem {
    ReviewItem {
        detection_id: Uuid::now_v7(),
        at: at(hour, 0, 0),
        confidence: Confidence::new(0.65).expect("valid"),
        camera_id: "lobby".to_owned(),
        reason,
    }
}

async fn replacing_keeps_decided_items(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    let decided = item(8, ReviewReason::LowConfidence);
    let dropped = item(9, ReviewReason::LowConfidence);
    let kept = item(13, ReviewReason::AmbiguousTime);
    db.store
        .replace_review_items(
            person,
            day(),
            &[decided.clone(), dropped.clone(), kept.clone()],
        )
        .await
        .expect("first set");
    let stored = db.store.review_items(person, day()).await.expect("read");
    assert_eq!(stored.len(), 3);
    assert!(stored.iter().all(|s| s.state == ReviewState::Pending));

    // A reviewer approves the first (the API's job; done directly here).
    let mut approval: review_item::ActiveModel = db
        .store
        .review_items(person, day())
        .await
        .expect("read")
        .into_iter()
        .find(|s| s.detection_id == decided.detection_id)
        .map(|s| review_item::ActiveModel {
            id: Set(s.id),
            ..Default::default()
        })
        .expect("decided item stored");
    approval.state = Set(ReviewState::Approved.as_str().to_owned());
    approval.decided_by = Set(Some("hr-1".to_owned()));
    approval.decided_at = Set(Some(at(18, 0, 0)));
    approval
        .update(db.store.connection())
        .await
        .expect("approve");

    // The day is recomputed: the decided item comes again, one is gone, one is new.
    let new = item(15, ReviewReason::NoCheckIn);
    db.store
        .replace_review_items(person, day(), &[decided.clone(), kept.clone(), new.clone()])
        .await
        .expect("second set");
    db.store
        .replace_review_items(person, day(), &[decided.clone(), kept.clone(), new.clone()])
        .await
        .expect("same set again");

    let stored = db.store.review_items(person, day()).await.expect("read");
    let summary: Vec<(Uuid, ReviewState, ReviewReason)> = stored
        .iter()
        .map(|s| (s.detection_id, s.state, s.reason))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                decided.detection_id,
                ReviewState::Approved,
                ReviewReason::LowConfidence
            ),
            (
                kept.detection_id,
                ReviewState::Pending,
                ReviewReason::AmbiguousTime
            ),
            (
                new.detection_id,
                ReviewState::Pending,
                ReviewReason::NoCheckIn
            ),
        ]
    );
    assert_eq!(stored[0].decided_by.as_deref(), Some("hr-1"));
    assert_eq!(stored[0].decided_at, Some(at(18, 0, 0)));
    assert_eq!(stored[1].confidence.value(), 0.65);
}
