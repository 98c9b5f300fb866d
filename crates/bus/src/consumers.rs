//! Durable consumers and key-value buckets, declared once and created idempotently.
//!
//! A consumer's delivery policy is part of its declaration: explicit acks, a bounded number
//! of deliveries with backoff between them. What happens after the last delivery (a
//! dead-letter subject) is the consuming service's decision, made where it knows the reason.

use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use async_nats::jetstream::kv;

use crate::{Bus, BusError, StreamSpec};

/// A durable pull consumer of a stream of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSpec {
    /// Shared by every replica of the consuming service: they split the messages.
    pub durable_name: String,
    /// Relative to the namespace; `None` for every subject of the stream.
    pub filter_subject: Option<String>,
    /// How long a delivered message may stay unacknowledged before it is delivered again.
    pub ack_wait: Duration,
    /// Deliveries before JetStream gives up on a message (the first one included).
    pub max_deliver: i64,
    /// Waits before each redelivery; the last value repeats.
    pub backoff: Vec<Duration>,
}

impl ConsumerSpec {
    pub fn new(durable_name: impl Into<String>) -> Self {
        Self {
            durable_name: durable_name.into(),
            filter_subject: None,
            ack_wait: Duration::from_secs(30),
            max_deliver: 3,
            backoff: Vec::new(),
        }
    }
}

/// A key-value bucket; its name is relative to the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvSpec {
    pub base_name: &'static str,
    pub description: &'static str,
    /// Values kept per key (1: only the latest).
    pub history: i64,
    /// A value not rewritten for this long expires; zero keeps values until they change.
    pub max_age: Duration,
}

impl KvSpec {
    /// `FACE_GALLERY`: every enrolled person's face encodings, written by person-api (through
    /// its outbox) and watched by every face-embedder replica. Only the latest value matters.
    pub const FACE_GALLERY: KvSpec = KvSpec {
        base_name: "FACE_GALLERY",
        description: "Face encodings per person (key: person id), written by person-api",
        history: 1,
        max_age: Duration::ZERO,
    };

    /// `CAMERAS`: the camera registry (key: camera id), written by the console and seeded by
    /// camera-agent; watched by every camera-agent and attendance-worker. A few values are
    /// kept per key so an operator can see what a camera was before a change.
    pub const CAMERAS: KvSpec = KvSpec {
        base_name: "CAMERAS",
        description: "The camera registry (key: camera id), watched by camera-agent and attendance-worker",
        history: 5,
        max_age: Duration::ZERO,
    };

    /// `CAMERA_STATUS`: each running camera's state (key: camera id) and each agent's
    /// heartbeat (key: `agent.<name>`), rewritten every few seconds; what an agent stops
    /// writing expires, so a dead agent's cameras do not look alive.
    pub const CAMERA_STATUS: KvSpec = KvSpec {
        base_name: "CAMERA_STATUS",
        description: "Live state of each camera and agent, rewritten every few seconds by camera-agent",
        history: 1,
        max_age: Duration::from_secs(60),
    };

    /// `CAMERA_THUMBNAILS`: the scaled-down frame of each camera's latest capture.
    pub const CAMERA_THUMBNAILS: KvSpec = KvSpec {
        base_name: "CAMERA_THUMBNAILS",
        description: "The frame of each camera's latest capture, scaled down (key: camera id)",
        history: 1,
        max_age: Duration::from_secs(7 * 24 * 3600),
    };

    /// Every bucket above, as [`StreamSpec::CATALOGUE`] lists the streams.
    pub const CATALOGUE: &'static [KvSpec] = &[
        Self::FACE_GALLERY,
        Self::CAMERAS,
        Self::CAMERA_STATUS,
        Self::CAMERA_THUMBNAILS,
    ];
}

impl Bus {
    /// The subject prefix of the bucket's keys, `$KV.<bucket>`: a put or purge of `key` is a
    /// message on `<prefix>.<key>`, which is how writers that publish key-value changes as
    /// ordinary messages (the outbox relay) address a bucket.
    pub fn kv_subject_prefix(&self, spec: &KvSpec) -> String {
        format!("$KV.{}", self.stream_name(spec.base_name))
    }

    /// Creates the durable consumer, or returns the existing one. The stream must exist
    /// (`ensure_stream`).
    pub async fn durable_consumer(
        &self,
        stream: &StreamSpec,
        spec: &ConsumerSpec,
    ) -> Result<PullConsumer, BusError> {
        let stream_name = self.stream_name(stream.base_name);
        let fail = |reason: String| BusError::Consumer {
            stream: stream_name.clone(),
            consumer: spec.durable_name.clone(),
            reason,
        };
        let stream = self
            .jetstream()
            .get_stream(&stream_name)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let config = pull::Config {
            durable_name: Some(spec.durable_name.clone()),
            filter_subject: spec
                .filter_subject
                .as_deref()
                .map(|s| self.subject(s))
                .unwrap_or_default(),
            ack_policy: AckPolicy::Explicit,
            deliver_policy: DeliverPolicy::All,
            ack_wait: spec.ack_wait,
            max_deliver: spec.max_deliver,
            backoff: spec.backoff.clone(),
            ..Default::default()
        };
        stream
            .get_or_create_consumer(&spec.durable_name, config)
            .await
            .map_err(|e| fail(e.to_string()))
    }

    /// Opens the bucket, creating it on first use.
    pub async fn key_value(&self, spec: &KvSpec) -> Result<kv::Store, BusError> {
        let bucket = self.stream_name(spec.base_name);
        if let Ok(store) = self.jetstream().get_key_value(&bucket).await {
            return Ok(store);
        }
        self.jetstream()
            .create_key_value(kv::Config {
                bucket: bucket.clone(),
                description: spec.description.to_owned(),
                history: spec.history,
                max_age: spec.max_age,
                ..Default::default()
            })
            .await
            .map_err(|e| BusError::KeyValue {
                bucket,
                reason: e.to_string(),
            })
    }
}
