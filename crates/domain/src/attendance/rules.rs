//! The decisions: a person's work day from the set of their sightings, and what changed.
//!
//! [`decide_day`] is a function of the *set* of sightings: it removes repeats of a detection
//! id and sorts before it looks at anything, so redelivery and arrival order cannot change a
//! day. The rules, in order:
//!
//! 1. Confidence (see [`Thresholds::band`]): below review, counted and ignored; from review to
//!    auto, a review item (`low_confidence`); from auto, the sighting may act.
//! 2. Direction: an entry camera's sighting can only check in, an exit camera's only check
//!    out. A `both` camera's can do either when a shift is defined; with no shift, the spec's
//!    heuristic decides: before 12:00 local it can check in, from 16:00 it can check out, and
//!    in between it is a review item (`ambiguous_time`).
//! 3. Check-in: the earliest sighting that may check in.
//! 4. Check-out: the latest sighting that may check out and is at least the duplicate window
//!    after the check-in (so one appearance is never both). More sightings can only move the
//!    check-in earlier and the check-out later.
//! 5. Status: `late` when the check-in is more whole minutes after the shift's start than its
//!    grace; else `early_leave` when the check-out is more whole minutes before the shift's end
//!    than its grace; else `present`. Lateness and early leave only count on a day the person
//!    is expected at work ([`expected_at_work`]). A check-out without a check-in is `pending`
//!    (and a `no_check_in` review item); review items alone make the day `pending`.
//!    `absent` is never decided from sightings: it is what the day-end job records, with
//!    [`DayRecord::absent`], for a person expected at work who has no record.
//! 6. Appearances: a camera publishes the first good capture of a face at once and then a few
//!    clearly better ones while the face stays (its track). The captures of one appearance are
//!    one mark, never two: the first confident capture fixes the mark's time, and the best one
//!    (highest confidence) becomes its evidence, so later captures improve the record without
//!    moving it or publishing it again; a check-out is never taken from the check-in's
//!    appearance; one appearance files at most one review item per reason. A capture that a
//!    better capture of its own appearance attributes to someone else, or to nobody, is
//!    [`superseded`]: it never acts on its own (it is counted and left out).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::values::{Band, CameraRole, Confidence, DaysOff, DuplicateWindow, Shift, Thresholds};
use super::{SiteZone, WorkingDays, day_bounds, work_day};

/// One recognised face: a detection that the face pipeline attributed to a person.
/// (Unknown faces never become sightings; they are counted where they are detected.)
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sighting {
    /// The detection's id: the key for removing redelivered repeats, and the evidence.
    pub detection_id: Uuid,
    pub person_id: Uuid,
    pub camera_id: String,
    pub role: CameraRole,
    pub at: DateTime<Utc>,
    pub confidence: Confidence,
    /// A person's decision on this sighting, if one was made (review, correction).
    pub verdict: Option<Verdict>,
    /// The appearance (a camera's track of one face over several frames) this sighting is a
    /// capture of, as `<camera>/<track>`; `None` when the camera does not track.
    pub appearance: Option<String>,
    /// A better capture of the same appearance identified someone else or nobody
    /// ([`superseded`]): without a person's verdict, this sighting cannot act.
    pub superseded: bool,
}

/// One capture of an appearance, as [`superseded`] weighs it: who it was attributed to (or
/// nobody, for an unknown face) and how good the face was.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AppearanceCapture {
    pub detection_id: Uuid,
    pub person_id: Option<Uuid>,
    /// The face's quality score in [0, 1].
    pub quality: f32,
    /// A person decided it is no face or a bad capture: it weighs nothing.
    pub rejected: bool,
}

/// Whether the capture `detection_id` of `person_id` (quality `quality`) is overruled by a
/// capture of the same appearance with a strictly better face that names someone else or
/// nobody. The better face is the better evidence: a first capture that a camera published
/// early, the moment the face passed its quality gate, never keeps a mark that the
/// appearance's later, clearer captures contradict.
pub fn superseded(
    detection_id: Uuid,
    person_id: Uuid,
    quality: f32,
    appearance: &[AppearanceCapture],
) -> bool {
    appearance.iter().any(|other| {
        other.detection_id != detection_id
            && !other.rejected
            && other.quality > quality
            && other.person_id != Some(person_id)
    })
}

/// The key of a camera's appearance: a sighting's [`Sighting::appearance`].
pub fn appearance_key(camera_id: &str, track_id: &str) -> Option<String> {
    (!track_id.is_empty()).then(|| format!("{camera_id}/{track_id}"))
}

