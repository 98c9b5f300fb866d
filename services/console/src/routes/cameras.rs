//! The camera registry, managed from the console: `/console/api/v1/cameras*`.
//!
//! The console writes the registry (the `CAMERAS` bucket) that every camera-agent follows,
//! and reads what the agents report of the cameras they run. A camera's source is shown
//! without its credentials and never sent back: a change that leaves the source out keeps
//! the stored one. "Test connection" is asked of the agent that would run the camera (the
//! agent, not the console, is on the cameras' network). Admins change cameras; admins and HR
//! see them.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use faceattend_camera_registry::{
    CameraRegistry, LiveState, RegisteredCamera, RegistryError, from_timestamp,
};
use faceattend_domain::camera::{Camera, CameraDraft, RegionOfInterest, parse_camera_id};
use faceattend_domain::{FieldIssue, ValidationErrors};
use faceattend_proto::cameras::v1 as wire;
use faceattend_service::envelope;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ErrorEnvelope, json_body};
use crate::csrf;
use crate::error::ConsoleError;
use crate::operators::Role;
use crate::state::{ConsoleState, SignedIn};

type Result<T> = std::result::Result<T, ConsoleError>;

/// How long an agent may try to open a source for "test connection".
const PROBE_TIMEOUT: Duration = Duration::from_secs(8);

/// What an agent last reported of a camera it runs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CameraLive {
    /// `connecting`, `streaming`, `reconnecting`, `ended` (a file played to its end) or `stopped`.
    pub state: String,
    /// The last failure, e.g. why the source cannot be opened.
    pub last_error: Option<String>,
    pub last_frame_at: Option<DateTime<Utc>>,
    pub frames_decoded: u64,
    pub frames_analysed: u64,
    pub captures_published: u64,
    pub last_capture_at: Option<DateTime<Utc>>,
    /// Frames decoded per second over the agent's last report interval.
    pub decoded_fps: f32,
    /// Frames searched for faces per second over the same interval.
    pub analysed_fps: f32,
    pub reconnects: u64,
    pub reported_at: Option<DateTime<Utc>>,
    /// Whether the agent runs the camera as it is registered now (false for a moment after a
    /// change, until the agent has restarted it).
    pub current: bool,
}

/// A camera of the registry, as the console shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CameraView {
    pub id: String,
    pub name: String,
    /// The source without its credentials (`rtsp://***@10.0.0.5/stream`).
    pub source: String,
    /// Whether the stored source holds credentials (they are never shown).
    pub source_has_credentials: bool,
    /// `entry`, `exit` or `both`.
    pub role: String,
    pub sample_fps: f32,
    pub roi: Option<RoiView>,
    pub enabled: bool,
    /// The camera-agent that runs it.
    pub agent: String,
    pub realtime: bool,
    pub repeat: bool,
    /// Send it back with a change: a change made meanwhile by someone else is then refused.
    pub revision: u64,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: String,
    /// What its agent reports; none while no agent runs it (disabled, agent down, just added).
    pub live: Option<CameraLive>,
    /// When the frame of its latest capture was taken, if there is one
    /// (`GET /console/api/v1/cameras/{camera_id}/thumbnail`).
    pub thumbnail_at: Option<DateTime<Utc>>,
}

/// Part of the frame searched for faces, in fractions of its width and height.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoiView {
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub x: f32,
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub y: f32,
    #[schema(exclusive_minimum = 0.0, maximum = 1.0)]
    pub width: f32,
    #[schema(exclusive_minimum = 0.0, maximum = 1.0)]
    pub height: f32,
}

impl From<RegionOfInterest> for RoiView {
    fn from(roi: RegionOfInterest) -> Self {
        Self {
            x: roi.x,
            y: roi.y,
            width: roi.width,
            height: roi.height,
        }
    }
}

impl From<RoiView> for RegionOfInterest {
    fn from(roi: RoiView) -> Self {
        Self {
            x: roi.x,
            y: roi.y,
            width: roi.width,
            height: roi.height,
        }
    }
}

/// A camera-agent that reported within the last minute.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentView {
    pub name: String,
    /// The cameras it runs.
    pub camera_ids: Vec<String>,
    pub reported_at: Option<DateTime<Utc>>,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CameraList {
    pub cameras: Vec<CameraView>,
    pub agents: Vec<AgentView>,
}

