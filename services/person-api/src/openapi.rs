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
        faces::face_image,
    ),
    components(schemas(
        dto::CreatePersonRequest, dto::UpdatePersonRequest, dto::PersonResponse, dto::PersonSummary,
        dto::MetadataResponse, dto::UpdateMetadataRequest, dto::PersonTypeName, dto::PersonStatusName,
        persons::PersonEnvelope, persons::PersonCreatedEnvelope, persons::CreatedMeta,
        persons::PersonListEnvelope, persons::SummaryEnvelope,
        persons::ErrorEnvelope, metadata::MetadataEnvelope,
        faces::EnrollRequest, faces::EnrollResponse, faces::SearchByFaceRequest,
        faces::SearchByFaceResponse, faces::FaceMatch, faces::FaceResponse, faces::FaceBox,
        faces::Decision, faces::EnrollEnvelope, faces::SearchByFaceEnvelope, faces::FaceListEnvelope,
    )),
    modifiers(&BearerAuth, &JsonValueComponent),
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

/// Adds the recursive schema of the metadata objects' values, which no Rust type derives.
struct JsonValueComponent;

impl Modify for JsonValueComponent {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert(dto::JSON_VALUE_SCHEMA.to_owned(), dto::json_value_schema());
    }
}

#[cfg(test)]
mod tests {
    use faceattend_domain::person::{PersonStatus, PersonType};
    use serde_json::Value;
    use utoipa::OpenApi;

    use super::ApiDoc;
    use crate::dto::{
        JSON_VALUE_SCHEMA, NO_NUL_PATTERN, PHONE_PATTERN, TEXT_PATTERN, json_value_schema_json,
        metadata_object_json,
    };

    fn document() -> Value {
        serde_json::to_value(ApiDoc::openapi()).expect("the document serialises")
    }

    fn walk<'a>(value: &'a Value, found: &mut Vec<&'a Value>, key: &str) {
        match value {
            Value::Object(map) => {
                if let Some(v) = map.get(key) {
                    found.push(v);
                }
                map.values().for_each(|v| walk(v, found, key));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, found, key)),
            _ => {}
        }
    }

    /// utoipa takes only literal patterns: each literal must be one of the validation's.
    #[test]
    fn every_pattern_is_one_the_validation_enforces() {
        let doc = document();
        let mut patterns = Vec::new();
        walk(&doc, &mut patterns, "pattern");
        assert!(patterns.len() > 10, "{patterns:?}");
        for pattern in patterns {
            let pattern = pattern.as_str().expect("a string");
            assert!(
                pattern == TEXT_PATTERN
                    || pattern == PHONE_PATTERN
                    || pattern == NO_NUL_PATTERN
                    || pattern.contains("base64"),
                "unknown pattern {pattern}"
            );
        }
    }

    #[test]
    fn the_enums_are_the_domains() {
        let doc = document();
        let values = |name: &str| -> Vec<String> {
            doc["components"]["schemas"][name]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("{name} has an enum"))
                .iter()
                .map(|v| v.as_str().expect("string").to_owned())
                .collect()
        };
        let types: Vec<String> = PersonType::ALL
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect();
        assert_eq!(values("PersonType"), types);
        let statuses: Vec<String> = PersonStatus::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        assert_eq!(values("PersonStatus"), statuses);
    }

    /// The photo route answers bytes in the photo's own format: the document must say so
    /// (no JSON schema on the 200), list every status the handler and the extractors produce,
    /// and state the cache lifetime the handler sends.
    #[test]
    fn the_face_image_route_is_documented_as_binary() {
        let doc = document();
        let operation =
            &doc["paths"]["/api/v1/persons/{person_id}/faces/{encoding_id}/image"]["get"];
        let responses = operation["responses"].as_object().expect("responses");
        let statuses: Vec<&str> = responses.keys().map(String::as_str).collect();
        assert_eq!(
            statuses,
            ["200", "304", "400", "401", "403", "404", "503"],
            "{operation}"
        );
        let ok = &responses["200"];
        let types: Vec<&str> = ok["content"]
            .as_object()
            .expect("200 content")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(types, ["image/jpeg", "image/png", "image/webp"]);
        for media in ok["content"].as_object().expect("content").values() {
            assert!(media.get("schema").is_none(), "raw bytes: {media}");
        }
        for header in ["ETag", "Cache-Control", "X-Content-Type-Options"] {
            assert!(ok["headers"][header].is_object(), "200 documents {header}");
        }
        let cache = ok["headers"]["Cache-Control"]["description"]
            .as_str()
            .expect("described");
        assert!(
            cache.contains(&format!(
                "max-age={}",
                crate::routes::faces::FACE_IMAGE_MAX_AGE_SECS
            )),
            "{cache}"
        );
        assert!(responses["304"].get("content").is_none());
        for status in ["400", "401", "403", "404", "503"] {
            assert_eq!(
                responses[status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorEnvelope",
                "{status}"
            );
        }
        let params: Vec<(&str, &str, &str)> = operation["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or(""),
                    p["in"].as_str().unwrap_or(""),
                    p["schema"]["format"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            params,
            [
                ("person_id", "path", "uuid"),
                ("encoding_id", "path", "uuid"),
                ("If-None-Match", "header", "")
            ]
        );
    }

    /// The metadata objects' schemas are built as JSON and go through utoipa's types, which
    /// drop what they do not model: the document must hold them as written, and optional.
    #[test]
    fn the_metadata_objects_say_no_nul_at_any_depth() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas[JSON_VALUE_SCHEMA], json_value_schema_json());
        let request = &schemas["UpdateMetadataRequest"];
        for field in ["preferences", "custom_fields"] {
            assert_eq!(
                request["properties"][field],
                metadata_object_json(),
                "{field}"
            );
        }
        assert!(
            request.get("required").is_none(),
            "every field is optional: {request}"
        );
    }
}
