//! Attendance trends over up to a year, by day or ISO week, optionally by department:
//! expected, present, late, absent, presence %, mean and 90th-percentile arrival time, mean
//! worked minutes.
//!
//! Answered from `attendance_daily_stats`, one row per work day and department with the
//! day's counts and an arrival-time histogram (check-ins per minute of the site's day), so a
//! year is at most 366 × departments rows, however many persons there are. Triggers on
//! `attendance` note every date whose records change in `attendance_stats_stale`; a query
//! first recomputes the stale dates of its range (usually today's alone) and then reads the
//! aggregates. A date's department is the person's department in the directory when the
//! date was last aggregated.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use faceattend_domain::attendance::{AttendanceStatus, SiteZone};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Statement, TransactionTrait,
};
use serde::Serialize;

use crate::StoreError;
use crate::entities::attendance_daily_stats;
use crate::reports::percentage;

/// The longest period a trends query covers, in days.
pub const MAX_TREND_DAYS: i64 = 366;
/// Stale dates recomputed per statement.
const REFRESH_CHUNK: usize = 31;
/// Any fixed key: refreshes take turns (two would write the same rows).
const REFRESH_LOCK: i64 = 0x7472_656e_6473;

/// How a period is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    Day,
    /// ISO weeks, Monday to Sunday (the first and last cut at the period's ends).
    Week,
}

impl Interval {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "day" => Some(Self::Day),
            "week" => Some(Self::Week),
            _ => None,
        }
    }
}

/// What a trends query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendsFilter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: Interval,
    /// Only this department's persons.
    pub department: Option<String>,
    /// One series per department instead of one for everyone.
    pub by_department: bool,
}

/// One period's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendPoint {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Person-days work was expected (present, late, early leave or absent records).
    pub expected: u64,
    /// Present, late or early leave.
    pub present: u64,
    pub late: u64,
    pub absent: u64,
    /// present / expected, in percent with one decimal; 0 when nothing was expected.
    pub presence_percentage: f64,
    /// The mean site-local check-in time, to the minute; `None` without check-ins.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "08:57:00"))]
    pub mean_arrival: Option<NaiveTime>,
    /// The time by which 90 % of the check-ins had happened.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "09:12:00"))]
    pub p90_arrival: Option<NaiveTime>,
    /// Minutes worked per present day with a check-out, one decimal.
    pub mean_worked_minutes: Option<f64>,
}

/// The points of everyone (`department: None`) or of one department.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendSeries {
    pub department: Option<String>,
    pub points: Vec<TrendPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trends {
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    pub interval: Interval,
    pub series: Vec<TrendSeries>,
}

/// The trends of `filter`'s period (after bringing its stale aggregates up to date).
pub async fn trends(
    db: &DatabaseConnection,
    zone: SiteZone,
    filter: &TrendsFilter,
) -> Result<Trends, StoreError> {
    refresh(db, zone, filter.from, filter.to).await?;
    let mut query = attendance_daily_stats::Entity::find()
        .filter(attendance_daily_stats::Column::AttendanceDate.between(filter.from, filter.to));
    if let Some(department) = &filter.department {
        query = query.filter(attendance_daily_stats::Column::Department.eq(department.as_str()));
    }
    let rows = query
        .order_by_asc(attendance_daily_stats::Column::AttendanceDate)
        .all(db)
        .await?;

    let periods = periods(filter.from, filter.to, filter.interval);
    let mut groups: BTreeMap<Option<String>, Vec<Tally>> = BTreeMap::new();
    let everyone_key = || filter.department.clone();
    if !filter.by_department {
        groups.insert(everyone_key(), vec![Tally::default(); periods.len()]);
    }
    for row in &rows {
        let key = if filter.by_department {
            Some(row.department.clone())
        } else {
            everyone_key()
        };
        let index = periods.partition_point(|(_, end)| *end < row.attendance_date);
        let tallies = groups
            .entry(key)
            .or_insert_with(|| vec![Tally::default(); periods.len()]);
        if let Some(tally) = tallies.get_mut(index) {
            tally.add(row)?;
        }
    }
    let series = groups
        .into_iter()
        .map(|(department, tallies)| TrendSeries {
            department: department.filter(|d| !d.is_empty() || !filter.by_department),
            points: periods
                .iter()
                .zip(tallies)
                .map(|((start, end), tally)| tally.point(*start, *end))
                .collect(),
        })
        .collect();
    Ok(Trends {
        from_date: filter.from,
        to_date: filter.to,
        interval: filter.interval,
        series,
    })
}

/// The periods `[start, end]` of `[from, to]`.
fn periods(from: NaiveDate, to: NaiveDate, interval: Interval) -> Vec<(NaiveDate, NaiveDate)> {
    let mut periods = Vec::new();
    let mut start = from;
    while start <= to {
        let end = match interval {
            Interval::Day => start,
            Interval::Week => {
                let sunday =
                    start + Duration::days(6 - i64::from(start.weekday().num_days_from_monday()));
                sunday.min(to)
            }
        };
        periods.push((start, end));
        start = end + Duration::days(1);
    }
    periods
}

