//! Day records: the `attendance` table, one row per person and work day.
//!
//! The worker writes the decided part of a row (`DayRecord`); the manual part (`is_manual`,
//! approval, remarks) belongs to the API and an upsert leaves it alone. The decided columns
//! themselves are overwritten whatever their source: a day whose marks were entered by hand
//! must not be upserted by the worker (its caller checks `is_manual`), and a mark without a
//! detection reads back as no mark, since it is not something the rules decided.

use chrono::NaiveDate;
use faceattend_domain::attendance::{AttendanceStatus, Confidence, DayRecord, Mark};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TryInsertResult,
};
use uuid::Uuid;

use super::{for_update, micros, now};
use crate::StoreError;
use crate::entities::attendance;

/// What the worker records as the source of a mark it decided from a detection (spec
/// `check_in_source`: "auto" | "manual" | "detection").
pub const AUTO_SOURCE: &str = "auto";

/// The person-day's record, if there is one.
pub async fn get<C: ConnectionTrait>(
    conn: &C,
    person_id: Uuid,
    date: NaiveDate,
) -> Result<Option<DayRecord>, StoreError> {
    find(conn, person_id, date, false)
        .await?
        .as_ref()
        .map(to_record)
        .transpose()
}

/// Writes `record` as the person-day's row and returns the record it replaced.
///
/// Run it in a write transaction: the previous record is read under a row lock (PostgreSQL)
/// or the database's write lock (SQLite), so two writers of one person-day take turns and
/// each sees the other's result as "previous". When the row does not exist yet, the insert
/// skips on conflict: a concurrent first insert wins, and this call then updates it.
pub async fn upsert<C: ConnectionTrait>(
    conn: &C,
    record: &DayRecord,
) -> Result<Option<DayRecord>, StoreError> {
    let at = now();
    if let Some(existing) = find(conn, record.person_id, record.date, true).await? {
        return update(conn, existing, record, at).await.map(Some);
    }
    let mut row = decided_fields(record)?;
    row.id = Set(Uuid::now_v7());
    row.person_id = Set(record.person_id);
    row.attendance_date = Set(record.date);
    row.is_manual = Set(false);
    row.approved_by = Set(None);
    row.approval_timestamp = Set(None);
    row.remarks = Set(None);
    row.created_at = Set(at);
    row.updated_at = Set(at);
    let inserted = attendance::Entity::insert(row)
        .on_conflict_do_nothing_on([
            attendance::Column::PersonId,
            attendance::Column::AttendanceDate,
        ])
        .exec_without_returning(conn)
        .await?;
    if matches!(inserted, TryInsertResult::Inserted(rows) if rows > 0) {
        return Ok(None);
    }
    // Another writer inserted the row between our read and our insert (PostgreSQL, outside
    // a transaction or under read committed): now it exists, and we lock and update it.
    let existing = find(conn, record.person_id, record.date, true)
        .await?
        .ok_or_else(|| {
            StoreError::corrupt(
                "attendance",
                format!("{}/{}", record.person_id, record.date),
                "insert conflicted but no row is there",
            )
        })?;
    update(conn, existing, record, at).await.map(Some)
}

