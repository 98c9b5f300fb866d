//! camera-agent's configuration: one typed struct, read from the environment and validated at
//! start. The cameras themselves are data, in the camera registry (the `CAMERAS` key-value
//! bucket) that the agent watches; a JSON list inline (`CAMERAS`) or in a file
//! (`CAMERAS_FILE`) seeds the registry with the cameras it does not have yet.

use std::path::PathBuf;
use std::time::Duration;

pub use faceattend_domain::camera::{Camera, RegionOfInterest, VideoSource};
use faceattend_domain::camera::{DEFAULT_AGENT, parse_agent_name};
use faceattend_service::config::{ConfigError, EnvReader, LogFormat};

#[derive(Debug, Clone)]
pub struct Settings {
    pub nats_url: String,
    /// Prefix of every subject and stream; empty for none.
    pub bus_namespace: String,
    /// The folder `make models` builds (models and ONNX Runtime).
    pub models_dir: PathBuf,
    /// Threads of ONNX Runtime's pool, shared by every camera's detector runs.
    pub inference_threads: usize,
    /// This agent's name (`AGENT_NAME`): it runs the registry's cameras whose `agent` is this.
    pub agent_name: String,
    /// Cameras to add to the registry when it does not have them yet (`CAMERAS`,
    /// `CAMERAS_FILE`); their `agent` defaults to this agent.
    pub seed_cameras: Vec<Camera>,
    /// How often the state of each camera this agent runs is written to `CAMERA_STATUS`.
    pub status_interval: Duration,
    pub tracking: TrackingConfig,
    /// First wait before reopening a failed camera; doubles up to `reconnect_max`.
    pub reconnect_initial: Duration,
    pub reconnect_max: Duration,
    /// A live source that delivers no frame for this long is reopened.
    pub stall_timeout: Duration,
    /// JPEG quality of the published crops (and snapshots).
    pub jpeg_quality: u8,
    /// Where each capture's whole frame is kept as evidence (an object store URL:
    /// `file:///dir` or `s3://bucket/prefix`); none when unset.
    pub snapshots_url: Option<String>,
    /// `host:port` of the health and metrics endpoints; port 0 picks a free one (tests).
    pub bind_address: String,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
}

/// When a track's crops are published.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackingConfig {
    /// A detection continues a track when their boxes overlap at least this much.
    pub min_iou: f32,
    /// Sampled frames in which a face below the quality gate must be seen before its track
    /// counts (one-frame false positives, which are poor faces, publish nothing).
    pub min_hits: u32,
    /// A track not seen for this long has ended (the person left).
    pub lost_after: Duration,
    /// The quality gate: a face at least this good is published the moment it is seen, as
    /// its appearance's first capture, so a decision does not wait for the person to leave.
    pub capture_quality: f32,
    /// A later face of the same appearance is published only when its quality beats every
    /// crop already published of it by at least this much (clearly better evidence).
    pub improve_by: f32,
    /// A track that never passes the gate publishes its best crop so far once it is this
    /// old (or when it ends, if sooner), so a poor view is still decided, or reviewed. Short:
    /// clearly better crops follow anyway, so waiting long for the first buys nothing.
    pub first_capture_after: Duration,
    /// A lingering track publishes its best newer crop again after this long, however good…
    pub recapture_every: Duration,
    /// …at most this many crops per appearance in all.
    pub max_captures_per_track: u32,
}

impl Default for TrackingConfig {
    fn default() -> Self {
        Self {
            min_iou: 0.3,
            min_hits: 2,
            lost_after: Duration::from_millis(1000),
            capture_quality: 0.4,
            improve_by: 0.1,
            first_capture_after: Duration::from_millis(600),
            recapture_every: Duration::from_secs(30),
            max_captures_per_track: 4,
        }
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_reader(EnvReader::from_env())
    }

