//! Request and response bodies of the person routes, exactly as the spec names their fields.
//!
//! Requests are deserialised strictly (unknown fields are errors) into raw shapes, then
//! `validate` turns them into domain types, collecting every invalid field.
//!
//! The OpenAPI document states what `validate` enforces, so a client (or schemathesis) can
//! tell a valid request from an invalid one without sending it: texts match [`TEXT_PATTERN`]
//! (something besides white space, no control characters) within their `limits`; phone
//! numbers match [`PHONE_PATTERN`] (E.164 with the separators people type); the enums list
//! their values. utoipa takes only literal patterns, so the literals below repeat these
//! constants; a test in `openapi.rs` checks that every field's pattern is one of them.

use chrono::{DateTime, Utc};
use faceattend_domain::person::{
    Email, NewPerson, Person, PersonChanges, PersonStatus, PersonType, PhoneNumber, Text, limits,
};
use faceattend_domain::{FieldIssue, ValidationErrors};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What `Text::parse` accepts: after trimming, not empty, no control character.
pub const TEXT_PATTERN: &str =
    r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";
/// What `PhoneNumber::parse` accepts: `+`, a country code not starting with 0 and 8 to 15
/// digits in all, with spaces, dashes, dots and parentheses between them.
pub const PHONE_PATTERN: &str =
    r"^[\t\n\x0b\x0c\r ]*[ .()-]*\+[ .()-]*[1-9]([ .()-]*[0-9]){7,14}[ .()-]*[\t\n\x0b\x0c\r ]*$";
/// What a key or a string inside `preferences` and `custom_fields` may hold: anything but
/// U+0000, which PostgreSQL's `jsonb` cannot store (and SQLite's copy would then differ).
pub const NO_NUL_PATTERN: &str = r"^[^\x00]*$";

/// The person types of the spec, as the document names them (the domain's `PersonType` has
/// no schema: the domain knows no framework).
#[derive(Debug, ToSchema)]
#[schema(as = PersonType, rename_all = "snake_case")]
pub enum PersonTypeName {
    Employee,
    Visitor,
    Contractor,
}

/// The person statuses of the spec, as the document names them.
#[derive(Debug, ToSchema)]
#[schema(as = PersonStatus, rename_all = "snake_case")]
pub enum PersonStatusName {
    Active,
    Inactive,
    Archived,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePersonRequest {
    #[schema(
        example = "John",
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        max_length = 100
    )]
    pub first_name: String,
    #[schema(
        example = "Doe",
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        max_length = 100
    )]
    pub last_name: String,
    #[schema(example = "john.doe@company.com", format = Email, max_length = 254)]
    pub email: String,
    /// E.164, e.g. `+1234567890`.
    #[schema(
        example = "+1234567890",
        pattern = r"^[\t\n\x0b\x0c\r ]*[ .()-]*\+[ .()-]*[1-9]([ .()-]*[0-9]){7,14}[ .()-]*[\t\n\x0b\x0c\r ]*$"
    )]
    pub phone: Option<String>,
    /// `employee` when absent or null.
    #[schema(value_type = Option<PersonTypeName>)]
    pub person_type: Option<String>,
    #[schema(
        example = "EMP123456",
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        max_length = 64
    )]
    pub id_number: Option<String>,
    #[schema(
        example = "employee_id",
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        max_length = 50
    )]
    pub id_type: Option<String>,
    #[schema(
        example = "Engineering",
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        max_length = 100
    )]
    pub department: Option<String>,
    #[schema(
        example = "ACME Corp",
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        max_length = 200
    )]
    pub organization: Option<String>,
    /// `active` when absent or null.
    #[schema(value_type = Option<PersonStatusName>)]
    pub status: Option<String>,
}

