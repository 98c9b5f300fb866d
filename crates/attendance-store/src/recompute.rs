//! Recomputing person-days: from the stored sightings, through the rules, to the day records,
//! the review queue and the `attendance.v1.*` events — the one path every change takes,
//! whether a detection arrived (attendance-worker), a person decided on one (attendance-api's
//! review queue and corrections) or a job catches up (reconcile, day end).
//!
//! Everything here runs inside the caller's write transaction, so a day record, its review
//! items and the events announcing them commit together or not at all. The work is set-based:
//! a batch of days costs a handful of statements, not a handful per day, which is what lets
//! the worker keep up with thousands of detections a second.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use faceattend_domain::attendance::{
    AttendanceStatus, DayKey, DayRecord, Sighting, changes, decide_day,
};
use faceattend_outbox::OutboxMessage;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{attendance, detection, person_directory, review_item};
use crate::events::{self, Cause, EventSubject, NewReviewItem};
use crate::policy::{PolicyBook, PolicyDefaults};
use crate::store::{days, detections, for_update, micros};
use crate::{ReviewState, StoreError};

/// What the directory says of the people whose days are recomputed, by id. A person the
/// directory has never heard of is tracked all the same (their events may simply not have
/// arrived yet); a deleted one is not.
pub type People = HashMap<Uuid, person_directory::Model>;

/// Makes transactions that decide the same persons' days take turns.
///
/// Two transactions deciding one person's day at once (two replicas, two batches) would each
/// read the sightings without the other's uncommitted one, and the later commit would
/// overwrite the earlier decision. On PostgreSQL a transaction-scoped advisory lock per
/// person makes the second wait and then read (read committed: a fresh snapshot per
/// statement) both; the locks are taken in id order, so two batches never deadlock. SQLite's
/// write transactions are exclusive already.
pub async fn lock_persons<C: ConnectionTrait>(
    conn: &C,
    persons: &BTreeSet<Uuid>,
) -> Result<(), StoreError> {
    if persons.is_empty() || conn.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let keys: Vec<String> = persons.iter().map(|p| lock_key(*p).to_string()).collect();
    // The subquery sorts before the outer query calls the lock function row by row.
    conn.execute_unprepared(&format!(
        "SELECT pg_advisory_xact_lock(k) FROM \
         (SELECT DISTINCT k FROM unnest(ARRAY[{}]::bigint[]) AS t(k) ORDER BY k) AS sorted",
        keys.join(",")
    ))
    .await?;
    Ok(())
}

fn lock_key(person_id: Uuid) -> i64 {
    let (high, _) = person_id.as_u64_pair();
    i64::from_ne_bytes(high.to_ne_bytes())
}

/// The directory's entries of `persons`, tombstones included.
pub async fn people<C: ConnectionTrait>(
    conn: &C,
    persons: &BTreeSet<Uuid>,
) -> Result<People, StoreError> {
    if persons.is_empty() {
        return Ok(People::new());
    }
    Ok(person_directory::Entity::find()
        .filter(person_directory::Column::PersonId.is_in(persons.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.person_id, p))
        .collect())
}

/// What became of one recomputed day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayOutcome {
    /// Entered by hand: a person's word, which the rules do not overwrite.
    Manual,
    /// The person was deleted: no longer tracked.
    PersonDeleted,
    /// Checked in or out.
    Attended,
    /// Only review items.
    Review,
    /// Nothing confident enough to record or review.
    Nothing,
}

/// What a recomputation did.
#[derive(Debug, Default)]
pub struct Recomputed {
    pub days: BTreeMap<DayKey, DayOutcome>,
    /// Review items that entered the queue.
    pub new_review_items: usize,
    /// The events enqueued in the outbox, by subject.
    pub events: Vec<String>,
}

