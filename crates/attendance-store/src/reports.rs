//! The attendance reports: a day's (everyone's record of one date) and a month's (each
//! person's working days, presence, lateness, absences and hours).
//!
//! They live here, not in attendance-api, because two callers build them: the API answers
//! `GET /api/v1/attendance/reports/{daily,monthly}` (JSON and CSV), and attendance-worker's
//! scheduled jobs store and deliver the same reports. One implementation means the mailed
//! report and the one on screen cannot disagree.
//!
//! Both are computed over the person directory's active, non-deleted persons, so a person
//! without any record still shows up (absent). Each report is a handful of statements whose
//! cost grows with the number of persons (one row each) and, for the month, their records;
//! the arithmetic (calendar, days off, averages) is done in Rust, the same on both backends.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, Timelike, Utc};
use faceattend_domain::attendance::{AttendanceStatus, SiteZone, WorkingDays};
use faceattend_domain::{PageMeta, PageRequest};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde::Serialize;
use uuid::Uuid;

use crate::StoreError;
use crate::entities::{attendance, attendance_exception, attendance_rule, person_directory};

/// The statuses that count as present in reports: late and early leave were there too.
pub const PRESENT_STATUSES: [AttendanceStatus; 3] = [
    AttendanceStatus::Present,
    AttendanceStatus::Late,
    AttendanceStatus::EarlyLeave,
];

/// The directory status of a person attendance is expected from.
const ACTIVE: &str = "active";

fn is_present(status: &str) -> bool {
    PRESENT_STATUSES.iter().any(|s| s.as_str() == status)
}

/// Counts of one group of persons (everyone, or one department) for one day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
        Self {
            total_persons,
            present,
            absent: total_persons.saturating_sub(present),
            late,
            presence_percentage: percentage(present, total_persons),
        }
    }
}

/// `part` of `whole` in percent, one decimal; 0.0 of nothing.
pub fn percentage(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

/// One department's counts of the day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentCounts {
    /// `None`: persons without a department.
    pub department: Option<String>,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub counts: DayCounts,
}

/// One person's line of the daily report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyPersonRow {
    pub person_id: Uuid,
    pub name: String,
    pub department: Option<String>,
    /// The day record's status; `None` when the person has no record of the day (not seen,
    /// and the day-end job has not marked them absent yet).
    pub status: Option<String>,
    pub check_in_time: Option<DateTime<Utc>>,
    pub check_out_time: Option<DateTime<Utc>>,
    pub worked_minutes: Option<i32>,
    pub late_minutes: i32,
    pub early_leave_minutes: i32,
}

/// The daily report: the spec's counts, the same per department, and every person's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyReport {
    pub date: NaiveDate,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub counts: DayCounts,
    /// Departments in name order, persons without one last.
    pub by_department: Vec<DepartmentCounts>,
    /// Persons in department order (as `by_department`), then by name.
    pub persons: Vec<DailyPersonRow>,
}

#[derive(Debug, FromQueryResult)]
struct DailyRow {
    person_id: Uuid,
    name: String,
    department: Option<String>,
    status: Option<String>,
    check_in_time: Option<DateTime<Utc>>,
    check_out_time: Option<DateTime<Utc>>,
    duration_minutes: Option<i32>,
    late_minutes: Option<i32>,
    early_leave_minutes: Option<i32>,
}

/// The daily report of `date`: one statement joining every active person of the directory
/// to their record of the day (at most one: a record is unique per person and date).
pub async fn daily<C: ConnectionTrait>(
    conn: &C,
    date: NaiveDate,
) -> Result<DailyReport, StoreError> {
    let backend = conn.get_database_backend();
    let mut params = Params::new(backend);
    let sql = format!(
        "SELECT p.person_id AS person_id, p.name AS name, p.department AS department, \
                a.status AS status, a.check_in_time AS check_in_time, \
                a.check_out_time AS check_out_time, a.duration_minutes AS duration_minutes, \
                a.late_minutes AS late_minutes, a.early_leave_minutes AS early_leave_minutes \
         FROM person_directory p \
         LEFT JOIN attendance a ON a.person_id = p.person_id AND a.attendance_date = {date} \
         WHERE p.deleted = {deleted} AND p.status = {active} \
         ORDER BY p.department IS NULL, p.department, p.name, p.person_id",
        date = params.bind(date),
        deleted = params.bind(false),
        active = params.bind(ACTIVE),
    );
    let rows =
        DailyRow::find_by_statement(Statement::from_sql_and_values(backend, sql, params.values))
            .all(conn)
            .await?;

    // (total, present, late) per department, in the rows' (department) order.
    let mut by_department: Vec<(Option<String>, u64, u64, u64)> = Vec::new();
    let mut persons = Vec::with_capacity(rows.len());
    for row in rows {
        let present = row.status.as_deref().is_some_and(is_present);
        let late = row.status.as_deref() == Some(AttendanceStatus::Late.as_str());
        match by_department.last_mut() {
            Some(group) if group.0 == row.department => {
                group.1 += 1;
                group.2 += u64::from(present);
                group.3 += u64::from(late);
            }
            _ => by_department.push((
                row.department.clone(),
                1,
                u64::from(present),
                u64::from(late),
            )),
        }
        persons.push(DailyPersonRow {
            person_id: row.person_id,
            name: row.name,
            department: row.department,
            status: row.status,
            check_in_time: row.check_in_time,
            check_out_time: row.check_out_time,
            worked_minutes: row.duration_minutes,
            late_minutes: row.late_minutes.unwrap_or(0),
            early_leave_minutes: row.early_leave_minutes.unwrap_or(0),
        });
    }
    let (total, present, late) = by_department
        .iter()
        .fold((0, 0, 0), |(t, p, l), d| (t + d.1, p + d.2, l + d.3));
    Ok(DailyReport {
        date,
        counts: DayCounts::new(total, present, late),
        by_department: by_department
            .into_iter()
            .map(|(department, total, present, late)| DepartmentCounts {
                department,
                counts: DayCounts::new(total, present, late),
            })
            .collect(),
        persons,
    })
}

