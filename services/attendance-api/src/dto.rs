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
