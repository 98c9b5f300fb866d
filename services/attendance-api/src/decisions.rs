//! A person's decisions on attendance: the review queue (approve or reject a detection the
//! rules would not act on alone), corrections ("this was not me", or "that was my arrival")
//! and the approval or rejection of manual entries.
//!
//! Each decision is one write transaction: the decision itself (on the review item, the
//! detection, or the day record), its audit entry (who, when, before, after), the day
//! recomputed through the same path the worker takes (`attendance_store::recompute`), and the
//! `attendance.v1.*` events in the outbox — so the day, its evidence, the audit trail and
//! what the realtime gateway hears can never disagree. The person's lock is taken before
//! anything is read, so a detection the worker is deciding at the same moment is seen by one
//! of the two, never lost between them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use faceattend_attendance_store::entities::{attendance, detection, review_item};
use faceattend_attendance_store::events::{self, Cause, EventSubject};
use faceattend_attendance_store::policy::{PolicyBook, PolicyDefaults};
use faceattend_attendance_store::recompute::{self, People};
use faceattend_attendance_store::{
    AttendanceStore, AuditEntry, ReviewState, audit, for_update, now,
};
use faceattend_domain::attendance::{DayKey, ReviewReason, Verdict, assess};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use serde_json::json;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::dto::evidence::Rejection;
use crate::error::AttendanceApiError;
use crate::manual::{MANUAL_SOURCE, row_json};

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// What a reviewer says of a review item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewDecision {
    /// It was them; a `direction` says which way when the camera and the clock cannot.
    Approve {
        direction: Option<Direction>,
        reason: Option<String>,
    },
    /// It was not them (or no face at all), and why.
    Reject(Rejection),
}

/// Which way a confirmed sighting went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    CheckIn,
    CheckOut,
}

impl Direction {
    fn verdict(self) -> Verdict {
        match self {
            Self::CheckIn => Verdict::CheckIn,
            Self::CheckOut => Verdict::CheckOut,
        }
    }
}

/// A review item after the decision, with the day it belongs to.
#[derive(Debug, Clone)]
pub struct DecidedReview {
    pub item: review_item::Model,
    pub day: Option<attendance::Model>,
}

/// A review item assigned to somebody else, with both persons' days after it.
#[derive(Debug, Clone)]
pub struct AssignedReview {
    pub item: review_item::Model,
    /// The candidate's day, without the sighting.
    pub candidate_day: Option<attendance::Model>,
    /// The day of the person it really was, with it.
    pub assigned_day: Option<attendance::Model>,
}

/// A detection after a correction, with the day it belongs to.
#[derive(Debug, Clone)]
pub struct Corrected {
    pub detection: detection::Model,
    pub day: Option<attendance::Model>,
}

#[derive(Clone)]
pub struct Decisions {
    store: AttendanceStore,
    defaults: PolicyDefaults,
    /// Wakes the outbox relay after a commit that enqueued events.
    relay_wake: Arc<Notify>,
}

impl Decisions {
    pub fn new(store: AttendanceStore, defaults: PolicyDefaults, relay_wake: Arc<Notify>) -> Self {
        Self {
            store,
            defaults,
            relay_wake,
        }
    }

