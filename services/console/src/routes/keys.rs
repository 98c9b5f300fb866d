//! The console's token keys, public halves only: the JWKS document services can be
//! configured from (`JWT_PUBLIC_KEYS` takes it as it is).

use actix_web::{HttpResponse, web};
use faceattend_service::auth::Jwks;

use crate::state::ConsoleState;

/// The public keys of the tokens the console mints (its signing key's, and any other it was
/// told of in `JWT_PUBLIC_KEYS`, e.g. the one being retired).
#[utoipa::path(
    get, path = "/.well-known/jwks.json", tag = "keys",
    responses(
        (status = 200, description = "The public keys, as a JWKS document (RFC 7517; Ed25519 keys as RFC 8037)", body = Jwks),
    ),
    security(())
)]
pub async fn jwks(state: web::Data<ConsoleState>) -> HttpResponse {
    HttpResponse::Ok()
        // Short: a rotation should reach whoever reads this within minutes.
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(state.keys.jwks())
}
