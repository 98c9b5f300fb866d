//! Job runs: once per slot across replicas, on-demand claims, lease takeover, report
//! snapshots, notifications recorded once, bounded retention deletes.

use chrono::{Duration, NaiveDate};
use faceattend_attendance_store::jobs::{self, MAX_ATTEMPTS, NotificationKind, Purge, ReportKind};
use faceattend_attendance_store::{
    AttendanceStore, Claimant, JobName, JobParameters, RunState, Trigger,
};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Backend, TestDb, at, detection};
use crate::on_both_backends;

on_both_backends!(
    two_replicas_claim_a_slot_once,
    an_on_demand_run_is_claimed_by_one_poller,
    an_expired_lease_is_taken_over_and_the_late_runner_writes_nothing,
    a_run_taken_over_too_often_is_given_up,
    runs_are_listed_newest_first_by_job_and_state,
    a_report_snapshot_is_replaced_by_a_new_one,
    a_notification_is_recorded_once,
    purges_are_bounded_and_spare_recent_rows,
);

fn claimant(owner: &str) -> Claimant {
    Claimant {
        owner: owner.to_owned(),
        lease: Duration::seconds(30),
    }
}

async fn second_store(db: &TestDb) -> AttendanceStore {
    AttendanceStore::connect(&db.url, 4)
        .await
        .expect("second connection")
}

async fn two_replicas_claim_a_slot_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let other = second_store(&db).await;
    let parameters = JobParameters::defaults(JobName::Reconcile);
    let slot = at(9, 5, 0);
    for round in 0..5 {
        let slot = slot + Duration::minutes(5 * round);
        let (ca, cb) = (claimant("a"), claimant("b"));
        let (a, b) = tokio::join!(
            jobs::claim_slot(db.store.connection(), &parameters, slot, &ca, slot),
            jobs::claim_slot(other.connection(), &parameters, slot, &cb, slot),
        );
        let (a, b) = (a.expect("claim a"), b.expect("claim b"));
        assert!(
            a.is_some() != b.is_some(),
            "exactly one claim of {slot} wins"
        );
        let run = a.or(b).expect("a winner");
        assert_eq!(run.state, RunState::Running);
        assert_eq!(run.slot, Some(slot));
        assert_eq!(run.trigger, Trigger::Schedule);
        assert_eq!(run.attempts, 1);
    }
    // Another job's run of the same slot is its own.
    let cleanup = JobParameters::defaults(JobName::Cleanup);
    assert!(
        jobs::claim_slot(db.store.connection(), &cleanup, slot, &claimant("a"), slot)
            .await
            .expect("claim")
            .is_some()
    );
    let runs = jobs::list(db.store.connection(), Some(JobName::Reconcile), None, 50)
        .await
        .expect("list");
    assert_eq!(runs.len(), 5);
}

async fn an_on_demand_run_is_claimed_by_one_poller(backend: Backend) {
    let db = TestDb::new(backend).await;
    let other = second_store(&db).await;
    let parameters =
        JobParameters::parse(JobName::Cleanup, &json!({"days": 30})).expect("valid parameters");
    let now = at(10, 0, 0);
    let requested = jobs::request(
        db.store.connection(),
        &parameters,
        Trigger::Api,
        "alice",
        now,
    )
    .await
    .expect("request");
    assert_eq!(requested.state, RunState::Pending);
    assert_eq!(requested.slot, None);
    assert_eq!(requested.requested_by, "alice");

    let (ca, cb) = (claimant("a"), claimant("b"));
    let (a, b) = tokio::join!(
        jobs::claim_next(db.store.connection(), &ca, now),
        jobs::claim_next(other.connection(), &cb, now),
    );
    let (a, b) = (a.expect("poll a"), b.expect("poll b"));
    assert!(a.is_some() != b.is_some(), "one poller claims the run");
    let run = a.or(b).expect("claimed");
    assert_eq!(run.id, requested.id);
    assert_eq!(run.state, RunState::Running);
    assert_eq!(run.parameters, parameters);
    assert_eq!(run.lease_expires_at, Some(now + Duration::seconds(30)));
    let owner = claimant(run.claimed_by.as_deref().expect("claimed by"));
    let summary = json!({"deleted": {"detections": 3}});
    assert!(
        jobs::finish(db.store.connection(), run.id, &owner, Ok(&summary), now)
            .await
            .expect("finish")
    );
    let done = jobs::get(db.store.connection(), run.id)
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(done.state, RunState::Succeeded);
    assert_eq!(done.result, Some(summary));
    assert_eq!(done.finished_at, Some(now));
    assert!(
        jobs::claim_next(db.store.connection(), &claimant("a"), now)
            .await
            .expect("poll")
            .is_none()
    );
}

