//! Standard Webhooks deliveries, received by an actix-web receiver in the test that verifies
//! them the way receivers do: with the specification's reference Rust library
//! (`standardwebhooks`), never with our own signing code.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bytes::Bytes;
use chrono::{TimeZone, Utc};
use faceattend_connectors::guard::{OutboundClient, OutboundPolicy};
use faceattend_connectors::webhook::{
    self, USER_AGENT_VALUE, WebhookRequest, WebhookSecret, extra_headers, signature_header,
};
use faceattend_connectors::{DeliveryOutcome, Refusal};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use uuid::Uuid;

/// What the receiver saw of one request.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
    /// Which of the receiver's secrets verified it, if any.
    verified_by: Option<usize>,
}

struct Receiver {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("not poisoned").clone()
    }
}

struct ReceiverState {
    secrets: Vec<String>,
    received: Arc<Mutex<Vec<Received>>>,
}

/// actix-web speaks http 0.2; the reference verifier takes http 1's header map.
fn to_http1(request: &HttpRequest) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in request.headers() {
        headers.append(
            HeaderName::from_bytes(name.as_str().as_bytes()).expect("a header name"),
            HeaderValue::from_bytes(value.as_bytes()).expect("a header value"),
        );
    }
    headers
}

/// A receiver as the README tells sites to write one: verify with any of its secrets
/// (401 if none does), then answer as the path says.
async fn hook(
    request: HttpRequest,
    path: web::Path<String>,
    body: Bytes,
    state: web::Data<ReceiverState>,
) -> HttpResponse {
    let headers = to_http1(&request);
    let verified_by = state.secrets.iter().position(|secret| {
        standardwebhooks::Webhook::new(secret)
            .expect("the receiver's secret")
            .verify(&body, &headers)
            .is_ok()
    });
    state.received.lock().expect("not poisoned").push(Received {
        headers,
        body: body.clone(),
        verified_by,
    });
    if verified_by.is_none() {
        return HttpResponse::Unauthorized().body("signature invalid");
    }
    match path.as_str() {
        "ok" => HttpResponse::Ok().body("thanks"),
        "fail" => HttpResponse::InternalServerError().body("database down"),
        "busy" => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", "30"))
            .body("slow down"),
        "gone" => HttpResponse::Gone().body("this endpoint was removed"),
        "invalid" => HttpResponse::UnprocessableEntity().body("{\"error\":\"unknown person\"}"),
        _ => HttpResponse::NotFound().finish(),
    }
}

