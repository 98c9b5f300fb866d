//! The OpenAPI 3 document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`, with Swagger UI at `/docs/`.

use faceattend_attendance_store::reports::{
    DailyPersonRow, DailyReport, DayCounts, DepartmentCounts, MonthlyPersonRow, MonthlyReport,
};
use faceattend_attendance_store::sheet::{
    CellStatus, DayKind, DayTotals, MonthlySheet, SheetCell, SheetDay, SheetPersonRow, SheetTotals,
};
use faceattend_attendance_store::trends::{Interval, TrendPoint, TrendSeries, Trends};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::dto::evidence::{
    AssignReviewRequest, AssignReviewResponse, DetectionResponse, FaceBoxResponse, HistoryEntry,
    RecordDetailResponse, RecordPerson, RecordResponse, RejectReviewRequest, RunnerUpResponse,
    UnknownFaceResponse,
};
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
use crate::routes::{
    attendance, decisions, evidence, exceptions, manual, reports, rules, sessions,
};
pub use faceattend_service::error::schema::ErrorEnvelope;

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
        reports::daily, reports::monthly, reports::monthly_sheet, reports::trends,
        reports::statistics,
        sessions::create, sessions::list, sessions::get, sessions::update, sessions::delete,
        rules::create, rules::list, rules::get, rules::update, rules::delete,
        exceptions::create, exceptions::list, exceptions::get, exceptions::update,
        exceptions::delete, exceptions::approve, exceptions::reject,
        decisions::review_queue, decisions::approve_review, decisions::reject_review,
        decisions::assign_review,
        decisions::correct, decisions::approve_manual, decisions::reject_manual,
        evidence::detection, evidence::snapshot, evidence::crop, evidence::record,
        evidence::unknown_faces,
        jobs::request_run, jobs::get_run, jobs::list_runs,
    ),
    components(schemas(
        AttendanceResponse, CurrentStatusResponse, PersonStatistics,
        CheckInRequest, CheckInResponse, CheckOutRequest, CheckOutResponse,
        CreateSessionRequest, UpdateSessionRequest, SessionResponse,
        CreateRuleRequest, UpdateRuleRequest, RuleResponse,
        CreateExceptionRequest, UpdateExceptionRequest, ExceptionResponse,
        DayCounts, DepartmentCounts, DailyPersonRow, DailyReport, MonthlyPersonRow, MonthlyReport,
        MonthlySheet, SheetDay, SheetCell, SheetTotals, SheetPersonRow, DayTotals, CellStatus,
        DayKind, Trends, TrendSeries, TrendPoint, Interval,
        ReviewItemResponse, ApproveReviewRequest, ReviewDecisionResponse,
        RejectReviewRequest, AssignReviewRequest, AssignReviewResponse,
        DetectionResponse, FaceBoxResponse, RunnerUpResponse, RecordDetailResponse, RecordPerson,
        RecordResponse,
        HistoryEntry, UnknownFaceResponse,
        CorrectionRequest, CorrectionResponse, ManualDecisionRequest,
        JobRunResponse,
        ErrorEnvelope, PageMetaSchema,
    )),
    modifiers(&BearerAuth, &Contract),
    tags(
        (name = "attendance", description = "Attendance records, current status, check-in/out"),
        (name = "reports", description = "Daily and monthly reports, a person's statistics"),
        (name = "policy", description = "Shifts, rules and exceptions (holidays, leave)"),
        (name = "review", description = "The review queue, corrections, approval of manual entries"),
        (name = "evidence", description = "Detections with their snapshots and face crops, a record's sightings and history, unknown faces"),
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
    TrendsEnvelope => Trends,
    StatisticsEnvelope => PersonStatistics,
    CurrentStatusEnvelope => CurrentStatusResponse,
    CheckInEnvelope => CheckInResponse,
    CheckOutEnvelope => CheckOutResponse,
    AttendanceEnvelope => AttendanceResponse,
    OptionalAttendanceEnvelope => Option<AttendanceResponse>,
    ReviewDecisionEnvelope => ReviewDecisionResponse,
    AssignReviewEnvelope => AssignReviewResponse,
    DetectionEnvelope => DetectionResponse,
    RecordDetailEnvelope => RecordDetailResponse,
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
    UnknownFacesEnvelope => UnknownFaceResponse,
);