impl CreatePersonRequest {
    pub fn validate(self) -> Result<NewPerson, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let first_name = errors.check("first_name", Text::parse(&self.first_name, limits::NAME));
        let last_name = errors.check("last_name", Text::parse(&self.last_name, limits::NAME));
        let email = errors.check("email", Email::parse(&self.email));
        let phone = errors.check("phone", optional(self.phone.as_deref(), PhoneNumber::parse));
        let person_type = errors.check(
            "person_type",
            self.person_type
                .as_deref()
                .map_or(Ok(PersonType::Employee), PersonType::parse),
        );
        let id_number = errors.check(
            "id_number",
            optional_text(self.id_number.as_deref(), limits::ID_NUMBER),
        );
        let id_type = errors.check(
            "id_type",
            optional_text(self.id_type.as_deref(), limits::ID_TYPE),
        );
        let department = errors.check(
            "department",
            optional_text(self.department.as_deref(), limits::DEPARTMENT),
        );
        let organization = errors.check(
            "organization",
            optional_text(self.organization.as_deref(), limits::ORGANIZATION),
        );
        let status = errors.check(
            "status",
            self.status
                .as_deref()
                .map_or(Ok(PersonStatus::Active), PersonStatus::parse),
        );
        errors.into_result(|| NewPerson {
            first_name: first_name.expect("checked"),
            last_name: last_name.expect("checked"),
            email: email.expect("checked"),
            phone: phone.expect("checked"),
            person_type: person_type.expect("checked"),
            id_number: id_number.expect("checked"),
            id_type: id_type.expect("checked"),
            department: department.expect("checked"),
            organization: organization.expect("checked"),
            status: status.expect("checked"),
        })
    }
}

/// Partial update: absent fields stay as they are; `null` clears an optional field (the
/// names, email, type and status cannot be cleared).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePersonRequest {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 100)]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 100)]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String, required = false, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[\t\n\x0b\x0c\r ]*[ .()-]*\+[ .()-]*[1-9]([ .()-]*[0-9]){7,14}[ .()-]*[\t\n\x0b\x0c\r ]*$")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = PersonTypeName, required = false)]
    pub person_type: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 64)]
    pub id_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 50)]
    pub id_type: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "Sales", pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 100)]
    pub department: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 200)]
    pub organization: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = PersonStatusName, required = false, example = "inactive")]
    pub status: Option<Option<String>>,
}

impl UpdatePersonRequest {
    pub fn validate(self) -> Result<PersonChanges, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut required =
            |field: &str, value: Option<Option<String>>, max: usize| -> Option<Text> {
                match value {
                    None => None,
                    Some(None) => {
                        errors.push(FieldIssue::new("required", "must not be null").at(field));
                        None
                    }
                    Some(Some(raw)) => errors.check(field, Text::parse(&raw, max)),
                }
            };
        let first_name = required("first_name", self.first_name, limits::NAME);
        let last_name = required("last_name", self.last_name, limits::NAME);
        let changes = PersonChanges {
            first_name,
            last_name,
            email: required_parse(&mut errors, "email", self.email, Email::parse),
            phone: clearable(&mut errors, "phone", self.phone, PhoneNumber::parse),
            person_type: required_parse(
                &mut errors,
                "person_type",
                self.person_type,
                PersonType::parse,
            ),
            id_number: clearable(&mut errors, "id_number", self.id_number, |s| {
                Text::parse(s, limits::ID_NUMBER)
            }),
            id_type: clearable(&mut errors, "id_type", self.id_type, |s| {
                Text::parse(s, limits::ID_TYPE)
            }),
            department: clearable(&mut errors, "department", self.department, |s| {
                Text::parse(s, limits::DEPARTMENT)
            }),
            organization: clearable(&mut errors, "organization", self.organization, |s| {
                Text::parse(s, limits::ORGANIZATION)
            }),
            status: required_parse(&mut errors, "status", self.status, PersonStatus::parse),
        };
        errors.into_result(|| changes)
    }
}

fn required_parse<T>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl Fn(&str) -> Result<T, FieldIssue>,
) -> Option<T> {
    match value {
        None => None,
        Some(None) => {
            errors.push(FieldIssue::new("required", "must not be null").at(field));
            None
        }
        Some(Some(raw)) => errors.check(field, parse(&raw)),
    }
}

fn clearable<T>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl Fn(&str) -> Result<T, FieldIssue>,
) -> Option<Option<T>> {
    match value {
        None => None,
        Some(None) => Some(None),
        Some(Some(raw)) => errors.check(field, parse(&raw)).map(Some),
    }
}

