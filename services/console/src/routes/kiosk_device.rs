//! The kiosk device's API: `/kiosk/api/v1/*`, with no operator session.
//!
//! A device pairs once with a code an admin gave out (`POST /pairing`), which sets its cookie
//! (`__Host-faceattend_kiosk` over HTTPS, `faceattend_kiosk` over plain HTTP, a year long,
//! stored only as its hash). Every later request is checked against the kiosk as it is now,
//! so a revocation or deletion refuses the very next one (401 `kiosk_revoked`). Wrong codes
//! are throttled by client address, as sign-ins are. Requests that change something pass the
//! same Origin and CSRF checks as the operator API.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use bytes::BytesMut;
use chrono::Utc;
use faceattend_service::envelope;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ErrorEnvelope, json_body};
use crate::csrf;
use crate::error::ConsoleError;
use crate::kiosk::frames::{self, KioskResult, MAX_FRAME_BYTES};
use crate::kiosk::store::DeviceSession;
use crate::kiosk::{Kiosk, KioskAction, KioskMode, PairingCode, TOUCH_EVERY};
use crate::session::SessionToken;
use crate::state::ConsoleState;
use crate::store::{Audit, AuditEvent};

type Result<T> = std::result::Result<T, ConsoleError>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairDeviceRequest {
    /// The code the admin was shown (case, spaces and dashes do not matter).
    #[schema(min_length = 1, max_length = 32, example = "K7QM3XTA")]
    pub code: String,
}

/// What a kiosk device knows of its kiosk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceKiosk {
    pub name: String,
    pub mode: KioskMode,
}

