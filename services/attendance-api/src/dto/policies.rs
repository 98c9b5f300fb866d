//! Bodies and queries of the attendance policy routes: shifts (the spec's
//! `AttendanceSession`), rules (`AttendanceRule`) and exceptions (`AttendanceException`),
//! with the spec's field names.
//!
//! A create and a PATCH are validated the same way: a PATCH is laid over the stored row
//! (`apply`) into the same all-fields input a create produces, and that input is validated
//! as a whole, through the domain's types where they exist ([`Shift`], [`WorkingDays`],
//! [`Thresholds`], [`Confidence`]). So a PATCH that changes only `end_time` is still checked
//! against the stored grace period, and every bad field is listed by name.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use faceattend_attendance_store::entities::{
    attendance_exception, attendance_rule, attendance_session,
};
use faceattend_domain::attendance::{Confidence, RuleError, Shift, Thresholds, WorkingDays};
use faceattend_domain::person::{Text, limits};
use faceattend_domain::{FieldIssue, PageRequest, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{nullable, parse_date, parse_uuid, present};
use crate::openapi::fields;

/// The longest shift or rule name.
pub const NAME_MAX: usize = 100;
/// The longest exception reason.
pub const REASON_MAX: usize = 500;
/// The most lateness (or early leave) a shift may forgive: half a day.
pub const MAX_GRACE_MINUTES: i64 = 720;

/// `HH:MM` or `HH:MM:SS`, 24-hour.
pub fn parse_time(raw: &str) -> Result<NaiveTime, FieldIssue> {
    let raw = raw.trim();
    NaiveTime::parse_from_str(raw, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M"))
        .map_err(|_| FieldIssue::new("invalid_time", "must be a time as HH:MM or HH:MM:SS"))
}

pub fn parse_bool(raw: &str) -> Result<bool, FieldIssue> {
    match raw.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(FieldIssue::new("invalid_boolean", "must be true or false")),
    }
}

fn in_range(value: i64, min: i64, max: i64) -> Result<i32, FieldIssue> {
    if (min..=max).contains(&value) {
        Ok(value as i32)
    } else {
        Err(FieldIssue::new(
            "out_of_range",
            format!("must be between {min} and {max}"),
        ))
    }
}

fn name(raw: &str) -> Result<String, FieldIssue> {
    Text::parse(raw, NAME_MAX).map(|t| t.as_str().to_owned())
}

fn page(
    errors: &mut ValidationErrors,
    page: Option<i64>,
    size: Option<i64>,
) -> Option<PageRequest> {
    let page = errors.check("page", PageRequest::parse_page(page));
    let size = errors.check("page_size", PageRequest::parse_page_size(size));
    Some(PageRequest::new(page?, size?))
}

// ---------------------------------------------------------------------------------------
// Shifts

/// `POST /api/v1/attendance/sessions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    #[schema(schema_with = fields::name)]
    pub name: String,
    /// `HH:MM[:SS]`.
    #[schema(schema_with = fields::time)]
    pub start_time: String,
    /// `HH:MM[:SS]`; at or before `start_time`: the shift crosses midnight.
    #[schema(schema_with = fields::time)]
    pub end_time: String,
    /// 1 to 1440; default the shift's length.
    #[schema(minimum = 1, maximum = 1440)]
    pub expected_duration_minutes: Option<i64>,
    /// Lateness forgiven, 0 to 720 and at most the shift's length (default 0).
    #[schema(example = 15, minimum = 0, maximum = 720)]
    pub grace_period_minutes: Option<i64>,
    /// Early leave forgiven, as `grace_period_minutes` (default 0).
    #[schema(minimum = 0, maximum = 720)]
    pub early_leave_grace_minutes: Option<i64>,
    /// Default true.
    pub is_active: Option<bool>,
    #[schema(schema_with = fields::organization_or_null)]
    pub organization: Option<String>,
}

/// `PATCH /api/v1/attendance/sessions/{id}`: only the fields present change; `null`
/// clears `organization`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSessionRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::name)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::time)]
    pub start_time: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::time)]
    pub end_time: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = i64, minimum = 1, maximum = 1440)]
    pub expected_duration_minutes: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = i64, minimum = 0, maximum = 720)]
    pub grace_period_minutes: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = i64, minimum = 0, maximum = 720)]
    pub early_leave_grace_minutes: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    pub is_active: Option<bool>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = fields::organization_or_null)]
    pub organization: Option<Option<String>>,
}

