//! Every read and write of the integrations database, in SQL both PostgreSQL and SQLite
//! run (`$n` parameters; timestamps always bound from Rust, so SQLite's text timestamps
//! compare in time order).
//!
//! The delivery log is an outbox: the consumer inserts one `pending` row per event and
//! destination in the same transaction as it learns the event (then acks), and the
//! dispatcher claims due rows under a lease. A claim skips a row while an earlier one (lower
//! stream sequence) of the same person to the same destination is still pending or
//! unmapped: one person's marks arrive in order, other persons are not held up.

use std::time::Duration;

use chrono::{DateTime, Utc};
use faceattend_database::begin_write;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, FromQueryResult, Statement, Value,
};
use uuid::Uuid;

use crate::error::IntegrationsError;
use crate::model::{
    DeliveryStatus, DestinationKind, EventCategory, EventFilter, MappingField, Secrets,
};

type Result<T> = std::result::Result<T, IntegrationsError>;

/// The database, and the SQL this service runs on it.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
}

fn stmt(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, sql, values)
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    // Serialising our own plain structs cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> IntegrationsError {
    IntegrationsError::Corrupt(format!("{what}: {e}"))
}

fn chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

// ----- The person directory -----

/// A person as the directory keeps them: the fields a destination may key on.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct PersonRow {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub id_number: Option<String>,
    pub department: Option<String>,
    pub status: String,
    pub deleted: bool,
}

impl PersonRow {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name.trim(), self.last_name.trim())
            .trim()
            .to_owned()
    }

    /// The person's key at a destination keyed by `field`; `None` when they have none.
    pub fn key(&self, field: MappingField) -> Option<String> {
        if self.deleted {
            return None;
        }
        match field {
            MappingField::PersonId => Some(self.id.to_string()),
            MappingField::IdNumber => self.id_number.clone(),
            MappingField::Email => self.email.clone(),
        }
        .filter(|k| !k.trim().is_empty())
    }
}

/// The key of `person_id` under `field`, when the directory knows them (person ids need no
/// directory entry: they are the event's own).
pub fn key_of(person: Option<&PersonRow>, person_id: Uuid, field: MappingField) -> Option<String> {
    match (field, person) {
        (_, Some(person)) => person.key(field),
        (MappingField::PersonId, None) => Some(person_id.to_string()),
        (_, None) => None,
    }
}

// ----- Destinations -----

