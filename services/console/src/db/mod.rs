//! The console's database: operators, their sessions, sign-in failure counters and the audit
//! log, on PostgreSQL or SQLite with the same migrations.

pub mod entities;
pub mod migration;

use sea_orm::{DatabaseConnection, DbErr};

/// Any constant unused elsewhere in the database: serialises migrations of replicas that
/// start together.
const MIGRATION_LOCK_KEY: i64 = 0x636f_6e73_6f6c_6531; // "console1"

pub use faceattend_database::connect;

/// Applies pending migrations; replicas that start together wait for each other.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    faceattend_database::migrate::<migration::Migrator>(db, MIGRATION_LOCK_KEY).await
}
