//! The recompute path as the jobs use it: `reconcile` decides the days of recent detections,
//! `mark_absences` concludes who never came; both publish each change once, with an event id
//! of its own.

use std::collections::HashSet;

use chrono::{Duration, Utc};
use faceattend_attendance_store::NewDetection;
use faceattend_attendance_store::entities::{attendance, attendance_exception, person_directory};
use faceattend_attendance_store::policy::PolicyDefaults;
use faceattend_attendance_store::recompute::{mark_absences, reconcile};
use faceattend_domain::attendance::AttendanceStatus;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::helpers::{Backend, TestDb, at, day, detection};
use crate::on_both_backends;

on_both_backends!(
    reconcile_decides_the_days_of_recent_detections,
    absences_are_marked_once_for_people_expected_at_work,
);

/// The ids of the events waiting in the outbox.
async fn outbox_ids(db: &TestDb) -> Vec<Uuid> {
    use sea_orm::{ConnectionTrait, Statement};
    let conn = db.store.connection();
    conn.query_all_raw(Statement::from_string(
        conn.get_database_backend(),
        "SELECT id FROM outbox_events ORDER BY seq".to_owned(),
    ))
    .await
    .expect("outbox")
    .into_iter()
    .map(|row| row.try_get::<Uuid>("", "id").expect("an id"))
    .collect()
}

/// A detection received now (the helper's are received when captured, days ago).
fn received_now(person: Uuid, at: chrono::DateTime<Utc>, confidence: f32) -> NewDetection {
    NewDetection {
        received_at: Utc::now(),
        evidence: Default::default(),
        ..detection(person, at, confidence)
    }
}

async fn person(db: &TestDb, name: &str, person_type: &str, status: &str) -> Uuid {
    let person_id = Uuid::now_v7();
    person_directory::Model {
        person_id,
        name: name.to_owned(),
        person_type: person_type.to_owned(),
        status: status.to_owned(),
        department: None,
        organization: None,
        deleted: false,
        updated_at: Utc::now(),
        version: 1,
        created_at: None,
    }
    .into_active_model()
    .insert(db.store.connection())
    .await
    .expect("person inserted");
    person_id
}

async fn reconcile_decides_the_days_of_recent_detections(backend: Backend) {
    let db = TestDb::new(backend).await;
    let people: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    for person in &people {
        db.store
            .insert_detection(&received_now(*person, at(8, 30, 0), 0.9))
            .await
            .expect("insert");
        db.store
            .insert_detection(&received_now(*person, at(8, 40, 0), 0.65))
            .await
            .expect("insert");
    }
    // Stored but never decided (as if the worker had died before deciding).
    let since = Utc::now() - Duration::minutes(5);
    let summary = reconcile(db.store.connection(), &PolicyDefaults::default(), since)
        .await
        .expect("reconcile");
    assert_eq!(summary.detections_processed, 10);
    assert_eq!(summary.auto_marked, 5);
    assert_eq!(summary.failed, 0);
    for person in &people {
        let record = db
            .store
            .day_record(*person, day())
            .await
            .expect("read")
            .expect("a record");
        assert_eq!(record.status, AttendanceStatus::Present);
        assert_eq!(
            db.store
                .review_items(*person, day())
                .await
                .expect("review")
                .len(),
            1
        );
    }
    let first = outbox_ids(&db).await;
    let distinct: HashSet<Uuid> = first.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        first.len(),
        "every event has an id of its own"
    );
    // checked_in + status_changed + review_required per person.
    assert_eq!(first.len(), 15);

    // Nothing changed since: a second run decides the same and publishes nothing more.
    let again = reconcile(db.store.connection(), &PolicyDefaults::default(), since)
        .await
        .expect("reconcile again");
    assert_eq!(again.auto_marked, 5);
    assert_eq!(outbox_ids(&db).await.len(), 15);
    // Detections received before `since` are not looked at.
    let later = reconcile(
        db.store.connection(),
        &PolicyDefaults::default(),
        Utc::now() + Duration::minutes(1),
    )
    .await
    .expect("reconcile nothing");
    assert_eq!(later.detections_processed, 0);
}

async fn absences_are_marked_once_for_people_expected_at_work(backend: Backend) {
    let db = TestDb::new(backend).await;
    let absent = person(&db, "Absent", "employee", "active").await;
    let contractor = person(&db, "Contractor", "contractor", "active").await;
    let present = person(&db, "Present", "employee", "active").await;
    let visitor = person(&db, "Visitor", "visitor", "active").await;
    let inactive = person(&db, "Inactive", "employee", "inactive").await;
    let on_leave = person(&db, "On leave", "employee", "active").await;
    attendance_exception::Model {
        id: Uuid::now_v7(),
        person_id: Some(on_leave),
        exception_date: day(),
        exception_type: "leave".to_owned(),
        reason: "holiday trip".to_owned(),
        requires_approval: true,
        approved: true,
        approved_by: Some("hr".to_owned()),
        approved_at: Some(Utc::now()),
        created_at: Utc::now(),
        organization: None,
    }
    .into_active_model()
    .insert(db.store.connection())
    .await
    .expect("leave inserted");
    db.store
        .insert_detection(&received_now(present, at(8, 30, 0), 0.9))
        .await
        .expect("insert");
    reconcile(
        db.store.connection(),
        &PolicyDefaults::default(),
        Utc::now() - Duration::minutes(5),
    )
    .await
    .expect("reconcile");
    let before = outbox_ids(&db).await.len();

    let marked = mark_absences(db.store.connection(), &PolicyDefaults::default(), day())
        .await
        .expect("mark absences");
    assert_eq!(marked, 2, "the employee and the contractor who never came");
    for person in [absent, contractor] {
        let record = db
            .store
            .day_record(person, day())
            .await
            .expect("read")
            .expect("an absent record");
        assert_eq!(record.status, AttendanceStatus::Absent);
    }
    for person in [visitor, inactive, on_leave] {
        assert!(
            db.store
                .day_record(person, day())
                .await
                .expect("read")
                .is_none()
        );
    }
    assert_eq!(outbox_ids(&db).await.len(), before + 2);

    // Once is enough; and a Sunday expects nobody.
    assert_eq!(
        mark_absences(db.store.connection(), &PolicyDefaults::default(), day())
            .await
            .expect("again"),
        0
    );
    let sunday = day() - Duration::days(1);
    assert_eq!(
        mark_absences(db.store.connection(), &PolicyDefaults::default(), sunday)
            .await
            .expect("sunday"),
        0
    );
    let rows = attendance::Entity::find()
        .filter(attendance::Column::AttendanceDate.eq(sunday))
        .all(db.store.connection())
        .await
        .expect("rows");
    assert!(rows.is_empty());
}
