//! The Frappe HRMS connector against a site that answers as Frappe and HRMS do
//! (`support/frappe_server.rs`): the request asserted field by field, corrections as updates of
//! the same checkin, and every refusal. `live_frappe` runs against a real site when
//! `FRAPPE_URL`, `FRAPPE_API_KEY`, `FRAPPE_API_SECRET` and `FRAPPE_EMPLOYEE` (the employee's
//! `attendance_device_id`) are set; `FRAPPE_TIME_ZONE` names the site's zone (UTC otherwise).

#[path = "support/frappe_server.rs"]
mod frappe_server;

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use faceattend_connectors::frappe::FrappeDestination;
use faceattend_connectors::guard::{OutboundClient, OutboundPolicy};
use faceattend_connectors::{AttendanceMark, DeliveryOutcome, MarkKind, Refusal};
use frappe_server::{ADD_LOG, API_KEY, API_SECRET, Checkin, FrappeServer};
use serde_json::json;
use uuid::Uuid;

fn client() -> OutboundClient {
    // The test server listens on loopback: this destination is allowed private addresses.
    OutboundClient::new(&OutboundPolicy {
        allow_private: true,
        timeout: Duration::from_secs(5),
        verify_tls: true,
    })
    .expect("a client")
}

fn site(server: &FrappeServer, fieldname: Option<&str>) -> FrappeDestination {
    FrappeDestination::new(
        &server.url,
        API_KEY,
        API_SECRET,
        fieldname,
        chrono_tz::Asia::Kolkata,
    )
    .expect("valid")
}

fn mark(employee: &str, kind: MarkKind, at: &str) -> AttendanceMark {
    AttendanceMark {
        event_id: Uuid::new_v4(),
        attendance_id: Uuid::new_v4(),
        person_id: Uuid::new_v4(),
        employee: employee.to_owned(),
        kind,
        at: DateTime::parse_from_rfc3339(at).expect("a time").to_utc(),
        check_in_at: None,
        camera_id: Some("gate-1".into()),
        external_record: None,
    }
}

fn delivered_record(outcome: &DeliveryOutcome) -> String {
    match outcome {
        DeliveryOutcome::Delivered {
            status: Some(200),
            external_record: Some(name),
            ..
        } => name.clone(),
        other => panic!("expected delivered, got {other:?}"),
    }
}

