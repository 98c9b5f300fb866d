//! Query parameters and response bodies of the attendance routes, with the spec's names.
//!
//! Query parameters arrive as strings and are parsed here into typed filters, every bad one
//! reported by name ([`ListAttendanceQuery::validate`]); responses are built from the store's
//! rows.

use chrono::{DateTime, NaiveDate, Utc};
use faceattend_attendance_store::ReviewState;
use faceattend_attendance_store::entities::{attendance, review_item};
use faceattend_attendance_store::reports::DayCounts;
use faceattend_attendance_store::trends::{Interval, MAX_TREND_DAYS, TrendsFilter};
use faceattend_domain::attendance::{AttendanceStatus, Verdict};
use faceattend_domain::person::{Text, limits};
use faceattend_domain::{FieldIssue, PageRequest, ValidationErrors};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::decisions::Direction;
use crate::openapi::fields;
use crate::queries::{AttendanceFilter, RecordSource};

pub mod evidence;
pub mod policies;

/// A PATCH field that may be absent (`None`) but not `null`: a `null` is the wrong type
/// (422), never taken for "unchanged".
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `GET /api/v1/attendance` and `GET /api/v1/attendance/{person_id}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListAttendanceQuery {
    /// 1-based page number (default 1; not with `format=csv`).
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20; not with `format=csv`).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    /// Only this person's records (not on `/{person_id}`, which names the person).
    #[param(schema_with = fields::uuid)]
    pub person_id: Option<String>,
    /// `YYYY-MM-DD`, inclusive; not after `to_date`.
    #[param(schema_with = fields::date)]
    pub from_date: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(schema_with = fields::date)]
    pub to_date: Option<String>,
    /// `present`, `absent`, `late`, `early_leave` or `pending`.
    #[param(schema_with = fields::attendance_status)]
    pub status: Option<String>,
    /// Persons of this department.
    #[param(schema_with = fields::department)]
    pub department: Option<String>,
    /// `auto`: marked by the cameras; `manual`: entered by hand (pending or approved).
    #[param(schema_with = fields::record_source)]
    pub source: Option<String>,
    /// `json` (default) or `csv`: every matching record as an attachment.
    #[param(schema_with = fields::format)]
    pub format: Option<String>,
}

impl ListAttendanceQuery {
    /// The filter and listing these parameters ask for; every invalid parameter is listed.
    pub fn validate(self) -> Result<(AttendanceFilter, Listing), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let listing = listing(
            &mut errors,
            self.page,
            self.page_size,
            self.format.as_deref(),
        );
        let person_id = errors.check(
            "person_id",
            self.person_id.as_deref().map(parse_uuid).transpose(),
        );
        let (from_date, to_date) = optional_dates(
            &mut errors,
            self.from_date.as_deref(),
            self.to_date.as_deref(),
        );
        let status = errors.check(
            "status",
            self.status.as_deref().map(parse_status).transpose(),
        );
        let department = errors.check(
            "department",
            self.department
                .as_deref()
                .map(|d| Text::parse(d, limits::DEPARTMENT).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        let source = errors.check(
            "source",
            self.source
                .as_deref()
                .map(|raw| {
                    RecordSource::parse(raw.trim())
                        .ok_or_else(|| FieldIssue::new("unknown_source", "must be auto or manual"))
                })
                .transpose(),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        let filter = AttendanceFilter {
            source: source.flatten(),
            person_id: person_id.flatten(),
            from_date: from_date.flatten(),
            to_date: to_date.flatten(),
            status: status.flatten(),
            department: department.flatten(),
        };
        Ok((filter, listing.expect("checked")))
    }
}

/// What a route answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    /// An RFC 4180 attachment for payroll ([`crate::export`]).
    Csv,
}

pub fn parse_format(raw: Option<&str>) -> Result<Format, FieldIssue> {
    match raw.map(str::trim) {
        None | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some(_) => Err(FieldIssue::new("unknown_format", "must be json or csv")),
    }
}

/// What a list route answers: one page of JSON, or every matching row as CSV (an export is
/// whole: paging it would hand payroll a fragment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Page(PageRequest),
    Csv,
}

impl Listing {
    pub fn page(self) -> Option<PageRequest> {
        match self {
            Self::Page(page) => Some(page),
            Self::Csv => None,
        }
    }
}

/// The listing of `page`, `page_size` and `format`; paging a CSV is refused.
fn listing(
    errors: &mut ValidationErrors,
    page: Option<i64>,
    page_size: Option<i64>,
    format: Option<&str>,
) -> Option<Listing> {
    let format = errors.check("format", parse_format(format));
    if format == Some(Format::Csv) {
        for (field, value) in [("page", page), ("page_size", page_size)] {
            if value.is_some() {
                errors.push(
                    FieldIssue::new("not_allowed", "a CSV export holds every row: no paging")
                        .at(field),
                );
            }
        }
        return errors.is_empty().then_some(Listing::Csv);
    }
    let page = errors.check("page", PageRequest::parse_page(page));
    let page_size = errors.check("page_size", PageRequest::parse_page_size(page_size));
    Some(Listing::Page(PageRequest::new(page?, page_size?)))
}

/// `GET /api/v1/attendance/reports/daily`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DailyReportQuery {
    pub date: Option<String>,
    /// `json` (default) or `csv`: one row per person.
    pub format: Option<String>,
    /// `false`: the counts only, `persons` left empty (a dashboard's call; with 100,000
    /// persons the lines are megabytes). JSON only.
    pub persons: Option<String>,
}

/// What a daily report request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyReportRequest {
    pub date: NaiveDate,
    pub format: Format,
    /// Whether every person's line is wanted, or only the counts.
    pub with_persons: bool,
}

impl DailyReportQuery {
    pub fn validate(self) -> Result<DailyReportRequest, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let date = errors.check(
            "date",
            match self.date.as_deref() {
                None => Err(FieldIssue::new("required", "is required (YYYY-MM-DD)")),
                Some(raw) => parse_date(raw),
            },
        );
        let format = errors.check("format", parse_format(self.format.as_deref()));
        let with_persons = errors.check(
            "persons",
            match self.persons.as_deref().map(str::trim) {
                None | Some("true") => Ok(true),
                Some("false") if format == Some(Format::Csv) => Err(FieldIssue::new(
                    "conflicts_with_format",
                    "a CSV report is its persons' lines: persons=false is for JSON only",
                )),
                Some("false") => Ok(false),
                Some(_) => Err(FieldIssue::new("invalid_boolean", "must be true or false")),
            },
        );
        errors.into_result(|| DailyReportRequest {
            date: date.expect("checked"),
            format: format.expect("checked"),
            with_persons: with_persons.expect("checked"),
        })
    }
}

/// `GET /api/v1/attendance/reports/monthly`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthlyReportQuery {
    /// 2000 to 2999.
    #[param(required = true, minimum = 2000, maximum = 2999)]
    pub year: Option<i64>,
    /// 1 to 12.
    #[param(required = true, minimum = 1, maximum = 12)]
    pub month: Option<i64>,
    /// Only persons of this department.
    #[param(schema_with = fields::department)]
    pub department: Option<String>,
    /// 1-based page of persons (JSON only).
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<i64>,
    /// Persons per page, 1 to 100 (JSON only).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    /// `json` (default) or `csv` (every person, one row each).
    #[param(schema_with = fields::format)]
    pub format: Option<String>,
}

/// The months reports reach: the years a site can have records of.
pub const REPORT_YEARS: std::ops::RangeInclusive<i64> = 2000..=2999;

/// A validated `GET /api/v1/attendance/reports/monthly`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyReportRequest {
    pub year: i32,
    pub month: u32,
    pub department: Option<String>,
    pub listing: Listing,
}

impl MonthlyReportQuery {
    pub fn validate(self) -> Result<MonthlyReportRequest, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let required = |value: Option<i64>, range: std::ops::RangeInclusive<i64>| match value {
            None => Err(FieldIssue::new("required", "is required")),
            Some(v) if range.contains(&v) => Ok(v),
            Some(_) => Err(FieldIssue::new(
                "out_of_range",
                format!("must be between {} and {}", range.start(), range.end()),
            )),
        };
        let year = errors.check("year", required(self.year, REPORT_YEARS));
        let month = errors.check("month", required(self.month, 1..=12));
        let department = errors.check(
            "department",
            self.department
                .as_deref()
                .map(|d| Text::parse(d, limits::DEPARTMENT).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        let listing = listing(
            &mut errors,
            self.page,
            self.page_size,
            self.format.as_deref(),
        );
        errors.into_result(|| MonthlyReportRequest {
            year: year.expect("checked") as i32,
            month: month.expect("checked") as u32,
            department: department.expect("checked"),
            listing: listing.expect("checked"),
        })
    }
}

/// `GET /api/v1/attendance/reports/monthly-sheet`: persons × days of a month.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthlySheetQuery {
    /// 2000 to 2999.
    #[param(required = true, minimum = 2000, maximum = 2999)]
    pub year: Option<i64>,
    /// 1 to 12.
    #[param(required = true, minimum = 1, maximum = 12)]
    pub month: Option<i64>,
    /// Only persons of this department.
    #[param(schema_with = fields::department)]
    pub department: Option<String>,
    /// Only persons of this organisation.
    #[param(schema_with = fields::organization)]
    pub organization: Option<String>,
    /// 1-based page of persons, in name order (JSON only).
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<i64>,
    /// Persons per page, 1 to 100 (JSON only; default 20).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    /// `json` (default) or `csv` (every person: a row each, a column per day).
    #[param(schema_with = fields::format)]
    pub format: Option<String>,
}

/// A validated monthly sheet request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlySheetRequest {
    pub report: MonthlyReportRequest,
    pub organization: Option<String>,
}

impl MonthlySheetQuery {
    pub fn validate(self) -> Result<MonthlySheetRequest, ValidationErrors> {
        let organization = self
            .organization
            .as_deref()
            .map(|o| Text::parse(o, limits::ORGANIZATION).map(|t| t.as_str().to_owned()))
            .transpose();
        let report = MonthlyReportQuery {
            year: self.year,
            month: self.month,
            department: self.department,
            page: self.page,
            page_size: self.page_size,
            format: self.format,
        }
        .validate();
        match (report, organization) {
            (Ok(report), Ok(organization)) => Ok(MonthlySheetRequest {
                report,
                organization,
            }),
            (report, organization) => {
                let mut errors = report.err().unwrap_or_default();
                if let Err(issue) = organization {
                    errors.push(issue.at("organization"));
                }
                Err(errors)
            }
        }
    }
}

/// Optional `from_date` and `to_date` of a filter, the first not after the second
/// (`invalid_range` on `from_date`); each `None` when invalid (its issue recorded), `Some(None)`
/// when left out.
pub fn optional_dates(
    errors: &mut ValidationErrors,
    from: Option<&str>,
    to: Option<&str>,
) -> (Option<Option<NaiveDate>>, Option<Option<NaiveDate>>) {
    let from_date = errors.check("from_date", from.map(parse_date).transpose());
    let to_date = errors.check("to_date", to.map(parse_date).transpose());
    if let (Some(Some(from)), Some(Some(to))) = (from_date, to_date)
        && from > to
    {
        errors.push(FieldIssue::new("invalid_range", "must not be after to_date").at("from_date"));
    }
    (from_date, to_date)
}

pub fn parse_uuid(raw: &str) -> Result<Uuid, FieldIssue> {
    Uuid::parse_str(raw.trim()).map_err(|_| FieldIssue::new("invalid_uuid", "must be a UUID"))
}

pub fn parse_date(raw: &str) -> Result<NaiveDate, FieldIssue> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldIssue::new("invalid_date", "must be a date as YYYY-MM-DD"))
}

fn parse_status(raw: &str) -> Result<AttendanceStatus, FieldIssue> {
    AttendanceStatus::parse(raw.trim()).ok_or_else(|| {
        let known: Vec<&str> = AttendanceStatus::ALL.iter().map(|s| s.as_str()).collect();
        FieldIssue::new(
            "unknown_status",
            format!("must be one of {}", known.join(", ")),
        )
    })
}

/// How far ahead of the server's clock a manual mark's `time` may be: the clocks of the
/// browser that entered it and of the server differ a little.
pub const MANUAL_TIME_SKEW_SECONDS: i64 = 5 * 60;
/// How far back a manual mark's `time` may go: a forgotten mark is entered within a month,
/// before the month's reports are settled.
pub const MANUAL_TIME_MAX_AGE_DAYS: i64 = 31;

/// A manual mark as asked for: who, when (`None`: now) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualMark {
    pub person_id: Uuid,
    pub at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// A manual mark's `time`: RFC 3339 with an offset, at most [`MANUAL_TIME_SKEW_SECONDS`]
/// after `now` and at most [`MANUAL_TIME_MAX_AGE_DAYS`] before it; kept to the stored
/// microsecond.
pub fn parse_manual_time(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, FieldIssue> {
    use chrono::SubsecRound;
    let at = DateTime::parse_from_rfc3339(raw.trim())
        .map_err(|_| {
            FieldIssue::new(
                "invalid_time",
                "must be an RFC 3339 date-time with an offset, e.g. 2026-03-02T08:55:00+01:00",
            )
        })?
        .with_timezone(&Utc)
        .trunc_subsecs(6);
    if at > now + chrono::Duration::seconds(MANUAL_TIME_SKEW_SECONDS) {
        return Err(FieldIssue::new(
            "time_in_future",
            "must not be later than now",
        ));
    }
    if at < now - chrono::Duration::days(MANUAL_TIME_MAX_AGE_DAYS) {
        return Err(FieldIssue::new(
            "time_too_old",
            format!("must be within the last {MANUAL_TIME_MAX_AGE_DAYS} days"),
        ));
    }
    Ok(at)
}

/// The fields every manual mark has, checked together; every invalid one is listed.
fn manual_mark(
    person_id: &str,
    time: Option<&str>,
    reason: Option<&str>,
    now: DateTime<Utc>,
    errors: &mut ValidationErrors,
) -> Option<ManualMark> {
    let person_id = errors.check("person_id", parse_uuid(person_id));
    let at = errors.check(
        "time",
        time.map(|raw| parse_manual_time(raw, now)).transpose(),
    );
    let reason = errors.check(
        "reason",
        reason
            .map(|raw| Text::parse(raw, CORRECTION_REASON).map(|t| t.as_str().to_owned()))
            .transpose(),
    );
    Some(ManualMark {
        person_id: person_id?,
        at: at?,
        reason: reason?,
    })
}

/// `POST /api/v1/attendance/check-in`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    #[schema(schema_with = fields::uuid)]
    pub person_id: String,
    /// Accepted for the spec's sake and checked to be in [0, 1]; a manual entry involves no
    /// recognition, so there is nothing for it to threshold.
    #[serde(default)]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub confidence_threshold: Option<f64>,
    /// When the person arrived (RFC 3339 with an offset); absent or `null`: now. At most 5
    /// minutes ahead of the server's clock (`time_in_future`) and at most 31 days back
    /// (`time_too_old`); it lands on the person's work day in the site's time zone, as a
    /// camera's sighting at that time would.
    #[serde(default)]
    #[schema(schema_with = fields::date_time_or_null)]
    pub time: Option<String>,
    /// Why the mark was entered by hand (kept in the record's history); 1 to 500 characters.
    #[serde(default)]
    #[schema(schema_with = fields::remark_or_null)]
    pub reason: Option<String>,
}

impl CheckInRequest {
    /// The mark to enter; every invalid field is listed.
    pub fn validate(self, now: DateTime<Utc>) -> Result<ManualMark, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mark = manual_mark(
            &self.person_id,
            self.time.as_deref(),
            self.reason.as_deref(),
            now,
            &mut errors,
        );
        if let Some(threshold) = self.confidence_threshold
            && !(0.0..=1.0).contains(&threshold)
        {
            errors.push(
                FieldIssue::new("out_of_range", "must be between 0 and 1")
                    .at("confidence_threshold"),
            );
        }
        errors.into_result(|| mark.expect("checked"))
    }
}

/// `POST /api/v1/attendance/check-out`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckOutRequest {
    #[schema(schema_with = fields::uuid)]
    pub person_id: String,
    /// When the person left (RFC 3339 with an offset); absent or `null`: now. The same
    /// bounds as a check-in's `time`, and not before the day's check-in.
    #[serde(default)]
    #[schema(schema_with = fields::date_time_or_null)]
    pub time: Option<String>,
    /// Why the mark was entered by hand (kept in the record's history); 1 to 500 characters.
    #[serde(default)]
    #[schema(schema_with = fields::remark_or_null)]
    pub reason: Option<String>,
}

impl CheckOutRequest {
    pub fn validate(self, now: DateTime<Utc>) -> Result<ManualMark, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mark = manual_mark(
            &self.person_id,
            self.time.as_deref(),
            self.reason.as_deref(),
            now,
            &mut errors,
        );
        errors.into_result(|| mark.expect("checked"))
    }
}

/// The spec's check-in response.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInResponse {
    pub success: bool,
    pub person_id: Uuid,
    pub person_name: String,
    pub check_in_time: DateTime<Utc>,
    /// The recognition confidence of the check-in. A manual entry has none (the stored
    /// `check_in_confidence` is NULL too), so this is always `null` here: reporting 1.0 or
    /// the request's threshold would pass a person's word off as a measurement.
    pub confidence: Option<f32>,
    pub message: String,
}

/// The spec's check-out response.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckOutResponse {
    pub success: bool,
    pub person_id: Uuid,
    pub person_name: String,
    pub check_out_time: DateTime<Utc>,
    pub duration_minutes: i64,
    pub message: String,
}

/// `GET /api/v1/attendance/{person_id}/statistics`: both dates required.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatisticsQuery {
    pub from_date: Option<String>,
    pub to_date: Option<String>,
    /// `json` (default) or `csv` (one row).
    pub format: Option<String>,
}

/// The longest range statistics are computed over, in days (both ends included).
pub const MAX_STATISTICS_DAYS: i64 = 366;

impl StatisticsQuery {
    pub fn validate(self) -> Result<(NaiveDate, NaiveDate, Format), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let format = errors.check("format", parse_format(self.format.as_deref()));
        let required = |raw: Option<&str>| match raw {
            None => Err(FieldIssue::new("required", "is required (YYYY-MM-DD)")),
            Some(raw) => parse_date(raw),
        };
        let from = errors.check("from_date", required(self.from_date.as_deref()));
        let to = errors.check("to_date", required(self.to_date.as_deref()));
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                errors.push(
                    FieldIssue::new("invalid_range", "must not be after to_date").at("from_date"),
                );
            } else if (to - from).num_days() + 1 > MAX_STATISTICS_DAYS {
                errors.push(
                    FieldIssue::new(
                        "range_too_long",
                        format!("the range may span at most {MAX_STATISTICS_DAYS} days"),
                    )
                    .at("to_date"),
                );
            }
        }
        errors.into_result(|| {
            (
                from.expect("checked"),
                to.expect("checked"),
                format.expect("checked"),
            )
        })
    }
}

/// `GET /api/v1/attendance/reports/trends`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TrendsQuery {
    /// `YYYY-MM-DD`, inclusive; not after `to_date`, at most 366 days before it.
    #[param(required = true, schema_with = fields::date)]
    pub from_date: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(required = true, schema_with = fields::date)]
    pub to_date: Option<String>,
    /// `day` (default) or `week` (ISO weeks, Monday to Sunday).
    #[param(schema_with = fields::interval)]
    pub interval: Option<String>,
    /// Only persons of this department.
    #[param(schema_with = fields::department)]
    pub department: Option<String>,
    /// `true`: one series per department (default `false`: one for everyone).
    #[param(schema_with = fields::boolean_text)]
    pub by_department: Option<String>,
    /// `json` (default) or `csv`: a row per series and period.
    #[param(schema_with = fields::format)]
    pub format: Option<String>,
}

impl TrendsQuery {
    pub fn validate(self) -> Result<(TrendsFilter, Format), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let format = errors.check("format", parse_format(self.format.as_deref()));
        let required = |raw: Option<&str>| match raw {
            None => Err(FieldIssue::new("required", "is required (YYYY-MM-DD)")),
            Some(raw) => parse_date(raw),
        };
        let from = errors.check("from_date", required(self.from_date.as_deref()));
        let to = errors.check("to_date", required(self.to_date.as_deref()));
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                errors.push(
                    FieldIssue::new("invalid_range", "must not be after to_date").at("from_date"),
                );
            } else if (to - from).num_days() + 1 > MAX_TREND_DAYS {
                errors.push(
                    FieldIssue::new(
                        "range_too_long",
                        format!("the range may span at most {MAX_TREND_DAYS} days"),
                    )
                    .at("to_date"),
                );
            }
        }
        let interval = errors.check(
            "interval",
            match self.interval.as_deref().map(str::trim) {
                None => Ok(Interval::Day),
                Some(raw) => Interval::parse(raw)
                    .ok_or_else(|| FieldIssue::new("unknown_interval", "must be day or week")),
            },
        );
        let department = errors.check(
            "department",
            self.department
                .as_deref()
                .map(|d| Text::parse(d, limits::DEPARTMENT).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        let by_department = errors.check(
            "by_department",
            match self.by_department.as_deref().map(str::trim) {
                None | Some("false") => Ok(false),
                Some("true") => Ok(true),
                Some(_) => Err(FieldIssue::new("invalid_boolean", "must be true or false")),
            },
        );
        errors.into_result(|| {
            (
                TrendsFilter {
                    from: from.expect("checked"),
                    to: to.expect("checked"),
                    interval: interval.expect("checked"),
                    department: department.expect("checked"),
                    by_department: by_department.expect("checked"),
                },
                format.expect("checked"),
            )
        })
    }
}

/// The spec's person statistics over a date range.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PersonStatistics {
    /// The first day counted: `from_date`, or the day the person was created when that is
    /// later (days before a person existed are not absences). After `to_date` when the
    /// person was created after the range: then every count is 0.
    pub counted_from: NaiveDate,
    /// Mondays to Fridays from `counted_from` to `to_date`, less holidays (everyone's and the
    /// person's organisation's) and the person's approved leave.
    pub total_working_days: u64,
    /// Working days with a present, late or early-leave record.
    pub days_present: u64,
    pub days_absent: u64,
    pub days_late: u64,
    pub days_early_leave: u64,
    /// Percent of working days present, one decimal; 0.0 when there are none.
    pub presence_percentage: f64,
}

impl PersonStatistics {
    pub fn new(
        counted_from: NaiveDate,
        total_working_days: u64,
        days_present: u64,
        days_late: u64,
        early: u64,
    ) -> Self {
        let counts = DayCounts::new(total_working_days, days_present, days_late);
        Self {
            counted_from,
            total_working_days,
            days_present,
            days_absent: counts.absent,
            days_late,
            days_early_leave: early,
            presence_percentage: counts.presence_percentage,
        }
    }
}

/// One attendance record as the spec shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceResponse {
    pub id: Uuid,
    pub person_id: Uuid,
    pub attendance_date: NaiveDate,
    pub check_in_time: Option<DateTime<Utc>>,
    pub check_in_confidence: Option<f32>,
    pub check_in_source: Option<String>,
    pub check_out_time: Option<DateTime<Utc>>,
    pub check_out_confidence: Option<f32>,
    pub check_out_source: Option<String>,
    pub duration_minutes: Option<i32>,
    pub status: String,
    pub is_manual: bool,
    #[serde(rename = "createdAt")]
    pub created_at: DateTime<Utc>,
    /// How many minutes after the shift's start the check-in came, once beyond the shift's
    /// grace period (0 when on time, within the grace, or without a shift); beyond the
    /// spec's fields.
    pub late_minutes: i32,
    /// How many minutes before the shift's end the check-out came, once beyond its early
    /// leave grace (0 otherwise).
    pub early_leave_minutes: i32,
}

impl From<attendance::Model> for AttendanceResponse {
    fn from(row: attendance::Model) -> Self {
        Self {
            id: row.id,
            person_id: row.person_id,
            attendance_date: row.attendance_date,
            check_in_time: row.check_in_time,
            check_in_confidence: row.check_in_confidence,
            check_in_source: row.check_in_source,
            check_out_time: row.check_out_time,
            check_out_confidence: row.check_out_confidence,
            check_out_source: row.check_out_source,
            duration_minutes: row.duration_minutes,
            status: row.status,
            is_manual: row.is_manual,
            created_at: row.created_at,
            late_minutes: row.late_minutes,
            early_leave_minutes: row.early_leave_minutes,
        }
    }
}

/// `GET /api/v1/attendance/status/{person_id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentStatusResponse {
    pub person_id: Uuid,
    /// `None` when the directory does not know the person (yet).
    pub person_name: Option<String>,
    /// Checked in today and not (yet) checked out.
    pub checked_in: bool,
    pub check_in_time: Option<DateTime<Utc>>,
    /// Minutes since check-in while checked in, the day's duration once checked out, 0
    /// before any check-in.
    pub current_duration_minutes: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_bad_parameter() {
        let query = ListAttendanceQuery {
            page: Some(0),
            person_id: Some("nope".into()),
            from_date: Some("2024-13-01".into()),
            status: Some("sleeping".into()),
            ..Default::default()
        };
        let errors = query.validate().expect_err("invalid");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["page", "person_id", "from_date", "status"]);
    }

    #[test]
    fn statistics_range_is_required_and_bounded() {
        let errors = StatisticsQuery::default().validate().expect_err("invalid");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["from_date", "to_date"]);
        let query = |from: &str, to: &str| StatisticsQuery {
            from_date: Some(from.into()),
            to_date: Some(to.into()),
            format: None,
        };
        assert!(query("2024-01-01", "2024-12-31").validate().is_ok());
        let errors = query("2024-01-01", "2025-01-01")
            .validate()
            .expect_err("367 days");
        assert_eq!(errors.0[0].code, "range_too_long");
        let errors = query("2024-02-01", "2024-01-01")
            .validate()
            .expect_err("reversed");
        assert_eq!(errors.0[0].code, "invalid_range");
    }

    #[test]
    fn refuses_a_reversed_range() {
        let query = ListAttendanceQuery {
            from_date: Some("2024-02-01".into()),
            to_date: Some("2024-01-01".into()),
            ..Default::default()
        };
        let errors = query.validate().expect_err("invalid");
        assert_eq!(errors.0[0].field, "from_date");
        assert_eq!(errors.0[0].code, "invalid_range");
    }
}