fn spawn_receiver(secrets: &[&str]) -> Receiver {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = listener.local_addr().expect("its address").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let state = web::Data::new(ReceiverState {
        secrets: secrets.iter().map(|secret| secret.to_string()).collect(),
        received: received.clone(),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/hook/{answer}", web::post().to(hook))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    Receiver { port, received }
}

fn local_client() -> OutboundClient {
    OutboundClient::new(&OutboundPolicy {
        allow_private: true,
        ..OutboundPolicy::default()
    })
    .expect("a client")
}

const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NEW: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn secret(text: &str) -> WebhookSecret {
    WebhookSecret::parse(text).expect("a valid secret")
}

fn request(url: String, secrets: &[&str]) -> WebhookRequest {
    WebhookRequest {
        url,
        secrets: secrets.iter().map(|text| secret(text)).collect(),
        message_id: Uuid::now_v7(),
        timestamp: Utc::now(),
        body: Bytes::from_static(
            br#"{"type":"attendance.check_in","timestamp":"2026-12-07T08:59:12Z","data":{"person_id":"4b9c","at":"2026-12-07T08:59:12Z"}}"#,
        ),
        extra_headers: vec![("X-Site".into(), "hq".into())],
    }
}

#[test]
fn signatures_reproduce_the_published_vectors() {
    // The specification's own example, and the reference Rust library's test vector.
    assert_eq!(
        secret(OLD).sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#
        ),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    );
    assert_eq!(
        secret(NEW).sign(
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            br#"{"email":"test@example.com","username":"test_user"}"#
        ),
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    );
    // And the reference implementation agrees on a body of our own.
    let body = br#"{"type":"attendance.check_out"}"#;
    let ours = secret(NEW).sign("0193a5c0-7e1f-7c2d-9a41-1f0e3c5b7d90", 1_796_000_000, body);
    let reference = standardwebhooks::Webhook::new(NEW)
        .expect("the secret")
        .sign("0193a5c0-7e1f-7c2d-9a41-1f0e3c5b7d90", 1_796_000_000, body)
        .expect("signed");
    assert_eq!(ours, reference);
}

#[test]
fn two_secrets_give_two_signatures_in_order() {
    let header = signature_header(&[secret(NEW), secret(OLD)], "msg_1", 1_796_000_000, b"{}");
    let parts: Vec<&str> = header.split(' ').collect();
    assert_eq!(parts.len(), 2, "{header}");
    assert_eq!(parts[0], secret(NEW).sign("msg_1", 1_796_000_000, b"{}"));
    assert_eq!(parts[1], secret(OLD).sign("msg_1", 1_796_000_000, b"{}"));
    assert_ne!(parts[0], parts[1]);
}

#[test]
fn secrets_are_validated_and_never_shown() {
    for (text, why) in [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with whsec_"),
        ("whsec_not*base64!", "not base64"),
        ("whsec_c2hvcnQ=", "holds 5 bytes"),
    ] {
        let error = WebhookSecret::parse(text).expect_err(text);
        let message = error.to_string();
        assert_eq!(error.code(), "invalid_secret", "{text}");
        assert!(message.contains(why), "{text}: {message}");
        let encoded = text.trim_start_matches("whsec_");
        assert!(
            !message.contains(encoded),
            "the error repeats the secret: {message}"
        );
    }
    // 65 bytes is one too many; 64 is the most.
    let too_long = format!("whsec_{}", base64_of(&[7u8; 65]));
    assert_eq!(
        WebhookSecret::parse(&too_long)
            .expect_err("too long")
            .code(),
        "invalid_secret"
    );
    assert!(WebhookSecret::parse(&format!("whsec_{}", base64_of(&[7u8; 64]))).is_ok());
    assert!(WebhookSecret::parse(&format!("whsec_{}", base64_of(&[7u8; 23]))).is_err());

    let parsed = secret(OLD);
    assert_eq!(format!("{parsed:?}"), "WebhookSecret(whsec_[redacted])");
    assert_eq!(parsed.expose(), OLD);
    let json = serde_json::to_string(&parsed).expect("serialised");
    assert_eq!(json, format!("\"{OLD}\""));
    let back: WebhookSecret = serde_json::from_str(&json).expect("read back");
    assert_eq!(back, parsed);
    assert!(serde_json::from_str::<WebhookSecret>("\"whsec_c2hvcnQ=\"").is_err());
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn generated_secrets_are_random_and_valid() {
    let first = WebhookSecret::generate().expect("the OS's generator");
    let second = WebhookSecret::generate().expect("the OS's generator");
    assert_ne!(first, second);
    let text = first.expose();
    assert!(text.starts_with("whsec_"));
    assert_eq!(secret(&text), first);
    // The reference library reads it as the same key.
    let body = b"{}";
    assert_eq!(
        standardwebhooks::Webhook::new(&text)
            .expect("read")
            .sign("id", 1, body)
            .expect("signed"),
        first.sign("id", 1, body)
    );
}

#[test]
fn extra_headers_may_not_replace_the_signature_or_content_type() {
    for name in ["webhook-signature", "Webhook-Id", "content-type", "Host"] {
        let error = extra_headers(&[(name.into(), "x".into())]).expect_err(name);
        assert_eq!(error.code(), "invalid_header", "{name}");
    }
    assert_eq!(
        extra_headers(&[("bad name".into(), "x".into())])
            .expect_err("a space")
            .code(),
        "invalid_header"
    );
    assert_eq!(
        extra_headers(&[("X-Key".into(), "line\nbreak".into())])
            .expect_err("a newline")
            .code(),
        "invalid_header"
    );
    let map = extra_headers(&[("Authorization".into(), "Bearer abc".into())]).expect("allowed");
    assert_eq!(map["authorization"], "Bearer abc");
}

#[tokio::test]
async fn a_delivery_is_signed_as_the_specification_says_and_verified_by_the_reference_library() {
    let receiver = spawn_receiver(&[NEW]);
    let delivery = request(receiver.url("/hook/ok"), &[NEW]);
    let outcome = webhook::send(&local_client(), &delivery).await;
    assert_eq!(
        outcome,
        DeliveryOutcome::Delivered {
            status: Some(200),
            external_record: None,
            response: "thanks".into()
        }
    );

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let seen = &received[0];
    assert_eq!(seen.verified_by, Some(0));
    assert_eq!(
        seen.body, delivery.body,
        "the body is sent exactly as signed"
    );
    assert_eq!(seen.headers["content-type"], "application/json");
    assert_eq!(seen.headers["user-agent"], USER_AGENT_VALUE);
    assert!(USER_AGENT_VALUE.starts_with("faceattend-webhooks/"));
    assert_eq!(
        seen.headers["webhook-id"],
        delivery.message_id.to_string().as_str()
    );
    assert_eq!(
        seen.headers["webhook-timestamp"],
        delivery.timestamp.timestamp().to_string().as_str()
    );
    let signature = seen.headers["webhook-signature"].to_str().expect("ascii");
    assert!(
        signature.starts_with("v1,") && !signature.contains(' '),
        "{signature}"
    );
    assert_eq!(seen.headers["x-site"], "hq");

    // The receiver's check can fail: the same headers with one byte of the body changed do
    // not verify.
    let mut tampered = seen.body.to_vec();
    tampered[2] ^= 1;
    assert!(
        standardwebhooks::Webhook::new(NEW)
            .expect("secret")
            .verify(&tampered, &seen.headers)
            .is_err()
    );
}

#[tokio::test]
async fn during_a_rotation_either_secret_verifies() {
    let knows_new = spawn_receiver(&[NEW]);
    let knows_old = spawn_receiver(&[OLD]);
    let knows_neither = spawn_receiver(&["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]);
    let client = local_client();

    for receiver in [&knows_new, &knows_old] {
        let delivery = request(receiver.url("/hook/ok"), &[NEW, OLD]);
        let outcome = webhook::send(&client, &delivery).await;
        assert!(
            matches!(
                outcome,
                DeliveryOutcome::Delivered {
                    status: Some(200),
                    ..
                }
            ),
            "{outcome:?}"
        );
        let seen = &receiver.received()[0];
        assert_eq!(seen.verified_by, Some(0));
        let signature = seen.headers["webhook-signature"].to_str().expect("ascii");
        assert_eq!(signature.split(' ').count(), 2, "{signature}");
    }

    let outcome = webhook::send(
        &client,
        &request(knows_neither.url("/hook/ok"), &[NEW, OLD]),
    )
    .await;
    match outcome {
        DeliveryOutcome::Disable {
            status: Some(401),
            response,
            ..
        } => {
            assert_eq!(response, "signature invalid")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_receivers_answers_become_outcomes() {
    let receiver = spawn_receiver(&[OLD]);
    let client = local_client();

    match webhook::send(&client, &request(receiver.url("/hook/fail"), &[OLD])).await {
        DeliveryOutcome::Retry {
            status: Some(500),
            retry_after: None,
            response,
            ..
        } => {
            assert_eq!(response, "database down")
        }
        other => panic!("500: {other:?}"),
    }
    match webhook::send(&client, &request(receiver.url("/hook/busy"), &[OLD])).await {
        DeliveryOutcome::Retry {
            status: Some(429),
            retry_after,
            ..
        } => {
            assert_eq!(retry_after, Some(Duration::from_secs(30)))
        }
        other => panic!("429: {other:?}"),
    }
    match webhook::send(&client, &request(receiver.url("/hook/gone"), &[OLD])).await {
        DeliveryOutcome::Disable {
            status: Some(410),
            reason,
            ..
        } => {
            assert!(reason.contains("gone"), "{reason}")
        }
        other => panic!("410: {other:?}"),
    }
    match webhook::send(&client, &request(receiver.url("/hook/invalid"), &[OLD])).await {
        DeliveryOutcome::Refused {
            status: Some(422),
            refusal: Refusal::Rejected,
            response,
            ..
        } => {
            assert_eq!(response, "{\"error\":\"unknown person\"}")
        }
        other => panic!("422: {other:?}"),
    }
    assert_eq!(receiver.received().len(), 4);
    assert!(
        receiver
            .received()
            .iter()
            .all(|seen| seen.verified_by == Some(0))
    );
}

#[tokio::test]
async fn a_retry_is_signed_afresh_with_the_same_id() {
    let receiver = spawn_receiver(&[OLD]);
    let client = local_client();
    let first = request(receiver.url("/hook/ok"), &[OLD]);
    let retry = WebhookRequest {
        timestamp: first.timestamp - chrono::Duration::seconds(60),
        ..first.clone()
    };
    webhook::send(&client, &first).await;
    webhook::send(&client, &retry).await;
    let received = receiver.received();
    assert_eq!(
        received[0].headers["webhook-id"],
        received[1].headers["webhook-id"]
    );
    assert_ne!(
        received[0].headers["webhook-timestamp"],
        received[1].headers["webhook-timestamp"]
    );
    assert_ne!(
        received[0].headers["webhook-signature"],
        received[1].headers["webhook-signature"]
    );
    assert!(received.iter().all(|seen| seen.verified_by == Some(0)));
}

#[tokio::test]
async fn a_stale_timestamp_is_refused_by_the_receiver() {
    // What the reference receiver does with a replayed request: refuse it. Our sender stamps
    // each attempt when it is made; this checks the receiver in this test would notice if not.
    let receiver = spawn_receiver(&[OLD]);
    let mut delivery = request(receiver.url("/hook/ok"), &[OLD]);
    delivery.timestamp = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("a date");
    let outcome = webhook::send(&local_client(), &delivery).await;
    assert!(
        matches!(
            outcome,
            DeliveryOutcome::Disable {
                status: Some(401),
                ..
            }
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn what_cannot_be_sent_is_not_sent() {
    let receiver = spawn_receiver(&[OLD]);
    let client = local_client();

    let mut no_secret = request(receiver.url("/hook/ok"), &[]);
    no_secret.secrets.clear();
    match webhook::send(&client, &no_secret).await {
        DeliveryOutcome::Disable {
            status: None,
            reason,
            ..
        } => assert!(reason.contains("no signing secret")),
        other => panic!("{other:?}"),
    }

    let mut reserved = request(receiver.url("/hook/ok"), &[OLD]);
    reserved
        .extra_headers
        .push(("webhook-signature".into(), "v1,forged".into()));
    assert!(matches!(
        webhook::send(&client, &reserved).await,
        DeliveryOutcome::Disable { status: None, .. }
    ));
    assert!(receiver.received().is_empty());

    // The guard applies to webhooks like any destination: loopback is refused by default.
    let guarded = OutboundClient::new(&OutboundPolicy::default()).expect("a client");
    match webhook::send(&guarded, &request(receiver.url("/hook/ok"), &[OLD])).await {
        DeliveryOutcome::Refused {
            refusal: Refusal::BlockedAddress,
            status: None,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert!(receiver.received().is_empty());
}

/// Runs the README's receiver example (`tests/receivers/verify.{py,js}`) on one delivery as
/// the receiver got it; `None` if the interpreter is not installed.
fn run_example(interpreter: &str, secret: &str, seen: &Received) -> Option<bool> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/receivers");
    let program = match interpreter {
        "python3" => format!(
            "import sys, json, base64; sys.path.insert(0, {dir:?}); from verify import verify; \
             d = json.load(sys.stdin); \
             print(str(verify(d['secret'], d['headers'], base64.b64decode(d['body']))).lower())"
        ),
        _ => format!(
            "const {{ verify }} = require({:?}); let s = ''; \
             process.stdin.on('data', (c) => (s += c)).on('end', () => {{ const d = JSON.parse(s); \
             console.log(String(verify(d.secret, d.headers, Buffer.from(d.body, 'base64')))); }});",
            format!("{dir}/verify.js")
        ),
    };
    let flag = if interpreter == "python3" { "-c" } else { "-e" };
    let headers: serde_json::Map<String, serde_json::Value> = seen
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.to_string(),
                value.to_str().expect("ascii").to_owned().into(),
            )
        })
        .collect();
    let input =
        serde_json::json!({ "secret": secret, "headers": headers, "body": base64_of(&seen.body) });
    let mut child = match Command::new(interpreter)
        .args([flag, &program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => panic!("{interpreter}: {error}"),
    };
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(input.to_string().as_bytes())
        .expect("written");
    let output = child.wait_with_output().expect("finished");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{interpreter}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    match stdout.trim() {
        "true" => Some(true),
        "false" => Some(false),
        other => panic!("{interpreter} printed {other:?}"),
    }
}

#[tokio::test]
async fn the_readmes_python_and_node_receivers_verify_a_real_delivery() {
    let receiver = spawn_receiver(&[OLD]);
    let delivery = request(receiver.url("/hook/ok"), &[NEW, OLD]);
    let outcome = webhook::send(&local_client(), &delivery).await;
    assert!(
        matches!(outcome, DeliveryOutcome::Delivered { .. }),
        "{outcome:?}"
    );
    let seen = receiver.received().remove(0);
    let mut tampered = seen.clone();
    tampered.body = Bytes::from(seen.body.iter().rev().copied().collect::<Vec<u8>>());

    for interpreter in ["python3", "node"] {
        let Some(verified) = run_example(interpreter, OLD, &seen) else {
            eprintln!("skipped: {interpreter} is not installed");
            continue;
        };
        assert!(
            verified,
            "{interpreter} refused a genuine delivery with the old secret"
        );
        assert_eq!(
            run_example(interpreter, NEW, &seen),
            Some(true),
            "{interpreter}, new secret"
        );
        assert_eq!(
            run_example(interpreter, "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &seen),
            Some(false),
            "{interpreter} accepted another secret"
        );
        assert_eq!(
            run_example(interpreter, OLD, &tampered),
            Some(false),
            "{interpreter}, tampered"
        );
    }
}
