//! Who is in: each person's latest work day as the ATTENDANCE stream told it.
//!
//! The gateway answers `initial_status` from this board, never from attendance's database
//! (a service's database is its own). Every replica builds its own board: on start by
//! replaying the stream from the start of yesterday in the site's zone (a night shift's work
//! day began yesterday), then by following it.

use std::collections::HashMap;
use std::sync::RwLock;

use chrono::{DateTime, NaiveDate, Utc};
use faceattend_domain::attendance::SiteZone;
use serde::Serialize;
use uuid::Uuid;

use crate::events::{EventKind, StreamEvent};
use crate::protocol::timestamp;

/// A person's latest work day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonStatus {
    pub person_name: String,
    pub date: Option<NaiveDate>,
    pub status: Option<&'static str>,
    pub check_in: Option<DateTime<Utc>>,
    pub check_out: Option<DateTime<Utc>>,
    pub duration_minutes: Option<u32>,
}

/// The status fields of `initial_status` and `person_status_update`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatusView {
    pub checked_in: bool,
    pub check_in_time: Option<String>,
    /// Minutes since check-in while in; the day's worked minutes once out.
    pub current_duration_minutes: Option<i64>,
    pub status: Option<&'static str>,
}

impl PersonStatus {
    /// Applies an event of this person; an event about an earlier day than the latest one
    /// known (a correction of the past) leaves the current day alone.
    pub fn apply(&mut self, event: &StreamEvent) {
        if self.date.is_some_and(|date| event.date < date) {
            return;
        }
        if self.date != Some(event.date) {
            *self = Self {
                date: Some(event.date),
                ..Self::default()
            };
        }
        if !event.person_name.is_empty() {
            self.person_name.clone_from(&event.person_name);
        }
        match &event.kind {
            EventKind::CheckedIn { mark, status } => {
                self.check_in = Some(mark.at);
                self.status = status.or(self.status);
            }
            EventKind::CheckedOut {
                mark,
                check_in,
                duration_minutes,
                status,
            } => {
                self.check_out = Some(mark.at);
                if let Some(check_in) = check_in {
                    self.check_in = Some(check_in.at);
                }
                self.duration_minutes = *duration_minutes;
                self.status = status.or(self.status);
            }
            EventKind::StatusChanged { current, .. } => {
                self.status = *current;
                if current.is_none() {
                    // The day record is gone: nothing it said stands.
                    self.check_in = None;
                    self.check_out = None;
                    self.duration_minutes = None;
                }
            }
            EventKind::ReviewRequired { .. } => {}
        }
    }

    pub fn checked_in(&self) -> bool {
        self.check_in.is_some() && self.check_out.is_none()
    }

    pub fn view(&self, now: DateTime<Utc>) -> StatusView {
        let current_duration_minutes = match (self.check_in, self.check_out) {
            (Some(check_in), None) => Some((now - check_in).num_minutes().max(0)),
            (Some(check_in), Some(check_out)) => Some(
                self.duration_minutes
                    .map(i64::from)
                    .unwrap_or_else(|| (check_out - check_in).num_minutes().max(0)),
            ),
            _ => None,
        };
        StatusView {
            checked_in: self.checked_in(),
            check_in_time: self.check_in.map(timestamp),
            current_duration_minutes,
            status: self.status,
        }
    }
}

/// Every person's latest work day, shared by the feed (writer) and sessions (readers).
pub struct StatusBoard {
    zone: SiteZone,
    persons: RwLock<HashMap<Uuid, PersonStatus>>,
}

impl StatusBoard {
    pub fn new(zone: SiteZone) -> Self {
        Self {
            zone,
            persons: RwLock::default(),
        }
    }

    /// The instant from which the stream tells everything the board needs: the start of
    /// yesterday in the site's zone.
    pub fn replay_from(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = self.zone.local(now).date();
        let yesterday = today.pred_opt().unwrap_or(today);
        self.zone.instant(yesterday, chrono::NaiveTime::MIN)
    }

    /// Applies the event and returns the person's status after it.
    pub fn apply(&self, event: &StreamEvent) -> PersonStatus {
        let mut persons = self.persons.write().unwrap_or_else(|e| e.into_inner());
        let status = persons.entry(event.person_id).or_default();
        status.apply(event);
        status.clone()
    }

