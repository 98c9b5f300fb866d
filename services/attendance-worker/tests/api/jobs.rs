//! Scheduled and on-demand jobs: once per slot with two schedulers on one database, runs
//! asked for in the database picked up by a running worker, lease takeover, shutdown at a
//! safe point, and each job's effect.

use std::sync::Arc;
use std::time::Duration;

use attendance_worker::config::JobSettings;
use attendance_worker::jobs::schedule::Schedule;
use attendance_worker::jobs::{JobRunner, Scheduler};
use attendance_worker::metrics::WorkerMetrics;
use chrono::{Datelike, NaiveDate, Utc};
use faceattend_attendance_store::entities::{attendance, audit_log, detection as stored};
use faceattend_attendance_store::jobs::{self, NotificationKind};
use faceattend_attendance_store::policy::PolicyDefaults;
use faceattend_attendance_store::{
    AttendanceStore, AuditEntry, Claimant, DirectoryEntry, JobName, JobParameters, JobRun,
    RunState, Trigger,
};
use faceattend_database::testing::TestDatabase;
use faceattend_domain::person::{PersonStatus, PersonType};
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, eventually, spawn_app, spawn_app_with, test_job_settings};
use crate::sinks::{SmtpServer, WebhookServer};

crate::on_both_backends!(
    two_schedulers_on_one_database_run_each_slot_once,
    a_requested_cleanup_is_run_by_the_worker_and_keeps_the_audit_log,
    notifications_reach_the_webhook_and_the_mailbox_once,
    notifications_without_a_sink_send_nothing,
    a_run_whose_runner_died_is_taken_over,
    shutdown_stops_a_job_at_a_safe_point,
    the_daily_report_marks_absences_keeps_a_snapshot_and_delivers_it,
    the_monthly_report_covers_the_previous_month_by_default,
    reconcile_recomputes_the_days_of_recent_detections,
    at_start_only_reconciles_last_missed_slot_is_run,
    a_replica_with_jobs_disabled_leaves_runs_to_others,
);

