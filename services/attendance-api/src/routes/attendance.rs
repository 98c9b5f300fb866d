//! The spec's attendance reads: the record lists and a person's current status.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use faceattend_domain::attendance::SiteZone;
use faceattend_domain::{FieldIssue, ValidationErrors};
use faceattend_service::auth::{AttendanceRead, Require};
use faceattend_service::envelope;
use uuid::Uuid;

use crate::dto::{AttendanceResponse, CurrentStatusResponse, ListAttendanceQuery};
use crate::error::AttendanceApiError;
use crate::queries::AttendanceQueries;

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// `GET /api/v1/attendance`: records filtered by person, date range, status and department,
/// newest day first, paginated.
pub async fn list(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    query: web::Query<ListAttendanceQuery>,
) -> Result<HttpResponse> {
    let (filter, page) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    respond_with_page(&queries, filter, page).await
}

/// `GET /api/v1/attendance/{person_id}`: one person's records, with the same filters.
pub async fn person_list(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    person_id: web::Path<Uuid>,
    query: web::Query<ListAttendanceQuery>,
) -> Result<HttpResponse> {
    let query = query.into_inner();
    if query.person_id.is_some() {
        return Err(AttendanceApiError::InvalidParameters(
            ValidationErrors::single(
                FieldIssue::new("not_allowed", "the person is given by the path").at("person_id"),
            ),
        ));
    }
    let (mut filter, page) = query
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    filter.person_id = Some(person_id.into_inner());
    respond_with_page(&queries, filter, page).await
}

async fn respond_with_page(
    queries: &AttendanceQueries,
    filter: crate::queries::AttendanceFilter,
    page: faceattend_domain::PageRequest,
) -> Result<HttpResponse> {
    let (rows, meta) = queries.list(&filter, page).await?;
    Ok(envelope::ok_with_meta(
        rows.into_iter()
            .map(AttendanceResponse::from)
            .collect::<Vec<_>>(),
        meta,
    ))
}

/// `GET /api/v1/attendance/status/{person_id}`: whether the person is checked in today (the
/// site's local day), and for how long.
pub async fn status(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    zone: web::Data<SiteZone>,
    person_id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let person_id = person_id.into_inner();
    let now = Utc::now();
    let today = zone.local(now).date();
    let (entry, record) = futures::try_join!(
        queries.directory_entry(person_id),
        queries.day_record(person_id, today)
    )?;
    if record.is_none() && entry.as_ref().is_none_or(|e| e.deleted) {
        return Err(AttendanceApiError::PersonNotFound(person_id));
    }
    let person_name = entry.filter(|e| !e.deleted).map(|e| e.name);
    let check_in_time = record.as_ref().and_then(|r| r.check_in_time);
    let checked_out = record.as_ref().is_some_and(|r| r.check_out_time.is_some());
    let checked_in = check_in_time.is_some() && !checked_out;
    let current_duration_minutes = match (&record, check_in_time) {
        (Some(r), Some(_)) if checked_out => r.duration_minutes.map_or(0, i64::from),
        (_, Some(at)) => (now - at).num_minutes().max(0),
        _ => 0,
    };
    Ok(envelope::ok(CurrentStatusResponse {
        person_id,
        person_name,
        checked_in,
        check_in_time,
        current_duration_minutes,
    }))
}
