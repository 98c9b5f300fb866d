//! HTTP routes of attendance-api, mounted under `/api/v1/attendance`.

pub mod attendance;
pub mod manual;
pub mod reports;

use actix_web::web;
use faceattend_service::json::method_not_allowed;

/// Every attendance route. Static paths (`/check-in`, `/check-out`, `/status/…`,
/// `/reports/daily`) are registered before `/{person_id}` so they are never taken for an id.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/attendance")
            .service(
                web::resource("")
                    .route(web::get().to(attendance::list))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/check-in")
                    .route(web::post().to(manual::check_in))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/check-out")
                    .route(web::post().to(manual::check_out))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/reports/daily")
                    .route(web::get().to(reports::daily))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/status/{person_id}")
                    .route(web::get().to(attendance::status))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/{person_id}/statistics")
                    .route(web::get().to(reports::statistics))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/{person_id}")
                    .route(web::get().to(attendance::person_list))
                    .default_service(web::to(method_not_allowed)),
            ),
    );
}
