//! The Odoo connector against an Odoo that answers as Odoo does (`support/odoo_server.rs`):
//! the requests asserted field by field over both protocols, the replays that must not make a
//! second record, and every refusal. `live_odoo` runs against a real Odoo when `ODOO_URL`,
//! `ODOO_DB`, `ODOO_LOGIN`, `ODOO_API_KEY` and `ODOO_EMPLOYEE_ID` are set.

#[path = "support/odoo_server.rs"]
mod odoo_server;

use std::time::Duration;

use chrono::{DateTime, Utc};
use faceattend_connectors::guard::{OutboundClient, OutboundPolicy};
use faceattend_connectors::odoo::{OdooConnector, OdooDestination, OdooProtocol};
use faceattend_connectors::{AttendanceMark, DeliveryOutcome, MarkKind, Refusal};
use odoo_server::{API_KEY, DATABASE, LOGIN, OdooServer, parse};
use serde_json::{Value, json};
use uuid::Uuid;

const BOTH: [OdooProtocol; 2] = [OdooProtocol::JsonRpc, OdooProtocol::Json2];

fn client() -> OutboundClient {
    // The test server listens on loopback: this destination is allowed private addresses.
    OutboundClient::new(&OutboundPolicy {
        allow_private: true,
        timeout: Duration::from_secs(5),
        verify_tls: true,
    })
    .expect("a client")
}

fn connector(server: &OdooServer, protocol: OdooProtocol) -> OdooConnector {
    OdooConnector::new(
        OdooDestination::new(&server.url, DATABASE, LOGIN, API_KEY, protocol).expect("valid"),
    )
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("a time").to_utc()
}

fn mark(employee: &str, kind: MarkKind, at: &str) -> AttendanceMark {
    AttendanceMark {
        event_id: Uuid::new_v4(),
        attendance_id: Uuid::new_v4(),
        person_id: Uuid::new_v4(),
        employee: employee.to_owned(),
        kind,
        at: utc(at),
        check_in_at: None,
        camera_id: Some("lobby".into()),
        external_record: None,
    }
}

fn check_out(employee: &str, check_in: &str, at: &str) -> AttendanceMark {
    AttendanceMark {
        check_in_at: Some(utc(check_in)),
        ..mark(employee, MarkKind::CheckOut, at)
    }
}

fn delivered_record(outcome: &DeliveryOutcome) -> String {
    match outcome {
        DeliveryOutcome::Delivered {
            status: Some(200),
            external_record: Some(id),
            ..
        } => id.clone(),
        other => panic!("expected delivered, got {other:?}"),
    }
}

