//! The two durable consumers: ATTENDANCE (events fanned out into the delivery outbox) and
//! PERSONS (the directory the employee keys come from).
//!
//! A message is acknowledged only once its effect committed: the deliveries of an
//! attendance event are inserted in one transaction, idempotently on (event, destination),
//! so a crash before the ack redelivers the event and the replay inserts nothing twice. A
//! message that can never be processed goes to `deadletter.v1.<its subject>` with the
//! reason at once, one failing for a transient reason after its last delivery; a poison
//! message never blocks the others.
//!
//! ATTENDANCE is taken one message at a time across every replica (its consumer allows one
//! unacknowledged message, see `startup`): a person's deliveries are ordered by stream
//! sequence, which only holds if no later event is recorded while an earlier one is in
//! flight elsewhere.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::{AckKind, Message};
use faceattend_bus::{Bus, OutgoingMessage, headers};
use faceattend_database::begin_write;
use faceattend_proto::persons::v1 as persons_wire;
use futures::StreamExt;
use prost::Message as _;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use crate::error::IntegrationsError;
use crate::events::{AttendanceEvent, EventBody, MarkKind, mark_kind_str};
use crate::metrics::IntegrationsMetrics;
use crate::model::{DeliveryStatus, DestinationKind, EventCategory};
use crate::store::{EventKey, NewDelivery, PersonRow, Store, key_of};

/// Header on dead letters: why the message was given up.
pub const DEAD_LETTER_REASON: &str = "Dead-Letter-Reason";
/// Header on dead letters: the subject the message was consumed from.
pub const DEAD_LETTER_SUBJECT: &str = "Dead-Letter-Subject";

/// What processing made of a message.
#[derive(Debug)]
enum Outcome {
    /// Done; the label says how (for the metric).
    Done(&'static str),
    Retry(String),
    Reject(String),
}

/// Acknowledges messages according to their outcome.
#[derive(Clone)]
pub struct Settler {
    pub bus: Bus,
    pub max_deliver: i64,
    pub metrics: IntegrationsMetrics,
}

impl Settler {
    async fn settle(&self, stream: &str, message: &Message, outcome: Outcome) {
        let deliveries = message.info().map(|i| i.delivered).unwrap_or(1);
        let (result, label) = match outcome {
            Outcome::Done(label) => (message.ack().await, label),
            Outcome::Retry(reason) if deliveries < self.max_deliver => {
                let delay = Duration::from_secs(2u64.saturating_pow(deliveries.clamp(0, 8) as u32));
                tracing::warn!(%reason, ?delay, "message failed; it will be redelivered");
                (message.ack_with(AckKind::Nak(Some(delay))).await, "retried")
            }
            Outcome::Retry(reason) | Outcome::Reject(reason) => {
                match self.dead_letter(message, &reason).await {
                    Ok(()) => (message.ack_with(AckKind::Term).await, "dead_lettered"),
                    Err(error) => {
                        tracing::error!(%error, "cannot dead-letter a message");
                        (
                            message
                                .ack_with(AckKind::Nak(Some(Duration::from_secs(5))))
                                .await,
                            "retried",
                        )
                    }
                }
            }
        };
        if let Err(error) = result {
            tracing::warn!(%error, "cannot acknowledge a message; it will be redelivered");
        }
        self.metrics
            .messages
            .with_label_values(&[stream, label])
            .inc();
    }

    async fn dead_letter(&self, message: &Message, reason: &str) -> Result<(), String> {
        let info = message.info().map_err(|e| e.to_string())?;
        tracing::warn!(%reason, subject = %message.subject, "message dead-lettered");
        let relative = relative_subject(&message.subject, &self.bus);
        self.bus
            .publish(OutgoingMessage {
                subject: faceattend_bus::dead_letter_subject(relative),
                msg_id: format!("{}:{}", info.stream, info.stream_sequence),
                content_type: message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(headers::CONTENT_TYPE))
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                headers: vec![
                    (DEAD_LETTER_REASON.to_owned(), sanitize_header(reason)),
                    (DEAD_LETTER_SUBJECT.to_owned(), message.subject.to_string()),
                ],
                payload: message.payload.clone(),
            })
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The subject relative to the bus namespace.
fn relative_subject<'a>(subject: &'a str, bus: &Bus) -> &'a str {
    if bus.namespace().is_empty() {
        subject
    } else {
        subject
            .strip_prefix(bus.namespace())
            .and_then(|s| s.strip_prefix('.'))
            .unwrap_or(subject)
    }
}

fn sanitize_header(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(512)
        .collect()
}