/// Every field of a shift, before validation.
#[derive(Debug, Clone)]
pub struct SessionInput {
    pub name: String,
    pub start_time: String,
    pub end_time: String,
    pub expected_duration_minutes: Option<i64>,
    pub grace_period_minutes: i64,
    pub early_leave_grace_minutes: i64,
    pub is_active: bool,
    pub organization: Option<String>,
}

/// A valid shift, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFields {
    pub name: String,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub expected_duration_minutes: i32,
    pub grace_period_minutes: i32,
    pub early_leave_grace_minutes: i32,
    pub is_active: bool,
    pub organization: Option<String>,
}

impl From<CreateSessionRequest> for SessionInput {
    fn from(body: CreateSessionRequest) -> Self {
        Self {
            name: body.name,
            start_time: body.start_time,
            end_time: body.end_time,
            expected_duration_minutes: body.expected_duration_minutes,
            grace_period_minutes: body.grace_period_minutes.unwrap_or(0),
            early_leave_grace_minutes: body.early_leave_grace_minutes.unwrap_or(0),
            is_active: body.is_active.unwrap_or(true),
            organization: body.organization,
        }
    }
}

impl UpdateSessionRequest {
    /// The stored shift with this PATCH's fields laid over it.
    pub fn apply(self, row: &attendance_session::Model) -> SessionInput {
        SessionInput {
            name: self.name.unwrap_or_else(|| row.name.clone()),
            start_time: self
                .start_time
                .unwrap_or_else(|| row.start_time.to_string()),
            end_time: self.end_time.unwrap_or_else(|| row.end_time.to_string()),
            expected_duration_minutes: Some(
                self.expected_duration_minutes
                    .unwrap_or(i64::from(row.expected_duration_minutes)),
            ),
            grace_period_minutes: self
                .grace_period_minutes
                .unwrap_or(i64::from(row.grace_period_minutes)),
            early_leave_grace_minutes: self
                .early_leave_grace_minutes
                .unwrap_or(i64::from(row.early_leave_grace_minutes)),
            is_active: self.is_active.unwrap_or(row.is_active),
            organization: self
                .organization
                .unwrap_or_else(|| row.organization.clone()),
        }
    }
}

