//! HTTP routes of attendance-api, mounted under `/api/v1/attendance`.

pub mod attendance;
pub mod decisions;
pub mod evidence;
pub mod exceptions;
pub mod jobs;
pub mod manual;
pub mod reports;
pub mod rules;
pub mod sessions;

use actix_web::web;
use faceattend_service::json::method_not_allowed;

/// Every attendance route. Static paths (`/check-in`, `/check-out`, `/status/…`,
/// `/reports/…`, `/sessions…`, `/rules…`, `/exceptions…`, `/jobs/…`) are registered before
/// `/{person_id}` so they are never taken for an id.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/attendance")
            .service(
                web::resource("")
                    .route(web::get().to(attendance::list))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/check-in")
                    .route(web::post().to(manual::check_in))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/check-out")
                    .route(web::post().to(manual::check_out))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/review")
                    .route(web::get().to(decisions::review_queue))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/review/{item_id}/approve")
                    .route(web::post().to(decisions::approve_review))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/review/{item_id}/reject")
                    .route(web::post().to(decisions::reject_review))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/review/{item_id}/assign")
                    .route(web::post().to(decisions::assign_review))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/unknown-faces")
                    .route(web::get().to(evidence::unknown_faces))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/detections/{detection_id}")
                    .route(web::get().to(evidence::detection))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/detections/{detection_id}/snapshot")
                    .route(web::get().to(evidence::snapshot))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/detections/{detection_id}/crop")
                    .route(web::get().to(evidence::crop))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/records/{attendance_id}")
                    .route(web::get().to(evidence::record))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/corrections")
                    .route(web::post().to(decisions::correct))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/manual/{attendance_id}/approve")
                    .route(web::post().to(decisions::approve_manual))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/manual/{attendance_id}/reject")
                    .route(web::post().to(decisions::reject_manual))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/reports/daily")
                    .route(web::get().to(reports::daily))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/reports/trends")
                    .route(web::get().to(reports::trends))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/reports/monthly-sheet")
                    .route(web::get().to(reports::monthly_sheet))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/reports/monthly")
                    .route(web::get().to(reports::monthly))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/sessions")
                    .route(web::post().to(sessions::create))
                    .route(web::get().to(sessions::list))
                    .default_service(method_not_allowed(&["POST", "GET"])),
            )
            .service(
                web::resource("/sessions/{id}")
                    .route(web::get().to(sessions::get))
                    .route(web::patch().to(sessions::update))
                    .route(web::delete().to(sessions::delete))
                    .default_service(method_not_allowed(&["GET", "PATCH", "DELETE"])),
            )
            .service(
                web::resource("/rules")
                    .route(web::post().to(rules::create))
                    .route(web::get().to(rules::list))
                    .default_service(method_not_allowed(&["POST", "GET"])),
            )
            .service(
                web::resource("/rules/{id}")
                    .route(web::get().to(rules::get))
                    .route(web::patch().to(rules::update))
                    .route(web::delete().to(rules::delete))
                    .default_service(method_not_allowed(&["GET", "PATCH", "DELETE"])),
            )
            .service(
                web::resource("/exceptions")
                    .route(web::post().to(exceptions::create))
                    .route(web::get().to(exceptions::list))
                    .default_service(method_not_allowed(&["POST", "GET"])),
            )
            .service(
                web::resource("/exceptions/{id}")
                    .route(web::get().to(exceptions::get))
                    .route(web::patch().to(exceptions::update))
                    .route(web::delete().to(exceptions::delete))
                    .default_service(method_not_allowed(&["GET", "PATCH", "DELETE"])),
            )
            .service(
                web::resource("/exceptions/{id}/approve")
                    .route(web::post().to(exceptions::approve))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/exceptions/{id}/reject")
                    .route(web::post().to(exceptions::reject))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/jobs/runs")
                    .route(web::get().to(jobs::list_runs))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/jobs/runs/{id}")
                    .route(web::get().to(jobs::get_run))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/jobs/{job}/runs")
                    .route(web::post().to(jobs::request_run))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/status/{person_id}")
                    .route(web::get().to(attendance::status))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/{person_id}/statistics")
                    .route(web::get().to(reports::statistics))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/{person_id}")
                    .route(web::get().to(attendance::person_list))
                    .default_service(method_not_allowed(&["GET"])),
            ),
    );
}
