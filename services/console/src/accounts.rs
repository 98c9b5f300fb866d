//! Creating operators and setting passwords: the steps the API and the `faceattend operator`
//! command share (validate, hash, store with its audit entry).

use chrono::Utc;
use faceattend_domain::ValidationErrors;

use crate::error::ConsoleError;
use crate::operators::{DisplayName, NewPassword, OperatorEmail, Role};
use crate::password::PasswordHasher;
use crate::store::{Audit, AuditEvent, ConsoleStore, NewOperator, Operator};

/// An operator to create, as typed.
#[derive(Debug)]
pub struct OperatorInput<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

/// Validates every field (all problems at once), hashes the password and stores the operator
/// with an `operator_created` audit entry carrying `audit_detail`.
pub async fn create_operator(
    store: &ConsoleStore,
    hasher: &PasswordHasher,
    input: OperatorInput<'_>,
    client_address: Option<String>,
    audit_detail: String,
) -> Result<Operator, ConsoleError> {
    let mut errors = ValidationErrors::default();
    let email = errors.check("email", OperatorEmail::parse(input.email));
    let display_name = errors.check("display_name", DisplayName::parse(input.display_name));
    let password = errors.check("password", NewPassword::parse(input.password));
    let (Some(email), Some(display_name), Some(password)) = (email, display_name, password) else {
        return Err(errors.into());
    };
    let password_hash = hasher.hash(password.expose()).await?;
    Ok(store
        .create_operator(
            NewOperator {
                email,
                display_name,
                role: input.role,
                password_hash,
            },
            Audit::new(AuditEvent::OperatorCreated)
                .client(client_address)
                .detail(format!("role {} {audit_detail}", input.role)),
            Utc::now(),
        )
        .await?)
}

/// Sets an operator's password, ending every session of theirs but `keep`.
pub async fn set_password(
    store: &ConsoleStore,
    hasher: &PasswordHasher,
    operator: &Operator,
    password: &str,
    keep: Option<&str>,
    audit: Audit,
) -> Result<(), ConsoleError> {
    let password = NewPassword::parse(password)
        .map_err(|issue| ValidationErrors(vec![issue.at("new_password")]))?;
    let hash = hasher.hash(password.expose()).await?;
    store
        .set_password(operator.id, hash, keep, audit, Utc::now())
        .await?;
    Ok(())
}

/// The first admin of a console with no operator: `email` with a random password, returned
/// once. `None` when operators exist already (then nothing is changed).
pub async fn bootstrap_admin(
    store: &ConsoleStore,
    hasher: &PasswordHasher,
    email: &str,
) -> Result<Option<(Operator, String)>, ConsoleError> {
    if store.operator_count().await? > 0 {
        return Ok(None);
    }
    let password = random_password()?;
    let operator = create_operator(
        store,
        hasher,
        OperatorInput {
            email,
            display_name: "Administrator",
            role: Role::Admin,
            password: &password,
        },
        None,
        "by faceattend operator bootstrap".to_owned(),
    )
    .await?;
    Ok(Some((operator, password)))
}

/// 20 characters from a 56-letter alphabet without look-alikes (no 0/O, 1/l/I): 116 bits.
fn random_password() -> Result<String, ConsoleError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut password = String::with_capacity(20);
    while password.len() < 20 {
        let mut byte = [0u8; 1];
        getrandom::fill(&mut byte).map_err(|e| ConsoleError::Random(e.to_string()))?;
        // Rejection sampling: bytes past the largest multiple of the alphabet would bias it.
        let limit = 256 - 256 % ALPHABET.len();
        if usize::from(byte[0]) < limit {
            password.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_passwords_are_long_and_unambiguous() {
        let a = random_password().unwrap();
        let b = random_password().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 20);
        assert!(NewPassword::parse(&a).is_ok());
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']));
    }
}
