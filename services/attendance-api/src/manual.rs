//! Manual check-in and check-out: a person's word instead of a camera's.
//!
//! The spec says "Manual entries require approval", so a manual mark makes the day record
//! `is_manual`, `pending` and unapproved until someone approves it; the worker leaves such a
//! day alone (see `attendance_store::days`). Each entry is one write transaction: the
//! directory check, the day record (read under a row lock on PostgreSQL, the database's
//! write lock on SQLite) and its audit row commit together or not at all.
//!
//! A mark is for now or for a given time (a receptionist entering, at 10:00, an arrival at
//! 08:55 nobody's camera saw; bounded by the request's validation, see
//! [`crate::dto::parse_manual_time`]). Either way the day is the person's work day at the
//! mark's time under their shift, so a night worker checking out at 06:00 closes the record
//! of the night before. The reason given is kept with the entry, in its audit row (the
//! record's history shows it). Events are published on approval ([`crate::decisions`]),
//! when the entry starts to count.

use chrono::{DateTime, NaiveDate, Utc};
use faceattend_attendance_store::entities::{attendance, person_directory};
use faceattend_attendance_store::policy::{PolicyBook, PolicyDefaults};
use faceattend_attendance_store::{AttendanceStore, AuditEntry, audit, for_update, now};
use faceattend_domain::attendance::AttendanceStatus;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    TryInsertResult,
};
use uuid::Uuid;

use crate::dto::ManualMark;
use crate::error::AttendanceApiError;

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// The spec's `check_in_source` / `check_out_source` of a mark entered by hand.
pub const MANUAL_SOURCE: &str = "manual";

/// A manual mark as written: the day's row after the change and the person's name.
#[derive(Debug, Clone)]
pub struct ManualEntry {
    pub record: attendance::Model,
    pub person_name: String,
}

#[derive(Clone, Debug)]
pub struct ManualEntries {
    store: AttendanceStore,
    defaults: PolicyDefaults,
}

impl ManualEntries {
    pub fn new(store: AttendanceStore, defaults: PolicyDefaults) -> Self {
        Self { store, defaults }
    }

    /// The person's work day at `at` under their shift (the day a night shift started).
    async fn work_day(
        &self,
        txn: &DatabaseTransaction,
        organization: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<NaiveDate> {
        let today = self.defaults.zone.local(at).date();
        let range = (today - chrono::Duration::days(1))..=(today + chrono::Duration::days(1));
        let book = PolicyBook::load(txn, &self.defaults, range).await?;
        Ok(book.policy_for(organization).work_day(at))
    }

    /// Checks the person in at the mark's time (now when it has none), on the record of
    /// that time's work day. A day already checked out takes a check-in before its
    /// check-out (the arrival nobody saw). `actor` is the token's subject, recorded in the
    /// audit log with the mark's reason.
    pub async fn check_in(&self, mark: &ManualMark, actor: &str) -> Result<ManualEntry> {
        let recorded = now();
        let at = mark.at.unwrap_or(recorded);
        let person_id = mark.person_id;
        let txn = self.store.begin_write().await?;
        let person = active_person(&txn, person_id).await?;
        let date = self
            .work_day(&txn, person.organization.as_deref(), at)
            .await?;
        let person_name = person.name;
        // Two rounds at most: a concurrent first insert of the day (PostgreSQL) makes ours
        // skip, and the second round then sees and locks that row.
        for _ in 0..2 {
            let before = day_record(&txn, person_id, date).await?;
            let after = match &before {
                Some(row) if row.check_in_time.is_some() => {
                    return Err(AttendanceApiError::AlreadyCheckedIn(date));
                }
                // A check-in at or after the day's check-out would come after it.
                Some(row) if row.check_out_time.is_some_and(|out| at >= out) => {
                    return Err(AttendanceApiError::AlreadyCheckedOut(date));
                }
                // A mark-less row (e.g. the day-end job's `absent`), or a check-out without
                // a check-in: this check-in fills it.
                Some(row) => {
                    let mut active = row.clone().into_active_model();
                    set_check_in(&mut active, at);
                    if let Some(out) = row.check_out_time {
                        active.duration_minutes = sea_orm::Set(Some(minutes_between(at, out)?));
                    }
                    set_pending(&mut active, recorded);
                    active.update(&txn).await?
                }
                None => {
                    let mut row = empty_row(person_id, date, recorded);
                    row.check_in_time = Some(at);
                    row.check_in_source = Some(MANUAL_SOURCE.to_owned());
                    let inserted = attendance::Entity::insert(row.clone().into_active_model())
                        .on_conflict_do_nothing_on([
                            attendance::Column::PersonId,
                            attendance::Column::AttendanceDate,
                        ])
                        .exec_without_returning(&txn)
                        .await?;
                    if !matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
                        continue;
                    }
                    row
                }
            };
            let entry = AuditedMark {
                action: "manual_check_in",
                actor,
                reason: mark.reason.as_deref(),
                at: recorded,
            };
            audit_and_commit(txn, &entry, before.as_ref(), &after).await?;
            return Ok(ManualEntry {
                record: after,
                person_name,
            });
        }
        Err(AttendanceApiError::AlreadyCheckedIn(date))
    }