impl Sighting {
    /// Whether two sightings are captures of one appearance.
    fn same_appearance(&self, other: &Self) -> bool {
        self.detection_id == other.detection_id
            || (self.appearance.is_some() && self.appearance == other.appearance)
    }

    /// A total order over everything a sighting holds, so that when two deliveries of one
    /// detection id disagree (they should not) every order of arrival keeps the same one.
    fn content_cmp(&self, other: &Self) -> Ordering {
        self.at
            .cmp(&other.at)
            .then_with(|| self.confidence.value().total_cmp(&other.confidence.value()))
            .then_with(|| self.person_id.cmp(&other.person_id))
            .then_with(|| self.camera_id.cmp(&other.camera_id))
            .then_with(|| self.role.cmp(&other.role))
            .then_with(|| self.verdict.cmp(&other.verdict))
            .then_with(|| self.appearance.cmp(&other.appearance))
            .then_with(|| self.superseded.cmp(&other.superseded))
    }
}

/// The rules that apply to a person: their site's zone, their shift (if any), the rule's
/// thresholds and the duplicate window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttendancePolicy {
    pub zone: SiteZone,
    /// `None`: no shift is defined, and the spec's time-of-day heuristic applies.
    pub shift: Option<Shift>,
    pub thresholds: Thresholds,
    pub duplicate_window: DuplicateWindow,
}

impl AttendancePolicy {
    /// The spec's defaults (thresholds 0.7/0.6, window 5 min, no shift) in a site's zone.
    pub fn new(zone: SiteZone) -> Self {
        Self {
            zone,
            ..Self::default()
        }
    }

    pub fn with_shift(mut self, shift: Shift) -> Self {
        self.shift = Some(shift);
        self
    }

    /// The work day a sighting at `at` belongs to under this policy.
    pub fn work_day(&self, at: DateTime<Utc>) -> NaiveDate {
        work_day(at, self.zone, self.shift.as_ref())
    }

    /// The UTC interval of the instants whose work day is `date`.
    pub fn day_bounds(&self, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        day_bounds(date, self.zone, self.shift.as_ref())
    }
}

/// What a site is configured with (`SITE_TIMEZONE`, `AUTO_CHECK_IN_THRESHOLD`,
/// `MANUAL_REVIEW_THRESHOLD`, `DUPLICATE_CHECK_WINDOW`), for what the stored rules do not say.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PolicyDefaults {
    pub zone: SiteZone,
    /// Used while no rule is active.
    pub thresholds: Thresholds,
    pub duplicate_window: DuplicateWindow,
}

/// Whether a person is expected at work on a day: a working day of their shift (Monday to
/// Friday when no shift is defined, the spec's "Standard Working Hours"), and neither a
/// holiday nor leave. A night shift's day is the day it starts.
pub fn expected_at_work(date: NaiveDate, shift: Option<&Shift>, days_off: &DaysOff) -> bool {
    let working_days = shift.map_or(WorkingDays::MONDAY_TO_FRIDAY, Shift::working_days);
    working_days.contains(date.weekday()) && !days_off.contains(date)
}

/// One record per person and day: the key of [`DayRecord`] and of the worker's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DayKey {
    pub person_id: Uuid,
    pub date: NaiveDate,
}

/// A check-in or check-out, with the detection that made it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mark {
    pub detection_id: Uuid,
    pub at: DateTime<Utc>,
    pub confidence: Confidence,
    pub camera_id: String,
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(raw: &str) -> Option<Self> {
                match raw {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// The spec's attendance statuses.
    AttendanceStatus {
        /// Checked in on time (or on a day off, when lateness does not apply).
        Present => "present",
        /// Expected at work and never seen; recorded by the day-end job only.
        Absent => "absent",
        /// Checked in later than the shift's start plus its grace.
        Late => "late",
        /// Checked in on time, checked out before the shift's end less its grace.
        EarlyLeave => "early_leave",
        /// Only evidence a person has to confirm: review items, or a check-out without a
        /// check-in.
        Pending => "pending",
    }
);

string_enum!(
    /// Why a sighting needs a person's decision.
    ReviewReason {
        /// Confidence between the review and the auto threshold.
        LowConfidence => "low_confidence",
        /// Confident, from a camera that sees both ways, with no shift, between 12:00 and
        /// 16:00: the spec's heuristic cannot tell an arrival from a departure.
        AmbiguousTime => "ambiguous_time",
        /// A confident check-out with no check-in before it (e.g. the entry camera missed
        /// the person).
        NoCheckIn => "no_check_in",
    }
);

string_enum!(
    /// A person's decision on a sighting: a review item approved or rejected, or a
    /// correction ("this was not me"). It outranks confidence, camera and clock.
    Verdict {
        /// "Yes, this was them": it acts whatever its confidence; camera and shift (or the
        /// time of day) still decide which way.
        Confirmed => "confirmed",
        /// Confirmed as an arrival.
        CheckIn => "check_in",
        /// Confirmed as a departure.
        CheckOut => "check_out",
        /// "This was not them": left out, as if never seen.
        Rejected => "rejected",
    }
);

/// A sighting in the review queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewItem {
    pub detection_id: Uuid,
    pub at: DateTime<Utc>,
    pub confidence: Confidence,
    pub camera_id: String,
    pub reason: ReviewReason,
}

