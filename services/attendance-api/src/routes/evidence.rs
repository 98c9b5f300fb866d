//! The evidence routes (`attendance:read`): a detection, its snapshot and face crop, a
//! record's page with its sightings and history, and the unknown faces.

use actix_web::http::header::{CacheControl, CacheDirective, ContentType};
use actix_web::{HttpResponse, web};
use chrono::{Duration, NaiveTime, Utc};
use faceattend_domain::attendance::SiteZone;
use faceattend_domain::{PageMeta, PageRequest};
use faceattend_service::auth::{AttendanceRead, Require};
use faceattend_service::envelope;
use uuid::Uuid;

use crate::dto::evidence::{
    DetectionResponse, RecordDetailResponse, UnknownFaceResponse, UnknownFacesQuery,
};
use crate::error::AttendanceApiError;
use crate::evidence::Evidence;
use crate::openapi::{
    DetectionEnvelope, ErrorEnvelope, RecordDetailEnvelope, UnknownFacesEnvelope,
};

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// `GET /api/v1/attendance/detections/{id}`: a detection as a reviewer sees it.
#[utoipa::path(
    get, path = "/api/v1/attendance/detections/{detection_id}", tag = "evidence",
    params(("detection_id" = Uuid, Path, description = "The detection")),
    responses(
        (status = 200, body = DetectionEnvelope),
        (status = 403, description = "Token lacks attendance:read", body = ErrorEnvelope),
        (status = 404, description = "`detection_not_found` (also for a deleted person's)", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn detection(
    _auth: Require<AttendanceRead>,
    evidence: web::Data<Evidence>,
    detection_id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let named = evidence.detection(detection_id.into_inner()).await?;
    Ok(envelope::ok(DetectionResponse::from(named)))
}

/// `GET /api/v1/attendance/detections/{id}/snapshot`: the camera's whole frame (JPEG).
#[utoipa::path(
    get, path = "/api/v1/attendance/detections/{detection_id}/snapshot", tag = "evidence",
    params(("detection_id" = Uuid, Path, description = "The detection")),
    responses(
        (status = 200, description = "The frame", content_type = "image/jpeg", body = Vec<u8>),
        (status = 403, description = "Token lacks attendance:read", body = ErrorEnvelope),
        (status = 404, description = "`detection_not_found`, `evidence_not_found` (no snapshot kept)", body = ErrorEnvelope),
        (status = 503, description = "`unavailable`: the snapshot store cannot be reached", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn snapshot(
    _auth: Require<AttendanceRead>,
    evidence: web::Data<Evidence>,
    detection_id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let jpeg = evidence.snapshot(detection_id.into_inner()).await?;
    Ok(image(jpeg.to_vec()))
}

/// `GET /api/v1/attendance/detections/{id}/crop`: the face cut out of the snapshot, with a
/// margin (JPEG).
#[utoipa::path(
    get, path = "/api/v1/attendance/detections/{detection_id}/crop", tag = "evidence",
    params(("detection_id" = Uuid, Path, description = "The detection")),
    responses(
        (status = 200, description = "The face", content_type = "image/jpeg", body = Vec<u8>),
        (status = 403, description = "Token lacks attendance:read", body = ErrorEnvelope),
        (status = 404, description = "`detection_not_found`, `evidence_not_found` (no snapshot or no face box)", body = ErrorEnvelope),
        (status = 503, description = "`unavailable`: the snapshot store cannot be reached", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn crop(
    _auth: Require<AttendanceRead>,
    evidence: web::Data<Evidence>,
    detection_id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let jpeg = evidence.crop(detection_id.into_inner()).await?;
    Ok(image(jpeg))
}

/// Evidence never changes once stored, but a deleted person's must stop being shown: a
/// browser may keep it for its session, never in a shared cache.
fn image(jpeg: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::jpeg())
        .insert_header(CacheControl(vec![
            CacheDirective::Private,
            CacheDirective::MaxAge(300),
        ]))
        .body(jpeg)
}

/// `GET /api/v1/attendance/records/{id}`: a record, every sighting of its day, their review
/// items and the record's history (who did what, when, and why).
#[utoipa::path(
    get, path = "/api/v1/attendance/records/{attendance_id}", tag = "evidence",
    params(("attendance_id" = Uuid, Path, description = "The attendance record")),
    responses(
        (status = 200, body = RecordDetailEnvelope),
        (status = 403, description = "Token lacks attendance:read", body = ErrorEnvelope),
        (status = 404, description = "`attendance_not_found` (also for a deleted person's)", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn record(
    _auth: Require<AttendanceRead>,
    evidence: web::Data<Evidence>,
    attendance_id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let record = evidence.record(attendance_id.into_inner()).await?;
    Ok(envelope::ok(RecordDetailResponse::from(record)))
}

/// `GET /api/v1/attendance/unknown-faces`: the strangers of a period (default: the last seven
/// days of the site's calendar), one entry per camera track, most recently seen first.
#[utoipa::path(
    get, path = "/api/v1/attendance/unknown-faces", tag = "evidence",
    params(UnknownFacesQuery),
    responses(
        (status = 200, body = UnknownFacesEnvelope),
        (status = 400, description = "`invalid_parameters`", body = ErrorEnvelope),
        (status = 403, description = "Token lacks attendance:read", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn unknown_faces(
    _auth: Require<AttendanceRead>,
    evidence: web::Data<Evidence>,
    zone: web::Data<SiteZone>,
    query: web::Query<UnknownFacesQuery>,
) -> Result<HttpResponse> {
    let (filter, page) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let today = zone.local(Utc::now()).date();
    let to_date = filter.to_date.unwrap_or(today);
    let from_date = filter.from_date.unwrap_or(to_date - Duration::days(6));
    let midnight = NaiveTime::MIN;
    let from = zone.instant(from_date, midnight);
    let to = zone.instant(to_date + Duration::days(1), midnight);
    let groups = evidence
        .unknown_faces(from, to, filter.camera_id.as_deref())
        .await?;
    let (items, meta) = paginate(groups, page);
    Ok(envelope::ok_with_meta(
        items
            .into_iter()
            .map(UnknownFaceResponse::from)
            .collect::<Vec<_>>(),
        meta,
    ))
}

/// One page of `items`, and its metadata.
fn paginate<T>(items: Vec<T>, page: PageRequest) -> (Vec<T>, PageMeta) {
    let total = items.len() as u64;
    let offset = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let size = usize::try_from(page.page_size()).unwrap_or(usize::MAX);
    let items = items.into_iter().skip(offset).take(size).collect();
    (items, page.meta(total))
}
