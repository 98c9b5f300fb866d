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
    #[error("no job named {0:?}")]
    JobNotFound(String),
    #[error("job run {0} not found")]
    JobRunNotFound(Uuid),
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
    #[error("review item {0} not found")]
    ReviewItemNotFound(Uuid),
    #[error("the review item was already {0}")]
    ReviewItemDecided(String),
    #[error("review item {0} is an ambiguous time: say whether it was a check-in or a check-out")]
    DirectionRequired(Uuid),
    #[error("detection {0} not found")]
    DetectionNotFound(Uuid),
    #[error("detection {0} is an unknown face: it belongs to no one")]
    UnknownFace(Uuid),
    #[error("detection {0} has no evidence image")]
    EvidenceNotFound(Uuid),
    #[error("evidence image unreadable: {0}")]
    EvidenceUnreadable(String),
    #[error("evidence storage: {0}")]
    EvidenceStorage(String),
    #[error("the detection is {0}'s own: assign it to someone else, or approve it")]
    SamePerson(Uuid),
    #[error("attendance record {0} not found")]
    AttendanceNotFound(Uuid),
    #[error("attendance record {0} was not entered by hand")]
    NotManual(Uuid),
    #[error("attendance record {0} is already approved")]
    AlreadyApproved(Uuid),
    #[error("shift {0} not found")]
    SessionNotFound(Uuid),
    #[error("rule {0} not found")]
    RuleNotFound(Uuid),
    #[error("exception {0} not found")]
    ExceptionNotFound(Uuid),
    #[error("a shift named {0:?} exists")]
    SessionNameTaken(String),
    #[error("a rule named {0:?} exists")]
    RuleNameTaken(String),
    #[error("the same exception exists: {0}")]
    ExceptionExists(Uuid),
    #[error("exception {0} was already approved or rejected")]
    ExceptionAlreadyDecided(Uuid),
    #[error("exception {0} does not require approval")]
    ApprovalNotRequired(Uuid),
    #[error("the export would hold {rows} rows, more than {max}")]
    ExportTooLarge { rows: u64, max: u64 },
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
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
            AttendanceApiError::JobNotFound(name) => ApiError::not_found(
                "job_not_found",
                format!(
                    "no job named {name:?}; jobs: reconcile, daily_report, monthly_report, notifications, cleanup"
                ),
            ),
            AttendanceApiError::JobRunNotFound(id) => {
                ApiError::not_found("job_run_not_found", format!("no job run with id {id}"))
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
            AttendanceApiError::ReviewItemNotFound(_) => {
                ApiError::not_found("review_item_not_found", error.to_string())
            }
            AttendanceApiError::ReviewItemDecided(_) => {
                ApiError::conflict("review_item_decided", error.to_string())
            }
            AttendanceApiError::DirectionRequired(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "direction_required",
                error.to_string(),
            ),
            AttendanceApiError::EvidenceNotFound(_) => {
                ApiError::not_found("evidence_not_found", error.to_string())
            }
            AttendanceApiError::SamePerson(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "same_person",
                error.to_string(),
            ),
            AttendanceApiError::DetectionNotFound(_) => {
                ApiError::not_found("detection_not_found", error.to_string())
            }
            AttendanceApiError::UnknownFace(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_face",
                error.to_string(),
            ),
            AttendanceApiError::AttendanceNotFound(_) => {
                ApiError::not_found("attendance_not_found", error.to_string())
            }
            AttendanceApiError::NotManual(_) => ApiError::conflict("not_manual", error.to_string()),
            AttendanceApiError::AlreadyApproved(_) => {
                ApiError::conflict("already_approved", error.to_string())
            }
            AttendanceApiError::SessionNotFound(id) => {
                ApiError::not_found("session_not_found", format!("no shift with id {id}"))
            }
            AttendanceApiError::RuleNotFound(id) => {
                ApiError::not_found("rule_not_found", format!("no rule with id {id}"))
            }
            AttendanceApiError::ExceptionNotFound(id) => {
                ApiError::not_found("exception_not_found", format!("no exception with id {id}"))
            }
            AttendanceApiError::SessionNameTaken(name) => ApiError::conflict(
                "session_name_taken",
                format!("a shift named {name:?} exists"),
            ),
            AttendanceApiError::RuleNameTaken(name) => {
                ApiError::conflict("rule_name_taken", format!("a rule named {name:?} exists"))
            }
            AttendanceApiError::ExceptionExists(id) => ApiError::conflict(
                "exception_exists",
                format!("exception {id} has the same date, type and person"),
            ),
            AttendanceApiError::ExceptionAlreadyDecided(id) => ApiError::conflict(
                "exception_already_decided",
                format!("exception {id} was already approved or rejected"),
            ),
            AttendanceApiError::ApprovalNotRequired(id) => ApiError::conflict(
                "approval_not_required",
                format!("exception {id} does not require approval"),
            ),
            AttendanceApiError::ExportTooLarge { rows, max } => ApiError::bad_request(
                "export_too_large",
                format!(
                    "the export would hold {rows} rows, more than {max}: narrow the dates or filters"
                ),
            ),
            AttendanceApiError::EvidenceStorage(_) => ApiError::unavailable(error),
            e if e.is_unavailable() => ApiError::unavailable(e),
            e => ApiError::internal(e),
        }
    }
}

impl ResponseError for AttendanceApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::PersonNotFound(_)
            | Self::ReviewItemNotFound(_)
            | Self::DetectionNotFound(_)
            | Self::AttendanceNotFound(_)
            | Self::SessionNotFound(_)
            | Self::RuleNotFound(_)
            | Self::ExceptionNotFound(_)
            | Self::JobNotFound(_)
            | Self::JobRunNotFound(_)
            | Self::EvidenceNotFound(_) => StatusCode::NOT_FOUND,
            Self::DirectionRequired(_) | Self::UnknownFace(_) | Self::SamePerson(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::EvidenceStorage(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::ReviewItemDecided(_) | Self::NotManual(_) | Self::AlreadyApproved(_) => {
                StatusCode::CONFLICT
            }
            Self::InvalidParameters(_) | Self::ExportTooLarge { .. } => StatusCode::BAD_REQUEST,
            Self::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::AlreadyCheckedIn(_)
            | Self::AlreadyCheckedOut(_)
            | Self::NotCheckedIn(_)
            | Self::CheckOutBeforeCheckIn(_)
            | Self::SessionNameTaken(_)
            | Self::RuleNameTaken(_)
            | Self::ExceptionExists(_)
            | Self::ExceptionAlreadyDecided(_)
            | Self::ApprovalNotRequired(_) => StatusCode::CONFLICT,
            e if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        ApiError::from(self).error_response()
    }
}