impl ReviewItem {
    fn new(s: &Sighting, reason: ReviewReason) -> Self {
        Self {
            detection_id: s.detection_id,
            at: s.at,
            confidence: s.confidence,
            camera_id: s.camera_id.clone(),
            reason,
        }
    }
}

/// A person's attendance for one work day (the decided part of the spec's `Attendance`).
///
/// Every decided field names its evidence: the check-in and check-out carry their detection
/// ids; `late_minutes` comes from the check-in, `early_leave_minutes` from the check-out,
/// `worked_minutes` from both, and `status_evidence` names the detection the status rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRecord {
    pub person_id: Uuid,
    pub date: NaiveDate,
    pub check_in: Option<Mark>,
    pub check_out: Option<Mark>,
    pub status: AttendanceStatus,
    /// The check-in for `present` and `late`, the check-out for `early_leave` and for a
    /// `pending` check-out without check-in, the first review item for a `pending` day with
    /// review items only; `None` for `absent`.
    pub status_evidence: Option<Uuid>,
    /// Whole minutes after the shift's start, when beyond the grace; else 0.
    pub late_minutes: u32,
    /// Whole minutes before the shift's end, when beyond the grace; else 0.
    pub early_leave_minutes: u32,
    /// Whole minutes from check-in to check-out (the spec's `duration_minutes`), real time.
    pub worked_minutes: Option<u32>,
}

impl DayRecord {
    /// The record of a person expected at work and not seen all day.
    pub fn absent(key: DayKey) -> Self {
        Self {
            person_id: key.person_id,
            date: key.date,
            check_in: None,
            check_out: None,
            status: AttendanceStatus::Absent,
            status_evidence: None,
            late_minutes: 0,
            early_leave_minutes: 0,
            worked_minutes: None,
        }
    }

    pub fn key(&self) -> DayKey {
        DayKey {
            person_id: self.person_id,
            date: self.date,
        }
    }
}

/// How the day's distinct sightings were used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SightingCounts {
    /// Distinct detection ids of this person and day.
    pub distinct: usize,
    /// Below the review threshold: ignored.
    pub below_review: usize,
    /// Between the review and the auto threshold: in the review queue.
    pub low_confidence: usize,
    /// At or above the auto threshold, or confirmed by a person.
    pub confident: usize,
    /// Rejected by a person: left out.
    pub rejected: usize,
    /// Overruled by a better capture of their appearance ([`superseded`]): left out.
    pub superseded: usize,
}

/// Everything decided about one person's work day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayDecision {
    pub key: DayKey,
    /// `None` when nothing was confident enough to act on or to review: there is nothing to
    /// record (the sightings are still counted).
    pub record: Option<DayRecord>,
    /// In time order.
    pub review: Vec<ReviewItem>,
    pub counts: SightingCounts,
}

/// Decides one person's work day from sightings in any order, with any repeats, that may
/// include other people's and other days' (those are left out).
pub fn decide_day(
    key: DayKey,
    sightings: &[Sighting],
    policy: &AttendancePolicy,
    days_off: &DaysOff,
) -> DayDecision {
    let day: Vec<&Sighting> = distinct_in_time_order(sightings)
        .into_iter()
        .filter(|s| s.person_id == key.person_id && policy.work_day(s.at) == key.date)
        .collect();
    decide_distinct(key, &day, policy, days_off)
}

