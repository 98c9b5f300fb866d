//! The REST API under `/api/v1`: destinations (create, list, get, update, delete, enable,
//! disable, rotate the secret, send a test event, the persons without a key there) and the
//! delivery log (list with filters, one with its attempts, redeliver). Reads need
//! `attendance:read` (HR), changes `attendance:write` (admins), as in attendance-api.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use chrono::Utc;
use faceattend_connectors::DeliveryOutcome;
use faceattend_service::auth::{AttendanceRead, AttendanceWrite, Require};
use faceattend_service::envelope;
use faceattend_service::json::{JsonBody, OptionalJsonBody, method_not_allowed};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::config::DispatcherSettings;
use crate::delivery::Sender;
use crate::dto::{
    AttemptResponse, CreateDestinationRequest, CreatedDestinationResponse, DeliveryDetailResponse,
    DeliveryResponse, DestinationResponse, DisableRequest, ListDeliveriesQuery,
    RotatedSecretResponse, TestDeliveryResponse, UnmappedPersonResponse, UpdateDestinationRequest,
};
use crate::error::IntegrationsError;
use crate::events::{rfc3339, with_employee_key};
use crate::model::{DestinationKind, Secrets, new_webhook_secret};
use crate::openapi::{
    CreatedDestinationEnvelope, DeliveryDetailEnvelope, DeliveryEnvelope, DeliveryListEnvelope,
    DestinationEnvelope, DestinationListEnvelope, ErrorEnvelope, RotatedSecretEnvelope,
    TestDeliveryEnvelope, UnmappedListEnvelope,
};
use crate::store::{DestinationSpec, Store};
use faceattend_domain::{FieldIssue, ValidationErrors};

type Result<T> = std::result::Result<T, IntegrationsError>;

/// What the handlers share.
pub struct ApiState {
    pub store: Store,
    pub sender: Sender,
    pub settings: DispatcherSettings,
    pub wake: Arc<Notify>,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .service(
                web::resource("/destinations")
                    .route(web::get().to(list_destinations))
                    .route(web::post().to(create_destination))
                    .default_service(method_not_allowed(&["GET", "POST"])),
            )
            .service(
                web::resource("/destinations/{id}")
                    .route(web::get().to(get_destination))
                    .route(web::patch().to(update_destination))
                    .route(web::delete().to(delete_destination))
                    .default_service(method_not_allowed(&["GET", "PATCH", "DELETE"])),
            )
            .service(
                web::resource("/destinations/{id}/enable")
                    .route(web::post().to(enable_destination))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/destinations/{id}/disable")
                    .route(web::post().to(disable_destination))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/destinations/{id}/rotate-secret")
                    .route(web::post().to(rotate_secret))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/destinations/{id}/test")
                    .route(web::post().to(test_destination))
                    .default_service(method_not_allowed(&["POST"])),
            )
            .service(
                web::resource("/destinations/{id}/unmapped")
                    .route(web::get().to(unmapped_persons))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/deliveries")
                    .route(web::get().to(list_deliveries))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/deliveries/{id}")
                    .route(web::get().to(get_delivery))
                    .default_service(method_not_allowed(&["GET"])),
            )
            .service(
                web::resource("/deliveries/{id}/redeliver")
                    .route(web::post().to(redeliver))
                    .default_service(method_not_allowed(&["POST"])),
            ),
    );
}

async fn found(state: &ApiState, id: Uuid) -> Result<crate::store::Destination> {
    state
        .store
        .destination(id)
        .await?
        .ok_or(IntegrationsError::DestinationNotFound(id))
}

/// A webhook URL the guard refuses under the destination's policy is a 422 on
/// `config.url` with the guard's code (`blocked_address`).
fn check_reachable(state: &ApiState, spec: &DestinationSpec) -> Result<()> {
    let Some(url) = spec.config.get("url").and_then(|u| u.as_str()) else {
        return Ok(());
    };
    state
        .sender
        .check_url(url, spec.allow_private)
        .map_err(|error| {
            IntegrationsError::InvalidBody(ValidationErrors::single(
                FieldIssue::new(error.code(), error.to_string()).at("config.url"),
            ))
        })
}