    /// Approves or rejects a pending review item: the decision is recorded on the item and,
    /// as a verdict, on its detection, and the day is recomputed with it.
    pub async fn decide_review(
        &self,
        item_id: Uuid,
        decision: ReviewDecision,
        actor: &str,
    ) -> Result<DecidedReview> {
        let at = now();
        let txn = self.store.begin_write().await?;
        // Read once unlocked to learn whose lock to take, then again under it.
        let person_id = review_item::Entity::find_by_id(item_id)
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::ReviewItemNotFound(item_id))?
            .person_id;
        recompute::lock_persons(&txn, &BTreeSet::from([person_id])).await?;
        let item = for_update(&txn, review_item::Entity::find_by_id(item_id))
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::ReviewItemNotFound(item_id))?;
        if item.state != ReviewState::Pending.as_str() {
            return Err(AttendanceApiError::ReviewItemDecided(item.state));
        }
        let verdict = match decision {
            ReviewDecision::Reject(_) => Verdict::Rejected,
            ReviewDecision::Approve {
                direction: Some(direction),
                ..
            } => direction.verdict(),
            // Confirming an afternoon sighting of a two-way camera says nothing the rules can
            // use: which way did the person go?
            ReviewDecision::Approve {
                direction: None, ..
            } if item.reason == ReviewReason::AmbiguousTime.as_str() => {
                return Err(AttendanceApiError::DirectionRequired(item_id));
            }
            ReviewDecision::Approve {
                direction: None, ..
            } => Verdict::Confirmed,
        };
        let state = match decision {
            ReviewDecision::Reject(_) => ReviewState::Rejected,
            ReviewDecision::Approve { .. } => ReviewState::Approved,
        };
        let before = item.clone();
        let mut active = item.into_active_model();
        active.state = Set(state.as_str().to_owned());
        active.decided_by = Set(Some(actor.to_owned()));
        active.decided_at = Set(Some(at));
        let after = active.update(&txn).await?;
        let detection = set_verdict(&txn, after.detection_id, verdict, actor, at).await?;

        let cause = Cause::decision(Uuid::now_v7(), actor);
        let (action, mut audited) = match &decision {
            ReviewDecision::Approve { reason, .. } => {
                ("review_approved", json!({ "reason": reason }))
            }
            ReviewDecision::Reject(rejection) => (
                if rejection.not_a_face {
                    "review_not_a_face"
                } else {
                    "review_rejected"
                },
                json!({ "reason": rejection.reason, "not_a_face": rejection.not_a_face }),
            ),
        };
        audited["review_item"] = review_json(&after);
        audited["verdict"] = json!(verdict.as_str());
        record_audit(
            &txn,
            &cause,
            action,
            "review_item",
            after.id,
            Some(review_json(&before)),
            Some(audited),
            at,
        )
        .await?;
        let day = self
            .recompute(
                &txn,
                person_id,
                detection.map(|d| d.captured_at),
                after.attendance_date,
                &cause,
            )
            .await?;
        txn.commit().await?;
        self.relay_wake.notify_one();
        Ok(DecidedReview { item: after, day })
    }

    /// Decides a pending review item as "somebody else": the sighting moves to `person_id`,
    /// confirmed, and both persons' days are recomputed (the candidate's without it, the
    /// other's with it). The item is recorded as rejected, the audit entry says to whom it
    /// went.
    pub async fn assign_review(
        &self,
        item_id: Uuid,
        person_id: Uuid,
        reason: Option<String>,
        actor: &str,
    ) -> Result<AssignedReview> {
        let at = now();
        let txn = self.store.begin_write().await?;
        let candidate = review_item::Entity::find_by_id(item_id)
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::ReviewItemNotFound(item_id))?
            .person_id;
        if candidate == person_id {
            return Err(AttendanceApiError::SamePerson(person_id));
        }
        let persons = BTreeSet::from([candidate, person_id]);
        recompute::lock_persons(&txn, &persons).await?;
        let people = recompute::people(&txn, &persons).await?;
        if people.get(&person_id).is_none_or(|p| p.deleted) {
            return Err(AttendanceApiError::PersonNotFound(person_id));
        }
        let item = for_update(&txn, review_item::Entity::find_by_id(item_id))
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::ReviewItemNotFound(item_id))?;
        if item.state != ReviewState::Pending.as_str() {
            return Err(AttendanceApiError::ReviewItemDecided(item.state));
        }
        let before_item = item.clone();
        let mut active = item.into_active_model();
        active.state = Set(ReviewState::Rejected.as_str().to_owned());
        active.decided_by = Set(Some(actor.to_owned()));
        active.decided_at = Set(Some(at));
        let after_item = active.update(&txn).await?;

        let detection_id = after_item.detection_id;
        let before_detection = for_update(&txn, detection::Entity::find_by_id(detection_id))
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::DetectionNotFound(detection_id))?;
        let mut moved = before_detection.clone().into_active_model();
        moved.person_id = Set(Some(person_id));
        moved.verdict = Set(Some(Verdict::Confirmed.as_str().to_owned()));
        moved.verdict_by = Set(Some(actor.to_owned()));
        moved.verdict_at = Set(Some(at));
        let after_detection = moved.update(&txn).await?;

        let cause = Cause::decision(Uuid::now_v7(), actor);
        record_audit(
            &txn,
            &cause,
            "review_assigned",
            "review_item",
            after_item.id,
            Some(review_json(&before_item)),
            Some(json!({
                "review_item": review_json(&after_item),
                "assigned_to": person_id,
                "reason": reason,
            })),
            at,
        )
        .await?;
        record_audit(
            &txn,
            &cause,
            "detection_assigned",
            "detection",
            detection_id,
            Some(detection_json(&before_detection)),
            Some(json!({ "detection": detection_json(&after_detection), "reason": reason })),
            at,
        )
        .await?;
        let candidate_day = self
            .recompute(&txn, candidate, None, after_item.attendance_date, &cause)
            .await?;
        let date = self
            .work_day(&txn, person_id, after_detection.captured_at)
            .await?;
        let assigned_day = self.recompute(&txn, person_id, None, date, &cause).await?;
        txn.commit().await?;
        self.relay_wake.notify_one();
        Ok(AssignedReview {
            item: after_item,
            candidate_day,
            assigned_day,
        })
    }

    /// Records a person's verdict on any recognised detection ("this was not me": rejected;
    /// or confirmed, as a check-in or check-out) and recomputes its day. A pending review
    /// item of the detection is decided with it.
    pub async fn correct(
        &self,
        detection_id: Uuid,
        verdict: Verdict,
        reason: &str,
        actor: &str,
    ) -> Result<Corrected> {
        let at = now();
        let txn = self.store.begin_write().await?;
        let person_id = detection::Entity::find_by_id(detection_id)
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::DetectionNotFound(detection_id))?
            .person_id
            .ok_or(AttendanceApiError::UnknownFace(detection_id))?;
        recompute::lock_persons(&txn, &BTreeSet::from([person_id])).await?;
        let before = for_update(&txn, detection::Entity::find_by_id(detection_id))
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::DetectionNotFound(detection_id))?;
        let after = set_verdict(&txn, detection_id, verdict, actor, at)
            .await?
            .ok_or(AttendanceApiError::DetectionNotFound(detection_id))?;
        let pending_item = review_item::Entity::find()
            .filter(review_item::Column::DetectionId.eq(detection_id))
            .filter(review_item::Column::State.eq(ReviewState::Pending.as_str()))
            .one(&txn)
            .await?;
        if let Some(item) = pending_item {
            let state = if verdict == Verdict::Rejected {
                ReviewState::Rejected
            } else {
                ReviewState::Approved
            };
            let mut active = item.into_active_model();
            active.state = Set(state.as_str().to_owned());
            active.decided_by = Set(Some(actor.to_owned()));
            active.decided_at = Set(Some(at));
            active.update(&txn).await?;
        }
        let cause = Cause::decision(Uuid::now_v7(), actor);
        record_audit(
            &txn,
            &cause,
            "detection_corrected",
            "detection",
            detection_id,
            Some(detection_json(&before)),
            Some(json!({ "detection": detection_json(&after), "reason": reason })),
            at,
        )
        .await?;
        // `date` is already the detection's work day under the current shifts: nothing moved.
        let date = self.work_day(&txn, person_id, after.captured_at).await?;
        let day = self.recompute(&txn, person_id, None, date, &cause).await?;
        txn.commit().await?;
        self.relay_wake.notify_one();
        Ok(Corrected {
            detection: after,
            day,
        })
    }

    /// Approves a pending manual entry: the day gets the status its marks earn under the
    /// person's shift (late, early leave, present), and the approver's name and remarks.
    pub async fn approve_manual(
        &self,
        attendance_id: Uuid,
        remarks: Option<String>,
        actor: &str,
    ) -> Result<attendance::Model> {
        let at = now();
        let txn = self.store.begin_write().await?;
        let (before, people) = self.locked_manual_day(&txn, attendance_id).await?;
        let person = people.get(&before.person_id);
        let organization = person.and_then(|p| p.organization.as_deref());
        let book = PolicyBook::load(&txn, &self.defaults, around(before.attendance_date)).await?;
        let policy = book.policy_for(organization);
        let assessment = assess(
            before.attendance_date,
            before.check_in_time,
            before.check_out_time,
            policy,
            &book.days_off(before.person_id, organization),
        );
        let status = assessment.status();
        let minutes = |field: &str, value: u32| {
            i32::try_from(value)
                .map_err(|_| AttendanceApiError::Corrupt(format!("{field} = {value}")))
        };
        let mut active = before.clone().into_active_model();
        active.status = Set(status.as_str().to_owned());
        active.late_minutes = Set(minutes("late_minutes", assessment.late_minutes)?);
        active.early_leave_minutes = Set(minutes(
            "early_leave_minutes",
            assessment.early_leave_minutes,
        )?);
        active.duration_minutes = Set(assessment
            .worked_minutes
            .map(|m| minutes("duration_minutes", m))
            .transpose()?);
        active.approved_by = Set(Some(actor.to_owned()));
        active.approval_timestamp = Set(Some(at));
        active.remarks = Set(remarks.or(before.remarks.clone()));
        active.updated_at = Set(at);
        let after = active.update(&txn).await?;

        let cause = Cause::decision(Uuid::now_v7(), actor);
        record_audit(
            &txn,
            &cause,
            "manual_approved",
            "attendance",
            after.id,
            Some(row_json(&before)),
            Some(row_json(&after)),
            at,
        )
        .await?;
        let subject = EventSubject {
            attendance_id: Some(after.id),
            person_id: after.person_id,
            person_name: person.map(|p| p.name.clone()).unwrap_or_default(),
            department: person.and_then(|p| p.department.clone()),
            date: after.attendance_date,
        };
        for message in events::manual_approval_messages(&after, &subject, &cause, at) {
            faceattend_outbox::enqueue(&txn, message).await?;
        }
        txn.commit().await?;
        self.relay_wake.notify_one();
        Ok(after)
    }

    /// Rejects a pending manual entry: its hand-entered marks are removed and the day is
    /// what the detections make of it again (or nothing, if there are none).
    pub async fn reject_manual(
        &self,
        attendance_id: Uuid,
        remarks: Option<String>,
        actor: &str,
    ) -> Result<Option<attendance::Model>> {
        let at = now();
        let txn = self.store.begin_write().await?;
        let (before, _) = self.locked_manual_day(&txn, attendance_id).await?;
        let mut active = before.clone().into_active_model();
        if before.check_in_source.as_deref() == Some(MANUAL_SOURCE) {
            active.check_in_time = Set(None);
            active.check_in_source = Set(None);
            active.check_in_confidence = Set(None);
        }
        if before.check_out_source.as_deref() == Some(MANUAL_SOURCE) {
            active.check_out_time = Set(None);
            active.check_out_source = Set(None);
            active.check_out_confidence = Set(None);
        }
        active.is_manual = Set(false);
        active.remarks = Set(remarks);
        active.updated_at = Set(at);
        let cleared = active.update(&txn).await?;
        let cause = Cause::decision(Uuid::now_v7(), actor);
        let day = self
            .recompute(&txn, before.person_id, None, before.attendance_date, &cause)
            .await?;
        record_audit(
            &txn,
            &cause,
            "manual_rejected",
            "attendance",
            before.id,
            Some(row_json(&before)),
            Some(row_json(day.as_ref().unwrap_or(&cleared))),
            at,
        )
        .await?;
        txn.commit().await?;
        self.relay_wake.notify_one();
        Ok(day)
    }

    /// The manual day `attendance_id`, under its person's lock, still waiting for approval.
    async fn locked_manual_day(
        &self,
        txn: &DatabaseTransaction,
        attendance_id: Uuid,
    ) -> Result<(attendance::Model, People)> {
        let person_id = attendance::Entity::find_by_id(attendance_id)
            .one(txn)
            .await?
            .ok_or(AttendanceApiError::AttendanceNotFound(attendance_id))?
            .person_id;
        let persons = BTreeSet::from([person_id]);
        recompute::lock_persons(txn, &persons).await?;
        let row = for_update(txn, attendance::Entity::find_by_id(attendance_id))
            .one(txn)
            .await?
            .ok_or(AttendanceApiError::AttendanceNotFound(attendance_id))?;
        if !row.is_manual {
            return Err(AttendanceApiError::NotManual(attendance_id));
        }
        if row.approved_by.is_some() {
            return Err(AttendanceApiError::AlreadyApproved(attendance_id));
        }
        let people = recompute::people(txn, &persons).await?;
        Ok((row, people))
    }

    /// The work day of a sighting of the person at `at`, under their policy.
    async fn work_day(
        &self,
        txn: &DatabaseTransaction,
        person_id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<NaiveDate> {
        let people = recompute::people(txn, &BTreeSet::from([person_id])).await?;
        let organization = people
            .get(&person_id)
            .and_then(|p| p.organization.as_deref());
        let book = PolicyBook::load(txn, &self.defaults, around(at.date_naive())).await?;
        Ok(book.policy_for(organization).work_day(at))
    }

    /// Recomputes the person's day `date` — and, when a sighting at `moved_at` now belongs
    /// to another day under the current shifts, that day too — and returns the row of
    /// `date` after it.
    async fn recompute(
        &self,
        txn: &DatabaseTransaction,
        person_id: Uuid,
        moved_at: Option<DateTime<Utc>>,
        date: NaiveDate,
        cause: &Cause,
    ) -> Result<Option<attendance::Model>> {
        let mut keys = BTreeSet::from([DayKey { person_id, date }]);
        if let Some(at) = moved_at {
            let other = self.work_day(txn, person_id, at).await?;
            keys.insert(DayKey {
                person_id,
                date: other,
            });
        }
        recompute_keys(txn, &self.defaults, &keys, cause).await?;
        Ok(attendance::Entity::find()
            .filter(attendance::Column::PersonId.eq(person_id))
            .filter(attendance::Column::AttendanceDate.eq(date))
            .one(txn)
            .await?)
    }
}