async fn two_schedulers_on_one_database_run_each_slot_once(backend: Backend) {
    let database = TestDatabase::create(backend, "test_attendance_jobs").await;
    let settings = JobSettings {
        // Every second (croner's optional seconds field), so a few seconds hold several
        // slots.
        schedules: vec![(
            JobName::Cleanup,
            Some(Schedule::parse("* * * * * *").expect("cron")),
        )],
        ..test_job_settings()
    };
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let store = AttendanceStore::connect(database.url(), 4)
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        let metrics =
            WorkerMetrics::register(&prometheus::Registry::new()).expect("register metrics");
        let runner = JobRunner::new(
            store,
            PolicyDefaults::default(),
            settings.clone(),
            metrics.clone(),
        )
        .expect("runner");
        replicas.push((Arc::new(runner), metrics));
    }
    let shutdown = CancellationToken::new();
    let tasks: Vec<_> = replicas
        .iter()
        .map(|(runner, _)| tokio::spawn(Scheduler::new(runner.clone()).run(shutdown.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    shutdown.cancel();
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the scheduler stops")
            .expect("the scheduler does not panic");
    }

    let store = replicas[0].0.store();
    let runs = jobs::list(store.connection(), Some(JobName::Cleanup), None, 100)
        .await
        .expect("list runs");
    assert!(
        runs.len() >= 2,
        "several slots in 3.5 s, got {}",
        runs.len()
    );
    let mut slots: Vec<_> = runs.iter().map(|r| r.slot.expect("a slot")).collect();
    slots.sort();
    slots.dedup();
    assert_eq!(slots.len(), runs.len(), "one run per slot");
    // Every run succeeded but possibly the one in progress at the shutdown, which stopped
    // at a safe point.
    let stopped: Vec<_> = runs
        .iter()
        .filter(|r| r.state != RunState::Succeeded)
        .collect();
    assert!(stopped.len() <= 1, "{runs:?}");
    assert!(
        stopped
            .iter()
            .all(|r| r.state == RunState::Failed && r.error.as_deref() == Some("shutdown")),
        "{runs:?}"
    );
    // Each run was executed by exactly one of the two: the executions add up to the runs.
    let executed: u64 = replicas
        .iter()
        .flat_map(|(_, metrics)| {
            ["succeeded", "failed"].map(|outcome| {
                metrics
                    .job_runs
                    .with_label_values(&["cleanup", outcome])
                    .get()
            })
        })
        .sum();
    assert_eq!(executed, runs.len() as u64);
    let owners: std::collections::HashSet<_> =
        runs.iter().filter_map(|r| r.claimed_by.clone()).collect();
    assert!(!owners.is_empty() && owners.len() <= 2);
}

/// Waits until the run finished (succeeded or failed).
async fn finished(app: &TestApp, id: Uuid) -> JobRun {
    eventually("the run to finish", || async {
        jobs::get(app.store.connection(), id)
            .await
            .expect("read the run")
            .filter(|run| matches!(run.state, RunState::Succeeded | RunState::Failed))
    })
    .await
}

async fn request(app: &TestApp, job: JobName, parameters: serde_json::Value) -> JobRun {
    let parameters = JobParameters::parse(job, &parameters).expect("valid parameters");
    jobs::request(
        app.store.connection(),
        &parameters,
        Trigger::Api,
        "tester",
        Utc::now(),
    )
    .await
    .expect("request a run")
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

async fn add_person(store: &AttendanceStore, name: &str) -> Uuid {
    let person_id = Uuid::now_v7();
    store
        .upsert_person(
            &DirectoryEntry {
                person_id,
                name: name.to_owned(),
                person_type: PersonType::Employee,
                status: PersonStatus::Active,
                department: Some("Ops".to_owned()),
                organization: None,
                updated_at: Utc::now(),
                created_at: None,
            },
            1,
        )
        .await
        .expect("directory entry");
    person_id
}

/// A day record as the rules (or the day-end job) would have written it.
async fn add_day(
    store: &AttendanceStore,
    person_id: Uuid,
    date: NaiveDate,
    status: &str,
    late: i32,
) {
    let now = Utc::now();
    let check_in = (status != "absent").then(|| now - chrono::Duration::hours(1));
    attendance::Entity::insert(attendance::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        attendance_date: Set(date),
        check_in_time: Set(check_in),
        check_in_confidence: Set(check_in.map(|_| 0.9)),
        check_in_source: Set(check_in.map(|_| "auto".to_owned())),
        check_in_detection_id: Set(check_in.map(|_| Uuid::now_v7())),
        check_in_camera_id: Set(check_in.map(|_| "gate".to_owned())),
        check_out_time: Set(None),
        check_out_confidence: Set(None),
        check_out_source: Set(None),
        check_out_detection_id: Set(None),
        check_out_camera_id: Set(None),
        duration_minutes: Set(None),
        status: Set(status.to_owned()),
        status_evidence: Set(None),
        late_minutes: Set(late),
        early_leave_minutes: Set(0),
        is_manual: Set(false),
        approved_by: Set(None),
        approval_timestamp: Set(None),
        remarks: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(store.connection())
    .await
    .expect("insert a day");
}

async fn a_requested_cleanup_is_run_by_the_worker_and_keeps_the_audit_log(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = &app.store;
    let person = add_person(store, "Ada Old").await;
    let long_ago = today() - chrono::Days::new(40);
    let recently = today() - chrono::Days::new(5);
    for date in [long_ago, recently] {
        add_day(store, person, date, "present", 0).await;
        let at = date.and_hms_opt(9, 0, 0).expect("time").and_utc();
        store
            .insert_detection(&crate::helpers::stored_detection(person, at))
            .await
            .expect("detection");
        store
            .record_audit(&AuditEntry {
                actor: "hr".to_owned(),
                action: "approve".to_owned(),
                entity: "attendance".to_owned(),
                entity_id: person.to_string(),
                at,
                before: None,
                after: Some(json!({"status": "present"})),
            })
            .await
            .expect("audit");
    }
    let run = request(&app, JobName::Cleanup, json!({"days": 30})).await;
    let done = finished(&app, run.id).await;
    assert_eq!(done.state, RunState::Succeeded, "{:?}", done.error);
    assert_eq!(done.trigger, Trigger::Api);
    let summary = done.result.expect("a summary");
    assert_eq!(summary["days"], 30);
    assert_eq!(summary["deleted"]["attendance"], 1);
    assert_eq!(summary["deleted"]["detections"], 1);
    assert_eq!(summary["kept"], json!(["audit_log"]));

    let conn = store.connection();
    assert_eq!(
        attendance::Entity::find().count(conn).await.expect("count"),
        1
    );
    assert_eq!(stored::Entity::find().count(conn).await.expect("count"), 1);
    assert_eq!(
        audit_log::Entity::find().count(conn).await.expect("count"),
        2
    );
    eventually("the last success in /metrics", || async {
        app.metrics()
            .await
            .lines()
            .any(|l| {
                l.starts_with("attendance_job_last_success_timestamp_seconds{")
                    && l.contains("job=\"cleanup\"")
            })
            .then_some(())
    })
    .await;
}

async fn notifications_reach_the_webhook_and_the_mailbox_once(backend: Backend) {
    // The webhook refuses the first request (503): the sink retries.
    let webhook = WebhookServer::start(1, Duration::ZERO).await;
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(backend, |settings| {
        let notify = &mut settings.jobs.notify;
        notify.webhook_url = Some(webhook.url.clone());
        notify.smtp_url = Some(smtp.url.clone().into());
        notify.email_from = Some("faceattend <attendance@example.test>".to_owned());
        notify.email_to = vec!["hr@example.test".to_owned()];
    })
    .await;
    let store = &app.store;
    let late = add_person(store, "Lena Late").await;
    let absent = add_person(store, "Abe Absent").await;
    let punctual = add_person(store, "Pia Punctual").await;
    let told = add_person(store, "Tom Told").await;
    add_day(store, late, today(), "late", 17).await;
    add_day(store, absent, today(), "absent", 0).await;
    add_day(store, punctual, today(), "present", 0).await;
    add_day(store, told, today(), "late", 3).await;
    // Yesterday's lateness is not today's news.
    add_day(store, late, today() - chrono::Days::new(1), "late", 9).await;
    jobs::record_notified(
        store.connection(),
        told,
        today(),
        NotificationKind::LateArrival,
        None,
        Utc::now(),
    )
    .await
    .expect("already told");

    let run = request(&app, JobName::Notifications, json!({})).await;
    let done = finished(&app, run.id).await;
    assert_eq!(done.state, RunState::Succeeded, "{:?}", done.error);
    let summary = done.result.expect("a summary");
    assert_eq!(summary["sent"], 2, "{summary}");
    assert_eq!(summary["already_sent"], 1);
    assert_eq!(summary["sinks"], json!(["webhook", "email"]));

    let posts = webhook.received();
    assert_eq!(posts.len(), 2);
    assert_eq!(webhook.attempts(), 3, "one refused, retried");
    let late_post = posts
        .iter()
        .find(|p| p["kind"] == "late_arrival")
        .expect("a late arrival");
    assert_eq!(late_post["data"]["person_id"], late.to_string());
    assert_eq!(late_post["data"]["person_name"], "Lena Late");
    assert_eq!(late_post["data"]["late_minutes"], 17);
    assert!(
        posts
            .iter()
            .any(|p| p["kind"] == "absence" && p["data"]["person_id"] == absent.to_string())
    );

    let mails = smtp.mails();
    assert_eq!(mails.len(), 2);
    assert!(
        mails
            .iter()
            .all(|m| m.to == vec!["<hr@example.test>".to_owned()])
    );
    assert!(mails[0].from.contains("attendance@example.test"));
    assert!(
        mails
            .iter()
            .any(|m| m.data.contains("Subject: Late arrival: Lena Late")),
        "{mails:?}"
    );

    // Run again (on demand, for one person): nothing new to tell.
    let again = request(
        &app,
        JobName::Notifications,
        json!({"person_id": late.to_string()}),
    )
    .await;
    let done = finished(&app, again.id).await;
    assert_eq!(done.state, RunState::Succeeded);
    assert_eq!(done.result.expect("a summary")["sent"], 0);
    assert_eq!(webhook.received().len(), 2);
    assert_eq!(smtp.mails().len(), 2);
}

async fn notifications_without_a_sink_send_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let late = add_person(&app.store, "Lena Late").await;
    add_day(&app.store, late, today(), "late", 5).await;
    let run = request(&app, JobName::Notifications, json!(null)).await;
    let done = finished(&app, run.id).await;
    assert_eq!(done.state, RunState::Succeeded);
    let summary = done.result.expect("a summary");
    assert_eq!(summary["skipped"], "no sink");
    assert_eq!(summary["due"], 1);
    assert_eq!(summary["sent"], 0);
    assert!(
        jobs::notified(app.store.connection(), today())
            .await
            .expect("read")
            .is_empty(),
        "nothing recorded as sent"
    );
}

async fn a_run_whose_runner_died_is_taken_over(backend: Backend) {
    let app = spawn_app(backend).await;
    // A replica claimed the slot a minute ago with a 30 s lease, and died.
    let dead = Claimant {
        owner: "dead-replica".to_owned(),
        lease: chrono::Duration::seconds(30),
    };
    let then = Utc::now() - chrono::Duration::seconds(60);
    let run = jobs::claim_slot(
        app.store.connection(),
        &JobParameters::defaults(JobName::Cleanup),
        then,
        &dead,
        then,
    )
    .await
    .expect("claim")
    .expect("claimed");
    let done = finished(&app, run.id).await;
    assert_eq!(done.state, RunState::Succeeded, "{:?}", done.error);
    assert_eq!(done.attempts, 2);
    assert_ne!(done.claimed_by.as_deref(), Some("dead-replica"));
    assert_eq!(done.slot, Some(then.trunc_subsecs_micros()));
}

trait Micros {
    fn trunc_subsecs_micros(self) -> Self;
}

impl Micros for chrono::DateTime<Utc> {
    fn trunc_subsecs_micros(self) -> Self {
        chrono::SubsecRound::trunc_subsecs(self, 6)
    }
}

async fn shutdown_stops_a_job_at_a_safe_point(backend: Backend) {
    // Each delivery takes 700 ms: the shutdown comes while the first is in flight.
    let webhook = WebhookServer::start(0, Duration::from_millis(700)).await;
    let mut app = spawn_app_with(backend, |settings| {
        settings.jobs.notify.webhook_url = Some(webhook.url.clone());
    })
    .await;
    for name in ["A Late", "B Late", "C Late"] {
        let person = add_person(&app.store, name).await;
        add_day(&app.store, person, today(), "late", 10).await;
    }
    let run = request(&app, JobName::Notifications, json!({})).await;
    eventually("the first delivery", || async {
        (webhook.attempts() >= 1).then_some(())
    })
    .await;
    assert!(app.stop().await, "the worker stops cleanly");
    let done = jobs::get(app.store.connection(), run.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(done.state, RunState::Failed);
    assert_eq!(done.error.as_deref(), Some("shutdown"));
    // The delivery in flight finished and was recorded; the rest were not sent.
    let sent = jobs::notified(app.store.connection(), today())
        .await
        .expect("read");
    assert_eq!(sent.len(), 1);
    assert_eq!(webhook.received().len(), 1);
}

async fn the_daily_report_marks_absences_keeps_a_snapshot_and_delivers_it(backend: Backend) {
    let webhook = WebhookServer::start(0, Duration::ZERO).await;
    let app = spawn_app_with(backend, |settings| {
        settings.jobs.notify.webhook_url = Some(webhook.url.clone());
    })
    .await;
    // A Tuesday that is over.
    let day = NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");
    let present = add_person(&app.store, "Pat Present").await;
    let missing = add_person(&app.store, "Max Missing").await;
    add_day(&app.store, present, day, "present", 0).await;

    let run = request(&app, JobName::DailyReport, json!({"date": "2026-03-10"})).await;
    let done = finished(&app, run.id).await;
    assert_eq!(done.state, RunState::Succeeded, "{:?}", done.error);
    let summary = done.result.expect("a summary");
    assert_eq!(summary["absences_marked"], 1, "{summary}");
    // The day's trends aggregate was computed, with the absence, and nothing is left stale.
    assert_eq!(summary["days_aggregated"], 1, "{summary}");
    let stats = faceattend_attendance_store::entities::attendance_daily_stats::Entity::find()
        .all(app.store.connection())
        .await
        .expect("read");
    assert_eq!(stats.len(), 1);
    assert_eq!(
        (stats[0].expected, stats[0].present, stats[0].absent),
        (2, 1, 1)
    );
    assert_eq!(summary["counts"]["total_persons"], 2);
    assert_eq!(summary["counts"]["present"], 1);
    assert_eq!(summary["counts"]["absent"], 1);
    assert_eq!(summary["delivered"], json!(["webhook"]));

    let absent = app
        .day_record(missing, day)
        .await
        .expect("the absence is recorded");
    assert_eq!(absent.status.as_str(), "absent");
    let snapshot = jobs::report(
        app.store.connection(),
        jobs::ReportKind::Daily,
        "2026-03-10",
    )
    .await
    .expect("read")
    .expect("a snapshot");
    assert_eq!(snapshot.run_id, Some(run.id));
    assert_eq!(snapshot.body["date"], "2026-03-10");
    assert_eq!(snapshot.body["persons"].as_array().map(Vec::len), Some(2));
    let posts = webhook.received();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["kind"], "daily_report");
    assert_eq!(posts[0]["data"], snapshot.body);

    // Again: nobody is marked twice, the snapshot is replaced.
    let again = request(&app, JobName::DailyReport, json!({"date": "2026-03-10"})).await;
    let done = finished(&app, again.id).await;
    assert_eq!(done.result.expect("a summary")["absences_marked"], 0);
    let snapshot = jobs::report(
        app.store.connection(),
        jobs::ReportKind::Daily,
        "2026-03-10",
    )
    .await
    .expect("read")
    .expect("a snapshot");
    assert_eq!(snapshot.run_id, Some(again.id));
}

async fn the_monthly_report_covers_the_previous_month_by_default(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = add_person(&app.store, "Mona Month").await;
    add_day(
        &app.store,
        person,
        NaiveDate::from_ymd_opt(2026, 3, 10).expect("date"),
        "present",
        0,
    )
    .await;
    let run = request(&app, JobName::MonthlyReport, json!({})).await;
    let done = finished(&app, run.id).await;
    assert_eq!(done.state, RunState::Succeeded, "{:?}", done.error);
    let previous = today()
        .with_day(1)
        .and_then(|first| first.checked_sub_months(chrono::Months::new(1)))
        .expect("previous month");
    let period = previous.format("%Y-%m").to_string();
    let summary = done.result.expect("a summary");
    assert_eq!(summary["period"], period.as_str());
    assert_eq!(summary["delivered"], "no sink");
    assert!(
        jobs::report(app.store.connection(), jobs::ReportKind::Monthly, &period)
            .await
            .expect("read")
            .is_some()
    );

    let march = request(
        &app,
        JobName::MonthlyReport,
        json!({"year": 2026, "month": 3}),
    )
    .await;
    let done = finished(&app, march.id).await;
    assert_eq!(done.state, RunState::Succeeded, "{:?}", done.error);
    let snapshot = jobs::report(app.store.connection(), jobs::ReportKind::Monthly, "2026-03")
        .await
        .expect("read")
        .expect("a snapshot");
    let rows = snapshot.body["persons"].as_array().expect("rows").clone();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["person_id"], person.to_string());
    assert_eq!(rows[0]["days_present"], 1);
}

async fn reconcile_recomputes_the_days_of_recent_detections(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = add_person(&app.store, "Rita Recent").await;
    // Stored without going through the consumer (as after a crash between the insert and
    // the decision): no day record yet.
    let morning = today().and_hms_opt(8, 30, 0).expect("time").and_utc();
    let mut seen = crate::helpers::stored_detection(person, morning);
    seen.received_at = Utc::now();
    app.store.insert_detection(&seen).await.expect("stored");
    assert!(app.day_record(person, today()).await.is_none());

    let run = request(&app, JobName::Reconcile, json!({"minutes": 10})).await;
    let done = finished(&app, run.id).await;
    assert_eq!(done.state, RunState::Succeeded, "{:?}", done.error);
    let summary = done.result.expect("a summary");
    assert_eq!(summary["success"], true);
    assert_eq!(summary["detections_processed"], 1, "{summary}");
    assert_eq!(summary["summary"]["auto_marked"], 1, "{summary}");
    assert_eq!(summary["summary"]["failed"], 0);
    let record = app.day_record(person, today()).await.expect("a day record");
    assert_eq!(
        record.check_in.map(|mark| mark.detection_id),
        Some(seen.id),
        "checked in by the stored detection"
    );
}

async fn at_start_only_reconciles_last_missed_slot_is_run(backend: Backend) {
    let app = spawn_app_with(backend, |settings| {
        settings.jobs.schedules = vec![
            (
                JobName::Reconcile,
                Some(Schedule::parse("*/5 * * * *").expect("cron")),
            ),
            // Every minute: its last slot was missed too, and is not replayed.
            (
                JobName::Cleanup,
                Some(Schedule::parse("* * * * *").expect("cron")),
            ),
        ];
    })
    .await;
    let started = Utc::now();
    let runs = eventually("reconcile's catch-up run", || async {
        let runs = jobs::list(app.store.connection(), Some(JobName::Reconcile), None, 10)
            .await
            .expect("list");
        runs.iter()
            .all(|r| r.state == RunState::Succeeded)
            .then_some(runs)
            .filter(|runs| !runs.is_empty())
    })
    .await;
    assert_eq!(runs.len(), 1);
    let slot = runs[0].slot.expect("a scheduled slot");
    assert_eq!(runs[0].trigger, Trigger::Schedule);
    assert!(slot <= started && started - slot < chrono::Duration::minutes(5));
    assert_eq!(slot.timestamp() % 300, 0, "on a five-minute boundary");
    // Cleanup's last slot (under a minute ago) was not run; its next one is in the future.
    let cleanups = jobs::list(app.store.connection(), Some(JobName::Cleanup), None, 10)
        .await
        .expect("list");
    assert!(
        cleanups.iter().all(|r| r.slot.is_some_and(|s| s > started)),
        "{cleanups:?}"
    );
}

async fn a_replica_with_jobs_disabled_leaves_runs_to_others(backend: Backend) {
    let app = spawn_app_with(backend, |settings| settings.jobs.enabled = false).await;
    let run = request(&app, JobName::Cleanup, json!({})).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let still = jobs::get(app.store.connection(), run.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(still.state, RunState::Pending);
}
