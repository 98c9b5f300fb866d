//! Door actions against servers in the test that answer as each device's documented API does:
//! a Shelly Gen1 relay, a Shelly Gen2 switch behind SHA-256 Digest, a Hikvision ISAPI door
//! behind MD5 Digest (`qop=auth`, the hash checked against the real password), and a generic
//! device that is slow, failing or refusing, to check the deadline and the retries.

mod door_device;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use door_device::{Device, DigestAlgorithm, DigestServer, DigestVerdict, Reply};
use faceattend_connectors::door::{
    DoorAction, DoorActionSpec, DoorAuth, DoorClient, DoorOutcome, DoorRefusal, open,
};
use faceattend_connectors::{AttendanceMark, MarkKind};
use tokio::time::Instant;
use uuid::Uuid;

fn mark() -> AttendanceMark {
    AttendanceMark {
        event_id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_00e1),
        attendance_id: Uuid::from_u128(0xa7),
        person_id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0042),
        employee: "EMP-0042 Zoë".into(),
        kind: MarkKind::CheckIn,
        at: Utc.with_ymd_and_hms(2026, 12, 7, 8, 59, 30).unwrap(),
        check_in_at: None,
        camera_id: Some("front-door".into()),
        external_record: None,
    }
}

fn in_ms(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}

fn client() -> DoorClient {
    DoorClient::new().expect("door client")
}

const SHELLY_GEN1_ON: &str = r#"{"ison":true,"has_timer":true,"timer_started":1765097970,"timer_duration":5,"timer_remaining":5,"overpower":false,"source":"http"}"#;