/// Recomputes the person-days `keys` in `txn`, for a change of what they were decided
/// under (a person's decision, an exception): locks the persons, then the one recompute
/// path writes what changed and enqueues its events.
pub async fn recompute_keys(
    txn: &DatabaseTransaction,
    defaults: &PolicyDefaults,
    keys: &BTreeSet<DayKey>,
    cause: &Cause,
) -> Result<()> {
    let (Some(first), Some(last)) = (
        keys.iter().map(|k| k.date).min(),
        keys.iter().map(|k| k.date).max(),
    ) else {
        return Ok(());
    };
    let range = (first - Duration::days(2))..=(last + Duration::days(2));
    let book = PolicyBook::load(txn, defaults, range).await?;
    let days: BTreeMap<DayKey, Cause> = keys.iter().map(|k| (*k, cause.clone())).collect();
    recompute::lock_and_recompute(txn, &book, &days).await?;
    Ok(())
}

/// A few days around `date`: enough exceptions for a recomputation of it (a night shift's day
/// reaches into the next).
fn around(date: NaiveDate) -> std::ops::RangeInclusive<NaiveDate> {
    (date - Duration::days(2))..=(date + Duration::days(2))
}

/// Writes the verdict on the detection; the detection after it, `None` if there is none.
async fn set_verdict(
    txn: &DatabaseTransaction,
    detection_id: Uuid,
    verdict: Verdict,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Option<detection::Model>> {
    let Some(row) = detection::Entity::find_by_id(detection_id).one(txn).await? else {
        return Ok(None);
    };
    let mut active = row.into_active_model();
    active.verdict = Set(Some(verdict.as_str().to_owned()));
    active.verdict_by = Set(Some(actor.to_owned()));
    active.verdict_at = Set(Some(at));
    Ok(Some(active.update(txn).await?))
}

#[allow(clippy::too_many_arguments)]
async fn record_audit(
    txn: &DatabaseTransaction,
    cause: &Cause,
    action: &str,
    entity: &str,
    entity_id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    at: DateTime<Utc>,
) -> Result<()> {
    audit::record(
        txn,
        &AuditEntry {
            actor: cause.actor.clone().unwrap_or_default(),
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id: entity_id.to_string(),
            at,
            before,
            after,
        },
    )
    .await?;
    Ok(())
}

pub fn review_json(item: &review_item::Model) -> serde_json::Value {
    json!({
        "id": item.id,
        "detection_id": item.detection_id,
        "person_id": item.person_id,
        "attendance_date": item.attendance_date,
        "reason": item.reason,
        "confidence": item.confidence,
        "camera_id": item.camera_id,
        "at": item.at,
        "state": item.state,
        "decided_by": item.decided_by,
        "decided_at": item.decided_at,
    })
}

pub fn detection_json(detection: &detection::Model) -> serde_json::Value {
    json!({
        "id": detection.id,
        "camera_id": detection.camera_id,
        "camera_role": detection.camera_role,
        "captured_at": detection.captured_at,
        "person_id": detection.person_id,
        "distance": detection.distance,
        "confidence": detection.confidence,
        "model_id": detection.model_id,
        "quality": detection.quality,
        "snapshot_ref": detection.snapshot_ref,
        "received_at": detection.received_at,
        "verdict": detection.verdict,
        "verdict_by": detection.verdict_by,
        "verdict_at": detection.verdict_at,
    })
}