/// What a monthly report covers, and the facts it needs from outside the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyFilter {
    /// Only persons of this department.
    pub department: Option<String>,
    /// The site's today: later days are never counted absent (they have not happened).
    pub today: NaiveDate,
    /// The site's time zone, in which average check-in times are told.
    pub zone: SiteZone,
    /// One page of persons (in name order); `None`: everyone.
    pub page: Option<PageRequest>,
}

/// One person's month.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyPersonRow {
    pub person_id: Uuid,
    pub name: String,
    pub department: Option<String>,
    /// Days of the month on the rule's working days, less holidays (everyone's and the
    /// person's organisation's) and the person's approved leave (future days included: the month's full quota).
    pub working_days: u64,
    /// Working days with a present, late or early-leave record.
    pub days_present: u64,
    pub days_late: u64,
    pub days_early_leave: u64,
    /// Working days up to today without a present, late or early-leave record.
    pub days_absent: u64,
    /// Minutes worked over the month's present, late and early-leave records (any day:
    /// work on a day off is still work).
    pub total_worked_minutes: i64,
    /// The mean site-local check-in time of those records, to the second; `None` without
    /// any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "08:57:30"))]
    pub average_check_in_time: Option<NaiveTime>,
}

/// The monthly report: the period, the working days it counted, and one row per person.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyReport {
    pub year: i32,
    pub month: u32,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    /// The weekdays worked (0 = Monday): the active rule's, Monday to Friday without one.
    pub working_days_of_week: Vec<u8>,
    pub department: Option<String>,
    pub persons: Vec<MonthlyPersonRow>,
    /// The page's metadata when a page was asked for.
    #[serde(skip)]
    pub page: Option<PageMeta>,
}

#[derive(Debug, FromQueryResult)]
struct MonthRecord {
    person_id: Uuid,
    attendance_date: NaiveDate,
    status: String,
    check_in_time: Option<DateTime<Utc>>,
    duration_minutes: Option<i32>,
}

#[derive(Debug, FromQueryResult)]
struct MonthException {
    person_id: Option<Uuid>,
    exception_date: NaiveDate,
    organization: Option<String>,
}