/// Decides every person's every work day that the sightings touch: one decision per person
/// and day, whatever the input. For one policy; `days_off` gives each person's days off.
pub fn decide_days(
    sightings: &[Sighting],
    policy: &AttendancePolicy,
    days_off: impl Fn(Uuid) -> DaysOff,
) -> BTreeMap<DayKey, DayDecision> {
    let mut days: BTreeMap<DayKey, Vec<&Sighting>> = BTreeMap::new();
    for s in distinct_in_time_order(sightings) {
        let key = DayKey {
            person_id: s.person_id,
            date: policy.work_day(s.at),
        };
        days.entry(key).or_default().push(s);
    }
    days.into_iter()
        .map(|(key, day)| {
            let off = days_off(key.person_id);
            (key, decide_distinct(key, &day, policy, &off))
        })
        .collect()
}

/// One sighting per detection id, ordered by (time, detection id): the canonical form of a set
/// of sightings, whatever order and repeats it arrived in.
fn distinct_in_time_order(sightings: &[Sighting]) -> Vec<&Sighting> {
    let mut all: Vec<&Sighting> = sightings.iter().collect();
    all.sort_by(|a, b| {
        a.detection_id
            .cmp(&b.detection_id)
            .then_with(|| a.content_cmp(b))
    });
    all.dedup_by_key(|s| s.detection_id);
    all.sort_by_key(|s| (s.at, s.detection_id));
    all
}

/// The spec's heuristic for `both` cameras when no shift is defined.
const MORNING_ENDS: NaiveTime = NaiveTime::from_hms_opt(12, 0, 0).expect("valid time");
const EVENING_STARTS: NaiveTime = NaiveTime::from_hms_opt(16, 0, 0).expect("valid time");

