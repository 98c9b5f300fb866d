//! The spec's reports: the daily report (with the same counts per department and every
//! person's line), the monthly report, and a person's statistics over a date range; each
//! also as CSV for payroll (`format=csv`).

use actix_web::{HttpResponse, web};
use chrono::Utc;
use faceattend_attendance_store::reports::{self, MonthlyFilter};
use faceattend_attendance_store::sheet::{self, MonthlySheet, SheetFilter};
use faceattend_attendance_store::trends;
use faceattend_domain::attendance::SiteZone;
use faceattend_service::auth::{AttendanceRead, Require};
use faceattend_service::envelope;
use uuid::Uuid;

use crate::dto::{
    DailyReportQuery, Format, Listing, MonthlyReportQuery, MonthlySheetQuery, StatisticsQuery,
    TrendsQuery,
};
use crate::error::AttendanceApiError;
use crate::export;
use crate::openapi::{
    DailyReportEnvelope, ErrorEnvelope, MonthlyReportEnvelope, MonthlySheetEnvelope,
    StatisticsEnvelope, TrendsEnvelope,
};
use crate::queries::AttendanceQueries;

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// The daily CSV's columns: one row per person.
pub const DAILY_COLUMNS: [&str; 10] = [
    "person_id",
    "name",
    "department",
    "status",
    "check_in_time",
    "check_out_time",
    "worked_minutes",
    "late_minutes",
    "early_leave_minutes",
    "date",
];

/// The monthly CSV's columns: one row per person.
pub const MONTHLY_COLUMNS: [&str; 12] = [
    "person_id",
    "name",
    "department",
    "year",
    "month",
    "working_days",
    "days_present",
    "days_late",
    "days_early_leave",
    "days_absent",
    "total_worked_minutes",
    "average_check_in_time",
];

/// The statistics CSV's columns: one row.
pub const STATISTICS_COLUMNS: [&str; 10] = [
    "person_id",
    "from_date",
    "to_date",
    "total_working_days",
    "days_present",
    "days_absent",
    "days_late",
    "days_early_leave",
    "presence_percentage",
    "counted_from",
];

