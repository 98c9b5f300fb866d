//! The review queue: detections a person has to decide on (low confidence, an ambiguous
//! time, a check-out without check-in).
//!
//! The worker recomputes a person's day from scratch, so it also recomputes which of its
//! detections need review; [`replace`] swaps the day's *pending* items for the new set.
//! Items already approved or rejected are a person's decision and are never touched.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use faceattend_domain::attendance::{Confidence, ReviewItem, ReviewReason};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::micros;
use crate::StoreError;
use crate::entities::review_item;

/// Where a review item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewState {
    Pending,
    Approved,
    Rejected,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

impl fmt::Display for ReviewState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A review item as stored, with its decision if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReviewItem {
    pub id: Uuid,
    pub detection_id: Uuid,
    pub person_id: Uuid,
    pub date: NaiveDate,
    pub reason: ReviewReason,
    pub confidence: Confidence,
    pub camera_id: String,
    pub at: DateTime<Utc>,
    pub state: ReviewState,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Makes `items` the person-day's pending review items. Run it in a write transaction, so
/// the queue never shows a day half replaced.
pub async fn replace<C: ConnectionTrait>(
    conn: &C,
    person_id: Uuid,
    date: NaiveDate,
    items: &[ReviewItem],
) -> Result<(), StoreError> {
    let detection_ids: Vec<Uuid> = items.iter().map(|item| item.detection_id).collect();
    // Pending items of this day, and pending items of these detections filed under another
    // day (a changed shift can move a detection's work day).
    review_item::Entity::delete_many()
        .filter(review_item::Column::State.eq(ReviewState::Pending.as_str()))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(review_item::Column::PersonId.eq(person_id))
                        .add(review_item::Column::AttendanceDate.eq(date)),
                )
                .add(review_item::Column::DetectionId.is_in(detection_ids)),
        )
        .exec(conn)
        .await?;
    for item in items {
        let row = review_item::ActiveModel {
            id: Set(Uuid::now_v7()),
            detection_id: Set(item.detection_id),
            person_id: Set(person_id),
            attendance_date: Set(date),
            reason: Set(item.reason.as_str().to_owned()),
            confidence: Set(item.confidence.value()),
            camera_id: Set(item.camera_id.clone()),
            at: Set(micros(item.at)),
            state: Set(ReviewState::Pending.as_str().to_owned()),
            decided_by: Set(None),
            decided_at: Set(None),
        };
        // A decided item of the same detection survived the delete: it stays as decided.
        review_item::Entity::insert(row)
            .on_conflict_do_nothing_on([review_item::Column::DetectionId])
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The person-day's review items, pending or decided, in time order.
pub async fn for_day<C: ConnectionTrait>(
    conn: &C,
    person_id: Uuid,
    date: NaiveDate,
) -> Result<Vec<StoredReviewItem>, StoreError> {
    review_item::Entity::find()
        .filter(review_item::Column::PersonId.eq(person_id))
        .filter(review_item::Column::AttendanceDate.eq(date))
        .order_by_asc(review_item::Column::At)
        .order_by_asc(review_item::Column::DetectionId)
        .all(conn)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

pub fn from_row(row: review_item::Model) -> Result<StoredReviewItem, StoreError> {
    let corrupt = |reason: String| StoreError::corrupt("review_items", row.id, reason);
    Ok(StoredReviewItem {
        reason: ReviewReason::parse(&row.reason)
            .ok_or_else(|| corrupt(format!("unknown reason {:?}", row.reason)))?,
        confidence: Confidence::new(row.confidence).map_err(|e| corrupt(e.to_string()))?,
        state: ReviewState::parse(&row.state)
            .ok_or_else(|| corrupt(format!("unknown state {:?}", row.state)))?,
        id: row.id,
        detection_id: row.detection_id,
        person_id: row.person_id,
        date: row.attendance_date,
        camera_id: row.camera_id,
        at: row.at,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
    })
}
