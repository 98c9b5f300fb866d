//! Bearer JWT authentication and the spec's permissions.
//!
//! Tokens are EdDSA (Ed25519) JWTs with a key id, signed by an issuer's private key and
//! verified with public keys only ([`AuthConfig`]), carrying the holder's permissions in a
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

use crate::config::EnvReader;
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
    #[error("this service has no signing key (JWT_SIGNING_KEY): only an issuer mints tokens")]
    NoSigningKey,
    #[error("could not draw random bytes for a key: {0}")]
    Random(String),
}

/// A key id: what a token's `kid` header names, so a verifier knows which public key to
/// use, and keys can be rotated (a new one added everywhere before the old one is retired).
fn valid_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn b64url_32(raw: &str) -> Option<[u8; 32]> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim().trim_end_matches('='))
        .ok()?
        .try_into()
        .ok()
}

fn to_b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The private half of an Ed25519 key pair, with its key id: what an issuer (the console,
/// the CLI) signs tokens with. Written `<kid>:<base64url of the 32-byte seed>`; never printed.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    key: ed25519_dalek::SigningKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, [redacted])", self.kid)
    }
}

impl SigningKey {
    /// A new random key under `kid`.
    pub fn generate(kid: &str) -> Result<Self, AuthError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| AuthError::Random(e.to_string()))?;
        Self::from_seed(kid, seed).map_err(AuthError::Signing)
    }

    pub fn from_seed(kid: &str, seed: [u8; 32]) -> Result<Self, String> {
        if !valid_kid(kid) {
            return Err(format!(
                "key id {kid:?} must be 1 to 64 letters, digits, '-', '_' or '.'"
            ));
        }
        Ok(Self {
            kid: kid.to_owned(),
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// `<kid>:<base64url seed>`, as `JWT_SIGNING_KEY` holds it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (kid, seed) = raw.trim().split_once(':').ok_or_else(|| {
            "must be <key id>:<base64url of a 32-byte Ed25519 seed> (faceattend keys generate)"
                .to_owned()
        })?;
        let seed = b64url_32(seed)
            .ok_or_else(|| "the seed must be 32 bytes, base64url (value not shown)".to_owned())?;
        Self::from_seed(kid, seed)
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The form [`SigningKey::parse`] reads; a secret.
    pub fn to_config_value(&self) -> SecretString {
        SecretString::from(format!("{}:{}", self.kid, to_b64url(self.key.as_bytes())))
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            kid: self.kid.clone(),
            key: self.key.verifying_key().to_bytes(),
        }
    }

    fn encoding_key(&self) -> Result<EncodingKey, AuthError> {
        use ed25519_dalek::pkcs8::EncodePrivateKey as _;
        let der = self
            .key
            .to_pkcs8_der()
            .map_err(|e| AuthError::Signing(e.to_string()))?;
        Ok(EncodingKey::from_ed_der(der.as_bytes()))
    }
}

/// An Ed25519 public key with its key id: what every service verifies tokens with. Written
/// `<kid>:<base64url of the 32-byte key>`, or as a JWK (`kty` OKP, `crv` Ed25519).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    kid: String,
    key: [u8; 32],
}