/// Daily report: counts, per department, and every active person's line.
#[utoipa::path(
    get, path = "/api/v1/attendance/reports/daily", tag = "reports",
    params(
        ("date" = String, Query, description = "YYYY-MM-DD", format = Date),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv`: one row per person"),
        ("persons" = Option<bool>, Query, description = "`false`: the counts only, `persons` empty (JSON only; a dashboard's call)"),
    ),
    responses(
        (status = 200, description = "The report; as `text/csv` with `format=csv`", body = DailyReportEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn daily(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    query: web::Query<DailyReportQuery>,
) -> Result<HttpResponse> {
    let request = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let date = request.date;
    let mut report = reports::daily(queries.connection(), date).await?;
    if !request.with_persons {
        report.persons = Vec::new();
    }
    match request.format {
        Format::Json => Ok(envelope::ok(report)),
        Format::Csv => {
            let rows = report
                .persons
                .iter()
                .map(|person| with(person, [("date", date.to_string().into())]))
                .collect::<Result<Vec<_>>>()?;
            export::csv_response(&format!("daily_report_{date}.csv"), &DAILY_COLUMNS, &rows)
        }
    }
}

/// Monthly report: per active person, working days (the active rule's weekdays, less
/// holidays and approved leave), days present, late, early leave and absent (never future
/// days), minutes worked and the average check-in time.
#[utoipa::path(
    get, path = "/api/v1/attendance/reports/monthly", tag = "reports",
    params(MonthlyReportQuery),
    responses(
        (status = 200, description = "The report, persons paged (`meta`); as `text/csv` with `format=csv`", body = MonthlyReportEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn monthly(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    zone: web::Data<SiteZone>,
    query: web::Query<MonthlyReportQuery>,
) -> Result<HttpResponse> {
    let request = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let filter = MonthlyFilter {
        department: request.department,
        today: zone.local(Utc::now()).date(),
        zone: **zone,
        page: request.listing.page(),
    };
    let (year, month) = (request.year, request.month);
    let report = reports::monthly(queries.connection(), year, month, &filter).await?;
    match (request.listing, report.page) {
        (Listing::Page(_), Some(meta)) => Ok(envelope::ok_with_meta(report, meta)),
        _ => {
            let rows = report
                .persons
                .iter()
                .map(|person| with(person, [("year", year.into()), ("month", month.into())]))
                .collect::<Result<Vec<_>>>()?;
            let name = format!("monthly_report_{year}-{month:02}.csv");
            export::csv_response(&name, &MONTHLY_COLUMNS, &rows)
        }
    }
}

/// `GET /api/v1/attendance/reports/monthly-sheet`: persons × the days of a month, each cell
/// a status and its letter, totals per person and per day (over every selected person).
#[utoipa::path(
    get, path = "/api/v1/attendance/reports/monthly-sheet", tag = "reports",
    params(MonthlySheetQuery),
    responses(
        (status = 200, description = "The sheet, persons paged (`meta`); as `text/csv` with `format=csv` (a column per day, the cells' letters)", body = MonthlySheetEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn monthly_sheet(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    zone: web::Data<SiteZone>,
    query: web::Query<MonthlySheetQuery>,
) -> Result<HttpResponse> {
    let request = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let (year, month) = (request.report.year, request.report.month);
    let filter = SheetFilter {
        department: request.report.department,
        organization: request.organization,
        today: zone.local(Utc::now()).date(),
        page: request.report.listing.page(),
    };
    let sheet = sheet::monthly_sheet(queries.connection(), year, month, &filter).await?;
    match (request.report.listing, sheet.page) {
        (Listing::Page(_), Some(meta)) => Ok(envelope::ok_with_meta(sheet, meta)),
        _ => {
            let (columns, rows) = sheet_csv(&sheet);
            let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
            let name = format!("monthly_sheet_{year}-{month:02}.csv");
            export::csv_response(&name, &columns, &rows)
        }
    }
}

/// `GET /api/v1/attendance/reports/trends`: expected, present, late, absent, presence %,
/// mean and 90th-percentile arrival and mean worked minutes by day or ISO week, for everyone
/// or by department, over up to 366 days (from daily aggregates).
#[utoipa::path(
    get, path = "/api/v1/attendance/reports/trends", tag = "reports",
    params(TrendsQuery),
    responses(
        (status = 200, description = "The series; as `text/csv` with `format=csv`", body = TrendsEnvelope),
        (status = 400, description = "`invalid_parameters` (e.g. `range_too_long`)", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn trends(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    zone: web::Data<SiteZone>,
    query: web::Query<TrendsQuery>,
) -> Result<HttpResponse> {
    let (filter, format) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let trends = trends::trends(queries.connection(), **zone, &filter).await?;
    match format {
        Format::Json => Ok(envelope::ok(trends)),
        Format::Csv => {
            let rows = trends
                .series
                .iter()
                .flat_map(|series| {
                    series.points.iter().map(|point| {
                        with(point, [("department", series.department.clone().into())])
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let name = format!("trends_{}_{}.csv", trends.from_date, trends.to_date);
            export::csv_response(&name, &TRENDS_COLUMNS, &rows)
        }
    }
}

pub const TRENDS_COLUMNS: [&str; 11] = [
    "department",
    "period_start",
    "period_end",
    "expected",
    "present",
    "late",
    "absent",
    "presence_percentage",
    "mean_arrival",
    "p90_arrival",
    "mean_worked_minutes",
];

/// The sheet as CSV rows: who, a column per date with the cell's letter, then the totals.
fn sheet_csv(sheet: &MonthlySheet) -> (Vec<String>, Vec<serde_json::Value>) {
    let mut columns: Vec<String> = ["person_id", "name", "department", "organization"]
        .map(str::to_owned)
        .to_vec();
    columns.extend(sheet.days.iter().map(|d| d.date.to_string()));
    columns.extend(SHEET_TOTAL_COLUMNS.map(str::to_owned));
    let rows = sheet
        .persons
        .iter()
        .map(|person| {
            let mut row = serde_json::Map::new();
            row.insert("person_id".into(), person.person_id.to_string().into());
            row.insert("name".into(), person.name.clone().into());
            row.insert("department".into(), person.department.clone().into());
            row.insert("organization".into(), person.organization.clone().into());
            for cell in &person.cells {
                row.insert(cell.date.to_string(), cell.letter.into());
            }
            let t = &person.totals;
            for (name, value) in SHEET_TOTAL_COLUMNS.into_iter().zip([
                i64::from(t.present),
                i64::from(t.late),
                i64::from(t.early_leave),
                i64::from(t.absent),
                i64::from(t.leave),
                i64::from(t.holiday),
                i64::from(t.weekend),
                i64::from(t.pending),
                t.worked_minutes,
                t.late_minutes,
            ]) {
                row.insert(name.into(), value.into());
            }
            serde_json::Value::Object(row)
        })
        .collect();
    (columns, rows)
}

pub const SHEET_TOTAL_COLUMNS: [&str; 10] = [
    "present",
    "late",
    "early_leave",
    "absent",
    "leave",
    "holiday",
    "weekend",
    "pending",
    "worked_minutes",
    "late_minutes",
];

/// `GET /api/v1/attendance/{person_id}/statistics?from_date=&to_date=`. Persons deleted since
/// still have statistics (their past stays reportable); persons the directory never heard
/// of are not found. Days before the person was created are not counted (`counted_from`).
#[utoipa::path(
    get, path = "/api/v1/attendance/{person_id}/statistics", tag = "reports",
    params(
        ("person_id" = Uuid, Path, description = "The person's id"),
        ("from_date" = String, Query, description = "YYYY-MM-DD; not after to_date", format = Date),
        ("to_date" = String, Query, description = "YYYY-MM-DD, at most 366 days after from_date", format = Date),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv`"),
    ),
    responses(
        (status = 200, description = "The person's statistics; as `text/csv` with `format=csv`", body = StatisticsEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 404, description = "`person_not_found`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn statistics(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    zone: web::Data<SiteZone>,
    person_id: web::Path<Uuid>,
    query: web::Query<StatisticsQuery>,
) -> Result<HttpResponse> {
    let person_id = person_id.into_inner();
    let (from, to, format) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let Some(person) = queries.directory_entry(person_id).await? else {
        return Err(AttendanceApiError::PersonNotFound(person_id));
    };
    let statistics = queries.person_statistics(&person, **zone, from, to).await?;
    match format {
        Format::Json => Ok(envelope::ok(statistics)),
        Format::Csv => {
            let row = with(
                &statistics,
                [
                    ("person_id", person_id.to_string().into()),
                    ("from_date", from.to_string().into()),
                    ("to_date", to.to_string().into()),
                ],
            )?;
            let name = format!("statistics_{person_id}_{from}_{to}.csv");
            export::csv_response(&name, &STATISTICS_COLUMNS, &[row])
        }
    }
}

/// `item` as a JSON object, with the report-wide fields a CSV row repeats.
fn with<const N: usize>(
    item: &impl serde::Serialize,
    fields: [(&str, serde_json::Value); N],
) -> Result<serde_json::Value> {
    let mut value = export::json_value(item)?;
    if let Some(object) = value.as_object_mut() {
        for (name, field) in fields {
            object.insert(name.to_owned(), field);
        }
    }
    Ok(value)
}