/// The monthly report of `year`-`month` over the persons `filter` selects.
///
/// Four statements: the active rule's working days, the page of persons, the month's days
/// off (holidays, and leave once approved or when it needs no approval), and the month's
/// presence records of those persons.
pub async fn monthly<C: ConnectionTrait>(
    conn: &C,
    year: i32,
    month: u32,
    filter: &MonthlyFilter,
) -> Result<MonthlyReport, StoreError> {
    let (from, to) = month_bounds(year, month)?;
    let week = active_working_days(conn).await?;

    let mut persons_query = person_directory::Entity::find()
        .filter(person_directory::Column::Deleted.eq(false))
        .filter(person_directory::Column::Status.eq(ACTIVE));
    if let Some(department) = &filter.department {
        persons_query =
            persons_query.filter(person_directory::Column::Department.eq(department.as_str()));
    }
    let persons_query = persons_query
        .order_by_asc(person_directory::Column::Name)
        .order_by_asc(person_directory::Column::PersonId);
    let (persons, page) = match filter.page {
        Some(page) => {
            let total = persons_query.clone().count(conn).await?;
            let persons = persons_query
                .offset(page.offset())
                .limit(page.page_size())
                .all(conn)
                .await?;
            (persons, Some(page.meta(total)))
        }
        None => (persons_query.all(conn).await?, None),
    };

    let off = days_off(conn, from, to).await?;
    let (holidays, leave) = (&off.holidays, &off.leave);
    // The month's working days net of holidays; each person then loses their organisation's
    // holidays and their leave.
    let working: BTreeSet<NaiveDate> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| week.contains(d.weekday()) && !holidays.contains(d))
        .collect();

    let mut records = attendance::Entity::find()
        .select_only()
        .columns([
            attendance::Column::PersonId,
            attendance::Column::AttendanceDate,
            attendance::Column::Status,
            attendance::Column::CheckInTime,
            attendance::Column::DurationMinutes,
        ])
        .filter(attendance::Column::AttendanceDate.between(from, to))
        .filter(attendance::Column::Status.is_in(PRESENT_STATUSES.map(|s| s.as_str())));
    if filter.page.is_some() {
        // A page is at most MAX_PAGE_SIZE persons: an IN list on the (person, date) index.
        records =
            records.filter(attendance::Column::PersonId.is_in(persons.iter().map(|p| p.person_id)));
    } else if let Some(department) = &filter.department {
        records = records.filter(
            attendance::Column::PersonId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(person_directory::Column::PersonId)
                    .from(person_directory::Entity)
                    .and_where(person_directory::Column::Department.eq(department.as_str()))
                    .to_owned(),
            ),
        );
    }
    let mut by_person: HashMap<Uuid, Vec<MonthRecord>> = HashMap::new();
    for record in records.into_model::<MonthRecord>().all(conn).await? {
        by_person.entry(record.person_id).or_default().push(record);
    }

    let empty = BTreeSet::new();
    let rows = persons
        .into_iter()
        .map(|person| {
            let leave = leave.get(&person.person_id).unwrap_or(&empty);
            let own_holidays = off
                .own_holidays(person.organization.as_deref())
                .unwrap_or(&empty);
            let records = by_person.remove(&person.person_id).unwrap_or_default();
            let is_working = |d: &NaiveDate| {
                working.contains(d) && !leave.contains(d) && !own_holidays.contains(d)
            };
            let mut row = MonthlyPersonRow {
                person_id: person.person_id,
                name: person.name,
                department: person.department,
                working_days: is_working.count_in(from, to),
                days_present: 0,
                days_late: 0,
                days_early_leave: 0,
                days_absent: 0,
                total_worked_minutes: 0,
                average_check_in_time: None,
            };
            let mut present_elapsed = 0;
            let mut check_ins = Vec::new();
            for record in &records {
                row.total_worked_minutes += i64::from(record.duration_minutes.unwrap_or(0));
                if let Some(at) = record.check_in_time {
                    check_ins.push(filter.zone.local(at).time());
                }
                if !is_working(&record.attendance_date) {
                    continue;
                }
                row.days_present += 1;
                present_elapsed += u64::from(record.attendance_date <= filter.today);
                if record.status == AttendanceStatus::Late.as_str() {
                    row.days_late += 1;
                } else if record.status == AttendanceStatus::EarlyLeave.as_str() {
                    row.days_early_leave += 1;
                }
            }
            let elapsed = is_working.count_in(from, to.min(filter.today));
            row.days_absent = elapsed.saturating_sub(present_elapsed);
            row.average_check_in_time = average_time(&check_ins);
            row
        })
        .collect();

    Ok(MonthlyReport {
        year,
        month,
        from_date: from,
        to_date: to,
        working_days_of_week: week.indices(),
        department: filter.department.clone(),
        persons: rows,
        page,
    })
}

/// The first and last day of `year`-`month`.
pub(crate) fn month_bounds(year: i32, month: u32) -> Result<(NaiveDate, NaiveDate), StoreError> {
    let from =
        NaiveDate::from_ymd_opt(year, month, 1).ok_or(StoreError::InvalidPeriod { year, month })?;
    let to = from
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .ok_or(StoreError::InvalidPeriod { year, month })?;
    Ok((from, to))
}

/// The days off of a period: holidays for everyone, each organisation's own holidays (for
/// the persons whose directory entry has it), and each person's leave (approved, or needing
/// no approval).
pub(crate) struct DaysOff {
    pub holidays: BTreeSet<NaiveDate>,
    pub organization_holidays: HashMap<String, BTreeSet<NaiveDate>>,
    pub leave: HashMap<Uuid, BTreeSet<NaiveDate>>,
}

impl DaysOff {
    /// The holidays of a person of `organization` beyond everyone's.
    pub fn own_holidays(&self, organization: Option<&str>) -> Option<&BTreeSet<NaiveDate>> {
        organization.and_then(|org| self.organization_holidays.get(org))
    }
}

