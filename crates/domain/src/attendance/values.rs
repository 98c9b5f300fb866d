//! The validated inputs of the attendance rules.
//!
//! Each type checks its rule once, at construction, so the decision code never meets a
//! confidence of 1.3, a review threshold above the auto threshold, or a shift that never works.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Duration, NaiveDate, NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};

use super::RuleError;

/// A recognition confidence in [0, 1], as the face pipeline reports it (calibrated so that a
/// threshold stands for a known false-accept rate).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Confidence(f32);

impl Confidence {
    pub fn new(value: f32) -> Result<Self, RuleError> {
        if value.is_finite() && (0.0..=1.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err(RuleError::ConfidenceOutOfRange(value))
        }
    }

    pub fn value(self) -> f32 {
        self.0
    }
}

/// What a sighting's confidence lets the rules do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// At or above the auto threshold: may check in or out by itself.
    Act,
    /// At or above the review threshold, below auto: a person has to confirm it.
    Review,
    /// Below the review threshold: counted, never attended.
    Ignore,
}

/// The two confidence thresholds of an attendance rule (spec: `auto_check_in_threshold`,
/// `manual_review_threshold`), with review ≤ auto.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    auto: Confidence,
    review: Confidence,
}

impl Thresholds {
    /// The spec's `MIN_CONFIDENCE_FOR_AUTO_CHECK_IN` (the face crate's calibration uses the
    /// same number; the domain crate cannot depend on it, so the value is repeated here).
    pub const DEFAULT_AUTO: f32 = 0.7;
    /// The spec's `MIN_CONFIDENCE_FOR_REVIEW`.
    pub const DEFAULT_REVIEW: f32 = 0.6;

    pub fn new(auto: Confidence, review: Confidence) -> Result<Self, RuleError> {
        if review <= auto {
            Ok(Self { auto, review })
        } else {
            Err(RuleError::ThresholdsInverted {
                auto: auto.0,
                review: review.0,
            })
        }
    }

    pub fn auto(&self) -> Confidence {
        self.auto
    }

    pub fn review(&self) -> Confidence {
        self.review
    }

    /// Both thresholds are inclusive: exactly 0.7 acts, exactly 0.6 goes to review.
    pub fn band(&self, confidence: Confidence) -> Band {
        if confidence >= self.auto {
            Band::Act
        } else if confidence >= self.review {
            Band::Review
        } else {
            Band::Ignore
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            auto: Confidence(Self::DEFAULT_AUTO),
            review: Confidence(Self::DEFAULT_REVIEW),
        }
    }
}

/// Which way a camera looks: a declared entry or exit camera says what a sighting means by
/// itself; a camera that sees both ways (`Both`, also the role of an undeclared camera) leaves
/// it to the shift, or with no shift to the spec's time-of-day heuristic.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CameraRole {
    Entry,
    Exit,
    #[default]
    Both,
}

impl CameraRole {
    pub const ALL: &'static [CameraRole] = &[Self::Entry, Self::Exit, Self::Both];

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        match raw {
            "entry" => Ok(Self::Entry),
            "exit" => Ok(Self::Exit),
            "both" => Ok(Self::Both),
            other => Err(RuleError::UnknownCameraRole(other.to_owned())),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Entry => "entry",
            Self::Exit => "exit",
            Self::Both => "both",
        }
    }

    pub fn may_check_in(self) -> bool {
        self != Self::Exit
    }

    pub fn may_check_out(self) -> bool {
        self != Self::Entry
    }
}

impl FromStr for CameraRole {
    type Err = RuleError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

impl fmt::Display for CameraRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The spec's `DUPLICATE_CHECK_WINDOW`: sightings closer than this to a check-in are repeats
/// of it, not a check-out, and a check-out that moves by less than this is not republished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DuplicateWindow(Duration);

impl DuplicateWindow {
    pub const DEFAULT_MINUTES: i64 = 5;
    /// A larger window would swallow the check-out of a short visit and hide real moves.
    pub const MAX_MINUTES: i64 = 60;

    pub fn new(window: Duration) -> Result<Self, RuleError> {
        if window >= Duration::zero() && window <= Duration::minutes(Self::MAX_MINUTES) {
            Ok(Self(window))
        } else {
            Err(RuleError::DuplicateWindowOutOfRange {
                got_seconds: window.num_seconds(),
                max: Self::MAX_MINUTES,
            })
        }
    }

    pub fn from_minutes(minutes: i64) -> Result<Self, RuleError> {
        Self::new(Duration::try_minutes(minutes).unwrap_or(Duration::MAX))
    }

