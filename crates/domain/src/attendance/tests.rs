//! Tests of the attendance rules: examples at every boundary the rules name, and properties
//! over random sightings (order, repeats, one record per person and day, DST).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::validation::FieldIssue;

const PERSON: Uuid = Uuid::from_u128(1);
const OTHER: Uuid = Uuid::from_u128(2);

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn hms(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).unwrap()
}

fn conf(c: f32) -> Confidence {
    Confidence::new(c).unwrap()
}

fn zone(name: &str) -> SiteZone {
    SiteZone::parse(name).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(1000 + n)
}

fn sighting(n: u128, role: CameraRole, at: DateTime<Utc>, c: f32) -> Sighting {
    Sighting {
        detection_id: id(n),
        person_id: PERSON,
        camera_id: format!("cam-{}", role.as_str()),
        role,
        at,
        confidence: conf(c),
        verdict: None,
        appearance: None,
        superseded: false,
    }
}

/// 09:00–17:00, 10 minutes' grace for lateness, 5 for early leave, Monday to Friday.
fn day_shift() -> Shift {
    Shift::new(hm(9, 0), hm(17, 0), 10, 5, WorkingDays::MONDAY_TO_FRIDAY).unwrap()
}

/// 22:00–06:00, 5 minutes' grace each way, every day.
fn night_shift() -> Shift {
    Shift::new(hm(22, 0), hm(6, 0), 5, 5, WorkingDays::EVERY_DAY).unwrap()
}

fn decide(policy: &AttendancePolicy, on: NaiveDate, sightings: &[Sighting]) -> DayDecision {
    decide_on(policy, on, sightings, &DaysOff::default())
}

fn decide_on(
    policy: &AttendancePolicy,
    on: NaiveDate,
    sightings: &[Sighting],
    days_off: &DaysOff,
) -> DayDecision {
    let key = DayKey {
        person_id: PERSON,
        date: on,
    };
    decide_day(key, sightings, policy, days_off)
}

fn record(policy: &AttendancePolicy, on: NaiveDate, sightings: &[Sighting]) -> DayRecord {
    decide(policy, on, sightings).record.expect("a record")
}

fn in_id(r: &DayRecord) -> Option<Uuid> {
    r.check_in.as_ref().map(|m| m.detection_id)
}

fn out_id(r: &DayRecord) -> Option<Uuid> {
    r.check_out.as_ref().map(|m| m.detection_id)
}

fn reasons(d: &DayDecision) -> Vec<(Uuid, ReviewReason)> {
    d.review
        .iter()
        .map(|r| (r.detection_id, r.reason))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Validated values
// ---------------------------------------------------------------------------------------

#[test]
fn confidence_is_a_number_in_the_unit_interval() {
    for ok in [0.0, 0.6, 1.0] {
        assert_eq!(Confidence::new(ok).unwrap().value(), ok);
    }
    for bad in [-0.01, 1.01, f32::NAN, f32::INFINITY] {
        assert!(Confidence::new(bad).is_err(), "{bad} should be refused");
    }
    let issue: FieldIssue = Confidence::new(2.0).unwrap_err().into();
    assert_eq!(issue.code, "invalid_confidence");
}

#[test]
fn thresholds_keep_review_at_or_below_auto() {
    let t = Thresholds::default();
    assert_eq!((t.auto().value(), t.review().value()), (0.7, 0.6));
    assert!(Thresholds::new(conf(0.8), conf(0.8)).is_ok());
    assert_eq!(
        Thresholds::new(conf(0.6), conf(0.7)).unwrap_err().code(),
        "invalid_thresholds"
    );
    assert_eq!(t.band(conf(0.7)), Band::Act);
    assert_eq!(t.band(conf(0.6999)), Band::Review);
    assert_eq!(t.band(conf(0.6)), Band::Review);
    assert_eq!(t.band(conf(0.5999)), Band::Ignore);
}

#[test]
fn camera_roles_parse_from_their_names() {
    for role in CameraRole::ALL {
        assert_eq!(CameraRole::parse(role.as_str()), Ok(*role));
        assert_eq!(role.to_string().parse::<CameraRole>(), Ok(*role));
    }
    assert_eq!(CameraRole::default(), CameraRole::Both);
    let err = CameraRole::parse("Entry").unwrap_err();
    assert_eq!(err.code(), "invalid_camera_role");
}

#[test]
fn working_days_use_the_spec_indices() {
    let wd = WorkingDays::from_indices(&[0, 4, 4]).unwrap();
    assert_eq!(wd.indices(), vec![0, 4]);
    assert!(wd.contains(chrono::Weekday::Mon) && wd.contains(chrono::Weekday::Fri));
    assert!(!wd.contains(chrono::Weekday::Sun));
    assert_eq!(WorkingDays::MONDAY_TO_FRIDAY.indices(), vec![0, 1, 2, 3, 4]);
    assert_eq!(
        WorkingDays::from_weekdays([chrono::Weekday::Sun])
            .unwrap()
            .indices(),
        vec![6]
    );
    assert_eq!(
        WorkingDays::from_indices(&[]),
        Err(RuleError::NoWorkingDays)
    );
    assert_eq!(
        WorkingDays::from_indices(&[7]),
        Err(RuleError::InvalidWeekday(7))
    );
}

#[test]
fn shifts_are_validated() {
    let night = night_shift();
    assert!(night.crosses_midnight());
    assert_eq!(night.nominal_length(), Duration::hours(8));
    assert_eq!(night.day_boundary(), hm(14, 0));
    assert!(!day_shift().crosses_midnight());
    assert_eq!(day_shift().day_boundary(), NaiveTime::MIN);

    let full = Shift::new(hm(7, 0), hm(7, 0), 0, 0, WorkingDays::EVERY_DAY).unwrap();
    assert!(full.crosses_midnight());
    assert_eq!(full.nominal_length(), Duration::hours(24));
    assert_eq!(full.day_boundary(), hm(7, 0));

    let short = Shift::new(hm(9, 0), hm(9, 30), 31, 0, WorkingDays::EVERY_DAY);
    assert_eq!(
        short,
        Err(RuleError::GraceLongerThanShift {
            grace_minutes: 31,
            shift_minutes: 30
        })
    );
    let leap = NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500).unwrap();
    assert_eq!(
        Shift::new(leap, hm(6, 0), 0, 0, WorkingDays::EVERY_DAY),
        Err(RuleError::LeapSecondShiftTime)
    );
}

