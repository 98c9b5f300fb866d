//! The OpenAPI 3 document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`, with Swagger UI at `/docs/`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::dto::{
    AttemptResponse, CreateDestinationRequest, CreatedDestinationResponse, DeliveryDetailResponse,
    DeliveryResponse, DestinationResponse, DisableRequest, RotatedSecretResponse,
    TestDeliveryResponse, UnmappedPersonResponse, UpdateDestinationRequest,
};
use crate::routes;
pub use faceattend_service::error::schema::ErrorEnvelope;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "faceattend integrations",
        description = "Where attendance is delivered (destinations) and what became of each \
                       delivery. Every route needs a bearer token: reads `attendance:read`, \
                       changes `attendance:write`. Errors use one envelope: \
                       `{\"success\": false, \"error\": {\"code\", \"message\", \"details\"}}`. \
                       Webhooks are signed per Standard Webhooks (`webhook-id`, \
                       `webhook-timestamp`, `webhook-signature`).",
    ),
    paths(
        routes::list_destinations, routes::create_destination, routes::get_destination,
        routes::update_destination, routes::delete_destination, routes::enable_destination,
        routes::disable_destination, routes::rotate_secret, routes::test_destination,
        routes::unmapped_persons,
        routes::list_deliveries, routes::get_delivery, routes::redeliver,
    ),
    components(schemas(
        CreateDestinationRequest, UpdateDestinationRequest, DisableRequest,
        DestinationResponse, CreatedDestinationResponse, RotatedSecretResponse,
        TestDeliveryResponse, UnmappedPersonResponse, DeliveryResponse, DeliveryDetailResponse,
        AttemptResponse, ErrorEnvelope, PageMetaSchema,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "destinations", description = "Webhooks (and later Odoo, Frappe, doors) attendance is delivered to"),
        (name = "deliveries", description = "The delivery log: every event × destination, its attempts, redelivery"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// `{"success": true, "data": …}` around one value.
macro_rules! envelopes {
    ($($name:ident => $data:ty),+ $(,)?) => {$(
        #[derive(ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            success: bool,
            data: $data,
        }
    )+};
}

envelopes!(
    DestinationEnvelope => DestinationResponse,
    DestinationListEnvelope => Vec<DestinationResponse>,
    CreatedDestinationEnvelope => CreatedDestinationResponse,
    RotatedSecretEnvelope => RotatedSecretResponse,
    TestDeliveryEnvelope => TestDeliveryResponse,
    UnmappedListEnvelope => Vec<UnmappedPersonResponse>,
    DeliveryEnvelope => DeliveryResponse,
    DeliveryDetailEnvelope => DeliveryDetailResponse,
);

/// `{"success": true, "data": [...], "meta": {page, pageSize, total, totalPages}}`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DeliveryListEnvelope {
    success: bool,
    data: Vec<DeliveryResponse>,
    meta: PageMetaSchema,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(as = PageMeta)]
pub struct PageMetaSchema {
    page: u64,
    #[schema(rename = "pageSize")]
    page_size: u64,
    total: u64,
    #[schema(rename = "totalPages")]
    total_pages: u64,
}
