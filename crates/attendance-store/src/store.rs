//! [`AttendanceStore`]: the connection pool, migrations, and the worker's operations.

pub mod audit;
pub mod days;
pub mod detections;
pub mod directory;
pub mod jobs;
pub mod review;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use faceattend_domain::attendance::{DayRecord, ReviewItem, Sighting};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction};
use uuid::Uuid;

use self::audit::AuditEntry;
use self::detections::NewDetection;
use self::directory::{DirectoryEntry, DirectoryPerson};
use self::review::StoredReviewItem;
use crate::StoreError;
use crate::migration::Migrator;

/// Any constant unused elsewhere in the database: serialises the migrations of the API and
/// worker replicas that start together.
const MIGRATION_LOCK_KEY: i64 = 0x6174_7465_6e64_6d69; // "attendmi"

/// The attendance database. Cheap to clone: clones share the pool.
#[derive(Clone, Debug)]
pub struct AttendanceStore {
    db: DatabaseConnection,
}

impl AttendanceStore {
    /// Connects to `url` (`postgres://…` or `sqlite://…?mode=rwc`).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        Ok(Self::from_connection(
            faceattend_database::connect(url, max_connections).await?,
        ))
    }

    pub fn from_connection(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The pool, for the queries that live in the services (reports, lists).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Applies pending migrations. Both services call it at start, possibly at the same
    /// moment, so the second must wait for the first and then find nothing left to do: on
    /// PostgreSQL an advisory lock serialises them, on SQLite the database's write lock
    /// (taken at BEGIN). Both backends run DDL in transactions, so a failed migration leaves
    /// nothing half-applied.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Ok(faceattend_database::migrate::<Migrator>(&self.db, MIGRATION_LOCK_KEY).await?)
    }

    /// A write transaction (immediate on SQLite, see `faceattend_outbox::begin_write`), for a
    /// caller that combines several operations and outbox events.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(faceattend_outbox::begin_write(&self.db).await?)
    }

    async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let txn = self.begin_write().await?;
        let value = work(&txn).await?;
        txn.commit().await?;
        Ok(value)
    }

    /// Stores a detection; `true` when it was new. Storing the same id again (redelivery, a
    /// replay, a second replica) changes nothing and is not an error.
    pub async fn insert_detection(&self, detection: &NewDetection) -> Result<bool, StoreError> {
        detections::insert(&self.db, detection).await
    }

    /// The person's recognised detections captured in `[from, to)`, as the rules' sightings,
    /// in capture order.
    pub async fn sightings_for_day(
        &self,
        person_id: Uuid,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Sighting>, StoreError> {
        detections::sightings(&self.db, person_id, from, to).await
    }

    /// Writes the person-day's record (one row per person and date) and returns the record it
    /// replaced, if any, so the caller can work out what changed.
    pub async fn upsert_day_record(
        &self,
        record: &DayRecord,
    ) -> Result<Option<DayRecord>, StoreError> {
        self.write(async |txn| days::upsert(txn, record).await)
            .await
    }

    /// The person-day's record, if there is one.
    pub async fn day_record(
        &self,
        person_id: Uuid,
        date: NaiveDate,
    ) -> Result<Option<DayRecord>, StoreError> {
        days::get(&self.db, person_id, date).await
    }

    /// Makes `items` the person-day's pending review items; items already approved or
    /// rejected stay as they were.
    pub async fn replace_review_items(
        &self,
        person_id: Uuid,
        date: NaiveDate,
        items: &[ReviewItem],
    ) -> Result<(), StoreError> {
        self.write(async |txn| review::replace(txn, person_id, date, items).await)
            .await
    }

    /// The person-day's review items, pending or decided, in time order.
    pub async fn review_items(
        &self,
        person_id: Uuid,
        date: NaiveDate,
    ) -> Result<Vec<StoredReviewItem>, StoreError> {
        review::for_day(&self.db, person_id, date).await
    }

    /// Records a person's directory entry as of `version`; `false` (and nothing written)
    /// when the directory already holds that version or a later one, or the person was
    /// deleted.
    pub async fn upsert_person(
        &self,
        entry: &DirectoryEntry,
        version: i64,
    ) -> Result<bool, StoreError> {
        directory::upsert(&self.db, entry, version).await
    }

    /// Marks the person deleted (they stop being tracked; their past stays reportable by
    /// name); `false` when they already were.
    pub async fn delete_person(
        &self,
        person_id: Uuid,
        version: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        directory::delete(&self.db, person_id, version, at).await
    }

    /// The person as the directory knows them, deleted or not; `None` when never heard of.
    pub async fn person(&self, person_id: Uuid) -> Result<Option<DirectoryPerson>, StoreError> {
        directory::get(&self.db, person_id).await
    }

    /// Appends an entry to the audit log.
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        audit::record(&self.db, entry).await
    }
}

/// Timestamps are stored with microsecond precision on both backends; truncating before
/// writing keeps what a caller holds equal to what a later read returns.
pub(crate) fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// Now, at the stored precision, so what a caller returns equals a later read.
pub fn now() -> DateTime<Utc> {
    micros(Utc::now())
}

/// Reads `query` with a row lock on PostgreSQL (SQLite's write transactions are already
/// exclusive).
pub fn for_update<E: sea_orm::EntityTrait, C: ConnectionTrait>(
    conn: &C,
    query: sea_orm::Select<E>,
) -> sea_orm::Select<E> {
    use sea_orm::QuerySelect;
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        query.lock_exclusive()
    } else {
        query
    }
}
