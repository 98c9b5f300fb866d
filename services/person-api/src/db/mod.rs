//! Connecting to the database and bringing its schema up to date.

pub mod entities;
pub mod migration;

use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

/// Any constant unused elsewhere in the database: serialises migrations of replicas that
/// start together.
const MIGRATION_LOCK_KEY: i64 = 0x7065_7273_6f6e_6d69; // "personmi"

pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // A broken connection surfaces as an error on its next query and is replaced; pinging
        // before every checkout would double the round trips of every request.
        .test_before_acquire(false)
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(|opts| {
            // PostgreSQL's default random_page_cost (4.0) models spinning disks; with it the
            // planner walks the primary key for a filtered page instead of the filter's
            // `(column, id)` index, 10-30x slower. 1.1 is the usual value for SSD storage.
            opts.options([("random_page_cost", "1.1")])
        })
        .map_sqlx_sqlite_opts(|opts| {
            // WAL lets readers run while a write commits; the busy timeout waits out a
            // concurrent writer instead of failing with "database is locked".
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    Database::connect(options).await
}

/// Applies pending migrations. On PostgreSQL, concurrent callers wait on an advisory lock
/// and then find nothing left to do.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let txn = db.begin().await?;
        txn.execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
        ))
        .await?;
        migration::Migrator::up(&txn, None).await?;
        txn.commit().await
    } else {
        migration::Migrator::up(db, None).await
    }
}

/// Recounts `person_facets` from `persons`. Migrations call it; so does anything that loads
/// persons behind the store's back (a bulk import, the benchmark's seed).
pub async fn rebuild_facets<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    db.execute_unprepared("DELETE FROM person_facets").await?;
    db.execute_unprepared(
        "INSERT INTO person_facets (person_type, status, department, organization, has_faces, total) \
         SELECT person_type, status, COALESCE(department, ''), COALESCE(organization, ''), \
                CASE WHEN face_encoding_count > 0 THEN TRUE ELSE FALSE END, COUNT(*) \
         FROM persons \
         GROUP BY person_type, status, COALESCE(department, ''), COALESCE(organization, ''), \
                  CASE WHEN face_encoding_count > 0 THEN TRUE ELSE FALSE END",
    )
    .await?;
    Ok(())
}