/// The monthly report with its page of persons in `meta`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MonthlyReportEnvelope {
    success: bool,
    data: MonthlyReport,
    meta: PageMetaSchema,
}

/// The monthly sheet with its page of persons in `meta`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MonthlySheetEnvelope {
    success: bool,
    data: MonthlySheet,
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

/// Request field schemas carrying the limits the validation enforces, for `schema_with`, so
/// a generated client refuses what the API would refuse. Each is built from the constant the
/// validation itself uses.
pub mod fields {
    use faceattend_attendance_store::jobs::{JobName, RunState};
    use faceattend_domain::attendance::{AttendanceStatus, Verdict};
    use faceattend_domain::person::limits;
    use serde_json::Value;
    use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, Type};

    use crate::dto::CORRECTION_REASON;
    use crate::dto::policies::{ApprovalStatus, ExceptionType, NAME_MAX, REASON_MAX};

    /// The whitespace Rust's `str::trim` removes (Unicode `White_Space`).
    const SPACE: &str = r"\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

    /// What `Text::parse(raw, max)` accepts: once trimmed, 1 to `max` characters and no
    /// control character (`char::is_control`, U+0000–U+001F and U+007F–U+009F).
    pub fn text_pattern(max: usize) -> String {
        let space = format!("[{SPACE}]");
        let edge = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
        let inner = r"[^\x00-\x1F\x7F-\x9F]";
        format!(
            "^{space}*{edge}(?:{inner}{{0,{}}}{edge})?{space}*$",
            max.saturating_sub(2)
        )
    }

    fn string(nullable: bool) -> ObjectBuilder {
        if nullable {
            ObjectBuilder::new().schema_type(
                [Type::String, Type::Null]
                    .into_iter()
                    .collect::<utoipa::openapi::schema::SchemaType>(),
            )
        } else {
            ObjectBuilder::new().schema_type(Type::String)
        }
    }

    fn text(max: usize, nullable: bool) -> Object {
        string(nullable)
            .pattern(Some(text_pattern(max)))
            .description(Some(format!(
                "1 to {max} characters once trimmed, no control characters"
            )))
            .build()
    }

    fn formatted(format: KnownFormat, nullable: bool) -> Object {
        string(nullable)
            .format(Some(SchemaFormat::KnownFormat(format)))
            .build()
    }

    /// One of `values` (and `null` when nullable: an enum applies to every type).
    fn one_of<'a>(values: impl IntoIterator<Item = &'a str>, nullable: bool) -> Object {
        let mut values: Vec<Value> = values.into_iter().map(Value::from).collect();
        if nullable {
            values.push(Value::Null);
        }
        string(nullable).enum_values(Some(values)).build()
    }

    /// RFC 3339 with an offset, or `null`.
    pub fn date_time_or_null() -> Object {
        formatted(KnownFormat::DateTime, true)
    }
    pub fn uuid() -> Object {
        formatted(KnownFormat::Uuid, false)
    }
    pub fn uuid_or_null() -> Object {
        formatted(KnownFormat::Uuid, true)
    }
    /// `YYYY-MM-DD`.
    pub fn date() -> Object {
        formatted(KnownFormat::Date, false)
    }
    /// `HH:MM` or `HH:MM:SS`, 24-hour (never a leap second).
    pub fn time() -> Object {
        string(false)
            .pattern(Some(format!(
                "^[{SPACE}]*(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?[{SPACE}]*$"
            )))
            .description(Some("`HH:MM` or `HH:MM:SS`, 24-hour"))
            .examples(["09:00"])
            .build()
    }
    pub fn name() -> Object {
        text(NAME_MAX, false)
    }
    pub fn department() -> Object {
        text(limits::DEPARTMENT, false)
    }
    pub fn organization() -> Object {
        text(limits::ORGANIZATION, false)
    }
    pub fn organization_or_null() -> Object {
        text(limits::ORGANIZATION, true)
    }
    pub fn reason() -> Object {
        text(REASON_MAX, false)
    }
    pub fn remark() -> Object {
        text(CORRECTION_REASON, false)
    }
    pub fn remark_or_null() -> Object {
        text(CORRECTION_REASON, true)
    }
    pub fn camera_id() -> Object {
        text(crate::dto::evidence::CAMERA_ID_MAX, false)
    }
    pub fn boolean_or_null() -> Object {
        ObjectBuilder::new()
            .schema_type(
                [Type::Boolean, Type::Null]
                    .into_iter()
                    .collect::<utoipa::openapi::schema::SchemaType>(),
            )
            .build()
    }
    pub fn boolean_text() -> Object {
        ObjectBuilder::new().schema_type(Type::Boolean).build()
    }
    pub fn format() -> Object {
        one_of(["json", "csv"], false)
    }
    pub fn attendance_status() -> Object {
        one_of(AttendanceStatus::ALL.iter().map(|s| s.as_str()), false)
    }
    pub fn interval() -> Object {
        one_of(["day", "week"], false)
    }
    pub fn record_source() -> Object {
        one_of(
            crate::queries::RecordSource::ALL.iter().map(|s| s.as_str()),
            false,
        )
    }
    pub fn review_state() -> Object {
        one_of(["pending", "approved", "rejected"], false)
    }
    pub fn direction_or_null() -> Object {
        one_of(["check_in", "check_out"], true)
    }
    pub fn verdict() -> Object {
        one_of(Verdict::ALL.iter().map(|v| v.as_str()), false)
    }
    pub fn approval_status() -> Object {
        one_of(ApprovalStatus::ALL.iter().map(|s| s.as_str()), false)
    }
    pub fn exception_type() -> Object {
        one_of(ExceptionType::ALL.iter().map(|t| t.as_str()), false)
    }
    pub fn job_name() -> Object {
        one_of(JobName::ALL.iter().map(|j| j.as_str()), false)
    }
    pub fn run_state() -> Object {
        one_of(RunState::ALL.iter().map(|s| s.as_str()), false)
    }
    /// Distinct weekday indices, 0 (Monday) to 6 (Sunday), at least one.
    pub fn working_days() -> utoipa::openapi::schema::Array {
        use utoipa::openapi::schema::ArrayBuilder;
        ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .maximum(Some(6)),
            )
            .min_items(Some(1))
            .max_items(Some(7))
            .unique_items(true)
            .description(Some(
                "Distinct weekday indices, 0 (Monday) to 6 (Sunday), at least one",
            ))
            .examples([serde_json::json!([0, 1, 2, 3, 4])])
            .build()
    }
}