fn refusal(outcome: &DeliveryOutcome) -> Refusal {
    match outcome {
        DeliveryOutcome::Refused { refusal, .. } => *refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The ORM calls made, as (model, method, named arguments), whichever protocol framed them;
/// JSON-RPC's authenticate calls are left out and counted apart.
fn orm_calls(server: &OdooServer) -> Vec<(String, String, Value)> {
    server
        .requests()
        .into_iter()
        .filter_map(|r| {
            if r.path == "/jsonrpc" {
                let args = r.body["params"]["args"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if r.body["params"]["method"] != "execute_kw" {
                    return None;
                }
                let method = args[4].as_str().unwrap_or_default().to_owned();
                let named = match method.as_str() {
                    "search_read" => {
                        let mut named = args[6].clone();
                        named["domain"] = args[5][0].clone();
                        named
                    }
                    "create" => json!({ "vals_list": [args[5][0]] }),
                    "write" => json!({ "ids": args[5][0], "vals": args[5][1] }),
                    _ => json!(null),
                };
                Some((
                    args[3].as_str().unwrap_or_default().to_owned(),
                    method,
                    named,
                ))
            } else {
                let mut parts = r.path.trim_start_matches("/json/2/").split('/');
                let model = parts.next().unwrap_or_default().to_owned();
                let method = parts.next().unwrap_or_default().to_owned();
                Some((model, method, r.body))
            }
        })
        .collect()
}

fn authentications(server: &OdooServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.body["params"]["method"] == "authenticate")
        .count()
}

#[tokio::test]
async fn jsonrpc_requests_are_odoos_field_by_field() {
    let server = OdooServer::start().await;
    server.add_employee(7, "Ada Lovelace", true);
    let odoo = connector(&server, OdooProtocol::JsonRpc);

    let outcome = odoo
        .deliver(
            &client(),
            &mark("7", MarkKind::CheckIn, "2026-03-02T08:00:05.250+01:00"),
        )
        .await;
    let id = delivered_record(&outcome);

    let requests = server.requests();
    assert_eq!(
        requests.len(),
        4,
        "authenticate, search the stay, look up the employee, create"
    );
    for r in &requests {
        assert_eq!(r.path, "/jsonrpc");
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
        assert_eq!(
            r.authorization, None,
            "JSON-RPC carries the key in its arguments only"
        );
        assert_eq!(r.body["jsonrpc"], "2.0");
        assert_eq!(r.body["method"], "call");
        assert!(r.body["id"].is_u64());
    }
    assert_eq!(
        requests[0].body["params"],
        json!({
            "service": "common",
            "method": "authenticate",
            "args": [DATABASE, LOGIN, API_KEY, {}],
        })
    );
    let execute = |i: usize| requests[i].body["params"].clone();
    assert_eq!(
        execute(1),
        json!({
            "service": "object",
            "method": "execute_kw",
            "args": [DATABASE, 2, API_KEY, "hr.attendance", "search_read",
                [[["employee_id", "=", 7], "|", ["check_out", "=", false], ["check_in", "=", "2026-03-02 07:00:05"]]],
                {"fields": ["id", "check_in", "check_out"]}],
        })
    );
    assert_eq!(
        execute(2),
        json!({
            "service": "object",
            "method": "execute_kw",
            "args": [DATABASE, 2, API_KEY, "hr.employee", "search_read",
                [[["id", "=", 7]]],
                {"fields": ["id", "active"], "context": {"active_test": false}}],
        })
    );
    assert_eq!(
        execute(3),
        json!({
            "service": "object",
            "method": "execute_kw",
            "args": [DATABASE, 2, API_KEY, "hr.attendance", "create",
                [{"employee_id": 7, "check_in": "2026-03-02 07:00:05"}], {}],
        })
    );
    assert_eq!(server.attendances().len(), 1);
    assert_eq!(id, server.attendances()[0].id.to_string());

    // The check-out: the uid is kept, the stay's record is found by its check-in and closed.
    server.clear_requests();
    let outcome = odoo
        .deliver(
            &client(),
            &check_out("7", "2026-03-02T07:00:05Z", "2026-03-02T16:30:00Z"),
        )
        .await;
    assert_eq!(delivered_record(&outcome), id);
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "no second authenticate: {requests:?}");
    assert_eq!(
        requests[1].body["params"]["args"],
        json!([DATABASE, 2, API_KEY, "hr.attendance", "write",
        [[id.parse::<i64>().expect("an id")], {"check_out": "2026-03-02 16:30:00"}], {}])
    );
    assert_eq!(
        server.attendances()[0].check_out,
        Some(parse("2026-03-02 16:30:00"))
    );
}

#[tokio::test]
async fn json2_requests_are_odoos_field_by_field() {
    let server = OdooServer::start().await;
    server.add_employee(7, "Ada Lovelace", true);
    let odoo = connector(&server, OdooProtocol::Json2);

    let outcome = odoo
        .deliver(
            &client(),
            &mark("7", MarkKind::CheckIn, "2026-03-02T07:00:05Z"),
        )
        .await;
    let id = delivered_record(&outcome);

    let requests = server.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/json/2/hr.attendance/search_read",
            "/json/2/hr.employee/search_read",
            "/json/2/hr.attendance/create"
        ]
    );
    for r in &requests {
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("bearer {API_KEY}").as_str())
        );
        assert_eq!(r.database.as_deref(), Some(DATABASE));
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
    }
    assert_eq!(
        requests[0].body,
        json!({
            "domain": [["employee_id", "=", 7], "|", ["check_out", "=", false], ["check_in", "=", "2026-03-02 07:00:05"]],
            "fields": ["id", "check_in", "check_out"],
        })
    );
    assert_eq!(
        requests[1].body,
        json!({
            "domain": [["id", "=", 7]],
            "fields": ["id", "active"],
            "context": {"active_test": false},
        })
    );
    assert_eq!(
        requests[2].body,
        json!({ "vals_list": [{"employee_id": 7, "check_in": "2026-03-02 07:00:05"}] })
    );

    server.clear_requests();
    let outcome = odoo
        .deliver(
            &client(),
            &check_out("7", "2026-03-02T07:00:05Z", "2026-03-02T16:30:00Z"),
        )
        .await;
    assert_eq!(delivered_record(&outcome), id);
    let requests = server.requests();
    assert_eq!(requests[1].path, "/json/2/hr.attendance/write");
    assert_eq!(
        requests[1].body,
        json!({ "ids": [id.parse::<i64>().expect("an id")], "vals": {"check_out": "2026-03-02 16:30:00"} })
    );
}

