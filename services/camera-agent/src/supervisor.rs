//! Which cameras this agent runs: those of the registry whose `agent` is this agent's name
//! and that are enabled. The supervisor follows the registry and, at every change, stops the
//! cameras that are gone, disabled, moved to another agent or changed, and starts the new
//! and changed ones, each on a cancellation token of its own, so one camera's restart never
//! touches the others. It also writes each running camera's live state to `CAMERA_STATUS`
//! every few seconds, with the agent's heartbeat.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use faceattend_camera_registry::{CameraRegistry, CameraSet, to_timestamp};
use faceattend_proto::cameras::v1 as wire;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::camera::{
    self, CameraContext, CameraSnapshot, CameraState, CameraStatus, RunningCamera,
};
use crate::config::Camera;

/// The cameras this agent runs now, with their state: shared with the health routes and the
/// status reporter.
#[derive(Clone, Default)]
pub struct RunningSet(Arc<RwLock<BTreeMap<String, (CameraStatus, u64)>>>);

impl RunningSet {
    /// Every running camera's state, by id.
    pub fn snapshots(&self) -> Vec<(CameraSnapshot, u64)> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|(status, revision)| (status.snapshot(), *revision))
            .collect()
    }

    fn insert(&self, id: &str, status: CameraStatus, revision: u64) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_owned(), (status, revision));
    }

    fn remove(&self, id: &str) {
        self.0.write().unwrap_or_else(|p| p.into_inner()).remove(id);
    }
}

struct Running {
    camera: Camera,
    token: CancellationToken,
    handle: RunningCamera,
}

pub struct Supervisor {
    agent: String,
    context: CameraContext,
    registry: CameraRegistry,
    set: RunningSet,
    running: BTreeMap<String, Running>,
}

impl Supervisor {
    pub fn new(
        agent: String,
        context: CameraContext,
        registry: CameraRegistry,
        set: RunningSet,
    ) -> Self {
        Self {
            agent,
            context,
            registry,
            set,
            running: BTreeMap::new(),
        }
    }

    /// Runs until `shutdown`, then stops every camera and waits for its pending captures.
    pub async fn run(
        mut self,
        mut cameras: watch::Receiver<CameraSet>,
        shutdown: CancellationToken,
    ) {
        loop {
            let current = cameras.borrow_and_update().clone();
            if current.caught_up {
                self.reconcile(&current, &shutdown).await;
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                changed = cameras.changed() => if changed.is_err() { break },
            }
        }
        let ids: Vec<String> = self.running.keys().cloned().collect();
        for id in ids {
            self.stop(&id).await;
        }
    }

    async fn reconcile(&mut self, current: &CameraSet, shutdown: &CancellationToken) {
        let wanted: BTreeMap<&String, _> = current
            .cameras
            .iter()
            .filter(|(_, c)| c.camera.agent == self.agent && c.camera.enabled)
            .collect();
        let stale: Vec<String> = self
            .running
            .iter()
            .filter(|(id, running)| wanted.get(id).is_none_or(|c| c.camera != running.camera))
            .map(|(id, _)| id.clone())
            .collect();
        for id in stale {
            self.stop(&id).await;
            if !wanted.contains_key(&id) {
                // Its state goes with it: the console shows it disabled, moved or gone.
                if let Err(error) = self.registry.clear_camera(&id).await {
                    tracing::warn!(camera = %id, %error, "cannot clear a stopped camera's state");
                }
            }
        }
        for (id, registered) in wanted {
            if self.running.contains_key(id) {
                continue;
            }
            let camera = registered.camera.clone();
            let status = CameraStatus::new(&camera);
            let token = shutdown.child_token();
            match camera::start(
                camera.clone(),
                status.clone(),
                self.context.clone(),
                token.clone(),
            ) {
                Ok(handle) => {
                    tracing::info!(camera = %id, source = %camera.source.redacted(), revision = registered.revision, "camera started");
                    self.set.insert(id, status, registered.revision);
                    self.running.insert(
                        id.clone(),
                        Running {
                            camera,
                            token,
                            handle,
                        },
                    );
                }
                // One camera that cannot start must not keep the others from running.
                Err(error) => tracing::error!(camera = %id, %error, "camera not started"),
            }
        }
    }

    async fn stop(&mut self, id: &str) {
        let Some(running) = self.running.remove(id) else {
            return;
        };
        running.token.cancel();
        // Its pending captures are published before it is gone (or restarted).
        running.handle.join().await;
        self.set.remove(id);
        tracing::info!(camera = %id, "camera stopped");
    }
}

/// Writes every running camera's state and the agent's heartbeat every `interval`, until
/// `shutdown`. Frame rates are measured between two reports.
pub async fn report_status(
    agent: String,
    registry: CameraRegistry,
    set: RunningSet,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut previous: BTreeMap<String, (Instant, u64, u64)> = BTreeMap::new();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let now = Instant::now();
        let snapshots = set.snapshots();
        let mut seen = BTreeMap::new();
        for (snapshot, revision) in &snapshots {
            let (decoded_fps, analysed_fps) = match previous.get(&snapshot.id) {
                Some((at, decoded, analysed)) => {
                    let seconds = now.duration_since(*at).as_secs_f32().max(1e-3);
                    (
                        snapshot.frames_decoded.saturating_sub(*decoded) as f32 / seconds,
                        snapshot.frames_analysed.saturating_sub(*analysed) as f32 / seconds,
                    )
                }
                None => (0.0, 0.0),
            };
            seen.insert(
                snapshot.id.clone(),
                (now, snapshot.frames_decoded, snapshot.frames_analysed),
            );
            let status = wire::CameraStatus {
                camera_id: snapshot.id.clone(),
                agent: agent.clone(),
                state: state_name(snapshot.state).to_owned(),
                last_error: snapshot.last_error.clone().unwrap_or_default(),
                last_frame_at: snapshot.last_frame_at.map(to_timestamp),
                frames_decoded: snapshot.frames_decoded,
                frames_analysed: snapshot.frames_analysed,
                captures_published: snapshot.captures_published,
                last_capture_at: snapshot.last_capture_at.map(to_timestamp),
                decoded_fps,
                analysed_fps,
                reconnects: snapshot.reconnects,
                reported_at: Some(to_timestamp(chrono::Utc::now())),
                revision: *revision,
            };
            if let Err(error) = registry.report_camera(&status).await {
                tracing::warn!(camera = %snapshot.id, %error, "cannot report a camera's state");
            }
        }
        previous = seen;
        let heartbeat = wire::AgentHeartbeat {
            agent: agent.clone(),
            camera_ids: snapshots.iter().map(|(s, _)| s.id.clone()).collect(),
            reported_at: Some(to_timestamp(chrono::Utc::now())),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        if let Err(error) = registry.report_agent(&heartbeat).await {
            tracing::warn!(%error, "cannot report the agent's heartbeat");
        }
    }
}

fn state_name(state: CameraState) -> &'static str {
    match state {
        CameraState::Connecting => "connecting",
        CameraState::Streaming => "streaming",
        CameraState::Reconnecting => "reconnecting",
        CameraState::Ended => "ended",
        CameraState::Stopped => "stopped",
    }
}