    /// Checks the person out at the mark's time (now when it has none), on the record of
    /// that time's work day, which must hold a check-in no later than it.
    pub async fn check_out(&self, mark: &ManualMark, actor: &str) -> Result<ManualEntry> {
        let recorded = now();
        let at = mark.at.unwrap_or(recorded);
        let person_id = mark.person_id;
        let txn = self.store.begin_write().await?;
        let person = active_person(&txn, person_id).await?;
        let date = self
            .work_day(&txn, person.organization.as_deref(), at)
            .await?;
        let person_name = person.name;
        let before = day_record(&txn, person_id, date).await?;
        let Some(row) = before.clone() else {
            return Err(AttendanceApiError::NotCheckedIn(date));
        };
        let Some(check_in) = row.check_in_time else {
            return Err(AttendanceApiError::NotCheckedIn(date));
        };
        // A second manual check-out would silently rewrite the first; a correction is the
        // way to change a recorded check-out.
        if row.check_out_time.is_some() {
            return Err(AttendanceApiError::AlreadyCheckedOut(date));
        }
        if at < check_in {
            return Err(AttendanceApiError::CheckOutBeforeCheckIn(check_in));
        }
        let minutes = minutes_between(check_in, at)?;
        let mut active = row.into_active_model();
        active.check_out_time = sea_orm::Set(Some(at));
        active.check_out_confidence = sea_orm::Set(None);
        active.check_out_source = sea_orm::Set(Some(MANUAL_SOURCE.to_owned()));
        active.check_out_detection_id = sea_orm::Set(None);
        active.check_out_camera_id = sea_orm::Set(None);
        active.duration_minutes = sea_orm::Set(Some(minutes));
        set_pending(&mut active, recorded);
        let after = active.update(&txn).await?;
        let entry = AuditedMark {
            action: "manual_check_out",
            actor,
            reason: mark.reason.as_deref(),
            at: recorded,
        };
        audit_and_commit(txn, &entry, before.as_ref(), &after).await?;
        Ok(ManualEntry {
            record: after,
            person_name,
        })
    }
}

/// The person's directory entry; not found when the directory never heard of them or they
/// were deleted (deleted persons are no longer tracked).
async fn active_person(
    txn: &DatabaseTransaction,
    person_id: Uuid,
) -> Result<person_directory::Model> {
    match person_directory::Entity::find_by_id(person_id)
        .one(txn)
        .await?
    {
        Some(entry) if !entry.deleted => Ok(entry),
        _ => Err(AttendanceApiError::PersonNotFound(person_id)),
    }
}

/// The person-day's row, locked on PostgreSQL (SQLite's write transaction is exclusive).
async fn day_record(
    txn: &DatabaseTransaction,
    person_id: Uuid,
    date: NaiveDate,
) -> Result<Option<attendance::Model>> {
    let query = attendance::Entity::find()
        .filter(attendance::Column::PersonId.eq(person_id))
        .filter(attendance::Column::AttendanceDate.eq(date));
    Ok(for_update(txn, query).one(txn).await?)
}