fn optional<T>(
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, FieldIssue>,
) -> Result<Option<T>, FieldIssue> {
    value.map(parse).transpose()
}

fn optional_text(value: Option<&str>, max: usize) -> Result<Option<Text>, FieldIssue> {
    optional(value, |s| Text::parse(s, max))
}

/// A person as the API returns it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonResponse {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    #[schema(value_type = PersonTypeName, example = "employee")]
    pub person_type: String,
    pub id_number: Option<String>,
    pub id_type: Option<String>,
    pub department: Option<String>,
    pub organization: Option<String>,
    #[schema(value_type = PersonStatusName, example = "active")]
    pub status: String,
    pub face_encoding_count: u32,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub last_face_enrolled: Option<DateTime<Utc>>,
    #[serde(rename = "createdAt")]
    pub created_at: DateTime<Utc>,
    #[serde(rename = "updatedAt")]
    pub updated_at: DateTime<Utc>,
}

impl From<Person> for PersonResponse {
    fn from(p: Person) -> Self {
        Self {
            id: p.id,
            first_name: p.first_name,
            last_name: p.last_name,
            email: p.email,
            phone: p.phone,
            person_type: p.person_type.as_str().to_owned(),
            id_number: p.id_number,
            id_type: p.id_type,
            department: p.department,
            organization: p.organization,
            status: p.status.as_str().to_owned(),
            face_encoding_count: p.face_encoding_count,
            enrolled_at: p.enrolled_at,
            last_face_enrolled: p.last_face_enrolled,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Query of `GET /api/v1/persons`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListPersonsQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    #[param(value_type = Option<PersonStatusName>)]
    pub status: Option<String>,
    #[param(value_type = Option<PersonTypeName>)]
    pub person_type: Option<String>,
    /// Exact department name.
    #[param(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        max_length = 100
    )]
    pub department: Option<String>,
    /// Exact organization name.
    #[param(
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        max_length = 200
    )]
    pub organization: Option<String>,
    /// `true`: only persons with enrolled faces; `false`: only persons without.
    pub has_faces: Option<bool>,
}

/// Query of `GET /api/v1/persons/search`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchPersonsQuery {
    /// Case-insensitive substring of first or last name, email or id number.
    #[param(
        required = true,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        max_length = 254
    )]
    pub q: Option<String>,
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
}

/// `GET /api/v1/persons/summary`.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct PersonSummary {
    pub total_persons: u64,
    pub active_persons: u64,
    pub persons_with_faces: u64,
    /// Every person type, zero when there are none.
    pub by_type: std::collections::BTreeMap<String, u64>,
    /// Every status, zero when there are none.
    pub by_status: std::collections::BTreeMap<String, u64>,
}

/// PersonMetadata as returned.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MetadataResponse {
    pub person_id: Uuid,
    pub address: Option<String>,
    pub emergency_contact: Option<String>,
    pub emergency_phone: Option<String>,
    #[schema(value_type = Object)]
    pub preferences: serde_json::Value,
    #[schema(value_type = Object)]
    pub custom_fields: serde_json::Value,
    /// Null until metadata is first saved.
    #[serde(rename = "createdAt")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(rename = "updatedAt")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// `PUT /api/v1/persons/{id}/metadata`: absent fields stay; `null` clears a text field;
/// `preferences` and `custom_fields` are replaced as a whole.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMetadataRequest {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 500)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 200)]
    pub emergency_contact: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[\t\n\x0b\x0c\r ]*[ .()-]*\+[ .()-]*[1-9]([ .()-]*[0-9]){7,14}[ .()-]*[\t\n\x0b\x0c\r ]*$")]
    pub emergency_phone: Option<Option<String>>,
    #[schema(schema_with = metadata_object)]
    pub preferences: Option<serde_json::Value>,
    #[schema(schema_with = metadata_object)]
    pub custom_fields: Option<serde_json::Value>,
}

/// The schema of `preferences` and `custom_fields` in a request: a JSON object (or `null`,
/// which empties it) whose keys and strings, at any depth, match [`NO_NUL_PATTERN`]. Its
/// values are [`JSON_VALUE_SCHEMA`], a recursive component the document adds.
fn metadata_object() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    serde_json::from_value(metadata_object_json()).expect("a valid schema")
}