/// `GET /api/v1/attendance/review`: the review queue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewQueueQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    /// `pending` (the default), `approved` or `rejected`.
    #[param(schema_with = fields::review_state)]
    pub state: Option<String>,
    #[param(schema_with = fields::uuid)]
    pub person_id: Option<String>,
    /// `YYYY-MM-DD`, inclusive; not after `to_date`.
    #[param(schema_with = fields::date)]
    pub from_date: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    #[param(schema_with = fields::date)]
    pub to_date: Option<String>,
}

/// What the review queue is filtered by.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewFilter {
    pub state: ReviewState,
    pub person_id: Option<Uuid>,
    pub from_date: Option<NaiveDate>,
    pub to_date: Option<NaiveDate>,
}

impl ReviewQueueQuery {
    pub fn validate(self) -> Result<(ReviewFilter, PageRequest), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let page = errors.check("page", PageRequest::parse_page(self.page));
        let page_size = errors.check("page_size", PageRequest::parse_page_size(self.page_size));
        let state = errors.check(
            "state",
            match self.state.as_deref().map(str::trim) {
                None => Ok(ReviewState::Pending),
                Some(raw) => ReviewState::parse(raw).ok_or_else(|| {
                    FieldIssue::new(
                        "unknown_state",
                        "must be one of pending, approved, rejected",
                    )
                }),
            },
        );
        let person_id = errors.check(
            "person_id",
            self.person_id.as_deref().map(parse_uuid).transpose(),
        );
        let (from_date, to_date) = optional_dates(
            &mut errors,
            self.from_date.as_deref(),
            self.to_date.as_deref(),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            ReviewFilter {
                state: state.expect("checked"),
                person_id: person_id.flatten(),
                from_date: from_date.flatten(),
                to_date: to_date.flatten(),
            },
            PageRequest::new(page.expect("checked"), page_size.expect("checked")),
        ))
    }
}