/// Every destination, by name.
#[utoipa::path(
    get, path = "/api/v1/destinations", tag = "destinations",
    responses(
        (status = 200, body = DestinationListEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list_destinations(
    _auth: Require<AttendanceRead>,
    state: web::Data<ApiState>,
) -> Result<HttpResponse> {
    let destinations = state.store.destinations().await?;
    Ok(envelope::ok(
        destinations
            .iter()
            .map(DestinationResponse::from)
            .collect::<Vec<_>>(),
    ))
}

/// Create a destination. A webhook's signing secret is in the answer, and only there.
#[utoipa::path(
    post, path = "/api/v1/destinations", tag = "destinations",
    request_body = CreateDestinationRequest,
    responses(
        (status = 201, body = CreatedDestinationEnvelope),
        (status = 400, description = "Malformed JSON", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, description = "`destination_name_taken`", body = ErrorEnvelope),
        (status = 415, body = ErrorEnvelope),
        (status = 422, description = "Invalid fields in `details`; `kind_not_supported`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn create_destination(
    _auth: Require<AttendanceWrite>,
    state: web::Data<ApiState>,
    JsonBody(body): JsonBody<CreateDestinationRequest>,
) -> Result<HttpResponse> {
    let spec = body.validate().map_err(IntegrationsError::InvalidBody)?;
    check_reachable(&state, &spec)?;
    let (secrets, secret) = match spec.kind {
        DestinationKind::Webhook => {
            let secret = new_webhook_secret().map_err(IntegrationsError::Client)?;
            let secrets = Secrets {
                current: Some(secret.clone()),
                ..Secrets::default()
            };
            (secrets, Some(secret))
        }
        DestinationKind::Odoo | DestinationKind::Frappe => {
            let credentials = spec.credentials.clone();
            let secrets = Secrets {
                api_key: credentials.as_ref().map(|c| c.api_key.clone()),
                api_secret: credentials.and_then(|c| c.api_secret),
                ..Secrets::default()
            };
            (secrets, None)
        }
        DestinationKind::Door => (Secrets::default(), None),
    };
    let destination = state.store.create_destination(&spec, &secrets).await?;
    tracing::info!(destination = %destination.id, name = %destination.name, "destination created");
    Ok(envelope::created(CreatedDestinationResponse {
        destination: DestinationResponse::from(&destination),
        secret,
    }))
}

/// One destination.
#[utoipa::path(
    get, path = "/api/v1/destinations/{id}", tag = "destinations",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = DestinationEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn get_destination(
    _auth: Require<AttendanceRead>,
    state: web::Data<ApiState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let destination = found(&state, id.into_inner()).await?;
    Ok(envelope::ok(DestinationResponse::from(&destination)))
}

/// Change a destination's settings; the fields given replace the stored ones.
#[utoipa::path(
    patch, path = "/api/v1/destinations/{id}", tag = "destinations",
    params(("id" = Uuid, Path)),
    request_body = UpdateDestinationRequest,
    responses(
        (status = 200, body = DestinationEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn update_destination(
    _auth: Require<AttendanceWrite>,
    state: web::Data<ApiState>,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<UpdateDestinationRequest>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let current = found(&state, id).await?;
    let spec = body
        .apply(&current)
        .map_err(IntegrationsError::InvalidBody)?;
    check_reachable(&state, &spec)?;
    let destination = state.store.update_destination(id, &spec).await?;
    if let Some(credentials) = &spec.credentials {
        let secrets = Secrets {
            api_key: Some(credentials.api_key.clone()),
            api_secret: credentials.api_secret.clone(),
            ..current.secrets.clone()
        };
        state.store.set_secrets(id, &secrets).await?;
    }
    Ok(envelope::ok(DestinationResponse::from(&destination)))
}

/// Delete a destination with its delivery log.
#[utoipa::path(
    delete, path = "/api/v1/destinations/{id}", tag = "destinations",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn delete_destination(
    _auth: Require<AttendanceWrite>,
    state: web::Data<ApiState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    state.store.delete_destination(id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Enable a destination: its waiting deliveries are due at once, in order.
#[utoipa::path(
    post, path = "/api/v1/destinations/{id}/enable", tag = "destinations",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = DestinationEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn enable_destination(
    _auth: Require<AttendanceWrite>,
    state: web::Data<ApiState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let destination = state.store.set_enabled(id.into_inner(), true, None).await?;
    state.wake.notify_waiters();
    Ok(envelope::ok(DestinationResponse::from(&destination)))
}

/// Disable a destination: its deliveries are still logged and wait for it.
#[utoipa::path(
    post, path = "/api/v1/destinations/{id}/disable", tag = "destinations",
    params(("id" = Uuid, Path)),
    request_body(content = Option<DisableRequest>, description = "Optional reason"),
    responses(
        (status = 200, body = DestinationEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn disable_destination(
    _auth: Require<AttendanceWrite>,
    state: web::Data<ApiState>,
    id: web::Path<Uuid>,
    OptionalJsonBody(body): OptionalJsonBody<DisableRequest>,
) -> Result<HttpResponse> {
    let reason = body
        .reason
        .map(|r| {
            r.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(500)
                .collect::<String>()
        })
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "disabled by an operator".to_owned());
    let destination = state
        .store
        .set_enabled(id.into_inner(), false, Some(&reason))
        .await?;
    Ok(envelope::ok(DestinationResponse::from(&destination)))
}

/// A new signing secret, shown once; the old one keeps signing too for the overlap (24 h),
/// so receivers can switch without missing a delivery.
#[utoipa::path(
    post, path = "/api/v1/destinations/{id}/rotate-secret", tag = "destinations",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = RotatedSecretEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, description = "`no_secret`: not a webhook", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn rotate_secret(
    _auth: Require<AttendanceWrite>,
    state: web::Data<ApiState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let destination = found(&state, id.into_inner()).await?;
    if destination.kind != DestinationKind::Webhook {
        return Err(IntegrationsError::NoSecret);
    }
    let secret = new_webhook_secret().map_err(IntegrationsError::Client)?;
    let until = Utc::now()
        + chrono::Duration::from_std(state.settings.secret_overlap)
            .unwrap_or(chrono::Duration::hours(24));
    let secrets = Secrets {
        current: Some(secret.clone()),
        previous: destination.secrets.current.clone(),
        previous_until: Some(until),
        ..Secrets::default()
    };
    state.store.set_secrets(destination.id, &secrets).await?;
    tracing::info!(destination = %destination.id, "webhook secret rotated");
    Ok(envelope::ok(RotatedSecretResponse {
        secret,
        previous_secret_until: until,
    }))
}

/// Send a sample event to the destination now and say what it answered. Nothing is
/// logged or changed: a test never disables a destination.
#[utoipa::path(
    post, path = "/api/v1/destinations/{id}/test", tag = "destinations",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = TestDeliveryEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn test_destination(
    _auth: Require<AttendanceWrite>,
    state: web::Data<ApiState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let destination = found(&state, id.into_inner()).await?;
    let now = Utc::now();
    let event_id = Uuid::now_v7();
    let event = with_employee_key(
        serde_json::json!({
            "type": "attendance.test",
            "id": event_id,
            "timestamp": rfc3339(now),
            "data": {
                "attendance_id": Uuid::nil(),
                "attendance_date": now.date_naive().to_string(),
                "person": {"id": Uuid::nil(), "name": "Test Person", "department": null},
                "kind": "check_in",
                "at": rfc3339(now),
                "camera_id": null,
                "confidence": null,
                "source": "manual",
                "status": "present",
            },
        }),
        "test",
    );
    let outcome = state
        .sender
        .send_event(&destination, event_id, &event, None, now)
        .await;
    let (label, status_code, reason, refusal, response) = match outcome {
        DeliveryOutcome::Delivered {
            status, response, ..
        } => ("delivered", status, None, None, response),
        DeliveryOutcome::Retry {
            status,
            reason,
            response,
            ..
        } => ("retry", status, Some(reason), None, response),
        DeliveryOutcome::Refused {
            status,
            refusal,
            reason,
            response,
        } => (
            "refused",
            status,
            Some(reason),
            Some(refusal.as_str().to_owned()),
            response,
        ),
        DeliveryOutcome::Disable {
            status,
            reason,
            response,
        } => ("disable", status, Some(reason), None, response),
    };
    Ok(envelope::ok(TestDeliveryResponse {
        outcome: label.to_owned(),
        status_code,
        reason,
        refusal,
        response,
        event,
    }))
}

/// Persons of the directory without a key at the destination (its mapping field is empty
/// for them): their deliveries wait as `unmapped`.
#[utoipa::path(
    get, path = "/api/v1/destinations/{id}/unmapped", tag = "destinations",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = UnmappedListEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn unmapped_persons(
    _auth: Require<AttendanceRead>,
    state: web::Data<ApiState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let destination = found(&state, id.into_inner()).await?;
    let persons = state.store.unmapped_persons(&destination).await?;
    Ok(envelope::ok(
        persons
            .into_iter()
            .map(UnmappedPersonResponse::from)
            .collect::<Vec<_>>(),
    ))
}

/// The delivery log, newest first, paginated.
#[utoipa::path(
    get, path = "/api/v1/deliveries", tag = "deliveries",
    params(ListDeliveriesQuery),
    responses(
        (status = 200, body = DeliveryListEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list_deliveries(
    _auth: Require<AttendanceRead>,
    state: web::Data<ApiState>,
    query: web::Query<ListDeliveriesQuery>,
) -> Result<HttpResponse> {
    let (filter, page) = query
        .into_inner()
        .validate()
        .map_err(IntegrationsError::InvalidParameters)?;
    let (rows, total) = state
        .store
        .deliveries(&filter, page.offset(), page.page_size())
        .await?;
    Ok(envelope::ok_with_meta(
        rows.iter().map(DeliveryResponse::from).collect::<Vec<_>>(),
        page.meta(total),
    ))
}

/// One delivery, with its payload and attempts.
#[utoipa::path(
    get, path = "/api/v1/deliveries/{id}", tag = "deliveries",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = DeliveryDetailEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn get_delivery(
    _auth: Require<AttendanceRead>,
    state: web::Data<ApiState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let row = state
        .store
        .delivery(id)
        .await?
        .ok_or(IntegrationsError::DeliveryNotFound(id))?;
    let attempts = state.store.attempts(id).await?;
    let payload = serde_json::from_str(&row.payload)
        .map_err(|e| IntegrationsError::Corrupt(format!("delivery payload: {e}")))?;
    Ok(envelope::ok(DeliveryDetailResponse {
        delivery: DeliveryResponse::from(&row),
        payload,
        attempt_log: attempts.into_iter().map(AttemptResponse::from).collect(),
    }))
}

/// Send a finished delivery (delivered, refused, failed, unmapped) again, with a fresh
/// retry schedule; the destination gets the same event id, its idempotency key.
#[utoipa::path(
    post, path = "/api/v1/deliveries/{id}/redeliver", tag = "deliveries",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = DeliveryEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, description = "`delivery_pending`: already on its way", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn redeliver(
    _auth: Require<AttendanceWrite>,
    state: web::Data<ApiState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let row = state.store.redeliver(id.into_inner()).await?;
    state.wake.notify_waiters();
    Ok(envelope::ok(DeliveryResponse::from(&row)))
}