impl SessionInput {
    pub fn validate(self) -> Result<SessionFields, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = errors.check("name", name(&self.name));
        let start = errors.check("start_time", parse_time(&self.start_time));
        let end = errors.check("end_time", parse_time(&self.end_time));
        let grace = errors.check(
            "grace_period_minutes",
            in_range(self.grace_period_minutes, 0, MAX_GRACE_MINUTES),
        );
        let early = errors.check(
            "early_leave_grace_minutes",
            in_range(self.early_leave_grace_minutes, 0, MAX_GRACE_MINUTES),
        );
        let expected = errors.check(
            "expected_duration_minutes",
            self.expected_duration_minutes
                .map(|m| in_range(m, 1, 24 * 60))
                .transpose(),
        );
        let organization = errors.check(
            "organization",
            self.organization
                .as_deref()
                .map(|o| Text::parse(o, limits::ORGANIZATION).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        // The domain's shift checks what the fields say together (a night shift is valid;
        // a grace period longer than the shift is not). A session has no working days of
        // its own, so every day stands in.
        let mut nominal_minutes = None;
        if let (Some(start), Some(end), Some(grace), Some(early)) = (start, end, grace, early) {
            match Shift::new(
                start,
                end,
                grace as u32,
                early as u32,
                WorkingDays::EVERY_DAY,
            ) {
                Ok(shift) => nominal_minutes = Some(shift.nominal_length().num_minutes()),
                Err(error @ RuleError::GraceLongerThanShift { grace_minutes, .. }) => {
                    let field = if grace_minutes == grace as u32 {
                        "grace_period_minutes"
                    } else {
                        "early_leave_grace_minutes"
                    };
                    errors.push(FieldIssue::from(error).at(field));
                }
                Err(error) => errors.push(FieldIssue::from(error).at("start_time")),
            }
        }
        errors.into_result(|| SessionFields {
            name: name.expect("checked"),
            start_time: start.expect("checked"),
            end_time: end.expect("checked"),
            expected_duration_minutes: expected
                .expect("checked")
                .unwrap_or_else(|| nominal_minutes.expect("checked") as i32),
            grace_period_minutes: grace.expect("checked"),
            early_leave_grace_minutes: early.expect("checked"),
            is_active: self.is_active,
            organization: organization.expect("checked"),
        })
    }
}

/// A shift as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = String, example = "09:00:00")]
    pub start_time: NaiveTime,
    #[schema(value_type = String, example = "17:00:00")]
    pub end_time: NaiveTime,
    pub expected_duration_minutes: i32,
    pub grace_period_minutes: i32,
    pub early_leave_grace_minutes: i32,
    pub is_active: bool,
    pub organization: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<attendance_session::Model> for SessionResponse {
    fn from(row: attendance_session::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            start_time: row.start_time,
            end_time: row.end_time,
            expected_duration_minutes: row.expected_duration_minutes,
            grace_period_minutes: row.grace_period_minutes,
            early_leave_grace_minutes: row.early_leave_grace_minutes,
            is_active: row.is_active,
            organization: row.organization,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// `GET /api/v1/attendance/sessions`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListSessionsQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    /// `true` or `false`.
    #[param(schema_with = fields::boolean_text)]
    pub is_active: Option<String>,
    /// Exact organization name.
    #[param(schema_with = fields::organization)]
    pub organization: Option<String>,
}

/// What a list of shifts is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    pub is_active: Option<bool>,
    pub organization: Option<String>,
}

impl ListSessionsQuery {
    pub fn validate(self) -> Result<(SessionFilter, PageRequest), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let page = page(&mut errors, self.page, self.page_size);
        let is_active = errors.check(
            "is_active",
            self.is_active.as_deref().map(parse_bool).transpose(),
        );
        let organization = errors.check(
            "organization",
            self.organization
                .as_deref()
                .map(|o| Text::parse(o, limits::ORGANIZATION).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        errors.into_result(|| {
            (
                SessionFilter {
                    is_active: is_active.flatten(),
                    organization: organization.flatten(),
                },
                page.expect("checked"),
            )
        })
    }
}

// ---------------------------------------------------------------------------------------
// Rules

/// `POST /api/v1/attendance/rules`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRuleRequest {
    #[schema(schema_with = fields::name)]
    pub name: String,
    /// Distinct weekday indices, 0 (Monday) to 6 (Sunday), at least one.
    #[schema(schema_with = fields::working_days)]
    pub working_days: Vec<i64>,
    #[schema(schema_with = fields::time)]
    pub start_time: String,
    #[schema(schema_with = fields::time)]
    pub end_time: String,
    /// 0 to 100 (default 0).
    #[schema(example = 80.0, minimum = 0.0, maximum = 100.0)]
    pub min_presence_percentage: Option<f64>,
    /// In [0, 1] (default 0.7).
    #[schema(example = 0.7, minimum = 0.0, maximum = 1.0)]
    pub auto_check_in_threshold: Option<f64>,
    /// In [0, 1], at most `auto_check_in_threshold` (default 0.6).
    #[schema(example = 0.6, minimum = 0.0, maximum = 1.0)]
    pub manual_review_threshold: Option<f64>,
    /// Default false. The site has one active rule: activating this one deactivates the
    /// others.
    pub is_active: Option<bool>,
}

/// `PATCH /api/v1/attendance/rules/{id}`: only the fields present change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRuleRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::name)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::working_days)]
    pub working_days: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::time)]
    pub start_time: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::time)]
    pub end_time: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = f64, minimum = 0.0, maximum = 100.0)]
    pub min_presence_percentage: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = f64, minimum = 0.0, maximum = 1.0)]
    pub auto_check_in_threshold: Option<f64>,
    /// At most `auto_check_in_threshold`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = f64, minimum = 0.0, maximum = 1.0)]
    pub manual_review_threshold: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    pub is_active: Option<bool>,
}

/// Every field of a rule, before validation.
#[derive(Debug, Clone)]
pub struct RuleInput {
    pub name: String,
    pub working_days: Vec<i64>,
    pub start_time: String,
    pub end_time: String,
    pub min_presence_percentage: f64,
    pub auto_check_in_threshold: f64,
    pub manual_review_threshold: f64,
    pub is_active: bool,
}

/// A valid rule, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFields {
    pub name: String,
    pub working_days: WorkingDays,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub min_presence_percentage: f64,
    pub thresholds: Thresholds,
    pub is_active: bool,
}

impl From<CreateRuleRequest> for RuleInput {
    fn from(body: CreateRuleRequest) -> Self {
        Self {
            name: body.name,
            working_days: body.working_days,
            start_time: body.start_time,
            end_time: body.end_time,
            min_presence_percentage: body.min_presence_percentage.unwrap_or(0.0),
            auto_check_in_threshold: body
                .auto_check_in_threshold
                .unwrap_or(f64::from(Thresholds::DEFAULT_AUTO)),
            manual_review_threshold: body
                .manual_review_threshold
                .unwrap_or(f64::from(Thresholds::DEFAULT_REVIEW)),
            is_active: body.is_active.unwrap_or(false),
        }
    }
}

