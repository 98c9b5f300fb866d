//! Every read query attendance-api runs against the attendance database (the writes of
//! manual entries are in [`crate::manual`]).
//!
//! Lists are ordered by `(attendance_date desc, id desc)`, which `idx_attendance_date_range`
//! (and `idx_attendance_person_date` for one person) serve without a sort; pages are offsets,
//! as in person-api. The daily report is one grouped aggregate over the person directory,
//! so its cost does not depend on how many rows a day has beyond the index walk; a person's
//! statistics are one aggregate over their range of `idx_attendance_person_date` and the
//! exceptions' date index.

use chrono::{Datelike, NaiveDate, Weekday};
use faceattend_attendance_store::entities::{attendance, person_directory};
use faceattend_domain::attendance::AttendanceStatus;
use faceattend_domain::{PageMeta, PageRequest};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};
use uuid::Uuid;

use crate::dto::{DayCounts, DepartmentCounts, PersonStatistics};
use crate::error::AttendanceApiError;

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// What a list of attendance records is narrowed to; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttendanceFilter {
    pub person_id: Option<Uuid>,
    pub from_date: Option<NaiveDate>,
    pub to_date: Option<NaiveDate>,
    pub status: Option<AttendanceStatus>,
    /// Persons whose directory entry has this department.
    pub department: Option<String>,
}

/// The statuses that count as present in reports.
const PRESENT_STATUSES: [AttendanceStatus; 3] = [
    AttendanceStatus::Present,
    AttendanceStatus::Late,
    AttendanceStatus::EarlyLeave,
];

#[derive(Clone, Debug)]
pub struct AttendanceQueries {
    db: DatabaseConnection,
}

impl AttendanceQueries {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// One page of records matching `filter`, newest day first, and the page's metadata.
    pub async fn list(
        &self,
        filter: &AttendanceFilter,
        page: PageRequest,
    ) -> Result<(Vec<attendance::Model>, PageMeta)> {
        let mut query = attendance::Entity::find();
        if let Some(person_id) = filter.person_id {
            query = query.filter(attendance::Column::PersonId.eq(person_id));
        }
        if let Some(from) = filter.from_date {
            query = query.filter(attendance::Column::AttendanceDate.gte(from));
        }
        if let Some(to) = filter.to_date {
            query = query.filter(attendance::Column::AttendanceDate.lte(to));
        }
        if let Some(status) = filter.status {
            query = query.filter(attendance::Column::Status.eq(status.as_str()));
        }
        if let Some(department) = &filter.department {
            // A semi-join on the directory's (department, person_id) index.
            query = query.filter(
                attendance::Column::PersonId.in_subquery(
                    Query::select()
                        .column(person_directory::Column::PersonId)
                        .from(person_directory::Entity)
                        .and_where(person_directory::Column::Department.eq(department.as_str()))
                        .to_owned(),
                ),
            );
        }
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_desc(attendance::Column::AttendanceDate)
            .order_by_desc(attendance::Column::Id)
            .offset(page.offset())
            .limit(page.page_size())
            .all(&self.db)
            .await?;
        Ok((rows, page.meta(total)))
    }

    /// A person's record of `date`, if any.
    pub async fn day_record(
        &self,
        person_id: Uuid,
        date: NaiveDate,
    ) -> Result<Option<attendance::Model>> {
        Ok(attendance::Entity::find()
            .filter(attendance::Column::PersonId.eq(person_id))
            .filter(attendance::Column::AttendanceDate.eq(date))
            .one(&self.db)
            .await?)
    }

    /// The directory's entry for a person, tombstones included.
    pub async fn directory_entry(
        &self,
        person_id: Uuid,
    ) -> Result<Option<person_directory::Model>> {
        Ok(person_directory::Entity::find_by_id(person_id)
            .one(&self.db)
            .await?)
    }

    /// The day's counts per department over the active, non-deleted persons of the
    /// directory, departments in name order (persons without one last). One grouped query:
    /// each person is joined to at most one record (one per person and day).
    pub async fn daily_counts(&self, date: NaiveDate) -> Result<Vec<DepartmentCounts>> {
        let backend = self.db.get_database_backend();
        let placeholder = |n: usize| match backend {
            DatabaseBackend::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        };
        let sql = format!(
            "SELECT p.department AS department, \
                    COUNT(*) AS total_persons, \
                    COUNT(a.id) AS present, \
                    COALESCE(SUM(CASE WHEN a.status = {late} THEN 1 ELSE 0 END), 0) AS late \
             FROM person_directory p \
             LEFT JOIN attendance a \
               ON a.person_id = p.person_id AND a.attendance_date = {date} \
              AND a.status IN ({s1}, {s2}, {s3}) \
             WHERE p.deleted = {deleted} AND p.status = {active} \
             GROUP BY p.department \
             ORDER BY p.department IS NULL, p.department",
            late = placeholder(1),
            date = placeholder(2),
            s1 = placeholder(3),
            s2 = placeholder(4),
            s3 = placeholder(5),
            deleted = placeholder(6),
            active = placeholder(7),
        );
        // In the order the placeholders appear: SQLite's `?` are positional.
        let values: Vec<Value> = vec![
            AttendanceStatus::Late.as_str().into(),
            date.into(),
            PRESENT_STATUSES[0].as_str().into(),
            PRESENT_STATUSES[1].as_str().into(),
            PRESENT_STATUSES[2].as_str().into(),
            false.into(),
            "active".into(),
        ];
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        rows.into_iter()
            .map(|row| {
                let department: Option<String> = row.try_get("", "department")?;
                let count = |name: &str| -> Result<u64> {
                    let value: i64 = row.try_get("", name)?;
                    u64::try_from(value)
                        .map_err(|_| AttendanceApiError::Corrupt(format!("{name} = {value}")))
                };
                Ok(DepartmentCounts {
                    department,
                    counts: DayCounts::new(
                        count("total_persons")?,
                        count("present")?,
                        count("late")?,
                    ),
                })
            })
            .collect()
    }