/// [`metadata_object`] as JSON (a test checks the document holds it as written: utoipa's
/// schema types would drop keywords they do not know).
pub fn metadata_object_json() -> serde_json::Value {
    serde_json::json!({
        "type": ["object", "null"],
        "description": format!(
            "A JSON object of at most {MAX_METADATA_OBJECT_BYTES} bytes, serialised; `null` \
             empties it. No key or string in it may contain U+0000."
        ),
        "propertyNames": {"type": "string", "pattern": NO_NUL_PATTERN},
        "additionalProperties": {"$ref": format!("#/components/schemas/{JSON_VALUE_SCHEMA}")},
    })
}

/// The name of the component schema of any JSON value without U+0000 in its keys and strings.
pub const JSON_VALUE_SCHEMA: &str = "JsonValueWithoutNul";

/// The component named [`JSON_VALUE_SCHEMA`], as JSON (checked like [`metadata_object_json`]).
pub fn json_value_schema_json() -> serde_json::Value {
    let this = format!("#/components/schemas/{JSON_VALUE_SCHEMA}");
    serde_json::json!({
        "anyOf": [
            {
                "type": "object",
                "propertyNames": {"type": "string", "pattern": NO_NUL_PATTERN},
                "additionalProperties": {"$ref": this},
            },
            {"type": "array", "items": {"$ref": this}},
            {"type": "string", "pattern": NO_NUL_PATTERN},
            {"type": ["number", "boolean", "null"]},
        ]
    })
}

/// The component named [`JSON_VALUE_SCHEMA`].
pub fn json_value_schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    let schema = json_value_schema_json();
    serde_json::from_value(schema).expect("a valid schema")
}

/// Validated metadata changes.
#[derive(Debug, Default)]
pub struct MetadataChanges {
    pub address: Option<Option<String>>,
    pub emergency_contact: Option<Option<String>>,
    pub emergency_phone: Option<Option<String>>,
    pub preferences: Option<serde_json::Value>,
    pub custom_fields: Option<serde_json::Value>,
}

/// Serialised size limit of each JSON object field.
pub const MAX_METADATA_OBJECT_BYTES: usize = 32 * 1024;

impl UpdateMetadataRequest {
    pub fn validate(self) -> Result<MetadataChanges, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let text = |max: usize| move |s: &str| Text::parse(s, max).map(|t| t.as_str().to_owned());
        let changes = MetadataChanges {
            address: clearable(&mut errors, "address", self.address, text(limits::ADDRESS)),
            emergency_contact: clearable(
                &mut errors,
                "emergency_contact",
                self.emergency_contact,
                text(limits::EMERGENCY_CONTACT),
            ),
            emergency_phone: clearable(&mut errors, "emergency_phone", self.emergency_phone, |s| {
                PhoneNumber::parse(s).map(|p| p.as_str().to_owned())
            }),
            preferences: errors
                .check("preferences", json_object(self.preferences))
                .flatten(),
            custom_fields: errors
                .check("custom_fields", json_object(self.custom_fields))
                .flatten(),
        };
        errors.into_result(|| changes)
    }
}

fn json_object(value: Option<serde_json::Value>) -> Result<Option<serde_json::Value>, FieldIssue> {
    match value {
        None => Ok(None),
        Some(serde_json::Value::Null) => Ok(Some(serde_json::Value::Object(Default::default()))),
        Some(value @ serde_json::Value::Object(_)) => {
            if holds_nul(&value) {
                Err(FieldIssue::new(
                    "invalid_characters",
                    "no key or string may contain U+0000",
                ))
            } else if value.to_string().len() > MAX_METADATA_OBJECT_BYTES {
                Err(FieldIssue::new(
                    "too_large",
                    format!("must serialise to at most {MAX_METADATA_OBJECT_BYTES} bytes"),
                ))
            } else {
                Ok(Some(value))
            }
        }
        Some(_) => Err(FieldIssue::new("invalid_type", "must be a JSON object")),
    }
}

/// Whether U+0000 appears in any key or string of `value`, at any depth.
fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}
