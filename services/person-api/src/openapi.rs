//! The OpenAPI 3 document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`, with Swagger UI at `/docs/`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::dto;
use crate::routes::{faces, metadata, persons};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "faceattend person-api",
        description = "The person directory of faceattend. Every route needs a bearer token \
                       (`faceattend token --perm persons:read,persons:write`). Errors use one \
                       envelope: `{\"success\": false, \"error\": {\"code\", \"message\", \"details\"}}`.",
    ),
    paths(
        persons::create, persons::list, persons::search, persons::summary,
        persons::get, persons::update, persons::delete,
        metadata::get, metadata::update,
        faces::enroll, faces::search_by_face, faces::list_faces, faces::delete_face,
    ),
    components(schemas(
        dto::CreatePersonRequest, dto::UpdatePersonRequest, dto::PersonResponse, dto::PersonSummary,
        dto::MetadataResponse, dto::UpdateMetadataRequest,
        persons::PersonEnvelope, persons::PersonListEnvelope, persons::SummaryEnvelope,
        persons::ErrorEnvelope, metadata::MetadataEnvelope,
        faces::EnrollRequest, faces::EnrollResponse, faces::SearchByFaceRequest,
        faces::SearchByFaceResponse, faces::FaceMatch, faces::FaceResponse, faces::FaceBox,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "persons", description = "Employees, visitors and contractors"),
        (name = "faces", description = "Face enrolment and search by face"),
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