fn refused(outcome: &DeliveryOutcome) -> (Refusal, String) {
    match outcome {
        DeliveryOutcome::Refused {
            refusal,
            reason,
            status: Some(_),
            ..
        } => (*refusal, reason.clone()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn server_with_staff() -> FrappeServer {
    let server = FrappeServer::start().await;
    server.add_employee(
        "HR-EMP-00001",
        "Ada Lovelace",
        "Active",
        &[("attendance_device_id", "1001"), ("custom_badge", "B-7")],
    );
    server.add_employee(
        "HR-EMP-00002",
        "Alan Turing",
        "Inactive",
        &[("attendance_device_id", "1002")],
    );
    server
}

#[tokio::test]
async fn a_check_in_is_one_log_asked_for_field_by_field() {
    let server = server_with_staff().await;
    // 03:30 UTC is 09:00 in Kolkata, the site's zone.
    let outcome = site(&server, None)
        .deliver(
            &client(),
            &mark("1001", MarkKind::CheckIn, "2026-12-07T03:30:00.600Z"),
        )
        .await;
    let name = delivered_record(&outcome);
    assert_eq!(name, "EMP-CKIN-12-2026-000001");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, ADD_LOG);
    assert_eq!(
        r.authorization.as_deref(),
        Some(format!("token {API_KEY}:{API_SECRET}").as_str())
    );
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        r.body,
        json!({
            "employee_field_value": "1001",
            "timestamp": "2026-12-07 09:00:00",
            "device_id": "gate-1",
            "log_type": "IN",
            "employee_fieldname": "attendance_device_id",
        })
    );
    assert_eq!(
        server.checkins(),
        vec![Checkin {
            name,
            employee: "HR-EMP-00001".into(),
            time: "2026-12-07 09:00:00".into(),
            log_type: Some("IN".into()),
            device_id: Some("gate-1".into()),
            attendance: None,
        }]
    );
}

#[tokio::test]
async fn a_check_out_by_a_custom_field_without_a_camera() {
    let server = server_with_staff().await;
    let mut out = mark("B-7", MarkKind::CheckOut, "2026-12-07T12:45:10Z");
    out.camera_id = None;
    delivered_record(
        &site(&server, Some("custom_badge"))
            .deliver(&client(), &out)
            .await,
    );
    assert_eq!(
        server.requests()[0].body,
        json!({
            "employee_field_value": "B-7",
            "timestamp": "2026-12-07 18:15:10",
            "log_type": "OUT",
            "employee_fieldname": "custom_badge",
        })
    );
    assert_eq!(server.checkins()[0].log_type.as_deref(), Some("OUT"));
    assert_eq!(server.checkins()[0].device_id, None);
}

#[tokio::test]
async fn a_replay_is_a_duplicate_and_makes_no_second_log() {
    let server = server_with_staff().await;
    let frappe = site(&server, None);
    let check_in = mark("1001", MarkKind::CheckIn, "2026-12-07T03:30:00Z");
    delivered_record(&frappe.deliver(&client(), &check_in).await);
    let (refusal, reason) = refused(&frappe.deliver(&client(), &check_in).await);
    assert_eq!(refusal, Refusal::Duplicate);
    assert!(
        reason.contains("already has a log with the same timestamp"),
        "{reason}"
    );
    assert_eq!(server.checkins().len(), 1);
}

#[tokio::test]
async fn unknown_and_inactive_employees_are_refused() {
    let server = server_with_staff().await;
    let frappe = site(&server, None);
    let (refusal, reason) = refused(
        &frappe
            .deliver(
                &client(),
                &mark("9999", MarkKind::CheckIn, "2026-12-07T03:30:00Z"),
            )
            .await,
    );
    assert_eq!(refusal, Refusal::EmployeeNotFound);
    assert!(reason.contains("'attendance_device_id': 9999"), "{reason}");
    let (refusal, reason) = refused(
        &frappe
            .deliver(
                &client(),
                &mark("1002", MarkKind::CheckIn, "2026-12-07T03:30:00Z"),
            )
            .await,
    );
    assert_eq!(refusal, Refusal::EmployeeInactive);
    assert!(
        reason.starts_with("InactiveEmployeeStatusError"),
        "{reason}"
    );
    assert!(server.checkins().is_empty());
}

#[tokio::test]
async fn a_correction_moves_the_same_log() {
    let server = server_with_staff().await;
    let frappe = site(&server, None);
    let name = delivered_record(
        &frappe
            .deliver(
                &client(),
                &mark("1001", MarkKind::CheckIn, "2026-12-07T03:30:00Z"),
            )
            .await,
    );

    server.clear_requests();
    let mut corrected = mark("1001", MarkKind::CheckIn, "2026-12-07T03:20:00Z");
    corrected.external_record = Some(name.clone());
    assert_eq!(
        delivered_record(&frappe.deliver(&client(), &corrected).await),
        name
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "PUT");
    assert_eq!(
        requests[0].path,
        format!("/api/resource/Employee Checkin/{name}")
    );
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some(format!("token {API_KEY}:{API_SECRET}").as_str())
    );
    assert_eq!(requests[0].body, json!({ "time": "2026-12-07 08:50:00" }));
    let checkins = server.checkins();
    assert_eq!(checkins.len(), 1, "updated, not added");
    assert_eq!(checkins[0].time, "2026-12-07 08:50:00");

    // Once HRMS has made the day's Attendance from it, the time is locked.
    server.link_attendance(&name, "HR-ATT-2026-00001");
    corrected.at = DateTime::parse_from_rfc3339("2026-12-07T03:10:00Z")
        .expect("a time")
        .to_utc();
    let (refusal, reason) = refused(&frappe.deliver(&client(), &corrected).await);
    assert_eq!(refusal, Refusal::Rejected);
    assert!(reason.contains("cancel the attendance"), "{reason}");

    // A log deleted on the site since.
    corrected.external_record = Some("EMP-CKIN-12-2026-000404".into());
    let (refusal, reason) = refused(&frappe.deliver(&client(), &corrected).await);
    assert_eq!(refusal, Refusal::Rejected);
    assert!(reason.contains("EMP-CKIN-12-2026-000404"), "{reason}");
}

#[tokio::test]
async fn refused_credentials_and_permissions_disable_the_destination() {
    let server = server_with_staff().await;
    let wrong =
        FrappeDestination::new(&server.url, API_KEY, "wrong-secret", None, Tz::UTC).expect("valid");
    match wrong
        .deliver(
            &client(),
            &mark("1001", MarkKind::CheckIn, "2026-12-07T03:30:00Z"),
        )
        .await
    {
        DeliveryOutcome::Disable {
            status: Some(401),
            reason,
            ..
        } => assert!(reason.contains("AuthenticationError"), "{reason}"),
        other => panic!("expected disable, got {other:?}"),
    }
    server.deny_permission();
    match site(&server, None)
        .deliver(
            &client(),
            &mark("1001", MarkKind::CheckIn, "2026-12-07T03:30:00Z"),
        )
        .await
    {
        DeliveryOutcome::Disable {
            status: Some(403),
            reason,
            ..
        } => {
            assert!(
                reason.contains("PermissionError") && reason.contains("Employee Checkin"),
                "{reason}"
            )
        }
        other => panic!("expected disable, got {other:?}"),
    }
    assert!(server.checkins().is_empty());
}

