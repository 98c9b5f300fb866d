//! Sessions: what a sign-in opens, and the cookie that names it.
//!
//! A session id is 256 random bits from the operating system, given to the browser once in an
//! HttpOnly, SameSite=Strict cookie and stored only as its SHA-256, so a leaked copy of the
//! database opens no session. A session ends at the first of: its idle timeout since the last
//! request, its absolute lifetime since sign-in, sign-out, a password change, or an admin
//! revoking the operator's sessions.
//!
//! The cookie is `__Host-faceattend_session` with `Secure` whenever the console is served over
//! HTTPS (its public origin is `https://`, or `COOKIE_SECURE=true` behind a TLS-terminating
//! proxy); browsers take a `__Host-` cookie only with `Secure`, so over plain HTTP (`make run`
//! on localhost) it is `faceattend_session` without it.

use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The secret a browser holds: only its hash is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A fresh token: 32 random bytes, base64url (43 characters).
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A token as a cookie carried it; anything but 43 base64url characters is no token.
    pub fn parse(raw: &str) -> Option<Self> {
        let valid = raw.len() == 43
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid.then(|| Self(raw.to_owned()))
    }

    /// What the database keys the session by.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetime {
    /// Ends a session this long after its last request.
    pub idle_timeout: Duration,
    /// Ends a session this long after sign-in, however active.
    pub absolute_lifetime: Duration,
}

impl SessionLifetime {
    /// Whether a session signed in at `created_at` and last used at `last_seen_at` is over.
    pub fn is_over(
        &self,
        created_at: DateTime<Utc>,
        last_seen_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        now >= last_seen_at + self.idle_timeout || now >= created_at + self.absolute_lifetime
    }

    /// How often a session's last use is written: a write per request would cost more than
    /// the idle timeout's precision is worth, so at most once a minute, and often enough
    /// (a tenth of the idle timeout) that an active session never looks idle.
    pub fn touch_every(&self) -> Duration {
        (self.idle_timeout / 10).min(Duration::from_secs(60))
    }

    /// When a session signed in at `created_at` ends at the latest.
    pub fn absolute_end(&self, created_at: DateTime<Utc>) -> DateTime<Utc> {
        created_at + self.absolute_lifetime
    }
}

/// Which cookie the console sets, decided once from its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    pub const SECURE_NAME: &'static str = "__Host-faceattend_session";
    pub const PLAIN_NAME: &'static str = "faceattend_session";

    pub fn name(&self) -> &'static str {
        if self.secure {
            Self::SECURE_NAME
        } else {
            Self::PLAIN_NAME
        }
    }

    /// The cookie that carries a new session. No `Max-Age`: it is a browser-session cookie,
    /// and the server ends the session itself.
    pub fn session_cookie(&self, token: &SessionToken) -> Cookie<'static> {
        Cookie::build(self.name(), token.as_str().to_owned())
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .finish()
    }

    /// The cookie that makes the browser forget the session.
    pub fn removal_cookie(&self) -> Cookie<'static> {
        let mut cookie = Cookie::build(self.name(), "")
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .finish();
        cookie.make_removal();
        cookie
    }

    /// The session token a request carries, if any well-formed one.
    pub fn token(&self, request: &HttpRequest) -> Option<SessionToken> {
        request
            .cookie(self.name())
            .and_then(|cookie| SessionToken::parse(cookie.value()))
    }

    pub const KIOSK_SECURE_NAME: &'static str = "__Host-faceattend_kiosk";
    pub const KIOSK_PLAIN_NAME: &'static str = "faceattend_kiosk";

    /// The name of a kiosk device's cookie (`__Host-` only with `Secure`, as the session's).
    pub fn kiosk_name(&self) -> &'static str {
        if self.secure {
            Self::KIOSK_SECURE_NAME
        } else {
            Self::KIOSK_PLAIN_NAME
        }
    }

    /// The cookie a paired kiosk device holds: unlike an operator's, it lasts (a year), since
    /// the device is meant to stay paired until an admin revokes it.
    pub fn kiosk_cookie(&self, token: &SessionToken) -> Cookie<'static> {
        Cookie::build(self.kiosk_name(), token.as_str().to_owned())
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .max_age(actix_web::cookie::time::Duration::seconds(
                crate::kiosk::DEVICE_COOKIE_LIFETIME.as_secs() as i64,
            ))
            .finish()
    }

    /// The kiosk device token a request carries, if any well-formed one.
    pub fn kiosk_token(&self, request: &HttpRequest) -> Option<SessionToken> {
        request
            .cookie(self.kiosk_name())
            .and_then(|cookie| SessionToken::parse(cookie.value()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = SessionToken::generate().unwrap();
        let b = SessionToken::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 43);
        assert_eq!(SessionToken::parse(a.as_str()), Some(a.clone()));
        assert_eq!(a.hash().len(), 64);
        assert_ne!(a.hash(), a.as_str());
        assert_eq!(format!("{a:?}"), "SessionToken(..)");
        for bad in [
            "",
            "short",
            &"a".repeat(44),
            &format!("{}=", "a".repeat(42)),
        ] {
            assert!(SessionToken::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let lifetime = SessionLifetime {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_lifetime: Duration::from_secs(12 * 3600),
        };
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let minutes = |m: i64| start + chrono::Duration::minutes(m);
        assert!(!lifetime.is_over(start, start, minutes(29)));
        assert!(lifetime.is_over(start, start, minutes(30)));
        assert!(!lifetime.is_over(start, minutes(700), minutes(719)));
        assert!(lifetime.is_over(start, minutes(700), minutes(720)));
    }

    #[test]
    fn the_cookie_is_host_prefixed_only_when_secure() {
        let token = SessionToken::generate().unwrap();
        let secure = CookiePolicy { secure: true }.session_cookie(&token);
        assert_eq!(secure.name(), "__Host-faceattend_session");
        assert_eq!(secure.secure(), Some(true));
        assert_eq!(secure.http_only(), Some(true));
        assert_eq!(secure.same_site(), Some(SameSite::Strict));
        assert_eq!(secure.path(), Some("/"));
        assert_eq!(secure.domain(), None);
        let plain = CookiePolicy { secure: false }.session_cookie(&token);
        assert_eq!(plain.name(), "faceattend_session");
        assert_eq!(plain.secure(), Some(false));
        let kiosk = CookiePolicy { secure: true }.kiosk_cookie(&token);
        assert_eq!(kiosk.name(), "__Host-faceattend_kiosk");
        assert_eq!(kiosk.secure(), Some(true));
        assert_eq!(kiosk.http_only(), Some(true));
        assert_eq!(kiosk.same_site(), Some(SameSite::Strict));
        assert_eq!(kiosk.path(), Some("/"));
        assert_eq!(kiosk.max_age().map(|age| age.whole_days()), Some(365));
        let plain = CookiePolicy { secure: false }.kiosk_cookie(&token);
        assert_eq!(plain.name(), "faceattend_kiosk");
        assert_eq!(plain.secure(), Some(false));
        let removal = CookiePolicy { secure: true }.removal_cookie();
        assert_eq!(removal.value(), "");
        assert!(removal.max_age().is_some_and(|age| age.is_zero()));
    }
}