#[tokio::test]
async fn replays_make_no_second_record() {
    for protocol in BOTH {
        let server = OdooServer::start().await;
        server.add_employee(7, "Ada Lovelace", true);
        let odoo = connector(&server, protocol);
        let check_in = mark("7", MarkKind::CheckIn, "2026-03-02T07:00:00Z");
        let id = delivered_record(&odoo.deliver(&client(), &check_in).await);

        // The same check-in again, while the stay is open: the record is found, none is made.
        assert_eq!(
            delivered_record(&odoo.deliver(&client(), &check_in).await),
            id,
            "{protocol:?}"
        );
        let closing = check_out("7", "2026-03-02T07:00:00Z", "2026-03-02T12:00:00Z");
        assert_eq!(
            delivered_record(&odoo.deliver(&client(), &closing).await),
            id
        );

        // Both again after the stay closed: found by their times, nothing written.
        server.clear_requests();
        assert_eq!(
            delivered_record(&odoo.deliver(&client(), &check_in).await),
            id
        );
        assert_eq!(
            delivered_record(&odoo.deliver(&client(), &closing).await),
            id
        );
        let writes: Vec<_> = orm_calls(&server)
            .into_iter()
            .filter(|(_, m, _)| m != "search_read")
            .collect();
        assert!(writes.is_empty(), "{protocol:?}: {writes:?}");
        assert_eq!(server.attendances().len(), 1, "{protocol:?}");
        assert_eq!(
            server.attendances()[0].check_out,
            Some(parse("2026-03-02 12:00:00"))
        );
    }
}

#[tokio::test]
async fn a_check_out_without_an_open_record_makes_a_closed_one() {
    for protocol in BOTH {
        let server = OdooServer::start().await;
        server.add_employee(9, "Grace Hopper", true);
        let odoo = connector(&server, protocol);
        let outcome = odoo
            .deliver(
                &client(),
                &check_out("9", "2026-03-02T08:00:00Z", "2026-03-02T17:00:00Z"),
            )
            .await;
        let id = delivered_record(&outcome);
        let creates: Vec<_> = orm_calls(&server)
            .into_iter()
            .filter(|(_, m, _)| m == "create")
            .collect();
        assert_eq!(
            creates[0].2,
            json!({ "vals_list": [{"employee_id": 9, "check_in": "2026-03-02 08:00:00", "check_out": "2026-03-02 17:00:00"}] })
        );
        assert_eq!(
            server.attendances(),
            vec![odoo_server::Attendance {
                id: id.parse().expect("an id"),
                employee_id: 9,
                check_in: parse("2026-03-02 08:00:00"),
                check_out: Some(parse("2026-03-02 17:00:00")),
            }]
        );

        // Without the stay's check-in, there is nothing Odoo could record.
        let lone = mark("9", MarkKind::CheckOut, "2026-03-03T17:00:00Z");
        let outcome = odoo.deliver(&client(), &lone).await;
        assert_eq!(refusal(&outcome), Refusal::Rejected, "{protocol:?}");
    }
}

