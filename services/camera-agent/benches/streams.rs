//! How many 720p camera streams one camera-agent sustains at 5 analysed frames per second,
//! how long a capture takes from its frame to JetStream, and where the time goes.
//!
//! A 1280×720, 15 fps video of people walking past is written from the development photos
//! (FACEATTEND_FACES_DIR), then played in real time and on repeat by 1, 2, 3, … cameras of one
//! in-process agent (the real Application: OpenCV decode, detector, tracker, NATS at
//! TEST_NATS_URL). Each step runs BENCH_STREAM_SECS (default 20) seconds; a step is sustained
//! when every camera analysed at least 95% of its 5 frames per second (a file waits for its
//! analysis, so an overloaded agent shows as a lower rate). Steps stop at the first that is
//! not sustained, or at BENCH_MAX_STREAMS (default 8).
//!
//! Latency, two ways: the agent's own (from decoding the frame that decided a capture, i.e.
//! the first frame after the person left or the one 1.5 s into a lingering appearance, to
//! JetStream's acknowledgement; `camera_capture_latency_seconds`), and face → subscriber (from
//! the published face's own frame, `captured_at`, to a NATS subscriber), which adds the
//! tracking policy's deliberate wait for the appearance's best face.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use camera_agent::config::{Settings, TrackingConfig};
use camera_agent::sample_video::{SampleVideo, load_photo};
use camera_agent::startup::Application;
use faceattend_proto::faces::v1 as wire;
use faceattend_service::config::EnvReader;
use futures::StreamExt;
use prost::Message;

const FPS: f32 = 5.0;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn faces_dir() -> Option<PathBuf> {
    let dir = std::env::var("FACEATTEND_FACES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/faces")
        });
    dir.join("person01").is_dir().then_some(dir)
}

