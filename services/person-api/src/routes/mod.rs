//! HTTP routes of person-api, mounted under `/api/v1/persons`.

pub mod faces;
pub mod metadata;
pub mod persons;

use actix_web::web;
use faceattend_service::json::method_not_allowed;

/// Every person route. Static paths (`/search`, `/summary`) are registered before
/// `/{person_id}` so they are not taken for an id. Routes that carry a photo accept bodies up
/// to `max_image_body_bytes`; the others keep the app-wide limit.
pub fn configure(cfg: &mut web::ServiceConfig, max_image_body_bytes: usize) {
    let photo_limit = || web::PayloadConfig::new(max_image_body_bytes);
    cfg.service(
        web::scope("/api/v1/persons")
            .service(
                web::resource("")
                    .route(web::post().to(persons::create))
                    .route(web::get().to(persons::list))
                    .default_service(method_not_allowed(&["POST", "GET"])),
            )
            .service(
                web::resource("/search")
                    .route(web::get().to(persons::search))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/search/by-face")
                    .app_data(photo_limit())
                    .route(web::post().to(faces::search_by_face))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/summary")
                    .route(web::get().to(persons::summary))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/{person_id}")
                    .route(web::get().to(persons::get))
                    .route(web::put().to(persons::update))
                    .route(web::delete().to(persons::delete))
                    .default_service(method_not_allowed(&["GET", "PUT", "DELETE"])),
            )
            .service(
                web::resource("/{person_id}/enroll")
                    .app_data(photo_limit())
                    .route(web::post().to(faces::enroll))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/{person_id}/faces")
                    .route(web::get().to(faces::list_faces))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/{person_id}/faces/{encoding_id}")
                    .route(web::delete().to(faces::delete_face))
                    .default_service(method_not_allowed(&["DELETE"])),
            )
            .service(
                web::resource("/{person_id}/faces/{encoding_id}/image")
                    .route(web::get().to(faces::face_image))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/{person_id}/metadata")
                    .route(web::get().to(metadata::get))
                    .route(web::put().to(metadata::update))
                    .default_service(method_not_allowed(&["GET", "PUT"])),
            ),
    );
}