/// One item of the review queue, with its detection's evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItemResponse {
    pub id: Uuid,
    pub detection_id: Uuid,
    pub person_id: Uuid,
    pub attendance_date: NaiveDate,
    /// `low_confidence`, `ambiguous_time` or `no_check_in`.
    pub reason: String,
    pub confidence: f32,
    pub camera_id: String,
    pub at: DateTime<Utc>,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The candidate's name (the review queue only; `None` when the directory does not
    /// know the person).
    pub person_name: Option<String>,
    /// The detection's evidence (the review queue only).
    pub detection: Option<evidence::DetectionResponse>,
}

impl From<review_item::Model> for ReviewItemResponse {
    fn from(item: review_item::Model) -> Self {
        Self {
            id: item.id,
            detection_id: item.detection_id,
            person_id: item.person_id,
            attendance_date: item.attendance_date,
            reason: item.reason,
            confidence: item.confidence,
            camera_id: item.camera_id,
            at: item.at,
            state: item.state,
            decided_by: item.decided_by,
            decided_at: item.decided_at,
            person_name: None,
            detection: None,
        }
    }
}

/// `POST /api/v1/attendance/review/{id}/approve`: `{}` confirms the sighting; a direction
/// says which way it went (required for an `ambiguous_time` item).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveReviewRequest {
    /// `check_in` or `check_out`; required for an `ambiguous_time` item.
    #[schema(schema_with = fields::direction_or_null)]
    pub direction: Option<String>,
    /// Why, for the audit trail: 1 to 500 characters.
    #[schema(schema_with = fields::remark_or_null)]
    pub reason: Option<String>,
}

