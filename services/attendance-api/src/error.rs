//! attendance-api's errors, mapped once to the HTTP error envelope.

use actix_web::ResponseError;
use actix_web::http::StatusCode;
use faceattend_domain::ValidationErrors;
use faceattend_service::ApiError;
use sea_orm::DbErr;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum AttendanceApiError {
    #[error("person {0} not found")]
    PersonNotFound(Uuid),
    #[error("invalid query parameters: {0}")]
    InvalidParameters(ValidationErrors),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// A stored value this service cannot present (a count beyond range): ours, not the
    /// client's.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl AttendanceApiError {
    fn is_unavailable(&self) -> bool {
        matches!(self, Self::Database(DbErr::ConnectionAcquire(_)))
    }
}

impl From<&AttendanceApiError> for ApiError {
    fn from(error: &AttendanceApiError) -> Self {
        match error {
            AttendanceApiError::PersonNotFound(id) => {
                ApiError::not_found("person_not_found", format!("no person with id {id}"))
            }
            AttendanceApiError::InvalidParameters(errors) => {
                ApiError::invalid_parameters(errors.clone())
            }
            e if e.is_unavailable() => ApiError::unavailable(e),
            e => ApiError::internal(e),
        }
    }
}

impl ResponseError for AttendanceApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::PersonNotFound(_) => StatusCode::NOT_FOUND,
            Self::InvalidParameters(_) => StatusCode::BAD_REQUEST,
            e if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        ApiError::from(self).error_response()
    }
}