/// The decision for one person's day from its distinct sightings in time order.
fn decide_distinct(
    key: DayKey,
    day: &[&Sighting],
    policy: &AttendancePolicy,
    days_off: &DaysOff,
) -> DayDecision {
    let shift = policy.shift.as_ref();
    // Without a shift, the heuristic's window edges as instants of this day (DST-safe).
    let heuristic = shift.is_none().then(|| {
        (
            policy.zone.instant(key.date, MORNING_ENDS),
            policy.zone.instant(key.date, EVENING_STARTS),
        )
    });
    let may_check_in = |s: &Sighting| match (s.verdict, s.role, heuristic) {
        (Some(Verdict::CheckIn), _, _) => true,
        (Some(Verdict::CheckOut), _, _) => false,
        (_, CameraRole::Both, Some((noon, _))) => s.at < noon,
        (_, role, _) => role.may_check_in(),
    };
    let may_check_out = |s: &Sighting| match (s.verdict, s.role, heuristic) {
        (Some(Verdict::CheckOut), _, _) => true,
        (Some(Verdict::CheckIn), _, _) => false,
        (_, CameraRole::Both, Some((_, evening))) => s.at >= evening,
        (_, role, _) => role.may_check_out(),
    };

    let mut counts = SightingCounts {
        distinct: day.len(),
        ..SightingCounts::default()
    };
    let mut review = Vec::new();
    let mut confident = Vec::new();
    for &s in day {
        let band = match s.verdict {
            Some(Verdict::Rejected) => {
                counts.rejected += 1;
                continue;
            }
            Some(_) => Band::Act,
            None if s.superseded => {
                counts.superseded += 1;
                continue;
            }
            None => policy.thresholds.band(s.confidence),
        };
        match band {
            Band::Ignore => counts.below_review += 1,
            Band::Review => {
                counts.low_confidence += 1;
                review.push(ReviewItem::new(s, ReviewReason::LowConfidence));
            }
            Band::Act => {
                counts.confident += 1;
                let afternoon =
                    heuristic.is_some_and(|(noon, evening)| s.at >= noon && s.at < evening);
                if s.verdict.is_none() && s.role == CameraRole::Both && afternoon {
                    review.push(ReviewItem::new(s, ReviewReason::AmbiguousTime));
                }
                confident.push(s);
            }
        }
    }

    let check_in = confident.iter().copied().find(|s| may_check_in(s));
    let window = policy.duplicate_window.duration();
    let check_out = confident.iter().rev().copied().find(|s| {
        may_check_out(s)
            && check_in.is_none_or(|ci| !s.same_appearance(ci) && s.at >= ci.at + window)
    });
    if let (None, Some(co)) = (check_in, check_out)
        && co.verdict.is_none()
    {
        review.push(ReviewItem::new(co, ReviewReason::NoCheckIn));
    }
    // One appearance, one item per reason: its best capture. A low-confidence capture of an
    // appearance that acted through another capture needs nobody's look.
    let in_review = review.clone();
    review.retain(|item| {
        let capture = |id: Uuid| day.iter().copied().find(|s| s.detection_id == id);
        let Some(s) = capture(item.detection_id) else {
            return true;
        };
        if item.reason == ReviewReason::LowConfidence
            && confident.iter().any(|c| c.same_appearance(s))
        {
            return false;
        }
        !in_review.iter().any(|other| {
            other.reason == item.reason
                && other.detection_id != item.detection_id
                && capture(other.detection_id).is_some_and(|o| o.same_appearance(s))
                && (other.confidence.value(), other.detection_id)
                    > (item.confidence.value(), item.detection_id)
        })
    });
    // Each mark: when the appearance was first confidently seen, on its best capture.
    let mark = |first: &Sighting, may: &dyn Fn(&Sighting) -> bool| {
        let best = confident
            .iter()
            .copied()
            .filter(|s| s.same_appearance(first) && may(s))
            .max_by(|a, b| {
                a.confidence
                    .value()
                    .total_cmp(&b.confidence.value())
                    .then_with(|| b.detection_id.cmp(&a.detection_id))
            })
            .unwrap_or(first);
        Mark {
            detection_id: best.detection_id,
            at: first.at,
            confidence: best.confidence,
            camera_id: first.camera_id.clone(),
        }
    };
    let check_in_mark = check_in.map(|ci| mark(ci, &may_check_in));
    let check_out_mark = check_out.map(|co| {
        // The appearance's first confident capture that could check out, at its time.
        let first = confident
            .iter()
            .copied()
            .find(|s| {
                s.same_appearance(co)
                    && may_check_out(s)
                    && check_in.is_none_or(|ci| s.at >= ci.at + window)
            })
            .unwrap_or(co);
        mark(first, &may_check_out)
    });
    review.sort_by_key(|r| (r.at, r.detection_id, r.reason));

    let Assessment {
        late_minutes,
        early_leave_minutes,
        worked_minutes,
    } = assess(
        key.date,
        check_in_mark.as_ref().map(|m| m.at),
        check_out_mark.as_ref().map(|m| m.at),
        policy,
        days_off,
    );
    let confirmed_departure = check_out.is_some_and(|co| co.verdict.is_some());
    let (status, status_evidence) = match (&check_in_mark, &check_out_mark, review.first()) {
        (Some(ci), _, _) if late_minutes > 0 => (AttendanceStatus::Late, ci.detection_id),
        (Some(_), Some(co), _) if early_leave_minutes > 0 => {
            (AttendanceStatus::EarlyLeave, co.detection_id)
        }
        (Some(ci), _, _) => (AttendanceStatus::Present, ci.detection_id),
        // A person confirmed the departure: there is nothing left to wait for.
        (None, Some(co), _) if confirmed_departure => (AttendanceStatus::Present, co.detection_id),
        (None, Some(co), _) => (AttendanceStatus::Pending, co.detection_id),
        (None, None, Some(first)) => (AttendanceStatus::Pending, first.detection_id),
        (None, None, None) => {
            return DayDecision {
                key,
                record: None,
                review,
                counts,
            };
        }
    };
    DayDecision {
        key,
        record: Some(DayRecord {
            person_id: key.person_id,
            date: key.date,
            check_in: check_in_mark,
            check_out: check_out_mark,
            status,
            status_evidence: Some(status_evidence),
            late_minutes,
            early_leave_minutes,
            worked_minutes,
        }),
        review,
        counts,
    }
}

/// What a day's check-in and check-out times come to under a policy, whoever set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Whole minutes after the shift's start, when beyond the grace; else 0.
    pub late_minutes: u32,
    /// Whole minutes before the shift's end, when beyond the grace; else 0.
    pub early_leave_minutes: u32,
    /// Whole minutes from check-in to check-out, real time.
    pub worked_minutes: Option<u32>,
}

impl Assessment {
    /// The status of a day with a check-in: late, else early leave, else present.
    pub fn status(&self) -> AttendanceStatus {
        if self.late_minutes > 0 {
            AttendanceStatus::Late
        } else if self.early_leave_minutes > 0 {
            AttendanceStatus::EarlyLeave
        } else {
            AttendanceStatus::Present
        }
    }
}

