//! The camera registry: a site's cameras as data on NATS JetStream, so a camera added, changed
//! or disabled in the console is running (or stopped) within a couple of seconds, on the
//! agent the camera names, without restarting anything.
//!
//! Three key-value buckets (see `proto/faceattend/cameras/v1/cameras.proto`):
//! - `CAMERAS`: one [`Camera`] per key. The console writes it; camera-agent seeds it from
//!   `CAMERAS`/`CAMERAS_FILE`; every camera-agent and attendance-worker [follows](follow) it.
//! - `CAMERA_STATUS`: what each agent reports of the cameras it runs, and its heartbeat;
//!   values expire when no longer rewritten, so an agent that went away leaves nothing behind.
//! - `CAMERA_THUMBNAILS`: the scaled-down frame of each camera's latest capture.
//!
//! And one request/reply subject per agent, `cameras.v1.probe.<agent>`: open a source once
//! and report (the console's "test connection"; the agent, not the console, is on the
//! cameras' network).

pub mod follow;

use std::time::Duration;

use async_nats::jetstream::kv;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use faceattend_bus::{Bus, BusError, KvSpec};
use faceattend_domain::camera::Camera;
use faceattend_proto::cameras::v1 as wire;
use futures::TryStreamExt;
use prost::Message;

pub use follow::{CameraSet, follow};

/// Key prefix of the agents' heartbeats in `CAMERA_STATUS` (camera ids cannot hold a dot).
const AGENT_KEY_PREFIX: &str = "agent.";

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error("camera {0} is already registered")]
    Exists(String),
    #[error("camera {0} is not registered")]
    NotFound(String),
    #[error("camera {id} changed since revision {expected}")]
    Changed { id: String, expected: u64 },
    #[error("no camera-agent named {0} answers")]
    NoAgent(String),
    #[error("{operation} on {bucket}: {reason}")]
    Unavailable {
        operation: &'static str,
        bucket: &'static str,
        reason: String,
    },
}

impl RegistryError {
    fn unavailable(
        operation: &'static str,
        bucket: &'static str,
    ) -> impl FnOnce(String) -> RegistryError {
        move |reason| RegistryError::Unavailable {
            operation,
            bucket,
            reason,
        }
    }
}

/// A camera of the registry, with what the registry knows of its last change.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredCamera {
    pub camera: Camera,
    /// The key's revision: changes with every write, for optimistic concurrency.
    pub revision: u64,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: String,
}

impl RegisteredCamera {
    /// The entry as stored, if it is a camera an agent could run.
    fn decode(key: &str, value: &[u8], revision: u64) -> Option<Self> {
        let stored = match wire::Camera::decode(value) {
            Ok(stored) => stored,
            Err(error) => {
                tracing::error!(camera = key, %error, "undecodable camera entry; left out");
                return None;
            }
        };
        match Camera::from_wire(&stored) {
            Ok(camera) if camera.id == key => Some(Self {
                camera,
                revision,
                updated_at: stored.updated_at.as_ref().and_then(from_timestamp),
                updated_by: stored.updated_by,
            }),
            Ok(camera) => {
                tracing::error!(key, id = %camera.id, "camera entry under another camera's key; left out");
                None
            }
            Err(errors) => {
                tracing::error!(camera = key, %errors, "invalid camera entry; left out");
                None
            }
        }
    }
}

pub fn from_timestamp(timestamp: &prost_types::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(timestamp.seconds, timestamp.nanos.max(0) as u32)
}

pub fn to_timestamp(time: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: time.timestamp_subsec_nanos() as i32,
    }
}

/// The live state an agent reports: of each camera, and of each agent.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    pub cameras: Vec<wire::CameraStatus>,
    pub agents: Vec<wire::AgentHeartbeat>,
}

/// The registry's buckets, opened (and created on first use).
#[derive(Clone)]
pub struct CameraRegistry {
    bus: Bus,
    cameras: kv::Store,
    status: kv::Store,
    thumbnails: kv::Store,
}

impl CameraRegistry {
    pub async fn open(bus: &Bus) -> Result<Self, RegistryError> {
        Ok(Self {
            bus: bus.clone(),
            cameras: bus.key_value(&KvSpec::CAMERAS).await?,
            status: bus.key_value(&KvSpec::CAMERA_STATUS).await?,
            thumbnails: bus.key_value(&KvSpec::CAMERA_THUMBNAILS).await?,
        })
    }