/// A period's sums.
#[derive(Debug, Clone, Default)]
struct Tally {
    expected: u64,
    present: u64,
    late: u64,
    absent: u64,
    worked_minutes: i64,
    worked_days: u64,
    arrivals: BTreeMap<u32, u64>,
}

impl Tally {
    fn add(&mut self, row: &attendance_daily_stats::Model) -> Result<(), StoreError> {
        let count = |v: i64| u64::try_from(v).unwrap_or(0);
        self.expected += count(row.expected);
        self.present += count(row.present);
        self.late += count(row.late);
        self.absent += count(row.absent);
        self.worked_minutes += row.worked_minutes;
        self.worked_days += count(row.worked_days);
        let histogram: Vec<(u32, u64)> = serde_json::from_str(&row.arrivals).map_err(|e| {
            StoreError::corrupt(
                "attendance_daily_stats",
                format!("{}/{}", row.attendance_date, row.department),
                e.to_string(),
            )
        })?;
        for (minute, n) in histogram {
            *self.arrivals.entry(minute).or_default() += n;
        }
        Ok(())
    }

    fn point(self, start: NaiveDate, end: NaiveDate) -> TrendPoint {
        let check_ins: u64 = self.arrivals.values().sum();
        let minute = |m: u32| NaiveTime::from_num_seconds_from_midnight_opt(m * 60, 0);
        let mean_arrival = (check_ins > 0)
            .then(|| {
                let total: u64 = self.arrivals.iter().map(|(m, n)| u64::from(*m) * n).sum();
                minute(((total + check_ins / 2) / check_ins) as u32)
            })
            .flatten();
        // The first minute by which at least 90 % had arrived (nearest-rank).
        let rank = (check_ins * 9).div_ceil(10).max(1);
        let mut seen = 0;
        let p90_arrival = (check_ins > 0)
            .then(|| {
                self.arrivals.iter().find_map(|(m, n)| {
                    seen += n;
                    (seen >= rank).then_some(*m)
                })
            })
            .flatten()
            .and_then(minute);
        TrendPoint {
            period_start: start,
            period_end: end,
            expected: self.expected,
            present: self.present,
            late: self.late,
            absent: self.absent,
            presence_percentage: percentage(self.present, self.expected),
            mean_arrival,
            p90_arrival,
            mean_worked_minutes: (self.worked_days > 0).then(|| {
                (self.worked_minutes as f64 / self.worked_days as f64 * 10.0).round() / 10.0
            }),
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct StaleDate {
    attendance_date: NaiveDate,
}

#[derive(Debug, FromQueryResult)]
struct DayRecord {
    attendance_date: NaiveDate,
    department: Option<String>,
    status: String,
    check_in_time: Option<DateTime<Utc>>,
    duration_minutes: Option<i32>,
}

/// Recomputes the aggregates of the stale dates within `[from, to]`, in one transaction.
///
/// The markers are deleted before the records are read: a write that commits while this
/// runs adds a marker of its own, which the next query sees. Markers are deleted by id up to
/// the highest one read, so one inserted meanwhile (by a transaction not yet committed) is
/// left for next time.
pub async fn refresh(
    db: &DatabaseConnection,
    zone: SiteZone,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<usize, StoreError> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    if backend == DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_advisory_xact_lock($1)",
            [REFRESH_LOCK.into()],
        ))
        .await?;
    }
    let (p1, p2) = placeholders(backend);
    let max_id: Option<i64> = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT MAX(id) AS max_id FROM attendance_stats_stale \
                 WHERE attendance_date BETWEEN {p1} AND {p2}"
            ),
            [from.into(), to.into()],
        ))
        .await?
        .and_then(|row| row.try_get::<Option<i64>>("", "max_id").ok().flatten());
    let Some(max_id) = max_id else {
        txn.commit().await?;
        return Ok(0);
    };
    let p3 = if backend == DatabaseBackend::Postgres {
        "$3"
    } else {
        "?"
    };
    let stale: Vec<NaiveDate> = StaleDate::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT DISTINCT attendance_date FROM attendance_stats_stale \
             WHERE attendance_date BETWEEN {p1} AND {p2} AND id <= {p3}"
        ),
        [from.into(), to.into(), max_id.into()],
    ))
    .all(&txn)
    .await?
    .into_iter()
    .map(|s| s.attendance_date)
    .collect();
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "DELETE FROM attendance_stats_stale \
             WHERE attendance_date BETWEEN {p1} AND {p2} AND id <= {p3}"
        ),
        [from.into(), to.into(), max_id.into()],
    ))
    .await?;

    let now = crate::store::now();
    for dates in stale.chunks(REFRESH_CHUNK) {
        let list = (0..dates.len())
            .map(|i| match backend {
                DatabaseBackend::Postgres => format!("${}", i + 1),
                _ => "?".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let records = DayRecord::find_by_statement(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT a.attendance_date, d.department, a.status, a.check_in_time, \
                        a.duration_minutes \
                 FROM attendance a LEFT JOIN person_directory d ON d.person_id = a.person_id \
                 WHERE a.attendance_date IN ({list})"
            ),
            dates.iter().map(|d| (*d).into()),
        ))
        .all(&txn)
        .await?;
        let rows = aggregate(&records, zone, now);
        attendance_daily_stats::Entity::delete_many()
            .filter(attendance_daily_stats::Column::AttendanceDate.is_in(dates.iter().copied()))
            .exec(&txn)
            .await?;
        if !rows.is_empty() {
            attendance_daily_stats::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(stale.len())
}

/// [`refresh`] of every stale date (attendance-worker's daily job).
pub async fn refresh_all(db: &DatabaseConnection, zone: SiteZone) -> Result<usize, StoreError> {
    // Dates both databases store; no site has records outside them.
    let first = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
    refresh(db, zone, first, last).await
}

fn placeholders(backend: DatabaseBackend) -> (&'static str, &'static str) {
    match backend {
        DatabaseBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    }
}

/// The aggregate rows of `records` (every record of some dates), one per date and
/// department.
fn aggregate(
    records: &[DayRecord],
    zone: SiteZone,
    now: DateTime<Utc>,
) -> Vec<attendance_daily_stats::ActiveModel> {
    #[derive(Default)]
    struct Day {
        expected: i64,
        present: i64,
        late: i64,
        early_leave: i64,
        absent: i64,
        worked_minutes: i64,
        worked_days: i64,
        arrivals: BTreeMap<u32, u64>,
    }
    let mut days: HashMap<(NaiveDate, String), Day> = HashMap::new();
    for record in records {
        let Some(status) = AttendanceStatus::parse(&record.status) else {
            continue;
        };
        let day = days
            .entry((
                record.attendance_date,
                record.department.clone().unwrap_or_default(),
            ))
            .or_default();
        match status {
            AttendanceStatus::Present | AttendanceStatus::Late | AttendanceStatus::EarlyLeave => {
                day.expected += 1;
                day.present += 1;
                day.late += i64::from(status == AttendanceStatus::Late);
                day.early_leave += i64::from(status == AttendanceStatus::EarlyLeave);
                if let Some(minutes) = record.duration_minutes {
                    day.worked_minutes += i64::from(minutes);
                    day.worked_days += 1;
                }
                if let Some(at) = record.check_in_time {
                    let local = zone.local(at);
                    *day.arrivals
                        .entry(local.hour() * 60 + local.minute())
                        .or_default() += 1;
                }
            }
            AttendanceStatus::Absent => {
                day.expected += 1;
                day.absent += 1;
            }
            AttendanceStatus::Pending => {}
        }
    }
    days.into_iter()
        .map(
            |((date, department), day)| attendance_daily_stats::ActiveModel {
                attendance_date: Set(date),
                department: Set(department),
                expected: Set(day.expected),
                present: Set(day.present),
                late: Set(day.late),
                early_leave: Set(day.early_leave),
                absent: Set(day.absent),
                worked_minutes: Set(day.worked_minutes),
                worked_days: Set(day.worked_days),
                arrivals: Set(serde_json::to_string(
                    &day.arrivals.into_iter().collect::<Vec<(u32, u64)>>(),
                )
                .unwrap_or_else(|_| "[]".to_owned())),
                computed_at: Set(now),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn weeks_are_iso_weeks_cut_at_the_ends() {
        // Wednesday 4 March to Tuesday 17 March 2026.
        assert_eq!(
            periods(d("2026-03-04"), d("2026-03-17"), Interval::Week),
            [
                (d("2026-03-04"), d("2026-03-08")),
                (d("2026-03-09"), d("2026-03-15")),
                (d("2026-03-16"), d("2026-03-17")),
            ]
        );
        assert_eq!(
            periods(d("2026-03-04"), d("2026-03-06"), Interval::Day).len(),
            3
        );
    }

    #[test]
    fn arrival_times_are_the_mean_and_the_nearest_rank_90th_percentile() {
        let mut tally = Tally {
            expected: 12,
            present: 10,
            late: 2,
            absent: 2,
            worked_minutes: 4_805,
            worked_days: 10,
            ..Tally::default()
        };
        // Ten check-ins: eight at 08:50, one at 09:00, one at 10:00.
        tally.arrivals.insert(8 * 60 + 50, 8);
        tally.arrivals.insert(9 * 60, 1);
        tally.arrivals.insert(10 * 60, 1);
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        let point = tally.point(d("2026-03-02"), d("2026-03-02"));
        // (8 × 530 + 540 + 600) / 10 = 538 minutes = 08:58.
        assert_eq!(point.mean_arrival, t(8, 58));
        // The 9th of 10 is the one at 09:00.
        assert_eq!(point.p90_arrival, t(9, 0));
        assert_eq!(point.presence_percentage, 83.3);
        assert_eq!(point.mean_worked_minutes, Some(480.5));
        let empty = Tally::default().point(d("2026-03-02"), d("2026-03-02"));
        assert_eq!((empty.mean_arrival, empty.p90_arrival), (None, None));
        assert_eq!(empty.mean_worked_minutes, None);
    }
}