fn empty_row(person_id: Uuid, date: NaiveDate, at: DateTime<Utc>) -> attendance::Model {
    attendance::Model {
        id: Uuid::now_v7(),
        person_id,
        attendance_date: date,
        check_in_time: None,
        // A manual mark has no measured confidence: stored as NULL.
        check_in_confidence: None,
        check_in_source: None,
        check_in_detection_id: None,
        check_in_camera_id: None,
        check_out_time: None,
        check_out_confidence: None,
        check_out_source: None,
        check_out_detection_id: None,
        check_out_camera_id: None,
        duration_minutes: None,
        status: AttendanceStatus::Pending.as_str().to_owned(),
        status_evidence: None,
        late_minutes: 0,
        early_leave_minutes: 0,
        is_manual: true,
        approved_by: None,
        approval_timestamp: None,
        remarks: None,
        created_at: at,
        updated_at: at,
    }
}

fn set_check_in(row: &mut attendance::ActiveModel, at: DateTime<Utc>) {
    row.check_in_time = sea_orm::Set(Some(at));
    row.check_in_confidence = sea_orm::Set(None);
    row.check_in_source = sea_orm::Set(Some(MANUAL_SOURCE.to_owned()));
    row.check_in_detection_id = sea_orm::Set(None);
    row.check_in_camera_id = sea_orm::Set(None);
}

/// A manual mark puts the whole day back to `pending` until someone approves it.
fn set_pending(row: &mut attendance::ActiveModel, at: DateTime<Utc>) {
    row.status = sea_orm::Set(AttendanceStatus::Pending.as_str().to_owned());
    row.status_evidence = sea_orm::Set(None);
    row.is_manual = sea_orm::Set(true);
    row.approved_by = sea_orm::Set(None);
    row.approval_timestamp = sea_orm::Set(None);
    row.updated_at = sea_orm::Set(at);
}

/// Whole minutes from `from` to `to`.
fn minutes_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i32> {
    i32::try_from((to - from).num_minutes())
        .map_err(|e| AttendanceApiError::Corrupt(format!("duration: {e}")))
}

/// What the audit row of a manual mark says besides the record: who, what, when it was
/// entered, and why.
struct AuditedMark<'a> {
    action: &'static str,
    actor: &'a str,
    reason: Option<&'a str>,
    at: DateTime<Utc>,
}

async fn audit_and_commit(
    txn: DatabaseTransaction,
    mark: &AuditedMark<'_>,
    before: Option<&attendance::Model>,
    after: &attendance::Model,
) -> Result<()> {
    let mut after_json = row_json(after);
    // The reason rides with the record as the entry left it, where the history reads a
    // change's reason (as a correction's).
    if let (Some(reason), Some(object)) = (mark.reason, after_json.as_object_mut()) {
        object.insert("reason".to_owned(), serde_json::Value::from(reason));
    }
    audit::record(
        &txn,
        &AuditEntry {
            actor: mark.actor.to_owned(),
            action: mark.action.to_owned(),
            entity: "attendance".to_owned(),
            entity_id: after.id.to_string(),
            at: mark.at,
            before: before.map(row_json),
            after: Some(after_json),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Every column of a day record, for the audit log.
pub fn row_json(row: &attendance::Model) -> serde_json::Value {
    serde_json::json!({
        "id": row.id,
        "person_id": row.person_id,
        "attendance_date": row.attendance_date,
        "check_in_time": row.check_in_time,
        "check_in_confidence": row.check_in_confidence,
        "check_in_source": row.check_in_source,
        "check_in_detection_id": row.check_in_detection_id,
        "check_in_camera_id": row.check_in_camera_id,
        "check_out_time": row.check_out_time,
        "check_out_confidence": row.check_out_confidence,
        "check_out_source": row.check_out_source,
        "check_out_detection_id": row.check_out_detection_id,
        "check_out_camera_id": row.check_out_camera_id,
        "duration_minutes": row.duration_minutes,
        "status": row.status,
        "status_evidence": row.status_evidence,
        "late_minutes": row.late_minutes,
        "early_leave_minutes": row.early_leave_minutes,
        "is_manual": row.is_manual,
        "approved_by": row.approved_by,
        "approval_timestamp": row.approval_timestamp,
        "remarks": row.remarks,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}
