//! Face routes of the spec: enrol a face, search persons by face, list and delete a person's
//! faces, and (for the web console's thumbnails) the stored photo of one encoding. The
//! recognition itself happens in face-embedder (over NATS); this service keeps the photos
//! (object store), the encodings (database) and the gallery entry (through the outbox).

use actix_web::http::header::{
    self, CacheControl, CacheDirective, ETag, EntityTag, Header, IfNoneMatch,
};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use faceattend_domain::{FieldIssue, ValidationErrors};
use faceattend_proto::faces::v1 as wire;
use faceattend_service::auth::{PersonsRead, PersonsWrite, Require};
use faceattend_service::envelope;
use faceattend_service::json::JsonBody;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use uuid::Uuid;

use crate::db::entities::person_image;
use crate::error::PersonApiError;
use crate::face_client::FaceClient;
use crate::images::ImageStore;
use crate::routes::persons::ErrorEnvelope;
use crate::store::{FaceRecord, NewEnrolment, PersonStore};

type Result<T> = std::result::Result<T, PersonApiError>;

/// Issues that make a face unusable for enrolment (the others are reported, not refused).
const REFUSED_QUALITY_ISSUES: &[&str] = &["face_too_small", "face_blurred"];

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The photo, base64 (standard alphabet; a `data:image/...;base64,` prefix is accepted).
    /// JPEG, PNG or WebP.
    #[schema(
        pattern = r"^(data:[^,;]*;base64,)?(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$",
        min_length = 4
    )]
    pub frame_data: String,
    /// Make this the person's primary face (their first face always is).
    #[serde(default)]
    pub is_primary: bool,
    /// The caller's own quality estimate, in [0, 1]; kept for reference only: the service
    /// scores every face itself.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub quality_score: Option<f32>,
    /// With several faces in the photo, enrol the largest instead of refusing the photo.
    #[serde(default)]
    pub use_largest_face: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FaceBox {
    pub x_min: f32,
    pub y_min: f32,
    pub x_max: f32,
    pub y_max: f32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrollResponse {
    pub encoding_id: Uuid,
    pub person_id: Uuid,
    pub image_id: Uuid,
    /// The detector's confidence that the photo shows a face, in [0, 1].
    pub confidence: f32,
    pub total_encodings: u32,
    pub is_primary: bool,
    /// The service's own quality score of the face, in [0, 1].
    pub quality_score: f32,
    /// Weaknesses that did not prevent enrolment (e.g. `face_not_frontal`).
    pub quality_issues: Vec<String>,
    pub face_location: FaceBox,
    pub model: String,
    pub message: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchByFaceRequest {
    /// The photo, base64, as for enrolment. The largest face in it is searched.
    #[schema(
        pattern = r"^(data:[^,;]*;base64,)?(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$",
        min_length = 4
    )]
    pub frame_data: String,
    /// Matches below this calibrated confidence are left out (default 0.6: one false accept
    /// in a hundred on the calibration data; 0.7: one in a thousand).
    #[serde(default = "default_search_threshold")]
    #[schema(minimum = 0.0, maximum = 1.0, default = 0.6)]
    pub confidence_threshold: f32,
    /// How many persons to return at most (1-20, default 5).
    #[serde(default = "default_search_limit")]
    #[schema(minimum = 1, maximum = 20, default = 5)]
    pub limit: u32,
}

fn default_search_threshold() -> f32 {
    0.6
}