/// The days off of `[from, to]`, in one statement.
pub(crate) async fn days_off<C: ConnectionTrait>(
    conn: &C,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<DaysOff, StoreError> {
    let exceptions = attendance_exception::Entity::find()
        .select_only()
        .columns([
            attendance_exception::Column::PersonId,
            attendance_exception::Column::ExceptionDate,
            attendance_exception::Column::Organization,
        ])
        .filter(attendance_exception::Column::ExceptionDate.between(from, to))
        .filter(
            Condition::any()
                .add(attendance_exception::Column::Approved.eq(true))
                .add(attendance_exception::Column::RequiresApproval.eq(false)),
        )
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(attendance_exception::Column::PersonId.is_null())
                        .add(attendance_exception::Column::ExceptionType.eq("holiday")),
                )
                .add(
                    Condition::all()
                        .add(attendance_exception::Column::PersonId.is_not_null())
                        .add(attendance_exception::Column::ExceptionType.eq("leave")),
                ),
        )
        .into_model::<MonthException>()
        .all(conn)
        .await?;
    let mut holidays = BTreeSet::new();
    let mut organization_holidays: HashMap<String, BTreeSet<NaiveDate>> = HashMap::new();
    let mut leave: HashMap<Uuid, BTreeSet<NaiveDate>> = HashMap::new();
    for exception in exceptions {
        match exception.person_id {
            None => match exception.organization {
                None => {
                    holidays.insert(exception.exception_date);
                }
                Some(organization) => {
                    organization_holidays
                        .entry(organization)
                        .or_default()
                        .insert(exception.exception_date);
                }
            },
            Some(person_id) => {
                leave
                    .entry(person_id)
                    .or_default()
                    .insert(exception.exception_date);
            }
        }
    }
    Ok(DaysOff {
        holidays,
        organization_holidays,
        leave,
    })
}

/// Counting the dates of `[from, to]` a predicate accepts.
trait CountIn {
    fn count_in(self, from: NaiveDate, to: NaiveDate) -> u64;
}

impl<F: Fn(&NaiveDate) -> bool> CountIn for F {
    fn count_in(self, from: NaiveDate, to: NaiveDate) -> u64 {
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| self(d))
            .count() as u64
    }
}

/// The mean of times of day, to the second (check-ins do not straddle midnight, so the
/// plain mean of seconds since midnight is the meaningful one).
fn average_time(times: &[NaiveTime]) -> Option<NaiveTime> {
    if times.is_empty() {
        return None;
    }
    let total: u64 = times
        .iter()
        .map(|t| u64::from(t.num_seconds_from_midnight()))
        .sum();
    let mean = (total as f64 / times.len() as f64).round() as u32;
    NaiveTime::from_num_seconds_from_midnight_opt(mean.min(86_399), 0)
}

/// The weekdays of the active attendance rule (the most recently changed one, should there
/// ever be several); Monday to Friday when there is none.
pub async fn active_working_days<C: ConnectionTrait>(conn: &C) -> Result<WorkingDays, StoreError> {
    let rule = attendance_rule::Entity::find()
        .filter(attendance_rule::Column::IsActive.eq(true))
        .order_by_desc(attendance_rule::Column::UpdatedAt)
        .one(conn)
        .await?;
    let Some(rule) = rule else {
        return Ok(WorkingDays::MONDAY_TO_FRIDAY);
    };
    let corrupt = |reason: String| StoreError::corrupt("attendance_rules", rule.id, reason);
    let indices: Vec<u8> =
        serde_json::from_str(&rule.working_days).map_err(|e| corrupt(e.to_string()))?;
    WorkingDays::from_indices(&indices).map_err(|e| corrupt(e.to_string()))
}

/// Placeholders and their values, in the order they appear in the SQL (SQLite's `?` are
/// positional).
struct Params {
    backend: DbBackend,
    values: Vec<sea_orm::Value>,
}

impl Params {
    fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    fn bind(&mut self, value: impl Into<sea_orm::Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }
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
    fn averages_times_to_the_second() {
        let t = |h, m, s| NaiveTime::from_hms_opt(h, m, s).expect("time");
        assert_eq!(average_time(&[]), None);
        assert_eq!(
            average_time(&[t(9, 0, 0), t(8, 0, 0), t(8, 30, 1)]),
            Some(t(8, 30, 0))
        );
    }

    #[test]
    fn counts_dates_a_predicate_accepts() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let weekdays = |day: &NaiveDate| WorkingDays::MONDAY_TO_FRIDAY.contains(day.weekday());
        // January 2024: 23 weekdays.
        assert_eq!(weekdays.count_in(d("2024-01-01"), d("2024-01-31")), 23);
        assert_eq!(weekdays.count_in(d("2024-01-06"), d("2024-01-07")), 0);
        assert_eq!(weekdays.count_in(d("2024-01-10"), d("2024-01-09")), 0);
    }
}