impl ApproveReviewRequest {
    pub fn validate(self) -> Result<(Option<Direction>, Option<String>), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let direction = errors.check(
            "direction",
            self.direction.as_deref().map(parse_direction).transpose(),
        );
        let reason = errors.check(
            "reason",
            self.reason
                .as_deref()
                .map(|raw| Text::parse(raw, CORRECTION_REASON).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        errors.into_result(|| (direction.expect("checked"), reason.expect("checked")))
    }
}

fn parse_direction(raw: &str) -> Result<Direction, FieldIssue> {
    match raw.trim() {
        "check_in" => Ok(Direction::CheckIn),
        "check_out" => Ok(Direction::CheckOut),
        _ => Err(FieldIssue::new(
            "unknown_direction",
            "must be check_in or check_out",
        )),
    }
}

/// A decided review item and the day after the decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDecisionResponse {
    pub review_item: ReviewItemResponse,
    /// `None` when the day has no record left (every sighting of it rejected).
    pub attendance: Option<AttendanceResponse>,
}

/// `POST /api/v1/attendance/corrections`: a person's verdict on a detection.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    #[schema(required = true, schema_with = fields::uuid)]
    pub detection_id: Option<String>,
    /// `rejected` ("this was not me"), `confirmed`, `check_in` or `check_out`.
    #[schema(required = true, schema_with = fields::verdict)]
    pub verdict: Option<String>,
    /// Why, for the audit trail: 1 to 500 characters.
    #[schema(required = true, schema_with = fields::remark)]
    pub reason: Option<String>,
}