fn stream_sequence(message: &Message) -> Result<i64, IntegrationsError> {
    message
        .info()
        .map_err(|e| IntegrationsError::Invalid(format!("not a stream message: {e}")))
        .and_then(|info| {
            i64::try_from(info.stream_sequence)
                .map_err(|_| IntegrationsError::Invalid("stream sequence out of range".to_owned()))
        })
}

fn outcome_of(result: Result<&'static str, IntegrationsError>) -> Outcome {
    match result {
        Ok(label) => Outcome::Done(label),
        Err(error) if error.is_transient() => Outcome::Retry(error.to_string()),
        Err(error) => Outcome::Reject(error.to_string()),
    }
}

/// Pulls from `consumer` one message at a time until `shutdown` (one at a time: a
/// person's events are applied, and their deliveries ordered, in stream order), letting
/// the message in hand finish.
pub async fn run<F, Fut>(
    name: &'static str,
    consumer: PullConsumer,
    shutdown: CancellationToken,
    handle: F,
) where
    F: Fn(Message) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut attempt = 0u32;
    while !shutdown.is_cancelled() {
        let mut messages = match consumer.messages().await {
            Ok(messages) => messages,
            Err(error) => {
                attempt = attempt.saturating_add(1);
                tracing::warn!(%error, consumer = name, "cannot pull messages; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt.min(5)))) => continue,
                }
            }
        };
        attempt = 0;
        loop {
            let next = tokio::select! {
                _ = shutdown.cancelled() => break,
                next = messages.next() => next,
            };
            match next {
                Some(Ok(message)) => handle(message).await,
                Some(Err(error)) => {
                    tracing::debug!(%error, consumer = name, "message stream hiccup")
                }
                None => break,
            }
        }
    }
    tracing::info!(consumer = name, "consumer stopped");
}

/// ATTENDANCE → the delivery outbox.
pub struct AttendanceIngest {
    pub store: Store,
    pub settler: Settler,
    pub metrics: IntegrationsMetrics,
    /// Wakes the dispatcher when new deliveries are due.
    pub wake: Arc<Notify>,
}

impl AttendanceIngest {
    pub async fn handle(&self, message: Message) {
        let span = tracing::info_span!("attendance_event", subject = %message.subject);
        async {
            let outcome = outcome_of(self.process(&message).await);
            self.settler.settle("attendance", &message, outcome).await;
        }
        .instrument(span)
        .await
    }

    async fn process(&self, message: &Message) -> Result<&'static str, IntegrationsError> {
        let sequence = stream_sequence(message)?;
        let kind = relative_subject(&message.subject, &self.settler.bus)
            .strip_prefix("attendance.v1.")
            .unwrap_or_default();
        let Some(event) = AttendanceEvent::decode(kind, &message.payload)? else {
            return Ok("ignored");
        };
        let destinations = self.store.destinations().await?;
        let person = self.store.person(event.person_id).await?;
        let department = event
            .department
            .clone()
            .or_else(|| person.as_ref().and_then(|p| p.department.clone()));
        let txn = begin_write(self.store.connection()).await?;
        let correction = match event.mark_kind() {
            Some(kind) => {
                !Store::first_mark(
                    &txn,
                    event.attendance_id,
                    mark_kind_str(kind),
                    event.event_id,
                )
                .await?
            }
            None => false,
        };
        let category = event.category(correction);
        let payload = event.payload(correction);
        let mut deliveries = Vec::new();
        for destination in &destinations {
            // Disabled destinations still get their deliveries: they wait, and go out in
            // order once the destination is enabled again.
            let wanted = if destination.kind == DestinationKind::Door {
                door_wants(destination, &event)
            } else {
                destination
                    .filter
                    .matches(category, department.as_deref(), event.camera_id())
            };
            if !wanted {
                continue;
            }
            // Odoo's hr.attendance and Frappe's Employee Checkin hold check-ins and
            // check-outs only: status changes and absences are not theirs to receive.
            if matches!(
                destination.kind,
                DestinationKind::Odoo | DestinationKind::Frappe
            ) && event.mark_kind().is_none()
            {
                continue;
            }
            let status =
                if key_of(person.as_ref(), event.person_id, destination.mapping_field).is_some() {
                    DeliveryStatus::Pending
                } else {
                    DeliveryStatus::Unmapped
                };
            deliveries.push((
                destination.id,
                NewDelivery {
                    destination_id: destination.id,
                    status,
                    payload: payload.clone(),
                },
            ));
        }
        let key = EventKey {
            event_id: event.event_id,
            person_id: event.person_id,
            attendance_id: event.attendance_id,
            event_type: event.webhook_type(correction),
            mark_kind: event.mark_kind().map(mark_kind_str),
            stream_sequence: sequence,
        };
        let new: Vec<NewDelivery> = deliveries.iter().map(|(_, d)| d.clone()).collect();
        let inserted = Store::enqueue(&txn, &key, &new).await?;
        txn.commit().await?;
        if inserted > 0
            && deliveries
                .iter()
                .any(|(_, d)| d.status == DeliveryStatus::Unmapped)
        {
            // The person may have been written since `person` was read above, their
            // upsert's remap running before these deliveries existed. The event is
            // recorded already: a failure here is logged, not a reason to redeliver it.
            let remapped = match self.store.person(event.person_id).await {
                Ok(Some(person)) => self.store.remap_person(&person).await,
                Ok(None) => Ok(()),
                Err(error) => Err(error),
            };
            if let Err(error) = remapped {
                tracing::warn!(%error, person = %event.person_id, "cannot recheck an unmapped person's key");
            }
        }
        if inserted > 0 {
            for (destination, delivery) in &deliveries {
                let outcome = match delivery.status {
                    DeliveryStatus::Unmapped => "unmapped",
                    _ => "enqueued",
                };
                self.metrics
                    .deliveries
                    .with_label_values(&[&destination.to_string(), outcome])
                    .inc();
            }
            self.wake.notify_waiters();
        }
        Ok(if inserted > 0 { "applied" } else { "stale" })
    }
}

