//! Strict request parsing: JSON bodies, path and query parameters, unknown routes.
//!
//! Bad input always gets the error envelope with a stable code and a 4xx status:
//! - wrong `Content-Type` → 415 `unsupported_media_type`
//! - body over the limit → 413 `payload_too_large`
//! - not JSON at all, or empty → 400 `malformed_json`
//! - JSON of the wrong shape (wrong type, unknown or missing field) → 422 `validation_failed`
//!   with the field's path, e.g. `details: [{"field": "email", "code": "invalid_type"}]`
//! - unparsable path or query parameter → 400

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use faceattend_domain::{FieldError, ValidationErrors};
use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body, deserialised strictly. Size limit: the app's `web::PayloadConfig`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        if !is_json(request) {
            return Box::pin(async { Err(not_json()) });
        }
        let body = web::Bytes::from_request(request, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(payload_error)?;
            parse(&bytes).map(JsonBody)
        })
    }
}

fn is_json(request: &HttpRequest) -> bool {
    matches!(
        request.mime_type(),
        Ok(Some(mime)) if mime.type_() == "application"
            && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
    )
}

fn not_json() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "the request body must be JSON (Content-Type: application/json)",
    )
}

/// A JSON body that may be left out: no body at all (or only white space, or `null`) is
/// `T::default()`,
/// for routes that took none before and gained optional fields; anything else is read as
/// [`JsonBody`] reads it.
pub struct OptionalJsonBody<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let request = request.clone();
        let body = web::Bytes::from_request(&request, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(payload_error)?;
            if is_blank(&bytes) {
                return Ok(OptionalJsonBody(T::default()));
            }
            if !is_json(&request) {
                return Err(not_json());
            }
            // JSON `null` is no body too.
            parse::<Option<T>>(&bytes).map(|body| OptionalJsonBody(body.unwrap_or_default()))
        })
    }
}

/// A body that could not be read: 413 `payload_too_large` past the route's limit, else 400
/// `unreadable_body`. Also for handlers that read raw bytes (the console's proxy).
pub fn payload_error(error: actix_web::Error) -> ApiError {
    if error.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than this service accepts",
        )
    } else {
        ApiError::bad_request(
            "unreadable_body",
            format!("the request body could not be read: {error}"),
        )
    }
}

/// Whether a body holds nothing but JSON's white space (RFC 8259: space, tab, LF, CR), so
/// counts as no body at all. `u8::is_ascii_whitespace` would also take a form feed, which is
/// not JSON.
pub fn is_blank(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Parses JSON bytes into `T`, classifying failures as described in the module docs.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if is_blank(bytes) {
        return Err(ApiError::bad_request(
            "malformed_json",
            "the request body is empty",
        ));
    }
    // Every body these services take is an object; serde would also fill a struct from an
    // array of its fields in order (`[null, null]`), which no client means.
    if bytes
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|b| *b == b'[')
    {
        return Err(ApiError::validation(ValidationErrors::single(FieldError {
            field: "body".to_owned(),
            code: "invalid_type",
            message: "expected a JSON object, found an array".to_owned(),
        })));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        classify(&path, &inner)
    })?;
    deserializer.end().map_err(|_| {
        ApiError::bad_request("malformed_json", "unexpected data after the JSON value")
    })?;
    Ok(value)
}

fn classify(path: &str, error: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            "malformed_json",
            format!("the request body is not valid JSON: {error}"),
        ),
        Category::Data => {
            let message = strip_position(&error.to_string());
            let quoted = backticked(&message);
            let (field, code) = if message.starts_with("unknown field") {
                (join(path, quoted), "unknown_field")
            } else if message.starts_with("missing field") {
                (join(path, quoted), "required")
            } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
                (path.to_owned(), "invalid_type")
            } else {
                (path.to_owned(), "invalid_value")
            };
            let field = if field.is_empty() || field == "." {
                "body".to_owned()
            } else {
                field
            };
            ApiError::validation(ValidationErrors::single(FieldError {
                field,
                code,
                message,
            }))
        }
    }
}

fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

