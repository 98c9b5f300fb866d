//! attendance's copy of the person directory, fed by `persons.v1.*` events.
//!
//! Events arrive at least once and, across a redelivery, out of order; each carries a
//! version (the PERSONS stream sequence, or anything else that grows with every change of a
//! person), and a row only ever moves forward: an event older than, or as old as, what is
//! stored is ignored. A deletion is final: it marks the row (so past attendance can still
//! be reported by name) and no later update brings the person back. A deletion of a person
//! never seen leaves a tombstone, so their creation arriving late is ignored too.

use chrono::{DateTime, Utc};
use faceattend_domain::person::{PersonStatus, PersonType};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::micros;
use crate::StoreError;
use crate::entities::person_directory::{self, Column};

/// What attendance needs to know of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub person_id: Uuid,
    /// Display name ("first last").
    pub name: String,
    pub person_type: PersonType,
    pub status: PersonStatus,
    pub department: Option<String>,
    pub organization: Option<String>,
    /// When person-api changed the person.
    pub updated_at: DateTime<Utc>,
    /// When person-api created the person (their statistics start that day); `None` when
    /// the event did not say.
    pub created_at: Option<DateTime<Utc>>,
}

/// A directory row: the entry, whether the person was deleted, and the version it is at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryPerson {
    pub entry: DirectoryEntry,
    pub deleted: bool,
    pub version: i64,
}

/// Applies only while the stored row is older and not deleted; the same SQL on both
/// backends (`excluded` is the row the insert proposed).
const NEWER_AND_ALIVE: &str =
    "person_directory.version < excluded.version AND NOT person_directory.deleted";

/// Records `entry` as of `version`; `true` when it was written.
///
/// One `INSERT … ON CONFLICT DO UPDATE … WHERE` statement: the version check and the write
/// are atomic without a transaction, whichever replica handles the event.
pub async fn upsert<C: ConnectionTrait>(
    conn: &C,
    entry: &DirectoryEntry,
    version: i64,
) -> Result<bool, StoreError> {
    let statement = Query::insert()
        .into_table(person_directory::Entity)
        .columns([
            Column::PersonId,
            Column::Name,
            Column::PersonType,
            Column::Status,
            Column::Department,
            Column::Organization,
            Column::Deleted,
            Column::UpdatedAt,
            Column::Version,
            Column::CreatedAt,
        ])
        .values_panic([
            entry.person_id.into(),
            entry.name.clone().into(),
            entry.person_type.as_str().into(),
            entry.status.as_str().into(),
            entry.department.clone().into(),
            entry.organization.clone().into(),
            false.into(),
            micros(entry.updated_at).into(),
            version.into(),
            entry.created_at.map(micros).into(),
        ])
        .on_conflict(
            OnConflict::column(Column::PersonId)
                .update_columns([
                    Column::Name,
                    Column::PersonType,
                    Column::Status,
                    Column::Department,
                    Column::Organization,
                    Column::UpdatedAt,
                    Column::Version,
                ])
                // An event that does not say when the person was created keeps what is known.
                .value(
                    Column::CreatedAt,
                    Expr::cust("COALESCE(excluded.created_at, person_directory.created_at)"),
                )
                .action_and_where(Expr::cust(NEWER_AND_ALIVE))
                .to_owned(),
        )
        .to_owned();
    Ok(conn.execute(&statement).await?.rows_affected() > 0)
}

/// Marks the person deleted as of `version`; `true` unless they already were.
pub async fn delete<C: ConnectionTrait>(
    conn: &C,
    person_id: Uuid,
    version: i64,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    // The tombstone's empty name, type and status are never read: `get` leaves tombstones
    // out, and an existing row keeps its details.
    let statement = Query::insert()
        .into_table(person_directory::Entity)
        .columns([
            Column::PersonId,
            Column::Name,
            Column::PersonType,
            Column::Status,
            Column::Deleted,
            Column::UpdatedAt,
            Column::Version,
        ])
        .values_panic([
            person_id.into(),
            "".into(),
            "".into(),
            "".into(),
            true.into(),
            micros(at).into(),
            version.into(),
        ])
        .on_conflict(
            OnConflict::column(Column::PersonId)
                .update_columns([Column::Deleted, Column::UpdatedAt])
                // A deletion wins even over a (mis)ordered later version; the version kept is
                // the highest seen, so replays stay ignored.
                .value(
                    Column::Version,
                    Expr::cust(
                        "CASE WHEN person_directory.version > excluded.version \
                         THEN person_directory.version ELSE excluded.version END",
                    ),
                )
                .action_and_where(Expr::cust("NOT person_directory.deleted"))
                .to_owned(),
        )
        .to_owned();
    Ok(conn.execute(&statement).await?.rows_affected() > 0)
}

/// The person as the directory knows them, deleted or not; `None` when it never had their
/// details (never heard of, or only of their deletion).
pub async fn get<C: ConnectionTrait>(
    conn: &C,
    person_id: Uuid,
) -> Result<Option<DirectoryPerson>, StoreError> {
    let Some(row) = person_directory::Entity::find_by_id(person_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if row.deleted && row.person_type.is_empty() {
        return Ok(None);
    }
    from_row(row).map(Some)
}

pub fn from_row(row: person_directory::Model) -> Result<DirectoryPerson, StoreError> {
    let corrupt = |reason: String| StoreError::corrupt("person_directory", row.person_id, reason);
    Ok(DirectoryPerson {
        entry: DirectoryEntry {
            person_type: PersonType::parse(&row.person_type)
                .map_err(|e| corrupt(format!("person_type: {}", e.message)))?,
            status: PersonStatus::parse(&row.status)
                .map_err(|e| corrupt(format!("status: {}", e.message)))?,
            person_id: row.person_id,
            name: row.name,
            department: row.department,
            organization: row.organization,
            updated_at: row.updated_at,
            created_at: row.created_at,
        },
        deleted: row.deleted,
        version: row.version,
    })
}
