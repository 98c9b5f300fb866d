//! Bearer JWT authentication and the spec's permissions.
//!
//! Tokens are HS256 JWTs signed with `JWT_SECRET`, carrying the holder's permissions in a
//! `perms` claim. A handler states what it needs in its signature, `_: Require<PersonsWrite>`,
//! and the extractor answers 401 (no, malformed or expired token) or 403 (valid token without
//! the permission) before the body is even read.

use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::time::Duration;

use actix_web::{FromRequest, HttpRequest, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// A permission a route can require.
pub trait Permission {
    const NAME: &'static str;
}

macro_rules! permissions {
    ($($(#[$doc:meta])* $ty:ident => $name:literal),+ $(,)?) => {
        $( $(#[$doc])* pub struct $ty; impl Permission for $ty { const NAME: &'static str = $name; } )+
        /// Every permission the system knows, for token minting and validation.
        pub const ALL_PERMISSIONS: &[&str] = &[$($name),+];
    };
}

permissions! {
    /// View person profiles and search.
    PersonsRead => "persons:read",
    /// Create, update, delete persons and enrol faces.
    PersonsWrite => "persons:write",
    /// View attendance records and reports.
    AttendanceRead => "attendance:read",
    /// Record check-in and check-out, manage rules and reviews.
    AttendanceWrite => "attendance:write",
}

/// The claims of a faceattend access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(default)]
    pub perms: Vec<String>,
}

/// Who made the request, once the token is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub permissions: Vec<String>,
    /// The token's `exp` (seconds since the epoch): a long-lived connection, which is
    /// authorised once, ends here.
    pub expires_at: i64,
}

impl Principal {
    pub fn has(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("unknown permission {0:?}; known: {known}", known = ALL_PERMISSIONS.join(", "))]
    UnknownPermission(String),
    #[error("token lifetime must be between 1 second and 366 days")]
    InvalidTtl,
    #[error("could not sign the token: {0}")]
    Signing(String),
}

#[derive(Clone)]
pub struct AuthConfig {
    pub secret: SecretString,
    pub issuer: String,
    pub audience: String,
}

/// Signs and verifies tokens. Cheap to clone into every worker.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl JwtKeys {
    pub fn new(config: &AuthConfig) -> Self {
        let secret = config.secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[config.issuer.as_str()]);
        validation.set_audience(&[config.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Clocks of the minting host and this one may differ a little.
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
        }
    }

    /// Mints a token for `subject` with exactly these permissions.
    pub fn mint(
        &self,
        subject: &str,
        permissions: &[String],
        ttl: Duration,
    ) -> Result<String, AuthError> {
        for permission in permissions {
            if !ALL_PERMISSIONS.contains(&permission.as_str()) {
                return Err(AuthError::UnknownPermission(permission.clone()));
            }
        }
        if ttl.is_zero() || ttl > Duration::from_secs(366 * 24 * 3600) {
            return Err(AuthError::InvalidTtl);
        }
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: subject.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + ttl.as_secs() as i64,
            perms: permissions.to_vec(),
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims; tests use it to make expired or foreign tokens.
    pub fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| AuthError::Signing(e.to_string()))
    }

    pub fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::unauthorized("token_expired", "the access token has expired")
                }
                ErrorKind::ImmatureSignature => {
                    ApiError::unauthorized("invalid_token", "the access token is not valid yet")
                }
                _ => ApiError::unauthorized("invalid_token", "the access token is invalid"),
            })?;
        Ok(Principal {
            subject: data.claims.sub,
            permissions: data.claims.perms,
            expires_at: data.claims.exp,
        })
    }

    /// The principal behind a request's `Authorization: Bearer` header.
    pub fn authenticate(&self, request: &HttpRequest) -> Result<Principal, ApiError> {
        let header = request
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "missing_token",
                    "an Authorization: Bearer token is required",
                )
            })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "invalid_token",
                    "the Authorization header must be 'Bearer <token>'",
                )
            })?;
        self.verify(token)
    }
}

/// Extractor: the request carries a valid token with permission `P`.
pub struct Require<P: Permission> {
    pub principal: Principal,
    _permission: PhantomData<P>,
}

impl<P: Permission> FromRequest for Require<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(check::<P>(request))
    }
}

fn check<P: Permission>(request: &HttpRequest) -> Result<Require<P>, ApiError> {
    let keys = request
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| ApiError::internal("JwtKeys missing from app data"))?;
    let principal = keys.authenticate(request)?;
    if !principal.has(P::NAME) {
        return Err(ApiError::forbidden(P::NAME));
    }
    Ok(Require {
        principal,
        _permission: PhantomData,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&AuthConfig {
            secret: SecretString::from("0123456789abcdef0123456789abcdef"),
            issuer: "faceattend".into(),
            audience: "faceattend".into(),
        })
    }

    #[test]
    fn minted_tokens_verify_with_their_permissions() {
        let keys = keys();
        let token = keys
            .mint(
                "admin",
                &["persons:read".to_owned()],
                Duration::from_secs(60),
            )
            .unwrap();
        let principal = keys.verify(&token).unwrap();
        assert_eq!(principal.subject, "admin");
        assert!(principal.has("persons:read"));
        assert!(!principal.has("persons:write"));
    }

    #[test]
    fn rejects_unknown_permissions_and_bad_ttl() {
        let keys = keys();
        assert!(matches!(
            keys.mint("a", &["persons:delete".to_owned()], Duration::from_secs(60)),
            Err(AuthError::UnknownPermission(_))
        ));
        assert!(matches!(
            keys.mint("a", &[], Duration::ZERO),
            Err(AuthError::InvalidTtl)
        ));
    }

    #[test]
    fn expired_foreign_and_garbage_tokens_are_401() {
        let keys = keys();
        let now = chrono::Utc::now().timestamp();
        let expired = keys
            .sign(&Claims {
                sub: "a".into(),
                iss: "faceattend".into(),
                aud: "faceattend".into(),
                iat: now - 7200,
                exp: now - 3600,
                perms: vec![],
            })
            .unwrap();
        assert_eq!(keys.verify(&expired).unwrap_err().code, "token_expired");

        let other = JwtKeys::new(&AuthConfig {
            secret: SecretString::from("another-secret-another-secret-xx"),
            issuer: "faceattend".into(),
            audience: "faceattend".into(),
        });
        let foreign = other.mint("a", &[], Duration::from_secs(60)).unwrap();
        assert_eq!(keys.verify(&foreign).unwrap_err().code, "invalid_token");
        assert_eq!(
            keys.verify("not.a.token").unwrap_err().code,
            "invalid_token"
        );
    }
}
