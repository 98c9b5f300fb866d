//! integrations' database: destinations, the person directory, the delivery log with its
//! attempts, and the records destinations made — on PostgreSQL or SQLite, same migrations.

pub mod migration;

use sea_orm::{DatabaseConnection, DbErr};

/// Any constant unused elsewhere in the database: serialises migrations of replicas that
/// start together.
const MIGRATION_LOCK_KEY: i64 = 0x696e_7465_6772_6174; // "integrat"

pub use faceattend_database::connect;

/// Applies pending migrations; replicas that start together wait for each other.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    faceattend_database::migrate::<migration::Migrator>(db, MIGRATION_LOCK_KEY).await
}
