//! What every request handler shares, and the extractor that says who is signed in.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;
use faceattend_bus::Bus;
use faceattend_service::auth::JwtKeys;

use tokio_util::sync::CancellationToken;

use crate::csrf::PublicOrigins;
use crate::error::ConsoleError;
use crate::kiosk::frames::KioskSettings;
use crate::live::LiveFeedSettings;
use crate::password::PasswordHasher;
use crate::proxy::Upstream;
use crate::session::{CookiePolicy, SessionLifetime};
use crate::store::{Audit, AuditEvent, ConsoleStore, Operator};
use crate::system::SystemProbe;
use crate::throttle::ThrottlePolicy;

/// The console's shared state, one per process.
pub struct ConsoleState {
    pub store: ConsoleStore,
    pub hasher: PasswordHasher,
    pub keys: JwtKeys,
    pub cookie: CookiePolicy,
    pub lifetime: SessionLifetime,
    pub origins: PublicOrigins,
    pub trust_proxy_headers: bool,
    pub account_throttle: ThrottlePolicy,
    pub client_throttle: ThrottlePolicy,
    pub upstream: Upstream,
    /// The connection to NATS (it reconnects on its own; the console starts without it).
    pub bus: Bus,
    /// The system page's probes and their cache.
    pub system: SystemProbe,
    /// Lifetime of a token minted for one forwarded request.
    pub token_ttl: std::time::Duration,
    pub live: LiveFeedSettings,
    /// The kiosks' shared results subscription, appearances and evidence store.
    pub kiosks: KioskSettings,
    /// Cancelled when the console stops: live feeds close with 1001 rather than being cut.
    pub shutdown: CancellationToken,
}

impl ConsoleState {
    /// The address a request came from: the connection's peer, or, behind a proxy the
    /// operator trusts, the first `X-Forwarded-For` entry.
    pub fn client_address(&self, request: &HttpRequest) -> Option<String> {
        if self.trust_proxy_headers {
            request
                .connection_info()
                .realip_remote_addr()
                .map(|address| address.to_owned())
        } else {
            request.peer_addr().map(|address| address.ip().to_string())
        }
    }
}

/// Extractor: the request carries a live session. Answers 401 `not_signed_in` without one,
/// and 401 `session_expired` (after removing it) for one that has ended.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub operator: Operator,
    /// The session's id hash, so sign-out and a password change know which one it is.
    pub session: String,
    pub signed_in_at: chrono::DateTime<Utc>,
}

impl FromRequest for SignedIn {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = request
                .app_data::<web::Data<ConsoleState>>()
                .expect("ConsoleState is registered")
                .clone();
            signed_in(&state, &request).await
        })
    }
}

/// The signed-in operator of a request (the extractor's body, also used by the proxy). A
/// request counts as activity: it keeps the session from its idle timeout.
pub async fn signed_in(
    state: &ConsoleState,
    request: &HttpRequest,
) -> Result<SignedIn, ConsoleError> {
    let token = state
        .cookie
        .token(request)
        .ok_or(ConsoleError::NotSignedIn)?;
    let (signed_in, last_seen_at) = session_in_force(state, token.hash()).await?;
    let now = Utc::now();
    if (now - last_seen_at).to_std().unwrap_or_default() >= state.lifetime.touch_every() {
        state.store.touch_session(&signed_in.session, now).await?;
    }
    Ok(signed_in)
}

/// The session `id_hash` if it is still in force (neither expired, signed out, revoked, nor
/// its operator disabled), and when it was last used; an ended one is removed. This alone
/// is not activity: the live feed asks it again and again, and an open Today page must not
/// keep a session from its idle timeout.
pub async fn session_in_force(
    state: &ConsoleState,
    id_hash: String,
) -> Result<(SignedIn, chrono::DateTime<Utc>), ConsoleError> {
    let record = state
        .store
        .session(&id_hash)
        .await?
        .ok_or(ConsoleError::SessionEnded)?;
    let now = Utc::now();
    if state
        .lifetime
        .is_over(record.created_at, record.last_seen_at, now)
    {
        state
            .store
            .close_session(
                &id_hash,
                Some(
                    Audit::new(AuditEvent::SignOut)
                        .operator(record.operator.id)
                        .detail("session expired"),
                ),
                now,
            )
            .await?;
        return Err(ConsoleError::SessionEnded);
    }
    if record.operator.disabled {
        state.store.close_session(&id_hash, None, now).await?;
        return Err(ConsoleError::SessionEnded);
    }
    Ok((
        SignedIn {
            operator: record.operator,
            session: id_hash,
            signed_in_at: record.created_at,
        },
        record.last_seen_at,
    ))
}
