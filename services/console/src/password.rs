//! Password hashing: Argon2id in the PHC string format.
//!
//! The parameters are RustCrypto `argon2`'s defaults, which are OWASP's baseline for Argon2id
//! (19 MiB of memory, 2 passes, 1 lane). They are written into every hash, so raising them
//! later re-hashes nobody and still verifies old hashes; [`PasswordHasher::needs_rehash`] tells
//! when a stored hash is weaker than the current parameters, so a sign-in can upgrade it.
//!
//! Hashing is deliberately slow (tens of milliseconds) and runs on the blocking pool, never on
//! the async workers. A sign-in for an unknown email verifies against a decoy hash made with
//! the same parameters, so the answer takes as long as for a wrong password.

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("could not hash the password: {0}")]
    Hash(String),
    #[error("the stored password hash is not a valid PHC string: {0}")]
    StoredHash(String),
    #[error("the hashing task failed: {0}")]
    Task(String),
}

/// Hashes and verifies operator passwords. Cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    /// A hash of a random password nobody knows, verified when the email is unknown.
    decoy: String,
}

impl PasswordHasher {
    pub fn new() -> Result<Self, PasswordError> {
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| PasswordError::Hash(e.to_string()))?;
        let decoy = hash_blocking(&hex::encode(random))?;
        Ok(Self { decoy })
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) of `password`.
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let password = SecretString::from(password.to_owned());
        tokio::task::spawn_blocking(move || hash_blocking(password.expose_secret()))
            .await
            .map_err(|e| PasswordError::Task(e.to_string()))?
    }

    /// Whether `password` matches `stored`; with no stored hash (an unknown email), the decoy
    /// is verified instead and the answer is always false, in the same time.
    pub async fn verify(
        &self,
        password: &str,
        stored: Option<&str>,
    ) -> Result<bool, PasswordError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or(&self.decoy).to_owned();
        let password = SecretString::from(password.to_owned());
        let matches = tokio::task::spawn_blocking(move || {
            let parsed =
                PasswordHash::new(&hash).map_err(|e| PasswordError::StoredHash(e.to_string()))?;
            Ok::<_, PasswordError>(
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok(),
            )
        })
        .await
        .map_err(|e| PasswordError::Task(e.to_string()))??;
        Ok(known && matches)
    }

    /// Whether `stored` was made with weaker parameters (or another algorithm) than a new hash
    /// would be.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let (Ok(stored), Ok(current)) = (PasswordHash::new(stored), PasswordHash::new(&self.decoy))
        else {
            return true;
        };
        stored.algorithm != current.algorithm
            || stored.version != current.version
            || stored.params != current.params
    }
}

fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    use argon2::PasswordHasher as _;
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = PasswordHasher::new().unwrap();
        let hash = hasher.hash("correct horse battery").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse battery", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("correct horse batterY", Some(&hash))
                .await
                .unwrap()
        );
        // Salted: the same password hashes differently each time.
        assert_ne!(hash, hasher.hash("correct horse battery").await.unwrap());
        assert!(!hasher.needs_rehash(&hash));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = PasswordHasher::new().unwrap();
        assert!(!hasher.verify("anything at all", None).await.unwrap());
        assert!(!hasher.verify("", None).await.unwrap());
    }

    #[tokio::test]
    async fn weaker_or_foreign_hashes_need_rehashing() {
        let hasher = PasswordHasher::new().unwrap();
        let weak = {
            use argon2::PasswordHasher as _;
            let params = argon2::Params::new(8 * 1024, 1, 1, None).unwrap();
            let hash: PasswordHash =
                Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                    .hash_password(b"correct horse battery")
                    .unwrap();
            hash.to_string()
        };
        assert!(hasher.needs_rehash(&weak));
        assert!(
            hasher
                .verify("correct horse battery", Some(&weak))
                .await
                .unwrap()
        );
        assert!(hasher.needs_rehash("not a phc string"));
        assert!(
            hasher
                .verify("correct horse battery", Some("not a phc string"))
                .await
                .is_err()
        );
    }
}