#[tokio::test]
async fn busy_or_failing_sites_are_retried_and_garbage_is_refused() {
    let server = server_with_staff().await;
    let frappe = site(&server, None);
    let check_in = mark("1001", MarkKind::CheckIn, "2026-12-07T03:30:00Z");

    server.fail_next(429, &[("retry-after", "7")], "Too Many Requests");
    match frappe.deliver(&client(), &check_in).await {
        DeliveryOutcome::Retry {
            status: Some(429),
            retry_after,
            ..
        } => assert_eq!(retry_after, Some(Duration::from_secs(7))),
        other => panic!("expected retry, got {other:?}"),
    }
    server.fail_next(
        502,
        &[("content-type", "text/html")],
        "<html>Bad Gateway</html>",
    );
    match frappe.deliver(&client(), &check_in).await {
        DeliveryOutcome::Retry {
            status: Some(502),
            retry_after: None,
            ..
        } => {}
        other => panic!("expected retry, got {other:?}"),
    }
    server.fail_next(
        200,
        &[("content-type", "application/json")],
        r#"{"message": null}"#,
    );
    assert_eq!(
        refused(&frappe.deliver(&client(), &check_in).await).0,
        Refusal::InvalidResponse
    );
    assert!(server.checkins().is_empty());

    delivered_record(&frappe.deliver(&client(), &check_in).await);
}

#[tokio::test]
async fn an_unreachable_site_is_retried() {
    let server = FrappeServer::start().await;
    let frappe = site(&server, None);
    drop(server);
    tokio::time::sleep(Duration::from_millis(300)).await;
    match frappe
        .deliver(
            &client(),
            &mark("1001", MarkKind::CheckIn, "2026-12-07T03:30:00Z"),
        )
        .await
    {
        DeliveryOutcome::Retry { status: None, .. } => {}
        other => panic!("expected retry, got {other:?}"),
    }
}

/// Runs against a real Frappe HRMS site when it is configured; leaves one Employee Checkin
/// behind, dated in 2001.
#[tokio::test]
async fn live_frappe() {
    let vars = [
        "FRAPPE_URL",
        "FRAPPE_API_KEY",
        "FRAPPE_API_SECRET",
        "FRAPPE_EMPLOYEE",
    ];
    let values: Vec<Option<String>> = vars
        .iter()
        .map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .collect();
    let [Some(url), Some(key), Some(secret), Some(employee)] =
        <[Option<String>; 4]>::try_from(values).expect("four")
    else {
        eprintln!(
            "live_frappe skipped: set {} (and FRAPPE_TIME_ZONE) to run it against a real site",
            vars.join(", ")
        );
        return;
    };
    let zone: Tz = std::env::var("FRAPPE_TIME_ZONE")
        .ok()
        .and_then(|z| z.parse().ok())
        .unwrap_or(Tz::UTC);
    let http = OutboundClient::new(&OutboundPolicy {
        allow_private: true,
        ..OutboundPolicy::default()
    })
    .expect("a client");
    let frappe = FrappeDestination::new(&url, &key, &secret, None, zone).expect("valid");
    let at = DateTime::parse_from_rfc3339("2001-01-01T08:00:00Z")
        .expect("a time")
        .to_utc()
        + chrono::Duration::seconds(Utc::now().timestamp() % 86_400);
    let check_in = AttendanceMark {
        at,
        ..mark(&employee, MarkKind::CheckIn, "2001-01-01T00:00:00Z")
    };
    let name = delivered_record(&frappe.deliver(&http, &check_in).await);
    assert_eq!(
        refused(&frappe.deliver(&http, &check_in).await).0,
        Refusal::Duplicate
    );
    let corrected = AttendanceMark {
        at: at - chrono::Duration::minutes(1),
        external_record: Some(name.clone()),
        ..check_in
    };
    assert_eq!(
        delivered_record(&frappe.deliver(&http, &corrected).await),
        name
    );
    eprintln!("live_frappe: made Employee Checkin {name}");
}