/// Lateness, early leave and worked time of work day `date` with these marks: the rules the
/// detections follow, applied also to marks entered by hand once they are approved.
/// Lateness and early leave only count on a day the person is expected at work.
pub fn assess(
    date: NaiveDate,
    check_in: Option<DateTime<Utc>>,
    check_out: Option<DateTime<Utc>>,
    policy: &AttendancePolicy,
    days_off: &DaysOff,
) -> Assessment {
    let schedule = policy
        .shift
        .as_ref()
        .filter(|sh| expected_at_work(date, Some(sh), days_off));
    let late_minutes = match (schedule, check_in) {
        (Some(sh), Some(at)) => {
            let start = policy.zone.instant(date, sh.start());
            beyond_grace(at - start, sh.late_grace_minutes())
        }
        _ => 0,
    };
    let early_leave_minutes = match (schedule, check_out) {
        (Some(sh), Some(at)) => {
            let end = shift_end(sh, date, policy.zone);
            beyond_grace(end - at, sh.early_leave_grace_minutes())
        }
        _ => 0,
    };
    Assessment {
        late_minutes,
        early_leave_minutes,
        worked_minutes: match (check_in, check_out) {
            (Some(ci), Some(co)) => Some(whole_minutes(co - ci)),
            _ => None,
        },
    }
}

/// The instant a shift that starts on `date` ends: the next day for a night shift.
fn shift_end(shift: &Shift, date: NaiveDate, zone: SiteZone) -> DateTime<Utc> {
    let end_date = if shift.crosses_midnight() {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    zone.instant(end_date, shift.end())
}

/// Whole minutes of a non-negative duration (negative counts as 0), saturating.
fn whole_minutes(d: Duration) -> u32 {
    u32::try_from(d.num_minutes().max(0)).unwrap_or(u32::MAX)
}

/// The whole minutes of `d` when they exceed the grace, else 0. Whole minutes, because camera
/// timestamps carry seconds that nobody means: 09:10:59 with ten minutes' grace is on time.
fn beyond_grace(d: Duration, grace_minutes: u32) -> u32 {
    let minutes = whole_minutes(d);
    if minutes > grace_minutes { minutes } else { 0 }
}

/// What the worker publishes when a recomputed day differs from the one before.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AttendanceChange {
    /// A first check-in, or one corrected earlier by at least the duplicate window.
    CheckedIn { key: DayKey, mark: Mark },
    /// A first check-out, or one moved by at least the duplicate window.
    CheckedOut { key: DayKey, mark: Mark },
    StatusChanged {
        key: DayKey,
        from: Option<AttendanceStatus>,
        to: AttendanceStatus,
        evidence: Option<Uuid>,
    },
}

/// The changes from `previous` (the day as last published; `None` for a first record) to
/// `next`, in the order check-in, check-out, status.
///
/// A check-in or check-out that moved by less than the duplicate window is not republished:
/// a person lingering in front of the exit camera would otherwise produce a check-out a
/// minute. Pass the record *as last published*, so that many small moves add up to one that
/// is published; the stored record is always the latest decision. A check-in or check-out
/// that disappears (only when sightings are deleted) is not published as such; the status
/// change that goes with it is. A mark at the same instant on other evidence (a better capture
/// of the same appearance) did not move.
pub fn changes(
    previous: Option<&DayRecord>,
    next: &DayRecord,
    window: DuplicateWindow,
) -> Vec<AttendanceChange> {
    let key = next.key();
    let moved = |before: Option<&Mark>, after: Option<&Mark>| match (before, after) {
        (_, None) => false,
        (None, Some(_)) => true,
        // Better evidence for the same moment (a later capture of the appearance) is no move.
        (Some(b), Some(a)) => a.at != b.at && (a.at - b.at).abs() >= window.duration(),
    };
    let mut out = Vec::new();
    if let Some(mark) = next.check_in.as_ref()
        && moved(previous.and_then(|p| p.check_in.as_ref()), Some(mark))
    {
        out.push(AttendanceChange::CheckedIn {
            key,
            mark: mark.clone(),
        });
    }
    if let Some(mark) = next.check_out.as_ref()
        && moved(previous.and_then(|p| p.check_out.as_ref()), Some(mark))
    {
        out.push(AttendanceChange::CheckedOut {
            key,
            mark: mark.clone(),
        });
    }
    let from = previous.map(|p| p.status);
    if from != Some(next.status) {
        out.push(AttendanceChange::StatusChanged {
            key,
            from,
            to: next.status,
            evidence: next.status_evidence,
        });
    }
    out
}
