//! The person routes of the spec (except enrolment and search by face, which come with the
//! face pipeline).

use actix_web::{HttpResponse, web};
use faceattend_domain::person::{PersonStatus, PersonType, Text, limits};
use faceattend_domain::{PageRequest, ValidationErrors};
use faceattend_service::auth::{PersonsRead, PersonsWrite, Require};
use faceattend_service::envelope;
use faceattend_service::json::JsonBody;
use uuid::Uuid;

use crate::dto::{
    CreatePersonRequest, ListPersonsQuery, PersonResponse, PersonSummary, SearchPersonsQuery,
    UpdatePersonRequest,
};
use crate::error::PersonApiError;
use crate::store::{PersonFilter, PersonStore};

type Result<T> = std::result::Result<T, PersonApiError>;

/// Create a person.
#[utoipa::path(
    post, path = "/api/v1/persons", tag = "persons",
    request_body = CreatePersonRequest,
    responses(
        (status = 201, description = "Created; `meta` is `{\"created\": true}`", body = PersonCreatedEnvelope),
        (status = 400, description = "Malformed JSON (`malformed_json`) or an unreadable body", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:write", body = ErrorEnvelope),
        (status = 409, description = "Email or id number already used (`email_taken`, `id_number_taken`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (`validation_failed`), listed in `details`", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`); retry later", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    _auth: Require<PersonsWrite>,
    store: web::Data<PersonStore>,
    JsonBody(body): JsonBody<CreatePersonRequest>,
) -> Result<HttpResponse> {
    let new = body.validate()?;
    let person = store.create(new).await?;
    Ok(envelope::created(PersonResponse::from(person)))
}

/// List persons, filtered and paginated, in creation order.
#[utoipa::path(
    get, path = "/api/v1/persons", tag = "persons",
    params(ListPersonsQuery),
    responses(
        (status = 200, description = "A page of persons with `meta.page`, `pageSize`, `total`, `totalPages`", body = PersonListEnvelope),
        (status = 400, description = "Invalid parameters (`invalid_parameters`, listed in `details`; `invalid_query_parameter` when one is not of its type)", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:read", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`); retry later", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    _auth: Require<PersonsRead>,
    store: web::Data<PersonStore>,
    query: web::Query<ListPersonsQuery>,
) -> Result<HttpResponse> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::default();
    let page = errors.check("page", PageRequest::parse_page(query.page));
    let page_size = errors.check("page_size", PageRequest::parse_page_size(query.page_size));
    let status = errors.check(
        "status",
        query.status.as_deref().map(PersonStatus::parse).transpose(),
    );
    let person_type = errors.check(
        "person_type",
        query
            .person_type
            .as_deref()
            .map(PersonType::parse)
            .transpose(),
    );
    let department = errors.check(
        "department",
        query
            .department
            .as_deref()
            .map(|d| Text::parse(d, limits::DEPARTMENT))
            .transpose(),
    );
    let organization = errors.check(
        "organization",
        query
            .organization
            .as_deref()
            .map(|o| Text::parse(o, limits::ORGANIZATION))
            .transpose(),
    );
    if !errors.is_empty() {
        return Err(PersonApiError::InvalidParameters(errors));
    }
    let filter = PersonFilter {
        status: status.flatten(),
        person_type: person_type.flatten(),
        department: department.flatten().map(|t| t.as_str().to_owned()),
        organization: organization.flatten().map(|t| t.as_str().to_owned()),
        has_faces: query.has_faces,
    };
    let page = PageRequest::new(page.expect("checked"), page_size.expect("checked"));
    let (persons, meta) = store.list(&filter, page).await?;
    Ok(envelope::ok_with_meta(
        persons
            .into_iter()
            .map(PersonResponse::from)
            .collect::<Vec<_>>(),
        meta,
    ))
}

