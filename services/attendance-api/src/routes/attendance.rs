//! The spec's attendance reads: the record lists and a person's current status.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpResponse, web};
use chrono::Utc;
use faceattend_domain::attendance::SiteZone;
use faceattend_domain::{FieldIssue, ValidationErrors};
use faceattend_service::auth::{AttendanceRead, Require};
use faceattend_service::envelope;
use uuid::Uuid;

use crate::dto::{AttendanceResponse, CurrentStatusResponse, ListAttendanceQuery, Listing};
use crate::error::AttendanceApiError;
use crate::export::{self, MAX_EXPORT_ROWS};
use crate::openapi::{AttendanceListEnvelope, CurrentStatusEnvelope, ErrorEnvelope};
use crate::queries::{AttendanceFilter, AttendanceQueries};

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// `GET /api/v1/attendance`: records filtered by person, date range, status and department,
/// newest day first, paginated; with `format=csv`, every matching record as CSV.
#[utoipa::path(
    get, path = "/api/v1/attendance", tag = "attendance",
    operation_id = "list_attendance",
    params(ListAttendanceQuery),
    responses(
        (status = 200, description = "A page of records; as `text/csv` with `format=csv`. Over 10,000 matches (PostgreSQL) `meta.total` is an estimate and `X-Total-Estimated: true` says so", body = AttendanceListEnvelope),
        (status = 400, description = "Invalid parameter; `export_too_large`", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    query: web::Query<ListAttendanceQuery>,
) -> Result<HttpResponse> {
    let (filter, listing) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    respond(&queries, filter, listing).await
}

/// `GET /api/v1/attendance/{person_id}`: one person's records, with the same filters.
#[utoipa::path(
    get, path = "/api/v1/attendance/{person_id}", tag = "attendance",
    params(("person_id" = Uuid, Path, description = "The person's id"), ListAttendanceQuery),
    responses(
        (status = 200, description = "A page of the person's records; as `text/csv` with `format=csv`", body = AttendanceListEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
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
    let (mut filter, listing) = query
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    filter.person_id = Some(person_id.into_inner());
    respond(&queries, filter, listing).await
}

/// The header that flags an estimated `meta.total` (more than
/// [`EXACT_TOTAL_UP_TO`](crate::queries::EXACT_TOTAL_UP_TO) matches).
pub const TOTAL_ESTIMATED: &str = "x-total-estimated";

/// The CSV export's columns: every field of a record, as the JSON names them.
pub const RECORD_COLUMNS: [&str; 15] = [
    "id",
    "person_id",
    "attendance_date",
    "check_in_time",
    "check_in_confidence",
    "check_in_source",
    "check_out_time",
    "check_out_confidence",
    "check_out_source",
    "duration_minutes",
    "status",
    "is_manual",
    "createdAt",
    "late_minutes",
    "early_leave_minutes",
];

async fn respond(
    queries: &AttendanceQueries,
    filter: AttendanceFilter,
    listing: Listing,
) -> Result<HttpResponse> {
    match listing {
        Listing::Page(page) => {
            let (rows, (meta, estimated)) = queries.list(&filter, page).await?;
            let mut response = envelope::ok_with_meta(
                rows.into_iter()
                    .map(AttendanceResponse::from)
                    .collect::<Vec<_>>(),
                meta,
            );
            if estimated {
                // `meta.total` (and `totalPages`) are the database's estimate.
                response.headers_mut().insert(
                    HeaderName::from_static(TOTAL_ESTIMATED),
                    HeaderValue::from_static("true"),
                );
            }
            Ok(response)
        }
        Listing::Csv => {
            let rows = queries.export(&filter, MAX_EXPORT_ROWS).await?;
            let rows: Vec<AttendanceResponse> =
                rows.into_iter().map(AttendanceResponse::from).collect();
            let name = match filter.person_id {
                Some(person_id) => format!("attendance_{person_id}.csv"),
                None => "attendance.csv".to_owned(),
            };
            export::csv_response(&name, &RECORD_COLUMNS, &rows)
        }
    }
}

/// `GET /api/v1/attendance/status/{person_id}`: whether the person is checked in today (the
/// site's local day), and for how long.
#[utoipa::path(
    get, path = "/api/v1/attendance/status/{person_id}", tag = "attendance",
    params(("person_id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 200, body = CurrentStatusEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 404, description = "`person_not_found`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
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
