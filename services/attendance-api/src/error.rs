//! attendance-api's errors, mapped once to the HTTP error envelope.

use actix_web::ResponseError;
use actix_web::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use faceattend_attendance_store::StoreError;
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
    /// A request body whose fields parse as JSON but not as values (422).
    #[error("invalid request body: {0}")]
    InvalidBody(ValidationErrors),
    #[error("already checked in on {0}")]
    AlreadyCheckedIn(NaiveDate),
    #[error("already checked out on {0}")]
    AlreadyCheckedOut(NaiveDate),
    #[error("not checked in on {0}")]
    NotCheckedIn(NaiveDate),
    #[error("the check-in at {0} is later than now")]
    CheckOutBeforeCheckIn(DateTime<Utc>),
    #[error("attendance store error: {0}")]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// A stored value this service cannot present (a count beyond range): ours, not the
    /// client's.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl AttendanceApiError {
    fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Database(DbErr::ConnectionAcquire(_))
                | Self::Store(StoreError::Database(DbErr::ConnectionAcquire(_)))
        )
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
            AttendanceApiError::InvalidBody(errors) => ApiError::validation(errors.clone()),
            AttendanceApiError::AlreadyCheckedIn(date) => ApiError::conflict(
                "already_checked_in",
                format!("the person already checked in on {date}"),
            ),
            AttendanceApiError::AlreadyCheckedOut(date) => ApiError::conflict(
                "already_checked_out",
                format!("the person already checked out on {date}"),
            ),
            AttendanceApiError::NotCheckedIn(date) => ApiError::conflict(
                "not_checked_in",
                format!("the person has not checked in on {date}"),
            ),
            AttendanceApiError::CheckOutBeforeCheckIn(at) => ApiError::conflict(
                "check_out_before_check_in",
                format!("the check-in at {at} is later than now"),
            ),
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
            Self::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::AlreadyCheckedIn(_)
            | Self::AlreadyCheckedOut(_)
            | Self::NotCheckedIn(_)
            | Self::CheckOutBeforeCheckIn(_) => StatusCode::CONFLICT,
            e if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        ApiError::from(self).error_response()
    }
}
