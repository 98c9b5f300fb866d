//! Every read query attendance-api runs against the attendance database (the writes of
//! manual entries are in [`crate::manual`], those of shifts, rules and exceptions in
//! [`crate::policies`]).
//!
//! Lists are ordered by `(attendance_date desc, id desc)`, which `idx_attendance_date_range`
//! (and `idx_attendance_person_date` for one person) serve without a sort; pages are offsets,
//! as in person-api. A person's statistics are one aggregate over their range of
//! `idx_attendance_person_date` and the exceptions' date index. The daily and monthly
//! reports are not here: attendance-worker's jobs build them too, so they live in
//! `faceattend_attendance_store::reports`.

use chrono::{Datelike, NaiveDate, Weekday};
use faceattend_attendance_store::entities::{
    attendance, attendance_exception, attendance_rule, attendance_session, person_directory,
    review_item,
};
use faceattend_attendance_store::reports::PRESENT_STATUSES;
use faceattend_domain::attendance::{AttendanceStatus, SiteZone};
use faceattend_domain::{PageMeta, PageRequest};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement, Value,
};
use uuid::Uuid;

use crate::dto::policies::{ApprovalStatus, ExceptionFilter, SessionFilter};
use crate::dto::{PersonStatistics, ReviewFilter};
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
    pub source: Option<RecordSource>,
}

/// Where a record's marks came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordSource {
    /// The cameras (a day the rules decided from sightings).
    Auto,
    /// Entered by hand, pending or approved.
    Manual,
}

impl RecordSource {
    pub const ALL: [Self; 2] = [Self::Auto, Self::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Manual => "manual",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Clone, Debug)]
pub struct AttendanceQueries {
    db: DatabaseConnection,
}

impl AttendanceQueries {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The pool, for the reports of `faceattend_attendance_store::reports`.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// One page of records matching `filter`, newest day first, and the page's metadata.
    pub async fn list(
        &self,
        filter: &AttendanceFilter,
        page: PageRequest,
    ) -> Result<(Vec<attendance::Model>, (PageMeta, bool))> {
        let query = filtered(filter);
        let rows = query
            .clone()
            .order_by_desc(attendance::Column::AttendanceDate)
            .order_by_desc(attendance::Column::Id)
            .offset(page.offset())
            .limit(page.page_size())
            .all(&self.db);
        // The page and its total on two connections at once: the request waits for the
        // slower of the two, not for both in turn.
        let (rows, total) = futures::try_join!(
            async { rows.await.map_err(AttendanceApiError::from) },
            self.total(&query)
        )?;
        Ok((rows, total.of(page)))
    }

    /// How many records `query` matches: exact up to [`EXACT_TOTAL_UP_TO`]; beyond that, on
    /// PostgreSQL, the planner's estimate.
    ///
    /// An exact count walks every match: over a million records that is tens of
    /// milliseconds, several times the page itself, for a number a list shows as "about
    /// 700,000". So the count stops after `EXACT_TOTAL_UP_TO + 1` matches (bounded work),
    /// and a larger total is estimated from the table's statistics (kept by autovacuum),
    /// flagged to the client (`X-Total-Estimated: true`). SQLite, the one-machine setup,
    /// always counts exactly.
    async fn total(&self, query: &sea_orm::Select<attendance::Entity>) -> Result<Total> {
        let backend = self.db.get_database_backend();
        if backend != DatabaseBackend::Postgres {
            let count = query.clone().count(&self.db).await?;
            return Ok(Total::Exact(count));
        }
        let ids = query
            .clone()
            .select_only()
            .column(attendance::Column::Id)
            .limit(EXACT_TOTAL_UP_TO + 1)
            .build(backend);
        let capped = Statement::from_sql_and_values(
            backend,
            format!("SELECT COUNT(*) AS n FROM ({}) AS capped", ids.sql),
            ids.values.map(|v| v.0).unwrap_or_default(),
        );
        let row = self
            .db
            .query_one_raw(capped)
            .await?
            .ok_or_else(|| AttendanceApiError::Corrupt("COUNT returned no row".into()))?;
        let count: i64 = row.try_get("", "n")?;
        let count = u64::try_from(count)
            .map_err(|_| AttendanceApiError::Corrupt(format!("count = {count}")))?;
        if count <= EXACT_TOTAL_UP_TO {
            return Ok(Total::Exact(count));
        }
        let matches = query
            .clone()
            .select_only()
            .column(attendance::Column::Id)
            .build(backend);
        let explain = Statement::from_sql_and_values(
            backend,
            format!("EXPLAIN (FORMAT JSON) {}", matches.sql),
            matches.values.map(|v| v.0).unwrap_or_default(),
        );
        let plan = self
            .db
            .query_one_raw(explain)
            .await?
            .ok_or_else(|| AttendanceApiError::Corrupt("EXPLAIN returned no row".into()))?;
        let plan: serde_json::Value = plan.try_get("", "QUERY PLAN")?;
        let estimate = plan[0]["Plan"]["Plan Rows"].as_f64().unwrap_or(0.0) as u64;
        // The count proved more than the cap: an estimate below it is stale statistics.
        Ok(Total::Estimated(estimate.max(EXACT_TOTAL_UP_TO + 1)))
    }

