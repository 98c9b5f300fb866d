//! The console's own API, under `/console/api/v1`: the session, operators, the audit log, the
//! system's state, cameras and kiosks; the kiosk devices' API under `/kiosk/api/v1`;
//! and the public keys of its tokens at `/.well-known/jwks.json`.
//! (The APIs of the other services are forwarded by [`crate::proxy`].)

pub mod cameras;
pub mod keys;
pub mod kiosk_device;
pub mod kiosks;
pub mod operators;
pub mod session;
pub mod system;

use actix_web::web;
use faceattend_service::json::method_not_allowed;

/// The console's routes, and its OpenAPI document at `/console/api/v1/openapi.json`.
pub fn configure(cfg: &mut web::ServiceConfig, openapi: utoipa::openapi::OpenApi) {
    cfg.service(
        web::resource("/.well-known/jwks.json")
            .route(web::get().to(keys::jwks))
            .default_service(method_not_allowed(&["GET"])),
    );
    cfg.service(
        web::scope("/console/api/v1")
            .service(
                web::resource("/openapi.json")
                    .route(web::get().to(move || {
                        let openapi = openapi.clone();
                        async move { web::Json(openapi) }
                    }))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/session")
                    .route(web::post().to(session::sign_in))
                    .route(web::get().to(session::current))
                    .route(web::delete().to(session::sign_out))
                    .default_service(method_not_allowed(&["POST", "GET", "DELETE"])),
            )
            .service(
                web::resource("/session/password")
                    .route(web::put().to(session::change_password))
                    .default_service(method_not_allowed(&["PUT"])),
            )
            .service(
                web::resource("/operators")
                    .route(web::get().to(operators::list))
                    .route(web::post().to(operators::create))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/cameras")
                    .route(web::get().to(cameras::list))
                    .route(web::post().to(cameras::create))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/cameras/test")
                    .route(web::post().to(cameras::test_source))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/cameras/{camera_id}")
                    .route(web::get().to(cameras::get))
                    .route(web::patch().to(cameras::update))
                    .route(web::delete().to(cameras::remove))
                    .default_service(method_not_allowed(&["GET", "PATCH", "DELETE"])),
            )
            .service(
                web::resource("/cameras/{camera_id}/test")
                    .route(web::post().to(cameras::test_camera))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/cameras/{camera_id}/thumbnail")
                    .route(web::get().to(cameras::thumbnail))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/kiosks")
                    .route(web::get().to(kiosks::list))
                    .route(web::post().to(kiosks::create))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/kiosks/{kiosk_id}")
                    .route(web::get().to(kiosks::get))
                    .route(web::patch().to(kiosks::update))
                    .route(web::delete().to(kiosks::remove))
                    .default_service(method_not_allowed(&["GET", "PATCH", "DELETE"])),
            )
            .service(
                web::resource("/kiosks/{kiosk_id}/pairing")
                    .route(web::post().to(kiosks::create_pairing))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/kiosks/{kiosk_id}/revoke")
                    .route(web::post().to(kiosks::revoke))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/operator-names")
                    .route(web::get().to(operators::names))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/operators/{operator_id}")
                    .route(web::get().to(operators::get))
                    .route(web::patch().to(operators::update))
                    .default_service(method_not_allowed(&["GET", "PATCH"])),
            )
            .service(
                web::resource("/operators/{operator_id}/password")
                    .route(web::put().to(operators::reset_password))
                    .default_service(method_not_allowed(&["PUT"])),
            )
            .service(
                web::resource("/operators/{operator_id}/sessions")
                    .route(web::delete().to(operators::revoke_sessions))
                    .default_service(method_not_allowed(&["DELETE"])),
            )
            .service(
                web::resource("/audit")
                    .route(web::get().to(operators::audit_log))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/system")
                    .route(web::get().to(system::report))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/system/status")
                    .route(web::get().to(system::status))
                    .default_service(method_not_allowed(&["GET"])),
            ),
    );
    cfg.service(
        web::scope("/kiosk/api/v1")
            .service(
                web::resource("/pairing")
                    .route(web::post().to(kiosk_device::pair))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/device")
                    .route(web::get().to(kiosk_device::device))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/frames")
                    .route(web::post().to(kiosk_device::submit_frame))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .default_service(web::to(faceattend_service::json::route_not_found)),
    );
}

// Envelope shapes, for the OpenAPI document only.

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CreatedMeta {
    /// Always true.
    created: bool,
}

/// A JSON body, read once the handler's checks have passed: an operator without the right
/// to a route gets 403 whatever they sent, and a request from another site gets 403 before
/// its body is even read. Refusals as [`JsonBody`](faceattend_service::json::JsonBody)'s.
pub async fn json_body<T: serde::de::DeserializeOwned + 'static>(
    request: &actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<T, crate::error::ConsoleError> {
    use actix_web::FromRequest;
    let mut payload = payload.into_inner();
    let faceattend_service::json::JsonBody(body) =
        faceattend_service::json::JsonBody::<T>::from_request(request, &mut payload).await?;
    Ok(body)
}

pub use faceattend_service::error::schema::ErrorEnvelope;
