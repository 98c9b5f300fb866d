//! The OpenAPI 3 document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`, with Swagger UI at `/docs/`.

use faceattend_attendance_store::reports::{
    DailyPersonRow, DailyReport, DayCounts, DepartmentCounts, MonthlyPersonRow, MonthlyReport,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::dto::policies::{
    CreateExceptionRequest, CreateRuleRequest, CreateSessionRequest, ExceptionResponse,
    RuleResponse, SessionResponse, UpdateExceptionRequest, UpdateRuleRequest, UpdateSessionRequest,
};
use crate::dto::{
    ApproveReviewRequest, AttendanceResponse, CheckInRequest, CheckInResponse, CheckOutRequest,
    CheckOutResponse, CorrectionRequest, CorrectionResponse, CurrentStatusResponse,
    ManualDecisionRequest, PersonStatistics, ReviewDecisionResponse, ReviewItemResponse,
};
use crate::routes::jobs::{self, JobRunResponse};
use crate::routes::{attendance, decisions, exceptions, manual, reports, rules, sessions};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "faceattend attendance-api",
        description = "Attendance records, reports and the attendance policy (shifts, rules, \
                       exceptions) of faceattend. Every route needs a bearer token \
                       (`faceattend token --perm attendance:read,attendance:write`): reads need \
                       `attendance:read`, writes `attendance:write`. Errors use one envelope: \
                       `{\"success\": false, \"error\": {\"code\", \"message\", \"details\"}}`. \
                       Routes with `format=csv` answer `text/csv` for payroll.",
    ),
    paths(
        attendance::list, attendance::person_list, attendance::status,
        manual::check_in, manual::check_out,
        reports::daily, reports::monthly, reports::statistics,
        sessions::create, sessions::list, sessions::get, sessions::update, sessions::delete,
        rules::create, rules::list, rules::get, rules::update, rules::delete,
        exceptions::create, exceptions::list, exceptions::get, exceptions::update,
        exceptions::delete, exceptions::approve, exceptions::reject,
        decisions::review_queue, decisions::approve_review, decisions::reject_review,
        decisions::correct, decisions::approve_manual, decisions::reject_manual,
        jobs::request_run, jobs::get_run, jobs::list_runs,
    ),
    components(schemas(
        AttendanceResponse, CurrentStatusResponse, PersonStatistics,
        CheckInRequest, CheckInResponse, CheckOutRequest, CheckOutResponse,
        CreateSessionRequest, UpdateSessionRequest, SessionResponse,
        CreateRuleRequest, UpdateRuleRequest, RuleResponse,
        CreateExceptionRequest, UpdateExceptionRequest, ExceptionResponse,
        DayCounts, DepartmentCounts, DailyPersonRow, DailyReport, MonthlyPersonRow, MonthlyReport,
        ReviewItemResponse, ApproveReviewRequest, ReviewDecisionResponse,
        CorrectionRequest, CorrectionResponse, ManualDecisionRequest,
        JobRunResponse,
        ErrorEnvelope, ErrorBodySchema, FieldErrorSchema, PageMetaSchema,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "attendance", description = "Attendance records, current status, check-in/out"),
        (name = "reports", description = "Daily and monthly reports, a person's statistics"),
        (name = "policy", description = "Shifts, rules and exceptions (holidays, leave)"),
        (name = "review", description = "The review queue, corrections, approval of manual entries"),
        (name = "jobs", description = "attendance-worker's jobs on demand, and their runs"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

// Envelope shapes, for the document only.

/// `{"success": true, "data": …}` around one value.
macro_rules! envelopes {
    ($($name:ident => $data:ty),+ $(,)?) => {$(
        #[derive(ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            success: bool,
            data: $data,
        }
    )+};
}

/// `{"success": true, "data": [...], "meta": {page, pageSize, total, totalPages}}`.
macro_rules! list_envelopes {
    ($($name:ident => $item:ty),+ $(,)?) => {$(
        #[derive(ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            success: bool,
            data: Vec<$item>,
            meta: PageMetaSchema,
        }
    )+};
}

envelopes!(
    SessionEnvelope => SessionResponse,
    RuleEnvelope => RuleResponse,
    ExceptionEnvelope => ExceptionResponse,
    DailyReportEnvelope => DailyReport,
    StatisticsEnvelope => PersonStatistics,
    CurrentStatusEnvelope => CurrentStatusResponse,
    CheckInEnvelope => CheckInResponse,
    CheckOutEnvelope => CheckOutResponse,
    AttendanceEnvelope => AttendanceResponse,
    OptionalAttendanceEnvelope => Option<AttendanceResponse>,
    ReviewDecisionEnvelope => ReviewDecisionResponse,
    CorrectionEnvelope => CorrectionResponse,
    JobRunEnvelope => JobRunResponse,
    JobRunListEnvelope => Vec<JobRunResponse>,
);

list_envelopes!(
    SessionListEnvelope => SessionResponse,
    RuleListEnvelope => RuleResponse,
    ExceptionListEnvelope => ExceptionResponse,
    AttendanceListEnvelope => AttendanceResponse,
    ReviewQueueEnvelope => ReviewItemResponse,
);

/// The monthly report with its page of persons in `meta`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MonthlyReportEnvelope {
    success: bool,
    data: MonthlyReport,
    meta: PageMetaSchema,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(as = PageMeta)]
pub struct PageMetaSchema {
    page: u64,
    #[schema(rename = "pageSize")]
    page_size: u64,
    total: u64,
    #[schema(rename = "totalPages")]
    total_pages: u64,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorEnvelope {
    /// Always false.
    success: bool,
    error: ErrorBodySchema,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(as = ErrorBody)]
pub struct ErrorBodySchema {
    /// Stable machine-readable code, e.g. `validation_failed`, `session_not_found`.
    code: String,
    message: String,
    /// Per-field problems of a 400/422.
    details: Option<Vec<FieldErrorSchema>>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(as = FieldError)]
pub struct FieldErrorSchema {
    field: String,
    code: String,
    message: String,
}
