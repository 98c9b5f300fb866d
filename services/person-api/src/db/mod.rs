//! Connecting to the database and bringing its schema up to date.

pub mod entities;
pub mod migration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

/// Any constant unused elsewhere in the database: serialises migrations of replicas that
/// start together.
const MIGRATION_LOCK_KEY: i64 = 0x7065_7273_6f6e_6d69; // "personmi"

pub use faceattend_database::connect;

/// Applies pending migrations; replicas that start together wait for each other.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    faceattend_database::migrate::<migration::Migrator>(db, MIGRATION_LOCK_KEY).await
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