/// What every operation can answer besides its own outcomes, added where a route's
/// annotation does not already say more: 401 and 403 (every route needs a token), 503 (the
/// database unreachable), 400 for a malformed path or query parameter, and for a JSON body
/// 400 (not JSON), 413 (over the size limit), 415 (not `application/json`) and 422 (wrong
/// shape or invalid fields). Routes with `format=csv` answer `text/csv` too. The jobs'
/// `{job}` is split into one path per job, each with its own parameters.
pub struct Contract;

impl Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        split_job_runs(openapi);
        for (path, item) in openapi.paths.paths.iter_mut() {
            for operation in [
                item.get.as_mut(),
                item.post.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                complete(path, operation);
            }
        }
    }
}

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                .build(),
        )
        .build()
        .into()
}

fn complete(path: &str, operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, ObjectBuilder, RefOr, Type};

    // `/{person_id}` names the person: its `person_id` query parameter is refused.
    if path == "/api/v1/attendance/{person_id}"
        && let Some(parameters) = operation.parameters.as_mut()
    {
        parameters.retain(|p| {
            !matches!(p, RefOr::T(p) if p.name == "person_id" && p.parameter_in == ParameterIn::Query)
        });
    }
    // The reports' `format`, declared in their routes' annotations as a plain string.
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter
            && parameter.name == "format"
            && parameter.parameter_in == ParameterIn::Query
        {
            parameter.schema = Some(fields::format().into());
        }
    }
    let responses = &mut operation.responses.responses;
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    };
    add("401", "No, malformed or expired token (`unauthorized`)");
    add(
        "403",
        "The token lacks the route's permission (`forbidden`)",
    );
    add("503", "The database is unreachable (`service_unavailable`)");
    if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        add("400", "An invalid parameter, named in `details`");
    }
    if operation.request_body.is_some() {
        add("400", "The body is not JSON (`malformed_json`)");
        add(
            "413",
            "The body is over the size limit (`payload_too_large`)",
        );
        add(
            "415",
            "The body is not `application/json` (`unsupported_media_type`)",
        );
        add(
            "422",
            "Invalid fields, named in `details` (`validation_failed`)",
        );
    }
    let csv = operation.parameters.as_ref().is_some_and(|p| {
        p.iter()
            .any(|p| matches!(p, RefOr::T(p) if p.name == "format"))
    });
    if csv && let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") {
        ok.content.insert(
            "text/csv".to_owned(),
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).build()))
                .build()
                .into(),
        );
    }
}