#[test]
fn zones_and_windows_are_validated() {
    assert_eq!(zone("Europe/Berlin").name(), "Europe/Berlin");
    assert_eq!(zone(" UTC ").name(), "UTC");
    assert_eq!(SiteZone::default(), SiteZone::UTC);
    let err = SiteZone::parse("Mars/Olympus_Mons").unwrap_err();
    assert_eq!(err.code(), "invalid_time_zone");
    assert!(SiteZone::parse("+02:00").is_err());
    assert_eq!(
        serde_json::to_string(&zone("Asia/Kolkata")).unwrap(),
        "\"Asia/Kolkata\""
    );

    assert_eq!(DuplicateWindow::default().duration(), Duration::minutes(5));
    assert_eq!(
        DuplicateWindow::from_minutes(0).unwrap().duration(),
        Duration::zero()
    );
    assert!(DuplicateWindow::from_minutes(60).is_ok());
    for bad in [-1, 61, i64::MAX] {
        assert_eq!(
            DuplicateWindow::from_minutes(bad).unwrap_err().code(),
            "invalid_duplicate_window"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Thresholds and the no-shift heuristic
// ---------------------------------------------------------------------------------------

#[test]
fn thresholds_are_inclusive_at_their_exact_values() {
    let policy = AttendancePolicy::new(SiteZone::UTC);
    let on = date("2026-06-01");
    let b = CameraRole::Both;
    let all = [
        sighting(1, b, utc("2026-06-01T08:00:00Z"), 0.5999),
        sighting(2, b, utc("2026-06-01T08:01:00Z"), 0.6),
        sighting(3, b, utc("2026-06-01T08:02:00Z"), 0.6999),
        sighting(4, b, utc("2026-06-01T08:03:00Z"), 0.7),
    ];
    let d = decide(&policy, on, &all);
    let r = d.record.as_ref().unwrap();
    assert_eq!(in_id(r), Some(id(4)));
    assert_eq!(r.status, AttendanceStatus::Present);
    assert_eq!(r.status_evidence, Some(id(4)));
    assert_eq!(
        reasons(&d),
        vec![
            (id(2), ReviewReason::LowConfidence),
            (id(3), ReviewReason::LowConfidence)
        ]
    );
    assert_eq!(
        d.counts,
        SightingCounts {
            distinct: 4,
            below_review: 1,
            low_confidence: 2,
            confident: 1,
            rejected: 0,
            superseded: 0,
        }
    );

    // Review items alone: a pending day that rests on the first of them.
    let d = decide(&policy, on, &all[1..3]);
    let r = d.record.unwrap();
    assert_eq!(r.status, AttendanceStatus::Pending);
    assert_eq!(r.status_evidence, Some(id(2)));
    assert_eq!((r.check_in, r.check_out), (None, None));

    // Below review: counted, nothing to record.
    let d = decide(&policy, on, &all[..1]);
    assert_eq!(d.record, None);
    assert!(d.review.is_empty());
    assert_eq!(d.counts.below_review, 1);

    // A stricter rule moves the same sightings down a band.
    let strict = AttendancePolicy {
        thresholds: Thresholds::new(conf(0.8), conf(0.7)).unwrap(),
        ..policy
    };
    let d = decide(&strict, on, &all);
    assert_eq!(d.record.as_ref().unwrap().status, AttendanceStatus::Pending);
    assert_eq!(reasons(&d), vec![(id(4), ReviewReason::LowConfidence)]);
}

#[test]
fn no_shift_heuristic_boundaries() {
    let policy = AttendancePolicy::new(SiteZone::UTC);
    let on = date("2026-06-01");
    let at = |t: NaiveTime| on.and_time(t).and_utc();
    let b = CameraRole::Both;

    let r = record(&policy, on, &[sighting(1, b, at(hm(11, 59)), 0.9)]);
    assert_eq!((in_id(&r), out_id(&r)), (Some(id(1)), None));
    assert_eq!(r.status, AttendanceStatus::Present);

    let r = record(&policy, on, &[sighting(1, b, at(hms(11, 59, 59)), 0.9)]);
    assert_eq!(in_id(&r), Some(id(1)));

    for noonish in [hm(12, 0), hms(15, 59, 59)] {
        let d = decide(&policy, on, &[sighting(1, b, at(noonish), 0.9)]);
        assert_eq!(reasons(&d), vec![(id(1), ReviewReason::AmbiguousTime)]);
        let r = d.record.unwrap();
        assert_eq!((in_id(&r), out_id(&r)), (None, None));
        assert_eq!(r.status, AttendanceStatus::Pending);
        assert_eq!(d.counts.confident, 1);
    }

    for evening in [hm(16, 0), hm(16, 1)] {
        let d = decide(&policy, on, &[sighting(1, b, at(evening), 0.9)]);
        let r = d.record.as_ref().unwrap();
        assert_eq!((in_id(r), out_id(r)), (None, Some(id(1))));
        assert_eq!(r.status, AttendanceStatus::Pending);
        assert_eq!(r.status_evidence, Some(id(1)));
        assert_eq!(reasons(&d), vec![(id(1), ReviewReason::NoCheckIn)]);
    }

    let d = decide(
        &policy,
        on,
        &[
            sighting(1, b, at(hm(8, 0)), 0.9),
            sighting(2, b, at(hm(12, 0)), 0.9),
            sighting(3, b, at(hm(16, 0)), 0.9),
            sighting(4, b, at(hm(16, 1)), 0.9),
        ],
    );
    let r = d.record.as_ref().unwrap();
    assert_eq!((in_id(r), out_id(r)), (Some(id(1)), Some(id(4))));
    assert_eq!(r.worked_minutes, Some(8 * 60 + 1));
    assert_eq!(r.status, AttendanceStatus::Present);
    assert_eq!(reasons(&d), vec![(id(2), ReviewReason::AmbiguousTime)]);
}

#[test]
fn the_heuristic_reads_the_site_clock_and_declared_cameras_override_it() {
    let policy = AttendancePolicy::new(zone("Europe/Berlin"));
    let on = date("2026-07-01");
    // 10:30 UTC is 12:30 in Berlin (CEST): afternoon, not morning.
    let d = decide(
        &policy,
        on,
        &[sighting(
            1,
            CameraRole::Both,
            utc("2026-07-01T10:30:00Z"),
            0.9,
        )],
    );
    assert_eq!(reasons(&d), vec![(id(1), ReviewReason::AmbiguousTime)]);
    // A declared entry camera checks in at 13:00, a declared exit camera checks out at 13:30.
    let r = record(
        &policy,
        on,
        &[
            sighting(1, CameraRole::Entry, utc("2026-07-01T11:00:00Z"), 0.9),
            sighting(2, CameraRole::Exit, utc("2026-07-01T11:30:00Z"), 0.9),
        ],
    );
    assert_eq!((in_id(&r), out_id(&r)), (Some(id(1)), Some(id(2))));
    assert_eq!(r.worked_minutes, Some(30));
}

// ---------------------------------------------------------------------------------------
// Cameras, the duplicate window, shifts
// ---------------------------------------------------------------------------------------

#[test]
fn the_duplicate_window_keeps_one_appearance_from_being_both() {
    let policy = AttendancePolicy::new(SiteZone::UTC).with_shift(day_shift());
    let on = date("2026-06-01"); // a Monday
    let b = CameraRole::Both;
    let first = sighting(1, b, utc("2026-06-01T09:00:00Z"), 0.9);

    let r = record(&policy, on, std::slice::from_ref(&first));
    assert_eq!((in_id(&r), out_id(&r)), (Some(id(1)), None));
    assert_eq!(r.worked_minutes, None);

    let repeat = sighting(2, b, utc("2026-06-01T09:04:59Z"), 0.9);
    let r = record(&policy, on, &[first.clone(), repeat.clone()]);
    assert_eq!(out_id(&r), None);

    let later = sighting(3, b, utc("2026-06-01T09:05:00Z"), 0.9);
    let r = record(&policy, on, &[first.clone(), repeat.clone(), later]);
    assert_eq!(out_id(&r), Some(id(3)));
    assert_eq!(r.worked_minutes, Some(5));

    // With no window, two sightings at the same instant are a check-in and a check-out, but
    // one sighting is still never both.
    let no_window = AttendancePolicy {
        duplicate_window: DuplicateWindow::from_minutes(0).unwrap(),
        ..policy.clone()
    };
    let twin = sighting(4, b, utc("2026-06-01T09:00:00Z"), 0.9);
    let r = record(&no_window, on, &[first.clone(), twin]);
    assert_eq!((in_id(&r), out_id(&r)), (Some(id(1)), Some(id(4))));
    let r = record(&no_window, on, std::slice::from_ref(&first));
    assert_eq!(out_id(&r), None);
}

#[test]
fn declared_cameras_only_act_their_way() {
    let policy = AttendancePolicy::new(SiteZone::UTC).with_shift(day_shift());
    let on = date("2026-06-01");
    let r = record(
        &policy,
        on,
        &[
            // An exit-camera sighting before the check-in is no check-out...
            sighting(1, CameraRole::Exit, utc("2026-06-01T08:30:00Z"), 0.9),
            sighting(2, CameraRole::Entry, utc("2026-06-01T08:55:00Z"), 0.9),
            // ...and a later entry-camera sighting is no check-out either.
            sighting(3, CameraRole::Entry, utc("2026-06-01T17:30:00Z"), 0.9),
            sighting(4, CameraRole::Exit, utc("2026-06-01T17:10:00Z"), 0.9),
        ],
    );
    assert_eq!((in_id(&r), out_id(&r)), (Some(id(2)), Some(id(4))));
    assert_eq!(r.worked_minutes, Some(8 * 60 + 15));

    // Only an exit camera saw the person: a check-out to confirm.
    let d = decide(
        &policy,
        on,
        &[sighting(
            1,
            CameraRole::Exit,
            utc("2026-06-01T17:10:00Z"),
            0.9,
        )],
    );
    assert_eq!(d.record.as_ref().unwrap().status, AttendanceStatus::Pending);
    assert_eq!(reasons(&d), vec![(id(1), ReviewReason::NoCheckIn)]);
}

#[test]
fn lateness_and_early_leave_with_grace() {
    let berlin = zone("Europe/Berlin");
    let policy = AttendancePolicy::new(berlin).with_shift(day_shift());
    let monday = date("2026-03-30");
    let at = |t: NaiveTime| berlin.instant(monday, t);
    let entry = |n, t| sighting(n, CameraRole::Entry, at(t), 0.9);
    let exit = |n, t| sighting(n, CameraRole::Exit, at(t), 0.9);

    let r = record(&policy, monday, &[entry(1, hms(9, 10, 59))]);
    assert_eq!((r.status, r.late_minutes), (AttendanceStatus::Present, 0));

    let r = record(&policy, monday, &[entry(1, hm(9, 11))]);
    assert_eq!((r.status, r.late_minutes), (AttendanceStatus::Late, 11));
    assert_eq!(r.status_evidence, Some(id(1)));

    let r = record(
        &policy,
        monday,
        &[entry(1, hm(8, 30)), exit(2, hms(16, 54, 1))],
    );
    assert_eq!(
        (r.status, r.early_leave_minutes),
        (AttendanceStatus::Present, 0)
    );
    assert_eq!(r.worked_minutes, Some(8 * 60 + 24));

    let r = record(&policy, monday, &[entry(1, hm(8, 30)), exit(2, hm(16, 54))]);
    assert_eq!(
        (r.status, r.early_leave_minutes),
        (AttendanceStatus::EarlyLeave, 6)
    );
    assert_eq!(r.status_evidence, Some(id(2)));

    // Late and early: the status says late; both minute counts are kept.
    let r = record(&policy, monday, &[entry(1, hm(9, 20)), exit(2, hm(16, 0))]);
    assert_eq!(r.status, AttendanceStatus::Late);
    assert_eq!((r.late_minutes, r.early_leave_minutes), (20, 60));
    assert_eq!(r.status_evidence, Some(id(1)));

    // No lateness on a day the person is not expected: a Saturday, a holiday, leave.
    let saturday = date("2026-04-04");
    let r = record(
        &policy,
        saturday,
        &[sighting(
            1,
            CameraRole::Entry,
            berlin.instant(saturday, hm(11, 0)),
            0.9,
        )],
    );
    assert_eq!((r.status, r.late_minutes), (AttendanceStatus::Present, 0));
    let holiday = DaysOff {
        holidays: BTreeSet::from([monday]),
        ..DaysOff::default()
    };
    let d = decide_on(&policy, monday, &[entry(1, hm(11, 0))], &holiday);
    assert_eq!(d.record.unwrap().status, AttendanceStatus::Present);
}

#[test]
fn expected_at_work_follows_working_days_and_days_off() {
    let monday = date("2026-03-30");
    let sunday = date("2026-03-29");
    let none = DaysOff::default();
    assert!(expected_at_work(monday, None, &none));
    assert!(!expected_at_work(sunday, None, &none));
    assert!(expected_at_work(monday, Some(&day_shift()), &none));
    assert!(!expected_at_work(sunday, Some(&day_shift()), &none));
    assert!(expected_at_work(sunday, Some(&night_shift()), &none));
    let leave = DaysOff {
        leave: BTreeSet::from([monday]),
        ..DaysOff::default()
    };
    assert!(!expected_at_work(monday, Some(&day_shift()), &leave));
    let holiday = DaysOff {
        holidays: BTreeSet::from([sunday]),
        ..DaysOff::default()
    };
    assert!(!expected_at_work(sunday, Some(&night_shift()), &holiday));
    assert!(expected_at_work(monday, Some(&night_shift()), &holiday));

    let absent = DayRecord::absent(DayKey {
        person_id: PERSON,
        date: monday,
    });
    assert_eq!(absent.status, AttendanceStatus::Absent);
    assert_eq!(absent.status_evidence, None);
    assert_eq!(absent.key().date, monday);
}

// ---------------------------------------------------------------------------------------
// Work days: night shifts and DST
// ---------------------------------------------------------------------------------------

#[test]
fn a_night_shift_belongs_to_the_day_it_started() {
    let berlin = zone("Europe/Berlin");
    let policy = AttendancePolicy::new(berlin).with_shift(night_shift());
    let start_day = date("2026-02-10");
    let next_day = date("2026-02-11");
    let arrive = sighting(1, CameraRole::Both, utc("2026-02-10T21:05:00Z"), 0.9); // 22:05 CET
    let leave = sighting(2, CameraRole::Both, utc("2026-02-11T04:30:00Z"), 0.9); // 05:30 CET
    assert_eq!(berlin.local(leave.at).time(), hm(5, 30));
    assert_eq!(policy.work_day(leave.at), start_day);

    let days = decide_days(&[leave.clone(), arrive.clone()], &policy, |_| {
        DaysOff::default()
    });
    assert_eq!(
        days.keys().copied().collect::<Vec<_>>(),
        vec![DayKey {
            person_id: PERSON,
            date: start_day
        }]
    );
    let r = days.values().next().unwrap().record.clone().unwrap();
    assert_eq!((in_id(&r), out_id(&r)), (Some(id(1)), Some(id(2))));
    assert_eq!(r.worked_minutes, Some(7 * 60 + 25));
    assert_eq!((r.late_minutes, r.early_leave_minutes), (0, 30));
    assert_eq!(r.status, AttendanceStatus::EarlyLeave);

    // The day ends in the middle of the off-duty gap, 14:00 local.
    assert_eq!(
        policy.work_day(berlin.instant(next_day, hms(13, 59, 59))),
        start_day
    );
    assert_eq!(
        policy.work_day(berlin.instant(next_day, hm(14, 0))),
        next_day
    );
    assert_eq!(
        policy.day_bounds(start_day),
        (utc("2026-02-10T13:00:00Z"), utc("2026-02-11T13:00:00Z"))
    );
    // Without a shift, 05:30 is simply the next day.
    assert_eq!(work_day(leave.at, berlin, None), next_day);
}

#[test]
fn dst_spring_forward_in_berlin() {
    let berlin = zone("Europe/Berlin");
    let change_day = date("2026-03-29");

    // The day has 23 hours.
    let (start, end) = day_bounds(change_day, berlin, None);
    assert_eq!(
        (start, end),
        (utc("2026-03-28T23:00:00Z"), utc("2026-03-29T22:00:00Z"))
    );
    assert_eq!(end - start, Duration::hours(23));

    // A day shift across the change: 08:00–17:00 local is nine real hours.
    let every_day = Shift::new(hm(8, 0), hm(17, 0), 0, 0, WorkingDays::EVERY_DAY).unwrap();
    let policy = AttendancePolicy::new(berlin).with_shift(every_day);
    let arrive = sighting(1, CameraRole::Both, utc("2026-03-29T06:00:00Z"), 0.9);
    let leave = sighting(2, CameraRole::Both, utc("2026-03-29T15:00:00Z"), 0.9);
    assert_eq!(berlin.local(arrive.at).time(), hm(8, 0));
    assert_eq!(berlin.local(leave.at).time(), hm(17, 0));
    let r = record(&policy, change_day, &[arrive, leave]);
    assert_eq!(r.worked_minutes, Some(9 * 60));
    assert_eq!(r.status, AttendanceStatus::Present);

    // The night into the change is one hour short: 22:00 CET to 06:00 CEST is seven hours,
    // on time at both ends.
    let policy = AttendancePolicy::new(berlin).with_shift(night_shift());
    let arrive = sighting(1, CameraRole::Both, utc("2026-03-28T21:00:00Z"), 0.9);
    let leave = sighting(2, CameraRole::Both, utc("2026-03-29T04:00:00Z"), 0.9);
    assert_eq!(berlin.local(leave.at).time(), hm(6, 0));
    let start_day = date("2026-03-28");
    assert_eq!(policy.work_day(arrive.at), start_day);
    assert_eq!(policy.work_day(leave.at), start_day);
    let r = record(&policy, start_day, &[arrive, leave]);
    assert_eq!(r.worked_minutes, Some(7 * 60));
    assert_eq!((r.late_minutes, r.early_leave_minutes), (0, 0));
    assert_eq!(r.status, AttendanceStatus::Present);

    // A local time the clocks skip: a shift "at 02:30" starts when they jump, 03:00 CEST.
    assert_eq!(
        berlin.instant(change_day, hm(2, 30)),
        utc("2026-03-29T01:00:00Z")
    );
    let odd = Shift::new(hm(2, 30), hm(10, 30), 0, 0, WorkingDays::EVERY_DAY).unwrap();
    let policy = AttendancePolicy::new(berlin).with_shift(odd);
    let r = record(
        &policy,
        change_day,
        &[sighting(
            1,
            CameraRole::Entry,
            utc("2026-03-29T01:05:00Z"),
            0.9,
        )],
    );
    assert_eq!((r.status, r.late_minutes), (AttendanceStatus::Late, 5));
}

#[test]
fn dst_fall_back_in_berlin() {
    let berlin = zone("Europe/Berlin");
    let change_day = date("2026-10-25");

    // The day has 25 hours.
    let (start, end) = day_bounds(change_day, berlin, None);
    assert_eq!(
        (start, end),
        (utc("2026-10-24T22:00:00Z"), utc("2026-10-25T23:00:00Z"))
    );

    // 02:30 happens twice: at 00:30 UTC (CEST) and 01:30 UTC (CET).
    let first = utc("2026-10-25T00:30:00Z");
    let second = utc("2026-10-25T01:30:00Z");
    assert_eq!(berlin.local(first), berlin.local(second));
    assert_eq!(work_day(first, berlin, None), change_day);
    assert_eq!(work_day(second, berlin, None), change_day);
    assert_eq!(berlin.instant(change_day, hm(2, 30)), first);

    // The night out of summer time is one hour long: nine real hours, on time.
    let night = night_shift();
    let policy = AttendancePolicy::new(berlin).with_shift(night.clone());
    let start_day = date("2026-10-24");
    assert_eq!(work_day(first, berlin, Some(&night)), start_day);
    assert_eq!(work_day(second, berlin, Some(&night)), start_day);
    let arrive = sighting(1, CameraRole::Both, utc("2026-10-24T20:00:00Z"), 0.9); // 22:00 CEST
    let middle = sighting(2, CameraRole::Both, second, 0.9);
    let leave = sighting(3, CameraRole::Both, utc("2026-10-25T05:00:00Z"), 0.9); // 06:00 CET
    assert_eq!(berlin.local(leave.at).time(), hm(6, 0));
    let r = record(&policy, start_day, &[leave, middle, arrive]);
    assert_eq!((in_id(&r), out_id(&r)), (Some(id(1)), Some(id(3))));
    assert_eq!(r.worked_minutes, Some(9 * 60));
    assert_eq!((r.late_minutes, r.early_leave_minutes), (0, 0));
    assert_eq!(r.status, AttendanceStatus::Present);
}

#[test]
fn a_skipped_day_has_no_instants() {
    // Samoa moved across the date line: 2011-12-30 never happened in Apia.
    let apia = zone("Pacific/Apia");
    let skipped = date("2011-12-30");
    let (start, end) = day_bounds(skipped, apia, None);
    assert_eq!(start, end);
    assert_eq!(start, utc("2011-12-30T10:00:00Z"));
    assert_eq!(
        work_day(utc("2011-12-30T09:59:59Z"), apia, None),
        date("2011-12-29")
    );
    assert_eq!(
        work_day(utc("2011-12-30T10:00:00Z"), apia, None),
        date("2011-12-31")
    );
}

// ---------------------------------------------------------------------------------------
// Order, repeats, other people
// ---------------------------------------------------------------------------------------

#[test]
fn order_repeats_and_other_people_do_not_change_a_day() {
    let policy = AttendancePolicy::new(SiteZone::UTC).with_shift(day_shift());
    let on = date("2026-06-01");
    let b = CameraRole::Both;
    let mine = vec![
        sighting(1, b, utc("2026-06-01T09:02:00Z"), 0.9),
        sighting(2, b, utc("2026-06-01T12:00:00Z"), 0.65),
        sighting(3, b, utc("2026-06-01T17:01:00Z"), 0.8),
    ];
    let expected = decide(&policy, on, &mine);

    let mut noisy = mine.clone();
    noisy.reverse();
    noisy.extend(mine.iter().cloned());
    let mut theirs = sighting(9, b, utc("2026-06-01T08:00:00Z"), 0.99);
    theirs.person_id = OTHER;
    noisy.push(theirs);
    noisy.push(sighting(8, b, utc("2026-06-02T08:00:00Z"), 0.99)); // the next day
    assert_eq!(decide(&policy, on, &noisy), expected);

    // Two deliveries of one detection id that disagree: every order keeps the same one.
    let a = sighting(5, b, utc("2026-06-01T08:00:00Z"), 0.9);
    let mut b2 = a.clone();
    b2.at = utc("2026-06-01T08:30:00Z");
    let one = decide(&policy, on, &[a.clone(), b2.clone()]);
    let two = decide(&policy, on, &[b2, a]);
    assert_eq!(one, two);
    assert_eq!(one.counts.distinct, 1);
}

// ---------------------------------------------------------------------------------------
// What gets published
// ---------------------------------------------------------------------------------------

#[test]
fn changes_publish_what_moved_by_at_least_the_window() {
    let policy = AttendancePolicy::new(SiteZone::UTC).with_shift(day_shift());
    let window = policy.duplicate_window;
    let on = date("2026-06-01");
    let entry = |n, at: &str| sighting(n, CameraRole::Entry, utc(at), 0.9);
    let exit = |n, at: &str| sighting(n, CameraRole::Exit, utc(at), 0.9);
    let key = DayKey {
        person_id: PERSON,
        date: on,
    };

    let mut seen = vec![entry(1, "2026-06-01T09:20:00Z")];
    let late = record(&policy, on, &seen);
    assert_eq!(
        changes(None, &late, window),
        vec![
            AttendanceChange::CheckedIn {
                key,
                mark: late.check_in.clone().unwrap()
            },
            AttendanceChange::StatusChanged {
                key,
                from: None,
                to: AttendanceStatus::Late,
                evidence: Some(id(1))
            },
        ]
    );
    assert_eq!(changes(Some(&late), &late, window), vec![]);

    // A check-in corrected earlier (a delayed detection) is republished, with the status.
    seen.push(entry(2, "2026-06-01T08:58:00Z"));
    let on_time = record(&policy, on, &seen);
    let published = changes(Some(&late), &on_time, window);
    assert!(matches!(
        published.as_slice(),
        [
            AttendanceChange::CheckedIn { mark, .. },
            AttendanceChange::StatusChanged { from: Some(AttendanceStatus::Late), to: AttendanceStatus::Present, .. },
        ] if mark.detection_id == id(2)
    ));

    seen.push(exit(3, "2026-06-01T17:00:00Z"));
    let out = record(&policy, on, &seen);
    assert_eq!(
        changes(Some(&on_time), &out, window),
        vec![AttendanceChange::CheckedOut {
            key,
            mark: out.check_out.clone().unwrap()
        }]
    );

    // Lingering at the exit: a move under the window is a repeat, not news.
    seen.push(exit(4, "2026-06-01T17:04:59Z"));
    let lingering = record(&policy, on, &seen);
    assert_eq!(out_id(&lingering), Some(id(4)));
    assert_eq!(changes(Some(&out), &lingering, window), vec![]);
    // Measured against the last published record, moves add up.
    seen.push(exit(5, "2026-06-01T17:05:00Z"));
    let gone = record(&policy, on, &seen);
    assert_eq!(changes(Some(&lingering), &gone, window), vec![]);
    assert!(matches!(
        changes(Some(&out), &gone, window).as_slice(),
        [AttendanceChange::CheckedOut { mark, .. }] if mark.detection_id == id(5)
    ));

    // An absent day that a late-arriving detection turns into attendance.
    let absent = DayRecord::absent(key);
    let published = changes(Some(&absent), &gone, window);
    assert_eq!(published.len(), 3);
    assert!(matches!(
        published[2],
        AttendanceChange::StatusChanged {
            from: Some(AttendanceStatus::Absent),
            to: AttendanceStatus::Present,
            ..
        }
    ));
}

#[test]
fn statuses_and_changes_serialise_with_the_spec_names() {
    for (status, name) in [
        (AttendanceStatus::Present, "present"),
        (AttendanceStatus::Absent, "absent"),
        (AttendanceStatus::Late, "late"),
        (AttendanceStatus::EarlyLeave, "early_leave"),
        (AttendanceStatus::Pending, "pending"),
    ] {
        assert_eq!(status.as_str(), name);
        assert_eq!(AttendanceStatus::parse(name), Some(status));
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            serde_json::json!(name)
        );
    }
    assert_eq!(AttendanceStatus::ALL.len(), 5);
    assert_eq!(ReviewReason::AmbiguousTime.to_string(), "ambiguous_time");
    let key = DayKey {
        person_id: PERSON,
        date: date("2026-06-01"),
    };
    let change = AttendanceChange::StatusChanged {
        key,
        from: None,
        to: AttendanceStatus::EarlyLeave,
        evidence: None,
    };
    let json = serde_json::to_value(&change).unwrap();
    assert_eq!(json["action"], "status_changed");
    assert_eq!(json["to"], "early_leave");
    assert_eq!(json["key"]["date"], "2026-06-01");
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

/// Zones with DST in both hemispheres, a half-hour DST (Lord Howe), none (Kolkata) and UTC.
const ZONES: &[&str] = &[
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
];

fn shift_choices() -> Vec<Option<Shift>> {
    vec![
        None,
        Some(day_shift()),
        Some(night_shift()),
        Some(Shift::new(hm(7, 0), hm(7, 0), 15, 15, WorkingDays::EVERY_DAY).unwrap()),
        // A day boundary at 02:15, inside the DST hours of Berlin and New York.
        Some(Shift::new(hm(4, 0), hm(0, 30), 0, 0, WorkingDays::EVERY_DAY).unwrap()),
    ]
}

fn arb_policy() -> impl Strategy<Value = AttendancePolicy> {
    (0..ZONES.len(), 0..5usize, prop_oneof![Just(0i64), Just(5)]).prop_map(|(z, s, w)| {
        AttendancePolicy {
            zone: zone(ZONES[z]),
            shift: shift_choices()[s].clone(),
            thresholds: Thresholds::default(),
            duplicate_window: DuplicateWindow::from_minutes(w).unwrap(),
        }
    })
}

fn arb_confidence() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(0.59f32),
        Just(0.6),
        Just(0.65),
        Just(0.7),
        Just(0.9),
        0.0f32..=1.0,
    ]
}

/// Up to 24 sightings of two people over four days around a DST change (or midsummer),
/// clustered on whole minutes and quarter hours so that windows and ties occur.
fn arb_sightings() -> impl Strategy<Value = Vec<Sighting>> {
    let base = prop_oneof![
        Just(utc("2026-03-27T12:00:00Z")),
        Just(utc("2026-10-23T12:00:00Z")),
        Just(utc("2026-07-01T00:00:00Z")),
    ];
    let one = (
        0..2u128,
        0..3usize,
        // Any minute, a quarter hour, or one of six instants eight hours apart: so that
        // sightings of one person at one instant (ties), and within a window, are common.
        prop_oneof![
            0..(4 * 24 * 60i64),
            (0..(4 * 24 * 4i64)).prop_map(|q| q * 15),
            (0..6i64).prop_map(|k| 9 * 60 + k * 8 * 60),
        ],
        prop_oneof![Just(0i64), Just(0), 0..60i64],
        arb_confidence(),
        0..2u8,
        // Half without a person's decision, the rest one of each verdict.
        0..8usize,
    );
    (base, prop::collection::vec(one, 0..24)).prop_map(|(base, items)| {
        items
            .into_iter()
            .enumerate()
            .map(
                |(i, (person, role, minute, second, c, cam, verdict))| Sighting {
                    detection_id: id(i as u128),
                    person_id: Uuid::from_u128(1 + person),
                    camera_id: format!("cam-{cam}"),
                    role: CameraRole::ALL[role],
                    at: base + Duration::minutes(minute) + Duration::seconds(second),
                    confidence: conf(c),
                    verdict: verdict.checked_sub(4).map(|v| Verdict::ALL[v]),
                    appearance: None,
                    superseded: false,
                },
            )
            .collect()
    })
}

/// A policy, sightings, and the same sightings repeated in part and shuffled.
fn arb_case() -> impl Strategy<Value = (AttendancePolicy, Vec<Sighting>, Vec<Sighting>)> {
    (arb_policy(), arb_sightings())
        .prop_flat_map(|(policy, sightings)| {
            let n = sightings.len();
            let repeats = prop::collection::vec(0..n.max(1), 0..12);
            (Just(policy), Just(sightings), repeats)
        })
        .prop_flat_map(|(policy, sightings, repeats)| {
            let mut noisy = sightings.clone();
            if !sightings.is_empty() {
                noisy.extend(repeats.iter().map(|&i| sightings[i].clone()));
            }
            (Just(policy), Just(sightings), Just(noisy).prop_shuffle())
        })
}

fn no_days_off(_: Uuid) -> DaysOff {
    DaysOff::default()
}

proptest! {
    #[test]
    fn any_order_and_any_repeats_give_the_same_days(
        (policy, sightings, noisy) in arb_case()
    ) {
        let clean = decide_days(&sightings, &policy, no_days_off);
        let messy = decide_days(&noisy, &policy, no_days_off);
        prop_assert_eq!(&clean, &messy);
        for (key, decision) in &clean {
            prop_assert_eq!(
                &decide_day(*key, &noisy, &policy, &DaysOff::default()),
                decision
            );
        }
    }

    #[test]
    fn one_record_per_person_and_day_with_its_own_evidence(
        (policy, sightings, noisy) in arb_case()
    ) {
        let days = decide_days(&noisy, &policy, no_days_off);
        let touched: BTreeSet<DayKey> = sightings
            .iter()
            .map(|s| DayKey { person_id: s.person_id, date: policy.work_day(s.at) })
            .collect();
        prop_assert_eq!(days.keys().copied().collect::<BTreeSet<_>>(), touched);
        let window = policy.duplicate_window.duration();
        let mut total = 0;
        for (key, decision) in &days {
            prop_assert_eq!(decision.key, *key);
            total += decision.counts.distinct;
            let own: Vec<&Sighting> = sightings
                .iter()
                .filter(|s| s.person_id == key.person_id && policy.work_day(s.at) == key.date)
                .collect();
            prop_assert_eq!(decision.counts.distinct, own.len());
            let owns = |id: Uuid| own.iter().any(|s| s.detection_id == id);
            for item in &decision.review {
                prop_assert!(owns(item.detection_id));
            }
            let Some(record) = &decision.record else {
                prop_assert!(decision.review.is_empty());
                continue;
            };
            prop_assert_eq!(record.key(), *key);
            prop_assert!(record.status != AttendanceStatus::Absent);
            prop_assert!(record.status_evidence.is_some_and(owns));
            for mark in record.check_in.iter().chain(&record.check_out) {
                prop_assert!(owns(mark.detection_id));
                // Confident, or confirmed by a person; never rejected.
                let verdict = own
                    .iter()
                    .find(|s| s.detection_id == mark.detection_id)
                    .and_then(|s| s.verdict);
                prop_assert!(verdict != Some(Verdict::Rejected));
                prop_assert!(mark.confidence >= policy.thresholds.auto() || verdict.is_some());
            }
            if let (Some(ci), Some(co)) = (&record.check_in, &record.check_out) {
                prop_assert!(ci.detection_id != co.detection_id);
                prop_assert!(co.at >= ci.at + window);
                prop_assert_eq!(
                    record.worked_minutes,
                    Some((co.at - ci.at).num_minutes() as u32)
                );
                // The check-in is the earliest confident sighting that may check in.
                // (Both cameras without a shift depend on the time of day: not checked here.)
                let earliest = own.iter().all(|s| {
                    let certainly_may_check_in = match (s.verdict, s.role) {
                        (Some(Verdict::Rejected | Verdict::CheckOut), _) => false,
                        (Some(Verdict::CheckIn), _) => true,
                        (_, CameraRole::Exit) => false,
                        (_, CameraRole::Both) if policy.shift.is_none() => false,
                        (Some(Verdict::Confirmed), _) => true,
                        (None, _) => s.confidence >= policy.thresholds.auto(),
                    };
                    !certainly_may_check_in || s.at >= ci.at
                });
                prop_assert!(earliest);
            } else {
                prop_assert_eq!(record.worked_minutes, None);
            }
        }
        prop_assert_eq!(total, sightings.len());
    }

    #[test]
    fn recomputing_as_detections_arrive_only_moves_check_in_earlier_and_check_out_later(
        (policy, _sightings, noisy) in arb_case()
    ) {
        let mut seen = Vec::new();
        let mut last: std::collections::BTreeMap<DayKey, DayRecord> = Default::default();
        for s in &noisy {
            seen.push(s.clone());
            let key = DayKey { person_id: s.person_id, date: policy.work_day(s.at) };
            let Some(next) = decide_day(key, &seen, &policy, &DaysOff::default()).record else {
                continue;
            };
            if let Some(before) = last.get(&key) {
                if let (Some(b), Some(n)) = (&before.check_in, &next.check_in) {
                    prop_assert!(n.at <= b.at);
                }
                if before.check_in.is_some() {
                    prop_assert!(next.check_in.is_some());
                }
                // Once there is a check-in, more sightings only move the check-out later.
                // (A check-out without check-in can vanish: a check-in found less than the
                // window before it makes the two one appearance.)
                if before.check_in.is_some() {
                    if let (Some(b), Some(n)) = (&before.check_out, &next.check_out) {
                        prop_assert!(n.at >= b.at);
                    }
                    if before.check_out.is_some() {
                        prop_assert!(next.check_out.is_some());
                    }
                }
                if changes(Some(before), &next, policy.duplicate_window).is_empty() {
                    prop_assert_eq!(before.status, next.status);
                }
            }
            last.insert(key, next);
        }
        let batch = decide_days(&noisy, &policy, no_days_off);
        for (key, record) in &last {
            prop_assert_eq!(batch[key].record.as_ref(), Some(record));
        }
    }

    #[test]
    fn work_days_tile_time_across_dst(
        z in 0..ZONES.len(),
        s in 0..5usize,
        offset in 0..(366 * 86_400i64),
        step in 0..(2 * 86_400i64),
    ) {
        let zone = zone(ZONES[z]);
        let shifts = shift_choices();
        let shift = shifts[s].as_ref();
        let at = utc("2026-01-01T00:00:00Z") + Duration::seconds(offset);
        let day = work_day(at, zone, shift);
        let (start, end) = day_bounds(day, zone, shift);
        prop_assert!(start <= at && at < end, "{at} not in {day}'s [{start}, {end})");
        prop_assert!(end - start >= Duration::hours(22) && end - start <= Duration::hours(26));
        prop_assert_eq!(day_bounds(day.succ_opt().unwrap(), zone, shift).0, end);
        let later = work_day(at + Duration::seconds(step), zone, shift);
        prop_assert!(later >= day);
        prop_assert!(later <= day + Duration::days(3));
    }
}

fn with_verdict(mut s: Sighting, verdict: Verdict) -> Sighting {
    s.verdict = Some(verdict);
    s
}

#[test]
fn a_confirmed_low_confidence_sighting_acts_and_leaves_the_queue() {
    let policy = AttendancePolicy::new(zone("UTC"));
    let key = DayKey {
        person_id: PERSON,
        date: date("2026-03-02"),
    };
    let low = sighting(1, CameraRole::Entry, utc("2026-03-02T08:55:00Z"), 0.65);
    let pending = decide_day(
        key,
        std::slice::from_ref(&low),
        &policy,
        &DaysOff::default(),
    );
    assert_eq!(pending.review.len(), 1);
    assert_eq!(
        pending.record.as_ref().map(|r| r.status),
        Some(AttendanceStatus::Pending)
    );

    let confirmed = with_verdict(low, Verdict::Confirmed);
    let decided = decide_day(key, &[confirmed], &policy, &DaysOff::default());
    assert!(decided.review.is_empty());
    let record = decided.record.unwrap();
    assert_eq!(record.status, AttendanceStatus::Present);
    assert_eq!(record.check_in.map(|m| m.detection_id), Some(id(1)));
}

#[test]
fn a_verdict_settles_an_ambiguous_afternoon_sighting_either_way() {
    let policy = AttendancePolicy::new(zone("UTC"));
    let key = DayKey {
        person_id: PERSON,
        date: date("2026-03-02"),
    };
    let morning = sighting(1, CameraRole::Both, utc("2026-03-02T08:00:00Z"), 0.9);
    let afternoon = sighting(2, CameraRole::Both, utc("2026-03-02T14:00:00Z"), 0.9);
    let undecided = decide_day(
        key,
        &[morning.clone(), afternoon.clone()],
        &policy,
        &DaysOff::default(),
    );
    assert_eq!(undecided.review.len(), 1);
    assert_eq!(undecided.review[0].reason, ReviewReason::AmbiguousTime);
    assert!(undecided.record.as_ref().unwrap().check_out.is_none());

    let out = with_verdict(afternoon.clone(), Verdict::CheckOut);
    let left = decide_day(key, &[morning.clone(), out], &policy, &DaysOff::default());
    assert!(left.review.is_empty());
    let record = left.record.unwrap();
    assert_eq!(record.check_out.map(|m| m.detection_id), Some(id(2)));
    assert_eq!(record.worked_minutes, Some(360));

    // Confirmed as an arrival, it is not a check-out, and the earlier check-in stands.
    let arrival = with_verdict(afternoon, Verdict::CheckIn);
    let arrived = decide_day(key, &[morning, arrival], &policy, &DaysOff::default());
    let record = arrived.record.unwrap();
    assert_eq!(record.check_in.map(|m| m.detection_id), Some(id(1)));
    assert!(record.check_out.is_none());
}

#[test]
fn a_rejected_sighting_is_as_if_never_seen() {
    let policy = AttendancePolicy::new(zone("UTC"));
    let key = DayKey {
        person_id: PERSON,
        date: date("2026-03-02"),
    };
    let wrong = sighting(1, CameraRole::Entry, utc("2026-03-02T07:00:00Z"), 0.95);
    let right = sighting(2, CameraRole::Entry, utc("2026-03-02T09:00:00Z"), 0.9);
    let before = decide_day(
        key,
        &[wrong.clone(), right.clone()],
        &policy,
        &DaysOff::default(),
    );
    assert_eq!(
        before.record.unwrap().check_in.map(|m| m.detection_id),
        Some(id(1))
    );

    let corrected = decide_day(
        key,
        &[with_verdict(wrong.clone(), Verdict::Rejected), right],
        &policy,
        &DaysOff::default(),
    );
    assert_eq!(corrected.counts.rejected, 1);
    assert_eq!(
        corrected.record.unwrap().check_in.map(|m| m.detection_id),
        Some(id(2))
    );

    // The only sighting rejected: nothing to record.
    let nothing = decide_day(
        key,
        &[with_verdict(wrong, Verdict::Rejected)],
        &policy,
        &DaysOff::default(),
    );
    assert!(nothing.record.is_none());
}

#[test]
fn a_confirmed_check_out_without_check_in_is_present() {
    let policy = AttendancePolicy::new(zone("UTC"));
    let key = DayKey {
        person_id: PERSON,
        date: date("2026-03-02"),
    };
    let exit = sighting(1, CameraRole::Exit, utc("2026-03-02T17:00:00Z"), 0.9);
    let unconfirmed = decide_day(
        key,
        std::slice::from_ref(&exit),
        &policy,
        &DaysOff::default(),
    );
    assert_eq!(unconfirmed.review[0].reason, ReviewReason::NoCheckIn);
    let confirmed = decide_day(
        key,
        &[with_verdict(exit, Verdict::Confirmed)],
        &policy,
        &DaysOff::default(),
    );
    assert!(confirmed.review.is_empty());
    assert_eq!(confirmed.record.unwrap().status, AttendanceStatus::Present);
}

/// Captures of one appearance of `PERSON` on `camera`: (detection, seconds after 08:00, confidence).
fn appearance(
    camera: &str,
    track: &str,
    role: CameraRole,
    captures: &[(u128, i64, f32)],
) -> Vec<Sighting> {
    captures
        .iter()
        .map(|&(n, second, c)| {
            let mut s = sighting(
                n,
                role,
                utc("2026-03-02T08:00:00Z") + Duration::seconds(second),
                c,
            );
            s.camera_id = camera.to_owned();
            s.appearance = appearance_key(camera, track);
            s
        })
        .collect()
}

#[test]
fn an_appearances_first_confident_capture_decides_and_its_best_is_the_evidence() {
    let policy = AttendancePolicy::new(zone("UTC"));
    // Published at once (0.75), then two clearly better captures of the same track.
    let early = appearance("door", "t1", CameraRole::Entry, &[(1, 0, 0.75)]);
    let all = appearance(
        "door",
        "t1",
        CameraRole::Entry,
        &[(1, 0, 0.75), (2, 1, 0.93), (3, 2, 0.88)],
    );
    let first = record(&policy, date("2026-03-02"), &early);
    let improved = record(&policy, date("2026-03-02"), &all);
    let (a, b) = (
        first.check_in.clone().unwrap(),
        improved.check_in.clone().unwrap(),
    );
    assert_eq!(a.at, b.at, "the first confident capture fixes the time");
    assert_eq!(b.detection_id, id(2), "the best capture is the evidence");
    assert!((b.confidence.value() - 0.93).abs() < 1e-6);
    assert_eq!(improved.status_evidence, Some(id(2)));
    assert!(
        changes(
            Some(&first),
            &improved,
            DuplicateWindow::new(Duration::zero()).unwrap()
        )
        .is_empty(),
        "better evidence publishes nothing, even with no duplicate window"
    );
}

#[test]
fn one_appearance_on_a_both_camera_is_never_a_check_in_and_a_check_out() {
    let mut policy = AttendancePolicy::new(zone("UTC")).with_shift(day_shift());
    policy.duplicate_window = DuplicateWindow::new(Duration::zero()).unwrap();
    let one = appearance(
        "hall",
        "t1",
        CameraRole::Both,
        &[(1, 0, 0.8), (2, 1, 0.9), (3, 3, 0.95)],
    );
    let r = record(&policy, date("2026-03-02"), &one);
    assert_eq!(in_id(&r), Some(id(3)));
    assert_eq!(r.check_out, None);
    // A second appearance later is the check-out, at its own first capture's time.
    let mut two = one.clone();
    two.extend(appearance(
        "hall",
        "t2",
        CameraRole::Both,
        &[(4, 60, 0.8), (5, 61, 0.9)],
    ));
    let r = record(&policy, date("2026-03-02"), &two);
    let out = r.check_out.unwrap();
    assert_eq!(out.detection_id, id(5));
    assert_eq!(out.at, utc("2026-03-02T08:01:00Z"));
}

#[test]
fn a_superseded_capture_never_marks_attendance_on_its_own() {
    let policy = AttendancePolicy::new(zone("UTC"));
    // The early capture named PERSON confidently; a clearer one of the same track did not.
    let mut early = appearance("door", "t1", CameraRole::Entry, &[(1, 0, 0.9)]);
    let alone = record(&policy, date("2026-03-02"), &early);
    assert_eq!(in_id(&alone), Some(id(1)), "alone, it decides at once");
    let later = [
        AppearanceCapture {
            detection_id: id(1),
            person_id: Some(PERSON),
            quality: 0.55,
            rejected: false,
        },
        AppearanceCapture {
            detection_id: id(2),
            person_id: Some(OTHER),
            quality: 0.9,
            rejected: false,
        },
    ];
    early[0].superseded = superseded(id(1), PERSON, 0.55, &later);
    assert!(early[0].superseded);
    let d = decide(&policy, date("2026-03-02"), &early);
    assert!(d.record.is_none(), "the mark is withdrawn: {d:?}");
    assert_eq!(d.counts.superseded, 1);
    // Confirmed by a person, it acts whatever the captures say.
    let confirmed = with_verdict(early[0].clone(), Verdict::Confirmed);
    assert_eq!(
        in_id(&record(&policy, date("2026-03-02"), &[confirmed])),
        Some(id(1))
    );
}

#[test]
fn only_a_strictly_better_face_of_someone_else_or_nobody_supersedes() {
    let capture = |n, person, quality, rejected| AppearanceCapture {
        detection_id: id(n),
        person_id: person,
        quality,
        rejected,
    };
    let me = |others: &[AppearanceCapture]| superseded(id(1), PERSON, 0.6, others);
    assert!(!me(&[capture(1, Some(PERSON), 0.6, false)]), "itself");
    assert!(
        !me(&[capture(2, Some(PERSON), 0.9, false)]),
        "a better face of the same person agrees"
    );
    assert!(
        !me(&[capture(2, Some(OTHER), 0.5, false)]),
        "a worse face does not overrule"
    );
    assert!(
        !me(&[capture(2, Some(OTHER), 0.6, false)]),
        "nor an equal one"
    );
    assert!(
        !me(&[capture(2, None, 0.9, true)]),
        "a rejected capture weighs nothing"
    );
    assert!(me(&[capture(2, Some(OTHER), 0.61, false)]));
    assert!(
        me(&[capture(2, None, 0.9, false)]),
        "a better face nobody matches overrules too"
    );
}

#[test]
fn an_appearance_files_one_review_item_and_none_once_it_acted() {
    let policy = AttendancePolicy::new(zone("UTC"));
    let low = appearance(
        "door",
        "t1",
        CameraRole::Entry,
        &[(1, 0, 0.62), (2, 1, 0.66), (3, 2, 0.64)],
    );
    let d = decide(&policy, date("2026-03-02"), &low);
    assert_eq!(reasons(&d), [(id(2), ReviewReason::LowConfidence)]);
    let mut acted = low.clone();
    acted.extend(appearance("door", "t1", CameraRole::Entry, &[(4, 3, 0.9)]));
    let d = decide(&policy, date("2026-03-02"), &acted);
    assert!(d.review.is_empty(), "{:?}", d.review);
    assert_eq!(in_id(d.record.as_ref().unwrap()), Some(id(4)));
    assert_eq!(
        d.record.unwrap().check_in.unwrap().at,
        utc("2026-03-02T08:00:03Z")
    );
}
