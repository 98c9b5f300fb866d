//! The person directory: persons.v1 events in, and deleted persons no longer attended.

use faceattend_attendance_store::entities::person_directory;
use faceattend_proto::persons::v1 as persons;
use prost::Message;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::helpers::{Backend, at, detection, eventually, spawn_app, workday};

crate::on_both_backends!(
    a_created_person_lands_in_the_directory,
    a_deleted_person_is_no_longer_attended,
);

fn person(id: Uuid) -> persons::Person {
    persons::Person {
        id: id.to_string(),
        first_name: "Ada".to_owned(),
        last_name: "Lovelace".to_owned(),
        email: "ada@example.com".to_owned(),
        person_type: "employee".to_owned(),
        department: Some("Engineering".to_owned()),
        status: "active".to_owned(),
        created_at: Some(prost_types::Timestamp {
            seconds: 1_767_225_600, // 2026-01-01T00:00:00Z
            nanos: 0,
        }),
        ..Default::default()
    }
}

async fn a_created_person_lands_in_the_directory(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = Uuid::new_v4();
    let event = persons::PersonCreated {
        event_id: Uuid::new_v4().to_string(),
        occurred_at: None,
        person: Some(person(id)),
    };
    app.publish("persons.v1.created", event.encode_to_vec())
        .await;
    let entry = eventually("a directory entry", || async {
        app.store.person(id).await.expect("read the directory")
    })
    .await;
    assert_eq!(entry.entry.name, "Ada Lovelace");
    assert_eq!(entry.entry.department.as_deref(), Some("Engineering"));
    // When person-api created them: where their statistics start.
    assert_eq!(
        entry.entry.created_at,
        chrono::DateTime::from_timestamp(1_767_225_600, 0)
    );
    assert!(!entry.deleted);

    // The person's name travels on their attendance events.
    app.publish_detection(&detection(id, at(workday(), 8, 40), 0.9))
        .await;
    let events = eventually("a checked_in event", || async {
        let events = app.attendance_events("checked_in").await;
        (!events.is_empty()).then_some(events)
    })
    .await;
    let event = faceattend_proto::attendance::v1::CheckedIn::decode(events[0].payload.as_ref())
        .expect("a CheckedIn");
    let subject = event.subject.expect("subject");
    assert_eq!(subject.person_name, "Ada Lovelace");
    assert_eq!(subject.department.as_deref(), Some("Engineering"));
}

async fn a_deleted_person_is_no_longer_attended(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = Uuid::new_v4();
    let deleted = persons::PersonDeleted {
        event_id: Uuid::new_v4().to_string(),
        occurred_at: None,
        person_id: id.to_string(),
    };
    app.publish("persons.v1.deleted", deleted.encode_to_vec())
        .await;
    eventually("a tombstone", || async {
        person_directory::Entity::find_by_id(id)
            .one(app.store.connection())
            .await
            .expect("read the directory")
            .filter(|row| row.deleted)
    })
    .await;

    app.publish_detection(&detection(id, at(workday(), 8, 50), 0.95))
        .await;
    app.wait_detections("deleted_person", 1).await;
    assert!(app.day_record(id, workday()).await.is_none());
    assert!(app.attendance_events("checked_in").await.is_empty());
}