fn default_search_limit() -> u32 {
    5
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FaceMatch {
    pub person_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    /// Calibrated confidence in [0, 1] (see docs/calibration.md).
    pub confidence: f32,
    /// Euclidean distance between the unit embeddings, in [0, 2].
    pub distance: f32,
}

/// `match`: one person, clearly; `ambiguous`: two persons nearly equally close; `unknown`:
/// nobody close enough.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Match,
    Ambiguous,
    Unknown,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchByFaceResponse {
    /// True when one person matches clearly: above the threshold and clearly closer than
    /// anyone else.
    pub matched: bool,
    pub best_match: Option<FaceMatch>,
    pub all_matches: Vec<FaceMatch>,
    pub decision: Decision,
    pub faces_detected: usize,
    pub face_location: FaceBox,
    pub model: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FaceResponse {
    pub encoding_id: Uuid,
    pub person_id: Uuid,
    pub image_id: Option<Uuid>,
    pub model: String,
    pub dimension: u32,
    pub confidence: f32,
    pub quality_score: f32,
    pub is_primary: bool,
    pub source: String,
    /// The face's box in the photo; null for encodings without a stored photo.
    #[schema(value_type = Option<FaceBox>)]
    pub face_location: Option<serde_json::Value>,
    pub content_type: Option<String>,
    pub file_size: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    #[serde(rename = "createdAt")]
    pub created_at: DateTime<Utc>,
}

impl From<FaceRecord> for FaceResponse {
    fn from(record: FaceRecord) -> Self {
        let e = record.encoding;
        let image = record.image;
        Self {
            encoding_id: e.id,
            person_id: e.person_id,
            image_id: e.image_id,
            model: e.model,
            dimension: u32::try_from(e.dimension).unwrap_or(0),
            confidence: e.confidence,
            quality_score: e.quality_score,
            is_primary: e.is_primary,
            source: e.source,
            face_location: image.as_ref().map(|i| i.face_location.clone()),
            content_type: image.as_ref().map(|i| i.content_type.clone()),
            file_size: image.as_ref().map(|i| i.file_size),
            width: image.as_ref().map(|i| i.width),
            height: image.as_ref().map(|i| i.height),
            created_at: e.created_at,
        }
    }
}

// Envelope shapes, for the OpenAPI document only.

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct EnrollEnvelope {
    success: bool,
    data: EnrollResponse,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SearchByFaceEnvelope {
    success: bool,
    data: SearchByFaceResponse,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FaceListEnvelope {
    success: bool,
    data: Vec<FaceResponse>,
}

/// How large a photo may be, decoded (it must fit one NATS message to face-embedder).
#[derive(Debug, Clone, Copy)]
pub struct PhotoLimits {
    pub max_image_bytes: usize,
}

/// The photo of a request: base64 decoded, its format recognised from its first bytes.
struct Photo {
    bytes: Bytes,
    content_type: &'static str,
    extension: &'static str,
}

fn decode_photo(frame_data: &str, max_bytes: usize) -> Result<Photo> {
    let rejected = |code: &str, message: &str| PersonApiError::FaceRejected {
        status: 422,
        code: code.to_owned(),
        message: message.to_owned(),
    };
    // Browsers hand out data URLs; accept them as they are.
    let data = match frame_data.split_once(";base64,") {
        Some((prefix, data)) if prefix.starts_with("data:") => data,
        _ => frame_data,
    };
    let cleaned: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if cleaned.is_empty() {
        return Err(rejected("empty_image", "frame_data is empty"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| rejected("invalid_base64", &format!("frame_data is not base64: {e}")))?;
    if bytes.len() > max_bytes {
        return Err(PersonApiError::FaceRejected {
            status: 413,
            code: "image_too_large".to_owned(),
            message: format!(
                "the image is {} bytes; at most {max_bytes} are accepted",
                bytes.len()
            ),
        });
    }
    let (content_type, extension) = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("image/jpeg", "jpg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("image/png", "png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        ("image/webp", "webp")
    } else {
        return Err(rejected(
            "unsupported_image",
            "the image is not JPEG, PNG or WebP",
        ));
    };
    Ok(Photo {
        bytes: Bytes::from(bytes),
        content_type,
        extension,
    })
}

fn face_box(face: &wire::Face) -> FaceBox {
    let b = face.r#box.unwrap_or_default();
    FaceBox {
        x_min: b.x_min,
        y_min: b.y_min,
        x_max: b.x_max,
        y_max: b.y_max,
    }
}

fn rejected(code: &str, message: String) -> PersonApiError {
    PersonApiError::FaceRejected {
        status: 422,
        code: code.to_owned(),
        message,
    }
}

/// Enrol a face for a person.
#[utoipa::path(
    post, path = "/api/v1/persons/{person_id}/enroll", tag = "faces",
    params(("person_id" = Uuid, Path, description = "The person's id")),
    request_body = EnrollRequest,
    responses(
        (status = 200, description = "Enrolled", body = EnrollEnvelope),
        (status = 400, description = "Malformed JSON (`malformed_json`) or an unreadable body; a path parameter that is not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:write", body = ErrorEnvelope),
        (status = 404, description = "No such person (`person_not_found`)", body = ErrorEnvelope),
        (status = 413, description = "Image or body too large (`image_too_large`, `payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Unusable photo: `no_face`, `multiple_faces`, `face_too_small`, `face_blurred`, `empty_image`, `invalid_base64`, `unsupported_image`, `undecodable_image`; or invalid fields (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "Face recognition, the database or the photo store unavailable (`face_service_unavailable`, `service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn enroll(
    _auth: Require<PersonsWrite>,
    store: web::Data<PersonStore>,
    faces: web::Data<FaceClient>,
    images: web::Data<ImageStore>,
    limits: web::Data<PhotoLimits>,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<EnrollRequest>,
) -> Result<HttpResponse> {
    let person_id = id.into_inner();
    if let Some(q) = body.quality_score
        && !(0.0..=1.0).contains(&q)
    {
        return Err(PersonApiError::Invalid(ValidationErrors::single(
            FieldIssue::new("out_of_range", "must be between 0 and 1").at("quality_score"),
        )));
    }
    let photo = decode_photo(&body.frame_data, limits.max_image_bytes)?;
    // A missing person is a 404 before any recognition work.
    store.get(person_id).await?;
    let reply = faces.embed(photo.bytes.clone()).await?;
    let face = match reply.faces.as_slice() {
        [] => return Err(rejected("no_face", "no face was found in the photo".into())),
        [only] => only,
        [largest, ..] if body.use_largest_face => largest,
        several => {
            return Err(rejected(
                "multiple_faces",
                format!(
                    "the photo shows {} faces; send a photo of this person alone, or set use_largest_face",
                    several.len()
                ),
            ));
        }
    };
    let quality = face.quality.clone().unwrap_or_default();
    if let Some(issue) = quality
        .issues
        .iter()
        .find(|i| REFUSED_QUALITY_ISSUES.contains(&i.as_str()))
    {
        let message = match issue.as_str() {
            "face_too_small" => "the face is too small; use a closer or larger photo",
            _ => "the face is too blurred; use a sharper photo",
        };
        return Err(rejected(issue, message.to_owned()));
    }
    let Some(embedding) = face.embedding.clone() else {
        return Err(PersonApiError::FaceServiceFailed(
            "face-embedder returned a face without an embedding".to_owned(),
        ));
    };
    let location = face_box(face);
    let image_id = Uuid::now_v7();
    let image_path = crate::images::key_for(person_id, image_id, photo.extension);
    images.put(&image_path, photo.bytes.clone()).await?;
    let enrolment = NewEnrolment {
        person_id,
        image_id,
        image_path: image_path.clone(),
        content_type: photo.content_type.to_owned(),
        file_size: photo.bytes.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(&photo.bytes)),
        width: reply.image_width,
        height: reply.image_height,
        is_primary: body.is_primary,
        quality_score: quality.score,
        detector_score: face.detector_score,
        face_location: serde_json::json!({
            "x_min": location.x_min, "y_min": location.y_min,
            "x_max": location.x_max, "y_max": location.y_max,
        }),
        embedding: embedding.clone(),
    };
    let enrolled = match store.enroll(enrolment).await {
        Ok(enrolled) => enrolled,
        Err(error) => {
            // Nothing refers to the photo: take it back out of the store.
            if let Err(cleanup) = images.delete(&image_path).await {
                tracing::warn!(%cleanup, path = %image_path, "cannot remove the photo of a failed enrolment");
            }
            return Err(error);
        }
    };
    Ok(envelope::ok(EnrollResponse {
        encoding_id: enrolled.encoding_id,
        person_id,
        image_id,
        confidence: face.detector_score,
        total_encodings: enrolled.person.face_encoding_count,
        is_primary: enrolled.is_primary,
        quality_score: quality.score,
        quality_issues: quality.issues,
        face_location: location,
        model: embedding.model,
        message: "Face enrolled successfully".to_owned(),
    }))
}

/// Search enrolled persons by a photo of their face.
#[utoipa::path(
    post, path = "/api/v1/persons/search/by-face", tag = "faces",
    request_body = SearchByFaceRequest,
    responses(
        (status = 200, description = "Ranked matches with calibrated confidences", body = SearchByFaceEnvelope),
        (status = 400, description = "Malformed JSON (`malformed_json`) or an unreadable body", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:read", body = ErrorEnvelope),
        (status = 413, description = "Image or body too large (`image_too_large`, `payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Unusable photo: `no_face`, `empty_image`, `invalid_base64`, `unsupported_image`, `undecodable_image`; or invalid fields (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "Face recognition, the database or the photo store unavailable (`face_service_unavailable`, `service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn search_by_face(
    _auth: Require<PersonsRead>,
    store: web::Data<PersonStore>,
    faces: web::Data<FaceClient>,
    limits: web::Data<PhotoLimits>,
    JsonBody(body): JsonBody<SearchByFaceRequest>,
) -> Result<HttpResponse> {
    let mut errors = ValidationErrors::default();
    if !(0.0..=1.0).contains(&body.confidence_threshold) {
        errors.push(
            FieldIssue::new("out_of_range", "must be between 0 and 1").at("confidence_threshold"),
        );
    }
    if !(1..=20).contains(&body.limit) {
        errors.push(FieldIssue::new("out_of_range", "must be between 1 and 20").at("limit"));
    }
    if !errors.is_empty() {
        return Err(PersonApiError::Invalid(errors));
    }
    let photo = decode_photo(&body.frame_data, limits.max_image_bytes)?;
    let reply = faces
        .identify(photo.bytes, body.limit, body.confidence_threshold)
        .await?;
    let faces_detected = reply.faces.len();
    let Some(face) = reply.faces.into_iter().next() else {
        return Err(rejected("no_face", "no face was found in the photo".into()));
    };
    let ids: Vec<Uuid> = face
        .matches
        .iter()
        .filter_map(|m| Uuid::parse_str(&m.person_id).ok())
        .collect();
    let names = store.names(&ids).await?;
    // Persons deleted since the gallery was searched are left out.
    let all_matches: Vec<FaceMatch> = face
        .matches
        .iter()
        .filter_map(|m| {
            let id = Uuid::parse_str(&m.person_id).ok()?;
            let name = names.iter().find(|n| n.id == id)?;
            Some(FaceMatch {
                person_id: id,
                first_name: name.first_name.clone(),
                last_name: name.last_name.clone(),
                confidence: m.confidence,
                distance: m.distance,
            })
        })
        .collect();
    let decision = wire::Decision::try_from(face.decision).unwrap_or(wire::Decision::Unknown);
    let best = face.best.as_ref().and_then(|b| {
        all_matches
            .iter()
            .find(|m| m.person_id.to_string() == b.person_id)
    });
    let matched = decision == wire::Decision::Match && best.is_some();
    let best_match = if matched {
        best.map(|b| FaceMatch {
            person_id: b.person_id,
            first_name: b.first_name.clone(),
            last_name: b.last_name.clone(),
            confidence: b.confidence,
            distance: b.distance,
        })
    } else {
        None
    };
    let location = face.face.as_ref().map(face_box).unwrap_or(FaceBox {
        x_min: 0.0,
        y_min: 0.0,
        x_max: 0.0,
        y_max: 0.0,
    });
    Ok(envelope::ok(SearchByFaceResponse {
        matched,
        best_match,
        all_matches,
        decision: match decision {
            wire::Decision::Match => Decision::Match,
            wire::Decision::Ambiguous => Decision::Ambiguous,
            _ => Decision::Unknown,
        },
        faces_detected,
        face_location: location,
        model: reply.model,
    }))
}

/// List a person's enrolled faces.
#[utoipa::path(
    get, path = "/api/v1/persons/{person_id}/faces", tag = "faces",
    params(("person_id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 200, description = "Every encoding, oldest first", body = FaceListEnvelope),
        (status = 400, description = "Not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:read", body = ErrorEnvelope),
        (status = 404, description = "`person_not_found`", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`); retry later", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list_faces(
    _auth: Require<PersonsRead>,
    store: web::Data<PersonStore>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let faces = store.faces(id.into_inner()).await?;
    Ok(envelope::ok(
        faces
            .into_iter()
            .map(FaceResponse::from)
            .collect::<Vec<_>>(),
    ))
}

/// Delete one enrolled face (its encoding, and its photo when nothing else uses it).
#[utoipa::path(
    delete, path = "/api/v1/persons/{person_id}/faces/{encoding_id}", tag = "faces",
    params(
        ("person_id" = Uuid, Path, description = "The person's id"),
        ("encoding_id" = Uuid, Path, description = "The encoding's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A path parameter that is not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:write", body = ErrorEnvelope),
        (status = 404, description = "No such person or encoding (`person_not_found`, `face_not_found`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`); retry later", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn delete_face(
    _auth: Require<PersonsWrite>,
    store: web::Data<PersonStore>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse> {
    let (person_id, encoding_id) = path.into_inner();
    store.delete_face(person_id, encoding_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How long a browser may show an encoding's photo without asking again. The bytes behind an
/// encoding id never change (a new photo is a new encoding), so expiry is not about staleness
/// but about erasure and access: a cached copy is shown without a token check, so this bounds
/// how long a deleted face, or a console whose token has lapsed, can still show the photo.
/// An hour matches the console tokens' usual lifetime (`faceattend token --ttl 1h`), and after
/// it the ETag makes asking again a 304 that reads nothing from the object store. `private`
/// keeps the biometric photo out of shared caches.
pub const FACE_IMAGE_MAX_AGE_SECS: u32 = 3600;

/// The photo's entity tag: its SHA-256, recorded when it was stored, so a revalidation needs
/// the database row only. The image id stands in should the row ever hold something that is
/// not a hex digest (an entity tag must not contain every character a column may).
fn photo_etag(image: &person_image::Model) -> EntityTag {
    if image.sha256.len() == 64 && image.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        EntityTag::new_strong(image.sha256.clone())
    } else {
        EntityTag::new_strong(image.id.simple().to_string())
    }
}

/// Whether `If-None-Match` names the current photo (or is `*`). Weak comparison, as RFC 9110
/// prescribes for this header; a header that does not parse is ignored, as if absent.
fn client_has(request: &HttpRequest, etag: &EntityTag) -> bool {
    match IfNoneMatch::parse(request) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|tag| tag.weak_eq(etag)),
        Err(_) => false,
    }
}

/// The stored photo of one of a person's face encodings, as enrolled (JPEG, PNG or WebP).
#[utoipa::path(
    get, path = "/api/v1/persons/{person_id}/faces/{encoding_id}/image", tag = "faces",
    params(
        ("person_id" = Uuid, Path, description = "The person's id"),
        ("encoding_id" = Uuid, Path, description = "The encoding's id, as `GET /api/v1/persons/{person_id}/faces` lists it"),
        ("If-None-Match" = Option<String>, Header, description = "Entity tags of copies the client holds (or `*`); a match answers 304 without a body"),
    ),
    responses(
        (status = 200, description = "The photo's bytes exactly as enrolled, in its own format",
            content(("image/jpeg"), ("image/png"), ("image/webp")),
            headers(
                ("ETag" = String, description = "Strong entity tag of the photo (its SHA-256)"),
                ("Cache-Control" = String, description = "`private, max-age=3600`: an encoding's photo never changes"),
                ("X-Content-Type-Options" = String, description = "`nosniff`"),
            )),
        (status = 304, description = "`If-None-Match` names this photo: the client's copy is current",
            headers(
                ("ETag" = String, description = "Strong entity tag of the photo"),
                ("Cache-Control" = String, description = "`private, max-age=3600`"),
            )),
        (status = 400, description = "A path parameter that is not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:read", body = ErrorEnvelope),
        (status = 404, description = "No such person (`person_not_found`), no such encoding of this person (`face_not_found`), or the encoding's photo is not stored (`face_image_not_found`)", body = ErrorEnvelope),
        (status = 503, description = "The database or the photo store is unavailable (`service_unavailable`); retry later", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn face_image(
    _auth: Require<PersonsRead>,
    store: web::Data<PersonStore>,
    images: web::Data<ImageStore>,
    path: web::Path<(Uuid, Uuid)>,
    request: HttpRequest,
) -> Result<HttpResponse> {
    let (person_id, encoding_id) = path.into_inner();
    let image = store.face_image(person_id, encoding_id).await?;
    let etag = photo_etag(&image);
    let cache = CacheControl(vec![
        CacheDirective::Private,
        CacheDirective::MaxAge(FACE_IMAGE_MAX_AGE_SECS),
    ]);
    let nosniff = (header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if client_has(&request, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(etag))
            .insert_header(cache)
            .insert_header(nosniff)
            .finish());
    }
    let Some(bytes) = images.get_if_exists(&image.image_path).await? else {
        // The row says the photo was stored: the store has lost it (or it was removed by
        // hand). The client can do nothing about it; an operator should know.
        tracing::warn!(
            %person_id, %encoding_id, image_id = %image.id, path = %image.image_path,
            "a face photo is missing from the object store"
        );
        return Err(PersonApiError::FaceImageNotFound(encoding_id));
    };
    Ok(HttpResponse::Ok()
        .content_type(image.content_type)
        .insert_header(ETag(etag))
        .insert_header(cache)
        .insert_header(nosniff)
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_recognised_by_their_bytes() {
        let jpeg = base64::engine::general_purpose::STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 0]);
        assert_eq!(decode_photo(&jpeg, 100).unwrap().content_type, "image/jpeg");
        let data_url = format!("data:image/jpeg;base64,{jpeg}");
        assert_eq!(decode_photo(&data_url, 100).unwrap().extension, "jpg");
        let code = |input: &str| match decode_photo(input, 12) {
            Err(PersonApiError::FaceRejected { code, .. }) => code,
            other => panic!("{:?}", other.map(|p| p.content_type)),
        };
        assert_eq!(code("not base64!"), "invalid_base64");
        assert_eq!(code(""), "empty_image");
        assert_eq!(
            code(&base64::engine::general_purpose::STANDARD.encode(b"GIF89a....")),
            "unsupported_image"
        );
        assert_eq!(
            code(&base64::engine::general_purpose::STANDARD.encode([0xFF; 13])),
            "image_too_large"
        );
    }

    #[test]
    fn a_photo_is_tagged_by_its_digest_or_else_its_id() {
        let digest = hex::encode(sha2::Sha256::digest(b"photo"));
        let mut image = person_image::Model {
            id: Uuid::now_v7(),
            person_id: Uuid::now_v7(),
            image_path: "persons/p/i.jpg".to_owned(),
            content_type: "image/jpeg".to_owned(),
            file_size: 5,
            sha256: digest.clone(),
            width: 1,
            height: 1,
            is_primary: true,
            quality_score: 1.0,
            face_location: serde_json::json!({}),
            created_at: Utc::now(),
        };
        assert_eq!(photo_etag(&image), EntityTag::new_strong(digest));
        // A value an entity tag cannot carry must not reach the header (it would panic).
        image.sha256 = "\"quoted\"".to_owned();
        assert_eq!(
            photo_etag(&image),
            EntityTag::new_strong(image.id.simple().to_string())
        );
    }
}
