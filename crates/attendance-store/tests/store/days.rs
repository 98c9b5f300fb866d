//! Day records: one row per person and day, and the previous record on every write.

use faceattend_attendance_store::entities::attendance;
use faceattend_domain::attendance::{
    AttendanceChange, AttendancePolicy, AttendanceStatus, DayKey, DaysOff, DuplicateWindow,
    SiteZone, changes, decide_day,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::helpers::{Backend, TestDb, at, day, detection};
use crate::on_both_backends;

on_both_backends!(
    upsert_returns_the_previous_record_and_keeps_one_row,
    upsert_leaves_the_manual_fields_alone,
    concurrent_upserts_of_one_day_keep_one_row,
    an_absent_record_round_trips
);

/// Stores the detections, decides the day from what the store returns, and upserts it: the
/// worker's loop in miniature.
async fn decide(db: &TestDb, person: Uuid) -> faceattend_domain::attendance::DayRecord {
    let policy = AttendancePolicy::new(SiteZone::default());
    let (from, to) = policy.day_bounds(day());
    let sightings = db
        .store
        .sightings_for_day(person, from, to)
        .await
        .expect("sightings");
    let key = DayKey {
        person_id: person,
        date: day(),
    };
    decide_day(key, &sightings, &policy, &DaysOff::default())
        .record
        .expect("a record")
}

async fn rows_of(db: &TestDb, person: Uuid) -> Vec<attendance::Model> {
    attendance::Entity::find()
        .filter(attendance::Column::PersonId.eq(person))
        .all(db.store.connection())
        .await
        .expect("rows")
}

async fn upsert_returns_the_previous_record_and_keeps_one_row(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    let arrival = detection(person, at(8, 2, 0), 0.92);
    db.store.insert_detection(&arrival).await.expect("insert");
    let first = decide(&db, person).await;
    assert_eq!(first.status, AttendanceStatus::Present);

    let previous = db.store.upsert_day_record(&first).await.expect("upsert");
    assert_eq!(previous, None);
    assert_eq!(
        db.store.day_record(person, day()).await.expect("read"),
        Some(first.clone())
    );

    let departure = detection(person, at(17, 45, 0), 0.88);
    db.store.insert_detection(&departure).await.expect("insert");
    let second = decide(&db, person).await;
    let previous = db.store.upsert_day_record(&second).await.expect("upsert");
    assert_eq!(previous.as_ref(), Some(&first));
    let published = changes(previous.as_ref(), &second, DuplicateWindow::default());
    assert!(
        matches!(published.as_slice(), [AttendanceChange::CheckedOut { mark, .. }] if mark.detection_id == departure.id),
        "{published:?}"
    );

    // The same decision again: the previous record is the one just written.
    let previous = db.store.upsert_day_record(&second).await.expect("upsert");
    assert_eq!(previous.as_ref(), Some(&second));
    assert!(changes(previous.as_ref(), &second, DuplicateWindow::default()).is_empty());

    let rows = rows_of(&db, person).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].check_in_detection_id, Some(arrival.id));
    assert_eq!(rows[0].check_out_detection_id, Some(departure.id));
    assert_eq!(rows[0].check_in_source.as_deref(), Some("auto"));
    assert_eq!(rows[0].duration_minutes, Some(583));
}

async fn upsert_leaves_the_manual_fields_alone(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    db.store
        .insert_detection(&detection(person, at(8, 0, 0), 0.9))
        .await
        .expect("insert");
    let record = decide(&db, person).await;
    db.store.upsert_day_record(&record).await.expect("upsert");
    let row = rows_of(&db, person).await.remove(0);
    let mut manual: attendance::ActiveModel = row.clone().into();
    manual.remarks = Set(Some("badge forgotten".to_owned()));
    manual.approved_by = Set(Some("hr-1".to_owned()));
    manual
        .update(db.store.connection())
        .await
        .expect("manual edit");

    db.store.upsert_day_record(&record).await.expect("upsert");

    let after = rows_of(&db, person).await.remove(0);
    assert_eq!(after.id, row.id);
    assert_eq!(after.created_at, row.created_at);
    assert_eq!(after.remarks.as_deref(), Some("badge forgotten"));
    assert_eq!(after.approved_by.as_deref(), Some("hr-1"));
}

async fn concurrent_upserts_of_one_day_keep_one_row(backend: Backend) {
    let db = TestDb::new(backend).await;
    let person = Uuid::now_v7();
    db.store
        .insert_detection(&detection(person, at(8, 0, 0), 0.9))
        .await
        .expect("insert");
    let record = decide(&db, person).await;
    let writers: Vec<_> = (0..8)
        .map(|_| {
            let store = db.store.clone();
            let record = record.clone();
            tokio::spawn(async move { store.upsert_day_record(&record).await })
        })
        .collect();
    let mut firsts = 0;
    for writer in writers {
        if writer.await.expect("joins").expect("upsert").is_none() {
            firsts += 1;
        }
    }
    assert_eq!(firsts, 1, "exactly one writer created the row");
    assert_eq!(rows_of(&db, person).await.len(), 1);
}

async fn an_absent_record_round_trips(backend: Backend) {
    let db = TestDb::new(backend).await;
    let key = DayKey {
        person_id: Uuid::now_v7(),
        date: day(),
    };
    let absent = faceattend_domain::attendance::DayRecord::absent(key);
    assert_eq!(
        db.store.upsert_day_record(&absent).await.expect("upsert"),
        None
    );
    assert_eq!(
        db.store
            .day_record(key.person_id, key.date)
            .await
            .expect("read"),
        Some(absent)
    );
}
