//! person-api's errors, mapped once to the HTTP error envelope.

use actix_web::ResponseError;
use faceattend_domain::ValidationErrors;
use faceattend_service::ApiError;
use sea_orm::{DbErr, SqlErr};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum PersonApiError {
    #[error("person {0} not found")]
    PersonNotFound(Uuid),
    #[error("a person with this email already exists")]
    EmailTaken,
    #[error("a person with this id number already exists")]
    IdNumberTaken,
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("invalid query parameters: {0}")]
    InvalidParameters(ValidationErrors),
    #[error("face encoding {0} not found")]
    FaceNotFound(Uuid),
    /// The encoding exists but its photo does not: never stored, or gone from the object
    /// store (which the handler logs, since it means the store lost data).
    #[error("the photo of face encoding {0} is not stored")]
    FaceImageNotFound(Uuid),
    /// An image or enrolment request the face pipeline refused (no face, several faces,
    /// too small, blurred, undecodable, …): `code` says which.
    #[error("{message}")]
    FaceRejected {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the face recognition service is unavailable: {0}")]
    FaceServiceUnavailable(String),
    #[error("the face recognition service failed: {0}")]
    FaceServiceFailed(String),
    #[error("object store: {0}")]
    ImageStore(#[from] crate::images::ImageStoreError),
    #[error("database error: {0}")]
    Database(DbErr),
}

impl From<crate::face_client::FaceServiceError> for PersonApiError {
    fn from(error: crate::face_client::FaceServiceError) -> Self {
        use crate::face_client::FaceServiceError as E;
        match error {
            E::Rejected {
                status,
                code,
                message,
            } => Self::FaceRejected {
                status,
                code,
                message,
            },
            E::Unavailable(reason) => Self::FaceServiceUnavailable(reason),
            E::Failed(reason) => Self::FaceServiceFailed(reason),
        }
    }
}

impl From<DbErr> for PersonApiError {
    /// Unique violations are the client's doing (a duplicate), everything else is ours.
    fn from(error: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(message)) = error.sql_err() {
            if message.contains("email") {
                return Self::EmailTaken;
            }
            if message.contains("id_number") {
                return Self::IdNumberTaken;
            }
        }
        Self::Database(error)
    }
}

impl From<&PersonApiError> for ApiError {
    fn from(error: &PersonApiError) -> Self {
        match error {
            PersonApiError::PersonNotFound(id) => {
                ApiError::not_found("person_not_found", format!("no person with id {id}"))
            }
            PersonApiError::EmailTaken => {
                ApiError::conflict("email_taken", "a person with this email already exists")
            }
            PersonApiError::IdNumberTaken => ApiError::conflict(
                "id_number_taken",
                "a person with this id number already exists",
            ),
            PersonApiError::Invalid(errors) => ApiError::validation(errors.clone()),
            PersonApiError::InvalidParameters(errors) => {
                ApiError::invalid_parameters(errors.clone())
            }
            PersonApiError::FaceNotFound(id) => {
                ApiError::not_found("face_not_found", format!("no face encoding with id {id}"))
            }
            PersonApiError::FaceImageNotFound(id) => ApiError::not_found(
                "face_image_not_found",
                format!("the photo of face encoding {id} is not stored"),
            ),
            PersonApiError::FaceRejected {
                status,
                code,
                message,
            } => ApiError::new(
                actix_web::http::StatusCode::from_u16(*status)
                    .unwrap_or(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY),
                face_code(code),
                message.clone(),
            ),
            PersonApiError::FaceServiceUnavailable(reason) => ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "face_service_unavailable",
                format!("face recognition is unavailable, try again shortly ({reason})"),
            ),
            PersonApiError::FaceServiceFailed(reason) => ApiError::internal(reason),
            PersonApiError::ImageStore(e) => ApiError::unavailable(e),
            PersonApiError::Database(DbErr::ConnectionAcquire(e)) => ApiError::unavailable(e),
            PersonApiError::Database(e) => ApiError::internal(e),
        }
    }
}

impl ResponseError for PersonApiError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        // Kept beside the mapping above; computed here without building (and logging) an
        // ApiError.
        match self {
            PersonApiError::PersonNotFound(_) => StatusCode::NOT_FOUND,
            PersonApiError::EmailTaken | PersonApiError::IdNumberTaken => StatusCode::CONFLICT,
            PersonApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            PersonApiError::InvalidParameters(_) => StatusCode::BAD_REQUEST,
            PersonApiError::FaceNotFound(_) | PersonApiError::FaceImageNotFound(_) => {
                StatusCode::NOT_FOUND
            }
            PersonApiError::FaceRejected { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
            }
            PersonApiError::FaceServiceUnavailable(_) | PersonApiError::ImageStore(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            PersonApiError::FaceServiceFailed(_) => StatusCode::INTERNAL_SERVER_ERROR,
            PersonApiError::Database(DbErr::ConnectionAcquire(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            PersonApiError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        ApiError::from(self).error_response()
    }
}

/// The stable codes face rejections may carry; anything else from the service is reported
/// under a generic code rather than passed through unchecked.
fn face_code(code: &str) -> &'static str {
    const CODES: &[&str] = &[
        "no_face",
        "multiple_faces",
        "face_too_small",
        "face_blurred",
        "invalid_base64",
        "empty_image",
        "image_too_large",
        "unsupported_image",
        "undecodable_image",
        "model_mismatch",
        "invalid_request",
    ];
    CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("face_rejected")
}