/// Recomputes each day of `days` (with what caused it to be recomputed) and writes what
/// changed: the day record, its pending review items, and the events. Lock the persons first
/// ([`lock_persons`]) and pass their directory entries.
pub async fn recompute_days<C: ConnectionTrait>(
    conn: &C,
    book: &PolicyBook,
    people: &People,
    days: &BTreeMap<DayKey, Cause>,
    now: DateTime<Utc>,
) -> Result<Recomputed, StoreError> {
    let mut result = Recomputed::default();
    if days.is_empty() {
        return Ok(result);
    }
    let organization = |person: Uuid| people.get(&person).and_then(|p| p.organization.as_deref());
    let persons: BTreeSet<Uuid> = days.keys().map(|k| k.person_id).collect();
    let dates: BTreeSet<NaiveDate> = days.keys().map(|k| k.date).collect();

    // Every sighting any of these days can hold, in one read.
    let (from, to) = days
        .keys()
        .map(|key| {
            book.policy_for(organization(key.person_id))
                .day_bounds(key.date)
        })
        .fold(
            None,
            |acc: Option<(DateTime<Utc>, DateTime<Utc>)>, (f, t)| {
                Some(acc.map_or((f, t), |(af, at)| (af.min(f), at.max(t))))
            },
        )
        .unwrap_or((now, now));
    let mut sightings: HashMap<Uuid, Vec<Sighting>> = HashMap::new();
    for s in detections::sightings_of(conn, &persons, from, to).await? {
        sightings.entry(s.person_id).or_default().push(s);
    }

    let existing: HashMap<DayKey, attendance::Model> = for_update(
        conn,
        attendance::Entity::find()
            .filter(attendance::Column::PersonId.is_in(persons.iter().copied()))
            .filter(attendance::Column::AttendanceDate.is_in(dates.iter().copied())),
    )
    .all(conn)
    .await?
    .into_iter()
    .map(|row| {
        (
            DayKey {
                person_id: row.person_id,
                date: row.attendance_date,
            },
            row,
        )
    })
    .collect();

    // Decide every day first; then read the review items they touch, in one query.
    let mut decisions = Vec::with_capacity(days.len());
    for (key, cause) in days {
        let person = people.get(&key.person_id);
        if person.is_some_and(|p| p.deleted) {
            result.days.insert(*key, DayOutcome::PersonDeleted);
            continue;
        }
        if existing.get(key).is_some_and(|row| row.is_manual) {
            result.days.insert(*key, DayOutcome::Manual);
            continue;
        }
        let policy = book.policy_for(organization(key.person_id));
        let empty = Vec::new();
        let day_sightings = sightings.get(&key.person_id).unwrap_or(&empty);
        let days_off = book.days_off(key.person_id, organization(key.person_id));
        let decision = decide_day(*key, day_sightings, policy, &days_off);
        decisions.push((key, cause, policy, decision));
    }
    let review_ids: Vec<Uuid> = decisions
        .iter()
        .flat_map(|(_, _, _, d)| d.review.iter().map(|r| r.detection_id))
        .collect();
    let mut stored_review: Vec<review_item::Model> = Vec::new();
    if !decisions.is_empty() {
        let mut condition = Condition::any().add(
            Condition::all()
                .add(review_item::Column::PersonId.is_in(persons.iter().copied()))
                .add(review_item::Column::AttendanceDate.is_in(dates.iter().copied())),
        );
        if !review_ids.is_empty() {
            condition = condition.add(review_item::Column::DetectionId.is_in(review_ids));
        }
        stored_review = review_item::Entity::find()
            .filter(condition)
            .all(conn)
            .await?;
    }
    let by_detection: HashMap<Uuid, &review_item::Model> =
        stored_review.iter().map(|r| (r.detection_id, r)).collect();

    let mut outgoing: Vec<OutboxMessage> = Vec::new();
    let mut day_writes: Vec<(Uuid, DayRecord)> = Vec::new();
    let mut removed_days: Vec<Uuid> = Vec::new();
    let mut stale_review: Vec<Uuid> = Vec::new();
    let mut new_review: Vec<review_item::ActiveModel> = Vec::new();
    for (key, cause, policy, decision) in decisions {
        let person = people.get(&key.person_id);
        let existing_row = existing.get(key);
        let mut subject = EventSubject {
            attendance_id: existing_row.map(|row| row.id),
            person_id: key.person_id,
            person_name: person.map(|p| p.name.clone()).unwrap_or_default(),
            department: person.and_then(|p| p.department.clone()),
            date: key.date,
        };
        let previous = existing_row.map(days::to_record).transpose()?;
        // A stored day with nothing left to stand on (its sightings rejected, or it was an
        // absence) is an absence if the person was expected at work and the day is over —
        // what the day-end job records —, and otherwise no day at all.
        let record = decision.record.clone().or_else(|| {
            let over = key.date < policy.zone.local(now).date();
            let organization = person.and_then(|p| p.organization.as_deref());
            (existing_row.is_some()
                && over
                && book.expected_at_work(key.person_id, organization, key.date))
            .then(|| DayRecord::absent(*key))
        });
        match (&record, existing_row) {
            (Some(record), _) if previous.as_ref() == Some(record) => {}
            (Some(record), Some(row)) => day_writes.push((row.id, record.clone())),
            (Some(record), None) => {
                let id = Uuid::now_v7();
                subject.attendance_id = Some(id);
                day_writes.push((id, record.clone()));
            }
            (None, Some(row)) => {
                removed_days.push(row.id);
                if let Some(previous) = &previous {
                    outgoing.push(events::day_removed_message(previous, &subject, cause, now));
                }
            }
            (None, None) => {}
        }
        if let Some(record) = &record {
            for change in changes(previous.as_ref(), record, policy.duplicate_window) {
                outgoing.push(events::change_message(
                    &change, record, &subject, cause, now,
                ));
            }
        }

        // The review queue: this day's pending items that are no longer wanted go (and
        // those of its detections filed under another day); new ones come; decided items
        // are a person's word and stay.
        let wanted: HashMap<Uuid, &str> = decision
            .review
            .iter()
            .map(|r| (r.detection_id, r.reason.as_str()))
            .collect();
        for item in &stored_review {
            let here = item.person_id == key.person_id && item.attendance_date == key.date;
            let still_wanted =
                here && wanted.get(&item.detection_id) == Some(&item.reason.as_str());
            if item.state == ReviewState::Pending.as_str()
                && (here || wanted.contains_key(&item.detection_id))
                && !still_wanted
            {
                stale_review.push(item.id);
            }
        }
        for review in &decision.review {
            let kept = by_detection.get(&review.detection_id).is_some_and(|item| {
                item.state != ReviewState::Pending.as_str()
                    || (item.reason == review.reason.as_str() && item.attendance_date == key.date)
            });
            if kept {
                continue;
            }
            let id = Uuid::now_v7();
            new_review.push(review_item::ActiveModel {
                id: Set(id),
                detection_id: Set(review.detection_id),
                person_id: Set(key.person_id),
                attendance_date: Set(key.date),
                reason: Set(review.reason.as_str().to_owned()),
                confidence: Set(review.confidence.value()),
                camera_id: Set(review.camera_id.clone()),
                at: Set(micros(review.at)),
                state: Set(ReviewState::Pending.as_str().to_owned()),
                decided_by: Set(None),
                decided_at: Set(None),
            });
            let announced = NewReviewItem {
                review_item_id: id,
                detection_id: review.detection_id,
                camera_id: review.camera_id.clone(),
                at: review.at,
                confidence: review.confidence.value(),
                reason: review.reason.as_str().to_owned(),
            };
            outgoing.push(events::review_message(&announced, &subject, cause, now));
        }

        let outcome = match &decision.record {
            Some(r) if r.check_in.is_some() || r.check_out.is_some() => DayOutcome::Attended,
            _ if !decision.review.is_empty() => DayOutcome::Review,
            _ => DayOutcome::Nothing,
        };
        result.days.insert(*key, outcome);
    }

    let writes: Vec<(Uuid, &DayRecord)> = day_writes.iter().map(|(id, r)| (*id, r)).collect();
    days::write_many(conn, &writes, now).await?;
    if !removed_days.is_empty() {
        attendance::Entity::delete_many()
            .filter(attendance::Column::Id.is_in(removed_days))
            .exec(conn)
            .await?;
    }
    if !stale_review.is_empty() {
        review_item::Entity::delete_many()
            .filter(review_item::Column::Id.is_in(stale_review))
            .exec(conn)
            .await?;
    }
    result.new_review_items = new_review.len();
    if !new_review.is_empty() {
        review_item::Entity::insert_many(new_review)
            .on_conflict_do_nothing_on([review_item::Column::DetectionId])
            .exec_without_returning(conn)
            .await?;
    }
    result.events = outgoing.iter().map(|m| m.subject.clone()).collect();
    faceattend_outbox::enqueue_many(conn, outgoing).await?;
    Ok(result)
}

