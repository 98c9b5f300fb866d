//! `TestAgent`: a real camera-agent in its own bus namespace on the NATS server named by
//! `TEST_NATS_URL`, and the videos the tests play through it, written into a temporary
//! folder from the development photos (`shared/data/faces`, or `FACEATTEND_FACES_DIR`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_nats::jetstream;
use camera_agent::config::Settings;
use camera_agent::sample_video::{SampleVideo, load_photo};
use camera_agent::startup::Application;
use faceattend_proto::faces::v1 as wire;
use faceattend_service::config::EnvReader;
use futures::StreamExt;
use prost::Message;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub fn test_nats_url() -> String {
    std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

pub fn models_dir() -> PathBuf {
    std::env::var("FACEATTEND_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

/// The labelled development photos, or `None` (with a note) where this checkout has none.
#[track_caller]
pub fn faces_dir() -> Option<PathBuf> {
    faceattend_face::photo_set::labelled_photos()
}

/// A fresh namespace for one test.
pub fn new_namespace() -> String {
    format!("t{}", &Uuid::new_v4().simple().to_string()[..16])
}

/// Writes a 960×540, 10 fps video of `photos` appearing one after another (2 s each, 1.5 s
/// of empty scene between and around them) into `dir`.
pub fn people_video(dir: &Path, name: &str, faces: &Path, photos: &[&str]) -> PathBuf {
    let photos = photos
        .iter()
        .map(|p| load_photo(&faces.join(p)).unwrap_or_else(|e| panic!("{p}: {e}")))
        .collect();
    let video = SampleVideo::sequence(
        photos,
        Duration::from_secs(2),
        Duration::from_millis(1500),
        960,
        540,
        10.0,
    );
    let path = dir.join(name);
    video.write(&path).expect("video written");
    path
}

pub struct TestAgent {
    pub namespace: String,
    pub port: u16,
    pub nats: async_nats::Client,
    shutdown: CancellationToken,
    stopped: Option<tokio::task::JoinHandle<Result<(), camera_agent::CameraAgentError>>>,
}

/// Starts an agent with `cameras` (the JSON of CAMERAS) and extra environment.
pub async fn spawn_agent(namespace: &str, cameras: &str, extra: &[(&str, &str)]) -> TestAgent {
    faceattend_service::telemetry::init_for_tests();
    let nats_url = test_nats_url();
    let models = models_dir().display().to_string();
    let mut pairs = vec![
        ("NATS_URL", nats_url.as_str()),
        ("BUS_NAMESPACE", namespace),
        ("FACEATTEND_MODELS_DIR", models.as_str()),
        ("INFERENCE_THREADS", "1"),
        ("BIND_ADDRESS", "127.0.0.1:0"),
        ("LOG_FORMAT", "pretty"),
        ("CAMERAS", cameras),
    ];
    pairs.extend_from_slice(extra);
    let settings = Settings::from_reader(EnvReader::from_pairs(pairs))
        .unwrap_or_else(|e| panic!("test settings: {e}"));
    let application = Application::build(settings)
        .await
        .expect("camera-agent starts (run `make models` first)");
    let port = application.port();
    let shutdown = application.shutdown_token();
    let stopped = Some(tokio::spawn(application.run_until_stopped()));
    let nats = async_nats::connect(test_nats_url())
        .await
        .expect("test NATS reachable");
    TestAgent {
        namespace: namespace.to_owned(),
        port,
        nats,
        shutdown,
        stopped,
    }
}

impl TestAgent {
    pub fn subject(&self, relative: &str) -> String {
        format!("{}.{relative}", self.namespace)
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let response = reqwest::get(format!("http://127.0.0.1:{}{path}", self.port))
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    pub async fn metrics(&self) -> String {
        reqwest::get(format!("http://127.0.0.1:{}/metrics", self.port))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body")
    }

    /// One camera as `/healthz` shows it, if the agent runs it.
    pub async fn running_camera(&self, id: &str) -> Option<serde_json::Value> {
        let (status, body) = self.get("/healthz").await;
        assert_eq!(status, 200, "{body}");
        body["cameras"]
            .as_array()
            .and_then(|cameras| cameras.iter().find(|c| c["id"] == id))
            .cloned()
    }

    /// One camera as `/healthz` shows it; the agent starts it within a few seconds of
    /// reading the registry.
    pub async fn camera(&self, id: &str) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(camera) = self.running_camera(id).await {
                return camera;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "camera {id} never ran"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until camera `id` is in `state`.
    pub async fn wait_for_state(
        &self,
        id: &str,
        state: &str,
        limit: Duration,
    ) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let camera = self.camera(id).await;
            if camera["state"] == state {
                return camera;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "camera {id} never reached {state}: {camera}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every capture stored on `faces.v1.<camera>`, with its Nats-Msg-Id.
    pub async fn captures(&self, camera: &str) -> Vec<(wire::FaceCapture, String)> {
        let js = jetstream::new(self.nats.clone());
        let stream = js
            .get_stream(format!("{}_FACES", self.namespace.to_uppercase()))
            .await
            .expect("FACES stream");
        let consumer = stream
            .create_consumer(jetstream::consumer::pull::Config {
                filter_subject: self.subject(&format!("faces.v1.{camera}")),
                ..Default::default()
            })
            .await
            .expect("ephemeral consumer");
        let pending = consumer.cached_info().num_pending as usize;
        let mut captures = Vec::with_capacity(pending);
        if pending == 0 {
            return captures;
        }
        let mut messages = consumer
            .fetch()
            .max_messages(pending)
            .expires(Duration::from_secs(2))
            .messages()
            .await
            .expect("fetch");
        while let Some(Ok(message)) = messages.next().await {
            let msg_id = message
                .headers
                .as_ref()
                .and_then(|h| h.get("Nats-Msg-Id"))
                .map(|v| v.to_string())
                .unwrap_or_default();
            captures.push((
                wire::FaceCapture::decode(message.payload.as_ref()).expect("a FaceCapture"),
                msg_id,
            ));
        }
        captures
    }

    /// Stops the agent as SIGTERM would; true when it stopped cleanly.
    pub async fn stop(&mut self) -> bool {
        self.shutdown.cancel();
        match self.stopped.take() {
            Some(handle) => matches!(
                tokio::time::timeout(Duration::from_secs(15), handle).await,
                Ok(Ok(Ok(())))
            ),
            None => true,
        }
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The value of metric `name` for `camera` in a Prometheus text page.
pub fn metric_line<'a>(metrics: &'a str, name: &str, camera: &str) -> Option<&'a str> {
    let label = format!("camera=\"{camera}\"");
    metrics
        .lines()
        .find(|l| l.starts_with(&format!("{name}{{")) && l.contains(&label))
        .and_then(|l| l.rsplit(' ').next())
}

/// Removes a namespace's streams and buckets once the test is done.
pub async fn cleanup(namespace: &str) {
    let nats = async_nats::connect(test_nats_url()).await.expect("NATS");
    let namespace = namespace.to_owned();
    tokio::task::spawn_blocking(move || {
        faceattend_bus::testing::delete_namespace_streams(&nats, &namespace)
    })
    .await
    .expect("cleanup runs");
}
