//! A site's cameras as the registry holds them: where a camera's video comes from, which way
//! it faces, how often it is analysed, and which camera-agent runs it.
//!
//! A [`Camera`] is valid by construction ([`Camera::parse`] checks every field and names the
//! ones it refuses), whether it comes from an operator's form, from camera-agent's
//! `CAMERAS` seed or from the `CAMERAS` key-value bucket ([`Camera::from_wire`]): an agent
//! never runs, and the console never stores, a camera it could not run.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use faceattend_proto::cameras::v1 as wire;
use serde::{Deserialize, Serialize};

use crate::attendance::CameraRole;
use crate::validation::{FieldIssue, ValidationErrors};

/// Frames analysed per second when a camera does not say.
pub const DEFAULT_SAMPLE_FPS: f32 = 5.0;
/// The agent a camera belongs to when it does not say (and the name of an agent not given one).
pub const DEFAULT_AGENT: &str = "default";

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
        if raw.len() > 2048 {
            return Err("source must be at most 2048 characters".to_owned());
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
                "{raw:?}: sources are rtsp://, rtsps://, http(s):// or file:// URLs, paths or device:<index>"
            ));
        }
        Ok(Self::File(PathBuf::from(raw)))
    }

    /// Whether the source is a live camera (frames keep coming; a gap is a stall) rather
    /// than a file (which ends).
    pub fn is_live(&self) -> bool {
        !matches!(self, Self::File(_))
    }

    /// For logs, health and the console: the source without any credentials in its URL.
    pub fn redacted(&self) -> String {
        match self {
            Self::Stream(url) => match url.split_once("://") {
                Some((scheme, rest)) => {
                    // Credentials are what comes before an '@' that precedes the path.
                    let authority_end = rest.find('/').unwrap_or(rest.len());
                    match rest[..authority_end].rfind('@') {
                        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
                        None => url.clone(),
                    }
                }
                None => url.clone(),
            },
            Self::File(path) => path.display().to_string(),
            Self::Device(index) => format!("device:{index}"),
        }
    }

    /// Whether the URL carries credentials (a user or password before the host).
    pub fn has_credentials(&self) -> bool {
        matches!(self, Self::Stream(_)) && self.redacted() != self.to_string()
    }
}

impl std::fmt::Display for VideoSource {
    /// The source as written (credentials included): for the agent that opens it only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Stream(url) => f.write_str(url),
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Device(index) => write!(f, "device:{index}"),
        }
    }
}

/// A rectangle of the frame in fractions: `x`, `y` its top-left corner, both in [0, 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionOfInterest {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl RegionOfInterest {
    pub fn validate(self) -> Result<Self, String> {
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

/// A camera as written by a person: in `CAMERAS`/`CAMERAS_FILE`, or in the console's form.
/// Everything but the id, source and role has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraDraft {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub source: String,
    pub role: String,
    #[serde(default)]
    pub sample_fps: Option<f32>,
    #[serde(default)]
    pub roi: Option<RegionOfInterest>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub realtime: Option<bool>,
    #[serde(default)]
    pub repeat: Option<bool>,
}

/// One camera of the registry, valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Camera {
    /// A NATS subject token: letters, digits, `-` and `_`, at most 64.
    pub id: String,
    /// What people call it; the id when not given.
    pub name: String,
    pub source: VideoSource,
    pub role: CameraRole,
    /// Frames analysed per second (of the video's own time for files).
    pub sample_fps: f32,
    /// Part of the frame to search for faces.
    pub roi: Option<RegionOfInterest>,
    pub enabled: bool,
    /// The camera-agent that runs it (its `AGENT_NAME`).
    pub agent: String,
    /// Files only: play at the video's own pace, like a camera (else as fast as it decodes).
    pub realtime: bool,
    /// Files only: start again at the end instead of finishing.
    pub repeat: bool,
}

/// Checks a camera id: it names the subject `faces.v1.<id>` and a key of the buckets.
pub fn parse_camera_id(raw: &str) -> Result<String, FieldIssue> {
    let id = raw.trim();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(FieldIssue::new(
            "invalid_camera_id",
            "must be 1 to 64 letters, digits, '-' or '_' (it names the subject faces.v1.<id>)",
        ));
    }
    Ok(id.to_owned())
}

/// Checks an agent's name: the same rule as a camera id (it names the probe subject).
pub fn parse_agent_name(raw: &str) -> Result<String, FieldIssue> {
    parse_camera_id(raw).map_err(|_| {
        FieldIssue::new(
            "invalid_agent",
            "must be 1 to 64 letters, digits, '-' or '_' (an agent's AGENT_NAME)",
        )
    })
}