/// A new camera.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCameraRequest {
    /// Letters, digits, `-` and `_`, at most 64; it names the subject `faces.v1.<id>`.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9_-]+$",
        example = "main-door"
    )]
    pub id: String,
    /// What people call it; the id when left out.
    #[schema(max_length = 100, example = "Main door")]
    pub name: Option<String>,
    /// `rtsp://user:password@host/path`, `http(s)://…`, a file path or `file://` URL, or `device:<index>`.
    #[schema(
        min_length = 1,
        max_length = 2048,
        example = "rtsp://viewer:secret@10.0.0.5/stream"
    )]
    pub source: String,
    /// `entry`, `exit` or `both`.
    #[schema(example = "entry")]
    pub role: String,
    /// Frames analysed per second, more than 0 and at most 60 (5 when left out).
    #[schema(exclusive_minimum = 0.0, maximum = 60.0)]
    pub sample_fps: Option<f32>,
    pub roi: Option<RoiView>,
    /// True when left out.
    pub enabled: Option<bool>,
    /// The camera-agent to run it (`default` when left out).
    #[schema(example = "default")]
    pub agent: Option<String>,
    /// Files only: play at the video's own pace (true when left out).
    pub realtime: Option<bool>,
    /// Files only: start again at the end (false when left out).
    pub repeat: Option<bool>,
}

/// A change: the fields given replace the stored ones. Leave `source` out to keep the stored
/// source (and its credentials).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCameraRequest {
    #[schema(max_length = 100)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 2048)]
    pub source: Option<String>,
    pub role: Option<String>,
    #[schema(exclusive_minimum = 0.0, maximum = 60.0)]
    pub sample_fps: Option<f32>,
    /// `null` searches the whole frame.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<RoiView>)]
    pub roi: Option<Option<RoiView>>,
    pub enabled: Option<bool>,
    pub agent: Option<String>,
    pub realtime: Option<bool>,
    pub repeat: Option<bool>,
    /// The revision the change was made on (from the camera as read); the change is refused
    /// with `camera_changed` when someone changed the camera since.
    #[schema(minimum = 0, maximum = 9007199254740991_u64)]
    pub revision: Option<u64>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<Option<RoiView>>, D::Error> {
    Option::<RoiView>::deserialize(deserializer).map(Some)
}

/// A source to try before saving it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeSourceRequest {
    #[schema(min_length = 1, max_length = 2048)]
    pub source: String,
    /// The agent that would run the camera (`default` when left out).
    pub agent: Option<String>,
}

/// What opening the source once gave.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProbeResult {
    pub ok: bool,
    /// Why the source could not be read; none when `ok`.
    pub error: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The frame rate the source declares, if it declares one.
    pub fps: Option<f32>,
    pub elapsed_ms: u32,
    /// The agent asked to try.
    pub agent: String,
    /// False when no camera-agent of that name answered (is it running, with that
    /// `AGENT_NAME`?): then nothing was tried.
    pub agent_answered: bool,
}

impl ProbeResult {
    fn from_reply(reply: wire::ProbeReply, agent: String) -> Self {
        Self {
            ok: reply.ok,
            error: Some(reply.error).filter(|e| !e.is_empty()),
            width: reply.ok.then_some(reply.width),
            height: reply.ok.then_some(reply.height),
            fps: Some(reply.fps).filter(|fps| *fps > 0.0),
            elapsed_ms: reply.elapsed_ms,
            agent,
            agent_answered: true,
        }
    }

    /// The agent is not there to ask.
    fn unanswered(agent: String) -> Self {
        Self {
            ok: false,
            error: Some(format!(
                "no camera-agent named {agent} answers; is it running, with AGENT_NAME={agent}?"
            )),
            width: None,
            height: None,
            fps: None,
            elapsed_ms: 0,
            agent,
            agent_answered: false,
        }
    }

