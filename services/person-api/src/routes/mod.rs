//! HTTP routes of person-api, mounted under `/api/v1/persons`.

pub mod metadata;
pub mod persons;

use actix_web::web;
use faceattend_service::json::method_not_allowed;

/// Every person route. Static paths (`/search`, `/summary`) are registered before
/// `/{person_id}` so they are not taken for an id.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/persons")
            .service(
                web::resource("")
                    .route(web::post().to(persons::create))
                    .route(web::get().to(persons::list))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/search")
                    .route(web::get().to(persons::search))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/summary")
                    .route(web::get().to(persons::summary))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/{person_id}")
                    .route(web::get().to(persons::get))
                    .route(web::put().to(persons::update))
                    .route(web::delete().to(persons::delete))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/{person_id}/metadata")
                    .route(web::get().to(metadata::get))
                    .route(web::put().to(metadata::update))
                    .default_service(web::to(method_not_allowed)),
            ),
    );
}