impl PublicKey {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (kid, key) = raw.trim().split_once(':').ok_or_else(|| {
            format!("{raw:?} must be <key id>:<base64url of a 32-byte Ed25519 public key>")
        })?;
        if !valid_kid(kid) {
            return Err(format!(
                "key id {kid:?} must be 1 to 64 letters, digits, '-', '_' or '.'"
            ));
        }
        let key = b64url_32(key)
            .ok_or_else(|| format!("the key of {kid:?} must be 32 bytes, base64url"))?;
        ed25519_dalek::VerifyingKey::from_bytes(&key)
            .map_err(|_| format!("the key of {kid:?} is not an Ed25519 public key"))?;
        Ok(Self {
            kid: kid.to_owned(),
            key,
        })
    }

    /// A comma-separated list of [`PublicKey::parse`] entries, or a JWKS document
    /// (`{"keys": [...]}`, as the console serves at `/.well-known/jwks.json`).
    pub fn parse_list(raw: &str) -> Result<Vec<Self>, String> {
        let raw = raw.trim();
        let keys = if raw.starts_with('{') {
            let document: Jwks =
                serde_json::from_str(raw).map_err(|e| format!("not a JWKS document: {e}"))?;
            document
                .keys
                .iter()
                .map(|jwk| {
                    if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
                        return Err(format!(
                            "key {:?}: only Ed25519 keys (kty OKP, crv Ed25519) are accepted",
                            jwk.kid
                        ));
                    }
                    Self::parse(&format!("{}:{}", jwk.kid, jwk.x))
                })
                .collect::<Result<Vec<_>, _>>()?
        } else {
            raw.split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(Self::parse)
                .collect::<Result<Vec<_>, _>>()?
        };
        let mut seen = std::collections::HashSet::new();
        for key in &keys {
            if !seen.insert(key.kid.as_str()) {
                return Err(format!("key id {:?} is listed twice", key.kid));
            }
        }
        Ok(keys)
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// `<kid>:<base64url key>`, as `JWT_PUBLIC_KEYS` lists it.
    pub fn to_config_value(&self) -> String {
        format!("{}:{}", self.kid, to_b64url(&self.key))
    }

    /// The key as a JWK (RFC 8037).
    pub fn jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            alg: Some("EdDSA".to_owned()),
            key_use: Some("sig".to_owned()),
            kid: self.kid.clone(),
            x: to_b64url(&self.key),
        }
    }
}

/// One key of a JWKS document; only Ed25519 keys are read or written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    /// The key id tokens signed with it carry in their `kid` header.
    pub kid: String,
    /// The public key, base64url.
    pub x: String,
}

/// A JWKS document (RFC 7517): the public keys tokens may be signed with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// How tokens are signed and verified.
///
/// Tokens are EdDSA (Ed25519) JWTs with a `kid` header. Every service verifies them with
/// public keys only, so a service that is broken into cannot mint tokens; only the issuers
/// (the console, the CLI) hold a [`SigningKey`]. Rotation: generate a new key, add its public
/// half to `JWT_PUBLIC_KEYS` everywhere, switch the issuers' `JWT_SIGNING_KEY` to it, and
/// retire the old public key once its last tokens have expired.
///
/// HS256 with one shared secret (every service able to mint any token) is kept only for
/// existing deployments that ask for it: `JWT_HS256=true` with `JWT_SECRET`.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub issuer: String,
    pub audience: String,
    /// The keys tokens are verified with (the signing key's own public half is added).
    pub public_keys: Vec<PublicKey>,
    /// Issuers only: the key new tokens are signed with.
    pub signing_key: Option<SigningKey>,
    /// `JWT_HS256=true`: HS256 tokens under this secret are accepted too, and minted when
    /// there is no signing key.
    pub hs256_secret: Option<SecretString>,
}

impl AuthConfig {
    /// An issuer's configuration: tokens signed with `key`, and verified with its public half.
    pub fn signing(key: SigningKey) -> Self {
        Self {
            issuer: "faceattend".to_owned(),
            audience: "faceattend".to_owned(),
            public_keys: Vec::new(),
            signing_key: Some(key),
            hs256_secret: None,
        }
    }

    /// A verifier's configuration: tokens verified with these public keys only.
    pub fn verifying(public_keys: Vec<PublicKey>) -> Self {
        Self {
            issuer: "faceattend".to_owned(),
            audience: "faceattend".to_owned(),
            public_keys,
            signing_key: None,
            hs256_secret: None,
        }
    }

