//! The single-page app: the files `npm run build` writes to `web/dist/`, embedded in the
//! binary (read from disk in debug builds, so a rebuilt app shows without recompiling).
//!
//! A path that names a file gets that file, typed by its extension; Vite's hashed files under
//! `/assets/` never change, so browsers keep them for a year (`immutable`), while `index.html`
//! is revalidated on every load (`no-cache`), so a new release is picked up at once. Any other
//! path outside the APIs is a route of the app and gets `index.html` (the SPA fallback). Every
//! answer carries a strict Content-Security-Policy: scripts and styles only from this origin,
//! nothing inline, no framing.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use faceattend_service::ApiError;
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "web/dist/"]
#[allow_missing = true]
struct WebApp;

/// What the pages may load: everything from this origin only. `blob:`/`data:` images and
/// media are the webcam preview and captured frames; the camera itself is allowed to this
/// origin by the Permissions-Policy.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
    font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Whether the app was built into (or, in a debug build, is beside) this binary.
pub fn is_built() -> bool {
    WebApp::get("index.html").is_some()
}

/// Serves a file of the app, or `index.html` for the app's own routes.
pub async fn serve(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = request.path();
    if path.starts_with("/api/") || path.starts_with("/console/api/") {
        return Err(ApiError::not_found(
            "route_not_found",
            format!("no route for {} {path}", request.method()),
        ));
    }
    if !matches!(
        *request.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) {
        let response =
            faceattend_service::json::method_not_allowed_response(&request, &["GET", "HEAD"]);
        return Ok(response);
    }
    let relative = path.trim_start_matches('/');
    let (name, file) = match WebApp::get(relative).filter(|_| !relative.is_empty()) {
        Some(file) => (relative.to_owned(), file),
        // A missing asset is a 404, not the app: a stale page asking for last release's
        // chunk must learn it is gone, not get HTML it would try to run as script.
        None if relative.starts_with("assets/") => {
            return Err(ApiError::not_found("asset_not_found", "no such file"));
        }
        None => match WebApp::get("index.html") {
            Some(file) => ("index.html".to_owned(), file),
            None => {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                    "web_app_not_built",
                    "the console's web app was not built into this binary (run `make build`)",
                ));
            }
        },
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let cache = if name.starts_with("assets/") {
        IMMUTABLE
    } else {
        "no-cache"
    };
    let not_modified = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag));
    secure(&mut response);
    if not_modified {
        Ok(response.finish())
    } else {
        Ok(response.body(file.data.into_owned()))
    }
}

/// The headers every page and file of the app carries.
fn secure(response: &mut actix_web::HttpResponseBuilder) {
    response
        .insert_header(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .insert_header((
            "Permissions-Policy",
            "camera=(self), microphone=(), geolocation=()",
        ))
        .insert_header(("Cross-Origin-Opener-Policy", "same-origin"));
}
