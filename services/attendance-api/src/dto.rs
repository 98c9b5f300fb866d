//! Query parameters and response bodies of the attendance routes, with the spec's names.
//!
//! Query parameters arrive as strings and are parsed here into typed filters, every bad one
//! reported by name ([`ListAttendanceQuery::validate`]); responses are built from the store's
//! rows.

use chrono::{DateTime, NaiveDate, Utc};
use faceattend_attendance_store::entities::attendance;
use faceattend_domain::attendance::AttendanceStatus;
use faceattend_domain::person::{Text, limits};
use faceattend_domain::{FieldIssue, PageRequest, ValidationErrors};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::queries::AttendanceFilter;

/// `GET /api/v1/attendance` and `GET /api/v1/attendance/{person_id}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListAttendanceQuery {
    pub page: Option<i64>,
    pub page_size: Option<i64>,
    pub person_id: Option<String>,
    pub from_date: Option<String>,
    pub to_date: Option<String>,
    pub status: Option<String>,
    pub department: Option<String>,
}

impl ListAttendanceQuery {
    /// The filter and page these parameters ask for; every invalid parameter is listed.
    pub fn validate(self) -> Result<(AttendanceFilter, PageRequest), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let page = errors.check("page", PageRequest::parse_page(self.page));
        let page_size = errors.check("page_size", PageRequest::parse_page_size(self.page_size));
        let person_id = errors.check(
            "person_id",
            self.person_id.as_deref().map(parse_uuid).transpose(),
        );
        let from_date = errors.check(
            "from_date",
            self.from_date.as_deref().map(parse_date).transpose(),
        );
        let to_date = errors.check(
            "to_date",
            self.to_date.as_deref().map(parse_date).transpose(),
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
        if let (Some(Some(from)), Some(Some(to))) = (from_date, to_date)
            && from > to
        {
            errors.push(
                FieldIssue::new("invalid_range", "must not be after to_date").at("from_date"),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let filter = AttendanceFilter {
            person_id: person_id.flatten(),
            from_date: from_date.flatten(),
            to_date: to_date.flatten(),
            status: status.flatten(),
            department: department.flatten(),
        };
        let page = PageRequest::new(page.expect("checked"), page_size.expect("checked"));
        Ok((filter, page))
    }
}

/// `GET /api/v1/attendance/reports/daily`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DailyReportQuery {
    pub date: Option<String>,
}

impl DailyReportQuery {
    pub fn validate(self) -> Result<NaiveDate, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let date = errors.check(
            "date",
            match self.date.as_deref() {
                None => Err(FieldIssue::new("required", "is required (YYYY-MM-DD)")),
                Some(raw) => parse_date(raw),
            },
        );
        errors.into_result(|| date.expect("checked"))
    }
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

/// `POST /api/v1/attendance/check-in`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    pub person_id: String,
    /// Accepted for the spec's sake and checked to be in [0, 1]; a manual entry involves no
    /// recognition, so there is nothing for it to threshold.
    #[serde(default)]
    pub confidence_threshold: Option<f64>,
}

impl CheckInRequest {
    /// The person to check in; every invalid field is listed.
    pub fn validate(self) -> Result<Uuid, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let person_id = errors.check("person_id", parse_uuid(&self.person_id));
        if let Some(threshold) = self.confidence_threshold
            && !(0.0..=1.0).contains(&threshold)
        {
            errors.push(
                FieldIssue::new("out_of_range", "must be between 0 and 1")
                    .at("confidence_threshold"),
            );
        }
        errors.into_result(|| person_id.expect("checked"))
    }
}

/// `POST /api/v1/attendance/check-out`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckOutRequest {
    pub person_id: String,
}

impl CheckOutRequest {
    pub fn validate(self) -> Result<Uuid, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let person_id = errors.check("person_id", parse_uuid(&self.person_id));
        errors.into_result(|| person_id.expect("checked"))
    }
}

/// The spec's check-in response.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
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
}

/// The longest range statistics are computed over, in days (both ends included).
pub const MAX_STATISTICS_DAYS: i64 = 366;

impl StatisticsQuery {
    pub fn validate(self) -> Result<(NaiveDate, NaiveDate), ValidationErrors> {
        let mut errors = ValidationErrors::default();
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
        errors.into_result(|| (from.expect("checked"), to.expect("checked")))
    }
}

/// The spec's person statistics over a date range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonStatistics {
    /// Mondays to Fridays of the range, less holidays and the person's approved leave.
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
    pub fn new(total_working_days: u64, days_present: u64, days_late: u64, early: u64) -> Self {
        let counts = DayCounts::new(total_working_days, days_present, days_late);
        Self {
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
#[derive(Debug, Serialize)]
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
        }
    }
}

/// `GET /api/v1/attendance/status/{person_id}`.
#[derive(Debug, Serialize)]
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

/// Counts of one group of persons (everyone, or one department) for one day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DayCounts {
    pub total_persons: u64,
    pub present: u64,
    pub absent: u64,
    pub late: u64,
    /// Percent of `total_persons` present, one decimal; 0.0 when there is nobody.
    pub presence_percentage: f64,
}

impl DayCounts {
    pub fn new(total_persons: u64, present: u64, late: u64) -> Self {
        let presence_percentage = if total_persons == 0 {
            0.0
        } else {
            (present as f64 * 1000.0 / total_persons as f64).round() / 10.0
        };
        Self {
            total_persons,
            present,
            absent: total_persons.saturating_sub(present),
            late,
            presence_percentage,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DepartmentCounts {
    /// `None`: persons without a department.
    pub department: Option<String>,
    #[serde(flatten)]
    pub counts: DayCounts,
}

/// `GET /api/v1/attendance/reports/daily`: the spec's fields plus `date` and `by_department`.
#[derive(Debug, Serialize)]
pub struct DailyReportResponse {
    pub date: NaiveDate,
    #[serde(flatten)]
    pub counts: DayCounts,
    pub by_department: Vec<DepartmentCounts>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentage_has_one_decimal() {
        let counts = DayCounts::new(150, 145, 8);
        assert_eq!(counts.absent, 5);
        assert_eq!(counts.presence_percentage, 96.7);
        assert_eq!(DayCounts::new(0, 0, 0).presence_percentage, 0.0);
        assert_eq!(DayCounts::new(3, 1, 0).presence_percentage, 33.3);
    }

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
