//! A site's time zone, and which work day an instant belongs to.
//!
//! Detections carry UTC instants; people and reports think in the site's local days and
//! times. Converting an instant to local time is always unambiguous, but a local time may
//! occur twice (autumn DST change) or never (spring DST change), so every local time the
//! rules need — a day's boundary, a shift's start, the heuristic's 12:00 and 16:00 — is
//! turned into an instant by one rule, [`SiteZone::instant`]: the first instant at which the
//! site's clocks show that time or later. Durations (worked minutes, lateness) are then
//! differences of instants, so a night across a DST change is seven or nine hours long, as
//! it was.

use std::fmt;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use super::{RuleError, Shift};

/// The time zone of a site, configurable per site, by IANA name (`Europe/Berlin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteZone(Tz);

impl SiteZone {
    pub const UTC: Self = Self(Tz::UTC);

    /// IANA names are case-sensitive (`Europe/Berlin`, not `europe/berlin`), as in the tz
    /// database itself; fixed offsets such as `+02:00` are refused because they do not follow
    /// a site's DST changes.
    pub fn parse(name: &str) -> Result<Self, RuleError> {
        name.trim()
            .parse::<Tz>()
            .map(Self)
            .map_err(|_| RuleError::UnknownTimeZone(name.to_owned()))
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    pub fn tz(&self) -> Tz {
        self.0
    }

    /// The site's wall-clock reading at an instant.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.0).naive_local()
    }

    /// The first instant at which the site's clocks show `date` `time` or later.
    ///
    /// A time shown twice (autumn) gives its first occurrence; a time skipped (spring) gives
    /// the instant of the change, when the clocks jump past it. So consecutive days' values
    /// of the same local time are always in order, which is what makes [`work_day`]
    /// monotonic in time.
    pub fn instant(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let local = date.and_time(time);
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(at) => at.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => earliest.with_timezone(&Utc),
            LocalResult::None => self.end_of_gap(local),
        }
    }

    /// The first whole second whose local reading is at least `local`, for a `local` that
    /// falls in a gap. Around a gap the local reading only moves forward, so the predicate is
    /// monotonic within a day either side and a bisection finds the change exactly, however
    /// long the gap (Samoa skipped a whole day in 2011).
    fn end_of_gap(&self, local: NaiveDateTime) -> DateTime<Utc> {
        const DAY: i64 = 86_400;
        // Offsets lie within ±14 h, so the instant sought is within a day of `local`-as-UTC.
        let guess = local.and_utc().timestamp();
        let (mut before, mut after) = (guess - DAY, guess + DAY);
        while after - before > 1 {
            let mid = before + (after - before) / 2;
            if self.reading(mid) >= local {
                after = mid;
            } else {
                before = mid;
            }
        }
        DateTime::from_timestamp(after, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    fn reading(&self, timestamp: i64) -> NaiveDateTime {
        DateTime::from_timestamp(timestamp, 0)
            .map(|at| self.local(at))
            .unwrap_or(NaiveDateTime::MAX)
    }
}

impl Default for SiteZone {
    fn default() -> Self {
        Self::UTC
    }
}

impl fmt::Display for SiteZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for SiteZone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// The local time at which one work day ends and the next begins (see
/// [`Shift::day_boundary`]): midnight without a shift or with a day shift.
fn boundary(shift: Option<&Shift>) -> NaiveTime {
    shift.map_or(NaiveTime::MIN, Shift::day_boundary)
}

/// The work day an instant belongs to: the site's local date, except that for a night shift
/// the hours after midnight, up to the middle of the off-duty gap, belong to the day the shift
/// started.
///
/// Defined through [`day_bounds`]: the day `d` with `start(d) ≤ at < start(d + 1)`, so it
/// never goes backwards as time goes on, even across a DST change or a skipped day.
pub fn work_day(at: DateTime<Utc>, zone: SiteZone, shift: Option<&Shift>) -> NaiveDate {
    let time = boundary(shift);
    let local = zone.local(at).date();
    // The answer is within a day of the local date: the boundary is a time of that day.
    let candidates = [local.succ_opt(), Some(local), local.pred_opt()];
    candidates
        .into_iter()
        .flatten()
        .find(|day| zone.instant(*day, time) <= at)
        .unwrap_or_else(|| local.pred_opt().unwrap_or(local))
}

/// The half-open UTC interval `[start, end)` of the instants whose [`work_day`] is `date`:
/// what the worker queries to recompute a day. Usually 24 hours; 23 or 25 across a DST
/// change; empty for a day a zone skipped.
pub fn day_bounds(
    date: NaiveDate,
    zone: SiteZone,
    shift: Option<&Shift>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let time = boundary(shift);
    let start = zone.instant(date, time);
    let end = date
        .succ_opt()
        .map_or(DateTime::<Utc>::MAX_UTC, |next| zone.instant(next, time));
    (start, end)
}