/// PERSONS → the directory (and unmapped deliveries made due when a key appears).
pub struct DirectorySync {
    pub store: Store,
    pub settler: Settler,
    pub wake: Arc<Notify>,
}

impl DirectorySync {
    pub async fn handle(&self, message: Message) {
        let span = tracing::info_span!("person_event", subject = %message.subject);
        async {
            let outcome = outcome_of(self.process(&message).await);
            self.settler.settle("persons", &message, outcome).await;
        }
        .instrument(span)
        .await
    }

    async fn process(&self, message: &Message) -> Result<&'static str, IntegrationsError> {
        let invalid = IntegrationsError::Invalid;
        let version = stream_sequence(message)?;
        let kind = relative_subject(&message.subject, &self.settler.bus)
            .strip_prefix("persons.v1.")
            .unwrap_or_default();
        let payload = message.payload.as_ref();
        let changed = match kind {
            "created" | "updated" => {
                let person = if kind == "created" {
                    persons_wire::PersonCreated::decode(payload).map(|e| e.person)
                } else {
                    persons_wire::PersonUpdated::decode(payload).map(|e| e.person)
                }
                .map_err(|e| invalid(format!("not a persons.v1.{kind} event: {e}")))?
                .ok_or_else(|| invalid("the event has no person".to_owned()))?;
                let row = PersonRow {
                    id: Uuid::parse_str(&person.id)
                        .map_err(|_| invalid("person id must be a UUID".to_owned()))?,
                    first_name: person.first_name,
                    last_name: person.last_name,
                    email: Some(person.email).filter(|e| !e.trim().is_empty()),
                    id_number: person.id_number.filter(|n| !n.trim().is_empty()),
                    department: person.department.filter(|d| !d.trim().is_empty()),
                    status: person.status,
                    deleted: false,
                };
                self.store.upsert_person(&row, version).await?
            }
            "deleted" => {
                let event = persons_wire::PersonDeleted::decode(payload)
                    .map_err(|e| invalid(format!("not a persons.v1.deleted event: {e}")))?;
                let person_id = Uuid::parse_str(&event.person_id)
                    .map_err(|_| invalid("person_id must be a UUID".to_owned()))?;
                self.store.delete_person(person_id, version).await?
            }
            _ => return Ok("ignored"),
        };
        if changed {
            self.wake.notify_waiters();
        }
        Ok(if changed { "applied" } else { "stale" })
    }
}

/// Whether a door opens for `event`: a check-in or check-out of a kind it names, decided
/// automatically (never a review-band match confirmed later, never a manual entry), seen by
/// one of its cameras. Every such mark counts, the day's first or not: a door opens each
/// time someone arrives.
fn door_wants(destination: &crate::store::Destination, event: &AttendanceEvent) -> bool {
    let EventBody::Mark {
        kind,
        source: "auto",
        camera_id: Some(camera),
        ..
    } = &event.body
    else {
        return false;
    };
    let category = match kind {
        MarkKind::CheckIn => EventCategory::CheckIn,
        MarkKind::CheckOut => EventCategory::CheckOut,
    };
    destination.filter.event_types.contains(&category)
        && destination
            .filter
            .cameras
            .as_ref()
            .is_some_and(|cameras| cameras.iter().any(|c| c == camera))
}
