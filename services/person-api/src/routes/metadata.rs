//! PersonMetadata: address, emergency contact, preferences and custom fields.

use actix_web::{HttpResponse, web};
use faceattend_service::auth::{PersonsRead, PersonsWrite, Require};
use faceattend_service::envelope;
use faceattend_service::json::JsonBody;
use uuid::Uuid;

use crate::dto::{MetadataResponse, UpdateMetadataRequest};
use crate::error::PersonApiError;
use crate::routes::persons::ErrorEnvelope;
use crate::store::PersonStore;

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MetadataEnvelope {
    success: bool,
    data: MetadataResponse,
}

/// A person's metadata; empty (null timestamps) until first saved.
#[utoipa::path(
    get, path = "/api/v1/persons/{person_id}/metadata", tag = "persons",
    operation_id = "get_metadata",
    params(("person_id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 200, description = "The metadata", body = MetadataEnvelope),
        (status = 400, description = "Not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:read", body = ErrorEnvelope),
        (status = 404, description = "`person_not_found`", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`); retry later", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    _auth: Require<PersonsRead>,
    store: web::Data<PersonStore>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PersonApiError> {
    Ok(envelope::ok(store.metadata(id.into_inner()).await?))
}

/// Create or change a person's metadata.
#[utoipa::path(
    put, path = "/api/v1/persons/{person_id}/metadata", tag = "persons",
    operation_id = "update_metadata",
    params(("person_id" = Uuid, Path, description = "The person's id")),
    request_body = UpdateMetadataRequest,
    responses(
        (status = 200, description = "The metadata as saved", body = MetadataEnvelope),
        (status = 400, description = "Malformed JSON (`malformed_json`) or an unreadable body; a path parameter that is not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:write", body = ErrorEnvelope),
        (status = 404, description = "`person_not_found`", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (`validation_failed`), listed in `details`", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`); retry later", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    _auth: Require<PersonsWrite>,
    store: web::Data<PersonStore>,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<UpdateMetadataRequest>,
) -> Result<HttpResponse, PersonApiError> {
    let changes = body.validate()?;
    Ok(envelope::ok(
        store.update_metadata(id.into_inner(), changes).await?,
    ))
}