impl UpdateRuleRequest {
    /// The stored rule with this PATCH's fields laid over it. A stored `working_days` that
    /// is not a JSON array of integers is reported as corrupt by the caller, never here.
    pub fn apply(self, row: &attendance_rule::Model, stored_days: Vec<u8>) -> RuleInput {
        RuleInput {
            name: self.name.unwrap_or_else(|| row.name.clone()),
            working_days: self
                .working_days
                .unwrap_or_else(|| stored_days.into_iter().map(i64::from).collect()),
            start_time: self
                .start_time
                .unwrap_or_else(|| row.start_time.to_string()),
            end_time: self.end_time.unwrap_or_else(|| row.end_time.to_string()),
            min_presence_percentage: self
                .min_presence_percentage
                .unwrap_or(row.min_presence_percentage),
            auto_check_in_threshold: self
                .auto_check_in_threshold
                .unwrap_or(f64::from(row.auto_check_in_threshold)),
            manual_review_threshold: self
                .manual_review_threshold
                .unwrap_or(f64::from(row.manual_review_threshold)),
            is_active: self.is_active.unwrap_or(row.is_active),
        }
    }
}

/// Distinct weekday indices 0..=6, at least one.
pub fn parse_working_days(days: &[i64]) -> Result<WorkingDays, FieldIssue> {
    let mut seen = [false; 7];
    let mut indices = Vec::with_capacity(days.len());
    for &day in days {
        let index = u8::try_from(day).ok().filter(|d| *d <= 6).ok_or_else(|| {
            FieldIssue::new(
                "invalid_working_days",
                format!("{day} is not a weekday index: 0 (Monday) to 6 (Sunday)"),
            )
        })?;
        if std::mem::replace(&mut seen[usize::from(index)], true) {
            return Err(FieldIssue::new(
                "invalid_working_days",
                format!("weekday {index} is listed twice"),
            ));
        }
        indices.push(index);
    }
    Ok(WorkingDays::from_indices(&indices)?)
}

/// A threshold in [0, 1], through the domain's confidence.
fn parse_threshold(value: f64) -> Result<Confidence, FieldIssue> {
    Ok(Confidence::new(value as f32)?)
}

impl RuleInput {
    pub fn validate(self) -> Result<RuleFields, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = errors.check("name", name(&self.name));
        let working_days = errors.check("working_days", parse_working_days(&self.working_days));
        let start = errors.check("start_time", parse_time(&self.start_time));
        let end = errors.check("end_time", parse_time(&self.end_time));
        let presence = self.min_presence_percentage;
        if !(presence.is_finite() && (0.0..=100.0).contains(&presence)) {
            errors.push(
                FieldIssue::new("out_of_range", "must be between 0 and 100")
                    .at("min_presence_percentage"),
            );
        }
        let auto = errors.check(
            "auto_check_in_threshold",
            parse_threshold(self.auto_check_in_threshold),
        );
        let review = errors.check(
            "manual_review_threshold",
            parse_threshold(self.manual_review_threshold),
        );
        let thresholds = match (auto, review) {
            (Some(auto), Some(review)) => errors.check(
                "manual_review_threshold",
                Thresholds::new(auto, review).map_err(FieldIssue::from),
            ),
            _ => None,
        };
        if let (Some(start), Some(end), Some(days)) = (start, end, working_days)
            && let Err(error) = Shift::new(start, end, 0, 0, days)
        {
            errors.push(FieldIssue::from(error).at("start_time"));
        }
        errors.into_result(|| RuleFields {
            name: name.expect("checked"),
            working_days: working_days.expect("checked"),
            start_time: start.expect("checked"),
            end_time: end.expect("checked"),
            min_presence_percentage: presence,
            thresholds: thresholds.expect("checked"),
            is_active: self.is_active,
        })
    }
}

