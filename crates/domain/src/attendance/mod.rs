//! The attendance decision rules: from a person's sightings to their attendance for a day.
//!
//! Everything here is a pure function of its inputs: no clock, no I/O. The attendance worker
//! stores every detection and, each time one arrives, recomputes the person's whole work day
//! with [`decide_day`] from the full set of that day's sightings. So a detection that is
//! redelivered, arrives late or arrives out of order gives the same day record as if every
//! detection had arrived once and in order: the decision depends on the set, not on the
//! history. [`changes`] then says what, if anything, is worth publishing.
//!
//! The parts:
//! - `values`: validated inputs: [`Confidence`], [`Thresholds`], [`CameraRole`],
//!   [`DuplicateWindow`], [`WorkingDays`], [`Shift`], [`DaysOff`].
//! - `calendar`: a site's time zone ([`SiteZone`]) and the work day an instant belongs to
//!   ([`work_day`], [`day_bounds`]), DST-safe.
//! - `rules`: the decisions ([`decide_day`]): check-in, check-out, status, lateness, the
//!   review queue; and the changes to publish ([`changes`]).
//!
//! Spec values kept: auto threshold 0.7, review threshold 0.6, duplicate window 5 minutes,
//! the no-shift heuristic (before 12:00 check-in, 12:00–16:00 review, from 16:00 check-out),
//! and the statuses `present`, `absent`, `late`, `early_leave`, `pending`.

mod calendar;
mod rules;
mod values;

#[cfg(test)]
mod tests;

pub use calendar::{SiteZone, day_bounds, work_day};
pub use rules::{
    AppearanceCapture, Assessment, AttendanceChange, AttendancePolicy, AttendanceStatus,
    DayDecision, DayKey, DayRecord, Mark, PolicyDefaults, ReviewItem, ReviewReason, Sighting,
    SightingCounts, Verdict, appearance_key, assess, changes, decide_day, decide_days,
    expected_at_work, superseded,
};
pub use values::{
    Band, CameraRole, Confidence, DaysOff, DuplicateWindow, Shift, Thresholds, WorkingDays,
};

use crate::validation::FieldIssue;

/// An invalid input to the attendance rules (a rule, shift, zone or sighting value).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    #[error("confidence must be a number in [0, 1], got {0}")]
    ConfidenceOutOfRange(f32),
    #[error("the review threshold ({review}) must not exceed the auto threshold ({auto})")]
    ThresholdsInverted { auto: f32, review: f32 },
    #[error("unknown camera role {0:?}: must be one of entry, exit, both")]
    UnknownCameraRole(String),
    #[error("unknown time zone {0:?}: must be an IANA name such as Europe/Berlin")]
    UnknownTimeZone(String),
    #[error("working day {0} is not a weekday index: must be 0 (Monday) to 6 (Sunday)")]
    InvalidWeekday(u8),
    #[error("a shift needs at least one working day")]
    NoWorkingDays,
    #[error("a shift time must not be a leap second")]
    LeapSecondShiftTime,
    #[error("a grace period of {grace_minutes} min is longer than the {shift_minutes} min shift")]
    GraceLongerThanShift {
        grace_minutes: u32,
        shift_minutes: i64,
    },
    #[error("the duplicate window must be between 0 and {max} minutes, got {got_seconds} s")]
    DuplicateWindowOutOfRange { got_seconds: i64, max: i64 },
}

impl RuleError {
    /// Stable, machine-readable: the code an API reports for the field that held the value.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ConfidenceOutOfRange(_) => "invalid_confidence",
            Self::ThresholdsInverted { .. } => "invalid_thresholds",
            Self::UnknownCameraRole(_) => "invalid_camera_role",
            Self::UnknownTimeZone(_) => "invalid_time_zone",
            Self::InvalidWeekday(_) | Self::NoWorkingDays => "invalid_working_days",
            Self::LeapSecondShiftTime => "invalid_time",
            Self::GraceLongerThanShift { .. } => "invalid_grace_period",
            Self::DuplicateWindowOutOfRange { .. } => "invalid_duplicate_window",
        }
    }
}

/// So the HTTP edge can report a bad rule value like any other invalid field.
impl From<RuleError> for FieldIssue {
    fn from(error: RuleError) -> Self {
        FieldIssue::new(error.code(), error.to_string())
    }
}