fn join(path: &str, field: Option<&str>) -> String {
    // For unknown fields the path already ends at the field; for missing ones it stops at
    // the enclosing object.
    if let Some(f) = field
        && (path == f || path.ends_with(&format!(".{f}")))
    {
        return path.to_owned();
    }
    match (path, field) {
        (".", Some(f)) | ("", Some(f)) => f.to_owned(),
        (p, Some(f)) => format!("{p}.{f}"),
        (p, None) => p.to_owned(),
    }
}

/// serde_json appends " at line 1 column 42"; the field path says more to a client.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// Installs the envelope-producing handlers for path and query errors and the body limit.
pub fn configure_extractors(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(web::PayloadConfig::new(max_body_bytes))
        .app_data(web::PathConfig::default().error_handler(|error, _| {
            ApiError::bad_request(
                "invalid_path_parameter",
                format!("invalid path parameter: {error}"),
            )
            .into()
        }))
        .app_data(web::QueryConfig::default().error_handler(|error, _| {
            ApiError::bad_request(
                "invalid_query_parameter",
                format!("invalid query parameter: {error}"),
            )
            .into()
        }));
}

/// Default service for paths no route matches.
pub async fn route_not_found(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(
        "route_not_found",
        format!("no route for {} {}", request.method(), request.path()),
    ))
}

/// Default service of a resource that answers only the `allowed` methods: 405
/// `method_not_allowed` with the `Allow` header RFC 9110 (section 15.5.6) requires, so a client
/// learns what the path does take. `allowed` is the resource's routes, e.g. `&["GET", "PUT"]`.
pub fn method_not_allowed(allowed: &'static [&'static str]) -> actix_web::Route {
    web::to(
        move |request: HttpRequest| async move { method_not_allowed_response(&request, allowed) },
    )
}

/// The 405 `method_not_allowed` answer, with `Allow`, for a handler that decides on its own
/// which methods it takes (the console's asset handler).
pub fn method_not_allowed_response(request: &HttpRequest, allowed: &[&str]) -> HttpResponse {
    let error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}; allowed: {}",
            request.method(),
            request.path(),
            allowed.join(", ")
        ),
    );
    let mut response = actix_web::ResponseError::error_response(&error);
    response.headers_mut().insert(
        actix_web::http::header::ALLOW,
        actix_web::http::header::HeaderValue::from_str(&allowed.join(", "))
            .expect("method names are header-safe"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        age: Option<u8>,
        nested: Option<Nested>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Nested {
        x: i32,
    }

    fn error(json: &str) -> ApiError {
        parse::<Body>(json.as_bytes()).unwrap_err()
    }

    #[test]
    fn an_array_is_no_object_even_with_the_fields_in_order() {
        let e = error(r#" ["a@example.com", null, null]"#);
        assert_eq!((e.status.as_u16(), e.code), (422, "validation_failed"));
    }

    #[test]
    fn classifies_failures() {
        let e = error("{not json");
        assert_eq!((e.status.as_u16(), e.code), (400, "malformed_json"));
        assert_eq!(error("").code, "malformed_json");
        assert_eq!(error(r#"{"email":"a"} trailing"#).code, "malformed_json");

        let e = error(r#"{"email": 5}"#);
        assert_eq!(
            (
                e.status.as_u16(),
                e.details[0].field.as_str(),
                e.details[0].code
            ),
            (422, "email", "invalid_type")
        );

        let e = error(r#"{"email": "a", "extra": 1}"#);
        assert_eq!(
            (e.details[0].field.as_str(), e.details[0].code),
            ("extra", "unknown_field")
        );

        let e = error(r#"{"age": 1}"#);
        assert_eq!(
            (e.details[0].field.as_str(), e.details[0].code),
            ("email", "required")
        );

        let e = error(r#"{"email": "a", "age": 300}"#);
        assert_eq!(
            (e.details[0].field.as_str(), e.details[0].code),
            ("age", "invalid_type")
        );

        let e = error(r#"{"email": "a", "nested": {"y": 1}}"#);
        assert_eq!(e.details[0].field, "nested.y");

        let e = error("\"just a string\"");
        assert_eq!(
            (e.status.as_u16(), e.details[0].field.as_str()),
            (422, "body")
        );
    }
}