/// A rule as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleResponse {
    pub id: Uuid,
    pub name: String,
    #[schema(example = json!([0, 1, 2, 3, 4]))]
    pub working_days: Vec<u8>,
    #[schema(value_type = String, example = "09:00:00")]
    pub start_time: NaiveTime,
    #[schema(value_type = String, example = "17:00:00")]
    pub end_time: NaiveTime,
    pub min_presence_percentage: f64,
    pub auto_check_in_threshold: f32,
    pub manual_review_threshold: f32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RuleResponse {
    /// `working_days` is the stored JSON array, already parsed by the caller.
    pub fn new(row: attendance_rule::Model, working_days: Vec<u8>) -> Self {
        Self {
            id: row.id,
            name: row.name,
            working_days,
            start_time: row.start_time,
            end_time: row.end_time,
            min_presence_percentage: row.min_presence_percentage,
            auto_check_in_threshold: row.auto_check_in_threshold,
            manual_review_threshold: row.manual_review_threshold,
            is_active: row.is_active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// `GET /api/v1/attendance/rules`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListRulesQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    /// `true` or `false`.
    #[param(schema_with = fields::boolean_text)]
    pub is_active: Option<String>,
}

impl ListRulesQuery {
    pub fn validate(self) -> Result<(Option<bool>, PageRequest), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let page = page(&mut errors, self.page, self.page_size);
        let is_active = errors.check(
            "is_active",
            self.is_active.as_deref().map(parse_bool).transpose(),
        );
        errors.into_result(|| (is_active.flatten(), page.expect("checked")))
    }
}

// ---------------------------------------------------------------------------------------
// Exceptions

/// The spec's `exception_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionType {
    /// A day off for everyone: has no person.
    Holiday,
    /// A person's day off: needs a person and an approval.
    Leave,
    /// A notable day (a site event) that takes no day off; for everyone or one person.
    SpecialEvent,
}

impl ExceptionType {
    pub const ALL: [Self; 3] = [Self::Holiday, Self::Leave, Self::SpecialEvent];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Leave => "leave",
            Self::SpecialEvent => "special_event",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldIssue::new(
                    "unknown_exception_type",
                    "must be one of holiday, leave, special_event",
                )
            })
    }
}

/// `POST /api/v1/attendance/exceptions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExceptionRequest {
    /// Absent for everyone (a holiday must have none; leave must have one).
    #[schema(schema_with = fields::uuid_or_null)]
    pub person_id: Option<String>,
    #[schema(schema_with = fields::date)]
    pub exception_date: String,
    /// `holiday`, `leave` or `special_event`.
    #[schema(schema_with = fields::exception_type)]
    pub exception_type: String,
    #[schema(schema_with = fields::reason)]
    pub reason: String,
    /// Leave always requires approval (default true for leave, false otherwise); an
    /// exception that requires it is created pending.
    pub requires_approval: Option<bool>,
    /// For the persons of this organisation only (their directory entry's organisation
    /// when a day is decided or counted): a holiday or special event of one organisation.
    /// Not with a `person_id` (`not_allowed`), so never on leave. Absent or `null`: not
    /// limited to one organisation.
    #[serde(default)]
    #[schema(schema_with = fields::organization_or_null)]
    pub organization: Option<String>,
}

/// `PATCH /api/v1/attendance/exceptions/{id}`: only the fields present change; `null`
/// clears `person_id`. Once approved or rejected, only `reason` may change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateExceptionRequest {
    /// `null`: for everyone.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = fields::uuid_or_null)]
    pub person_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::date)]
    pub exception_date: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::exception_type)]
    pub exception_type: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::reason)]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    pub requires_approval: Option<bool>,
    /// `null`: not limited to one organisation.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = fields::organization_or_null)]
    pub organization: Option<Option<String>>,
}

/// Every field of an exception, before validation.
#[derive(Debug, Clone)]
pub struct ExceptionInput {
    pub person_id: Option<String>,
    pub exception_date: String,
    pub exception_type: String,
    pub reason: String,
    /// `None`: the type's default.
    pub requires_approval: Option<bool>,
    pub organization: Option<String>,
}

/// A valid exception, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionFields {
    pub person_id: Option<Uuid>,
    pub exception_date: NaiveDate,
    pub exception_type: ExceptionType,
    pub reason: String,
    pub requires_approval: bool,
    pub organization: Option<String>,
}

impl From<CreateExceptionRequest> for ExceptionInput {
    fn from(body: CreateExceptionRequest) -> Self {
        Self {
            person_id: body.person_id,
            exception_date: body.exception_date,
            exception_type: body.exception_type,
            reason: body.reason,
            requires_approval: body.requires_approval,
            organization: body.organization,
        }
    }
}

impl UpdateExceptionRequest {
    /// Whether the PATCH touches more than the reason: what a decided exception refuses.
    pub fn changes_more_than_reason(&self) -> bool {
        self.person_id.is_some()
            || self.exception_date.is_some()
            || self.exception_type.is_some()
            || self.requires_approval.is_some()
            || self.organization.is_some()
    }