async fn an_expired_lease_is_taken_over_and_the_late_runner_writes_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    let parameters = JobParameters::defaults(JobName::DailyReport);
    let start = at(23, 30, 0);
    let (dead, alive) = (claimant("dead"), claimant("alive"));
    let run = jobs::claim_slot(conn, &parameters, start, &dead, start)
        .await
        .expect("claim")
        .expect("first claim wins");
    // Renewed within the lease: nobody may take it.
    assert!(
        jobs::renew_lease(conn, run.id, &dead, start + Duration::seconds(20))
            .await
            .expect("renew")
    );
    assert!(
        jobs::claim_next(conn, &alive, start + Duration::seconds(45))
            .await
            .expect("poll")
            .is_none(),
        "the renewed lease runs to 50 s"
    );
    let later = start + Duration::seconds(51);
    let taken = jobs::claim_next(conn, &alive, later)
        .await
        .expect("poll")
        .expect("an expired lease is taken over");
    assert_eq!(taken.id, run.id);
    assert_eq!(taken.claimed_by.as_deref(), Some("alive"));
    assert_eq!(taken.attempts, 2);
    assert_eq!(taken.started_at, Some(later));
    // The first runner wakes up: it can neither renew nor record an outcome.
    assert!(
        !jobs::renew_lease(conn, run.id, &dead, later)
            .await
            .expect("renew")
    );
    assert!(
        !jobs::finish(conn, run.id, &dead, Err("late"), later)
            .await
            .expect("finish")
    );
    assert!(
        jobs::finish(conn, run.id, &alive, Ok(&json!({"ok": true})), later)
            .await
            .expect("finish")
    );
    let done = jobs::get(conn, run.id).await.expect("get").expect("stored");
    assert_eq!(done.state, RunState::Succeeded);
    assert_eq!(done.error, None);
}

async fn a_run_taken_over_too_often_is_given_up(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    let parameters = JobParameters::defaults(JobName::Notifications);
    let mut now = at(8, 0, 0);
    let run = jobs::request(conn, &parameters, Trigger::Cli, "ops", now)
        .await
        .expect("request");
    for attempt in 1..=MAX_ATTEMPTS {
        let claimed = jobs::claim_next(conn, &claimant(&format!("r{attempt}")), now)
            .await
            .expect("poll")
            .expect("claimable");
        assert_eq!(claimed.attempts, attempt);
        now += Duration::seconds(31);
    }
    assert!(
        jobs::claim_next(conn, &claimant("last"), now)
            .await
            .expect("poll")
            .is_none()
    );
    let given_up = jobs::get(conn, run.id).await.expect("get").expect("stored");
    assert_eq!(given_up.state, RunState::Failed);
    assert!(
        given_up
            .error
            .as_deref()
            .is_some_and(|e| e.contains("abandoned")),
        "{:?}",
        given_up.error
    );
}

async fn runs_are_listed_newest_first_by_job_and_state(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    let now = at(12, 0, 0);
    let mut ids = Vec::new();
    for job in [JobName::Cleanup, JobName::Reconcile, JobName::Cleanup] {
        let run = jobs::request(conn, &JobParameters::defaults(job), Trigger::Api, "a", now)
            .await
            .expect("request");
        ids.push(run.id);
    }
    let cleanups = jobs::list(conn, Some(JobName::Cleanup), Some(RunState::Pending), 10)
        .await
        .expect("list");
    let listed: Vec<Uuid> = cleanups.iter().map(|r| r.id).collect();
    assert_eq!(listed, vec![ids[2], ids[0]]);
    assert!(
        jobs::list(conn, None, Some(RunState::Succeeded), 10)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        jobs::list(conn, None, None, 2).await.expect("list").len(),
        2
    );
}

