//! When a job is due: a cron expression read on the site's wall clock.
//!
//! The expression is evaluated on the site's local, naive time (`SITE_TIMEZONE`), and each
//! local slot is then placed on the time line. Around a DST change that gives what an
//! operator expects of "23:30 every day" or "every 5 minutes":
//! - a local time the clocks skip (spring forward, e.g. 02:30 in Berlin on the last Sunday
//!   of March) does not exist, so that slot is skipped, not moved;
//! - a local time the clocks show twice (autumn) is one slot, at its first occurrence: the
//!   repeated hour runs once, not twice.
//!
//! Slots are instants (UTC) and every replica computes the same ones, which is what lets
//! the database keep each job to one run per slot (see `faceattend_attendance_store::jobs`).
//! Evaluation uses the `croner` crate on naive times, so its own DST policy never applies.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use croner::Cron;
use faceattend_domain::attendance::SiteZone;

/// Slots looked at before giving up on finding one that exists (a pattern that only names
/// skipped times, such as "30 2 29 3 *" in a zone that always skips 02:xx that day).
const MAX_CANDIDATES: usize = 1_000;

/// A parsed cron expression: five fields (minute hour day-of-month month day-of-week), or
/// six with seconds first.
#[derive(Clone)]
pub struct Schedule {
    expression: String,
    cron: Cron,
}

impl Schedule {
    pub fn parse(expression: &str) -> Result<Self, String> {
        let expression = expression.trim();
        let cron = Cron::from_str(expression).map_err(|e| format!("{expression:?}: {e}"))?;
        Ok(Self {
            expression: expression.to_owned(),
            cron,
        })
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first slot strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>, zone: SiteZone) -> Option<DateTime<Utc>> {
        let tz = zone.tz();
        let mut cursor = after.with_timezone(&tz).naive_local();
        for _ in 0..MAX_CANDIDATES {
            cursor = self.cron.find_next_occurrence(&cursor, false).ok()?;
            if let Some(slot) = place(&tz, cursor)
                && slot > after
            {
                return Some(slot);
            }
        }
        None
    }

    /// The last slot at or before `at`.
    pub fn last_at_or_before(&self, at: DateTime<Utc>, zone: SiteZone) -> Option<DateTime<Utc>> {
        let tz = zone.tz();
        let mut cursor = at.with_timezone(&tz).naive_local();
        let mut inclusive = true;
        for _ in 0..MAX_CANDIDATES {
            cursor = self
                .cron
                .find_previous_occurrence(&cursor, inclusive)
                .ok()?;
            inclusive = false;
            if let Some(slot) = place(&tz, cursor)
                && slot <= at
            {
                return Some(slot);
            }
        }
        None
    }
}