/// Writes many decided days in as few statements as the database allows: each `(id,
/// record)` is inserted with that id when its person-day has no row, and otherwise
/// overwrites the row's decided columns (the row keeps its id and its manual part). The
/// caller holds the persons' locks and passes an existing row's own id.
pub async fn write_many<C: ConnectionTrait>(
    conn: &C,
    days: &[(Uuid, &DayRecord)],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::OnConflict;
    // 25 values a row: a few hundred rows stay inside every backend's parameter limit.
    const ROWS_PER_STATEMENT: usize = 300;
    for chunk in days.chunks(ROWS_PER_STATEMENT) {
        let mut rows = Vec::with_capacity(chunk.len());
        for (id, record) in chunk {
            let mut row = decided_fields(record)?;
            row.id = Set(*id);
            row.person_id = Set(record.person_id);
            row.attendance_date = Set(record.date);
            row.is_manual = Set(false);
            row.approved_by = Set(None);
            row.approval_timestamp = Set(None);
            row.remarks = Set(None);
            row.created_at = Set(at);
            row.updated_at = Set(at);
            rows.push(row);
        }
        attendance::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    attendance::Column::PersonId,
                    attendance::Column::AttendanceDate,
                ])
                .update_columns([
                    attendance::Column::CheckInTime,
                    attendance::Column::CheckInConfidence,
                    attendance::Column::CheckInSource,
                    attendance::Column::CheckInDetectionId,
                    attendance::Column::CheckInCameraId,
                    attendance::Column::CheckOutTime,
                    attendance::Column::CheckOutConfidence,
                    attendance::Column::CheckOutSource,
                    attendance::Column::CheckOutDetectionId,
                    attendance::Column::CheckOutCameraId,
                    attendance::Column::DurationMinutes,
                    attendance::Column::Status,
                    attendance::Column::StatusEvidence,
                    attendance::Column::LateMinutes,
                    attendance::Column::EarlyLeaveMinutes,
                    attendance::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    person_id: Uuid,
    date: NaiveDate,
    lock: bool,
) -> Result<Option<attendance::Model>, StoreError> {
    let query = attendance::Entity::find()
        .filter(attendance::Column::PersonId.eq(person_id))
        .filter(attendance::Column::AttendanceDate.eq(date));
    let query = if lock { for_update(conn, query) } else { query };
    Ok(query.one(conn).await?)
}

async fn update<C: ConnectionTrait>(
    conn: &C,
    existing: attendance::Model,
    record: &DayRecord,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<DayRecord, StoreError> {
    let previous = to_record(&existing)?;
    let mut row = decided_fields(record)?;
    row.id = Set(existing.id);
    row.updated_at = Set(at);
    row.update(conn).await?;
    Ok(previous)
}

/// The columns a `DayRecord` decides; the rest stay `NotSet`.
fn decided_fields(record: &DayRecord) -> Result<attendance::ActiveModel, StoreError> {
    let minutes = |field: &'static str, value: u32| {
        i32::try_from(value).map_err(|e| StoreError::Unstorable {
            field,
            reason: e.to_string(),
        })
    };
    let check_in = record.check_in.as_ref();
    let check_out = record.check_out.as_ref();
    Ok(attendance::ActiveModel {
        check_in_time: Set(check_in.map(|m| micros(m.at))),
        check_in_confidence: Set(check_in.map(|m| m.confidence.value())),
        check_in_source: Set(check_in.map(|_| AUTO_SOURCE.to_owned())),
        check_in_detection_id: Set(check_in.map(|m| m.detection_id)),
        check_in_camera_id: Set(check_in.map(|m| m.camera_id.clone())),
        check_out_time: Set(check_out.map(|m| micros(m.at))),
        check_out_confidence: Set(check_out.map(|m| m.confidence.value())),
        check_out_source: Set(check_out.map(|_| AUTO_SOURCE.to_owned())),
        check_out_detection_id: Set(check_out.map(|m| m.detection_id)),
        check_out_camera_id: Set(check_out.map(|m| m.camera_id.clone())),
        duration_minutes: Set(record
            .worked_minutes
            .map(|m| minutes("duration_minutes", m))
            .transpose()?),
        status: Set(record.status.as_str().to_owned()),
        status_evidence: Set(record.status_evidence),
        late_minutes: Set(minutes("late_minutes", record.late_minutes)?),
        early_leave_minutes: Set(minutes("early_leave_minutes", record.early_leave_minutes)?),
        ..Default::default()
    })
}

/// The decided part of a stored row, as the rules' `DayRecord`.
pub fn to_record(row: &attendance::Model) -> Result<DayRecord, StoreError> {
    let corrupt = |reason: String| StoreError::corrupt("attendance", row.id, reason);
    let mark = |side: &str,
                time: Option<chrono::DateTime<chrono::Utc>>,
                confidence: Option<f32>,
                detection: Option<Uuid>,
                camera: &Option<String>|
     -> Result<Option<Mark>, StoreError> {
        match (time, detection) {
            (Some(at), Some(detection_id)) => Ok(Some(Mark {
                detection_id,
                at,
                // A manual mark may carry no confidence: it is a person's word, i.e. certain.
                confidence: Confidence::new(confidence.unwrap_or(1.0))
                    .map_err(|e| corrupt(format!("{side} confidence: {e}")))?,
                camera_id: camera.clone().unwrap_or_default(),
            })),
            // A mark with no detection (a manual entry) is not something the rules decided,
            // so it has no place in a `DayRecord`.
            _ => Ok(None),
        }
    };
    let unsigned = |field: &str, value: i32| {
        u32::try_from(value).map_err(|_| corrupt(format!("{field} is negative: {value}")))
    };
    Ok(DayRecord {
        person_id: row.person_id,
        date: row.attendance_date,
        check_in: mark(
            "check-in",
            row.check_in_time,
            row.check_in_confidence,
            row.check_in_detection_id,
            &row.check_in_camera_id,
        )?,
        check_out: mark(
            "check-out",
            row.check_out_time,
            row.check_out_confidence,
            row.check_out_detection_id,
            &row.check_out_camera_id,
        )?,
        status: AttendanceStatus::parse(&row.status)
            .ok_or_else(|| corrupt(format!("unknown status {:?}", row.status)))?,
        status_evidence: row.status_evidence,
        late_minutes: unsigned("late_minutes", row.late_minutes)?,
        early_leave_minutes: unsigned("early_leave_minutes", row.early_leave_minutes)?,
        worked_minutes: row
            .duration_minutes
            .map(|m| unsigned("duration_minutes", m))
            .transpose()?,
    })
}