    /// Reads `JWT_PUBLIC_KEYS`, `JWT_SIGNING_KEY` (secret), `JWT_HS256` with `JWT_SECRET`,
    /// `JWT_ISSUER` and `JWT_AUDIENCE`. A service that `mints` needs a way to sign; every
    /// service needs a way to verify.
    pub fn from_env(env: &mut EnvReader, mints: bool) -> Self {
        let public_keys = match env.raw("JWT_PUBLIC_KEYS") {
            None => Vec::new(),
            Some(raw) => PublicKey::parse_list(&raw).unwrap_or_else(|problem| {
                env.problem(format!("JWT_PUBLIC_KEYS: {problem}"));
                Vec::new()
            }),
        };
        let signing_key = env.raw("JWT_SIGNING_KEY").and_then(|raw| {
            SigningKey::parse(&raw)
                .map_err(|problem| env.problem(format!("JWT_SIGNING_KEY: {problem}")))
                .ok()
        });
        let hs256: bool = env.or("JWT_HS256", false);
        let hs256_secret = if hs256 {
            env.secret("JWT_SECRET", 32)
        } else {
            if env.raw("JWT_SECRET").is_some() {
                env.problem(
                    "JWT_SECRET is set, but HS256 shared-secret tokens are off by default: \
                     give the services JWT_PUBLIC_KEYS and the issuers JWT_SIGNING_KEY \
                     (`faceattend keys generate`), or set JWT_HS256=true to keep HS256",
                );
            }
            None
        };
        if mints && signing_key.is_none() && hs256_secret.is_none() && !hs256 {
            env.problem(
                "JWT_SIGNING_KEY is required: this service mints tokens (`faceattend keys generate`)",
            );
        } else if !mints && public_keys.is_empty() && signing_key.is_none() && !hs256 {
            env.problem(
                "JWT_PUBLIC_KEYS is required: the public keys tokens are verified with (`faceattend keys generate`)",
            );
        }
        Self {
            issuer: env.or("JWT_ISSUER", "faceattend".to_owned()),
            audience: env.or("JWT_AUDIENCE", "faceattend".to_owned()),
            public_keys,
            signing_key,
            hs256_secret,
        }
    }
}

/// Signs and verifies tokens. Cheap to clone into every worker.
#[derive(Clone)]
pub struct JwtKeys {
    /// `(kid, key)` of an issuer; `None` where tokens are only verified.
    signing: Option<(String, EncodingKey)>,
    hs256_signing: Option<EncodingKey>,
    /// Verification keys by `kid`.
    verifying: std::collections::HashMap<String, DecodingKey>,
    public_keys: Vec<PublicKey>,
    hs256_verifying: Option<DecodingKey>,
    eddsa: Validation,
    hs256: Validation,
    issuer: String,
    audience: String,
}

impl JwtKeys {
    pub fn new(config: &AuthConfig) -> Self {
        let validation = |algorithm| {
            let mut validation = Validation::new(algorithm);
            validation.set_issuer(&[config.issuer.as_str()]);
            validation.set_audience(&[config.audience.as_str()]);
            validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
            // Clocks of the minting host and this one may differ a little.
            validation.leeway = 30;
            validation
        };
        let mut public_keys = config.public_keys.clone();
        if let Some(key) = &config.signing_key
            && !public_keys.iter().any(|k| k.kid == key.kid)
        {
            public_keys.push(key.public_key());
        }
        let verifying = public_keys
            .iter()
            .map(|key| (key.kid.clone(), DecodingKey::from_ed_der(&key.key)))
            .collect();
        let signing = config.signing_key.as_ref().and_then(|key| {
            // A seed always makes a PKCS#8 document; should it not, the service cannot
            // mint, which `mint` reports.
            key.encoding_key()
                .ok()
                .map(|encoding| (key.kid.clone(), encoding))
        });
        let secret = config
            .hs256_secret
            .as_ref()
            .map(|secret| secret.expose_secret().as_bytes().to_vec());
        Self {
            signing,
            hs256_signing: secret.as_deref().map(EncodingKey::from_secret),
            verifying,
            public_keys,
            hs256_verifying: secret.as_deref().map(DecodingKey::from_secret),
            eddsa: validation(Algorithm::EdDSA),
            hs256: validation(Algorithm::HS256),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
        }
    }

    /// The public keys tokens are verified with, as a JWKS document.
    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: self.public_keys.iter().map(PublicKey::jwk).collect(),
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