    /// The person's status now (their latest day, unless it ended before yesterday), for
    /// `initial_status`.
    pub fn current(&self, person_id: Uuid, now: DateTime<Utc>) -> PersonStatus {
        let persons = self.persons.read().unwrap_or_else(|e| e.into_inner());
        let today = self.zone.local(now).date();
        let yesterday = today.pred_opt().unwrap_or(today);
        persons
            .get(&person_id)
            .filter(|status| status.date.is_some_and(|date| date >= yesterday))
            .cloned()
            .unwrap_or_default()
    }

    /// The person's status now, whatever day it is of (rendering of replayed events).
    pub fn latest(&self, person_id: Uuid) -> PersonStatus {
        let persons = self.persons.read().unwrap_or_else(|e| e.into_inner());
        persons.get(&person_id).cloned().unwrap_or_default()
    }
}

/// The spec's `initial_status`.
#[derive(Debug, Serialize)]
pub struct InitialStatus {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub person_id: String,
    pub person_name: Option<String>,
    #[serde(flatten)]
    pub view: StatusView,
}

impl InitialStatus {
    pub fn new(person_id: Uuid, status: &PersonStatus, now: DateTime<Utc>) -> Self {
        Self {
            kind: "initial_status",
            person_id: person_id.to_string(),
            person_name: Some(status.person_name.clone()).filter(|n| !n.is_empty()),
            view: status.view(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Mark;

    fn event(date: NaiveDate, kind: EventKind) -> StreamEvent {
        StreamEvent {
            seq: 1,
            event_id: String::new(),
            occurred_at: Utc::now(),
            person_id: Uuid::nil(),
            person_name: "Ada".to_owned(),
            department: None,
            attendance_id: None,
            date,
            kind,
        }
    }

    fn mark(at: DateTime<Utc>) -> Mark {
        Mark {
            at,
            source: "auto",
            confidence: Some(0.9),
            camera_id: None,
        }
    }

    #[test]
    fn in_out_and_a_removed_day() {
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        let nine = day.and_hms_opt(9, 0, 0).unwrap().and_utc();
        let five = day.and_hms_opt(17, 0, 0).unwrap().and_utc();
        let mut status = PersonStatus::default();
        status.apply(&event(
            day,
            EventKind::CheckedIn {
                mark: mark(nine),
                status: Some("present"),
            },
        ));
        assert!(status.checked_in());
        assert_eq!(
            status
                .view(nine + chrono::Duration::minutes(435))
                .current_duration_minutes,
            Some(435)
        );
        status.apply(&event(
            day,
            EventKind::CheckedOut {
                mark: mark(five),
                check_in: Some(mark(nine)),
                duration_minutes: Some(480),
                status: Some("present"),
            },
        ));
        let view = status.view(five + chrono::Duration::hours(2));
        assert!(!view.checked_in);
        assert_eq!(view.current_duration_minutes, Some(480));

        // A correction of an earlier day does not touch today.
        status.apply(&event(
            day.pred_opt().unwrap(),
            EventKind::StatusChanged {
                previous: Some("present"),
                current: Some("late"),
            },
        ));
        assert_eq!(status.status, Some("present"));

        status.apply(&event(
            day,
            EventKind::StatusChanged {
                previous: Some("present"),
                current: None,
            },
        ));
        assert_eq!(status.check_in, None);
        assert!(!status.checked_in());
    }

    #[test]
    fn the_board_forgets_days_before_yesterday() {
        let board = StatusBoard::new(SiteZone::default());
        let now = Utc::now();
        let long_ago = now.date_naive() - chrono::Duration::days(3);
        let mut old = event(
            long_ago,
            EventKind::CheckedIn {
                mark: mark(now),
                status: Some("present"),
            },
        );
        old.person_id = Uuid::new_v4();
        board.apply(&old);
        assert!(!board.current(old.person_id, now).checked_in());
        assert!(board.latest(old.person_id).checked_in());
        assert_eq!(
            board.replay_from(now),
            (now.date_naive() - chrono::Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
        );
    }
}