#[tokio::test]
async fn shelly_gen1_turns_the_relay_on_with_its_timer() {
    let device = Device::start(|_| Reply::json(200, SHELLY_GEN1_ON)).await;
    let action = DoorAction::shelly_gen1(&device.host(), 1, 5)
        .unwrap()
        .with_allow_private(true);

    let outcome = open(&client(), &action, &mark(), in_ms(2000)).await;

    let DoorOutcome::Opened {
        status: 200,
        attempts: 1,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    let requests = device.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/relay/1");
    assert_eq!(requests[0].query.as_deref(), Some("turn=on&timer=5"));
    assert!(requests[0].body.is_empty());
    assert_eq!(requests[0].header("authorization"), None);
}

#[tokio::test]
async fn shelly_gen1_with_its_login_on_takes_basic_credentials_and_refuses_wrong_ones() {
    // Gen1's restricted login: Basic; a wrong one is 401 with `WWW-Authenticate: Basic`.
    let device = Device::start(|request| {
        // admin:s3cret
        if request.header("authorization") == Some("Basic YWRtaW46czNjcmV0") {
            Reply::json(200, SHELLY_GEN1_ON)
        } else {
            Reply::new(401, "text/plain", "401 Unauthorized")
                .header("WWW-Authenticate", r#"Basic realm="shelly1-98CDAC1F03A1""#)
        }
    })
    .await;
    let action = DoorAction::shelly_gen1(&device.host(), 0, 3)
        .unwrap()
        .with_allow_private(true);
    let good = action.clone().with_auth(DoorAuth::Basic {
        user: "admin".into(),
        pass: "s3cret".into(),
    });
    let bad = action.with_auth(DoorAuth::Basic {
        user: "admin".into(),
        pass: "guess".into(),
    });
    let client = client();

    let outcome = open(&client, &good, &mark(), in_ms(2000)).await;
    assert!(
        matches!(outcome, DoorOutcome::Opened { attempts: 1, .. }),
        "{outcome:?}"
    );
    let outcome = open(&client, &bad, &mark(), in_ms(2000)).await;
    let DoorOutcome::Refused {
        status: Some(401),
        refusal: DoorRefusal::Credentials,
        attempts: 1,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(device.requests().len(), 2, "a refusal is not retried");
}

#[tokio::test]
async fn shelly_gen1_unknown_relay_is_refused_without_retry() {
    // Gen1 answers an index it does not have with 404.
    let device = Device::start(|_| Reply::new(404, "text/plain", "Not Found")).await;
    let action = DoorAction::shelly_gen1(&device.host(), 7, 5)
        .unwrap()
        .with_allow_private(true);

    let outcome = open(&client(), &action, &mark(), in_ms(2000)).await;

    assert!(
        matches!(
            outcome,
            DoorOutcome::Refused {
                refusal: DoorRefusal::UnknownDoor,
                attempts: 1,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(device.requests().len(), 1);
}

const SHELLY_GEN2_REALM: &str = "shellyplus1-a8032ab12345";

/// A Shelly Plus 1 with authentication on: every /rpc call needs SHA-256 Digest as `admin`.
async fn shelly_gen2(auth: Arc<DigestServer>) -> Device {
    Device::start(move |request| {
        match auth.verify(request) {
            DigestVerdict::Accepted => {}
            verdict => {
                return Reply::json(401, r#"{"code":401,"message":"unauthorized"}"#)
                    .header("WWW-Authenticate", auth.challenge(verdict == DigestVerdict::Stale));
            }
        }
        let call: serde_json::Value = match serde_json::from_slice(&request.body) {
            Ok(call) => call,
            Err(_) => return Reply::json(400, r#"{"code":-103,"message":"Bad request"}"#),
        };
        let switch_id = call["params"]["id"].as_u64().unwrap_or(99);
        if switch_id != 0 {
            return Reply::json(
                200,
                format!(
                    r#"{{"id":1,"src":"{SHELLY_GEN2_REALM}","error":{{"code":-105,"message":"Argument 'id', value {switch_id} not found!"}}}}"#
                ),
            );
        }
        Reply::json(200, format!(r#"{{"id":1,"src":"{SHELLY_GEN2_REALM}","result":{{"was_on":false}}}}"#))
    })
    .await
}

#[tokio::test]
async fn shelly_gen2_switch_set_over_sha256_digest_then_one_request_per_open() {
    let auth = Arc::new(DigestServer::new(
        SHELLY_GEN2_REALM,
        DigestAlgorithm::Sha256,
        "admin",
        "relay-pass",
    ));
    let device = shelly_gen2(auth.clone()).await;
    let action = DoorAction::shelly_gen2(&device.host(), 0, 5, Some("relay-pass".into()))
        .unwrap()
        .with_allow_private(true);
    let client = client();

    let first = open(&client, &action, &mark(), in_ms(2000)).await;
    assert!(
        matches!(
            first,
            DoorOutcome::Opened {
                status: 200,
                attempts: 1,
                ..
            }
        ),
        "{first:?}"
    );
    let requests = device.requests();
    assert_eq!(requests.len(), 2, "the challenge, then the answer");
    assert_eq!(requests[0].header("authorization"), None);
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/rpc");
        assert_eq!(request.header("content-type"), Some("application/json"));
        let call: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            call,
            serde_json::json!({"id":1,"method":"Switch.Set","params":{"id":0,"on":true,"toggle_after":5}})
        );
    }
    let authorization = requests[1].header("authorization").unwrap();
    assert!(
        authorization.contains("algorithm=SHA-256"),
        "{authorization}"
    );
    assert!(
        authorization.contains(r#"username="admin""#),
        "{authorization}"
    );

    // The nonce is kept: the next open is one request, nc 2 on the same nonce.
    let second = open(&client, &action, &mark(), in_ms(2000)).await;
    assert!(
        matches!(second, DoorOutcome::Opened { attempts: 1, .. }),
        "{second:?}"
    );
    let requests = device.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests[2]
            .header("authorization")
            .unwrap()
            .contains("nc=00000002")
    );
    assert_eq!(auth.nonces_issued(), 1);

    // The device expires its nonce: `stale=true`, answered again within the same attempt.
    auth.expire_nonces();
    let third = open(&client, &action, &mark(), in_ms(2000)).await;
    assert!(
        matches!(third, DoorOutcome::Opened { attempts: 1, .. }),
        "{third:?}"
    );
    assert_eq!(device.requests().len(), 5);
    assert_eq!(auth.nonces_issued(), 2);
}

#[tokio::test]
async fn shelly_gen2_wrong_password_is_refused_as_credentials() {
    let auth = Arc::new(DigestServer::new(
        SHELLY_GEN2_REALM,
        DigestAlgorithm::Sha256,
        "admin",
        "relay-pass",
    ));
    let device = shelly_gen2(auth).await;
    let action = DoorAction::shelly_gen2(&device.host(), 0, 5, Some("not-it".into()))
        .unwrap()
        .with_allow_private(true);

    let outcome = open(&client(), &action, &mark(), in_ms(2000)).await;

    let DoorOutcome::Refused {
        status: Some(401),
        refusal: DoorRefusal::Credentials,
        attempts: 1,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        device.requests().len(),
        2,
        "one challenge, one refused answer, no retry"
    );
}

#[tokio::test]
async fn shelly_gen2_rpc_error_for_an_unknown_switch_is_refused() {
    let auth = Arc::new(DigestServer::new(
        SHELLY_GEN2_REALM,
        DigestAlgorithm::Sha256,
        "admin",
        "relay-pass",
    ));
    let device = shelly_gen2(auth).await;
    let action = DoorAction::shelly_gen2(&device.host(), 3, 5, Some("relay-pass".into()))
        .unwrap()
        .with_allow_private(true);

    let outcome = open(&client(), &action, &mark(), in_ms(2000)).await;

    let DoorOutcome::Refused {
        refusal: DoorRefusal::UnknownDoor,
        reason,
        attempts: 1,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(reason.contains("-105"), "{reason}");
}

const HIKVISION_REALM: &str = "DS-K1T341AMF";

fn isapi_status(code: u32, string: &str, sub: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ResponseStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<requestURL>/ISAPI/AccessControl/RemoteControl/door/1</requestURL>
<statusCode>{code}</statusCode>
<statusString>{string}</statusString>
<subStatusCode>{sub}</subStatusCode>
</ResponseStatus>"#
    )
}

/// A Hikvision face terminal with one door: MD5 Digest, `PUT …/RemoteControl/door/<n>`.
async fn hikvision(auth: Arc<DigestServer>) -> Device {
    Device::start(move |request| {
        if auth.verify(request) != DigestVerdict::Accepted {
            return Reply::xml(
                401,
                isapi_status(4, "Invalid Operation", "badAuthorization"),
            )
            .header("WWW-Authenticate", auth.challenge(false));
        }
        if request.method != "PUT" {
            return Reply::xml(
                405,
                isapi_status(4, "Invalid Operation", "methodNotAllowed"),
            );
        }
        if request.path != "/ISAPI/AccessControl/RemoteControl/door/1" {
            return Reply::xml(403, isapi_status(4, "Invalid Operation", "notSupport"));
        }
        let body = request.body_text();
        if !body.contains("<cmd>open</cmd>") || !body.starts_with("<RemoteControlDoor") {
            return Reply::xml(400, isapi_status(6, "Invalid Content", "badXmlContent"));
        }
        Reply::xml(200, isapi_status(1, "OK", "ok"))
    })
    .await
}

#[tokio::test]
async fn hikvision_isapi_opens_the_door_over_md5_digest() {
    let auth = Arc::new(DigestServer::new(
        HIKVISION_REALM,
        DigestAlgorithm::Md5,
        "admin",
        "Hik12345",
    ));
    let device = hikvision(auth.clone()).await;
    let action = DoorAction::hikvision_isapi(&device.host(), 1, "admin", "Hik12345".into())
        .unwrap()
        .with_allow_private(true);
    let client = client();

    let outcome = open(&client, &action, &mark(), in_ms(2000)).await;

    assert!(
        matches!(
            outcome,
            DoorOutcome::Opened {
                status: 200,
                attempts: 1,
                ..
            }
        ),
        "{outcome:?}"
    );
    let requests = device.requests();
    assert_eq!(requests.len(), 2);
    let answer = &requests[1];
    assert_eq!(answer.method, "PUT");
    assert_eq!(answer.path, "/ISAPI/AccessControl/RemoteControl/door/1");
    assert_eq!(answer.query, None);
    assert_eq!(answer.header("content-type"), Some("application/xml"));
    assert_eq!(
        answer.body_text(),
        r#"<RemoteControlDoor version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><cmd>open</cmd></RemoteControlDoor>"#
    );
    let authorization = answer.header("authorization").unwrap();
    assert!(authorization.contains("qop=auth"), "{authorization}");
    assert!(authorization.contains("algorithm=MD5"), "{authorization}");

    let again = open(&client, &action, &mark(), in_ms(2000)).await;
    assert!(matches!(again, DoorOutcome::Opened { .. }), "{again:?}");
    assert_eq!(
        device.requests().len(),
        3,
        "the remembered nonce: one request"
    );

    // Hikvision does not say `stale`: an expired remembered nonce earns one fresh challenge
    // within the same attempt, not a refusal of the credentials.
    auth.expire_nonces();
    let after_expiry = open(&client, &action, &mark(), in_ms(2000)).await;
    assert!(
        matches!(after_expiry, DoorOutcome::Opened { attempts: 1, .. }),
        "{after_expiry:?}"
    );
    assert_eq!(device.requests().len(), 5);
    assert_eq!(auth.nonces_issued(), 2);
}

#[tokio::test]
async fn hikvision_wrong_password_is_refused_and_not_retried() {
    let auth = Arc::new(DigestServer::new(
        HIKVISION_REALM,
        DigestAlgorithm::Md5,
        "admin",
        "Hik12345",
    ));
    let device = hikvision(auth).await;
    let action = DoorAction::hikvision_isapi(&device.host(), 1, "admin", "hik12345".into())
        .unwrap()
        .with_allow_private(true);

    let outcome = open(&client(), &action, &mark(), in_ms(2000)).await;

    assert!(
        matches!(
            outcome,
            DoorOutcome::Refused {
                status: Some(401),
                refusal: DoorRefusal::Credentials,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(device.requests().len(), 2);
}

#[tokio::test]
async fn hikvision_unknown_door_is_refused_with_the_sub_status() {
    let auth = Arc::new(DigestServer::new(
        HIKVISION_REALM,
        DigestAlgorithm::Md5,
        "admin",
        "Hik12345",
    ));
    let device = hikvision(auth).await;
    let action = DoorAction::hikvision_isapi(&device.host(), 4, "admin", "Hik12345".into())
        .unwrap()
        .with_allow_private(true);

    let outcome = open(&client(), &action, &mark(), in_ms(2000)).await;

    let DoorOutcome::Refused {
        status: Some(403),
        refusal: DoorRefusal::UnknownDoor,
        reason,
        attempts: 1,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(reason.contains("notSupport"), "{reason}");
}

#[tokio::test]
async fn a_custom_action_fills_its_templates_from_the_mark() {
    let device = Device::start(|_| Reply::json(202, r#"{"queued":true}"#)).await;
    let mut spec = DoorActionSpec::new(
        "post",
        format!(
            "http://{}/doors/{{camera_id}}/open?who={{employee}}&kind={{kind}}",
            device.host()
        ),
    );
    spec.headers
        .push(("Content-Type".into(), "application/json".into()));
    spec.headers.push(("X-Api-Key".into(), "k-123".into()));
    spec.body_template = Some(
        r#"{"person":"{person_id}","employee":"{employee}","at":"{at}","event":"{event_id}","kind":"{kind}"}"#.into(),
    );
    let action = DoorAction::new(spec).unwrap().with_allow_private(true);

    let outcome = open(&client(), &action, &mark(), in_ms(2000)).await;

    assert!(
        matches!(outcome, DoorOutcome::Opened { status: 202, .. }),
        "{outcome:?}"
    );
    let request = &device.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/doors/front-door/open");
    assert_eq!(
        request.query.as_deref(),
        Some("who=EMP-0042%20Zo%C3%AB&kind=check_in")
    );
    assert_eq!(request.header("x-api-key"), Some("k-123"));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["person"], "01930000-0000-7000-8000-000000000042");
    assert_eq!(body["employee"], "EMP-0042 Zoë");
    assert_eq!(body["at"], "2026-12-07T08:59:30Z");
    assert_eq!(body["event"], "01930000-0000-7000-8000-0000000000e1");
    assert_eq!(body["kind"], "check_in");
}

#[tokio::test]
async fn a_500_then_a_200_opens_on_the_second_attempt() {
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let device = Device::start({
        let calls = calls.clone();
        move |_| {
            if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                Reply::new(500, "text/plain", "relay busy")
            } else {
                Reply::json(200, SHELLY_GEN1_ON)
            }
        }
    })
    .await;
    let action = DoorAction::shelly_gen1(&device.host(), 0, 5)
        .unwrap()
        .with_allow_private(true);

    let outcome = open(&client(), &action, &mark(), in_ms(2000)).await;

    let DoorOutcome::Opened {
        attempts: 2,
        elapsed,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    let requests = device.requests();
    assert_eq!(requests.len(), 2);
    let gap = requests[1].arrived - requests[0].arrived;
    assert!(
        gap >= Duration::from_millis(50),
        "the first backoff is 50 ms, was {gap:?}"
    );
    assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
}

#[tokio::test]
async fn a_slow_device_is_retried_then_missed_and_nothing_is_sent_after_the_deadline() {
    let device =
        Device::start(|_| Reply::json(200, SHELLY_GEN1_ON).after(Duration::from_secs(2))).await;
    let action = DoorAction::shelly_gen1(&device.host(), 0, 5)
        .unwrap()
        .with_allow_private(true)
        .with_timeout(Duration::from_millis(100))
        .unwrap();
    let client = client();
    let started = Instant::now();
    let deadline = started + Duration::from_millis(450);

    let outcome = open(&client, &action, &mark(), deadline).await;

    let returned = Instant::now();
    let DoorOutcome::Missed { attempts, reason } = outcome else {
        panic!("{outcome:?}")
    };
    // 0-100 ms, wait 50, 150-250, wait 100, 350-450: three attempts, each cut by its timeout
    // (two if this machine is slow enough that the third could not start in time).
    assert!((2..=3).contains(&attempts), "{attempts}: {reason}");
    assert!(
        returned <= deadline + Duration::from_millis(50),
        "returned {:?} after the deadline",
        returned - deadline
    );
    // Wait well past the deadline: no request may arrive late.
    tokio::time::sleep_until(deadline + Duration::from_millis(600)).await;
    let requests = device.requests();
    assert_eq!(requests.len() as u32, attempts);
    for request in &requests {
        assert!(
            request.arrived < deadline,
            "a request arrived {:?} after the deadline",
            request.arrived - deadline
        );
    }
}

#[tokio::test]
async fn an_unreachable_device_is_missed_after_retries() {
    // A port nothing listens on: connection refused at once, retried until time runs out.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let action = DoorAction::shelly_gen1(&format!("127.0.0.1:{port}"), 0, 5)
        .unwrap()
        .with_allow_private(true);
    let client = client();
    let deadline = in_ms(300);

    let outcome = open(&client, &action, &mark(), deadline).await;

    let DoorOutcome::Missed { attempts, reason } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(attempts >= 2, "{attempts}: {reason}");
    assert!(Instant::now() <= deadline + Duration::from_millis(50));
}

#[tokio::test]
async fn a_deadline_already_past_sends_nothing() {
    let device = Device::start(|_| Reply::json(200, SHELLY_GEN1_ON)).await;
    let action = DoorAction::shelly_gen1(&device.host(), 0, 5)
        .unwrap()
        .with_allow_private(true);

    let outcome = open(&client(), &action, &mark(), Instant::now()).await;

    assert!(
        matches!(outcome, DoorOutcome::Missed { attempts: 0, .. }),
        "{outcome:?}"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(device.requests().is_empty());
}

#[tokio::test]
async fn a_door_on_a_private_address_needs_allow_private() {
    // The outbound guard still applies to doors: loopback is refused unless the site allows it.
    let device = Device::start(|_| Reply::json(200, SHELLY_GEN1_ON)).await;
    let action = DoorAction::shelly_gen1(&device.host(), 0, 5).unwrap();

    let outcome = open(&client(), &action, &mark(), in_ms(2000)).await;

    let DoorOutcome::Refused {
        refusal: DoorRefusal::BlockedAddress,
        reason,
        attempts: 1,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(reason.contains("loopback"), "{reason}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(device.requests().is_empty());
}
