//! The spec's success envelope: `{"success": true, "data": ..., "meta": {...}}`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Envelope<T, M = serde_json::Value> {
    pub success: bool,
    pub data: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<M>,
}

/// 200 with `data`.
pub fn ok<T: Serialize>(data: T) -> HttpResponse {
    respond::<T, serde_json::Value>(StatusCode::OK, data, None)
}

/// 200 with `data` and `meta` (pagination, timestamps).
pub fn ok_with_meta<T: Serialize, M: Serialize>(data: T, meta: M) -> HttpResponse {
    respond(StatusCode::OK, data, Some(meta))
}

/// 201 with `data` and the spec's `{"created": true}` meta.
pub fn created<T: Serialize>(data: T) -> HttpResponse {
    respond(
        StatusCode::CREATED,
        data,
        Some(serde_json::json!({ "created": true })),
    )
}

pub fn respond<T: Serialize, M: Serialize>(
    status: StatusCode,
    data: T,
    meta: Option<M>,
) -> HttpResponse {
    HttpResponse::build(status).json(Envelope {
        success: true,
        data,
        meta,
    })
}
