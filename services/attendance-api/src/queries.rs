//! Every query attendance-api runs against the attendance database.
//!
//! Lists are ordered by `(attendance_date desc, id desc)`, which `idx_attendance_date_range`
//! (and `idx_attendance_person_date` for one person) serve without a sort; pages are offsets,
//! as in person-api. The daily report is one grouped aggregate over the person directory,
//! so its cost does not depend on how many rows a day has beyond the index walk.

use chrono::NaiveDate;
use faceattend_attendance_store::entities::{attendance, person_directory};
use faceattend_domain::attendance::AttendanceStatus;
use faceattend_domain::{PageMeta, PageRequest};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};
use uuid::Uuid;

use crate::dto::{DayCounts, DepartmentCounts};
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
}
