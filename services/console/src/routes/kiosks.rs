//! Kiosks, managed by admins: `/console/api/v1/kiosks*`.
//!
//! An admin creates a kiosk (its name, the camera id its frames are captures of, its mode),
//! asks for a one-time pairing code to open on the device, and can revoke or delete it; the
//! device's next request is then refused. HR may read the list. Every change is audited,
//! naming the admin who made it.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use faceattend_camera_registry::{CameraRegistry, RegistryError};
use faceattend_domain::ValidationErrors;
use faceattend_domain::camera::parse_camera_id;
use faceattend_service::envelope;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ErrorEnvelope, json_body};
use crate::csrf;
use crate::error::ConsoleError;
use crate::kiosk::store::{KioskChange, NewKiosk};
use crate::kiosk::{Kiosk, KioskMode, KioskName, KioskState, PAIRING_LIFETIME, PairingCode};
use crate::operators::Role;
use crate::state::{ConsoleState, SignedIn};
use crate::store::{Audit, AuditEvent};

type Result<T> = std::result::Result<T, ConsoleError>;

/// A kiosk as the console shows it (never its device's token).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KioskResponse {
    pub id: Uuid,
    pub name: String,
    /// The camera id its frames are published as (`faces.v1.<camera_id>`).
    pub camera_id: String,
    pub mode: KioskMode,
    pub created_at: DateTime<Utc>,
    /// When a device was last paired with it.
    pub paired_at: Option<DateTime<Utc>>,
    /// When its device was last heard from (written at most once a minute).
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub state: KioskState,
}

impl From<Kiosk> for KioskResponse {
    fn from(kiosk: Kiosk) -> Self {
        Self {
            state: kiosk.state(),
            id: kiosk.id,
            name: kiosk.name,
            camera_id: kiosk.camera_id,
            mode: kiosk.mode,
            created_at: kiosk.created_at,
            paired_at: kiosk.paired_at,
            last_seen_at: kiosk.last_seen_at,
            revoked_at: kiosk.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KioskList {
    /// In order of creation.
    pub items: Vec<KioskResponse>,
}

/// A new kiosk.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKioskRequest {
    #[schema(min_length = 1, max_length = 80, example = "Main entrance kiosk")]
    pub name: String,
    /// Letters, digits, `-` and `_`, at most 64; unique among kiosks and not a registered
    /// camera's. Its frames are captures of this camera.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9_-]+$",
        example = "kiosk-lobby"
    )]
    pub camera_id: String,
    /// `entry`, `exit`, `both` or `ask`.
    #[schema(value_type = KioskMode)]
    pub mode: String,
}

/// A change: the fields given replace the stored ones.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateKioskRequest {
    #[schema(min_length = 1, max_length = 80)]
    pub name: Option<String>,
    #[schema(value_type = Option<KioskMode>)]
    pub mode: Option<String>,
}

