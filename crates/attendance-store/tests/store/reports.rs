//! The daily and monthly reports over a seeded month: working days net of holidays and
//! approved leave, the active rule's week, absences never in the future, paging.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use faceattend_attendance_store::StoreError;
use faceattend_attendance_store::entities::{
    attendance, attendance_exception, attendance_rule, person_directory,
};
use faceattend_attendance_store::reports::{self, MonthlyFilter};
use faceattend_domain::PageRequest;
use faceattend_domain::attendance::SiteZone;
use sea_orm::{ActiveModelTrait, DatabaseConnection, IntoActiveModel};
use uuid::Uuid;

use crate::helpers::{Backend, TestDb};
use crate::on_both_backends;

on_both_backends!(
    daily_report_lists_every_active_person,
    monthly_report_counts_working_days_presence_and_hours,
    monthly_report_follows_the_active_rule,
    monthly_report_filters_and_pages,
    an_organisation_s_holiday_is_off_for_its_persons_in_the_report_and_the_sheet,
);

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).expect("March 2026")
}

async fn person(
    db: &DatabaseConnection,
    name: &str,
    department: Option<&str>,
    status: &str,
    deleted: bool,
) -> Uuid {
    let person_id = Uuid::now_v7();
    person_directory::Model {
        person_id,
        name: name.to_owned(),
        person_type: "employee".to_owned(),
        status: status.to_owned(),
        department: department.map(str::to_owned),
        organization: None,
        deleted,
        updated_at: Utc::now(),
        version: 1,
        created_at: None,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("directory entry");
    person_id
}

/// A record of `person` on March `day`, from `(h, m)` to `(h, m)` UTC.
async fn record(
    db: &DatabaseConnection,
    person_id: Uuid,
    day: u32,
    status: &str,
    from: (u32, u32),
    to: (u32, u32),
) {
    let at = |(h, m): (u32, u32)| {
        Utc.with_ymd_and_hms(2026, 3, day, h, m, 0)
            .single()
            .expect("time")
    };
    let (check_in, check_out) = (at(from), at(to));
    attendance::Model {
        id: Uuid::now_v7(),
        person_id,
        attendance_date: date(day),
        check_in_time: Some(check_in),
        check_in_confidence: Some(0.9),
        check_in_source: Some("auto".to_owned()),
        check_in_detection_id: None,
        check_in_camera_id: None,
        check_out_time: Some(check_out),
        check_out_confidence: Some(0.9),
        check_out_source: Some("auto".to_owned()),
        check_out_detection_id: None,
        check_out_camera_id: None,
        duration_minutes: Some((check_out - check_in).num_minutes() as i32),
        status: status.to_owned(),
        status_evidence: None,
        late_minutes: if status == "late" { 30 } else { 0 },
        early_leave_minutes: 0,
        is_manual: false,
        approved_by: None,
        approval_timestamp: None,
        remarks: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("record");
}

async fn exception(
    db: &DatabaseConnection,
    person_id: Option<Uuid>,
    day: u32,
    exception_type: &str,
    requires_approval: bool,
    approved: bool,
) {
    attendance_exception::Model {
        id: Uuid::now_v7(),
        person_id,
        exception_date: date(day),
        exception_type: exception_type.to_owned(),
        reason: "test".to_owned(),
        requires_approval,
        approved,
        approved_by: None,
        approved_at: None,
        created_at: Utc::now(),
        organization: None,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("exception");
}

async fn rule(db: &DatabaseConnection, working_days: &str, is_active: bool) {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("time");
    attendance_rule::Model {
        id: Uuid::now_v7(),
        name: "rule".to_owned(),
        working_days: working_days.to_owned(),
        start_time: nine,
        end_time: nine,
        min_presence_percentage: 80.0,
        auto_check_in_threshold: 0.7,
        manual_review_threshold: 0.6,
        is_active,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("rule");
}

/// Ada (Eng) with a month of records, Bob (Ops) with none, Eve (no department), an inactive
/// and a deleted person; a holiday on Friday the 6th, Ada's approved leave on the 10th and
/// her pending leave on the 11th (which does not count).
struct Month {
    ada: Uuid,
    bob: Uuid,
    eve: Uuid,
}

async fn seed_month(db: &DatabaseConnection) -> Month {
    let ada = person(db, "Ada", Some("Eng"), "active", false).await;
    let bob = person(db, "Bob", Some("Ops"), "active", false).await;
    let eve = person(db, "Eve", None, "active", false).await;
    let inactive = person(db, "Ivy", Some("Eng"), "inactive", false).await;
    let deleted = person(db, "Dan", Some("Eng"), "active", true).await;
    record(db, ada, 2, "present", (9, 0), (17, 0)).await;
    record(db, ada, 3, "late", (9, 30), (17, 0)).await;
    record(db, ada, 4, "early_leave", (9, 0), (15, 0)).await;
    // A Saturday: hours count, the day is not a working day (Monday to Friday).
    record(db, ada, 7, "present", (10, 0), (12, 0)).await;
    record(db, ada, 9, "absent", (9, 0), (9, 0)).await;
    record(db, eve, 2, "late", (9, 45), (17, 0)).await;
    record(db, inactive, 2, "present", (9, 0), (17, 0)).await;
    record(db, deleted, 2, "present", (9, 0), (17, 0)).await;
    exception(db, None, 6, "holiday", false, false).await;
    exception(db, Some(ada), 10, "leave", true, true).await;
    exception(db, Some(ada), 11, "leave", true, false).await;
    // A special event takes no day off.
    exception(db, None, 12, "special_event", false, false).await;
    Month { ada, bob, eve }
}

fn filter(today: u32) -> MonthlyFilter {
    MonthlyFilter {
        department: None,
        today: date(today),
        zone: SiteZone::UTC,
        page: None,
    }
}

async fn daily_report_lists_every_active_person(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    let month = seed_month(conn).await;
    let report = reports::daily(conn, date(2)).await.expect("daily report");
    assert_eq!(report.date, date(2));
    assert_eq!(
        (
            report.counts.total_persons,
            report.counts.present,
            report.counts.late,
            report.counts.absent
        ),
        (3, 2, 1, 1)
    );
    assert_eq!(report.counts.presence_percentage, 66.7);
    let departments: Vec<(Option<&str>, u64, u64)> = report
        .by_department
        .iter()
        .map(|d| {
            (
                d.department.as_deref(),
                d.counts.total_persons,
                d.counts.present,
            )
        })
        .collect();
    assert_eq!(
        departments,
        [(Some("Eng"), 1, 1), (Some("Ops"), 1, 0), (None, 1, 1)]
    );
    let persons: Vec<(Uuid, Option<&str>, Option<i32>, i32)> = report
        .persons
        .iter()
        .map(|p| {
            (
                p.person_id,
                p.status.as_deref(),
                p.worked_minutes,
                p.late_minutes,
            )
        })
        .collect();
    assert_eq!(
        persons,
        [
            (month.ada, Some("present"), Some(480), 0),
            (month.bob, None, None, 0),
            (month.eve, Some("late"), Some(435), 30),
        ]
    );
    let empty = reports::daily(conn, date(20))
        .await
        .expect("a day without records");
    assert_eq!(empty.counts.present, 0);
    assert_eq!(empty.persons.len(), 3);
}

async fn monthly_report_counts_working_days_presence_and_hours(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    let month = seed_month(conn).await;
    let report = reports::monthly(conn, 2026, 3, &filter(12))
        .await
        .expect("monthly report");
    assert_eq!((report.from_date, report.to_date), (date(1), date(31)));
    assert_eq!(report.working_days_of_week, [0, 1, 2, 3, 4]);
    let names: Vec<&str> = report.persons.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Ada", "Bob", "Eve"]);
    let row = |id: Uuid| {
        report
            .persons
            .iter()
            .find(|p| p.person_id == id)
            .expect("listed")
    };

    // March 2026 has 22 weekdays; less the holiday; Ada also less her approved leave.
    let ada = row(month.ada);
    assert_eq!(ada.working_days, 20);
    assert_eq!(
        (ada.days_present, ada.days_late, ada.days_early_leave),
        (3, 1, 1)
    );
    // Working days up to the 12th: 2, 3, 4, 5, 9, 11 (pending leave), 12; present on 3.
    assert_eq!(ada.days_absent, 4);
    assert_eq!(ada.total_worked_minutes, 480 + 450 + 360 + 120);
    // (9:00 + 9:30 + 9:00 + 10:00) / 4.
    assert_eq!(
        ada.average_check_in_time,
        NaiveTime::from_hms_opt(9, 22, 30)
    );

    let bob = row(month.bob);
    assert_eq!(
        (bob.working_days, bob.days_present, bob.days_absent),
        (21, 0, 8)
    );
    assert_eq!(
        (bob.total_worked_minutes, bob.average_check_in_time),
        (0, None)
    );

    // Before the month began nothing is absent yet; after it, every missed working day is.
    let early = reports::monthly(conn, 2026, 3, &filter(1))
        .await
        .expect("report");
    assert!(early.persons.iter().all(|p| p.days_absent == 0));
    let mut late = filter(1);
    late.today = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
    let late = reports::monthly(conn, 2026, 3, &late)
        .await
        .expect("report");
    let bob = late
        .persons
        .iter()
        .find(|p| p.person_id == month.bob)
        .expect("bob");
    assert_eq!(bob.days_absent, 21);

    let err = reports::monthly(conn, 2026, 13, &filter(1))
        .await
        .expect_err("month 13");
    assert!(
        matches!(
            err,
            StoreError::InvalidPeriod {
                year: 2026,
                month: 13
            }
        ),
        "{err}"
    );
}

async fn monthly_report_follows_the_active_rule(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    let month = seed_month(conn).await;
    rule(conn, "[6]", false).await;
    rule(conn, "[0,1,2,3,4,5]", true).await;
    let report = reports::monthly(conn, 2026, 3, &filter(12))
        .await
        .expect("report");
    assert_eq!(report.working_days_of_week, [0, 1, 2, 3, 4, 5]);
    let ada = report
        .persons
        .iter()
        .find(|p| p.person_id == month.ada)
        .expect("ada");
    // 22 weekdays + 4 Saturdays, less the holiday and the leave; Saturday the 7th is worked.
    assert_eq!(
        (ada.working_days, ada.days_present, ada.days_absent),
        (24, 4, 4)
    );
}

async fn monthly_report_filters_and_pages(backend: Backend) {
    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    let month = seed_month(conn).await;
    let mut ops = filter(12);
    ops.department = Some("Ops".to_owned());
    let report = reports::monthly(conn, 2026, 3, &ops).await.expect("report");
    let ids: Vec<Uuid> = report.persons.iter().map(|p| p.person_id).collect();
    assert_eq!(ids, [month.bob]);
    assert_eq!(report.department.as_deref(), Some("Ops"));

    let mut paged = filter(12);
    paged.page = Some(PageRequest::new(2, 2));
    let report = reports::monthly(conn, 2026, 3, &paged)
        .await
        .expect("report");
    let ids: Vec<Uuid> = report.persons.iter().map(|p| p.person_id).collect();
    assert_eq!(ids, [month.eve]);
    let meta = report.page.expect("page meta");
    assert_eq!((meta.total, meta.total_pages), (3, 2));
    // The page's rows are the same as the whole report's.
    let whole = reports::monthly(conn, 2026, 3, &filter(12))
        .await
        .expect("report");
    assert_eq!(report.persons[0], whole.persons[2]);
}

async fn an_organisation_s_holiday_is_off_for_its_persons_in_the_report_and_the_sheet(
    backend: Backend,
) {
    use faceattend_attendance_store::sheet::{self, CellStatus, SheetFilter};
    use sea_orm::{EntityTrait, Set};

    let db = TestDb::new(backend).await;
    let conn = db.store.connection();
    let mut ids = Vec::new();
    for (name, organization) in [("Ann", "ACME"), ("Ben", "Globex"), ("Cat", "ACME")] {
        let id = person(conn, name, None, "active", false).await;
        let mut row = person_directory::Entity::find_by_id(id)
            .one(conn)
            .await
            .expect("query")
            .expect("entry")
            .into_active_model();
        row.organization = Set(Some(organization.to_owned()));
        row.update(conn).await.expect("organisation set");
        ids.push(id);
    }
    let (ann, ben, cat) = (ids[0], ids[1], ids[2]);
    // ACME's holiday on Tuesday 3 March; Cat came in anyway.
    attendance_exception::Model {
        id: Uuid::now_v7(),
        person_id: None,
        exception_date: date(3),
        exception_type: "holiday".to_owned(),
        reason: "ACME day".to_owned(),
        requires_approval: false,
        approved: false,
        approved_by: None,
        approved_at: None,
        created_at: Utc::now(),
        organization: Some("ACME".to_owned()),
    }
    .into_active_model()
    .insert(conn)
    .await
    .expect("exception");
    record(conn, cat, 3, "present", (9, 0), (17, 0)).await;

    // March 2026 has 22 weekdays; today is the 10th (7 working days elapsed).
    let report = reports::monthly(conn, 2026, 3, &filter(10))
        .await
        .expect("monthly report");
    let row = |id: Uuid| {
        report
            .persons
            .iter()
            .find(|p| p.person_id == id)
            .expect("a row")
            .clone()
    };
    assert_eq!((row(ann).working_days, row(ann).days_absent), (21, 6));
    assert_eq!((row(ben).working_days, row(ben).days_absent), (22, 7));
    // Work on one's day off is work, but not a working day's presence.
    assert_eq!((row(cat).working_days, row(cat).days_present), (21, 0));

    let sheet = sheet::monthly_sheet(
        conn,
        2026,
        3,
        &SheetFilter {
            department: None,
            organization: None,
            today: date(10),
            page: None,
        },
    )
    .await
    .expect("sheet");
    let cell = |id: Uuid, day: u32| {
        sheet
            .persons
            .iter()
            .find(|p| p.person_id == id)
            .expect("a row")
            .cells[day as usize - 1]
            .status
    };
    assert_eq!(cell(ann, 3), CellStatus::Holiday);
    assert_eq!(cell(ben, 3), CellStatus::Absent);
    assert_eq!(cell(cat, 3), CellStatus::Present);
    assert_eq!(cell(ann, 2), CellStatus::Absent);
    // The day's column sums to its totals: one present, one on holiday, one absent.
    let tuesday = &sheet.day_totals[2];
    assert_eq!((tuesday.present, tuesday.absent), (1, 1));
    assert_eq!(sheet.day_totals[1].absent, 3);
}