/// The instant a local slot names: none in a gap, the first in an overlap.
fn place<Tz: TimeZone>(tz: &Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Some(at.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schedule({:?})", self.expression)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn berlin() -> SiteZone {
        SiteZone::parse("Europe/Berlin").unwrap_or_else(|e| panic!("{e}"))
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .unwrap_or_else(|| panic!("valid instant"))
    }

    fn schedule(expression: &str) -> Schedule {
        Schedule::parse(expression).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every slot in `[from, to)`.
    fn slots(
        schedule: &Schedule,
        zone: SiteZone,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = from - chrono::Duration::seconds(1);
        while let Some(slot) = schedule.next_after(cursor, zone) {
            if slot >= to {
                break;
            }
            out.push(slot);
            cursor = slot;
        }
        out
    }

    #[test]
    fn the_spec_defaults_parse_and_garbage_does_not() {
        for expression in ["*/5 * * * *", "30 23 * * *", "0 1 1 * *", "0 2 * * *"] {
            assert!(Schedule::parse(expression).is_ok(), "{expression}");
        }
        for expression in ["", "every day", "61 * * * *", "* * * *"] {
            assert!(Schedule::parse(expression).is_err(), "{expression}");
        }
    }

    #[test]
    fn daily_slots_follow_the_site_clock() {
        // 23:30 in Berlin is 22:30 UTC in winter, 21:30 UTC in summer.
        let daily = schedule("30 23 * * *");
        assert_eq!(
            daily.next_after(utc(2026, 1, 15, 12, 0), berlin()),
            Some(utc(2026, 1, 15, 22, 30))
        );
        assert_eq!(
            daily.next_after(utc(2026, 7, 15, 12, 0), berlin()),
            Some(utc(2026, 7, 15, 21, 30))
        );
        assert_eq!(
            daily.next_after(utc(2026, 7, 15, 21, 30), berlin()),
            Some(utc(2026, 7, 16, 21, 30)),
            "strictly after"
        );
    }

    #[test]
    fn a_slot_the_clocks_skip_is_skipped() {
        // 2026-03-29: Berlin's clocks jump from 02:00 to 03:00 (01:00 UTC).
        let at_0230 = schedule("30 2 * * *");
        let got = slots(
            &at_0230,
            berlin(),
            utc(2026, 3, 27, 0, 0),
            utc(2026, 3, 31, 0, 0),
        );
        assert_eq!(
            got,
            vec![
                utc(2026, 3, 27, 1, 30),
                utc(2026, 3, 28, 1, 30),
                // No 29th: 02:30 did not exist.
                utc(2026, 3, 30, 0, 30),
            ]
        );
        // Every five minutes: the hour that does not exist has no slots, the rest do.
        let every_five = schedule("*/5 * * * *");
        let got = slots(
            &every_five,
            berlin(),
            utc(2026, 3, 29, 0, 0),
            utc(2026, 3, 29, 2, 0),
        );
        assert_eq!(got.len(), 24, "two real hours, 12 slots each");
        assert_eq!(got[11], utc(2026, 3, 29, 0, 55));
        assert_eq!(
            got[12],
            utc(2026, 3, 29, 1, 0),
            "03:00 CEST follows 01:55 CET"
        );
    }

    #[test]
    fn a_repeated_hour_runs_once() {
        // 2026-10-25: Berlin's clocks go back from 03:00 CEST to 02:00 CET (01:00 UTC), so
        // 02:30 is shown at 00:30 UTC and again at 01:30 UTC.
        let at_0230 = schedule("30 2 * * *");
        let got = slots(
            &at_0230,
            berlin(),
            utc(2026, 10, 24, 0, 0),
            utc(2026, 10, 27, 0, 0),
        );
        assert_eq!(
            got,
            vec![
                utc(2026, 10, 24, 0, 30),
                utc(2026, 10, 25, 0, 30),
                utc(2026, 10, 26, 1, 30),
            ]
        );
        // Starting inside the repeated hour (a worker started at 02:10 CET) finds no slot
        // that already passed, and the next 02:30 is the next day's.
        assert_eq!(
            at_0230.next_after(utc(2026, 10, 25, 1, 10), berlin()),
            Some(utc(2026, 10, 26, 1, 30))
        );
        // Every five minutes: each local slot once, so the second pass of 02:xx is not
        // repeated.
        let every_five = schedule("*/5 * * * *");
        let got = slots(
            &every_five,
            berlin(),
            utc(2026, 10, 24, 23, 0),
            utc(2026, 10, 25, 3, 0),
        );
        let mut unique = got.clone();
        unique.dedup();
        assert_eq!(unique, got);
        assert_eq!(
            got.len(),
            12 * 3,
            "4 real hours, one local hour shown twice"
        );
    }

    #[test]
    fn the_last_slot_before_now() {
        let every_five = schedule("*/5 * * * *");
        let now = utc(2026, 3, 10, 9, 7);
        assert_eq!(
            every_five.last_at_or_before(now, berlin()),
            Some(utc(2026, 3, 10, 9, 5))
        );
        assert_eq!(
            every_five.last_at_or_before(utc(2026, 3, 10, 9, 5), berlin()),
            Some(utc(2026, 3, 10, 9, 5)),
            "inclusive"
        );
        let monthly = schedule("0 1 1 * *");
        assert_eq!(
            monthly.last_at_or_before(now, SiteZone::UTC),
            Some(utc(2026, 3, 1, 1, 0))
        );
    }
}
