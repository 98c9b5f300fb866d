//! What the worker decides under the stored shifts, exceptions and declared camera roles, and
//! what it leaves alone (a day entered by hand); and a NATS outage in the middle of a stream.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{NaiveTime, Utc};
use faceattend_attendance_store::entities::{
    attendance, attendance_exception, attendance_session, detection as stored_detection,
    person_directory,
};
use faceattend_attendance_store::review;
use faceattend_domain::attendance::{AttendanceStatus, ReviewReason};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait};
use uuid::Uuid;

use crate::helpers::{
    Backend, TcpCut, TestApp, at, detection, eventually, spawn_app, spawn_app_via, spawn_app_with,
    test_nats_url, workday,
};

crate::on_both_backends!(
    a_stored_shift_makes_a_late_arrival_late,
    a_night_shift_of_an_organization_ends_the_next_morning,
    a_holiday_excuses_lateness,
    declared_camera_roles_decide_the_direction,
    the_camera_registry_decides_the_direction_before_camera_roles,
    a_day_entered_by_hand_is_left_alone,
);

fn time(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time")
}

async fn seed_shift(app: &TestApp, start: NaiveTime, end: NaiveTime, organization: Option<&str>) {
    attendance_session::Model {
        id: Uuid::now_v7(),
        name: "Shift".to_owned(),
        start_time: start,
        end_time: end,
        expected_duration_minutes: 480,
        grace_period_minutes: 10,
        early_leave_grace_minutes: 5,
        is_active: true,
        organization: organization.map(str::to_owned),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
    .into_active_model()
    .insert(app.store.connection())
    .await
    .expect("shift inserted");
}

async fn seed_person(app: &TestApp, organization: &str) -> Uuid {
    let person_id = Uuid::now_v7();
    person_directory::Model {
        person_id,
        name: "Night Owl".to_owned(),
        person_type: "employee".to_owned(),
        status: "active".to_owned(),
        department: None,
        organization: Some(organization.to_owned()),
        deleted: false,
        updated_at: Utc::now(),
        version: 1,
        created_at: None,
    }
    .into_active_model()
    .insert(app.store.connection())
    .await
    .expect("person inserted");
    person_id
}

fn at_camera(
    person: Uuid,
    camera: &str,
    when: chrono::DateTime<Utc>,
) -> faceattend_proto::faces::v1::Detection {
    let mut seen = detection(person, when, 0.9);
    seen.camera_id = camera.to_owned();
    seen
}

async fn a_stored_shift_makes_a_late_arrival_late(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_shift(&app, time(9, 0), time(17, 0), None).await;
    let person = Uuid::new_v4();
    app.publish_detection(&at_camera(person, "gate-in", at(workday(), 9, 30)))
        .await;
    app.publish_detection(&at_camera(person, "gate-out", at(workday(), 16, 0)))
        .await;
    let record = eventually("a complete day", || async {
        app.day_record(person, workday())
            .await
            // Both sightings: the worker may take them in either order, and a day seen only
            // from its evening is a pending check-out until the morning arrives.
            .filter(|r| r.check_in.is_some() && r.check_out.is_some())
    })
    .await;
    assert_eq!(record.status, AttendanceStatus::Late);
    assert_eq!(record.late_minutes, 30);
    assert_eq!(record.early_leave_minutes, 60);
    assert_eq!(record.worked_minutes, Some(390));
}

async fn a_night_shift_of_an_organization_ends_the_next_morning(backend: Backend) {
    let app = spawn_app(backend).await;
    // Everyone else works days; the night crew works 22:00–06:00.
    seed_shift(&app, time(9, 0), time(17, 0), None).await;
    seed_shift(&app, time(22, 0), time(6, 0), Some("Night crew")).await;
    let person = seed_person(&app, "Night crew").await;
    let next_day = workday().succ_opt().expect("a next day");
    app.publish_detection(&at_camera(person, "gate-in", at(workday(), 22, 5)))
        .await;
    app.publish_detection(&at_camera(person, "gate-out", at(next_day, 6, 10)))
        .await;
    let record = eventually("the night's record", || async {
        app.day_record(person, workday())
            .await
            // Both sightings: the worker may take them in either order, and a day seen only
            // from its evening is a pending check-out until the morning arrives.
            .filter(|r| r.check_in.is_some() && r.check_out.is_some())
    })
    .await;
    assert_eq!(record.status, AttendanceStatus::Present);
    assert_eq!(record.worked_minutes, Some(8 * 60 + 5));
    assert!(app.day_record(person, next_day).await.is_none());
}

async fn a_holiday_excuses_lateness(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_shift(&app, time(9, 0), time(17, 0), None).await;
    attendance_exception::Model {
        id: Uuid::now_v7(),
        person_id: None,
        exception_date: workday(),
        exception_type: "holiday".to_owned(),
        reason: "Founders' day".to_owned(),
        requires_approval: false,
        approved: false,
        approved_by: None,
        approved_at: None,
        created_at: Utc::now(),
        organization: None,
    }
    .into_active_model()
    .insert(app.store.connection())
    .await
    .expect("holiday inserted");
    let person = Uuid::new_v4();
    app.publish_detection(&at_camera(person, "gate-in", at(workday(), 11, 0)))
        .await;
    let record = eventually("a record", || app.day_record(person, workday())).await;
    assert_eq!(record.status, AttendanceStatus::Present);
    assert_eq!(record.late_minutes, 0);
}

async fn declared_camera_roles_decide_the_direction(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = Uuid::new_v4();
    // No shift: without roles, 08:00 would be a check-in and 18:00 a check-out. The exit
    // camera at 08:00 can only check out; the entry camera at 18:00 only check in.
    app.publish_detection(&at_camera(person, "gate-out", at(workday(), 8, 0)))
        .await;
    let record = eventually("a record", || app.day_record(person, workday())).await;
    assert!(record.check_in.is_none());
    assert_eq!(record.status, AttendanceStatus::Pending);
    let items = review::for_day(app.store.connection(), person, workday())
        .await
        .expect("review items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].reason, ReviewReason::NoCheckIn);

    app.publish_detection(&at_camera(person, "gate-in", at(workday(), 18, 0)))
        .await;
    let record = eventually("a check-in", || async {
        app.day_record(person, workday())
            .await
            .filter(|r| r.check_in.is_some())
    })
    .await;
    assert_eq!(
        record.check_in.expect("checked in").at,
        at(workday(), 18, 0)
    );
    // The morning exit is not after the check-in: no check-out, and the review item stays
    // pending only as long as it is wanted.
    assert!(record.check_out.is_none());
}

async fn the_camera_registry_decides_the_direction_before_camera_roles(backend: Backend) {
    use faceattend_camera_registry::CameraRegistry;
    use faceattend_domain::camera::{Camera, CameraDraft};
    // The registry says gate-in (CAMERA_ROLES: entry) is an exit, and knows lobby, which
    // CAMERA_ROLES does not, as an entry.
    let namespace = format!("t{}", &Uuid::new_v4().simple().to_string()[..16]);
    let bus = faceattend_bus::Bus::connect(&faceattend_bus::BusConfig {
        url: test_nats_url(),
        namespace: namespace.clone(),
        client_name: "attendance-worker-tests".to_owned(),
    })
    .await
    .expect("bus");
    let registry = CameraRegistry::open(&bus).await.expect("registry");
    for (id, role) in [("gate-in", "exit"), ("lobby", "entry")] {
        let camera = Camera::parse(CameraDraft {
            id: id.to_owned(),
            name: None,
            source: format!("rtsp://10.0.0.1/{id}"),
            role: role.to_owned(),
            sample_fps: None,
            roi: None,
            enabled: None,
            agent: None,
            realtime: None,
            repeat: None,
        })
        .expect("a valid camera");
        registry
            .create(&camera, "admin@example.com")
            .await
            .expect("registered");
    }
    let app = spawn_app_with(backend, |settings| settings.bus_namespace = namespace).await;
    let person = Uuid::new_v4();
    app.publish_detection(&at_camera(person, "gate-in", at(workday(), 8, 0)))
        .await;
    let record = eventually("a record", || app.day_record(person, workday())).await;
    assert!(
        record.check_in.is_none(),
        "gate-in is an exit now: {record:?}"
    );

    app.publish_detection(&at_camera(person, "lobby", at(workday(), 18, 0)))
        .await;
    let record = eventually("a check-in", || async {
        app.day_record(person, workday())
            .await
            .filter(|r| r.check_in.is_some())
    })
    .await;
    assert_eq!(
        record.check_in.expect("checked in").at,
        at(workday(), 18, 0)
    );
    assert!(record.check_out.is_none());
}

async fn a_day_entered_by_hand_is_left_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = Uuid::new_v4();
    let now = Utc::now();
    let manual = attendance::Model {
        id: Uuid::now_v7(),
        person_id: person,
        attendance_date: workday(),
        check_in_time: Some(at(workday(), 9, 0)),
        check_in_confidence: None,
        check_in_source: Some("manual".to_owned()),
        check_in_detection_id: None,
        check_in_camera_id: None,
        check_out_time: None,
        check_out_confidence: None,
        check_out_source: None,
        check_out_detection_id: None,
        check_out_camera_id: None,
        duration_minutes: None,
        status: "pending".to_owned(),
        status_evidence: None,
        late_minutes: 0,
        early_leave_minutes: 0,
        is_manual: true,
        approved_by: None,
        approval_timestamp: None,
        remarks: None,
        created_at: now,
        updated_at: now,
    }
    .into_active_model()
    .insert(app.store.connection())
    .await
    .expect("manual day inserted");
    app.publish_detection(&detection(person, at(workday(), 7, 0), 0.95))
        .await;
    app.wait_detections("manual_day", 1).await;
    let after = attendance::Entity::find_by_id(manual.id)
        .one(app.store.connection())
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(after, manual, "the rules do not overwrite a manual day");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_outage_mid_stream_loses_and_doubles_nothing() {
    let cut = TcpCut::start(&test_nats_url()).await;
    let app = spawn_app_via(Backend::Postgres, &cut.url()).await;
    let people: Vec<Uuid> = (0..30).map(|_| Uuid::new_v4()).collect();
    let mut published = HashSet::new();
    for person in &people[..15] {
        let seen = detection(*person, at(workday(), 8, 30), 0.9);
        published.insert(seen.detection_id.clone());
        app.publish_detection(&seen).await;
    }
    // NATS goes away while the worker is busy; more detections arrive meanwhile.
    cut.cut();
    for person in &people[15..] {
        let seen = detection(*person, at(workday(), 8, 30), 0.9);
        published.insert(seen.detection_id.clone());
        app.publish_detection(&seen).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    cut.restore();

    for person in &people {
        eventually("every person checked in", || async {
            app.day_record(*person, workday())
                .await
                .filter(|r| r.check_in.is_some())
        })
        .await;
    }
    let stored = stored_detection::Entity::find()
        .count(app.store.connection())
        .await
        .expect("count");
    assert_eq!(stored, published.len() as u64);
    eventually("one checked_in event per person", || async {
        (app.attendance_events("checked_in").await.len() >= people.len()).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.attendance_events("checked_in").await.len(),
        people.len(),
        "no event lost or doubled"
    );
}
