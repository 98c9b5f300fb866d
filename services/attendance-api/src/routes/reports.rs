//! The spec's reports: the daily report (with the same counts per department) and a
//! person's statistics over a date range.

use actix_web::{HttpResponse, web};
use faceattend_service::auth::{AttendanceRead, Require};
use faceattend_service::envelope;

use uuid::Uuid;

use crate::dto::{DailyReportQuery, DailyReportResponse, DayCounts, StatisticsQuery};
use crate::error::AttendanceApiError;
use crate::queries::AttendanceQueries;

/// `GET /api/v1/attendance/reports/daily?date=YYYY-MM-DD`.
pub async fn daily(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    query: web::Query<DailyReportQuery>,
) -> Result<HttpResponse, AttendanceApiError> {
    let date = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let by_department = queries.daily_counts(date).await?;
    let (total, present, late) = by_department.iter().fold((0, 0, 0), |(t, p, l), d| {
        (
            t + d.counts.total_persons,
            p + d.counts.present,
            l + d.counts.late,
        )
    });
    Ok(envelope::ok(DailyReportResponse {
        date,
        counts: DayCounts::new(total, present, late),
        by_department,
    }))
}

/// `GET /api/v1/attendance/{person_id}/statistics?from_date=&to_date=`. Persons deleted since
/// still have statistics (their past stays reportable); persons the directory never heard
/// of are not found.
pub async fn statistics(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    person_id: web::Path<Uuid>,
    query: web::Query<StatisticsQuery>,
) -> Result<HttpResponse, AttendanceApiError> {
    let person_id = person_id.into_inner();
    let (from, to) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    if queries.directory_entry(person_id).await?.is_none() {
        return Err(AttendanceApiError::PersonNotFound(person_id));
    }
    let statistics = queries.person_statistics(person_id, from, to).await?;
    Ok(envelope::ok(statistics))
}