fn parse_name(raw: &str) -> Result<String, FieldIssue> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(FieldIssue::new("required", "must not be empty"));
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(FieldIssue::new(
            "invalid_name",
            "must be at most 100 characters, without control characters",
        ));
    }
    Ok(name.to_owned())
}

fn parse_sample_fps(fps: f32) -> Result<f32, FieldIssue> {
    if !fps.is_finite() || fps <= 0.0 || fps > 60.0 {
        return Err(FieldIssue::new(
            "out_of_range",
            format!("must be more than 0 and at most 60, got {fps}"),
        ));
    }
    Ok(fps)
}

impl Camera {
    /// Validates a draft; every refused field is named.
    pub fn parse(draft: CameraDraft) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let id = errors.check("id", parse_camera_id(&draft.id));
        let name = match draft.name.as_deref() {
            Some(name) => errors.check("name", parse_name(name)),
            None => None,
        };
        let source = errors.check(
            "source",
            VideoSource::parse(&draft.source).map_err(|e| FieldIssue::new("invalid_source", e)),
        );
        let role = errors.check(
            "role",
            CameraRole::parse(&draft.role)
                .map_err(|_| FieldIssue::new("invalid_choice", "must be one of entry, exit, both")),
        );
        let sample_fps = errors.check(
            "sample_fps",
            parse_sample_fps(draft.sample_fps.unwrap_or(DEFAULT_SAMPLE_FPS)),
        );
        let roi = match draft.roi {
            Some(roi) => errors
                .check(
                    "roi",
                    roi.validate()
                        .map(Some)
                        .map_err(|e| FieldIssue::new("invalid_roi", e)),
                )
                .flatten(),
            None => None,
        };
        let agent = errors.check(
            "agent",
            parse_agent_name(draft.agent.as_deref().unwrap_or(DEFAULT_AGENT)),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        let (Some(id), Some(source), Some(role), Some(sample_fps), Some(agent)) =
            (id, source, role, sample_fps, agent)
        else {
            unreachable!("every field without an error was parsed")
        };
        Ok(Self {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            source,
            role,
            sample_fps,
            roi,
            enabled: draft.enabled.unwrap_or(true),
            agent,
            realtime: draft.realtime.unwrap_or(true),
            repeat: draft.repeat.unwrap_or(false),
        })
    }

    /// Parses a JSON list of drafts (`CAMERAS`): every camera valid, ids unique. The error
    /// names the camera and the field.
    pub fn parse_list(json: &str, default_agent: &str) -> Result<Vec<Camera>, String> {
        let deserializer = &mut serde_json::Deserializer::from_str(json);
        let drafts: Vec<CameraDraft> =
            serde_path_to_error::deserialize(deserializer).map_err(|e| e.to_string())?;
        let mut cameras: Vec<Camera> = Vec::with_capacity(drafts.len());
        for mut draft in drafts {
            let id = draft.id.clone();
            draft.agent.get_or_insert_with(|| default_agent.to_owned());
            let camera = Camera::parse(draft).map_err(|errors| {
                let reasons: Vec<String> = errors
                    .0
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                format!("camera {id:?}: {}", reasons.join("; "))
            })?;
            if cameras.iter().any(|c| c.id == camera.id) {
                return Err(format!("camera id {} appears twice", camera.id));
            }
            cameras.push(camera);
        }
        Ok(cameras)
    }

    /// The registry's form of the camera.
    pub fn to_wire(&self, updated_at: DateTime<Utc>, updated_by: &str) -> wire::Camera {
        wire::Camera {
            camera_id: self.id.clone(),
            name: self.name.clone(),
            source: self.source.to_string(),
            role: self.role.as_str().to_owned(),
            sample_fps: self.sample_fps,
            roi: self.roi.map(|r| wire::RegionOfInterest {
                x: r.x,
                y: r.y,
                width: r.width,
                height: r.height,
            }),
            enabled: self.enabled,
            agent: self.agent.clone(),
            realtime: self.realtime,
            repeat: self.repeat,
            updated_at: Some(prost_types::Timestamp {
                seconds: updated_at.timestamp(),
                nanos: updated_at.timestamp_subsec_nanos() as i32,
            }),
            updated_by: updated_by.to_owned(),
        }
    }

