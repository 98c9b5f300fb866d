//! The spec's daily report, with the same counts per department.

use actix_web::{HttpResponse, web};
use faceattend_service::auth::{AttendanceRead, Require};
use faceattend_service::envelope;

use crate::dto::{DailyReportQuery, DailyReportResponse, DayCounts};
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