/// Search persons by a case-insensitive part of their name, email or id number.
#[utoipa::path(
    get, path = "/api/v1/persons/search", tag = "persons",
    params(SearchPersonsQuery),
    responses(
        (status = 200, description = "Matching persons, paginated", body = PersonListEnvelope),
        (status = 400, description = "Missing or invalid `q`, invalid page (`invalid_parameters`, `invalid_query_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:read", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`); retry later", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn search(
    _auth: Require<PersonsRead>,
    store: web::Data<PersonStore>,
    query: web::Query<SearchPersonsQuery>,
) -> Result<HttpResponse> {
    let query = query.into_inner();
    let mut errors = ValidationErrors::default();
    let term = errors.check(
        "q",
        Text::parse(query.q.as_deref().unwrap_or(""), limits::SEARCH_QUERY),
    );
    let page = errors.check("page", PageRequest::parse_page(query.page));
    let page_size = errors.check("page_size", PageRequest::parse_page_size(query.page_size));
    if !errors.is_empty() {
        return Err(PersonApiError::InvalidParameters(errors));
    }
    let page = PageRequest::new(page.expect("checked"), page_size.expect("checked"));
    let (persons, meta) = store.search(term.expect("checked").as_str(), page).await?;
    Ok(envelope::ok_with_meta(
        persons
            .into_iter()
            .map(PersonResponse::from)
            .collect::<Vec<_>>(),
        meta,
    ))
}

/// Counts of persons: total, active, with faces, by type and by status. Always current.
#[utoipa::path(
    get, path = "/api/v1/persons/summary", tag = "persons",
    responses(
        (status = 200, description = "The counts", body = SummaryEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:read", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`); retry later", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn summary(
    _auth: Require<PersonsRead>,
    store: web::Data<PersonStore>,
) -> Result<HttpResponse> {
    let summary: PersonSummary = store.summary().await?;
    Ok(envelope::ok(summary))
}

/// Get one person.
#[utoipa::path(
    get, path = "/api/v1/persons/{person_id}", tag = "persons",
    params(("person_id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 200, description = "The person", body = PersonEnvelope),
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
) -> Result<HttpResponse> {
    let person = store.get(id.into_inner()).await?;
    Ok(envelope::ok(PersonResponse::from(person)))
}

/// Update a person: only the fields present change; `null` clears an optional field.
#[utoipa::path(
    put, path = "/api/v1/persons/{person_id}", tag = "persons",
    params(("person_id" = Uuid, Path, description = "The person's id")),
    request_body = UpdatePersonRequest,
    responses(
        (status = 200, description = "The person as changed", body = PersonEnvelope),
        (status = 400, description = "Malformed JSON (`malformed_json`) or an unreadable body; a path parameter that is not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:write", body = ErrorEnvelope),
        (status = 404, description = "`person_not_found`", body = ErrorEnvelope),
        (status = 409, description = "Email or id number already used (`email_taken`, `id_number_taken`)", body = ErrorEnvelope),
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
    JsonBody(body): JsonBody<UpdatePersonRequest>,
) -> Result<HttpResponse> {
    let changes = body.validate()?;
    let person = store.update(id.into_inner(), changes).await?;
    Ok(envelope::ok(PersonResponse::from(person)))
}

/// Delete a person and erase everything held about them.
#[utoipa::path(
    delete, path = "/api/v1/persons/{person_id}", tag = "persons",
    params(("person_id" = Uuid, Path, description = "The person's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
        (status = 403, description = "Token lacks persons:write", body = ErrorEnvelope),
        (status = 404, description = "`person_not_found`", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`); retry later", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    _auth: Require<PersonsWrite>,
    store: web::Data<PersonStore>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    store.delete(id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

// Envelope shapes, for the OpenAPI document only.

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PersonEnvelope {
    success: bool,
    data: PersonResponse,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PersonCreatedEnvelope {
    success: bool,
    data: PersonResponse,
    meta: CreatedMeta,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CreatedMeta {
    /// Always true.
    created: bool,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PersonListEnvelope {
    success: bool,
    data: Vec<PersonResponse>,
    meta: PageMetaSchema,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SummaryEnvelope {
    success: bool,
    data: PersonSummary,
}

#[derive(utoipa::ToSchema)]
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

pub use faceattend_service::error::schema::ErrorEnvelope;
