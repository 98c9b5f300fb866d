//! attendance-worker's jobs on demand: `POST /api/v1/attendance/jobs/{job}/runs` asks for a
//! run (the worker's poll picks it up within seconds), `GET …/jobs/runs/{id}` and
//! `GET …/jobs/runs?job=&state=` show how runs went.
//!
//! The API only writes the request (`pending`) into the shared database; it never runs a
//! job itself. The job catalogue and its parameters' validation are the store's, so the
//! API, the worker and the CLI accept exactly the same parameters.

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use faceattend_attendance_store::AttendanceStore;
use faceattend_attendance_store::jobs::{self, JobName, JobParameters, JobRun, RunState, Trigger};
use faceattend_domain::{FieldIssue, ValidationErrors};
use faceattend_service::auth::{AttendanceRead, AttendanceWrite, Require};
use faceattend_service::{ApiError, envelope, json};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::dto::parse_uuid;
use crate::error::AttendanceApiError;
use crate::openapi::{ErrorEnvelope, JobRunEnvelope, JobRunListEnvelope, fields};

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// Runs listed when `limit` is not given, and the most a page may hold.
const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 200;

/// A run as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobRunResponse {
    pub id: Uuid,
    /// reconcile, daily_report, monthly_report, notifications or cleanup.
    #[schema(value_type = String)]
    pub job: &'static str,
    /// The parameters as asked for (defaults left out).
    #[schema(value_type = Object)]
    pub parameters: Value,
    /// The scheduled instant, for scheduled runs.
    pub slot: Option<DateTime<Utc>>,
    /// schedule, api or cli.
    #[schema(value_type = String)]
    pub trigger: &'static str,
    pub requested_by: String,
    /// pending, running, succeeded or failed.
    #[schema(value_type = String)]
    pub state: &'static str,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    /// The job's summary, once it succeeded.
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    pub error: Option<String>,
}

impl From<JobRun> for JobRunResponse {
    fn from(run: JobRun) -> Self {
        Self {
            id: run.id,
            job: run.job().as_str(),
            parameters: run.parameters.to_json(),
            slot: run.slot,
            trigger: run.trigger.as_str(),
            requested_by: run.requested_by,
            state: run.state.as_str(),
            created_at: run.created_at,
            started_at: run.started_at,
            finished_at: run.finished_at,
            attempts: run.attempts,
            result: run.result,
            error: run.error,
        }
    }
}

/// `GET /api/v1/attendance/jobs/runs`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListRunsQuery {
    /// Only this job's runs.
    #[param(schema_with = fields::job_name)]
    pub job: Option<String>,
    /// pending, running, succeeded or failed.
    #[param(schema_with = fields::run_state)]
    pub state: Option<String>,
    /// Runs listed, newest first (default 50, at most 200).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

impl ListRunsQuery {
    fn validate(
        self,
    ) -> std::result::Result<(Option<JobName>, Option<RunState>, u64), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let job = errors.check("job", self.job.as_deref().map(job_name).transpose());
        let state = errors.check(
            "state",
            self.state
                .as_deref()
                .map(|raw| {
                    RunState::parse(raw.trim()).ok_or_else(|| {
                        FieldIssue::new(
                            "unknown_state",
                            format!("must be one of {}", names(RunState::ALL, |s| s.as_str())),
                        )
                    })
                })
                .transpose(),
        );
        let limit = errors.check(
            "limit",
            match self.limit {
                None => Ok(DEFAULT_LIMIT),
                Some(limit @ 1..=MAX_LIMIT) => Ok(limit),
                Some(_) => Err(FieldIssue::new(
                    "out_of_range",
                    format!("must be from 1 to {MAX_LIMIT}"),
                )),
            },
        );
        errors.into_result(|| {
            (
                job.flatten(),
                state.flatten(),
                limit.unwrap_or(DEFAULT_LIMIT),
            )
        })
    }
}

fn names<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|t| name(*t)).collect::<Vec<_>>().join(", ")
}

