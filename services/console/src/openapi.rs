//! The OpenAPI 3 document of the console's own API, served at `/console/api/v1/openapi.json`.
//! The forwarded APIs are person-api's and attendance-api's, documented by those services.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{self, cameras, keys, kiosk_device, kiosks, operators, session, system};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "faceattend console",
        description = "The web console's own API: sign-in and the session, operators and the audit \
                       log, the system's state, cameras and kiosks, and the kiosk devices' API \
                       under `/kiosk/api/v1` (their own cookie, `__Host-faceattend_kiosk` or \
                       `faceattend_kiosk`, set by pairing). A session is a cookie (`__Host-faceattend_session` over HTTPS, \
                       `faceattend_session` over plain HTTP) set by signing in; every request that \
                       changes something must carry `X-Faceattend-Csrf: 1` and come from the console's \
                       origin. `/api/v1/persons*` and `/api/v1/attendance*` are forwarded to \
                       person-api and attendance-api for the signed-in operator. Errors use one \
                       envelope: `{\"success\": false, \"error\": {\"code\", \"message\", \"details\"}}`.",
    ),
    paths(
        session::sign_in, session::current, session::sign_out, session::change_password,
        operators::list, operators::names, operators::create, operators::get, operators::update,
        operators::reset_password, operators::revoke_sessions, operators::audit_log,
        system::report, system::status,
        cameras::list, cameras::get, cameras::create, cameras::update, cameras::remove,
        cameras::test_camera, cameras::test_source, cameras::thumbnail,
        kiosks::list, kiosks::create, kiosks::get, kiosks::update, kiosks::remove,
        kiosks::create_pairing, kiosks::revoke,
        kiosk_device::pair, kiosk_device::device, kiosk_device::submit_frame,
        keys::jwks,
    ),
    components(schemas(
        session::SignInRequest, session::SessionResponse, session::SessionEnvelope,
        session::ChangePasswordRequest,
        operators::OperatorResponse, operators::CreateOperatorRequest,
        operators::UpdateOperatorRequest, operators::ResetPasswordRequest,
        operators::SessionsRevoked, operators::AuditEntryResponse,
        operators::OperatorEnvelope, operators::OperatorCreatedEnvelope,
        operators::OperatorListEnvelope, operators::SessionsRevokedEnvelope,
        operators::OperatorName, operators::OperatorNameListEnvelope,
        operators::AuditLogEnvelope, operators::AuditPageMeta, crate::operators::Role,
        routes::ErrorEnvelope, routes::CreatedMeta,
        system::SystemReport, system::SystemStatus, system::SystemReportEnvelope,
        system::SystemStatusEnvelope, crate::system::ServiceHealth, crate::system::ServiceState,
        crate::system::CheckResult, crate::system::ConsoleHealth, crate::system::NatsHealth,
        crate::system::NotReady, crate::system::ConsumerLag, crate::system::DeadLetter,
        cameras::CameraView, cameras::CameraLive, cameras::RoiView, cameras::AgentView,
        cameras::CameraList, cameras::CreateCameraRequest, cameras::UpdateCameraRequest,
        cameras::ProbeSourceRequest, cameras::ProbeResult, cameras::CameraListEnvelope,
        cameras::CameraEnvelope, cameras::CameraCreatedEnvelope, cameras::ProbeEnvelope,
        kiosks::KioskResponse, kiosks::KioskList, kiosks::CreateKioskRequest,
        kiosks::UpdateKioskRequest, kiosks::PairingResponse, kiosks::KioskEnvelope,
        kiosks::KioskCreatedEnvelope, kiosks::KioskListEnvelope, kiosks::PairingEnvelope,
        crate::kiosk::KioskMode, crate::kiosk::KioskState, crate::kiosk::KioskAction,
        kiosk_device::PairDeviceRequest, kiosk_device::DeviceKiosk, kiosk_device::PairedDevice,
        kiosk_device::PairedDeviceEnvelope, kiosk_device::DeviceKioskEnvelope,
        kiosk_device::KioskResultEnvelope, crate::kiosk::frames::KioskResult,
        crate::kiosk::frames::KioskOutcome, crate::kiosk::frames::StagesMs,
        faceattend_service::auth::Jwks, faceattend_service::auth::Jwk,
    )),
    modifiers(&SessionCookie),
    tags(
        (name = "session", description = "Signing in and out, and one's own password"),
        (name = "operators", description = "Operator accounts and the audit log (admins)"),
        (name = "system", description = "The services' readiness, NATS, consumers and dead letters"),
        (name = "cameras", description = "The camera registry the camera-agents follow, and what they report (admins change, admins and HR see)"),
        (name = "kiosks", description = "Kiosks at the entrances and pairing their devices (admins change, admins and HR see)"),
        (name = "kiosk", description = "A paired kiosk device's own API: its kiosk, and its frames' results (the kiosk cookie, no operator session)"),
        (name = "keys", description = "The public keys of the tokens the console mints"),
    )
)]
pub struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "faceattend_session",
                "The session cookie set by signing in (`__Host-faceattend_session` when the \
                 console is served over HTTPS)",
            ))),
        );
        components.add_security_scheme(
            "kiosk",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "faceattend_kiosk",
                "A paired kiosk device's cookie, set by `POST /kiosk/api/v1/pairing` \
                 (`__Host-faceattend_kiosk` when the console is served over HTTPS)",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Faceattend-Csrf",
                "`1`, on every request that changes something: only the console's own pages can \
                 set it (another origin's script would need a CORS preflight, never granted)",
            ))),
        );
    }
}