    /// The stored exception with this PATCH's fields laid over it. A new type without a
    /// `requires_approval` takes that type's default.
    pub fn apply(self, row: &attendance_exception::Model) -> ExceptionInput {
        let requires_approval = match (self.requires_approval, &self.exception_type) {
            (Some(value), _) => Some(value),
            (None, Some(_)) => None,
            (None, None) => Some(row.requires_approval),
        };
        ExceptionInput {
            person_id: self
                .person_id
                .unwrap_or_else(|| row.person_id.map(|p| p.to_string())),
            exception_date: self
                .exception_date
                .unwrap_or_else(|| row.exception_date.to_string()),
            exception_type: self
                .exception_type
                .unwrap_or_else(|| row.exception_type.clone()),
            reason: self.reason.unwrap_or_else(|| row.reason.clone()),
            requires_approval,
            organization: self
                .organization
                .unwrap_or_else(|| row.organization.clone()),
        }
    }
}

impl ExceptionInput {
    pub fn validate(self) -> Result<ExceptionFields, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let person_id = errors.check(
            "person_id",
            self.person_id.as_deref().map(parse_uuid).transpose(),
        );
        let date = errors.check("exception_date", parse_date(&self.exception_date));
        let exception_type =
            errors.check("exception_type", ExceptionType::parse(&self.exception_type));
        let reason = errors.check(
            "reason",
            Text::parse(&self.reason, REASON_MAX).map(|t| t.as_str().to_owned()),
        );
        let organization = errors.check(
            "organization",
            self.organization
                .as_deref()
                .map(|o| Text::parse(o, limits::ORGANIZATION).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        if self.organization.is_some() && self.person_id.is_some() {
            errors.push(
                FieldIssue::new(
                    "not_allowed",
                    "an organisation's exception names no person: no organization with person_id",
                )
                .at("organization"),
            );
        }
        let mut requires_approval = self.requires_approval.unwrap_or(false);
        match (exception_type, self.person_id.is_some()) {
            (Some(ExceptionType::Holiday), true) => errors.push(
                FieldIssue::new("not_allowed", "a holiday applies to everyone: no person_id")
                    .at("person_id"),
            ),
            (Some(ExceptionType::Leave), false) => errors.push(
                FieldIssue::new("required", "leave is a person's: person_id is required")
                    .at("person_id"),
            ),
            _ => {}
        }
        if exception_type == Some(ExceptionType::Leave) {
            if self.requires_approval == Some(false) {
                errors.push(
                    FieldIssue::new("approval_required", "leave always requires approval")
                        .at("requires_approval"),
                );
            }
            requires_approval = true;
        }
        errors.into_result(|| ExceptionFields {
            person_id: person_id.flatten(),
            exception_date: date.expect("checked"),
            exception_type: exception_type.expect("checked"),
            reason: reason.expect("checked"),
            requires_approval,
            organization: organization.flatten(),
        })
    }
}

/// Where an exception stands: `not_required` (counts as it is), `pending`, `approved` or
/// `rejected`.
pub fn approval_status(row: &attendance_exception::Model) -> &'static str {
    match (row.requires_approval, &row.approved_by, row.approved) {
        (false, _, _) => "not_required",
        (true, None, _) => "pending",
        (true, Some(_), true) => "approved",
        (true, Some(_), false) => "rejected",
    }
}

/// An exception as the API returns it: the spec's fields, who decided it and when, and
/// where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionResponse {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub exception_date: NaiveDate,
    #[schema(example = "leave")]
    pub exception_type: String,
    pub reason: String,
    pub requires_approval: bool,
    pub approved: bool,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    /// `not_required`, `pending`, `approved` or `rejected`.
    #[schema(example = "pending")]
    pub approval_status: String,
    pub created_at: DateTime<Utc>,
    /// The organisation whose persons it is for; `None`: not limited to one.
    pub organization: Option<String>,
}

impl From<attendance_exception::Model> for ExceptionResponse {
    fn from(row: attendance_exception::Model) -> Self {
        Self {
            approval_status: approval_status(&row).to_owned(),
            id: row.id,
            person_id: row.person_id,
            exception_date: row.exception_date,
            exception_type: row.exception_type,
            reason: row.reason,
            requires_approval: row.requires_approval,
            approved: row.approved,
            approved_by: row.approved_by,
            approved_at: row.approved_at,
            created_at: row.created_at,
            organization: row.organization,
        }
    }
}

