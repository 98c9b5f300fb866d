//! Decision -> door request latency: the connector's own share of issue 20's goal (p99 within
//! 100 ms of the decision). A device server on loopback (the same one the tests use) plays a
//! Shelly Gen1 relay, a Shelly Gen2 switch behind SHA-256 Digest and a Hikvision door behind
//! MD5 Digest; each round takes the decision's instant, calls `door::open` with the default
//! 2 s deadline, and measures to the moment the opening request arrived at the device and to
//! the moment `open` returned `Opened`. The Digest devices' first round includes the challenge;
//! later ones reuse the remembered nonce, as a running service does.
//!
//! `cargo bench -p faceattend-connectors --bench door` (`DOOR_BENCH_ROUNDS`, default 500 per
//! device). Bounded: rounds × devices requests, all to 127.0.0.1.

#[path = "../tests/door_device/mod.rs"]
mod door_device;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use door_device::{Device, DigestAlgorithm, DigestServer, DigestVerdict, Reply};
use faceattend_connectors::door::{DEFAULT_DEADLINE, DoorAction, DoorClient, DoorOutcome, open};
use faceattend_connectors::{AttendanceMark, MarkKind};
use tokio::time::Instant;
use uuid::Uuid;

fn main() {
    let rounds: usize = std::env::var("DOOR_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(bench(rounds.max(1)));
}

async fn bench(rounds: usize) {
    let gen1 =
        Device::start(|_| Reply::json(200, r#"{"ison":true,"has_timer":true,"timer_duration":5}"#))
            .await;
    let gen2_auth = Arc::new(DigestServer::new(
        "shellyplus1-a8032ab12345",
        DigestAlgorithm::Sha256,
        "admin",
        "pw",
    ));
    let gen2 = Device::start({
        let auth = gen2_auth.clone();
        move |request| match auth.verify(request) {
            DigestVerdict::Accepted => Reply::json(
                200,
                r#"{"id":1,"src":"shellyplus1-a8032ab12345","result":{"was_on":false}}"#,
            ),
            verdict => Reply::json(401, r#"{"code":401,"message":"unauthorized"}"#).header(
                "WWW-Authenticate",
                auth.challenge(verdict == DigestVerdict::Stale),
            ),
        }
    })
    .await;
    let hik_auth = Arc::new(DigestServer::new(
        "DS-K1T341AMF",
        DigestAlgorithm::Md5,
        "admin",
        "Hik12345",
    ));
    let hik = Device::start({
        let auth = hik_auth.clone();
        move |request| match auth.verify(request) {
            DigestVerdict::Accepted => Reply::xml(
                200,
                r#"<ResponseStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><statusCode>1</statusCode><statusString>OK</statusString><subStatusCode>ok</subStatusCode></ResponseStatus>"#,
            ),
            _ => Reply::xml(401, "").header("WWW-Authenticate", auth.challenge(false)),
        }
    })
    .await;

    let client = DoorClient::new().expect("door client");
    let cases = [
        (
            "shelly_gen1",
            DoorAction::shelly_gen1(&gen1.host(), 0, 5).expect("gen1"),
            &gen1,
        ),
        (
            "shelly_gen2_digest",
            DoorAction::shelly_gen2(&gen2.host(), 0, 5, Some("pw".into())).expect("gen2"),
            &gen2,
        ),
        (
            "hikvision_digest",
            DoorAction::hikvision_isapi(&hik.host(), 1, "admin", "Hik12345".into()).expect("hik"),
            &hik,
        ),
    ];

    println!(
        "door bench: {rounds} rounds per device, deadline {DEFAULT_DEADLINE:?}, loopback device servers"
    );
    println!(
        "{:<20} {:>14} {:>14} {:>14} {:>14} {:>8}",
        "device", "request p50", "request p99", "opened p50", "opened p99", "missed"
    );
    for (name, action, device) in cases {
        let action = action.with_allow_private(true);
        let mut to_request = Vec::with_capacity(rounds);
        let mut to_opened = Vec::with_capacity(rounds);
        let mut not_opened = 0usize;
        for round in 0..rounds {
            let mark = AttendanceMark {
                event_id: Uuid::now_v7(),
                attendance_id: Uuid::now_v7(),
                person_id: Uuid::from_u128(round as u128),
                employee: format!("EMP-{round:04}"),
                kind: if round % 2 == 0 {
                    MarkKind::CheckIn
                } else {
                    MarkKind::CheckOut
                },
                at: Utc::now(),
                check_in_at: None,
                camera_id: Some("front-door".into()),
                external_record: None,
            };
            let seen_before = device.requests().len();
            let decided = Instant::now();
            let outcome = open(&client, &action, &mark, decided + DEFAULT_DEADLINE).await;
            let returned = Instant::now();
            let requests = device.requests();
            match (&outcome, requests.last()) {
                (DoorOutcome::Opened { .. }, Some(last)) if requests.len() > seen_before => {
                    to_request.push(last.arrived - decided);
                    to_opened.push(returned - decided);
                }
                _ => not_opened += 1,
            }
        }
        println!(
            "{:<20} {:>14} {:>14} {:>14} {:>14} {:>8}",
            name,
            show(percentile(&mut to_request, 50.0)),
            show(percentile(&mut to_request, 99.0)),
            show(percentile(&mut to_opened, 50.0)),
            show(percentile(&mut to_opened, 99.0)),
            not_opened
        );
    }
    println!(
        "digest challenges issued: shelly_gen2 {}, hikvision {} (one each: later opens reuse the nonce)",
        gen2_auth.nonces_issued(),
        hik_auth.nonces_issued()
    );
}

/// Nearest-rank percentile.
fn percentile(samples: &mut [Duration], p: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    Some(samples[rank.clamp(1, samples.len()) - 1])
}

fn show(value: Option<Duration>) -> String {
    match value {
        Some(d) => format!("{:.2} ms", d.as_secs_f64() * 1000.0),
        None => "-".into(),
    }
}