    /// A camera read from the registry, checked as a draft is.
    pub fn from_wire(camera: &wire::Camera) -> Result<Self, ValidationErrors> {
        Self::parse(CameraDraft {
            id: camera.camera_id.clone(),
            name: Some(camera.name.clone()).filter(|n| !n.trim().is_empty()),
            source: camera.source.clone(),
            role: camera.role.clone(),
            sample_fps: Some(camera.sample_fps),
            roi: camera.roi.map(|r| RegionOfInterest {
                x: r.x,
                y: r.y,
                width: r.width,
                height: r.height,
            }),
            enabled: Some(camera.enabled),
            agent: Some(camera.agent.clone()).filter(|a| !a.is_empty()),
            realtime: Some(camera.realtime),
            repeat: Some(camera.repeat),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(json: &str) -> CameraDraft {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn a_list_parses_with_defaults() {
        let cameras = Camera::parse_list(
            r#"[{"id": "gate-1", "source": "rtsp://user:pw@10.0.0.5/stream", "role": "entry"},
                {"id": "lobby", "source": "/videos/lobby.mp4", "role": "both", "sample_fps": 2,
                 "roi": {"x": 0.25, "y": 0, "width": 0.5, "height": 1}, "repeat": true,
                 "name": "Lobby", "agent": "floor-2"},
                {"id": "desk", "source": "device:0", "role": "exit", "enabled": false}]"#,
            "site-a",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cameras.len(), 3);
        assert_eq!(cameras[0].role, CameraRole::Entry);
        assert_eq!(cameras[0].sample_fps, 5.0);
        assert_eq!(cameras[0].name, "gate-1");
        assert_eq!(cameras[0].agent, "site-a");
        assert!(cameras[0].enabled);
        assert_eq!(cameras[0].source.redacted(), "rtsp://***@10.0.0.5/stream");
        assert!(cameras[0].source.has_credentials());
        assert!(cameras[0].source.is_live());
        assert_eq!(
            cameras[1].source,
            VideoSource::File("/videos/lobby.mp4".into())
        );
        assert_eq!(
            (cameras[1].name.as_str(), cameras[1].agent.as_str()),
            ("Lobby", "floor-2")
        );
        assert!(cameras[1].repeat && cameras[1].realtime);
        assert_eq!(
            cameras[1].roi.map(|r| r.pixels(1280, 720)),
            Some((320, 0, 640, 720))
        );
        assert_eq!(cameras[2].source, VideoSource::Device(0));
        assert!(!cameras[2].enabled);
    }

    #[test]
    fn redaction_hides_credentials_only() {
        for (raw, shown) in [
            (
                "rtsp://admin:secret@cam.local:554/live",
                "rtsp://***@cam.local:554/live",
            ),
            (
                "rtsp://cam.local/live?user=a@b",
                "rtsp://cam.local/live?user=a@b",
            ),
            ("https://u:p@host", "https://***@host"),
            ("rtsp://u:p@ss@host/x", "rtsp://***@host/x"),
            ("http://host/a", "http://host/a"),
        ] {
            let source = VideoSource::parse(raw).unwrap();
            assert_eq!(source.redacted(), shown, "{raw}");
            assert_eq!(source.to_string(), raw);
        }
    }

    #[test]
    fn every_refused_field_is_named() {
        let errors = Camera::parse(draft(
            r#"{"id": "a.b", "source": "ftp://x", "role": "sideways", "sample_fps": 0,
                "roi": {"x": 0.5, "y": 0, "width": 0.6, "height": 1}, "agent": "no spaces",
                "name": " "}"#,
        ))
        .expect_err("nothing is valid");
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["id", "name", "source", "role", "sample_fps", "roi", "agent"]
        );
    }

    #[test]
    fn a_list_refuses_nonsense_by_name() {
        for (json, expected) in [
            (
                r#"[{"id": "a", "source": "device:-1", "role": "entry"}]"#,
                "device",
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
            let error = Camera::parse_list(json, DEFAULT_AGENT).expect_err(json);
            assert!(error.contains(expected), "{json}: {error}");
        }
    }

    #[test]
    fn the_wire_form_round_trips() {
        let camera = Camera::parse(draft(
            r#"{"id": "door", "source": "rtsp://u:p@h/s", "role": "exit", "sample_fps": 2.5,
                "roi": {"x": 0.1, "y": 0.2, "width": 0.5, "height": 0.5}, "enabled": false,
                "agent": "east", "realtime": false, "repeat": true, "name": "Back door"}"#,
        ))
        .unwrap();
        let wire = camera.to_wire(Utc::now(), "admin@example.com");
        assert_eq!(Camera::from_wire(&wire).unwrap(), camera);
    }
}