#[derive(Debug, Clone, FromQueryResult)]
struct DestinationRaw {
    id: Uuid,
    name: String,
    kind: String,
    enabled: bool,
    disabled_reason: Option<String>,
    config: String,
    secrets: String,
    event_types: String,
    departments: Option<String>,
    cameras: Option<String>,
    mapping_field: String,
    allow_private: bool,
    failing_since: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A destination as stored. `secrets` never leaves the service except once on create and
/// rotate.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub id: Uuid,
    pub name: String,
    pub kind: DestinationKind,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub config: serde_json::Value,
    pub secrets: Secrets,
    pub filter: EventFilter,
    pub mapping_field: MappingField,
    pub allow_private: bool,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<DestinationRaw> for Destination {
    type Error = IntegrationsError;

    fn try_from(row: DestinationRaw) -> Result<Self> {
        let list = |raw: Option<String>, what: &str| -> Result<Option<Vec<String>>> {
            raw.map(|raw| serde_json::from_str(&raw).map_err(|e| corrupt(what, e)))
                .transpose()
        };
        Ok(Destination {
            id: row.id,
            name: row.name,
            kind: DestinationKind::parse(&row.kind).map_err(|e| corrupt("kind", e.message))?,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            config: serde_json::from_str(&row.config).map_err(|e| corrupt("config", e))?,
            secrets: serde_json::from_str(&row.secrets).map_err(|e| corrupt("secrets", e))?,
            filter: EventFilter {
                event_types: serde_json::from_str::<Vec<EventCategory>>(&row.event_types)
                    .map_err(|e| corrupt("event_types", e))?,
                departments: list(row.departments, "departments")?,
                cameras: list(row.cameras, "cameras")?,
            },
            mapping_field: MappingField::parse(&row.mapping_field)
                .map_err(|e| corrupt("mapping_field", e.message))?,
            allow_private: row.allow_private,
            failing_since: row.failing_since,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// What a destination is made of, as created or replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct DestinationSpec {
    pub name: String,
    pub kind: DestinationKind,
    pub enabled: bool,
    pub config: serde_json::Value,
    /// An Odoo or Frappe destination's credentials when given (stored as its secrets by
    /// the route, never in `config`).
    pub credentials: Option<crate::dto::Credentials>,
    pub filter: EventFilter,
    pub mapping_field: MappingField,
    pub allow_private: bool,
}

const DESTINATION_COLUMNS: &str = "id, name, kind, enabled, disabled_reason, config, secrets, \
     event_types, departments, cameras, mapping_field, allow_private, failing_since, \
     created_at, updated_at";

// ----- Deliveries -----

/// One delivery as the log shows it.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub destination_id: Uuid,
    pub person_id: Uuid,
    pub attendance_id: Uuid,
    pub event_type: String,
    pub mark_kind: Option<String>,
    pub stream_sequence: i64,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub retries: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status_code: Option<i32>,
    pub last_response: Option<String>,
    pub last_error: Option<String>,
    pub refusal: Option<String>,
    pub external_record: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

const DELIVERY_COLUMNS: &str = "id, event_id, destination_id, person_id, attendance_id, \
     event_type, mark_kind, stream_sequence, payload, status, attempts, retries, \
     next_attempt_at, last_status_code, last_response, last_error, refusal, external_record, \
     created_at, updated_at, delivered_at";

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct AttemptRow {
    pub n: i32,
    pub at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub response: Option<String>,
    pub duration_ms: i64,
    pub outcome: String,
    pub error: Option<String>,
}

/// A delivery to insert for one event and destination.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub destination_id: Uuid,
    pub status: DeliveryStatus,
    pub payload: serde_json::Value,
}

/// The event a batch of [`NewDelivery`] belongs to.
#[derive(Debug, Clone)]
pub struct EventKey {
    pub event_id: Uuid,
    pub person_id: Uuid,
    pub attendance_id: Uuid,
    pub event_type: &'static str,
    pub mark_kind: Option<&'static str>,
    pub stream_sequence: i64,
}

/// Filters of the delivery log.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub destination_id: Option<Uuid>,
    pub status: Option<DeliveryStatus>,
    pub person_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// What an attempt came to, as the dispatcher records it.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub at: DateTime<Utc>,
    pub duration: Duration,
    pub status_code: Option<u16>,
    pub response: Option<String>,
    pub error: Option<String>,
    /// `delivered`, `retry`, `refused`, `disable`, `unmapped`.
    pub outcome: &'static str,
}

/// The delivery's state after an attempt.
#[derive(Debug, Clone)]
pub enum AfterAttempt {
    Delivered {
        external_record: Option<String>,
        refusal: Option<&'static str>,
    },
    RetryAt(DateTime<Utc>),
    Failed,
    Refused(&'static str),
    /// The destination is disabled; the delivery waits, due again once it is enabled.
    DestinationDisabled(String),
    Unmapped,
}

impl Store {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    // ----- directory -----

    /// Writes a person's entry at `version` unless a newer one (or their deletion) is
    /// stored; then makes their unmapped deliveries pending where they now have a key.
    /// `true` when the entry changed.
    pub async fn upsert_person(&self, person: &PersonRow, version: i64) -> Result<bool> {
        let b = self.backend();
        let txn = begin_write(&self.db).await?;
        let current = txn
            .query_one_raw(stmt(
                b,
                "SELECT version, deleted FROM persons WHERE id = $1",
                vec![person.id.into()],
            ))
            .await?;
        let changed = match current {
            Some(row) => {
                let stored: i64 = row.try_get("", "version")?;
                let deleted: bool = row.try_get("", "deleted")?;
                if deleted || stored >= version {
                    false
                } else {
                    txn.execute_raw(stmt(
                        b,
                        "UPDATE persons SET first_name = $2, last_name = $3, email = $4, \
                         id_number = $5, department = $6, status = $7, version = $8, \
                         updated_at = $9 WHERE id = $1",
                        person_values(person, version),
                    ))
                    .await?;
                    true
                }
            }
            None => {
                txn.execute_raw(stmt(
                    b,
                    "INSERT INTO persons (id, first_name, last_name, email, id_number, \
                     department, status, version, updated_at, deleted) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    {
                        let mut v = person_values(person, version);
                        v.push(false.into());
                        v
                    },
                ))
                .await?;
                true
            }
        };
        if changed {
            remap(&txn, b, person).await?;
        }
        txn.commit().await?;
        Ok(changed)
    }

    /// Marks a person deleted at `version` (final: later events of them are stale).
    pub async fn delete_person(&self, person_id: Uuid, version: i64) -> Result<bool> {
        let b = self.backend();
        let now = Utc::now();
        let txn = begin_write(&self.db).await?;
        let updated = txn
            .execute_raw(stmt(
                b,
                "UPDATE persons SET deleted = $2, version = $3, updated_at = $4 \
                 WHERE id = $1 AND deleted = $5 AND version < $3",
                vec![
                    person_id.into(),
                    true.into(),
                    version.into(),
                    now.into(),
                    false.into(),
                ],
            ))
            .await?
            .rows_affected();
        let inserted = if updated == 0 {
            // Unknown until now: remember the deletion so a late creation stays stale.
            txn.execute_raw(stmt(
                b,
                "INSERT INTO persons (id, first_name, last_name, status, version, updated_at, deleted) \
                 VALUES ($1, '', '', 'archived', $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                vec![person_id.into(), version.into(), now.into(), true.into()],
            ))
            .await?
            .rows_affected()
        } else {
            0
        };
        txn.commit().await?;
        Ok(updated + inserted > 0)
    }

    /// Makes `person`'s unmapped deliveries pending where they have a key now. The consumer
    /// calls it after enqueueing unmapped deliveries: the person may have reached the
    /// directory between its read and its commit, and that upsert's own remap ran before
    /// those deliveries existed.
    pub async fn remap_person(&self, person: &PersonRow) -> Result<()> {
        remap(&self.db, self.backend(), person).await
    }

    pub async fn person(&self, person_id: Uuid) -> Result<Option<PersonRow>> {
        person(&self.db, self.backend(), person_id).await
    }

    // ----- destinations -----

    pub async fn create_destination(
        &self,
        spec: &DestinationSpec,
        secrets: &Secrets,
    ) -> Result<Destination> {
        let now = Utc::now();
        let id = Uuid::now_v7();
        let b = self.backend();
        let result = self
            .db
            .execute_raw(stmt(
                b,
                "INSERT INTO destinations (id, name, kind, enabled, disabled_reason, config, \
                 secrets, event_types, departments, cameras, mapping_field, allow_private, \
                 failing_since, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $12)",
                vec![
                    id.into(),
                    spec.name.clone().into(),
                    spec.kind.as_str().into(),
                    spec.enabled.into(),
                    json_text(&spec.config).into(),
                    json_text(secrets).into(),
                    json_text(&spec.filter.event_types).into(),
                    spec.filter.departments.as_ref().map(json_text).into(),
                    spec.filter.cameras.as_ref().map(json_text).into(),
                    spec.mapping_field.as_str().into(),
                    spec.allow_private.into(),
                    now.into(),
                ],
            ))
            .await;
        match result {
            Err(e) if is_unique_violation(&e) => {
                return Err(IntegrationsError::DestinationNameTaken(spec.name.clone()));
            }
            other => {
                other?;
            }
        }
        self.destination(id)
            .await?
            .ok_or(IntegrationsError::DestinationNotFound(id))
    }

    pub async fn destination(&self, id: Uuid) -> Result<Option<Destination>> {
        let row = DestinationRaw::find_by_statement(stmt(
            self.backend(),
            &format!("SELECT {DESTINATION_COLUMNS} FROM destinations WHERE id = $1"),
            vec![id.into()],
        ))
        .one(&self.db)
        .await?;
        row.map(Destination::try_from).transpose()
    }

    /// Every destination, by name.
    pub async fn destinations(&self) -> Result<Vec<Destination>> {
        DestinationRaw::find_by_statement(stmt(
            self.backend(),
            &format!("SELECT {DESTINATION_COLUMNS} FROM destinations ORDER BY name"),
            vec![],
        ))
        .all(&self.db)
        .await?
        .into_iter()
        .map(Destination::try_from)
        .collect()
    }

    /// Replaces a destination's settings (not its secrets, nor its enabled state).
    pub async fn update_destination(
        &self,
        id: Uuid,
        spec: &DestinationSpec,
    ) -> Result<Destination> {
        let result = self
            .db
            .execute_raw(stmt(
                self.backend(),
                "UPDATE destinations SET name = $2, config = $3, event_types = $4, \
                 departments = $5, cameras = $6, mapping_field = $7, allow_private = $8, \
                 updated_at = $9 WHERE id = $1",
                vec![
                    id.into(),
                    spec.name.clone().into(),
                    json_text(&spec.config).into(),
                    json_text(&spec.filter.event_types).into(),
                    spec.filter.departments.as_ref().map(json_text).into(),
                    spec.filter.cameras.as_ref().map(json_text).into(),
                    spec.mapping_field.as_str().into(),
                    spec.allow_private.into(),
                    Utc::now().into(),
                ],
            ))
            .await;
        match result {
            Err(e) if is_unique_violation(&e) => {
                return Err(IntegrationsError::DestinationNameTaken(spec.name.clone()));
            }
            Ok(r) if r.rows_affected() == 0 => {
                return Err(IntegrationsError::DestinationNotFound(id));
            }
            other => {
                other?;
            }
        }
        self.destination(id)
            .await?
            .ok_or(IntegrationsError::DestinationNotFound(id))
    }

    /// Deletes a destination with its deliveries and records.
    pub async fn delete_destination(&self, id: Uuid) -> Result<()> {
        let b = self.backend();
        let txn = begin_write(&self.db).await?;
        // Explicit, not only ON DELETE CASCADE: SQLite enforces foreign keys only when the
        // connection asks it to.
        txn.execute_raw(stmt(
            b,
            "DELETE FROM delivery_attempts WHERE delivery_id IN \
             (SELECT id FROM deliveries WHERE destination_id = $1)",
            vec![id.into()],
        ))
        .await?;
        for table in ["deliveries", "external_records"] {
            txn.execute_raw(stmt(
                b,
                &format!("DELETE FROM {table} WHERE destination_id = $1"),
                vec![id.into()],
            ))
            .await?;
        }
        let deleted = txn
            .execute_raw(stmt(
                b,
                "DELETE FROM destinations WHERE id = $1",
                vec![id.into()],
            ))
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(IntegrationsError::DestinationNotFound(id));
        }
        txn.commit().await?;
        Ok(())
    }

    /// Enables (clearing the reason and the failure streak; its waiting deliveries are due
    /// at once) or disables a destination with `reason`.
    pub async fn set_enabled(
        &self,
        id: Uuid,
        enabled: bool,
        reason: Option<&str>,
    ) -> Result<Destination> {
        let b = self.backend();
        let now = Utc::now();
        let txn = begin_write(&self.db).await?;
        let updated = txn
            .execute_raw(stmt(
                b,
                "UPDATE destinations SET enabled = $2, disabled_reason = $3, \
                 failing_since = NULL, updated_at = $4 WHERE id = $1",
                vec![
                    id.into(),
                    enabled.into(),
                    reason.map(str::to_owned).into(),
                    now.into(),
                ],
            ))
            .await?
            .rows_affected();
        if updated == 0 {
            return Err(IntegrationsError::DestinationNotFound(id));
        }
        if enabled {
            txn.execute_raw(stmt(
                b,
                "UPDATE deliveries SET next_attempt_at = $2, updated_at = $2 \
                 WHERE destination_id = $1 AND status = 'pending' AND next_attempt_at > $2",
                vec![id.into(), now.into()],
            ))
            .await?;
        }
        txn.commit().await?;
        self.destination(id)
            .await?
            .ok_or(IntegrationsError::DestinationNotFound(id))
    }

    pub async fn set_secrets(&self, id: Uuid, secrets: &Secrets) -> Result<()> {
        let updated = self
            .db
            .execute_raw(stmt(
                self.backend(),
                "UPDATE destinations SET secrets = $2, updated_at = $3 WHERE id = $1",
                vec![id.into(), json_text(secrets).into(), Utc::now().into()],
            ))
            .await?
            .rows_affected();
        if updated == 0 {
            return Err(IntegrationsError::DestinationNotFound(id));
        }
        Ok(())
    }

    /// Persons of the directory without a key at the destination, by name.
    pub async fn unmapped_persons(&self, destination: &Destination) -> Result<Vec<PersonRow>> {
        let column = match destination.mapping_field {
            MappingField::PersonId => return Ok(Vec::new()),
            MappingField::IdNumber => "id_number",
            MappingField::Email => "email",
        };
        Ok(PersonRow::find_by_statement(stmt(
            self.backend(),
            &format!(
                "SELECT id, first_name, last_name, email, id_number, department, status, deleted \
                 FROM persons WHERE deleted = $1 AND ({column} IS NULL OR TRIM({column}) = '') \
                 ORDER BY last_name, first_name, id LIMIT 1000"
            ),
            vec![false.into()],
        ))
        .all(&self.db)
        .await?)
    }

    // ----- the outbox of deliveries -----

    /// Whether an earlier event marked the same record the same way (so `event_id` is a
    /// correction of it); remembers `event_id` as the first when none did. Runs inside
    /// the event's transaction.
    pub async fn first_mark<C: ConnectionTrait>(
        conn: &C,
        attendance_id: Uuid,
        kind: &str,
        event_id: Uuid,
    ) -> Result<bool> {
        let b = conn.get_database_backend();
        conn.execute_raw(stmt(
            b,
            "INSERT INTO marks_seen (attendance_id, kind, event_id) VALUES ($1, $2, $3) \
             ON CONFLICT (attendance_id, kind) DO NOTHING",
            vec![attendance_id.into(), kind.into(), event_id.into()],
        ))
        .await?;
        let row = conn
            .query_one_raw(stmt(
                b,
                "SELECT event_id FROM marks_seen WHERE attendance_id = $1 AND kind = $2",
                vec![attendance_id.into(), kind.into()],
            ))
            .await?
            .ok_or_else(|| corrupt("marks_seen", "the row just written is gone"))?;
        let first: Uuid = row.try_get("", "event_id")?;
        Ok(first == event_id)
    }

    /// Inserts the event's deliveries; one that exists (a replay) is left as it is.
    /// Returns how many were new.
    pub async fn enqueue<C: ConnectionTrait>(
        conn: &C,
        key: &EventKey,
        deliveries: &[NewDelivery],
    ) -> Result<u64> {
        let b = conn.get_database_backend();
        let now = Utc::now();
        let mut inserted = 0;
        for delivery in deliveries {
            inserted += conn
                .execute_raw(stmt(
                    b,
                    "INSERT INTO deliveries (id, event_id, destination_id, person_id, \
                     attendance_id, event_type, mark_kind, stream_sequence, payload, status, \
                     attempts, retries, next_attempt_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 0, $11, $11, $11) \
                     ON CONFLICT (event_id, destination_id) DO NOTHING",
                    vec![
                        Uuid::now_v7().into(),
                        key.event_id.into(),
                        delivery.destination_id.into(),
                        key.person_id.into(),
                        key.attendance_id.into(),
                        key.event_type.into(),
                        key.mark_kind.map(str::to_owned).into(),
                        key.stream_sequence.into(),
                        json_text(&delivery.payload).into(),
                        delivery.status.as_str().into(),
                        now.into(),
                    ],
                ))
                .await?
                .rows_affected();
        }
        Ok(inserted)
    }

    /// Claims up to `limit` due deliveries of enabled destinations for `lease`: each the
    /// earliest undelivered of its (destination, person). Two workers or replicas never
    /// hold one at once: PostgreSQL skips rows another transaction locked, SQLite
    /// serialises the claim in its write transaction.
    /// `doors`: claim only door deliveries (the dispatcher's door lane), or only the others.
    pub async fn claim(
        &self,
        limit: u64,
        lease: Duration,
        doors: bool,
    ) -> Result<Vec<DeliveryRow>> {
        let b = self.backend();
        let now = Utc::now();
        let lock = if b == DatabaseBackend::Postgres {
            " FOR UPDATE OF d SKIP LOCKED"
        } else {
            ""
        };
        let lane = if doors {
            " AND t.kind = 'door'"
        } else {
            " AND t.kind <> 'door'"
        };
        let txn = begin_write(&self.db).await?;
        let ids: Vec<Uuid> = txn
            .query_all_raw(stmt(
                b,
                &format!(
                    "SELECT d.id FROM deliveries d JOIN destinations t ON t.id = d.destination_id \
                     WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
                     AND (d.lease_until IS NULL OR d.lease_until < $1) AND t.enabled = $2{lane} \
                     AND NOT EXISTS (SELECT 1 FROM deliveries e \
                         WHERE e.destination_id = d.destination_id AND e.person_id = d.person_id \
                         AND e.stream_sequence < d.stream_sequence \
                         AND e.status IN ('pending', 'unmapped')) \
                     ORDER BY d.next_attempt_at, d.stream_sequence LIMIT $3{lock}"
                ),
                vec![now.into(), true.into(), (limit as i64).into()],
            ))
            .await?
            .iter()
            .map(|row| row.try_get::<Uuid>("", "id"))
            .collect::<std::result::Result<_, DbErr>>()?;
        let until = now + chrono(lease);
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            txn.execute_raw(stmt(
                b,
                "UPDATE deliveries SET lease_until = $2 WHERE id = $1",
                vec![id.into(), until.into()],
            ))
            .await?;
            if let Some(row) = delivery(&txn, b, id).await? {
                claimed.push(row);
            }
        }
        txn.commit().await?;
        Ok(claimed)
    }