    /// A person's statistics over `[from, to]` (both included): working days are Mondays to
    /// Fridays less the exceptions that take a day off (holidays for everyone, the person's
    /// leave) once approved or when they need no approval. Presence counts only on working
    /// days, so present + absent = working days. One aggregate statement; the weekdays of
    /// the range are counted in Rust (calendar arithmetic, no rows).
    pub async fn person_statistics(
        &self,
        person_id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<PersonStatistics> {
        let backend = self.db.get_database_backend();
        let mut params = Params::new(backend);
        let weekday = |column: &str| match backend {
            DatabaseBackend::Postgres => format!("EXTRACT(ISODOW FROM {column}) < 6"),
            _ => format!("strftime('%w', {column}) NOT IN ('0', '6')"),
        };
        // An exception row `e` that takes its day off for this person.
        let day_off = |params: &mut Params| {
            format!(
                "((e.person_id IS NULL AND e.exception_type = {holiday}) \
                  OR (e.person_id = {person} AND e.exception_type = {leave})) \
                 AND (e.approved OR NOT e.requires_approval)",
                holiday = params.bind("holiday"),
                person = params.bind(person_id),
                leave = params.bind("leave"),
            )
        };
        // Built in textual order: SQLite's `?` are positional.
        let mut sql = String::from("SELECT (SELECT COUNT(DISTINCT e.exception_date) ");
        sql += "FROM attendance_exceptions e WHERE e.exception_date BETWEEN ";
        sql += &params.bind(from);
        sql += " AND ";
        sql += &params.bind(to);
        sql += &format!(
            " AND {} AND {}) AS days_off, ",
            weekday("e.exception_date"),
            day_off(&mut params)
        );
        sql += "COUNT(a.id) AS days_present, ";
        sql += &format!(
            "COALESCE(SUM(CASE WHEN a.status = {} THEN 1 ELSE 0 END), 0) AS days_late, ",
            params.bind(AttendanceStatus::Late.as_str())
        );
        sql += &format!(
            "COALESCE(SUM(CASE WHEN a.status = {} THEN 1 ELSE 0 END), 0) AS days_early_leave ",
            params.bind(AttendanceStatus::EarlyLeave.as_str())
        );
        sql += &format!(
            "FROM attendance a WHERE a.person_id = {}",
            params.bind(person_id)
        );
        sql += &format!(
            " AND a.attendance_date BETWEEN {} AND {}",
            params.bind(from),
            params.bind(to)
        );
        sql += &format!(
            " AND a.status IN ({}, {}, {})",
            params.bind(PRESENT_STATUSES[0].as_str()),
            params.bind(PRESENT_STATUSES[1].as_str()),
            params.bind(PRESENT_STATUSES[2].as_str()),
        );
        sql += &format!(" AND {}", weekday("a.attendance_date"));
        sql += " AND NOT EXISTS (SELECT 1 FROM attendance_exceptions e \
                 WHERE e.exception_date = a.attendance_date AND ";
        sql += &day_off(&mut params);
        sql += ")";
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, params.values))
            .await?
            .ok_or_else(|| AttendanceApiError::Corrupt("aggregate returned no row".into()))?;
        let count = |name: &str| -> Result<u64> {
            let value: i64 = row.try_get("", name)?;
            u64::try_from(value)
                .map_err(|_| AttendanceApiError::Corrupt(format!("{name} = {value}")))
        };
        let working_days = weekdays(from, to).saturating_sub(count("days_off")?);
        Ok(PersonStatistics::new(
            working_days,
            count("days_present")?,
            count("days_late")?,
            count("days_early_leave")?,
        ))
    }
}

/// Placeholders and their values, in the order they appear in the SQL.
struct Params {
    backend: DatabaseBackend,
    values: Vec<Value>,
}

impl Params {
    fn new(backend: DatabaseBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }
}

/// Mondays to Fridays in `[from, to]`.
pub fn weekdays(from: NaiveDate, to: NaiveDate) -> u64 {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_mondays_to_fridays() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        // January 2024: 23 weekdays.
        assert_eq!(weekdays(d("2024-01-01"), d("2024-01-31")), 23);
        assert_eq!(weekdays(d("2024-01-06"), d("2024-01-07")), 0);
        assert_eq!(weekdays(d("2024-01-05"), d("2024-01-05")), 1);
    }
}