impl From<&Kiosk> for DeviceKiosk {
    fn from(kiosk: &Kiosk) -> Self {
        Self {
            name: kiosk.name.clone(),
            mode: kiosk.mode,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PairedDevice {
    pub kiosk: DeviceKiosk,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PairedDeviceEnvelope {
    success: bool,
    data: PairedDevice,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DeviceKioskEnvelope {
    success: bool,
    data: DeviceKiosk,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct KioskResultEnvelope {
    success: bool,
    data: KioskResult,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FrameQuery {
    /// Which way the person goes: required by a kiosk of mode `ask` (the button they pressed),
    /// ignored by the others.
    pub action: Option<KioskAction>,
}

/// Extractor: the request comes from a paired kiosk's device, whose kiosk is in force now.
/// 401 `kiosk_not_paired` without a known cookie, 401 `kiosk_revoked` when its kiosk was
/// revoked, deleted or paired with another device since.
#[derive(Debug, Clone)]
pub struct PairedKiosk(pub Kiosk);

impl FromRequest for PairedKiosk {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = std::result::Result<Self, ConsoleError>>>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = request
                .app_data::<web::Data<ConsoleState>>()
                .expect("ConsoleState is registered")
                .clone();
            let token = state
                .cookie
                .kiosk_token(&request)
                .ok_or(ConsoleError::KioskNotPaired)?;
            let kiosk = match state.store.device_session(&token.hash()).await? {
                DeviceSession::Paired(kiosk) => kiosk,
                DeviceSession::Ended => return Err(ConsoleError::KioskRevoked),
                DeviceSession::Unknown => return Err(ConsoleError::KioskNotPaired),
            };
            let now = Utc::now();
            let stale = kiosk
                .last_seen_at
                .is_none_or(|seen| (now - seen).to_std().unwrap_or_default() >= TOUCH_EVERY);
            if stale {
                state.store.touch_kiosk(kiosk.id, now).await?;
            }
            Ok(PairedKiosk(kiosk))
        })
    }
}

/// Pair this device with a kiosk by the code an admin was given; sets the device's cookie.
#[utoipa::path(
    post, path = "/kiosk/api/v1/pairing", operation_id = "pair_kiosk_device", tag = "kiosk",
    request_body = PairDeviceRequest,
    responses(
        (status = 200, description = "Paired; the kiosk cookie is set", body = PairedDeviceEnvelope),
        (status = 400, description = "Malformed JSON (`malformed_json`)", body = ErrorEnvelope),
        (status = 401, description = "Unknown, used or expired code, one answer for all (`pairing_code_invalid`)", body = ErrorEnvelope),
        (status = 403, description = "Not sent by the console's own pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "A field other than `code` (`validation_failed`)", body = ErrorEnvelope),
        (status = 429, description = "Too many wrong codes from this address (`too_many_attempts`); `Retry-After` says when to try again", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("csrf" = []))
)]
pub async fn pair(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    let body: PairDeviceRequest = json_body(&request, payload).await?;
    let client = state.client_address(&request);
    let client_key = format!("kiosk_pairing:{}", client.as_deref().unwrap_or("unknown"));
    let policy = state.client_throttle;
    let now = Utc::now();
    let counts = state.store.failures(&[client_key.as_str()]).await?;
    let decision = policy.decide(counts.first().map(|(_, count)| *count), now);
    if let Some(until) = decision.retry_at() {
        return Err(ConsoleError::PairingThrottled {
            retry_after_secs: (until - now).num_seconds().max(1) as u64,
        });
    }
    let token = SessionToken::generate().map_err(|e| ConsoleError::Random(e.to_string()))?;
    let paired = match PairingCode::parse(&body.code) {
        Some(code) => {
            state
                .store
                .redeem_pairing(
                    &code.hash(),
                    token.hash(),
                    Audit::new(AuditEvent::KioskPaired).client(client.clone()),
                    now,
                )
                .await?
        }
        None => None,
    };
    let Some(kiosk) = paired else {
        state
            .store
            .record_failure(
                &[client_key.as_str()],
                &[now - policy.lock_for],
                Vec::new(),
                now,
            )
            .await?;
        return Err(ConsoleError::PairingCodeInvalid);
    };
    Ok(HttpResponse::Ok()
        .cookie(state.cookie.kiosk_cookie(&token))
        .json(envelope::Envelope::<_, serde_json::Value> {
            success: true,
            data: PairedDevice {
                kiosk: DeviceKiosk::from(&kiosk),
            },
            meta: None,
        }))
}

/// The kiosk this device is paired with, as it is now.
#[utoipa::path(
    get, path = "/kiosk/api/v1/device", operation_id = "get_kiosk_device", tag = "kiosk",
    responses(
        (status = 200, description = "The kiosk's name and mode", body = DeviceKioskEnvelope),
        (status = 401, description = "Not paired (`kiosk_not_paired`), or its kiosk was revoked or deleted (`kiosk_revoked`)", body = ErrorEnvelope),
    ),
    security(("kiosk" = []))
)]
pub async fn device(PairedKiosk(kiosk): PairedKiosk) -> Result<HttpResponse> {
    Ok(envelope::ok(DeviceKiosk::from(&kiosk)))
}

/// Send one webcam frame (a JPEG of at most 2 MB): it is published as a capture of the
/// kiosk's camera, recognised as any camera's, and its outcome comes back within 3 s.
#[utoipa::path(
    post, path = "/kiosk/api/v1/frames", operation_id = "submit_kiosk_frame", tag = "kiosk",
    params(FrameQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "The frame, e.g. 640×480 at quality 0.8"),
    responses(
        (status = 200, description = "What became of the frame: `no_face`, `not_recognised`, `checked_in`, `checked_out` or `already_checked_in`, with the person's first name and the time for the last three", body = KioskResultEnvelope),
        (status = 400, description = "Not a JPEG (`image_invalid`), or an unknown action (`invalid_query_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Not paired (`kiosk_not_paired`), or its kiosk was revoked or deleted (`kiosk_revoked`)", body = ErrorEnvelope),
        (status = 403, description = "Not sent by the console's own pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 413, description = "Larger than 2 MB (`image_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not sent as image/jpeg (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "The kiosk asks which way and no action was given (`action_required`)", body = ErrorEnvelope),
        (status = 503, description = "NATS is unavailable (`nats_unavailable`)", body = ErrorEnvelope),
        (status = 504, description = "No outcome in time (`kiosk_result_timeout`); the frame was published and is still processed", body = ErrorEnvelope),
    ),
    security(("kiosk" = [], "csrf" = []))
)]
pub async fn submit_frame(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    PairedKiosk(kiosk): PairedKiosk,
    query: web::Query<FrameQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse> {
    let arrived = Instant::now();
    csrf::check(&request, &state.origins)?;
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some("image/jpeg") {
        return Err(ConsoleError::NotJpeg);
    }
    let action = query.into_inner().action;
    if kiosk.mode.camera_role(action).is_none() {
        return Err(ConsoleError::ActionRequired);
    }
    let mut jpeg = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ConsoleError::Refused(faceattend_service::ApiError::bad_request(
                "invalid_body",
                format!("the frame could not be read: {e}"),
            ))
        })?;
        if jpeg.len() + chunk.len() > MAX_FRAME_BYTES {
            return Err(ConsoleError::ImageTooLarge {
                max_bytes: MAX_FRAME_BYTES,
            });
        }
        jpeg.extend_from_slice(&chunk);
    }
    if !frames::is_jpeg(&jpeg) {
        return Err(ConsoleError::ImageInvalid);
    }
    let result = frames::submit(&state, &kiosk, action, jpeg.freeze(), arrived).await?;
    Ok(envelope::ok(result))
}
