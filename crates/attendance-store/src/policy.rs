//! Which rules apply to whom: each person's [`AttendancePolicy`] and days off, read from the
//! stored shifts (`attendance_sessions`), the active rule (`attendance_rules`) and the
//! exceptions (`attendance_exceptions`), over the defaults a service is configured with.
//!
//! The spec links no person to a shift, so the link is the organisation: a person works the
//! active shift of their organisation, else the active shift that names no organisation, else
//! the active rule's hours, else none (and the spec's time-of-day heuristic decides). The
//! active rule also gives the working days and the confidence thresholds. When an
//! organisation has several active shifts, the one created first is used: attendance cannot
//! tell which of them a person works, and a stable choice keeps recomputations stable.
//!
//! Days off are holidays (exceptions without a person: for everyone, or for the persons of
//! one organisation) and a person's leave, once approved or when they need no approval. A
//! `special_event` excuses nobody: people are expected at it.

use std::collections::{BTreeSet, HashMap};
use std::ops::RangeInclusive;

use chrono::NaiveDate;
pub use faceattend_domain::attendance::PolicyDefaults;
use faceattend_domain::attendance::{
    AttendancePolicy, Confidence, DaysOff, Shift, Thresholds, WorkingDays, expected_at_work,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::StoreError;
use crate::entities::{attendance_exception, attendance_rule, attendance_session};

/// The policies and days off in force, loaded once for a batch of decisions.
#[derive(Debug, Clone)]
pub struct PolicyBook {
    /// The policy of a person whose organisation has no shift of its own.
    general: AttendancePolicy,
    /// Organisation → its policy, for organisations with a shift of their own.
    by_organization: HashMap<String, AttendancePolicy>,
    holidays: BTreeSet<NaiveDate>,
    /// Organisation → its own holidays (on top of everyone's).
    organization_holidays: HashMap<String, BTreeSet<NaiveDate>>,
    leave: HashMap<Uuid, BTreeSet<NaiveDate>>,
}

impl PolicyBook {
    /// The book for decisions on work days within `dates` (exceptions outside it are not
    /// read: a year of leave for every person would be most of the table).
    pub async fn load<C: ConnectionTrait>(
        conn: &C,
        defaults: &PolicyDefaults,
        dates: RangeInclusive<NaiveDate>,
    ) -> Result<Self, StoreError> {
        let rule = attendance_rule::Entity::find()
            .filter(attendance_rule::Column::IsActive.eq(true))
            .order_by_asc(attendance_rule::Column::CreatedAt)
            .order_by_asc(attendance_rule::Column::Id)
            .one(conn)
            .await?;
        let sessions = attendance_session::Entity::find()
            .filter(attendance_session::Column::IsActive.eq(true))
            .order_by_asc(attendance_session::Column::CreatedAt)
            .order_by_asc(attendance_session::Column::Id)
            .all(conn)
            .await?;
        let exceptions = attendance_exception::Entity::find()
            .filter(attendance_exception::Column::ExceptionDate.gte(*dates.start()))
            .filter(attendance_exception::Column::ExceptionDate.lte(*dates.end()))
            .all(conn)
            .await?;
        Self::from_rows(defaults, rule.as_ref(), &sessions, &exceptions)
    }

    fn from_rows(
        defaults: &PolicyDefaults,
        rule: Option<&attendance_rule::Model>,
        sessions: &[attendance_session::Model],
        exceptions: &[attendance_exception::Model],
    ) -> Result<Self, StoreError> {
        let (working_days, thresholds, rule_shift) = match rule {
            Some(rule) => {
                let corrupt =
                    |reason: String| StoreError::corrupt("attendance_rules", rule.id, reason);
                let indices: Vec<u8> = serde_json::from_str(&rule.working_days)
                    .map_err(|e| corrupt(format!("working_days: {e}")))?;
                let working_days =
                    WorkingDays::from_indices(&indices).map_err(|e| corrupt(e.to_string()))?;
                let confidence =
                    |value: f32| Confidence::new(value).map_err(|e| corrupt(e.to_string()));
                let thresholds = Thresholds::new(
                    confidence(rule.auto_check_in_threshold)?,
                    confidence(rule.manual_review_threshold)?,
                )
                .map_err(|e| corrupt(e.to_string()))?;
                // The rule's hours are a shift without grace: the spec's rule has none.
                let shift = Shift::new(rule.start_time, rule.end_time, 0, 0, working_days)
                    .map_err(|e| corrupt(e.to_string()))?;
                (working_days, thresholds, Some(shift))
            }
            None => (WorkingDays::MONDAY_TO_FRIDAY, defaults.thresholds, None),
        };
        let policy = |shift: Option<Shift>| AttendancePolicy {
            zone: defaults.zone,
            shift,
            thresholds,
            duplicate_window: defaults.duplicate_window,
        };
        let session_shift = |session: &attendance_session::Model| {
            let corrupt =
                |reason: String| StoreError::corrupt("attendance_sessions", session.id, reason);
            let grace = |value: i32| u32::try_from(value).map_err(|e| corrupt(e.to_string()));
            Shift::new(
                session.start_time,
                session.end_time,
                grace(session.grace_period_minutes)?,
                grace(session.early_leave_grace_minutes)?,
                working_days,
            )
            .map_err(|e| corrupt(e.to_string()))
        };

        let mut general_shift = rule_shift;
        let mut by_organization = HashMap::new();
        // Sessions come oldest first: the first one of an organisation wins.
        let mut general_from_session = false;
        for session in sessions {
            match &session.organization {
                Some(organization) if !by_organization.contains_key(organization) => {
                    by_organization
                        .insert(organization.clone(), policy(Some(session_shift(session)?)));
                }
                None if !general_from_session => {
                    general_shift = Some(session_shift(session)?);
                    general_from_session = true;
                }
                _ => {}
            }
        }

        let mut holidays = BTreeSet::new();
        let mut organization_holidays: HashMap<String, BTreeSet<NaiveDate>> = HashMap::new();
        let mut leave: HashMap<Uuid, BTreeSet<NaiveDate>> = HashMap::new();
        for exception in exceptions {
            if exception.requires_approval && !exception.approved {
                continue;
            }
            match (exception.exception_type.as_str(), exception.person_id) {
                ("holiday", None) => match &exception.organization {
                    None => {
                        holidays.insert(exception.exception_date);
                    }
                    Some(organization) => {
                        organization_holidays
                            .entry(organization.clone())
                            .or_default()
                            .insert(exception.exception_date);
                    }
                },
                // A holiday given to one person is leave in all but name.
                ("leave" | "holiday", Some(person)) => {
                    leave
                        .entry(person)
                        .or_default()
                        .insert(exception.exception_date);
                }
                _ => {}
            }
        }
        Ok(Self {
            general: policy(general_shift),
            by_organization,
            holidays,
            organization_holidays,
            leave,
        })
    }

    /// The policy of a person of `organization` (from the person directory).
    pub fn policy_for(&self, organization: Option<&str>) -> &AttendancePolicy {
        organization
            .and_then(|org| self.by_organization.get(org))
            .unwrap_or(&self.general)
    }

    /// The holidays of a person of `organization` within the loaded dates: everyone's and
    /// their organisation's.
    fn holidays_for(&self, organization: Option<&str>) -> BTreeSet<NaiveDate> {
        let mut holidays = self.holidays.clone();
        if let Some(own) = organization.and_then(|org| self.organization_holidays.get(org)) {
            holidays.extend(own.iter().copied());
        }
        holidays
    }

    /// The days off, within the loaded dates, of a person of `organization` (from the
    /// person directory).
    pub fn days_off(&self, person_id: Uuid, organization: Option<&str>) -> DaysOff {
        DaysOff {
            holidays: self.holidays_for(organization),
            leave: self.leave.get(&person_id).cloned().unwrap_or_default(),
        }
    }

    /// Whether a person of `organization` is expected at work on `date`.
    pub fn expected_at_work(
        &self,
        person_id: Uuid,
        organization: Option<&str>,
        date: NaiveDate,
    ) -> bool {
        let off = self.holidays.contains(&date)
            || organization
                .and_then(|org| self.organization_holidays.get(org))
                .is_some_and(|own| own.contains(&date))
            || self
                .leave
                .get(&person_id)
                .is_some_and(|l| l.contains(&date));
        !off && expected_at_work(
            date,
            self.policy_for(organization).shift.as_ref(),
            &DaysOff::default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, Utc};

    use super::*;

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn session(
        name: &str,
        org: Option<&str>,
        start: NaiveTime,
        end: NaiveTime,
        minute: u32,
    ) -> attendance_session::Model {
        attendance_session::Model {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            start_time: start,
            end_time: end,
            expected_duration_minutes: 480,
            grace_period_minutes: 10,
            early_leave_grace_minutes: 5,
            is_active: true,
            organization: org.map(str::to_owned),
            created_at: chrono::DateTime::from_timestamp(1_700_000_000 + i64::from(minute) * 60, 0)
                .unwrap(),
            updated_at: Utc::now(),
        }
    }

    fn exception(
        person: Option<Uuid>,
        date: &str,
        kind: &str,
        approved: bool,
    ) -> attendance_exception::Model {
        attendance_exception::Model {
            id: Uuid::now_v7(),
            person_id: person,
            exception_date: date.parse().unwrap(),
            exception_type: kind.to_owned(),
            reason: "r".to_owned(),
            requires_approval: true,
            approved,
            approved_by: None,
            approved_at: None,
            created_at: Utc::now(),
            organization: None,
        }
    }

    #[test]
    fn shifts_go_by_organization_then_general_then_none() {
        let defaults = PolicyDefaults::default();
        let empty = PolicyBook::from_rows(&defaults, None, &[], &[]).unwrap();
        assert_eq!(empty.policy_for(Some("ACME")).shift, None);

        let sessions = [
            session("Night", Some("ACME"), time(22, 0), time(6, 0), 0),
            session("Day", None, time(9, 0), time(17, 0), 1),
            session("Late night", Some("ACME"), time(23, 0), time(7, 0), 2),
        ];
        let book = PolicyBook::from_rows(&defaults, None, &sessions, &[]).unwrap();
        let acme = book.policy_for(Some("ACME")).shift.clone().unwrap();
        assert_eq!(
            acme.start(),
            time(22, 0),
            "the first shift of an organisation wins"
        );
        assert_eq!(acme.late_grace_minutes(), 10);
        let other = book.policy_for(Some("Other")).shift.clone().unwrap();
        assert_eq!(other.start(), time(9, 0));
        assert_eq!(
            book.policy_for(None).shift.as_ref().unwrap().start(),
            time(9, 0)
        );
    }

    #[test]
    fn the_active_rule_gives_days_thresholds_and_hours() {
        let rule = attendance_rule::Model {
            id: Uuid::now_v7(),
            name: "Standard Working Hours".to_owned(),
            working_days: "[0,1,2,3,4,5]".to_owned(),
            start_time: time(8, 0),
            end_time: time(16, 0),
            min_presence_percentage: 80.0,
            auto_check_in_threshold: 0.8,
            manual_review_threshold: 0.5,
            is_active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let book =
            PolicyBook::from_rows(&PolicyDefaults::default(), Some(&rule), &[], &[]).unwrap();
        let policy = book.policy_for(None);
        assert_eq!(policy.thresholds.auto().value(), 0.8);
        let shift = policy.shift.as_ref().unwrap();
        assert_eq!((shift.start(), shift.late_grace_minutes()), (time(8, 0), 0));
        let person = Uuid::now_v7();
        // 2026-03-07 is a Saturday: a working day under this rule.
        assert!(book.expected_at_work(person, None, "2026-03-07".parse().unwrap()));
        assert!(!book.expected_at_work(person, None, "2026-03-08".parse().unwrap()));

        let corrupt = attendance_rule::Model {
            working_days: "[7]".to_owned(),
            ..rule
        };
        assert!(
            PolicyBook::from_rows(&PolicyDefaults::default(), Some(&corrupt), &[], &[]).is_err()
        );
    }

    #[test]
    fn approved_holidays_and_leave_are_days_off() {
        let alice = Uuid::now_v7();
        let bob = Uuid::now_v7();
        let exceptions = [
            exception(None, "2026-03-02", "holiday", true),
            exception(Some(alice), "2026-03-03", "leave", true),
            exception(Some(bob), "2026-03-03", "leave", false),
            exception(Some(bob), "2026-03-04", "special_event", true),
        ];
        let book =
            PolicyBook::from_rows(&PolicyDefaults::default(), None, &[], &exceptions).unwrap();
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        assert!(!book.expected_at_work(bob, None, day("2026-03-02")));
        assert!(!book.expected_at_work(alice, None, day("2026-03-03")));
        assert!(
            book.expected_at_work(bob, None, day("2026-03-03")),
            "leave not approved yet"
        );
        assert!(
            book.expected_at_work(bob, None, day("2026-03-04")),
            "an event excuses nobody"
        );
        assert!(book.days_off(alice, None).contains(day("2026-03-03")));
        assert!(!book.days_off(bob, None).contains(day("2026-03-03")));
    }

    #[test]
    fn an_organisations_holiday_is_a_day_off_for_its_persons_only() {
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let exceptions = [attendance_exception::Model {
            organization: Some("ACME".to_owned()),
            requires_approval: false,
            ..exception(None, "2026-03-02", "holiday", false)
        }];
        let book =
            PolicyBook::from_rows(&PolicyDefaults::default(), None, &[], &exceptions).unwrap();
        let monday = "2026-03-02".parse::<NaiveDate>().unwrap();
        assert!(!book.expected_at_work(alice, Some("ACME"), monday));
        assert!(book.expected_at_work(bob, Some("Globex"), monday));
        assert!(book.expected_at_work(bob, None, monday));
        assert!(book.days_off(alice, Some("ACME")).contains(monday));
        assert!(!book.days_off(bob, Some("Globex")).contains(monday));
    }
}
