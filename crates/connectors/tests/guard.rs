//! The SSRF guard and the status classification, against a real HTTP server on loopback
//! (which is exactly what the guard must refuse unless a destination is allowed private
//! addresses).

use std::net::{IpAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use actix_web::{App, HttpResponse, HttpServer, web};
use faceattend_connectors::guard::{
    GuardError, GuardedResolver, MAX_RETRY_AFTER, OutboundClient, OutboundPolicy, SendError,
    blocked_reason, filter_resolved, is_blocked_ip, outcome_of, parse_retry_after, read_limited,
};
use faceattend_connectors::{DeliveryOutcome, Refusal};
use reqwest::dns::Resolve;

/// A test server answering as a destination might; counts the requests that reach it.
struct Destination {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Destination {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn status(path: web::Path<u16>, query: web::Query<Vec<(String, String)>>) -> HttpResponse {
    let code = actix_web::http::StatusCode::from_u16(path.into_inner()).expect("a test status");
    let mut response = HttpResponse::build(code);
    for (name, value) in query.into_inner() {
        response.insert_header((name, value));
    }
    response.body(format!("answered {}", code.as_u16()))
}

fn spawn_destination() -> Destination {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = listener.local_addr().expect("its address").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let server = HttpServer::new(move || {
        let counted = counted.clone();
        App::new()
            .wrap_fn(move |request, service| {
                counted.fetch_add(1, Ordering::SeqCst);
                actix_web::dev::Service::call(service, request)
            })
            .route(
                "/ok",
                web::get().to(|| async { HttpResponse::Ok().body("taken") }),
            )
            .route("/status/{code}", web::get().to(status))
            .route(
                "/redirect",
                web::get().to(|| async {
                    HttpResponse::Found()
                        .insert_header(("Location", "http://169.254.169.254/latest/meta-data/"))
                        .finish()
                }),
            )
            .route(
                "/slow",
                web::get().to(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    HttpResponse::Ok().body("too late")
                }),
            )
            .route(
                "/huge",
                web::get().to(|| async { HttpResponse::Ok().body(vec![b'x'; 8 * 1024 * 1024]) }),
            )
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    Destination { port, hits }
}

fn client(allow_private: bool) -> OutboundClient {
    OutboundClient::new(&OutboundPolicy {
        allow_private,
        ..OutboundPolicy::default()
    })
    .expect("a client")
}

fn assert_blocked(result: Result<impl std::fmt::Debug, GuardError>, what: &str) {
    match result {
        Err(error) => {
            assert_eq!(error.code(), "blocked_address", "{what}: {error}");
            match error.outcome() {
                DeliveryOutcome::Refused {
                    refusal: Refusal::BlockedAddress,
                    status: None,
                    ..
                } => {}
                other => panic!("{what}: the outcome was {other:?}"),
            }
        }
        Ok(ok) => panic!("{what} was let through: {ok:?}"),
    }
}

#[test]
fn literal_private_loopback_link_local_and_mapped_addresses_are_refused() {
    let guard = client(false);
    for url in [
        "http://127.0.0.1/",
        "http://127.8.9.10:8080/hook",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://172.31.255.255/",
        "http://192.168.1.20/relay/0?turn=on",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://255.255.255.255/",
        "http://224.0.0.1/",
        "http://192.0.2.10/",
        "http://198.18.0.1/",
        "http://203.0.113.5/",
        // Other spellings of 127.0.0.1, which the URL parser normalises.
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://[ff02::1]/",
        "http://[2001:db8::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[::ffff:10.0.0.1]/",
        // NAT64 and 6to4 of private addresses.
        "http://[64:ff9b::a00:1]/",
        "http://[2002:7f00:1::]/",
        "https://localhost/",
        "http://LOCALHOST.:8080/",
        "http://relay.localhost/",
    ] {
        assert_blocked(guard.check_url(url), url);
        assert_blocked(guard.get(url).map(|_| ()), url);
    }
}

#[test]
fn public_addresses_and_names_pass_the_url_check() {
    let guard = client(false);
    for url in [
        "https://8.8.8.8/",
        "http://1.1.1.1:8080/hook",
        "https://[2606:4700:4700::1111]/",
        "https://[::ffff:8.8.8.8]/",
        "https://hooks.example.com/attendance?key=abc",
        "http://172.32.0.1/",
        "http://100.128.0.1/",
    ] {
        assert!(
            guard.check_url(url).is_ok(),
            "{url} was refused: {:?}",
            guard.check_url(url)
        );
    }
}

#[test]
fn the_address_classes_are_the_documented_ones() {
    let blocked: [IpAddr; 8] = [
        "10.255.255.255".parse().unwrap(),
        "172.20.0.1".parse().unwrap(),
        "100.127.255.255".parse().unwrap(),
        "169.254.0.1".parse().unwrap(),
        "198.51.100.1".parse().unwrap(),
        "fe80::abcd".parse().unwrap(),
        "::ffff:192.168.0.1".parse().unwrap(),
        "fec0::1".parse().unwrap(),
    ];
    for ip in blocked {
        assert!(is_blocked_ip(ip), "{ip} should be blocked");
    }
    let public: [IpAddr; 5] = [
        "9.9.9.9".parse().unwrap(),
        "172.15.255.255".parse().unwrap(),
        "192.169.0.1".parse().unwrap(),
        "2a00:1450:4001::200e".parse().unwrap(),
        "64:ff9b::808:808".parse().unwrap(),
    ];
    for ip in public {
        assert_eq!(blocked_reason(ip), None, "{ip} should be allowed");
    }
    assert_eq!(
        blocked_reason("169.254.169.254".parse().unwrap()),
        Some("link-local (cloud metadata)")
    );
}

#[test]
fn only_http_and_https_urls_are_accepted() {
    let guard = client(true);
    for (url, code) in [
        ("ftp://files.example.com/x", "unsupported_scheme"),
        ("file:///etc/passwd", "unsupported_scheme"),
        ("gopher://127.0.0.1:6379/_INFO", "unsupported_scheme"),
        ("not a url", "invalid_url"),
        ("http://", "invalid_url"),
    ] {
        match guard.check_url(url) {
            Err(error) => assert_eq!(error.code(), code, "{url}: {error}"),
            Ok(parsed) => panic!("{url} was accepted as {parsed}"),
        }
    }
}

#[test]
fn a_timeout_of_zero_or_hours_is_refused() {
    for timeout in [Duration::ZERO, Duration::from_secs(3600)] {
        let error = OutboundClient::new(&OutboundPolicy {
            timeout,
            ..OutboundPolicy::default()
        })
        .expect_err("refused");
        assert_eq!(error.code(), "invalid_timeout");
    }
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_by_the_resolver() {
    let refused = GuardedResolver::new(false)
        .resolve("localhost".parse().expect("a name"))
        .await
        .err()
        .expect("localhost resolves to loopback only");
    let guard = refused
        .downcast_ref::<GuardError>()
        .expect("the guard's refusal");
    assert_eq!(guard.code(), "blocked_address");
    assert!(guard.to_string().contains("loopback"), "{guard}");

    let allowed: Vec<_> = GuardedResolver::new(true)
        .resolve("localhost".parse().expect("a name"))
        .await
        .expect("resolved")
        .collect();
    assert!(
        allowed.iter().any(|address| address.ip().is_loopback()),
        "{allowed:?}"
    );
}

/// The resolver is the one the client really uses: this machine's own host name resolves to
/// a loopback or private address (the hosts file of a workstation, a container, a CI runner),
/// passes the URL check as a name, and must still be refused at send time.
#[tokio::test]
async fn a_host_name_resolving_to_a_private_address_is_refused_when_sending() {
    let destination = spawn_destination();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("the machine's host name")
        .trim()
        .to_owned();
    let resolved: Vec<_> = tokio::net::lookup_host((hostname.as_str(), destination.port))
        .await
        .map(|addresses| addresses.collect())
        .unwrap_or_default();
    if resolved.is_empty() || resolved.iter().any(|address| !is_blocked_ip(address.ip())) {
        eprintln!("skipped: {hostname} resolves to {resolved:?}, not only to blocked addresses");
        return;
    }
    let url = format!("http://{hostname}:{}/ok", destination.port);
    let guard = client(false);
    assert!(
        guard.check_url(&url).is_ok(),
        "a host name passes the URL check"
    );
    let outcome = guard.send(guard.get(&url).expect("checked")).await;
    match outcome {
        DeliveryOutcome::Refused {
            refusal: Refusal::BlockedAddress,
            status: None,
            ref reason,
            ..
        } => {
            assert!(reason.contains(&hostname), "{reason}");
        }
        other => panic!("sent to {resolved:?}: {other:?}"),
    }
    assert_eq!(destination.hits(), 0, "nothing reached the server");

    let allowed = client(true);
    let outcome = allowed.send(allowed.get(&url).expect("checked")).await;
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
    assert_eq!(destination.hits(), 1);
}

#[tokio::test]
async fn allow_private_lets_a_local_server_through_and_the_guard_does_not() {
    let destination = spawn_destination();
    let refused = client(false)
        .get(&destination.url("/ok"))
        .expect_err("loopback");
    assert_eq!(refused.code(), "blocked_address");

    let allowed = client(true);
    let outcome = allowed
        .send(allowed.get(&destination.url("/ok")).expect("allowed"))
        .await;
    assert_eq!(
        outcome,
        DeliveryOutcome::Delivered {
            status: Some(200),
            external_record: None,
            response: "taken".into()
        }
    );
    assert_eq!(destination.hits(), 1);
}

#[tokio::test]
async fn execute_checks_a_request_whose_url_was_changed_after_the_check() {
    let destination = spawn_destination();
    let guard = client(false);
    let mut request = guard
        .get("https://hooks.example.com/attendance")
        .expect("public")
        .build()
        .expect("built");
    *request.url_mut() = destination.url("/ok").parse().expect("a URL");
    match guard.execute(request).await {
        Err(SendError::Guard(error)) => assert_eq!(error.code(), "blocked_address"),
        other => panic!("{other:?}"),
    }
    assert_eq!(destination.hits(), 0);
}

#[tokio::test]
async fn a_redirect_is_the_answer_not_a_hop() {
    let destination = spawn_destination();
    let guard = client(true);
    let outcome = guard
        .send(guard.get(&destination.url("/redirect")).expect("allowed"))
        .await;
    match outcome {
        DeliveryOutcome::Disable {
            status: Some(302),
            reason,
            ..
        } => {
            assert!(reason.contains("redirects are not followed"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(destination.hits(), 1, "only the first request was made");
}

#[tokio::test]
async fn the_timeout_is_honoured() {
    let destination = spawn_destination();
    let guard = OutboundClient::new(&OutboundPolicy {
        allow_private: true,
        timeout: Duration::from_millis(400),
        verify_tls: true,
    })
    .expect("a client");
    let started = Instant::now();
    let outcome = guard
        .send(guard.get(&destination.url("/slow")).expect("allowed"))
        .await;
    let took = started.elapsed();
    match outcome {
        DeliveryOutcome::Retry {
            status: None,
            retry_after: None,
            reason,
            ..
        } => {
            assert!(reason.starts_with("timed out"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        took >= Duration::from_millis(350) && took < Duration::from_secs(3),
        "took {took:?}"
    );
}

#[tokio::test]
async fn statuses_are_classified() {
    let destination = spawn_destination();
    let guard = client(true);
    let send = |path: String| {
        let guard = guard.clone();
        async move { guard.send(guard.get(&path).expect("allowed")).await }
    };

    match send(destination.url("/status/204")).await {
        DeliveryOutcome::Delivered {
            status: Some(204), ..
        } => {}
        other => panic!("204: {other:?}"),
    }
    for code in [401, 403, 410] {
        match send(destination.url(&format!("/status/{code}"))).await {
            DeliveryOutcome::Disable {
                status: Some(got),
                response,
                ..
            } => {
                assert_eq!(got, code);
                assert_eq!(response, format!("answered {code}"));
            }
            other => panic!("{code}: {other:?}"),
        }
    }
    for code in [400, 404, 422] {
        match send(destination.url(&format!("/status/{code}"))).await {
            DeliveryOutcome::Refused {
                status: Some(got),
                refusal: Refusal::Rejected,
                ..
            } => {
                assert_eq!(got, code)
            }
            other => panic!("{code}: {other:?}"),
        }
    }
    match send(destination.url("/status/429?Retry-After=7")).await {
        DeliveryOutcome::Retry {
            status: Some(429),
            retry_after,
            ..
        } => {
            assert_eq!(retry_after, Some(Duration::from_secs(7)))
        }
        other => panic!("429: {other:?}"),
    }
    let in_two_minutes = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
    match send(destination.url(&format!(
        "/status/503?Retry-After={}",
        in_two_minutes.replace(' ', "%20")
    )))
    .await
    {
        DeliveryOutcome::Retry {
            status: Some(503),
            retry_after: Some(wait),
            ..
        } => {
            assert!(
                wait > Duration::from_secs(110) && wait <= Duration::from_secs(120),
                "{wait:?}"
            )
        }
        other => panic!("503: {other:?}"),
    }
    for code in [500, 502, 408, 425] {
        match send(destination.url(&format!("/status/{code}"))).await {
            DeliveryOutcome::Retry {
                status: Some(got),
                retry_after: None,
                ..
            } => assert_eq!(got, code),
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[test]
fn retry_after_is_read_as_seconds_or_an_http_date() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    assert_eq!(
        parse_retry_after("120", now),
        Some(Duration::from_secs(120))
    );
    assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
    let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
    assert_eq!(
        parse_retry_after(&later, now),
        Some(Duration::from_secs(90))
    );
    let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
    assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("31536000", now), Some(MAX_RETRY_AFTER));
    assert_eq!(
        parse_retry_after("99999999999999999999999", now),
        Some(MAX_RETRY_AFTER)
    );
    for garbage in ["", "-5", "1.5", "soon", "Mon, 99 Foo 2026 00:00:00 GMT"] {
        assert_eq!(parse_retry_after(garbage, now), None, "{garbage:?}");
    }
}

#[tokio::test]
async fn a_huge_reply_is_read_only_up_to_the_bound() {
    let destination = spawn_destination();
    let guard = client(true);
    let response = guard
        .execute(
            guard
                .get(&destination.url("/huge"))
                .expect("allowed")
                .build()
                .expect("built"),
        )
        .await
        .expect("answered");
    let body = read_limited(response, 1000).await;
    assert_eq!(body.bytes.len(), 1000);
    assert!(body.truncated);

    let response = guard
        .execute(
            guard
                .get(&destination.url("/huge"))
                .expect("allowed")
                .build()
                .expect("built"),
        )
        .await;
    match outcome_of(response).await {
        DeliveryOutcome::Delivered { response, .. } => {
            assert!(
                response.len() <= 1024 + '…'.len_utf8(),
                "{} bytes kept",
                response.len()
            );
            assert!(response.ends_with('…'));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_failed_send_never_records_the_urls_secrets() {
    // A port nothing listens on: bind one, note it, let it go.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let guard = client(true);
    let url = format!("http://operator:hunter2@127.0.0.1:{port}/hook?token=s3cr3t");
    let outcome = guard.send(guard.post(&url).expect("allowed")).await;
    match outcome {
        DeliveryOutcome::Retry {
            status: None,
            reason,
            ..
        } => {
            assert!(reason.starts_with("could not connect"), "{reason}");
            for secret in ["hunter2", "s3cr3t", "operator"] {
                assert!(!reason.contains(secret), "{reason}");
            }
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn of_several_resolved_addresses_only_the_public_ones_are_kept() {
    let answer: Vec<std::net::SocketAddr> = vec![
        "127.0.0.1:0".parse().unwrap(),
        "93.184.215.14:0".parse().unwrap(),
        "[fd00::5]:0".parse().unwrap(),
        "[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:0"
            .parse()
            .unwrap(),
    ];
    let kept = filter_resolved("rebinding.example", answer.clone(), false).expect("two are public");
    assert_eq!(kept, vec![answer[1], answer[3]]);
    assert_eq!(
        filter_resolved("lan.example", answer.clone(), true).expect("allowed"),
        answer
    );

    let private_only = vec![answer[0], answer[2]];
    let refused =
        filter_resolved("internal.example", private_only, false).expect_err("all private");
    assert_eq!(refused.code(), "blocked_address");
    assert!(
        refused.to_string().contains("internal.example"),
        "{refused}"
    );
    assert_eq!(
        filter_resolved("nothing.example", vec![], false)
            .expect_err("empty")
            .code(),
        "unresolvable"
    );
}
