//! `TestEmbedder`: a real face-embedder with the project's models, in its own bus namespace on
//! the NATS server named by `TEST_NATS_URL`, plus the photos the tests use.
//!
//! The labelled photos come from `shared/data/faces` of the development set (or
//! `FACEATTEND_FACES_DIR`); tests that need them say so and return when they are absent.

use std::path::PathBuf;
use std::time::Duration;

use async_nats::jetstream;
use bytes::Bytes;
use face_embedder::config::Settings;
use face_embedder::startup::Application;
use faceattend_proto::faces::v1 as wire;
use faceattend_service::config::LogFormat;
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

pub fn photo(faces: &std::path::Path, name: &str) -> Bytes {
    Bytes::from(std::fs::read(faces.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
}

/// A PNG without any face: a smooth gradient.
pub fn faceless_png() -> Bytes {
    let image = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encode png");
    Bytes::from(bytes.into_inner())
}

pub struct TestEmbedder {
    pub namespace: String,
    pub nats: async_nats::Client,
    pub port: u16,
    shutdown: CancellationToken,
    stopped: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// A fresh namespace for one test.
pub fn new_namespace() -> String {
    format!("t{}", &Uuid::new_v4().simple().to_string()[..16])
}

pub async fn spawn_embedder(namespace: &str) -> TestEmbedder {
    faceattend_service::telemetry::init_for_tests();
    let settings = Settings {
        nats_url: test_nats_url(),
        bus_namespace: namespace.to_owned(),
        models_dir: models_dir(),
        inference_threads: 1,
        inference_spin: false,
        inference_workers: 1,
        max_image_bytes: 8 * 1024 * 1024,
        match_margin: 0.05,
        approximate_above: 50_000,
        queue_group: "face-embedder".to_owned(),
        consume_captures: true,
        captures_consumer: "face-embedder".to_owned(),
        captures_batch: 4,
        captures_max_deliver: 2,
        bind_address: "127.0.0.1:0".to_owned(),
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    };
    let application = Application::build(settings)
        .await
        .expect("face-embedder starts (run `make models` first)");
    let port = application.port();
    let shutdown = application.shutdown_token();
    let stopped = Some(tokio::spawn(application.run_until_stopped()));
    let nats = async_nats::connect(test_nats_url())
        .await
        .expect("test NATS reachable");
    let embedder = TestEmbedder {
        namespace: namespace.to_owned(),
        nats,
        port,
        shutdown,
        stopped,
    };
    embedder.wait_ready().await;
    embedder
}

impl TestEmbedder {
    pub fn subject(&self, relative: &str) -> String {
        format!("{}.{relative}", self.namespace)
    }

    pub fn stream(&self, base: &str) -> String {
        format!("{}_{base}", self.namespace.to_uppercase())
    }

    /// Waits for `/readyz` (NATS connected, gallery caught up).
    pub async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(response) = client
                .get(format!("http://127.0.0.1:{}/readyz", self.port))
                .send()
                .await
                && response.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("face-embedder never became ready");
    }

    pub async fn metrics(&self) -> String {
        reqwest::get(format!("http://127.0.0.1:{}/metrics", self.port))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body")
    }

    /// Sends a request to an endpoint and returns the reply payload, or the service error
    /// (status code, text).
    pub async fn request(&self, endpoint: &str, payload: Vec<u8>) -> Result<Bytes, (u16, String)> {
        let reply = self
            .nats
            .request(self.subject(endpoint), Bytes::from(payload))
            .await
            .expect("a face-embedder replica answers");
        if let Some(headers) = &reply.headers
            && let Some(code) = headers.get("Nats-Service-Error-Code")
        {
            let text = headers
                .get("Nats-Service-Error")
                .map(|v| v.to_string())
                .unwrap_or_default();
            return Err((code.as_str().parse().unwrap_or(0), text));
        }
        Ok(reply.payload)
    }

    pub async fn embed(&self, image: Bytes) -> Result<wire::EmbedReply, (u16, String)> {
        let payload = wire::EmbedRequest {
            image: image.to_vec(),
        }
        .encode_to_vec();
        self.request("face.v1.embed", payload)
            .await
            .map(|b| wire::EmbedReply::decode(b.as_ref()).expect("EmbedReply"))
    }

    pub async fn identify(&self, image: Bytes) -> Result<wire::IdentifyReply, (u16, String)> {
        let payload = wire::IdentifyRequest {
            probe: Some(wire::identify_request::Probe::Image(image.to_vec())),
            top_k: 3,
            min_confidence: 0.0,
        }
        .encode_to_vec();
        self.request("face.v1.identify", payload)
            .await
            .map(|b| wire::IdentifyReply::decode(b.as_ref()).expect("IdentifyReply"))
    }

    pub async fn gallery(&self) -> jetstream::kv::Store {
        jetstream::new(self.nats.clone())
            .get_key_value(self.stream("FACE_GALLERY"))
            .await
            .expect("the gallery bucket exists")
    }

    /// Enrols photos for a person straight into the gallery bucket, as person-api does.
    pub async fn enrol(&self, person_id: Uuid, photos: &[Bytes]) {
        let mut encodings = Vec::new();
        for photo in photos {
            let reply = self.embed(photo.clone()).await.expect("embeddable photo");
            let face = reply.faces.into_iter().next().expect("a face");
            encodings.push(wire::GalleryEncoding {
                encoding_id: Uuid::now_v7().to_string(),
                embedding: face.embedding,
                quality: face.quality.map_or(0.0, |q| q.score),
            });
        }
        let value = wire::GalleryPerson {
            person_id: person_id.to_string(),
            encodings,
            updated_at: None,
        };
        self.gallery()
            .await
            .put(person_id.to_string(), Bytes::from(value.encode_to_vec()))
            .await
            .expect("gallery put");
    }

    /// Stops the replica as SIGTERM would; true when it stopped cleanly.
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

impl Drop for TestEmbedder {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Removes a namespace's streams and bucket once the test is done.
pub async fn cleanup(namespace: &str) {
    let nats = async_nats::connect(test_nats_url()).await.expect("NATS");
    let js = jetstream::new(nats);
    let prefix = namespace.to_uppercase();
    for base in ["FACES", "DETECTIONS", "DEAD_LETTERS", "FACE_GALLERY"] {
        let _ = js.delete_stream(format!("{prefix}_{base}")).await;
        let _ = js.delete_key_value(format!("{prefix}_{base}")).await;
    }
}

/// Waits until `check` holds, for at most `limit`.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