/// `GET /api/v1/attendance/exceptions`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListExceptionsQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    /// Only this person's exceptions (not the ones for everyone).
    #[param(schema_with = fields::uuid)]
    pub person_id: Option<String>,
    /// `YYYY-MM-DD`, inclusive; not after `to_date`.
    #[param(schema_with = fields::date)]
    pub from_date: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(schema_with = fields::date)]
    pub to_date: Option<String>,
    /// `holiday`, `leave` or `special_event`.
    #[param(schema_with = fields::exception_type)]
    pub exception_type: Option<String>,
    /// `true` or `false`.
    #[param(schema_with = fields::boolean_text)]
    pub approved: Option<String>,
    /// Where they stand: `pending` (waiting for a decision), `approved`, `rejected` or
    /// `not_required`, as each exception's `approval_status` says.
    #[param(schema_with = fields::approval_status)]
    pub approval_status: Option<String>,
    /// Only this organisation's exceptions.
    #[param(schema_with = fields::organization)]
    pub organization: Option<String>,
}

/// Where an exception stands on approval, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalStatus {
    NotRequired,
    Pending,
    Approved,
    Rejected,
}

impl ApprovalStatus {
    pub const ALL: [Self; 4] = [
        Self::NotRequired,
        Self::Pending,
        Self::Approved,
        Self::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotRequired => "not_required",
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldIssue::new(
                    "unknown_approval_status",
                    "must be one of not_required, pending, approved, rejected",
                )
            })
    }
}

/// What a list of exceptions is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExceptionFilter {
    pub person_id: Option<Uuid>,
    pub from_date: Option<NaiveDate>,
    pub to_date: Option<NaiveDate>,
    pub exception_type: Option<ExceptionType>,
    pub approved: Option<bool>,
    pub approval_status: Option<ApprovalStatus>,
    pub organization: Option<String>,
}