    pub fn from_reader(mut env: EnvReader) -> Result<Self, ConfigError> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let cameras_json = match (env.raw("CAMERAS"), env.raw("CAMERAS_FILE")) {
            (Some(_), Some(_)) => {
                env.problem("set CAMERAS or CAMERAS_FILE, not both");
                None
            }
            (Some(inline), None) => Some(inline),
            (None, Some(path)) => match std::fs::read_to_string(&path) {
                Ok(text) => Some(text),
                Err(error) => {
                    env.problem(format!("CAMERAS_FILE: cannot read {path}: {error}"));
                    None
                }
            },
            (None, None) => None,
        };
        let agent_name = env.or("AGENT_NAME", DEFAULT_AGENT.to_owned());
        let agent_name = match parse_agent_name(&agent_name) {
            Ok(name) => name,
            Err(issue) => {
                env.problem(format!("AGENT_NAME {}", issue.message));
                DEFAULT_AGENT.to_owned()
            }
        };
        let seed_cameras = match cameras_json.filter(|j| !j.trim().is_empty()) {
            Some(json) => Camera::parse_list(&json, &agent_name).unwrap_or_else(|error| {
                env.problem(format!("CAMERAS: {error}"));
                Vec::new()
            }),
            None => Vec::new(),
        };
        let defaults = TrackingConfig::default();
        let tracking = TrackingConfig {
            min_iou: env.or("TRACK_MIN_IOU", defaults.min_iou),
            min_hits: env.or("TRACK_MIN_HITS", defaults.min_hits),
            lost_after: env.duration_or("TRACK_LOST_AFTER", defaults.lost_after),
            capture_quality: env.or("TRACK_CAPTURE_QUALITY", defaults.capture_quality),
            improve_by: env.or("TRACK_IMPROVE_BY", defaults.improve_by),
            first_capture_after: env
                .duration_or("TRACK_FIRST_CAPTURE_AFTER", defaults.first_capture_after),
            recapture_every: env.duration_or("TRACK_RECAPTURE_EVERY", defaults.recapture_every),
            max_captures_per_track: env.or("TRACK_MAX_CAPTURES", defaults.max_captures_per_track),
        };
        let settings = Settings {
            nats_url: env.or("NATS_URL", "nats://127.0.0.1:4222".to_owned()),
            bus_namespace: env.or("BUS_NAMESPACE", String::new()),
            models_dir: PathBuf::from(env.or("FACEATTEND_MODELS_DIR", "models".to_owned())),
            inference_threads: env.or("INFERENCE_THREADS", cores),
            agent_name,
            seed_cameras,
            status_interval: env.duration_or("CAMERA_STATUS_INTERVAL", Duration::from_secs(2)),
            tracking,
            reconnect_initial: env.duration_or("RECONNECT_INITIAL", Duration::from_millis(500)),
            reconnect_max: env.duration_or("RECONNECT_MAX", Duration::from_secs(30)),
            stall_timeout: env.duration_or("STALL_TIMEOUT", Duration::from_secs(10)),
            jpeg_quality: env.or("JPEG_QUALITY", 90u8),
            snapshots_url: Some(env.or("SNAPSHOTS_URL", String::new()))
                .map(|url| url.trim().to_owned())
                .filter(|url| !url.is_empty()),
            bind_address: env.or("BIND_ADDRESS", "0.0.0.0:8085".to_owned()),
            shutdown_timeout: Duration::from_secs(env.or("SHUTDOWN_TIMEOUT_SECS", 30u64)),
            log_format: env.or("LOG_FORMAT", LogFormat::Json),
        };
        if settings.status_interval.is_zero() {
            env.problem("CAMERA_STATUS_INTERVAL must be positive");
        }
        if settings.inference_threads == 0 {
            env.problem("INFERENCE_THREADS must be at least 1");
        }
        if !(0.0..=1.0).contains(&settings.tracking.min_iou) || settings.tracking.min_hits == 0 {
            env.problem("TRACK_MIN_IOU must be in [0, 1] and TRACK_MIN_HITS at least 1");
        }
        if !(0.0..=1.0).contains(&settings.tracking.capture_quality)
            || !(0.0..=1.0).contains(&settings.tracking.improve_by)
        {
            env.problem("TRACK_CAPTURE_QUALITY and TRACK_IMPROVE_BY must be in [0, 1]");
        }
        if settings.tracking.max_captures_per_track == 0 {
            env.problem("TRACK_MAX_CAPTURES must be at least 1");
        }
        if settings.reconnect_initial.is_zero()
            || settings.reconnect_max < settings.reconnect_initial
        {
            env.problem("RECONNECT_INITIAL must be positive and at most RECONNECT_MAX");
        }
        if !(1..=100).contains(&settings.jpeg_quality) {
            env.problem("JPEG_QUALITY must be 1 to 100");
        }
        env.finish()?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_cameras_is_a_valid_idle_agent() {
        let settings =
            Settings::from_reader(EnvReader::from_pairs([])).unwrap_or_else(|e| panic!("{e}"));
        assert!(settings.seed_cameras.is_empty());
        assert_eq!(settings.agent_name, "default");
        assert_eq!(settings.bind_address, "0.0.0.0:8085");
    }

    #[test]
    fn names_every_bad_variable() {
        let err = Settings::from_reader(EnvReader::from_pairs([
            ("CAMERAS", "[{\"id\": \"\"}]"),
            ("JPEG_QUALITY", "0"),
            ("INFERENCE_THREADS", "0"),
        ]))
        .expect_err("invalid configuration");
        let text = err.to_string();
        for name in ["CAMERAS", "JPEG_QUALITY", "INFERENCE_THREADS"] {
            assert!(text.contains(name), "{text}");
        }
    }
}