    pub fn duration(self) -> Duration {
        self.0
    }
}

impl Default for DuplicateWindow {
    fn default() -> Self {
        Self(Duration::minutes(Self::DEFAULT_MINUTES))
    }
}

/// The weekdays a shift is worked, as a set (spec `working_days`: 0 = Monday … 6 = Sunday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkingDays(u8);

impl WorkingDays {
    pub const MONDAY_TO_FRIDAY: Self = Self(0b001_1111);
    pub const EVERY_DAY: Self = Self(0b111_1111);

    /// From the spec's indices; repeats are harmless, an empty set is not (a shift that is
    /// never worked is a configuration mistake).
    pub fn from_indices(indices: &[u8]) -> Result<Self, RuleError> {
        let mut bits = 0u8;
        for &index in indices {
            if index > 6 {
                return Err(RuleError::InvalidWeekday(index));
            }
            bits |= 1 << index;
        }
        if bits == 0 {
            return Err(RuleError::NoWorkingDays);
        }
        Ok(Self(bits))
    }

    pub fn from_weekdays(days: impl IntoIterator<Item = Weekday>) -> Result<Self, RuleError> {
        let indices: Vec<u8> = days
            .into_iter()
            .map(|d| d.num_days_from_monday() as u8)
            .collect();
        Self::from_indices(&indices)
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// The spec's form, ascending.
    pub fn indices(self) -> Vec<u8> {
        (0..7).filter(|i| self.0 & (1 << i) != 0).collect()
    }
}

/// A shift (spec `AttendanceSession` with the rule's working days): when work starts and
/// ends, and how much lateness and early leave is forgiven.
///
/// `end <= start` means the shift crosses midnight (22:00–06:00); `end == start` is a 24-hour
/// shift. A night shift belongs to the day it starts, see [`work_day`](super::work_day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    start: NaiveTime,
    end: NaiveTime,
    late_grace_minutes: u32,
    early_leave_grace_minutes: u32,
    working_days: WorkingDays,
}

impl Shift {
    pub fn new(
        start: NaiveTime,
        end: NaiveTime,
        late_grace_minutes: u32,
        early_leave_grace_minutes: u32,
        working_days: WorkingDays,
    ) -> Result<Self, RuleError> {
        // chrono represents a leap second as a nanosecond count ≥ 1e9; no site's clock shows
        // one, and accepting it would make the shift's length off by a second.
        if start.nanosecond() >= 1_000_000_000 || end.nanosecond() >= 1_000_000_000 {
            return Err(RuleError::LeapSecondShiftTime);
        }
        let shift = Self {
            start,
            end,
            late_grace_minutes,
            early_leave_grace_minutes,
            working_days,
        };
        let shift_minutes = shift.nominal_length().num_minutes();
        for grace in [late_grace_minutes, early_leave_grace_minutes] {
            if i64::from(grace) > shift_minutes {
                return Err(RuleError::GraceLongerThanShift {
                    grace_minutes: grace,
                    shift_minutes,
                });
            }
        }
        Ok(shift)
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn end(&self) -> NaiveTime {
        self.end
    }

    pub fn late_grace_minutes(&self) -> u32 {
        self.late_grace_minutes
    }

    pub fn early_leave_grace_minutes(&self) -> u32 {
        self.early_leave_grace_minutes
    }

    pub fn working_days(&self) -> WorkingDays {
        self.working_days
    }

    pub fn crosses_midnight(&self) -> bool {
        self.end <= self.start
    }

    /// The length on the wall clock; on a DST change day the real length differs by the
    /// change, which the rules account for by working with instants.
    pub fn nominal_length(&self) -> Duration {
        let length = self.end - self.start;
        if self.crosses_midnight() {
            length + Duration::days(1)
        } else {
            length
        }
    }

    /// The local time at which one work day of this shift ends and the next begins.
    ///
    /// Midnight for a shift within one day. For a night shift, the middle of the off-duty gap
    /// (22:00–06:00 → 14:00): the sightings after midnight, at the end of the shift and for a
    /// while after it (a late leaver, a slow exit camera) still belong to the day the shift
    /// started, and a person arriving early for the next shift already counts for that one.
    pub(crate) fn day_boundary(&self) -> NaiveTime {
        if self.crosses_midnight() {
            self.end + (self.start - self.end) / 2
        } else {
            NaiveTime::MIN
        }
    }
}

/// One person's days off, as simple date sets: public holidays (spec exceptions with no
/// person) and approved leave (the person's exceptions). Which exception types count, and
/// whether unapproved ones do, is for whoever builds this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaysOff {
    pub holidays: BTreeSet<NaiveDate>,
    pub leave: BTreeSet<NaiveDate>,
}

impl DaysOff {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date) || self.leave.contains(&date)
    }
}