    /// Every registered camera, by id.
    pub async fn list(&self) -> Result<Vec<RegisteredCamera>, RegistryError> {
        let fail = RegistryError::unavailable("list", "CAMERAS");
        let mut keys: Vec<String> = match self.cameras.keys().await {
            Ok(keys) => keys.try_collect().await.map_err(|e| fail(e.to_string()))?,
            Err(error) => return Err(fail(error.to_string())),
        };
        keys.sort();
        let mut cameras = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(camera) = self.get(&key).await? {
                cameras.push(camera);
            }
        }
        Ok(cameras)
    }

    pub async fn get(&self, id: &str) -> Result<Option<RegisteredCamera>, RegistryError> {
        let entry = self
            .cameras
            .entry(id)
            .await
            .map_err(|e| RegistryError::unavailable("get", "CAMERAS")(e.to_string()))?;
        Ok(entry
            .filter(|e| e.operation == kv::Operation::Put)
            .and_then(|e| RegisteredCamera::decode(&e.key, &e.value, e.revision)))
    }

    /// Registers a new camera; refused when its id is taken.
    pub async fn create(&self, camera: &Camera, by: &str) -> Result<u64, RegistryError> {
        let value = Bytes::from(camera.to_wire(Utc::now(), by).encode_to_vec());
        self.cameras
            .create(&camera.id, value)
            .await
            .map_err(|error| match error.kind() {
                kv::CreateErrorKind::AlreadyExists => RegistryError::Exists(camera.id.clone()),
                _ => RegistryError::unavailable("create", "CAMERAS")(error.to_string()),
            })
    }

    /// Replaces a registered camera. With `expected_revision`, only if nobody changed it
    /// since (two operators editing one camera do not silently overwrite each other).
    pub async fn update(
        &self,
        camera: &Camera,
        by: &str,
        expected_revision: Option<u64>,
    ) -> Result<u64, RegistryError> {
        let current = self
            .get(&camera.id)
            .await?
            .ok_or_else(|| RegistryError::NotFound(camera.id.clone()))?;
        let expected = expected_revision.unwrap_or(current.revision);
        let value = Bytes::from(camera.to_wire(Utc::now(), by).encode_to_vec());
        self.cameras
            .update(&camera.id, value, expected)
            .await
            .map_err(|error| match error.kind() {
                kv::UpdateErrorKind::WrongLastRevision => RegistryError::Changed {
                    id: camera.id.clone(),
                    expected,
                },
                _ => RegistryError::unavailable("update", "CAMERAS")(error.to_string()),
            })
    }

    /// Removes a camera: its agent stops it, and its live state and thumbnail go.
    pub async fn remove(&self, id: &str) -> Result<(), RegistryError> {
        if self.get(id).await?.is_none() {
            return Err(RegistryError::NotFound(id.to_owned()));
        }
        self.cameras
            .delete(id)
            .await
            .map_err(|e| RegistryError::unavailable("delete", "CAMERAS")(e.to_string()))?;
        // The agent's last report would otherwise linger until it expires.
        let _ = self.status.purge(id).await;
        let _ = self.thumbnails.purge(id).await;
        Ok(())
    }

    /// Adds the cameras the registry does not have yet and leaves the others as they are:
    /// a change made in the console survives the agent's restart. Returns the ids added.
    pub async fn seed(&self, cameras: &[Camera], by: &str) -> Result<Vec<String>, RegistryError> {
        let mut added = Vec::new();
        for camera in cameras {
            match self.create(camera, by).await {
                Ok(_) => added.push(camera.id.clone()),
                Err(RegistryError::Exists(_)) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(added)
    }

    /// Writes a camera's live state (the agent that runs it, every few seconds).
    pub async fn report_camera(&self, status: &wire::CameraStatus) -> Result<(), RegistryError> {
        self.status
            .put(&status.camera_id, Bytes::from(status.encode_to_vec()))
            .await
            .map(drop)
            .map_err(|e| RegistryError::unavailable("put", "CAMERA_STATUS")(e.to_string()))
    }

    /// Drops a camera's live state (its agent stopped running it).
    pub async fn clear_camera(&self, camera_id: &str) -> Result<(), RegistryError> {
        self.status
            .purge(camera_id)
            .await
            .map_err(|e| RegistryError::unavailable("purge", "CAMERA_STATUS")(e.to_string()))
    }

    /// Writes an agent's heartbeat.
    pub async fn report_agent(
        &self,
        heartbeat: &wire::AgentHeartbeat,
    ) -> Result<(), RegistryError> {
        self.status
            .put(
                format!("{AGENT_KEY_PREFIX}{}", heartbeat.agent),
                Bytes::from(heartbeat.encode_to_vec()),
            )
            .await
            .map(drop)
            .map_err(|e| RegistryError::unavailable("put", "CAMERA_STATUS")(e.to_string()))
    }

    /// Every camera's and agent's latest report still alive.
    pub async fn live_state(&self) -> Result<LiveState, RegistryError> {
        let fail = RegistryError::unavailable("list", "CAMERA_STATUS");
        let keys: Vec<String> = match self.status.keys().await {
            Ok(keys) => keys.try_collect().await.map_err(|e| fail(e.to_string()))?,
            Err(error) => return Err(fail(error.to_string())),
        };
        let mut state = LiveState::default();
        for key in keys {
            let Some(value) =
                self.status.get(&key).await.map_err(|e| {
                    RegistryError::unavailable("get", "CAMERA_STATUS")(e.to_string())
                })?
            else {
                continue;
            };
            if key.starts_with(AGENT_KEY_PREFIX) {
                if let Ok(heartbeat) = wire::AgentHeartbeat::decode(value) {
                    state.agents.push(heartbeat);
                }
            } else if let Ok(status) = wire::CameraStatus::decode(value) {
                state.cameras.push(status);
            }
        }
        state.agents.sort_by(|a, b| a.agent.cmp(&b.agent));
        state.cameras.sort_by(|a, b| a.camera_id.cmp(&b.camera_id));
        Ok(state)
    }

    pub async fn put_thumbnail(&self, thumbnail: &wire::Thumbnail) -> Result<(), RegistryError> {
        self.thumbnails
            .put(&thumbnail.camera_id, Bytes::from(thumbnail.encode_to_vec()))
            .await
            .map(drop)
            .map_err(|e| RegistryError::unavailable("put", "CAMERA_THUMBNAILS")(e.to_string()))
    }

    pub async fn thumbnail(
        &self,
        camera_id: &str,
    ) -> Result<Option<wire::Thumbnail>, RegistryError> {
        let value =
            self.thumbnails.get(camera_id).await.map_err(|e| {
                RegistryError::unavailable("get", "CAMERA_THUMBNAILS")(e.to_string())
            })?;
        Ok(value.and_then(|v| wire::Thumbnail::decode(v).ok()))
    }

    /// The subject an agent answers probes on, relative to the namespace.
    pub fn probe_subject(agent: &str) -> String {
        format!("cameras.v1.probe.{agent}")
    }

    /// Asks `agent` to open `source` once. `timeout` bounds the agent's attempt; the answer is
    /// awaited a little longer.
    pub async fn probe(
        &self,
        agent: &str,
        source: &str,
        timeout: Duration,
    ) -> Result<wire::ProbeReply, RegistryError> {
        let request = wire::ProbeRequest {
            source: source.to_owned(),
            timeout_ms: timeout.as_millis().min(u32::MAX as u128) as u32,
        };
        let subject = self.bus.subject(&Self::probe_subject(agent));
        let answer = self
            .bus
            .client()
            .send_request(
                subject,
                async_nats::Request::new()
                    .payload(Bytes::from(request.encode_to_vec()))
                    .timeout(Some(timeout + Duration::from_secs(2))),
            )
            .await;
        let message = answer.map_err(|error| match error.kind() {
            async_nats::RequestErrorKind::NoResponders | async_nats::RequestErrorKind::TimedOut => {
                RegistryError::NoAgent(agent.to_owned())
            }
            _ => RegistryError::unavailable("probe", "cameras.v1.probe")(error.to_string()),
        })?;
        wire::ProbeReply::decode(message.payload)
            .map_err(|e| RegistryError::unavailable("probe", "cameras.v1.probe")(e.to_string()))
    }
}