    /// Signs arbitrary claims (EdDSA under the signing key, else HS256 where enabled); tests
    /// use it to make expired or foreign tokens.
    pub fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        let (header, key) = match (&self.signing, &self.hs256_signing) {
            (Some((kid, key)), _) => {
                let mut header = Header::new(Algorithm::EdDSA);
                header.kid = Some(kid.clone());
                (header, key)
            }
            (None, Some(key)) => (Header::new(Algorithm::HS256), key),
            (None, None) => return Err(AuthError::NoSigningKey),
        };
        jsonwebtoken::encode(&header, claims, key).map_err(|e| AuthError::Signing(e.to_string()))
    }

    pub fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        let invalid = || ApiError::unauthorized("invalid_token", "the access token is invalid");
        // The header says which key to try; the validation then pins the algorithm, so a
        // token cannot pick a weaker one (HS256 under a public key, `none`).
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        let (key, validation) = match header.alg {
            Algorithm::EdDSA => {
                let key = header
                    .kid
                    .as_deref()
                    .and_then(|kid| self.verifying.get(kid))
                    .ok_or_else(|| {
                        ApiError::unauthorized(
                            "invalid_token",
                            "the access token is signed with a key this service does not know",
                        )
                    })?;
                (key, &self.eddsa)
            }
            Algorithm::HS256 => match &self.hs256_verifying {
                Some(key) => (key, &self.hs256),
                None => {
                    return Err(ApiError::unauthorized(
                        "invalid_token",
                        "HS256 tokens are not accepted here (EdDSA only)",
                    ));
                }
            },
            _ => return Err(invalid()),
        };
        let data =
            jsonwebtoken::decode::<Claims>(token, key, validation).map_err(|e| match e.kind() {
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

/// A fixed key pair for tests and benches (feature `testing`): its seed is in this file, so
/// a deployment must never use it.
#[cfg(feature = "testing")]
pub mod testing {
    use super::{AuthConfig, JwtKeys, SigningKey};

    /// The issuer's key: what the tests mint their tokens with.
    pub fn signing_key() -> SigningKey {
        SigningKey::from_seed("test", [7; 32]).expect("a valid key id")
    }

    /// A service that only verifies (person-api, attendance-api, the gateway).
    pub fn verifier() -> AuthConfig {
        AuthConfig::verifying(vec![signing_key().public_key()])
    }

    /// An issuer (the console, the CLI).
    pub fn issuer() -> AuthConfig {
        AuthConfig::signing(signing_key())
    }

    /// Keys to mint test tokens with.
    pub fn keys() -> JwtKeys {
        JwtKeys::new(&issuer())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, seed: u8) -> SigningKey {
        SigningKey::from_seed(kid, [seed; 32]).unwrap()
    }

    fn keys() -> JwtKeys {
        JwtKeys::new(&AuthConfig::signing(key("k1", 1)))
    }

    fn claims(exp_in: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: "a".into(),
            iss: "faceattend".into(),
            aud: "faceattend".into(),
            iat: now - 7200,
            exp: now + exp_in,
            perms: vec![],
        }
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
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::EdDSA);
        assert_eq!(header.kid.as_deref(), Some("k1"));
        let principal = keys.verify(&token).unwrap();
        assert_eq!(principal.subject, "admin");
        assert!(principal.has("persons:read"));
        assert!(!principal.has("persons:write"));
    }

    #[test]
    fn a_verifier_with_public_keys_only_verifies_but_cannot_mint() {
        let issuer = keys();
        let verifier = JwtKeys::new(&AuthConfig::verifying(vec![key("k1", 1).public_key()]));
        let token = issuer
            .mint("a", &["persons:read".to_owned()], Duration::from_secs(60))
            .unwrap();
        assert_eq!(verifier.verify(&token).unwrap().subject, "a");
        assert!(matches!(
            verifier.mint("a", &[], Duration::from_secs(60)),
            Err(AuthError::NoSigningKey)
        ));
    }

    #[test]
    fn rotation_adds_the_new_key_before_the_old_one_is_retired() {
        let old = JwtKeys::new(&AuthConfig::signing(key("2026-11", 1)));
        let new = JwtKeys::new(&AuthConfig::signing(key("2026-12", 2)));
        let old_token = old.mint("a", &[], Duration::from_secs(60)).unwrap();
        let new_token = new.mint("a", &[], Duration::from_secs(60)).unwrap();

        // During the rotation, a service knows both keys: tokens of either issuer pass.
        let both = JwtKeys::new(&AuthConfig::verifying(vec![
            key("2026-11", 1).public_key(),
            key("2026-12", 2).public_key(),
        ]));
        assert!(both.verify(&old_token).is_ok());
        assert!(both.verify(&new_token).is_ok());

        // Once the old key is retired, its tokens are refused.
        let retired = JwtKeys::new(&AuthConfig::verifying(vec![key("2026-12", 2).public_key()]));
        assert!(retired.verify(&new_token).is_ok());
        assert_eq!(
            retired.verify(&old_token).unwrap_err().code,
            "invalid_token"
        );

        // A token naming a known kid but signed by another key is refused.
        let impostor = JwtKeys::new(&AuthConfig::signing(key("2026-12", 9)));
        let forged = impostor.mint("a", &[], Duration::from_secs(60)).unwrap();
        assert_eq!(retired.verify(&forged).unwrap_err().code, "invalid_token");
    }

    #[test]
    fn hs256_is_refused_unless_asked_for() {
        let secret = "0123456789abcdef0123456789abcdef";
        let mut shared = AuthConfig::verifying(Vec::new());
        shared.hs256_secret = Some(SecretString::from(secret));
        let shared = JwtKeys::new(&shared);
        let hs_token = shared.mint("a", &[], Duration::from_secs(60)).unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&hs_token).unwrap().alg,
            Algorithm::HS256
        );
        assert!(shared.verify(&hs_token).is_ok());
        assert_eq!(keys().verify(&hs_token).unwrap_err().code, "invalid_token");

        // An HS256 token whose "secret" is a service's public key (algorithm confusion).
        let public = key("k1", 1).public_key();
        let confused = jsonwebtoken::encode(
            &Header {
                kid: Some("k1".into()),
                ..Header::new(Algorithm::HS256)
            },
            &claims(60),
            &EncodingKey::from_secret(&public.key),
        )
        .unwrap();
        assert_eq!(keys().verify(&confused).unwrap_err().code, "invalid_token");
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
        let expired = keys.sign(&claims(-3600)).unwrap();
        assert_eq!(keys.verify(&expired).unwrap_err().code, "token_expired");

        let other = JwtKeys::new(&AuthConfig::signing(key("k2", 2)));
        let foreign = other.mint("a", &[], Duration::from_secs(60)).unwrap();
        assert_eq!(keys.verify(&foreign).unwrap_err().code, "invalid_token");
        assert_eq!(
            keys.verify("not.a.token").unwrap_err().code,
            "invalid_token"
        );
    }

    #[test]
    fn keys_round_trip_through_their_config_values_and_jwks() {
        let signing = key("fa-1", 3);
        let parsed = SigningKey::parse(signing.to_config_value().expose_secret()).unwrap();
        assert_eq!(parsed.public_key(), signing.public_key());
        let public = signing.public_key();
        assert_eq!(
            PublicKey::parse_list(&format!(" {} , ", public.to_config_value())).unwrap(),
            vec![public.clone()]
        );
        let jwks =
            serde_json::to_string(&JwtKeys::new(&AuthConfig::signing(signing)).jwks()).unwrap();
        assert_eq!(PublicKey::parse_list(&jwks).unwrap(), vec![public.clone()]);
        assert!(PublicKey::parse_list("k:short").is_err());
        assert!(PublicKey::parse_list("bad kid!:AAAA").is_err());
        let twice = format!("{0},{0}", public.to_config_value());
        assert!(PublicKey::parse_list(&twice).is_err());
        assert!(SigningKey::parse("no-colon").is_err());
    }

    #[test]
    fn configuration_asks_for_keys_and_refuses_a_silent_shared_secret() {
        let public = key("k1", 1).public_key().to_config_value();
        let mut env = EnvReader::from_pairs([("JWT_PUBLIC_KEYS", public.as_str())]);
        let config = AuthConfig::from_env(&mut env, false);
        assert!(env.finish().is_ok());
        assert_eq!(config.public_keys.len(), 1);

        let mut env = EnvReader::from_pairs([]);
        AuthConfig::from_env(&mut env, false);
        assert!(
            env.finish()
                .unwrap_err()
                .to_string()
                .contains("JWT_PUBLIC_KEYS")
        );

        let mut env = EnvReader::from_pairs([("JWT_PUBLIC_KEYS", public.as_str())]);
        AuthConfig::from_env(&mut env, true);
        assert!(
            env.finish()
                .unwrap_err()
                .to_string()
                .contains("JWT_SIGNING_KEY")
        );

        let secret = "0123456789abcdef0123456789abcdef";
        let mut env = EnvReader::from_pairs([("JWT_SECRET", secret)]);
        AuthConfig::from_env(&mut env, false);
        assert!(env.finish().unwrap_err().to_string().contains("JWT_HS256"));

        let mut env = EnvReader::from_pairs([("JWT_SECRET", secret), ("JWT_HS256", "true")]);
        let config = AuthConfig::from_env(&mut env, true);
        assert!(env.finish().is_ok());
        assert!(config.hs256_secret.is_some());
    }
}
