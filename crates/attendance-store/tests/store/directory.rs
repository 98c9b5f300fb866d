//! The person directory: events applied in version order, whatever order they arrive in;
//! deletion final.

use chrono::Duration;
use faceattend_attendance_store::DirectoryEntry;
use faceattend_domain::person::{PersonStatus, PersonType};
use uuid::Uuid;

use crate::helpers::{Backend, TestDb, at};
use crate::on_both_backends;

on_both_backends!(
    stale_and_repeated_events_are_ignored,
    a_deletion_is_final_and_keeps_the_name,
    a_deletion_before_the_creation_wins,
    the_creation_time_is_kept_when_a_later_event_does_not_say
);

fn entry(person_id: Uuid, name: &str, department: &str) -> DirectoryEntry {
    DirectoryEntry {
        person_id,
        name: name.to_owned(),
        person_type: PersonType::Employee,
        status: PersonStatus::Active,
        department: Some(department.to_owned()),
        organization: None,
        updated_at: at(9, 0, 0),
        created_at: None,
    }
}

async fn stale_and_repeated_events_are_ignored(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    let created = entry(person, "Ada Lovelace", "Research");
    let mut moved = entry(person, "Ada Lovelace", "Engineering");
    moved.status = PersonStatus::Inactive;
    moved.updated_at = at(10, 0, 0);

    assert!(db.store.upsert_person(&created, 1).await.expect("create"));
    assert!(db.store.upsert_person(&moved, 3).await.expect("update"));
    // Redelivered creation, an update older than the stored one, and a repeat of the last.
    assert!(!db.store.upsert_person(&created, 1).await.expect("stale"));
    let mut older = entry(person, "Ada King", "Sales");
    older.updated_at = at(9, 30, 0);
    assert!(!db.store.upsert_person(&older, 2).await.expect("stale"));
    assert!(!db.store.upsert_person(&moved, 3).await.expect("repeat"));

    let stored = db.store.person(person).await.expect("read").expect("known");
    assert_eq!(stored.entry, moved);
    assert_eq!(stored.version, 3);
    assert!(!stored.deleted);
    assert_eq!(db.store.person(Uuid::now_v7()).await.expect("read"), None);
}

async fn a_deletion_is_final_and_keeps_the_name(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    let created = entry(person, "Grace Hopper", "Navy");
    assert!(db.store.upsert_person(&created, 5).await.expect("create"));
    let deleted_at = at(12, 0, 0);
    assert!(
        db.store
            .delete_person(person, 6, deleted_at)
            .await
            .expect("delete")
    );
    assert!(
        !db.store
            .delete_person(person, 6, deleted_at)
            .await
            .expect("repeat")
    );
    // An update published after the deletion (a race in person-api) does not resurrect.
    let mut later = created.clone();
    later.updated_at = at(11, 0, 0) + Duration::days(1);
    assert!(
        !db.store
            .upsert_person(&later, 7)
            .await
            .expect("after delete")
    );

    let stored = db
        .store
        .person(person)
        .await
        .expect("read")
        .expect("still known");
    assert!(stored.deleted);
    // The details stay as last known; `updated_at` says when the deletion happened.
    let mut expected = created.clone();
    expected.updated_at = deleted_at;
    assert_eq!(stored.entry, expected);
    assert_eq!(stored.version, 6);
}

async fn a_deletion_before_the_creation_wins(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    assert!(
        db.store
            .delete_person(person, 9, at(12, 0, 0))
            .await
            .expect("delete")
    );
    let created = entry(person, "Late Arrival", "Ops");
    assert!(
        !db.store
            .upsert_person(&created, 8)
            .await
            .expect("late create")
    );
    assert_eq!(db.store.person(person).await.expect("read"), None);
}

async fn the_creation_time_is_kept_when_a_later_event_does_not_say(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    let created_at = at(8, 30, 0);
    let created = DirectoryEntry {
        created_at: Some(created_at),
        ..entry(person, "Ada Lovelace", "Research")
    };
    assert!(db.store.upsert_person(&created, 1).await.expect("create"));
    let stored = db.store.person(person).await.expect("read").expect("known");
    assert_eq!(stored.entry.created_at, Some(created_at));
    // An update without the creation time (an older producer) keeps the known one.
    let moved = DirectoryEntry {
        updated_at: at(10, 0, 0),
        ..entry(person, "Ada Lovelace", "Engineering")
    };
    assert!(db.store.upsert_person(&moved, 2).await.expect("update"));
    let stored = db.store.person(person).await.expect("read").expect("known");
    assert_eq!(stored.entry.department.as_deref(), Some("Engineering"));
    assert_eq!(stored.entry.created_at, Some(created_at));
}
