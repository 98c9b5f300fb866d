//! camera-agent's configuration: one typed struct, read from the environment and validated at
//! start. The cameras are a JSON list, inline (`CAMERAS`) or in a file (`CAMERAS_FILE`); each
//! entry becomes a [`CameraConfig`] whose values are valid by construction.

use std::path::PathBuf;
use std::time::Duration;

use faceattend_domain::attendance::CameraRole;
use faceattend_service::config::{ConfigError, EnvReader, LogFormat};
use serde::Deserialize;

use crate::error::CameraAgentError;

#[derive(Debug, Clone)]
pub struct Settings {
    pub nats_url: String,
    /// Prefix of every subject and stream; empty for none.
    pub bus_namespace: String,
    /// The folder `make models` builds (models and ONNX Runtime).
    pub models_dir: PathBuf,
    /// Threads of ONNX Runtime's pool, shared by every camera's detector runs.
    pub inference_threads: usize,
    pub cameras: Vec<CameraConfig>,
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
    /// Sampled frames in which a face must be seen before its track counts (one-frame
    /// false positives publish nothing).
    pub min_hits: u32,
    /// A track not seen for this long has ended (the person left).
    pub lost_after: Duration,
    /// A track still in view publishes its best crop so far once it is this old, so a person
    /// who lingers at the door is not recognised only when they leave.
    pub first_capture_after: Duration,
    /// A lingering track publishes its best newer crop again after this long…
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
            first_capture_after: Duration::from_millis(1500),
            recapture_every: Duration::from_secs(30),
            max_captures_per_track: 3,
        }
    }
}

/// One camera, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraConfig {
    /// A NATS subject token: letters, digits, `-` and `_`, at most 64.
    pub id: String,
    pub source: VideoSource,
    pub role: CameraRole,
    /// Frames analysed per second (of the video's own time for files).
    pub sample_fps: f32,
    /// Part of the frame to search for faces, as fractions of its width and height.
    pub roi: Option<RegionOfInterest>,
    /// Files only: play at the video's own pace, like a camera (else as fast as it decodes).
    pub realtime: bool,
    /// Files only: start again at the end instead of finishing.
    pub repeat: bool,
}

/// Where a camera's video comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoSource {
    /// `rtsp://`, `rtsps://`, `http://` or `https://`: a live stream.
    Stream(String),
    /// A video file (`file:///path` or a plain path).
    File(PathBuf),
    /// A local capture device (`device:0`, `/dev/video0`).
    Device(i32),
}

impl VideoSource {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("source must not be empty".to_owned());
        }
        let lower = raw.to_ascii_lowercase();
        if ["rtsp://", "rtsps://", "http://", "https://"]
            .iter()
            .any(|scheme| lower.starts_with(scheme))
        {
            return Ok(Self::Stream(raw.to_owned()));
        }
        let device = raw
            .strip_prefix("device:")
            .or_else(|| raw.strip_prefix("/dev/video"));
        if let Some(index) = device {
            return index
                .parse::<i32>()
                .ok()
                .filter(|i| *i >= 0)
                .map(Self::Device)
                .ok_or_else(|| {
                    format!("{raw:?}: a device is device:<index> or /dev/video<index>")
                });
        }
        if let Some(path) = raw.strip_prefix("file://") {
            return Ok(Self::File(PathBuf::from(path)));
        }
        if raw.contains("://") {
            return Err(format!(
                "{raw:?}: sources are rtsp://, rtsps://, http(s)://, file:// URLs, paths or device:<index>"
            ));
        }
        Ok(Self::File(PathBuf::from(raw)))
    }

    /// Whether the source is a live camera (frames keep coming; a gap is a stall) rather
    /// than a file (which ends).
    pub fn is_live(&self) -> bool {
        !matches!(self, Self::File(_))
    }

    /// For logs and health: the source without any credentials in its URL.
    pub fn redacted(&self) -> String {
        match self {
            Self::Stream(url) => match url.split_once("://") {
                Some((scheme, rest)) => match rest.split_once('@') {
                    Some((_, host)) if !host.contains('/') || rest.find('@') < rest.find('/') => {
                        format!("{scheme}://***@{host}")
                    }
                    _ => url.clone(),
                },
                None => url.clone(),
            },
            Self::File(path) => path.display().to_string(),
            Self::Device(index) => format!("device:{index}"),
        }
    }
}

/// A rectangle of the frame in fractions: `x`, `y` its top-left corner, both in [0, 1).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionOfInterest {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl RegionOfInterest {
    fn validate(self) -> Result<Self, String> {
        let finite = [self.x, self.y, self.width, self.height]
            .iter()
            .all(|v| v.is_finite());
        if !finite
            || self.x < 0.0
            || self.y < 0.0
            || self.width <= 0.0
            || self.height <= 0.0
            || self.x + self.width > 1.0 + 1e-6
            || self.y + self.height > 1.0 + 1e-6
        {
            return Err(
                "roi must be fractions of the frame: x, y ≥ 0, width, height > 0, x + width ≤ 1, y + height ≤ 1"
                    .to_owned(),
            );
        }
        Ok(self)
    }

    /// The region in pixels of a `width`×`height` frame: `(x, y, width, height)`, at least
    /// one pixel, inside the frame.
    pub fn pixels(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let x = ((self.x * width as f32) as u32).min(width.saturating_sub(1));
        let y = ((self.y * height as f32) as u32).min(height.saturating_sub(1));
        let w = ((self.width * width as f32).round() as u32).clamp(1, width - x);
        let h = ((self.height * height as f32).round() as u32).clamp(1, height - y);
        (x, y, w, h)
    }
}