#[tokio::test]
async fn a_check_out_closes_the_open_record_a_person_made_by_hand() {
    let server = OdooServer::start().await;
    server.add_employee(7, "Ada Lovelace", true);
    let open = server.add_attendance(7, "2026-03-02 06:55:00", None);
    let odoo = connector(&server, OdooProtocol::Json2);
    let outcome = odoo
        .deliver(
            &client(),
            &check_out("7", "2026-03-02T07:00:00Z", "2026-03-02T15:00:00Z"),
        )
        .await;
    assert_eq!(delivered_record(&outcome), open.to_string());
    assert_eq!(
        server.attendances()[0].check_out,
        Some(parse("2026-03-02 15:00:00"))
    );
}

#[tokio::test]
async fn corrections_write_the_record_delivered_before() {
    for protocol in BOTH {
        let server = OdooServer::start().await;
        server.add_employee(7, "Ada Lovelace", true);
        let id = server.add_attendance(7, "2026-03-02 07:00:00", Some("2026-03-02 16:00:00"));
        let odoo = connector(&server, protocol);

        let mut corrected = mark("7", MarkKind::CheckIn, "2026-03-02T06:45:00Z");
        corrected.external_record = Some(id.to_string());
        assert_eq!(
            delivered_record(&odoo.deliver(&client(), &corrected).await),
            id.to_string()
        );
        let calls = orm_calls(&server);
        assert_eq!(calls.len(), 1, "one write, no search: {calls:?}");
        assert_eq!(
            calls[0],
            (
                "hr.attendance".into(),
                "write".into(),
                json!({ "ids": [id], "vals": {"check_in": "2026-03-02 06:45:00"} })
            )
        );
        assert_eq!(
            server.attendances()[0].check_in,
            parse("2026-03-02 06:45:00")
        );

        let mut corrected = check_out("7", "2026-03-02T06:45:00Z", "2026-03-02T16:10:00Z");
        corrected.external_record = Some(id.to_string());
        assert_eq!(
            delivered_record(&odoo.deliver(&client(), &corrected).await),
            id.to_string()
        );
        assert_eq!(
            server.attendances()[0].check_out,
            Some(parse("2026-03-02 16:10:00"))
        );

        // A record deleted in Odoo since: refused for good, not made again.
        server.delete_attendance(id);
        let outcome = odoo.deliver(&client(), &corrected).await;
        match &outcome {
            DeliveryOutcome::Refused {
                refusal: Refusal::Rejected,
                reason,
                ..
            } => {
                assert!(
                    reason.contains("no longer exists") && reason.contains("MissingError"),
                    "{reason}"
                )
            }
            other => panic!("{protocol:?}: expected rejected, got {other:?}"),
        }
        assert!(server.attendances().is_empty());
    }
}

#[tokio::test]
async fn a_second_open_record_is_refused_as_already_checked_in() {
    for protocol in BOTH {
        let server = OdooServer::start().await;
        server.add_employee(7, "Ada Lovelace", true);
        server.add_attendance(7, "2026-03-02 07:00:00", None);
        let odoo = connector(&server, protocol);
        let outcome = odoo
            .deliver(
                &client(),
                &mark("7", MarkKind::CheckIn, "2026-03-02T09:00:00Z"),
            )
            .await;
        assert_eq!(
            refusal(&outcome),
            Refusal::AlreadyCheckedIn,
            "{protocol:?}: {outcome:?}"
        );
        assert!(
            orm_calls(&server)
                .iter()
                .all(|(_, m, _)| m == "search_read"),
            "nothing created"
        );
        assert_eq!(server.attendances().len(), 1);
    }
}