/// A pairing code, shown to the admin once.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairingResponse {
    /// 8 characters without 0/O/1/I; type it on the device at `/kiosk`.
    #[schema(example = "K7QM3XTA")]
    pub code: String,
    /// Open this on the device to pair it at once (the code travels in the fragment, which
    /// never reaches a server's log).
    #[schema(example = "https://attendance.example.com/kiosk/pair#K7QM3XTA")]
    pub link: String,
    /// After this the code no longer works (10 minutes).
    pub expires_at: DateTime<Utc>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct KioskEnvelope {
    success: bool,
    data: KioskResponse,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct KioskCreatedEnvelope {
    success: bool,
    data: KioskResponse,
    meta: super::CreatedMeta,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct KioskListEnvelope {
    success: bool,
    data: KioskList,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PairingEnvelope {
    success: bool,
    data: PairingResponse,
    meta: super::CreatedMeta,
}

fn may_see(signed_in: &SignedIn) -> Result<()> {
    match signed_in.operator.role {
        Role::Admin | Role::Hr => Ok(()),
        Role::Reception | Role::Viewer => Err(ConsoleError::KiosksHidden),
    }
}

fn admin(signed_in: &SignedIn) -> Result<()> {
    if signed_in.operator.role == Role::Admin {
        Ok(())
    } else {
        Err(ConsoleError::AdminOnly)
    }
}

/// The audit entry of an admin's action: it is about the admin who acted.
fn audit(
    event: AuditEvent,
    request: &HttpRequest,
    state: &ConsoleState,
    signed_in: &SignedIn,
) -> Audit {
    Audit::new(event)
        .operator(signed_in.operator.id)
        .email(signed_in.operator.email.clone())
        .client(state.client_address(request))
}

/// Every kiosk.
#[utoipa::path(
    get, path = "/console/api/v1/kiosks", operation_id = "list_kiosks", tag = "kiosks",
    responses(
        (status = 200, description = "Every kiosk, in order of creation", body = KioskListEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Neither admin nor HR (`forbidden`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn list(state: web::Data<ConsoleState>, signed_in: SignedIn) -> Result<HttpResponse> {
    may_see(&signed_in)?;
    let items = state
        .store
        .kiosks()
        .await?
        .into_iter()
        .map(KioskResponse::from)
        .collect();
    Ok(envelope::ok(KioskList { items }))
}

/// Create a kiosk; pair a device with it next.
#[utoipa::path(
    post, path = "/console/api/v1/kiosks", operation_id = "create_kiosk", tag = "kiosks",
    request_body = CreateKioskRequest,
    responses(
        (status = 201, description = "Created, unpaired", body = KioskCreatedEnvelope),
        (status = 400, description = "Malformed JSON (`malformed_json`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 409, description = "Another kiosk reports as this camera (`kiosk_exists`), or a registered camera has this id (`camera_exists`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "The camera registry (NATS) is unavailable (`nats_unavailable`)", body = ErrorEnvelope),
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
    let body: CreateKioskRequest = json_body(&request, payload).await?;
    let mut errors = ValidationErrors::default();
    let name = errors.check("name", KioskName::parse(&body.name));
    let camera_id = errors.check("camera_id", parse_camera_id(&body.camera_id));
    let mode = errors.check("mode", KioskMode::parse(&body.mode));
    let (Some(name), Some(camera_id), Some(mode)) = (name, camera_id, mode) else {
        return Err(errors.into());
    };
    // A kiosk's captures would be mistaken for the camera's (and its role with them).
    let registry = CameraRegistry::open(&state.bus).await?;
    if registry.get(&camera_id).await?.is_some() {
        return Err(RegistryError::Exists(camera_id).into());
    }
    let kiosk = state
        .store
        .create_kiosk(
            NewKiosk {
                name,
                camera_id,
                mode,
                created_by: signed_in.operator.id,
            },
            audit(AuditEvent::KioskCreated, &request, &state, &signed_in),
            Utc::now(),
        )
        .await?;
    Ok(envelope::created(KioskResponse::from(kiosk)))
}

/// One kiosk.
#[utoipa::path(
    get, path = "/console/api/v1/kiosks/{kiosk_id}", operation_id = "get_kiosk", tag = "kiosks",
    params(("kiosk_id" = Uuid, Path, description = "The kiosk's id")),
    responses(
        (status = 200, description = "The kiosk", body = KioskEnvelope),
        (status = 400, description = "Not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Neither admin nor HR (`forbidden`)", body = ErrorEnvelope),
        (status = 404, description = "No such kiosk (`kiosk_not_found`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn get(
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    may_see(&signed_in)?;
    let kiosk = state.store.kiosk(id.into_inner()).await?;
    Ok(envelope::ok(KioskResponse::from(kiosk)))
}

/// Rename a kiosk or change its mode; its device picks the change up with its next frame.
#[utoipa::path(
    patch, path = "/console/api/v1/kiosks/{kiosk_id}", operation_id = "update_kiosk", tag = "kiosks",
    params(("kiosk_id" = Uuid, Path, description = "The kiosk's id")),
    request_body = UpdateKioskRequest,
    responses(
        (status = 200, description = "Changed", body = KioskEnvelope),
        (status = 400, description = "Malformed JSON (`malformed_json`) or not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 404, description = "No such kiosk (`kiosk_not_found`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn update(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let body: UpdateKioskRequest = json_body(&request, payload).await?;
    let mut errors = ValidationErrors::default();
    let name = body
        .name
        .as_deref()
        .map(|name| errors.check("name", KioskName::parse(name)));
    let mode = body
        .mode
        .as_deref()
        .map(|mode| errors.check("mode", KioskMode::parse(mode)));
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let kiosk = state
        .store
        .update_kiosk(
            id.into_inner(),
            KioskChange {
                name: name.flatten(),
                mode: mode.flatten(),
            },
            audit(AuditEvent::KioskUpdated, &request, &state, &signed_in),
            Utc::now(),
        )
        .await?;
    Ok(envelope::ok(KioskResponse::from(kiosk)))
}

/// Delete a kiosk; its device is refused from its next request on.
#[utoipa::path(
    delete, path = "/console/api/v1/kiosks/{kiosk_id}", operation_id = "delete_kiosk", tag = "kiosks",
    params(("kiosk_id" = Uuid, Path, description = "The kiosk's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 404, description = "No such kiosk (`kiosk_not_found`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn remove(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    state
        .store
        .delete_kiosk(
            id.into_inner(),
            audit(AuditEvent::KioskDeleted, &request, &state, &signed_in),
            Utc::now(),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A one-time pairing code for a kiosk, valid 10 minutes; earlier unused codes of the kiosk
/// stop working. Using it pairs the device that uses it (replacing any earlier device, and
/// lifting a revocation).
#[utoipa::path(
    post, path = "/console/api/v1/kiosks/{kiosk_id}/pairing", operation_id = "create_kiosk_pairing", tag = "kiosks",
    params(("kiosk_id" = Uuid, Path, description = "The kiosk's id")),
    responses(
        (status = 201, description = "The code, shown this once, and the link that carries it", body = PairingEnvelope),
        (status = 400, description = "Not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 404, description = "No such kiosk (`kiosk_not_found`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn create_pairing(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let code = PairingCode::generate().map_err(|e| ConsoleError::Random(e.to_string()))?;
    let now = Utc::now();
    let expires_at = now + PAIRING_LIFETIME;
    state
        .store
        .create_pairing(
            id.into_inner(),
            code.hash(),
            expires_at,
            audit(
                AuditEvent::KioskPairingCreated,
                &request,
                &state,
                &signed_in,
            ),
            now,
        )
        .await?;
    let link = format!(
        "{}/kiosk/pair#{}",
        state.origins.link_origin(&request),
        code.as_str()
    );
    Ok(envelope::created(PairingResponse {
        code: code.as_str().to_owned(),
        link,
        expires_at,
    }))
}

/// Revoke a kiosk: its device is refused from its next request on, until a new code is used.
#[utoipa::path(
    post, path = "/console/api/v1/kiosks/{kiosk_id}/revoke", operation_id = "revoke_kiosk", tag = "kiosks",
    params(("kiosk_id" = Uuid, Path, description = "The kiosk's id")),
    responses(
        (status = 200, description = "Revoked", body = KioskEnvelope),
        (status = 400, description = "Not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 404, description = "No such kiosk (`kiosk_not_found`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn revoke(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let kiosk = state
        .store
        .revoke_kiosk(
            id.into_inner(),
            audit(AuditEvent::KioskRevoked, &request, &state, &signed_in),
            Utc::now(),
        )
        .await?;
    Ok(envelope::ok(KioskResponse::from(kiosk)))
}
