//! The events a domain change produces, and their wire form.
//!
//! A service builds a [`PersonEvent`] inside the same unit of work as the change it
//! describes; [`PersonEvent::to_wire`] turns it into the bytes and headers that go on the bus
//! (protobuf, schemas in `proto/`). The event id doubles as the JetStream `Nats-Msg-Id`, so a
//! republish after a crash is dropped by the server instead of reaching consumers twice.

use chrono::{DateTime, Utc};
use faceattend_proto::persons::v1 as wire;
use prost::{Message, Name};
use uuid::Uuid;

use crate::person::Person;

/// A serialised event, ready for the outbox or the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireEvent {
    /// Unique per event; used as `Nats-Msg-Id`.
    pub id: Uuid,
    /// Subject without any bus namespace, e.g. `persons.v1.created`.
    pub subject: &'static str,
    /// `application/protobuf; proto=<full message name>`.
    pub content_type: String,
    pub payload: Vec<u8>,
}

/// What happened to a person.
#[derive(Debug, Clone, PartialEq)]
pub enum PersonEvent {
    Created {
        event_id: Uuid,
        occurred_at: DateTime<Utc>,
        person: Person,
    },
    Updated {
        event_id: Uuid,
        occurred_at: DateTime<Utc>,
        person: Person,
        changed_fields: Vec<String>,
    },
    Deleted {
        event_id: Uuid,
        occurred_at: DateTime<Utc>,
        person_id: Uuid,
    },
}

pub mod subjects {
    pub const PERSON_CREATED: &str = "persons.v1.created";
    pub const PERSON_UPDATED: &str = "persons.v1.updated";
    pub const PERSON_DELETED: &str = "persons.v1.deleted";
    /// Everything the PERSONS stream holds.
    pub const PERSONS_ALL: &str = "persons.v1.>";
    /// Every subject a [`PersonEvent`](super::PersonEvent) is published on.
    pub const PUBLISHED: [&str; 3] = [PERSON_CREATED, PERSON_UPDATED, PERSON_DELETED];
}

impl PersonEvent {
    pub fn created(person: Person) -> Self {
        Self::Created {
            event_id: Uuid::now_v7(),
            occurred_at: person.created_at,
            person,
        }
    }

    pub fn updated(person: Person, changed_fields: Vec<String>) -> Self {
        Self::Updated {
            event_id: Uuid::now_v7(),
            occurred_at: person.updated_at,
            person,
            changed_fields,
        }
    }

    pub fn deleted(person_id: Uuid, occurred_at: DateTime<Utc>) -> Self {
        Self::Deleted {
            event_id: Uuid::now_v7(),
            occurred_at,
            person_id,
        }
    }

    pub fn to_wire(&self) -> WireEvent {
        let (id, subject, proto, payload) = match self {
            Self::Created {
                event_id,
                occurred_at,
                person,
            } => (
                *event_id,
                subjects::PERSON_CREATED,
                wire::PersonCreated::full_name(),
                wire::PersonCreated {
                    event_id: event_id.to_string(),
                    occurred_at: Some(timestamp(*occurred_at)),
                    person: Some(person_to_wire(person)),
                }
                .encode_to_vec(),
            ),
            Self::Updated {
                event_id,
                occurred_at,
                person,
                changed_fields,
            } => (
                *event_id,
                subjects::PERSON_UPDATED,
                wire::PersonUpdated::full_name(),
                wire::PersonUpdated {
                    event_id: event_id.to_string(),
                    occurred_at: Some(timestamp(*occurred_at)),
                    person: Some(person_to_wire(person)),
                    changed_fields: changed_fields.clone(),
                }
                .encode_to_vec(),
            ),
            Self::Deleted {
                event_id,
                occurred_at,
                person_id,
            } => (
                *event_id,
                subjects::PERSON_DELETED,
                wire::PersonDeleted::full_name(),
                wire::PersonDeleted {
                    event_id: event_id.to_string(),
                    occurred_at: Some(timestamp(*occurred_at)),
                    person_id: person_id.to_string(),
                }
                .encode_to_vec(),
            ),
        };
        WireEvent {
            id,
            subject,
            content_type: format!("application/protobuf; proto={proto}"),
            payload,
        }
    }
}

fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

fn person_to_wire(person: &Person) -> wire::Person {
    wire::Person {
        id: person.id.to_string(),
        first_name: person.first_name.clone(),
        last_name: person.last_name.clone(),
        email: person.email.clone(),
        phone: person.phone.clone(),
        person_type: person.person_type.as_str().to_owned(),
        id_number: person.id_number.clone(),
        id_type: person.id_type.clone(),
        department: person.department.clone(),
        organization: person.organization.clone(),
        status: person.status.as_str().to_owned(),
        face_encoding_count: person.face_encoding_count,
        enrolled_at: person.enrolled_at.map(timestamp),
        last_face_enrolled: person.last_face_enrolled.map(timestamp),
        created_at: Some(timestamp(person.created_at)),
        updated_at: Some(timestamp(person.updated_at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::{PersonStatus, PersonType};

    #[test]
    fn every_subject_is_a_channel_of_the_asyncapi_document() {
        for subject in subjects::PUBLISHED {
            assert!(
                faceattend_proto::asyncapi_channel_for(subject) == Some(subject),
                "proto/asyncapi.yaml has no channel {subject}"
            );
        }
    }

    #[test]
    fn created_event_round_trips_through_protobuf() {
        let now = Utc::now();
        let person = Person {
            id: Uuid::now_v7(),
            first_name: "John".into(),
            last_name: "Doe".into(),
            email: "john@company.com".into(),
            phone: Some("+1234567890".into()),
            person_type: PersonType::Contractor,
            id_number: None,
            id_type: None,
            department: Some("Sales".into()),
            organization: None,
            status: PersonStatus::Active,
            face_encoding_count: 0,
            enrolled_at: None,
            last_face_enrolled: None,
            created_at: now,
            updated_at: now,
        };
        let event = PersonEvent::created(person.clone());
        let wire_event = event.to_wire();
        assert_eq!(wire_event.subject, "persons.v1.created");
        assert!(wire_event.content_type.ends_with("PersonCreated"));
        let decoded = wire::PersonCreated::decode(wire_event.payload.as_slice()).unwrap();
        assert_eq!(decoded.event_id, wire_event.id.to_string());
        let p = decoded.person.unwrap();
        assert_eq!(p.id, person.id.to_string());
        assert_eq!(p.person_type, "contractor");
        assert_eq!(p.phone.as_deref(), Some("+1234567890"));
        assert_eq!(p.id_number, None);
        assert_eq!(p.created_at.unwrap().seconds, now.timestamp());
    }

    #[test]
    fn deleted_event_carries_only_the_id() {
        let id = Uuid::now_v7();
        let wire_event = PersonEvent::deleted(id, Utc::now()).to_wire();
        let decoded = wire::PersonDeleted::decode(wire_event.payload.as_slice()).unwrap();
        assert_eq!(decoded.person_id, id.to_string());
        assert_eq!(wire_event.subject, subjects::PERSON_DELETED);
    }
}