#[tokio::test]
async fn odoos_overlap_refusal_is_overlapping() {
    for protocol in BOTH {
        let server = OdooServer::start().await;
        server.add_employee(7, "Ada Lovelace", true);
        server.add_attendance(7, "2026-03-02 07:00:00", Some("2026-03-02 12:00:00"));
        let odoo = connector(&server, protocol);
        // A stay from 11:00 to 13:00 overlaps the one Odoo holds: Odoo's _check_validity refuses.
        let outcome = odoo
            .deliver(
                &client(),
                &check_out("7", "2026-03-02T11:00:00Z", "2026-03-02T13:00:00Z"),
            )
            .await;
        match &outcome {
            DeliveryOutcome::Refused {
                refusal: Refusal::Overlapping,
                reason,
                response,
                status,
            } => {
                assert!(
                    reason.contains("the employee was already checked in on"),
                    "{reason}"
                );
                assert!(response.contains("ValidationError"), "{response}");
                let expected = if protocol == OdooProtocol::Json2 {
                    422
                } else {
                    200
                };
                assert_eq!(*status, Some(expected));
            }
            other => panic!("{protocol:?}: expected overlapping, got {other:?}"),
        }
        assert_eq!(server.attendances().len(), 1);
    }
}

#[tokio::test]
async fn a_check_out_before_its_check_in_is_rejected_by_odoo() {
    let server = OdooServer::start().await;
    server.add_employee(7, "Ada Lovelace", true);
    server.add_attendance(7, "2026-03-02 09:00:00", None);
    let odoo = connector(&server, OdooProtocol::JsonRpc);
    let outcome = odoo
        .deliver(
            &client(),
            &mark("7", MarkKind::CheckOut, "2026-03-02T08:00:00Z"),
        )
        .await;
    match &outcome {
        DeliveryOutcome::Refused {
            refusal: Refusal::Rejected,
            reason,
            ..
        } => {
            assert!(reason.contains("cannot be earlier"), "{reason}")
        }
        other => panic!("expected rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_and_archived_employees_are_refused_before_anything_is_made() {
    for protocol in BOTH {
        let server = OdooServer::start().await;
        server.add_employee(8, "Alan Turing", false);
        let odoo = connector(&server, protocol);

        let outcome = odoo
            .deliver(
                &client(),
                &mark("404", MarkKind::CheckIn, "2026-03-02T07:00:00Z"),
            )
            .await;
        assert_eq!(refusal(&outcome), Refusal::EmployeeNotFound, "{protocol:?}");
        let outcome = odoo
            .deliver(
                &client(),
                &mark("8", MarkKind::CheckIn, "2026-03-02T07:00:00Z"),
            )
            .await;
        assert_eq!(refusal(&outcome), Refusal::EmployeeInactive, "{protocol:?}");
        let outcome = odoo
            .deliver(
                &client(),
                &check_out("8", "2026-03-02T07:00:00Z", "2026-03-02T08:00:00Z"),
            )
            .await;
        assert_eq!(refusal(&outcome), Refusal::EmployeeInactive, "{protocol:?}");
        assert!(server.attendances().is_empty());

        // A mapping that is no Odoo id at all is refused without asking Odoo.
        server.clear_requests();
        let outcome = odoo
            .deliver(
                &client(),
                &mark("ada@example.com", MarkKind::CheckIn, "2026-03-02T07:00:00Z"),
            )
            .await;
        assert_eq!(refusal(&outcome), Refusal::EmployeeNotFound);
        assert!(server.requests().is_empty());
    }
}

#[tokio::test]
async fn refused_credentials_disable_the_destination() {
    let server = OdooServer::start().await;
    server.add_employee(7, "Ada Lovelace", true);
    for protocol in BOTH {
        let destination =
            OdooDestination::new(&server.url, DATABASE, LOGIN, "not-the-key", protocol)
                .expect("valid");
        let outcome = OdooConnector::new(destination)
            .deliver(
                &client(),
                &mark("7", MarkKind::CheckIn, "2026-03-02T07:00:00Z"),
            )
            .await;
        match &outcome {
            DeliveryOutcome::Disable {
                status, response, ..
            } => match protocol {
                // authenticate answered false.
                OdooProtocol::JsonRpc => {
                    assert!(response.contains("\"result\":false"), "{response}")
                }
                OdooProtocol::Json2 => {
                    assert_eq!(*status, Some(401));
                    assert!(response.contains("Invalid apikey"), "{response}");
                }
            },
            other => panic!("{protocol:?}: expected disable, got {other:?}"),
        }
    }
    assert!(server.attendances().is_empty());
}

#[tokio::test]
async fn jsonrpc_authenticates_again_when_its_uid_is_refused() {
    let server = OdooServer::start().await;
    server.add_employee(7, "Ada Lovelace", true);
    let odoo = connector(&server, OdooProtocol::JsonRpc);
    delivered_record(
        &odoo
            .deliver(
                &client(),
                &mark("7", MarkKind::CheckIn, "2026-03-02T07:00:00Z"),
            )
            .await,
    );
    assert_eq!(authentications(&server), 1);

    // The database was restored elsewhere: the API user now has another id.
    server.set_uid(42);
    server.clear_requests();
    let outcome = odoo
        .deliver(
            &client(),
            &check_out("7", "2026-03-02T07:00:00Z", "2026-03-02T09:00:00Z"),
        )
        .await;
    delivered_record(&outcome);
    assert_eq!(
        authentications(&server),
        1,
        "one new authenticate after AccessDenied"
    );
    let last = server.requests().pop().expect("requests");
    assert_eq!(last.body["params"]["args"][1], 42);
}

#[tokio::test]
async fn server_failures_are_retried_and_garbage_is_refused() {
    for protocol in BOTH {
        let server = OdooServer::start().await;
        server.add_employee(7, "Ada Lovelace", true);
        let odoo = connector(&server, protocol);
        let check_in = mark("7", MarkKind::CheckIn, "2026-03-02T07:00:00Z");

        server.fail_next(
            503,
            &[("content-type", "text/html")],
            "<html>Service Unavailable</html>",
        );
        match odoo.deliver(&client(), &check_in).await {
            DeliveryOutcome::Retry {
                status: Some(503), ..
            } => {}
            other => panic!("{protocol:?}: expected retry, got {other:?}"),
        }
        server.fail_next(429, &[("retry-after", "120")], "");
        match odoo.deliver(&client(), &check_in).await {
            DeliveryOutcome::Retry {
                status: Some(429),
                retry_after,
                ..
            } => {
                assert_eq!(retry_after, Some(Duration::from_secs(120)))
            }
            other => panic!("{protocol:?}: expected retry, got {other:?}"),
        }
        // A worker killed mid-request: Odoo's JSON-RPC reports it as a server error.
        if protocol == OdooProtocol::JsonRpc {
            server.fail_next(200, &[("content-type", "application/json")], r#"{"jsonrpc":"2.0","id":1,"error":{"code":200,"message":"Odoo Server Error","data":{"name":"psycopg2.errors.SerializationFailure","message":"could not serialize access due to concurrent update","arguments":[],"context":{},"debug":""}}}"#);
            match odoo.deliver(&client(), &check_in).await {
                DeliveryOutcome::Retry {
                    status: Some(200),
                    reason,
                    ..
                } => assert!(reason.contains("SerializationFailure"), "{reason}"),
                other => panic!("expected retry, got {other:?}"),
            }
        }
        server.fail_next(
            200,
            &[("content-type", "text/html")],
            "<html>Welcome to nginx</html>",
        );
        assert_eq!(
            refusal(&odoo.deliver(&client(), &check_in).await),
            Refusal::InvalidResponse,
            "{protocol:?}"
        );
        assert!(server.attendances().is_empty());

        // And once Odoo is well, the same mark goes through.
        delivered_record(&odoo.deliver(&client(), &check_in).await);
    }
}

#[tokio::test]
async fn an_unreachable_odoo_is_retried() {
    let server = OdooServer::start().await;
    let url = server.url.clone();
    drop(server);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for protocol in BOTH {
        let destination =
            OdooDestination::new(&url, DATABASE, LOGIN, API_KEY, protocol).expect("valid");
        match OdooConnector::new(destination)
            .deliver(
                &client(),
                &mark("7", MarkKind::CheckIn, "2026-03-02T07:00:00Z"),
            )
            .await
        {
            DeliveryOutcome::Retry { status: None, .. } => {}
            other => panic!("{protocol:?}: expected retry, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_private_odoo_is_refused_unless_allowed() {
    let server = OdooServer::start().await;
    let guarded = OutboundClient::new(&OutboundPolicy::default()).expect("a client");
    let outcome = connector(&server, OdooProtocol::Json2)
        .deliver(
            &guarded,
            &mark("7", MarkKind::CheckIn, "2026-03-02T07:00:00Z"),
        )
        .await;
    assert_eq!(refusal(&outcome), Refusal::BlockedAddress);
    assert!(server.requests().is_empty());
}

/// Runs against a real Odoo when it is configured; leaves one closed attendance behind per
/// protocol, dated in 2001 so that it overlaps nothing real.
#[tokio::test]
async fn live_odoo() {
    let vars = [
        "ODOO_URL",
        "ODOO_DB",
        "ODOO_LOGIN",
        "ODOO_API_KEY",
        "ODOO_EMPLOYEE_ID",
    ];
    let values: Vec<Option<String>> = vars
        .iter()
        .map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .collect();
    let [Some(url), Some(db), Some(login), Some(key), Some(employee)] =
        <[Option<String>; 5]>::try_from(values).expect("five")
    else {
        eprintln!(
            "live_odoo skipped: set {} to run it against a real Odoo",
            vars.join(", ")
        );
        return;
    };
    let http = OutboundClient::new(&OutboundPolicy {
        allow_private: true,
        ..OutboundPolicy::default()
    })
    .expect("a client");
    // A day of its own per run and protocol, so a rerun never overlaps an earlier run's stay.
    let day = Utc::now().timestamp() / 20 % 3000 * 2;
    for (i, protocol) in BOTH.into_iter().enumerate() {
        let odoo = OdooConnector::new(
            OdooDestination::new(&url, &db, &login, &key, protocol).expect("valid"),
        );
        let start = utc("2001-01-01T08:00:00Z") + chrono::Duration::days(day + i as i64);
        let check_in = AttendanceMark {
            at: start,
            ..mark(&employee, MarkKind::CheckIn, "2001-01-01T00:00:00Z")
        };
        let id = delivered_record(&odoo.deliver(&http, &check_in).await);
        assert_eq!(
            delivered_record(&odoo.deliver(&http, &check_in).await),
            id,
            "a replay finds the record"
        );
        let closing = AttendanceMark {
            at: start + chrono::Duration::hours(1),
            check_in_at: Some(start),
            ..mark(&employee, MarkKind::CheckOut, "2001-01-01T00:00:00Z")
        };
        assert_eq!(delivered_record(&odoo.deliver(&http, &closing).await), id);
        eprintln!("live_odoo: {protocol:?} made hr.attendance {id}");
    }
}