    /// Records an attempt and what it left the delivery as, with the destination's failure
    /// streak: cleared by a delivery, started by a failure; a streak longer than
    /// `disable_after` disables the destination. Returns the reason when this attempt
    /// disabled it.
    pub async fn record_attempt(
        &self,
        delivery: &DeliveryRow,
        attempt: &AttemptRecord,
        after: &AfterAttempt,
        disable_after: Duration,
    ) -> Result<Option<String>> {
        let b = self.backend();
        let now = attempt.at + chrono(attempt.duration);
        let txn = begin_write(&self.db).await?;
        let n = delivery.attempts + 1;
        let counts = !matches!(after, AfterAttempt::Unmapped);
        if counts {
            txn.execute_raw(stmt(
                b,
                "INSERT INTO delivery_attempts (id, delivery_id, n, at, status_code, response, \
                 duration_ms, outcome, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                vec![
                    Uuid::now_v7().into(),
                    delivery.id.into(),
                    n.into(),
                    attempt.at.into(),
                    attempt.status_code.map(i32::from).into(),
                    attempt.response.clone().into(),
                    i64::try_from(attempt.duration.as_millis())
                        .unwrap_or(i64::MAX)
                        .into(),
                    attempt.outcome.into(),
                    attempt.error.clone().into(),
                ],
            ))
            .await?;
        }
        let (status, next, refusal, external, delivered_at, retries) = match after {
            AfterAttempt::Delivered {
                external_record,
                refusal,
            } => (
                DeliveryStatus::Delivered,
                delivery.next_attempt_at,
                refusal.map(str::to_owned),
                external_record.clone(),
                Some(now),
                delivery.retries + 1,
            ),
            AfterAttempt::RetryAt(at) => (
                DeliveryStatus::Pending,
                *at,
                None,
                None,
                None,
                delivery.retries + 1,
            ),
            AfterAttempt::Failed => (
                DeliveryStatus::Failed,
                delivery.next_attempt_at,
                None,
                None,
                None,
                delivery.retries + 1,
            ),
            AfterAttempt::Refused(code) => (
                DeliveryStatus::Refused,
                delivery.next_attempt_at,
                Some((*code).to_owned()),
                None,
                None,
                delivery.retries + 1,
            ),
            // Due again as soon as the destination is enabled.
            AfterAttempt::DestinationDisabled(_) => {
                (DeliveryStatus::Pending, now, None, None, None, 0)
            }
            AfterAttempt::Unmapped => (
                DeliveryStatus::Unmapped,
                now,
                None,
                None,
                None,
                delivery.retries,
            ),
        };
        txn.execute_raw(stmt(
            b,
            "UPDATE deliveries SET status = $2, attempts = $3, retries = $4, next_attempt_at = $5, \
             lease_until = NULL, last_status_code = COALESCE($6, last_status_code), \
             last_response = COALESCE($7, last_response), last_error = $8, refusal = $9, \
             external_record = COALESCE($10, external_record), delivered_at = $11, updated_at = $12 \
             WHERE id = $1",
            vec![
                delivery.id.into(),
                status.as_str().into(),
                (if counts { n } else { delivery.attempts }).into(),
                retries.into(),
                next.into(),
                attempt.status_code.map(i32::from).into(),
                attempt.response.clone().into(),
                attempt.error.clone().into(),
                refusal.into(),
                external.clone().into(),
                delivered_at.into(),
                now.into(),
            ],
        ))
        .await?;
        if let (Some(external), Some(kind)) = (&external, &delivery.mark_kind) {
            txn.execute_raw(stmt(
                b,
                "INSERT INTO external_records (destination_id, attendance_id, kind, external_id, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (destination_id, attendance_id, kind) \
                 DO UPDATE SET external_id = $4, updated_at = $5",
                vec![
                    delivery.destination_id.into(),
                    delivery.attendance_id.into(),
                    kind.clone().into(),
                    external.clone().into(),
                    now.into(),
                ],
            ))
            .await?;
        }
        let mut disabled = None;
        match after {
            AfterAttempt::Delivered { .. } | AfterAttempt::Refused(_) => {
                // The destination answers: whatever it said, it is not failing.
                txn.execute_raw(stmt(
                    b,
                    "UPDATE destinations SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL",
                    vec![delivery.destination_id.into()],
                ))
                .await?;
            }
            AfterAttempt::RetryAt(_) | AfterAttempt::Failed => {
                txn.execute_raw(stmt(
                    b,
                    "UPDATE destinations SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL",
                    vec![delivery.destination_id.into(), attempt.at.into()],
                ))
                .await?;
                let since: Option<DateTime<Utc>> = txn
                    .query_one_raw(stmt(
                        b,
                        "SELECT failing_since FROM destinations WHERE id = $1 AND enabled = $2",
                        vec![delivery.destination_id.into(), true.into()],
                    ))
                    .await?
                    .map(|row| row.try_get("", "failing_since"))
                    .transpose()?
                    .flatten();
                if let Some(since) = since
                    && now - since >= chrono(disable_after)
                {
                    let reason = format!(
                        "failing continuously since {}",
                        since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    );
                    disable(&txn, b, delivery.destination_id, &reason, now).await?;
                    disabled = Some(reason);
                }
            }
            AfterAttempt::DestinationDisabled(reason) => {
                disable(&txn, b, delivery.destination_id, reason, now).await?;
                disabled = Some(reason.clone());
            }
            AfterAttempt::Unmapped => {}
        }
        txn.commit().await?;
        Ok(disabled)
    }

    /// Gives back a claim without an attempt (the worker is stopping).
    pub async fn release(&self, id: Uuid) -> Result<()> {
        self.db
            .execute_raw(stmt(
                self.backend(),
                "UPDATE deliveries SET lease_until = NULL WHERE id = $1",
                vec![id.into()],
            ))
            .await?;
        Ok(())
    }

    pub async fn delivery(&self, id: Uuid) -> Result<Option<DeliveryRow>> {
        delivery(&self.db, self.backend(), id).await
    }

    pub async fn attempts(&self, id: Uuid) -> Result<Vec<AttemptRow>> {
        Ok(AttemptRow::find_by_statement(stmt(
            self.backend(),
            "SELECT n, at, status_code, response, duration_ms, outcome, error \
             FROM delivery_attempts WHERE delivery_id = $1 ORDER BY n",
            vec![id.into()],
        ))
        .all(&self.db)
        .await?)
    }

    /// A page of the log, newest first, and the total.
    pub async fn deliveries(
        &self,
        filter: &DeliveryFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<DeliveryRow>, u64)> {
        let mut conditions = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut add = |sql: &str, value: Value| {
            values.push(value);
            conditions.push(format!("{sql} ${}", values.len()));
        };
        if let Some(id) = filter.destination_id {
            add("destination_id =", id.into());
        }
        if let Some(status) = filter.status {
            add("status =", status.as_str().into());
        }
        if let Some(id) = filter.person_id {
            add("person_id =", id.into());
        }
        if let Some(from) = filter.from {
            add("created_at >=", from.into());
        }
        if let Some(to) = filter.to {
            add("created_at <", to.into());
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let b = self.backend();
        let total: i64 = self
            .db
            .query_one_raw(stmt(
                b,
                &format!("SELECT COUNT(*) AS n FROM deliveries{clause}"),
                values.clone(),
            ))
            .await?
            .map(|row| row.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        let n = values.len();
        values.push((limit as i64).into());
        values.push((offset as i64).into());
        let rows = DeliveryRow::find_by_statement(stmt(
            b,
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries{clause} \
                 ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            values,
        ))
        .all(&self.db)
        .await?;
        Ok((rows, u64::try_from(total).unwrap_or(0)))
    }

    /// Makes a finished delivery due again now, with a fresh retry schedule. A pending one
    /// is already on its way; redelivering it could send it twice at once.
    pub async fn redeliver(&self, id: Uuid) -> Result<DeliveryRow> {
        let b = self.backend();
        let now = Utc::now();
        let txn = begin_write(&self.db).await?;
        let current = delivery(&txn, b, id)
            .await?
            .ok_or(IntegrationsError::DeliveryNotFound(id))?;
        if current.status == DeliveryStatus::Pending.as_str() {
            return Err(IntegrationsError::DeliveryPending(id));
        }
        txn.execute_raw(stmt(
            b,
            "UPDATE deliveries SET status = 'pending', retries = 0, next_attempt_at = $2, \
             lease_until = NULL, delivered_at = NULL, refusal = NULL, updated_at = $2 WHERE id = $1",
            vec![id.into(), now.into()],
        ))
        .await?;
        let row = delivery(&txn, b, id)
            .await?
            .ok_or(IntegrationsError::DeliveryNotFound(id))?;
        txn.commit().await?;
        Ok(row)
    }

    /// What an earlier delivery of the same record and mark made at the destination.
    pub async fn external_record(
        &self,
        destination_id: Uuid,
        attendance_id: Uuid,
        kind: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT external_id FROM external_records \
                 WHERE destination_id = $1 AND attendance_id = $2 AND kind = $3",
                vec![destination_id.into(), attendance_id.into(), kind.into()],
            ))
            .await?
            .map(|row| row.try_get("", "external_id"))
            .transpose()?)
    }

    /// When the oldest delivery not yet delivered (pending or unmapped) was created.
    pub async fn oldest_undelivered(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .db
            .query_one_raw(stmt(
                self.backend(),
                "SELECT MIN(created_at) AS oldest FROM deliveries WHERE status IN ('pending', 'unmapped')",
                vec![],
            ))
            .await?
            .map(|row| row.try_get::<Option<DateTime<Utc>>>("", "oldest"))
            .transpose()?
            .flatten())
    }
}

