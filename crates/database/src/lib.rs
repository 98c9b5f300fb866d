//! How every faceattend service uses its database, PostgreSQL in production or SQLite on one
//! machine: the connection settings ([`connect`]), write transactions that do not fail under
//! a concurrent writer ([`begin_write`]), and migrations that several replicas — or two
//! services sharing one database — can start at the same moment ([`migrate`]).

use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

/// Connects to `url` (`postgres://…`, or `sqlite://path?mode=rwc`) with a pool of at most
/// `max_connections`.
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

/// Begins a transaction for a change. On SQLite it takes the write lock at BEGIN: a deferred
/// transaction that reads and then writes fails ("database is locked") when another writer
/// committed in between, where an immediate one waits its turn (busy timeout). PostgreSQL
/// ignores the option.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Applies `M`'s pending migrations in one transaction. Callers that start together wait for
/// each other and the later ones find nothing left to do: on PostgreSQL through the advisory
/// lock `lock_key` (a constant of the caller's, unused elsewhere in the database), on SQLite
/// through the write lock taken at BEGIN. Both backends run DDL in transactions, so a failed
/// migration leaves nothing half-applied.
pub async fn migrate<M: MigratorTrait>(
    db: &DatabaseConnection,
    lock_key: i64,
) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({lock_key})"))
            .await?;
    }
    M::up(&txn, None).await?;
    txn.commit().await
}

#[cfg(feature = "testing")]
pub mod testing;