    fn from_probe(
        answer: std::result::Result<wire::ProbeReply, RegistryError>,
        agent: String,
    ) -> Result<Self> {
        match answer {
            Ok(reply) => Ok(Self::from_reply(reply, agent)),
            Err(RegistryError::NoAgent(_)) => Ok(Self::unanswered(agent)),
            Err(error) => Err(error.into()),
        }
    }
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CameraListEnvelope {
    success: bool,
    data: CameraList,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CameraEnvelope {
    success: bool,
    data: CameraView,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CameraCreatedEnvelope {
    success: bool,
    data: CameraView,
    meta: super::CreatedMeta,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ProbeEnvelope {
    success: bool,
    data: ProbeResult,
}

fn may_see(signed_in: &SignedIn) -> Result<()> {
    match signed_in.operator.role {
        Role::Admin | Role::Hr => Ok(()),
        Role::Reception | Role::Viewer => Err(ConsoleError::CamerasHidden),
    }
}

fn admin(signed_in: &SignedIn) -> Result<()> {
    if signed_in.operator.role == Role::Admin {
        Ok(())
    } else {
        Err(ConsoleError::AdminOnly)
    }
}

fn camera_id(raw: &str) -> Result<String> {
    parse_camera_id(raw)
        .map_err(|issue| ConsoleError::Invalid(ValidationErrors::single(issue.at("camera_id"))))
}

async fn registry(state: &ConsoleState) -> Result<CameraRegistry> {
    Ok(CameraRegistry::open(&state.bus).await?)
}

fn view(
    registered: RegisteredCamera,
    live: Option<&wire::CameraStatus>,
    thumbnail_at: Option<DateTime<Utc>>,
) -> CameraView {
    let camera = registered.camera;
    let time = |t: &Option<prost_types::Timestamp>| t.as_ref().and_then(from_timestamp);
    CameraView {
        source: camera.source.redacted(),
        source_has_credentials: camera.source.has_credentials(),
        role: camera.role.as_str().to_owned(),
        sample_fps: camera.sample_fps,
        roi: camera.roi.map(RoiView::from),
        enabled: camera.enabled,
        realtime: camera.realtime,
        repeat: camera.repeat,
        revision: registered.revision,
        updated_at: registered.updated_at,
        updated_by: registered.updated_by,
        // A report from another agent is stale: the camera moved away from it.
        live: live
            .filter(|s| s.agent == camera.agent)
            .map(|s| CameraLive {
                state: s.state.clone(),
                last_error: Some(s.last_error.clone()).filter(|e| !e.is_empty()),
                last_frame_at: time(&s.last_frame_at),
                frames_decoded: s.frames_decoded,
                frames_analysed: s.frames_analysed,
                captures_published: s.captures_published,
                last_capture_at: time(&s.last_capture_at),
                decoded_fps: s.decoded_fps,
                analysed_fps: s.analysed_fps,
                reconnects: s.reconnects,
                reported_at: time(&s.reported_at),
                current: s.revision == registered.revision,
            }),
        thumbnail_at,
        id: camera.id,
        name: camera.name,
        agent: camera.agent,
    }
}

/// A camera as shown, with its agent's report from `live` and its thumbnail's time.
async fn view_of(
    registry: &CameraRegistry,
    live: &LiveState,
    registered: RegisteredCamera,
) -> Result<CameraView> {
    let status = live
        .cameras
        .iter()
        .find(|s| s.camera_id == registered.camera.id);
    let thumbnail_at = registry
        .thumbnail(&registered.camera.id)
        .await?
        .and_then(|t| t.captured_at.as_ref().and_then(from_timestamp));
    Ok(view(registered, status, thumbnail_at))
}

async fn one(registry: &CameraRegistry, registered: RegisteredCamera) -> Result<CameraView> {
    let live = registry.live_state().await?;
    view_of(registry, &live, registered).await
}

/// Every camera with what its agent reports, and the agents that reported lately.
#[utoipa::path(
    get, path = "/console/api/v1/cameras", operation_id = "list_cameras", tag = "cameras",
    responses(
        (status = 200, description = "Every camera and agent", body = CameraListEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Neither admin nor HR (`forbidden`)", body = ErrorEnvelope),
        (status = 503, description = "NATS is unavailable (`nats_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn list(state: web::Data<ConsoleState>, signed_in: SignedIn) -> Result<HttpResponse> {
    may_see(&signed_in)?;
    let registry = registry(&state).await?;
    let cameras = registry.list().await?;
    let live = registry.live_state().await?;
    let mut views = Vec::with_capacity(cameras.len());
    for registered in cameras {
        views.push(view_of(&registry, &live, registered).await?);
    }
    let agents = live
        .agents
        .into_iter()
        .map(|a| AgentView {
            reported_at: a.reported_at.as_ref().and_then(from_timestamp),
            name: a.agent,
            camera_ids: a.camera_ids,
            version: a.version,
        })
        .collect();
    Ok(envelope::ok(CameraList {
        cameras: views,
        agents,
    }))
}

/// One camera.
#[utoipa::path(
    get, path = "/console/api/v1/cameras/{camera_id}", operation_id = "get_camera", tag = "cameras",
    params(("camera_id" = String, Path, description = "The camera's id")),
    responses(
        (status = 200, description = "The camera", body = CameraEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Neither admin nor HR (`forbidden`)", body = ErrorEnvelope),
        (status = 404, description = "No such camera (`camera_not_found`)", body = ErrorEnvelope),
        (status = 422, description = "Not a camera id (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "NATS is unavailable (`nats_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn get(
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    may_see(&signed_in)?;
    let id = camera_id(&id)?;
    let registry = registry(&state).await?;
    let registered = registry
        .get(&id)
        .await?
        .ok_or(faceattend_camera_registry::RegistryError::NotFound(id))?;
    Ok(envelope::ok(one(&registry, registered).await?))
}

/// Register a camera; its agent starts it within 2 s.
#[utoipa::path(
    post, path = "/console/api/v1/cameras", operation_id = "create_camera", tag = "cameras",
    request_body = CreateCameraRequest,
    responses(
        (status = 201, description = "Registered", body = CameraCreatedEnvelope),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 409, description = "The id is taken (`camera_exists`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "NATS is unavailable (`nats_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn create(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    payload: web::Payload,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let body: CreateCameraRequest = json_body(&request, payload).await?;
    refuse_redacted(&body.source)?;
    let camera = Camera::parse(CameraDraft {
        id: body.id,
        name: body.name,
        source: body.source,
        role: body.role,
        sample_fps: body.sample_fps,
        roi: body.roi.map(RegionOfInterest::from),
        enabled: body.enabled,
        agent: body.agent,
        realtime: body.realtime,
        repeat: body.repeat,
    })?;
    let registry = registry(&state).await?;
    registry.create(&camera, &signed_in.operator.email).await?;
    tracing::info!(camera = %camera.id, by = %signed_in.operator.email, "camera registered");
    let registered = registry.get(&camera.id).await?.ok_or(
        faceattend_camera_registry::RegistryError::NotFound(camera.id),
    )?;
    Ok(envelope::created(one(&registry, registered).await?))
}

/// A source as shown (`***` for its credentials) sent back as if it were the source.
fn refuse_redacted(source: &str) -> Result<()> {
    if source.contains("***@") {
        return Err(ConsoleError::Invalid(ValidationErrors::single(
            FieldIssue::new(
                "source_redacted",
                "type the whole source with its credentials, or leave the source out to keep the stored one",
            )
            .at("source"),
        )));
    }
    Ok(())
}

/// Change a camera; its agent restarts it (or stops it, when disabled or moved) within 2 s.
#[utoipa::path(
    patch, path = "/console/api/v1/cameras/{camera_id}", operation_id = "update_camera", tag = "cameras",
    params(("camera_id" = String, Path, description = "The camera's id")),
    request_body = UpdateCameraRequest,
    responses(
        (status = 200, description = "Changed", body = CameraEnvelope),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 404, description = "No such camera (`camera_not_found`)", body = ErrorEnvelope),
        (status = 409, description = "Changed by someone else since `revision` (`camera_changed`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "NATS is unavailable (`nats_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn update(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let id = camera_id(&id)?;
    let body: UpdateCameraRequest = json_body(&request, payload).await?;
    if let Some(source) = &body.source {
        refuse_redacted(source)?;
    }
    let registry = registry(&state).await?;
    let current = registry
        .get(&id)
        .await?
        .ok_or_else(|| faceattend_camera_registry::RegistryError::NotFound(id.clone()))?
        .camera;
    let changed = Camera::parse(CameraDraft {
        id: id.clone(),
        name: Some(body.name.unwrap_or(current.name)),
        source: body.source.unwrap_or_else(|| current.source.to_string()),
        role: body
            .role
            .unwrap_or_else(|| current.role.as_str().to_owned()),
        sample_fps: Some(body.sample_fps.unwrap_or(current.sample_fps)),
        roi: match body.roi {
            Some(roi) => roi.map(RegionOfInterest::from),
            None => current.roi,
        },
        enabled: Some(body.enabled.unwrap_or(current.enabled)),
        agent: Some(body.agent.unwrap_or(current.agent)),
        realtime: Some(body.realtime.unwrap_or(current.realtime)),
        repeat: Some(body.repeat.unwrap_or(current.repeat)),
    })?;
    registry
        .update(&changed, &signed_in.operator.email, body.revision)
        .await?;
    tracing::info!(camera = %id, by = %signed_in.operator.email, "camera changed");
    let registered = registry
        .get(&id)
        .await?
        .ok_or(faceattend_camera_registry::RegistryError::NotFound(id))?;
    Ok(envelope::ok(one(&registry, registered).await?))
}

/// Remove a camera; its agent stops it within 2 s.
#[utoipa::path(
    delete, path = "/console/api/v1/cameras/{camera_id}", operation_id = "delete_camera", tag = "cameras",
    params(("camera_id" = String, Path, description = "The camera's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 404, description = "No such camera (`camera_not_found`)", body = ErrorEnvelope),
        (status = 422, description = "Not a camera id (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "NATS is unavailable (`nats_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn remove(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let id = camera_id(&id)?;
    registry(&state).await?.remove(&id).await?;
    tracing::info!(camera = %id, by = %signed_in.operator.email, "camera removed");
    Ok(HttpResponse::NoContent().finish())
}

/// Open a registered camera's source once, on its agent, and report.
#[utoipa::path(
    post, path = "/console/api/v1/cameras/{camera_id}/test", operation_id = "test_camera", tag = "cameras",
    params(("camera_id" = String, Path, description = "The camera's id")),
    responses(
        (status = 200, description = "What the agent saw (`ok` false with the reason when it could not read the source, or when no agent answered)", body = ProbeEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 404, description = "No such camera (`camera_not_found`)", body = ErrorEnvelope),
        (status = 422, description = "Not a camera id (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "NATS is unavailable (`nats_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn test_camera(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let id = camera_id(&id)?;
    let registry = registry(&state).await?;
    let camera = registry
        .get(&id)
        .await?
        .ok_or(faceattend_camera_registry::RegistryError::NotFound(id))?
        .camera;
    let answer = registry
        .probe(&camera.agent, &camera.source.to_string(), PROBE_TIMEOUT)
        .await;
    Ok(envelope::ok(ProbeResult::from_probe(answer, camera.agent)?))
}

/// Open a source once, on the agent that would run it, before registering it.
#[utoipa::path(
    post, path = "/console/api/v1/cameras/test", operation_id = "test_camera_source", tag = "cameras",
    request_body = ProbeSourceRequest,
    responses(
        (status = 200, description = "What the agent saw (`ok` false with the reason when it could not read the source, or when no agent answered)", body = ProbeEnvelope),
        (status = 400, description = "Malformed JSON (`invalid_json`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "NATS is unavailable (`nats_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn test_source(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    payload: web::Payload,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let body: ProbeSourceRequest = json_body(&request, payload).await?;
    refuse_redacted(&body.source)?;
    let mut errors = ValidationErrors::default();
    let source = errors.check(
        "source",
        faceattend_domain::camera::VideoSource::parse(&body.source)
            .map_err(|e| FieldIssue::new("invalid_source", e)),
    );
    let agent = errors.check(
        "agent",
        faceattend_domain::camera::parse_agent_name(
            body.agent
                .as_deref()
                .unwrap_or(faceattend_domain::camera::DEFAULT_AGENT),
        ),
    );
    let (Some(source), Some(agent)) = (source, agent) else {
        return Err(ConsoleError::Invalid(errors));
    };
    let answer = registry(&state)
        .await?
        .probe(&agent, &source.to_string(), PROBE_TIMEOUT)
        .await;
    Ok(envelope::ok(ProbeResult::from_probe(answer, agent)?))
}

/// The frame of the camera's latest capture, scaled down (a JPEG).
#[utoipa::path(
    get, path = "/console/api/v1/cameras/{camera_id}/thumbnail", operation_id = "get_camera_thumbnail", tag = "cameras",
    params(("camera_id" = String, Path, description = "The camera's id")),
    responses(
        (status = 200, description = "A JPEG at most 320 pixels wide", content_type = "image/jpeg", body = Vec<u8>),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Neither admin nor HR (`forbidden`)", body = ErrorEnvelope),
        (status = 404, description = "No capture yet (`thumbnail_not_found`)", body = ErrorEnvelope),
        (status = 422, description = "Not a camera id (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "NATS is unavailable (`nats_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn thumbnail(
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    may_see(&signed_in)?;
    let id = camera_id(&id)?;
    let thumbnail = registry(&state)
        .await?
        .thumbnail(&id)
        .await?
        .ok_or(ConsoleError::NoThumbnail)?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        // It shows faces: kept by no shared cache, and not for long by the browser.
        .insert_header((header::CACHE_CONTROL, "private, max-age=5"))
        .body(thumbnail.jpeg))
}