fn job_name(raw: &str) -> std::result::Result<JobName, FieldIssue> {
    JobName::parse(raw.trim()).ok_or_else(|| {
        FieldIssue::new(
            "unknown_job",
            format!("must be one of {}", names(JobName::ALL, |j| j.as_str())),
        )
    })
}

/// Ask for a run of a job: reconcile (`minutes`), daily_report (`date`), monthly_report
/// (`year`, `month`), notifications (`person_id`), cleanup (`days`); no body or `{}` takes
/// the job's defaults (a JSON `null` is not an object: 422). A worker picks the pending run
/// up within seconds. The document lists one path per job (`openapi::Contract`).
#[utoipa::path(
    post, path = "/api/v1/attendance/jobs/{job}/runs", tag = "jobs",
    params(("job" = String, Path, description = "The job's name")),
    request_body(content = Option<Object>, description = "The job's parameters", content_type = "application/json"),
    responses(
        (status = 202, body = JobRunEnvelope),
        (status = 400, description = "Malformed JSON", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 404, description = "`job_not_found`", body = ErrorEnvelope),
        (status = 415, body = ErrorEnvelope),
        (status = 422, description = "Invalid parameters, listed in `details`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn request_run(
    auth: Require<AttendanceWrite>,
    store: web::Data<AttendanceStore>,
    job: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> actix_web::Result<HttpResponse> {
    let job = JobName::parse(&job).ok_or_else(|| AttendanceApiError::JobNotFound(job.clone()))?;
    let parameters = if json::is_blank(&body) {
        // No body: the defaults.
        Value::Object(serde_json::Map::new())
    } else {
        let is_json = matches!(
            request.mime_type(),
            Ok(Some(mime)) if mime.type_() == "application" && mime.subtype() == "json"
        );
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON (Content-Type: application/json)",
            )
            .into());
        }
        match json::parse::<Value>(&body)? {
            // `null` is not the object of parameters the route takes (the store reads a
            // `null` as the defaults, for its other callers).
            Value::Null => {
                return Err(AttendanceApiError::InvalidBody(ValidationErrors::single(
                    FieldIssue::new("invalid_type", "must be a JSON object").at("body"),
                ))
                .into());
            }
            value => value,
        }
    };
    let parameters =
        JobParameters::parse(job, &parameters).map_err(AttendanceApiError::InvalidBody)?;
    let run = jobs::request(
        store.connection(),
        &parameters,
        Trigger::Api,
        &auth.principal.subject,
        Utc::now(),
    )
    .await
    .map_err(AttendanceApiError::from)?;
    Ok(envelope::respond::<_, Value>(
        StatusCode::ACCEPTED,
        JobRunResponse::from(run),
        None,
    ))
}

/// One run: its state, and its summary or error once finished.
#[utoipa::path(
    get, path = "/api/v1/attendance/jobs/runs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "The run's id")),
    responses(
        (status = 200, body = JobRunEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 404, description = "`job_run_not_found`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn get_run(
    _auth: Require<AttendanceRead>,
    store: web::Data<AttendanceStore>,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let id = parse_uuid(&id).map_err(|issue| {
        AttendanceApiError::InvalidParameters(ValidationErrors::single(issue.at("id")))
    })?;
    let run = jobs::get(store.connection(), id)
        .await?
        .ok_or(AttendanceApiError::JobRunNotFound(id))?;
    Ok(envelope::ok(JobRunResponse::from(run)))
}

/// Recent runs, scheduled or asked for, newest first.
#[utoipa::path(
    get, path = "/api/v1/attendance/jobs/runs", tag = "jobs",
    params(ListRunsQuery),
    responses(
        (status = 200, body = JobRunListEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list_runs(
    _auth: Require<AttendanceRead>,
    store: web::Data<AttendanceStore>,
    query: web::Query<ListRunsQuery>,
) -> Result<HttpResponse> {
    let (job, state, limit) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let runs = jobs::list(store.connection(), job, state, limit).await?;
    Ok(envelope::ok(
        runs.into_iter()
            .map(JobRunResponse::from)
            .collect::<Vec<_>>(),
    ))
}