/// Sum and count of a histogram series in a Prometheus text page.
fn histogram(metrics: &str, name: &str, label: Option<&str>) -> (f64, f64) {
    let value = |suffix: &str| {
        metrics
            .lines()
            .filter(|l| l.starts_with(&format!("{name}{suffix}")))
            .filter(|l| label.is_none_or(|label| l.contains(label)))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    (value("_sum"), value("_count"))
}

fn counter(metrics: &str, name: &str, camera: &str) -> f64 {
    let label = format!("camera=\"{camera}\"");
    metrics
        .lines()
        .find(|l| l.starts_with(&format!("{name}{{")) && l.contains(&label))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Cumulative buckets `(upper bound, count)` of a histogram in a Prometheus text page.
fn buckets(metrics: &str, name: &str) -> Vec<(f64, f64)> {
    metrics
        .lines()
        .filter(|l| l.starts_with(&format!("{name}_bucket{{")))
        .filter_map(|l| {
            let le = l.split("le=\"").nth(1)?.split('"').next()?;
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((bound, l.rsplit(' ').next()?.parse().ok()?))
        })
        .collect()
}

/// The `q` quantile of what a histogram recorded between two scrapes, interpolated within
/// its bucket, in milliseconds.
fn histogram_quantile_ms(before: &str, after: &str, name: &str, q: f64) -> f64 {
    let earlier = buckets(before, name);
    let counts: Vec<(f64, f64)> = buckets(after, name)
        .into_iter()
        .map(|(bound, count)| {
            let previous = earlier
                .iter()
                .find(|(b, _)| *b == bound)
                .map_or(0.0, |(_, c)| *c);
            (bound, count - previous)
        })
        .collect();
    let Some(&(_, total)) = counts.last() else {
        return f64::NAN;
    };
    if total <= 0.0 {
        return f64::NAN;
    }
    let rank = q * total;
    let (mut lower, mut below) = (0.0, 0.0);
    for (bound, count) in counts {
        if count >= rank {
            if bound.is_infinite() {
                return lower * 1000.0;
            }
            let share = if count > below {
                (rank - below) / (count - below)
            } else {
                1.0
            };
            return (lower + (bound - lower) * share) * 1000.0;
        }
        (lower, below) = (bound, count);
    }
    f64::NAN
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Step {
    streams: usize,
    min_rate: f64,
    mean_rate: f64,
    latencies_ms: Vec<f64>,
    /// The agent's own latency (deciding frame → stored), p50 and p99.
    agent_ms: (f64, f64),
    stages_ms: Vec<(&'static str, f64)>,
}

async fn run_step(video: &std::path::Path, streams: usize, seconds: u64) -> Step {
    let namespace = format!("bench{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let nats_url =
        std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let models = std::env::var("FACEATTEND_MODELS_DIR")
        .unwrap_or_else(|_| format!("{}/../../models", env!("CARGO_MANIFEST_DIR")));
    let cameras: Vec<_> = (0..streams)
        .map(|i| {
            serde_json::json!({"id": format!("cam{i}"), "source": video, "role": "entry",
                "sample_fps": FPS, "realtime": true, "repeat": true})
        })
        .collect();
    let cameras = serde_json::Value::Array(cameras).to_string();
    let threads = env_or("BENCH_THREADS", 2usize).to_string();
    let settings = Settings::from_reader(EnvReader::from_pairs([
        ("NATS_URL", nats_url.as_str()),
        ("BUS_NAMESPACE", namespace.as_str()),
        ("FACEATTEND_MODELS_DIR", models.as_str()),
        ("INFERENCE_THREADS", threads.as_str()),
        ("BIND_ADDRESS", "127.0.0.1:0"),
        ("CAMERAS", cameras.as_str()),
    ]))
    .expect("bench settings");
    let app = Application::build(settings)
        .await
        .expect("agent starts (make models)");
    let port = app.port();
    let stop = app.shutdown_token();
    let nats = async_nats::connect(&nats_url).await.expect("NATS");
    let mut captures = nats
        .subscribe(format!("{namespace}.faces.v1.>"))
        .await
        .expect("subscribe");
    let running = tokio::spawn(app.run_until_stopped());
    let metrics_url = format!("http://127.0.0.1:{port}/metrics");

    // Let every camera open and warm up, then measure over the window.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = reqwest::get(&metrics_url)
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let started = Instant::now();
    let mut latencies_ms = Vec::new();
    let window = Duration::from_secs(seconds);
    while started.elapsed() < window {
        let left = window.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, captures.next()).await {
            Ok(Some(message)) => {
                let received = chrono::Utc::now();
                if let Ok(capture) = wire::FaceCapture::decode(message.payload.as_ref())
                    && let Some(at) = capture.captured_at
                {
                    let captured = chrono::DateTime::from_timestamp(at.seconds, at.nanos as u32)
                        .unwrap_or(received);
                    latencies_ms.push((received - captured).as_seconds_f64() * 1000.0);
                }
            }
            _ => break,
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = reqwest::get(&metrics_url)
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    stop.cancel();
    let _ = running.await;
    let js = async_nats::jetstream::new(nats);
    let _ = js
        .delete_stream(format!("{}_FACES", namespace.to_uppercase()))
        .await;

    let rates: Vec<f64> = (0..streams)
        .map(|i| {
            let camera = format!("cam{i}");
            (counter(&after, "camera_frames_analysed_total", &camera)
                - counter(&before, "camera_frames_analysed_total", &camera))
                / elapsed
        })
        .collect();
    let stages_ms = ["decode", "detect", "quality", "encode", "publish"]
        .into_iter()
        .map(|stage| {
            let label = format!("stage=\"{stage}\"");
            let (sum_a, count_a) = histogram(&after, "camera_stage_seconds", Some(&label));
            let (sum_b, count_b) = histogram(&before, "camera_stage_seconds", Some(&label));
            let count = count_a - count_b;
            (
                stage,
                if count > 0.0 {
                    (sum_a - sum_b) / count * 1000.0
                } else {
                    f64::NAN
                },
            )
        })
        .collect();
    latencies_ms.sort_by(f64::total_cmp);
    let latency = "camera_capture_latency_seconds";
    let agent_ms = (
        histogram_quantile_ms(&before, &after, latency, 0.5),
        histogram_quantile_ms(&before, &after, latency, 0.99),
    );
    Step {
        agent_ms,
        streams,
        min_rate: rates.iter().copied().fold(f64::INFINITY, f64::min),
        mean_rate: rates.iter().sum::<f64>() / streams as f64,
        latencies_ms,
        stages_ms,
    }
}

#[tokio::main]
async fn main() {
    let Some(faces) = faces_dir() else {
        eprintln!("skipped: no photos (set FACEATTEND_FACES_DIR)");
        return;
    };
    faceattend_service::telemetry::init_for_tests();
    let dir = tempfile::tempdir().expect("temp dir");
    let video_path = dir.path().join("walkers.avi");
    let photos = [
        "person01/img1.jpg",
        "person02/img3.jpg",
        "person06/img19.jpg",
        "person05/img16.jpg",
    ]
    .iter()
    .map(|p| load_photo(&faces.join(p)).expect("photo"))
    .collect();
    let video = SampleVideo::sequence(
        photos,
        Duration::from_secs(2),
        // More than the tracker's `lost_after`: with no appearance model, a person who takes
        // the previous one's place within it would continue their track.
        Duration::from_millis(1500),
        1280,
        720,
        15.0,
    );
    let frames = video.write(&video_path).expect("video");
    let seconds = env_or("BENCH_STREAM_SECS", 20u64);
    let max_streams = env_or("BENCH_MAX_STREAMS", 8usize);
    let policy = TrackingConfig::default();
    println!(
        "camera-agent: 1280x720 video, 15 fps, {frames} frames, people in view 2 s of every 3.5 s; \
         {FPS} analysed frames/s per stream; {seconds} s per step; {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:>7} {:>14} {:>14} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "streams",
        "fps/stream min",
        "fps/stream avg",
        "captures",
        "agent p50",
        "agent p99",
        "face p50",
        "face p99",
        "decode",
        "detect",
        "quality",
        "encode",
        "publish"
    );
    let mut sustained = 0;
    for streams in 1..=max_streams {
        let step = run_step(&video_path, streams, seconds).await;
        let stage = |name: &str| {
            step.stages_ms
                .iter()
                .find(|(s, _)| *s == name)
                .map_or(f64::NAN, |(_, ms)| *ms)
        };
        println!(
            "{:>7} {:>14.2} {:>14.2} {:>9} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            step.streams,
            step.min_rate,
            step.mean_rate,
            step.latencies_ms.len(),
            step.agent_ms.0,
            step.agent_ms.1,
            percentile(&step.latencies_ms, 0.5),
            percentile(&step.latencies_ms, 0.99),
            stage("decode"),
            stage("detect"),
            stage("quality"),
            stage("encode"),
            stage("publish"),
        );
        if step.min_rate >= 0.95 * FPS as f64 {
            sustained = streams;
        } else {
            break;
        }
    }
    println!(
        "sustained: {sustained} stream(s) of 720p at {FPS} analysed frames/s on this machine \
         (stage columns: mean ms per sampled frame, encode/publish per capture)"
    );
    println!(
        "agent p50/p99: ms from decoding the frame that decided a capture to JetStream's ack; \
         face p50/p99: ms from the published face's own frame to a subscriber (includes the \
         tracking policy's wait below)"
    );
    println!(
        "tracking policy on top of the latency above: a short appearance publishes {} ms after \
         it ends, a lingering one {} ms after it began",
        policy.lost_after.as_millis(),
        policy.first_capture_after.as_millis()
    );
}