impl CorrectionRequest {
    pub fn validate(self) -> Result<(Uuid, Verdict, String), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let required = || FieldIssue::new("required", "is required");
        let detection_id = errors.check(
            "detection_id",
            self.detection_id
                .as_deref()
                .map_or_else(|| Err(required()), parse_uuid),
        );
        let verdict = errors.check(
            "verdict",
            self.verdict.as_deref().map_or_else(
                || Err(required()),
                |raw| {
                    Verdict::parse(raw.trim()).ok_or_else(|| {
                        FieldIssue::new(
                            "unknown_verdict",
                            "must be one of rejected, confirmed, check_in, check_out",
                        )
                    })
                },
            ),
        );
        let reason = errors.check(
            "reason",
            self.reason.as_deref().map_or_else(
                || Err(required()),
                |raw| Text::parse(raw, CORRECTION_REASON).map(|t| t.as_str().to_owned()),
            ),
        );
        errors.into_result(|| {
            (
                detection_id.expect("checked"),
                verdict.expect("checked"),
                reason.expect("checked"),
            )
        })
    }
}

/// The longest reason or remark a decision carries.
pub const CORRECTION_REASON: usize = 500;

/// A corrected detection and the day after the correction.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionResponse {
    pub detection_id: Uuid,
    pub person_id: Option<Uuid>,
    pub verdict: Option<String>,
    pub verdict_by: Option<String>,
    pub verdict_at: Option<DateTime<Utc>>,
    pub attendance: Option<AttendanceResponse>,
}

/// `POST /api/v1/attendance/manual/{id}/approve` and `.../reject`: an optional remark.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualDecisionRequest {
    #[schema(schema_with = fields::remark_or_null)]
    pub remarks: Option<String>,
}

impl ManualDecisionRequest {
    pub fn validate(self) -> Result<Option<String>, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let remarks = errors.check(
            "remarks",
            self.remarks
                .as_deref()
                .map(|raw| Text::parse(raw, CORRECTION_REASON).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        errors.into_result(|| remarks.expect("checked"))
    }
}