impl ListExceptionsQuery {
    pub fn validate(self) -> Result<(ExceptionFilter, PageRequest), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let page = page(&mut errors, self.page, self.page_size);
        let person_id = errors.check(
            "person_id",
            self.person_id.as_deref().map(parse_uuid).transpose(),
        );
        let from = errors.check(
            "from_date",
            self.from_date.as_deref().map(parse_date).transpose(),
        );
        let to = errors.check(
            "to_date",
            self.to_date.as_deref().map(parse_date).transpose(),
        );
        let exception_type = errors.check(
            "exception_type",
            self.exception_type
                .as_deref()
                .map(ExceptionType::parse)
                .transpose(),
        );
        let approved = errors.check(
            "approved",
            self.approved.as_deref().map(parse_bool).transpose(),
        );
        let approval_status = errors.check(
            "approval_status",
            self.approval_status
                .as_deref()
                .map(ApprovalStatus::parse)
                .transpose(),
        );
        let organization = errors.check(
            "organization",
            self.organization
                .as_deref()
                .map(|o| Text::parse(o, limits::ORGANIZATION).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        if let (Some(Some(from)), Some(Some(to))) = (from, to)
            && from > to
        {
            errors.push(
                FieldIssue::new("invalid_range", "must not be after to_date").at("from_date"),
            );
        }
        errors.into_result(|| {
            (
                ExceptionFilter {
                    person_id: person_id.flatten(),
                    from_date: from.flatten(),
                    to_date: to.flatten(),
                    exception_type: exception_type.flatten(),
                    approved: approved.flatten(),
                    approval_status: approval_status.flatten(),
                    organization: organization.flatten(),
                },
                page.expect("checked"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(errors: &ValidationErrors) -> Vec<(&str, &str)> {
        errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code))
            .collect()
    }

    fn session(start: &str, end: &str, grace: i64) -> SessionInput {
        SessionInput {
            name: "Night".into(),
            start_time: start.into(),
            end_time: end.into(),
            expected_duration_minutes: None,
            grace_period_minutes: grace,
            early_leave_grace_minutes: 0,
            is_active: true,
            organization: None,
        }
    }

    #[test]
    fn a_night_shift_is_valid_and_its_length_is_the_default_duration() {
        let fields = session("22:00", "06:00:00", 15).validate().expect("valid");
        assert_eq!(fields.expected_duration_minutes, 480);
        assert_eq!(
            fields.start_time,
            NaiveTime::from_hms_opt(22, 0, 0).expect("time")
        );
    }

    #[test]
    fn shift_fields_are_checked_alone_and_together() {
        let errors = session("25:00", "9", -1).validate().expect_err("invalid");
        assert_eq!(
            issues(&errors),
            [
                ("start_time", "invalid_time"),
                ("end_time", "invalid_time"),
                ("grace_period_minutes", "out_of_range"),
            ]
        );
        let errors = session("09:00", "10:00", 721)
            .validate()
            .expect_err("invalid");
        assert_eq!(issues(&errors), [("grace_period_minutes", "out_of_range")]);
        // 90 minutes of grace on a one-hour shift.
        let errors = session("09:00", "10:00", 90)
            .validate()
            .expect_err("invalid");
        assert_eq!(
            issues(&errors),
            [("grace_period_minutes", "invalid_grace_period")]
        );
    }

    fn rule(days: Vec<i64>, auto: f64, review: f64) -> RuleInput {
        RuleInput {
            name: "Standard".into(),
            working_days: days,
            start_time: "09:00".into(),
            end_time: "17:00".into(),
            min_presence_percentage: 80.0,
            auto_check_in_threshold: auto,
            manual_review_threshold: review,
            is_active: true,
        }
    }

    #[test]
    fn working_days_are_distinct_weekday_indices() {
        let fields = rule(vec![4, 0, 1], 0.7, 0.6).validate().expect("valid");
        assert_eq!(fields.working_days.indices(), [0, 1, 4]);
        for days in [vec![], vec![7], vec![-1], vec![1, 1]] {
            let errors = rule(days.clone(), 0.7, 0.6)
                .validate()
                .expect_err("invalid");
            assert_eq!(
                issues(&errors),
                [("working_days", "invalid_working_days")],
                "{days:?}"
            );
        }
    }

    #[test]
    fn thresholds_are_confidences_with_review_at_most_auto() {
        let errors = rule(vec![0], 1.5, 0.6).validate().expect_err("invalid");
        assert_eq!(
            issues(&errors),
            [("auto_check_in_threshold", "invalid_confidence")]
        );
        let errors = rule(vec![0], 0.6, 0.7).validate().expect_err("invalid");
        assert_eq!(
            issues(&errors),
            [("manual_review_threshold", "invalid_thresholds")]
        );
        assert!(rule(vec![0], 0.7, 0.7).validate().is_ok());
    }

    fn exception(person: Option<&str>, kind: &str, requires: Option<bool>) -> ExceptionInput {
        ExceptionInput {
            person_id: person.map(str::to_owned),
            exception_date: "2024-12-25".into(),
            exception_type: kind.into(),
            reason: "why".into(),
            requires_approval: requires,
            organization: None,
        }
    }

    #[test]
    fn an_organisations_exception_names_no_person() {
        let holiday = ExceptionInput {
            organization: Some(" ACME ".into()),
            ..exception(None, "holiday", None)
        }
        .validate()
        .expect("valid");
        assert_eq!(holiday.organization.as_deref(), Some("ACME"));
        let person = Uuid::now_v7().to_string();
        let errors = ExceptionInput {
            organization: Some("ACME".into()),
            ..exception(Some(&person), "leave", None)
        }
        .validate()
        .expect_err("invalid");
        assert_eq!(issues(&errors), [("organization", "not_allowed")]);
        let errors = ExceptionInput {
            organization: Some("   ".into()),
            ..exception(None, "holiday", None)
        }
        .validate()
        .expect_err("invalid");
        assert_eq!(issues(&errors).len(), 1);
        assert_eq!(issues(&errors)[0].0, "organization");
    }

    #[test]
    fn holidays_are_for_everyone_and_leave_for_one_person_with_approval() {
        let person = Uuid::now_v7().to_string();
        let holiday = exception(None, "holiday", None).validate().expect("valid");
        assert!(!holiday.requires_approval);
        let leave = exception(Some(&person), "leave", None)
            .validate()
            .expect("valid");
        assert!(leave.requires_approval);
        let errors = exception(Some(&person), "holiday", None)
            .validate()
            .expect_err("invalid");
        assert_eq!(issues(&errors), [("person_id", "not_allowed")]);
        let errors = exception(None, "leave", Some(false))
            .validate()
            .expect_err("invalid");
        assert_eq!(
            issues(&errors),
            [
                ("person_id", "required"),
                ("requires_approval", "approval_required")
            ]
        );
        let errors = exception(None, "vacation", None)
            .validate()
            .expect_err("invalid");
        assert_eq!(
            issues(&errors),
            [("exception_type", "unknown_exception_type")]
        );
    }
}