/// A camera as written in the configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCamera {
    id: String,
    source: String,
    role: String,
    #[serde(default = "default_fps")]
    sample_fps: f32,
    #[serde(default)]
    roi: Option<RegionOfInterest>,
    #[serde(default = "yes")]
    realtime: bool,
    #[serde(default)]
    repeat: bool,
}

fn default_fps() -> f32 {
    5.0
}

fn yes() -> bool {
    true
}

impl CameraConfig {
    fn from_raw(raw: RawCamera) -> Result<Self, String> {
        let id = raw.id.trim().to_owned();
        if id.is_empty()
            || id.len() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!(
                "camera id {:?} must be 1 to 64 letters, digits, '-' or '_' (it names the subject faces.v1.<id>)",
                raw.id
            ));
        }
        let source = VideoSource::parse(&raw.source).map_err(|e| format!("camera {id}: {e}"))?;
        let role = CameraRole::parse(&raw.role).map_err(|e| format!("camera {id}: {e}"))?;
        if !raw.sample_fps.is_finite() || raw.sample_fps <= 0.0 || raw.sample_fps > 60.0 {
            return Err(format!(
                "camera {id}: sample_fps must be more than 0 and at most 60, got {}",
                raw.sample_fps
            ));
        }
        let roi = raw
            .roi
            .map(RegionOfInterest::validate)
            .transpose()
            .map_err(|e| format!("camera {id}: {e}"))?;
        Ok(Self {
            id,
            source,
            role,
            sample_fps: raw.sample_fps,
            roi,
            realtime: raw.realtime,
            repeat: raw.repeat,
        })
    }
}

/// Parses a JSON list of cameras: every camera valid, ids unique.
pub fn parse_cameras(json: &str) -> Result<Vec<CameraConfig>, CameraAgentError> {
    let invalid = |reason: String| CameraAgentError::InvalidCameras(reason);
    let deserializer = &mut serde_json::Deserializer::from_str(json);
    let raw: Vec<RawCamera> =
        serde_path_to_error::deserialize(deserializer).map_err(|e| invalid(e.to_string()))?;
    let mut cameras: Vec<CameraConfig> = Vec::with_capacity(raw.len());
    for camera in raw {
        let camera = CameraConfig::from_raw(camera).map_err(invalid)?;
        if cameras.iter().any(|c| c.id == camera.id) {
            return Err(invalid(format!("camera id {} appears twice", camera.id)));
        }
        cameras.push(camera);
    }
    Ok(cameras)
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
        let cameras = match cameras_json.filter(|j| !j.trim().is_empty()) {
            Some(json) => parse_cameras(&json).unwrap_or_else(|error| {
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
            cameras,
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
        if settings.inference_threads == 0 {
            env.problem("INFERENCE_THREADS must be at least 1");
        }
        if !(0.0..=1.0).contains(&settings.tracking.min_iou) || settings.tracking.min_hits == 0 {
            env.problem("TRACK_MIN_IOU must be in [0, 1] and TRACK_MIN_HITS at least 1");
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
        assert!(settings.cameras.is_empty());
        assert_eq!(settings.bind_address, "0.0.0.0:8085");
    }

    #[test]
    fn cameras_parse_with_defaults() {
        let cameras = parse_cameras(
            r#"[{"id": "gate-1", "source": "rtsp://user:pw@10.0.0.5/stream", "role": "entry"},
                {"id": "lobby", "source": "/videos/lobby.mp4", "role": "both", "sample_fps": 2,
                 "roi": {"x": 0.25, "y": 0, "width": 0.5, "height": 1}, "repeat": true},
                {"id": "desk", "source": "device:0", "role": "exit"}]"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cameras.len(), 3);
        assert_eq!(cameras[0].role, CameraRole::Entry);
        assert_eq!(cameras[0].sample_fps, 5.0);
        assert_eq!(cameras[0].source.redacted(), "rtsp://***@10.0.0.5/stream");
        assert!(cameras[0].source.is_live());
        assert_eq!(
            cameras[1].source,
            VideoSource::File("/videos/lobby.mp4".into())
        );
        assert!(cameras[1].repeat && cameras[1].realtime);
        assert_eq!(
            cameras[1].roi.map(|r| r.pixels(1280, 720)),
            Some((320, 0, 640, 720))
        );
        assert_eq!(cameras[2].source, VideoSource::Device(0));
    }

    #[test]
    fn refuses_nonsense_by_name() {
        for (json, expected) in [
            (
                r#"[{"id": "a.b", "source": "x.mp4", "role": "entry"}]"#,
                "camera id",
            ),
            (
                r#"[{"id": "a", "source": "x.mp4", "role": "sideways"}]"#,
                "role",
            ),
            (
                r#"[{"id": "a", "source": "x.mp4", "role": "entry", "sample_fps": 0}]"#,
                "sample_fps",
            ),
            (
                r#"[{"id": "a", "source": "ftp://x", "role": "entry"}]"#,
                "sources are",
            ),
            (
                r#"[{"id": "a", "source": "device:-1", "role": "entry"}]"#,
                "device",
            ),
            (
                r#"[{"id": "a", "source": "x.mp4", "role": "entry", "roi": {"x": 0.5, "y": 0, "width": 0.6, "height": 1}}]"#,
                "roi",
            ),
            (
                r#"[{"id": "a", "source": "x.mp4", "role": "entry"}, {"id": "a", "source": "y.mp4", "role": "exit"}]"#,
                "twice",
            ),
            (
                r#"[{"id": "a", "source": "x.mp4", "role": "entry", "fps": 3}]"#,
                "fps",
            ),
            (r#"{"id": "a"}"#, "invalid type"),
        ] {
            let error = parse_cameras(json).expect_err(json).to_string();
            assert!(error.contains(expected), "{json}: {error}");
        }
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