/// `POST /api/v1/attendance/jobs/{job}/runs` as one path per job: each job takes its own
/// parameters, which one schema over `{job}` could not say.
fn split_job_runs(openapi: &mut utoipa::openapi::OpenApi) {
    use faceattend_attendance_store::jobs::JobName;
    use utoipa::openapi::path::Operation;

    const TEMPLATE: &str = "/api/v1/attendance/jobs/{job}/runs";
    let Some(item) = openapi.paths.paths.remove(TEMPLATE) else {
        return;
    };
    let Some(operation) = item.post.clone() else {
        return;
    };
    for job in JobName::ALL {
        let mut run: Operation = operation.clone();
        let name = job.as_str();
        run.operation_id = Some(format!("request_run_{name}"));
        run.parameters = None;
        run.responses.responses.remove("404");
        run.request_body = Some(job_body(*job).into());
        let mut item = item.clone();
        item.post = Some(run);
        openapi
            .paths
            .paths
            .insert(format!("/api/v1/attendance/jobs/{name}/runs"), item);
    }
}

/// A job's parameters: an optional body (none or `{}`: the defaults), an object whose
/// fields may be `null` (the default too); unknown fields are refused.
fn job_body(
    job: faceattend_attendance_store::jobs::JobName,
) -> utoipa::openapi::request_body::RequestBody {
    use faceattend_attendance_store::jobs::JobName;
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::schema::{
        AdditionalProperties, AnyOfBuilder, KnownFormat, Object, ObjectBuilder, Schema,
        SchemaFormat, SchemaType, Type,
    };
    use utoipa::openapi::{ContentBuilder, Required};

    let nullable = |t: Type| [t, Type::Null].into_iter().collect::<SchemaType>();
    let integer = |min: u32, max: u32, nullable_too: bool| {
        ObjectBuilder::new()
            .schema_type(if nullable_too {
                nullable(Type::Integer)
            } else {
                SchemaType::from(Type::Integer)
            })
            .minimum(Some(min))
            .maximum(Some(max))
            .build()
    };
    let object = |fields: Vec<(&str, Object)>, required: &[&str]| {
        let mut builder = ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        for (name, schema) in fields {
            builder = builder.property(name, schema);
        }
        for name in required {
            builder = builder.required(*name);
        }
        Schema::Object(builder.build())
    };
    let null = || ObjectBuilder::new().schema_type(Type::Null).build();
    let (schema, description) = match job {
        JobName::Reconcile => (
            object(vec![("minutes", integer(1, 1440, true))], &[]),
            "`minutes` (default 5): the detections received in the last minutes",
        ),
        JobName::DailyReport => (
            object(
                vec![(
                    "date",
                    ObjectBuilder::new()
                        .schema_type(nullable(Type::String))
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                        .build(),
                )],
                &[],
            ),
            "`date` (default today)",
        ),
        JobName::MonthlyReport => (
            Schema::AnyOf(
                AnyOfBuilder::new()
                    .item(object(
                        vec![
                            ("year", integer(1970, 9999, false)),
                            ("month", integer(1, 12, false)),
                        ],
                        &["year", "month"],
                    ))
                    .item(object(vec![("year", null()), ("month", null())], &[]))
                    .build(),
            ),
            "`year` and `month` together, or neither (last month)",
        ),
        JobName::Notifications => (
            object(vec![("person_id", fields::uuid_or_null())], &[]),
            "`person_id` (default everyone)",
        ),
        JobName::Cleanup => (
            object(vec![("days", integer(1, 36_500, true))], &[]),
            "`days` (default `RETENTION_DAYS`): what is kept",
        ),
    };
    RequestBodyBuilder::new()
        .description(Some(format!(
            "The job's parameters: {description}; no body or `{{}}` for the defaults"
        )))
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .required(Some(Required::False))
        .build()
}