fn person_values(person: &PersonRow, version: i64) -> Vec<Value> {
    vec![
        person.id.into(),
        person.first_name.clone().into(),
        person.last_name.clone().into(),
        person.email.clone().into(),
        person.id_number.clone().into(),
        person.department.clone().into(),
        person.status.clone().into(),
        version.into(),
        Utc::now().into(),
    ]
}

async fn person<C: ConnectionTrait>(
    conn: &C,
    b: DatabaseBackend,
    id: Uuid,
) -> Result<Option<PersonRow>> {
    Ok(PersonRow::find_by_statement(stmt(
        b,
        "SELECT id, first_name, last_name, email, id_number, department, status, deleted \
         FROM persons WHERE id = $1",
        vec![id.into()],
    ))
    .one(conn)
    .await?)
}

async fn delivery<C: ConnectionTrait>(
    conn: &C,
    b: DatabaseBackend,
    id: Uuid,
) -> Result<Option<DeliveryRow>> {
    Ok(DeliveryRow::find_by_statement(stmt(
        b,
        &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1"),
        vec![id.into()],
    ))
    .one(conn)
    .await?)
}

/// The person's unmapped deliveries to destinations where they now have a key become due.
async fn remap<C: ConnectionTrait>(conn: &C, b: DatabaseBackend, person: &PersonRow) -> Result<()> {
    let now = Utc::now();
    for field in MappingField::ALL {
        if person.key(field).is_none() {
            continue;
        }
        conn.execute_raw(stmt(
            b,
            "UPDATE deliveries SET status = 'pending', next_attempt_at = $2, updated_at = $2 \
             WHERE person_id = $1 AND status = 'unmapped' AND destination_id IN \
             (SELECT id FROM destinations WHERE mapping_field = $3)",
            vec![person.id.into(), now.into(), field.as_str().into()],
        ))
        .await?;
    }
    Ok(())
}

async fn disable<C: ConnectionTrait>(
    conn: &C,
    b: DatabaseBackend,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute_raw(stmt(
        b,
        "UPDATE destinations SET enabled = $2, disabled_reason = $3, updated_at = $4 WHERE id = $1",
        vec![id.into(), false.into(), reason.into(), now.into()],
    ))
    .await?;
    Ok(())
}

fn is_unique_violation(error: &DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
