//! `notifications` (the spec's `send_attendance_notifications`): today's late arrivals and
//! absences (today on the site's calendar), each told once, to the webhook and/or by email.
//!
//! `notifications_sent` (unique person, date and kind) is what makes the job safe to run
//! every ten minutes and again on demand: a notification is recorded once every configured
//! sink took it, and recorded ones are never sent again. A crash between the delivery and
//! the record sends that one again on the next run (at least once, never lost). With no
//! sink configured the job sends nothing and records nothing, and says so.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use faceattend_attendance_store::entities::{attendance, person_directory};
use faceattend_attendance_store::jobs::{self, NotificationKind};
use faceattend_domain::attendance::AttendanceStatus;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::sinks::Delivery;
use super::{Interrupt, JobRunner};
use crate::error::WorkerError;

pub async fn run(
    runner: &JobRunner,
    run_id: Uuid,
    person_id: Option<Uuid>,
    interrupt: &Interrupt,
) -> Result<Value, WorkerError> {
    let conn = runner.store.connection();
    let date = runner.today();
    let mut query = attendance::Entity::find()
        .filter(attendance::Column::AttendanceDate.eq(date))
        .filter(attendance::Column::Status.is_in([
            AttendanceStatus::Late.as_str(),
            AttendanceStatus::Absent.as_str(),
        ]))
        .order_by_asc(attendance::Column::Id);
    if let Some(person_id) = person_id {
        query = query.filter(attendance::Column::PersonId.eq(person_id));
    }
    let days = query.all(conn).await?;
    let people: HashMap<Uuid, person_directory::Model> = person_directory::Entity::find()
        .filter(person_directory::Column::PersonId.is_in(days.iter().map(|d| d.person_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|person| (person.person_id, person))
        .collect();
    let sent: HashSet<(Uuid, NotificationKind)> =
        jobs::notified(conn, date).await?.into_iter().collect();

    let mut due = Vec::new();
    for day in &days {
        let person = people.get(&day.person_id);
        // Deleted persons are no longer tracked, nor told about.
        if person.is_some_and(|p| p.deleted) {
            continue;
        }
        let kind = if day.status == AttendanceStatus::Late.as_str() {
            NotificationKind::LateArrival
        } else {
            NotificationKind::Absence
        };
        if sent.contains(&(day.person_id, kind)) {
            continue;
        }
        due.push((day, person, kind));
    }
    let already_sent = sent.len();
    if runner.sinks.is_empty() {
        return Ok(json!({
            "date": date.to_string(),
            "sinks": [],
            "skipped": "no sink",
            "due": due.len(),
            "sent": 0,
            "already_sent": already_sent,
        }));
    }

    let (mut delivered, mut failures) = (0usize, Vec::new());
    for (day, person, kind) in &due {
        interrupt.check()?;
        let name = person.map(|p| p.name.clone()).unwrap_or_default();
        let subject = match kind {
            NotificationKind::LateArrival => format!(
                "Late arrival: {name} on {date}, {} min late",
                day.late_minutes
            ),
            NotificationKind::Absence => format!("Absence: {name} on {date}"),
        };
        let delivery = Delivery {
            kind: kind.as_str(),
            subject,
            data: json!({
                "kind": kind.as_str(),
                "person_id": day.person_id,
                "person_name": name,
                "department": person.and_then(|p| p.department.clone()),
                "date": date.to_string(),
                "status": day.status,
                "check_in_time": day.check_in_time,
                "late_minutes": day.late_minutes,
                "attendance_id": day.id,
            }),
        };
        match runner.sinks.deliver(&delivery).await {
            Ok(()) => {
                jobs::record_notified(conn, day.person_id, date, *kind, Some(run_id), Utc::now())
                    .await?;
                delivered += 1;
            }
            Err(error) => failures.push(error.to_string()),
        }
    }
    if let Some(first) = failures.first() {
        // What was delivered is recorded; the next run sends the rest.
        return Err(WorkerError::Delivery(format!(
            "{} of {} notifications not delivered ({delivered} sent): {first}",
            failures.len(),
            due.len()
        )));
    }
    Ok(json!({
        "date": date.to_string(),
        "sinks": runner.sinks.names(),
        "due": due.len(),
        "sent": delivered,
        "already_sent": already_sent,
    }))
}