    /// One page of the review queue, oldest sighting first (the order a reviewer works in).
    pub async fn review_queue(
        &self,
        filter: &ReviewFilter,
        page: PageRequest,
    ) -> Result<(Vec<review_item::Model>, PageMeta)> {
        let mut query = review_item::Entity::find()
            .filter(review_item::Column::State.eq(filter.state.as_str()));
        if let Some(person_id) = filter.person_id {
            query = query.filter(review_item::Column::PersonId.eq(person_id));
        }
        if let Some(from) = filter.from_date {
            query = query.filter(review_item::Column::AttendanceDate.gte(from));
        }
        if let Some(to) = filter.to_date {
            query = query.filter(review_item::Column::AttendanceDate.lte(to));
        }
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_asc(review_item::Column::At)
            .order_by_asc(review_item::Column::Id)
            .offset(page.offset())
            .limit(page.page_size())
            .all(&self.db)
            .await?;
        Ok((rows, page.meta(total)))
    }

    /// Every record matching `filter`, newest day first, for an export of at most `max`
    /// rows (counted first, so an oversized export costs one count, not a transfer).
    pub async fn export(
        &self,
        filter: &AttendanceFilter,
        max: u64,
    ) -> Result<Vec<attendance::Model>> {
        let query = filtered(filter);
        let rows = query.clone().count(&self.db).await?;
        if rows > max {
            return Err(AttendanceApiError::ExportTooLarge { rows, max });
        }
        Ok(query
            .order_by_desc(attendance::Column::AttendanceDate)
            .order_by_desc(attendance::Column::Id)
            .all(&self.db)
            .await?)
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

    /// A person's statistics over `[from, to]` (both included), counted from `from` or the
    /// day `person` was created, whichever is later: working days are Mondays to Fridays
    /// less the exceptions that take a day off (holidays for everyone or for the person's
    /// organisation, the person's leave) once approved or when they need no approval.
    /// Presence counts only on working days, so present + absent = working days. One
    /// aggregate statement; the weekdays of the range are counted in Rust (calendar
    /// arithmetic, no rows).
    pub async fn person_statistics(
        &self,
        person: &person_directory::Model,
        zone: SiteZone,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<PersonStatistics> {
        let person_id = person.person_id;
        let created = person.created_at.map(|at| zone.local(at).date());
        let from = created.map_or(from, |day| day.max(from));
        let backend = self.db.get_database_backend();
        let mut params = Params::new(backend);
        let weekday = |column: &str| match backend {
            DatabaseBackend::Postgres => format!("EXTRACT(ISODOW FROM {column}) < 6"),
            _ => format!("strftime('%w', {column}) NOT IN ('0', '6')"),
        };
        // An exception row `e` that takes its day off for this person: a holiday for
        // everyone or for their organisation (as the directory has it now), or their leave.
        let organization = person.organization.clone();
        let day_off = |params: &mut Params| {
            // Bound in textual order (SQLite's `?` are positional).
            let holiday = params.bind("holiday");
            let own_holiday = match &organization {
                Some(organization) => format!(
                    " OR e.organization = {}",
                    params.bind(organization.as_str())
                ),
                None => String::new(),
            };
            let person = params.bind(person_id);
            let leave = params.bind("leave");
            format!(
                "((e.person_id IS NULL AND e.exception_type = {holiday} \
                   AND (e.organization IS NULL{own_holiday})) \
                  OR (e.person_id = {person} AND e.exception_type = {leave})) \
                 AND (e.approved OR NOT e.requires_approval)"
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
            from,
            working_days,
            count("days_present")?,
            count("days_late")?,
            count("days_early_leave")?,
        ))
    }
}

impl AttendanceQueries {
    /// One page of shifts, in name order.
    pub async fn sessions(
        &self,
        filter: &SessionFilter,
        page: PageRequest,
    ) -> Result<(Vec<attendance_session::Model>, PageMeta)> {
        let mut query = attendance_session::Entity::find();
        if let Some(is_active) = filter.is_active {
            query = query.filter(attendance_session::Column::IsActive.eq(is_active));
        }
        if let Some(organization) = &filter.organization {
            query =
                query.filter(attendance_session::Column::Organization.eq(organization.as_str()));
        }
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_asc(attendance_session::Column::Name)
            .order_by_asc(attendance_session::Column::Id)
            .offset(page.offset())
            .limit(page.page_size())
            .all(&self.db)
            .await?;
        Ok((rows, page.meta(total)))
    }

    pub async fn session(&self, id: Uuid) -> Result<attendance_session::Model> {
        attendance_session::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(AttendanceApiError::SessionNotFound(id))
    }

    /// One page of rules, in name order.
    pub async fn rules(
        &self,
        is_active: Option<bool>,
        page: PageRequest,
    ) -> Result<(Vec<attendance_rule::Model>, PageMeta)> {
        let mut query = attendance_rule::Entity::find();
        if let Some(is_active) = is_active {
            query = query.filter(attendance_rule::Column::IsActive.eq(is_active));
        }
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_asc(attendance_rule::Column::Name)
            .order_by_asc(attendance_rule::Column::Id)
            .offset(page.offset())
            .limit(page.page_size())
            .all(&self.db)
            .await?;
        Ok((rows, page.meta(total)))
    }

    pub async fn rule(&self, id: Uuid) -> Result<attendance_rule::Model> {
        attendance_rule::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(AttendanceApiError::RuleNotFound(id))
    }

    /// One page of exceptions, latest date first.
    pub async fn exceptions(
        &self,
        filter: &ExceptionFilter,
        page: PageRequest,
    ) -> Result<(Vec<attendance_exception::Model>, PageMeta)> {
        let mut query = attendance_exception::Entity::find();
        if let Some(person_id) = filter.person_id {
            query = query.filter(attendance_exception::Column::PersonId.eq(person_id));
        }
        if let Some(from) = filter.from_date {
            query = query.filter(attendance_exception::Column::ExceptionDate.gte(from));
        }
        if let Some(to) = filter.to_date {
            query = query.filter(attendance_exception::Column::ExceptionDate.lte(to));
        }
        if let Some(exception_type) = filter.exception_type {
            query = query
                .filter(attendance_exception::Column::ExceptionType.eq(exception_type.as_str()));
        }
        if let Some(approved) = filter.approved {
            query = query.filter(attendance_exception::Column::Approved.eq(approved));
        }
        if let Some(organization) = &filter.organization {
            query =
                query.filter(attendance_exception::Column::Organization.eq(organization.as_str()));
        }
        // The same four cases as `dto::policies::approval_status`.
        let required = attendance_exception::Column::RequiresApproval;
        let decided_by = attendance_exception::Column::ApprovedBy;
        let approved = attendance_exception::Column::Approved;
        query = match filter.approval_status {
            None => query,
            Some(ApprovalStatus::NotRequired) => query.filter(required.eq(false)),
            Some(ApprovalStatus::Pending) => {
                query.filter(required.eq(true)).filter(decided_by.is_null())
            }
            Some(ApprovalStatus::Approved) => query
                .filter(required.eq(true))
                .filter(decided_by.is_not_null())
                .filter(approved.eq(true)),
            Some(ApprovalStatus::Rejected) => query
                .filter(required.eq(true))
                .filter(decided_by.is_not_null())
                .filter(approved.eq(false)),
        };
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_desc(attendance_exception::Column::ExceptionDate)
            .order_by_desc(attendance_exception::Column::Id)
            .offset(page.offset())
            .limit(page.page_size())
            .all(&self.db)
            .await?;
        Ok((rows, page.meta(total)))
    }

    pub async fn exception(&self, id: Uuid) -> Result<attendance_exception::Model> {
        attendance_exception::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(AttendanceApiError::ExceptionNotFound(id))
    }
}

/// The records `filter` selects, unordered.
fn filtered(filter: &AttendanceFilter) -> sea_orm::Select<attendance::Entity> {
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
    match filter.source {
        Some(RecordSource::Manual) => {
            query = query.filter(attendance::Column::IsManual.eq(true));
        }
        Some(RecordSource::Auto) => {
            query = query.filter(attendance::Column::IsManual.eq(false)).filter(
                sea_orm::Condition::any()
                    .add(
                        attendance::Column::CheckInSource
                            .eq(faceattend_attendance_store::days::AUTO_SOURCE),
                    )
                    .add(
                        attendance::Column::CheckOutSource
                            .eq(faceattend_attendance_store::days::AUTO_SOURCE),
                    ),
            );
        }
        None => {}
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
    query
}

/// Lists count their matches exactly up to this many (see `AttendanceQueries::total`).
pub const EXACT_TOTAL_UP_TO: u64 = 10_000;

/// A list's total: counted, or estimated when there are too many to count quickly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    Exact(u64),
    Estimated(u64),
}

impl Total {
    pub fn is_estimated(self) -> bool {
        matches!(self, Self::Estimated(_))
    }

    fn of(self, page: PageRequest) -> (PageMeta, bool) {
        match self {
            Self::Exact(n) => (page.meta(n), false),
            Self::Estimated(n) => (page.meta(n), true),
        }
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