/// What [`reconcile`] did: the spec's `batch_process_recent_detections` summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileSummary {
    pub detections_processed: u64,
    /// Days that ended up checked in or out.
    pub auto_marked: u64,
    /// Days with review items only.
    pub requires_review: u64,
    /// Days that could not be recomputed (their error is logged by the caller's span).
    pub failed: u64,
}

/// How many days one reconcile transaction recomputes: small enough to keep each lock short.
const RECONCILE_CHUNK: usize = 200;

/// Recomputes every day touched by a recognised detection received since `since`: the
/// safety net under the event-driven path (the spec's `batch_process_recent_detections`),
/// which also catches days whose rules, shifts or exceptions changed.
pub async fn reconcile(
    db: &DatabaseConnection,
    defaults: &PolicyDefaults,
    since: DateTime<Utc>,
) -> Result<ReconcileSummary, StoreError> {
    let rows: Vec<(Uuid, DateTime<Utc>)> = detection::Entity::find()
        .select_only()
        .column(detection::Column::PersonId)
        .column(detection::Column::CapturedAt)
        .filter(detection::Column::ReceivedAt.gte(since))
        .filter(detection::Column::PersonId.is_not_null())
        .order_by_asc(detection::Column::CapturedAt)
        .into_tuple::<(Option<Uuid>, DateTime<Utc>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(person, at)| person.map(|p| (p, at)))
        .collect();
    let mut summary = ReconcileSummary {
        detections_processed: rows.len() as u64,
        ..ReconcileSummary::default()
    };
    let Some((first, last)) = rows.first().zip(rows.last()).map(|(f, l)| (f.1, l.1)) else {
        return Ok(summary);
    };
    let dates = (first - Duration::days(2)).date_naive()..=(last + Duration::days(2)).date_naive();
    let book = PolicyBook::load(db, defaults, dates).await?;
    let persons: BTreeSet<Uuid> = rows.iter().map(|(p, _)| *p).collect();
    let directory = people(db, &persons).await?;
    let keys: BTreeSet<DayKey> = rows
        .iter()
        .map(|(person, at)| {
            let org = directory
                .get(person)
                .and_then(|p| p.organization.as_deref());
            DayKey {
                person_id: *person,
                date: book.policy_for(org).work_day(*at),
            }
        })
        .collect();
    let run = Uuid::now_v7();
    let keys: Vec<DayKey> = keys.into_iter().collect();
    for chunk in keys.chunks(RECONCILE_CHUNK) {
        let days: BTreeMap<DayKey, Cause> = chunk
            .iter()
            .map(|key| (*key, Cause::decision(run, "reconcile")))
            .collect();
        match recompute_chunk(db, &book, &days).await {
            Ok(done) => {
                for outcome in done.days.values() {
                    match outcome {
                        DayOutcome::Attended => summary.auto_marked += 1,
                        DayOutcome::Review => summary.requires_review += 1,
                        _ => {}
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, days = chunk.len(), "reconcile: a chunk of days failed");
                summary.failed += chunk.len() as u64;
            }
        }
    }
    Ok(summary)
}

async fn recompute_chunk(
    db: &DatabaseConnection,
    book: &PolicyBook,
    days: &BTreeMap<DayKey, Cause>,
) -> Result<Recomputed, StoreError> {
    let txn = faceattend_outbox::begin_write(db).await?;
    let done = lock_and_recompute(&txn, book, days).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`recompute_days`] for callers that hold no lock yet: locks the days' persons, reads
/// their directory entries, then recomputes, all in `conn` (the caller's write transaction).
pub async fn lock_and_recompute<C: ConnectionTrait>(
    conn: &C,
    book: &PolicyBook,
    days: &BTreeMap<DayKey, Cause>,
) -> Result<Recomputed, StoreError> {
    let persons: BTreeSet<Uuid> = days.keys().map(|k| k.person_id).collect();
    lock_persons(conn, &persons).await?;
    let directory = people(conn, &persons).await?;
    recompute_days(conn, book, &directory, days, crate::store::now()).await
}

/// Records `absent` for every active, tracked person (employees and contractors; visitors
/// are never expected) who was expected at work on `date` and has no record of it: what the
/// day-end job does, since absence is never seen, only concluded. Returns how many were
/// marked; each gets a `status_changed` event. Running it twice marks nobody twice.
pub async fn mark_absences(
    db: &DatabaseConnection,
    defaults: &PolicyDefaults,
    date: NaiveDate,
) -> Result<u64, StoreError> {
    let book = PolicyBook::load(db, defaults, date..=date).await?;
    let candidates = person_directory::Entity::find()
        .filter(person_directory::Column::Deleted.eq(false))
        .filter(person_directory::Column::Status.eq("active"))
        .filter(person_directory::Column::PersonType.ne("visitor"))
        .order_by_asc(person_directory::Column::PersonId)
        .all(db)
        .await?;
    let expected: Vec<person_directory::Model> = candidates
        .into_iter()
        .filter(|p| book.expected_at_work(p.person_id, p.organization.as_deref(), date))
        .collect();
    let cause = Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("absences/{date}").as_bytes());
    let mut marked = 0;
    for chunk in expected.chunks(RECONCILE_CHUNK) {
        let txn = faceattend_outbox::begin_write(db).await?;
        let persons: BTreeSet<Uuid> = chunk.iter().map(|p| p.person_id).collect();
        lock_persons(&txn, &persons).await?;
        let recorded: HashSet<Uuid> = attendance::Entity::find()
            .select_only()
            .column(attendance::Column::PersonId)
            .filter(attendance::Column::PersonId.is_in(persons.iter().copied()))
            .filter(attendance::Column::AttendanceDate.eq(date))
            .into_tuple::<Uuid>()
            .all(&txn)
            .await?
            .into_iter()
            .collect();
        let now = crate::store::now();
        let mut absent = Vec::new();
        let mut messages = Vec::new();
        for person in chunk {
            if recorded.contains(&person.person_id) {
                continue;
            }
            let key = DayKey {
                person_id: person.person_id,
                date,
            };
            let record = DayRecord::absent(key);
            let id = Uuid::now_v7();
            let subject = EventSubject {
                attendance_id: Some(id),
                person_id: person.person_id,
                person_name: person.name.clone(),
                department: person.department.clone(),
                date,
            };
            let change = faceattend_domain::attendance::AttendanceChange::StatusChanged {
                key,
                from: None,
                to: AttendanceStatus::Absent,
                evidence: None,
            };
            messages.push(events::change_message(
                &change,
                &record,
                &subject,
                &Cause::decision(cause, "day-end"),
                now,
            ));
            absent.push((id, record));
        }
        let writes: Vec<(Uuid, &DayRecord)> = absent.iter().map(|(id, r)| (*id, r)).collect();
        days::write_many(&txn, &writes, now).await?;
        faceattend_outbox::enqueue_many(&txn, messages).await?;
        marked += absent.len() as u64;
        txn.commit().await?;
    }
    Ok(marked)
}
