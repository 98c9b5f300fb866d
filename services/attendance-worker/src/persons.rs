//! The person directory: `persons.v1.created|updated|deleted` in, `person_directory` rows out.
//!
//! The stream sequence is each entry's version, so an older event delivered late never
//! overwrites a newer one, and a deletion is final (the store enforces both).

use std::sync::Arc;

use async_nats::jetstream::Message;
use chrono::Utc;
use faceattend_attendance_store::{AttendanceStore, DirectoryEntry, directory};
use faceattend_domain::person::{PersonStatus, PersonType};
use faceattend_proto::persons::v1 as wire;
use prost::Message as _;
use tracing::Instrument;
use uuid::Uuid;

use crate::consumer::{Outcome, Settled, Settler, strip_namespace};
use crate::error::WorkerError;
use crate::metrics::WorkerMetrics;
use faceattend_attendance_store::events::from_timestamp;

/// Keeps the person directory up to date.
pub struct PersonDirectorySync {
    pub store: AttendanceStore,
    pub settler: Settler,
    pub metrics: WorkerMetrics,
}

impl PersonDirectorySync {
    pub async fn handle(self: Arc<Self>, message: Message) {
        let span = tracing::info_span!("person_event", subject = %message.subject);
        async {
            let (outcome, label) = match self.process(&message).await {
                Ok(true) => (Outcome::Done, "applied"),
                Ok(false) => (Outcome::Done, "stale"),
                Err(error) if error.is_transient() => (Outcome::Retry(error.to_string()), ""),
                Err(error) => (Outcome::Reject(error.to_string()), ""),
            };
            let label = match self.settler.settle(&message, outcome).await {
                Settled::Acked => label,
                Settled::Retrying | Settled::Unsettled => "retried",
                Settled::DeadLettered => "dead_lettered",
            };
            self.metrics.persons.with_label_values(&[label]).inc();
        }
        .instrument(span)
        .await
    }

    /// `true` when the directory changed.
    async fn process(&self, message: &Message) -> Result<bool, WorkerError> {
        let invalid = |reason: String| WorkerError::Invalid(reason);
        let version = message
            .info()
            .map_err(|e| invalid(format!("not a stream message: {e}")))
            .and_then(|info| {
                i64::try_from(info.stream_sequence)
                    .map_err(|_| invalid("stream sequence out of range".to_owned()))
            })?;
        let kind = strip_namespace(&message.subject, &self.settler.bus)
            .and_then(|s| s.strip_prefix("persons.v1."))
            .unwrap_or_default();
        let payload = message.payload.as_ref();
        match kind {
            "created" | "updated" => {
                let person = if kind == "created" {
                    wire::PersonCreated::decode(payload).map(|e| e.person)
                } else {
                    wire::PersonUpdated::decode(payload).map(|e| e.person)
                }
                .map_err(|e| invalid(format!("not a persons.v1.{kind} event: {e}")))?
                .ok_or_else(|| invalid("the event has no person".to_owned()))?;
                let entry = entry(&person)?;
                Ok(directory::upsert(self.store.connection(), &entry, version).await?)
            }
            "deleted" => {
                let event = wire::PersonDeleted::decode(payload)
                    .map_err(|e| invalid(format!("not a persons.v1.deleted event: {e}")))?;
                let person_id = Uuid::parse_str(&event.person_id)
                    .map_err(|_| invalid("person_id must be a UUID".to_owned()))?;
                let at = event
                    .occurred_at
                    .as_ref()
                    .and_then(from_timestamp)
                    .unwrap_or_else(Utc::now);
                Ok(directory::delete(self.store.connection(), person_id, version, at).await?)
            }
            // Another kind of person event: nothing the directory keeps.
            _ => Ok(false),
        }
    }
}

fn entry(person: &wire::Person) -> Result<DirectoryEntry, WorkerError> {
    let invalid = |reason: String| WorkerError::Invalid(reason);
    let name = format!("{} {}", person.first_name.trim(), person.last_name.trim())
        .trim()
        .to_owned();
    Ok(DirectoryEntry {
        person_id: Uuid::parse_str(&person.id)
            .map_err(|_| invalid("person id must be a UUID".to_owned()))?,
        name,
        person_type: PersonType::parse(&person.person_type)
            .map_err(|e| invalid(format!("person_type: {e:?}")))?,
        status: PersonStatus::parse(&person.status)
            .map_err(|e| invalid(format!("status: {e:?}")))?,
        department: person.department.clone().filter(|d| !d.is_empty()),
        organization: person.organization.clone().filter(|o| !o.is_empty()),
        updated_at: person
            .updated_at
            .as_ref()
            .and_then(from_timestamp)
            .unwrap_or_else(Utc::now),
        created_at: person.created_at.as_ref().and_then(from_timestamp),
    })
}
