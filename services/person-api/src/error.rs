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
    #[error("database error: {0}")]
    Database(DbErr),
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