async fn a_report_snapshot_is_replaced_by_a_new_one(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    jobs::save_report(
        conn,
        ReportKind::Daily,
        "2026-03-02",
        None,
        &json!({"v": 1}),
        at(23, 30, 0),
    )
    .await
    .expect("save");
    let run = Uuid::now_v7();
    jobs::save_report(
        conn,
        ReportKind::Daily,
        "2026-03-02",
        Some(run),
        &json!({"v": 2}),
        at(23, 45, 0),
    )
    .await
    .expect("save again");
    let stored = jobs::report(conn, ReportKind::Daily, "2026-03-02")
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.body, json!({"v": 2}));
    assert_eq!(stored.run_id, Some(run));
    assert_eq!(stored.generated_at, at(23, 45, 0));
    assert!(
        jobs::report(conn, ReportKind::Monthly, "2026-03-02")
            .await
            .expect("read")
            .is_none()
    );
}

async fn a_notification_is_recorded_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    let person = Uuid::now_v7();
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let now = at(10, 0, 0);
    assert!(
        jobs::record_notified(conn, person, day, NotificationKind::LateArrival, None, now)
            .await
            .expect("record")
    );
    assert!(
        !jobs::record_notified(conn, person, day, NotificationKind::LateArrival, None, now)
            .await
            .expect("record again")
    );
    assert!(
        jobs::record_notified(conn, person, day, NotificationKind::Absence, None, now)
            .await
            .expect("another kind")
    );
    let mut sent = jobs::notified(conn, day).await.expect("read");
    sent.sort_by_key(|(_, kind)| kind.as_str());
    assert_eq!(
        sent,
        vec![
            (person, NotificationKind::Absence),
            (person, NotificationKind::LateArrival)
        ]
    );
}

async fn purges_are_bounded_and_spare_recent_rows(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    let person = Uuid::now_v7();
    for hour in [6, 7, 8, 9, 10] {
        db.store
            .insert_detection(&detection(person, at(hour, 0, 0), 0.9))
            .await
            .expect("insert");
    }
    let cutoff_date = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let cutoff = at(9, 0, 0);
    let purge = || jobs::purge_batch(conn, Purge::Detections, cutoff_date, cutoff, 2);
    assert_eq!(purge().await.expect("purge"), 2);
    assert_eq!(purge().await.expect("purge"), 1);
    assert_eq!(purge().await.expect("purge"), 0);
    let left = db
        .store
        .sightings_for_day(person, at(0, 0, 0), at(23, 59, 59))
        .await
        .expect("read");
    let hours: Vec<_> = left.iter().map(|s| s.at).collect();
    assert_eq!(hours, vec![at(9, 0, 0), at(10, 0, 0)]);
    // Runs: only finished ones, by when they finished.
    let pending = jobs::request(
        conn,
        &JobParameters::defaults(JobName::Cleanup),
        Trigger::Api,
        "a",
        at(1, 0, 0),
    )
    .await
    .expect("request");
    assert_eq!(
        jobs::purge_batch(conn, Purge::JobRuns, cutoff_date, cutoff, 10)
            .await
            .expect("purge runs"),
        0
    );
    let runner = claimant("r");
    jobs::claim_next(conn, &runner, at(1, 0, 0))
        .await
        .expect("claim")
        .expect("claimed");
    jobs::finish(conn, pending.id, &runner, Err("failed"), at(1, 5, 0))
        .await
        .expect("finish");
    assert_eq!(
        jobs::purge_batch(conn, Purge::JobRuns, cutoff_date, cutoff, 10)
            .await
            .expect("purge runs"),
        1
    );
}
