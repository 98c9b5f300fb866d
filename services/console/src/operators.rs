//! Operators: the people who sign in to the console, and what their role lets them do.
//!
//! The types here validate on construction ([`OperatorEmail::parse`], [`DisplayName::parse`],
//! [`NewPassword::parse`], [`Role::parse`]), so a handler never holds an unchecked value. A role
//! maps to the spec's permissions ([`Role::permissions`]); the console mints exactly those
//! into the token it forwards upstream, so person-api and attendance-api enforce the role.

use std::fmt;

use faceattend_domain::FieldIssue;
use faceattend_domain::person::Text;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an operator may do. The order is from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, and manages operators.
    Admin,
    /// Persons and attendance, read and write; approves reviews and requests.
    Hr,
    /// Reads persons and attendance, and records manual check-ins and check-outs, which
    /// attendance-api keeps pending until HR approves them.
    Reception,
    /// Reads persons and attendance, changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Hr, Role::Reception, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Hr => "hr",
            Role::Reception => "reception",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == raw)
            .ok_or_else(|| {
                FieldIssue::new(
                    "invalid_choice",
                    "must be one of admin, hr, reception, viewer",
                )
            })
    }

    /// The permissions of every request this role makes, whatever it asks for.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Role::Admin | Role::Hr => &[
                "persons:read",
                "persons:write",
                "attendance:read",
                "attendance:write",
            ],
            Role::Reception | Role::Viewer => &["persons:read", "attendance:read"],
        }
    }

    /// The permissions to mint for `method` on the upstream `path`: the role's own, plus, for
    /// reception, `attendance:write` on exactly the two manual-entry routes (their entries wait
    /// for HR's approval, so reception records and HR decides).
    pub fn permissions_for(self, method: &str, path: &str) -> Vec<String> {
        let mut permissions: Vec<String> =
            self.permissions().iter().map(|p| (*p).to_owned()).collect();
        let manual_entry = method == "POST"
            && matches!(
                path.trim_end_matches('/'),
                "/api/v1/attendance/check-in" | "/api/v1/attendance/check-out"
            );
        if self == Role::Reception && manual_entry {
            permissions.push("attendance:write".to_owned());
        }
        permissions
    }

    pub fn manages_operators(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operator's sign-in name: an email address, kept lower-cased so that uniqueness and
/// sign-in ignore case. Unlike a person's email it may have a dotless domain
/// (`admin@localhost`, the account `make run` creates).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OperatorEmail(String);

impl OperatorEmail {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(FieldIssue::new("required", "must not be empty"));
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(FieldIssue::new(
                "too_long",
                format!("must be at most {} characters", Self::MAX_LEN),
            ));
        }
        email_address::EmailAddress::parse_with_options(
            value,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal(),
        )
        .map_err(|e| {
            FieldIssue::new(
                "invalid_email",
                format!("is not a valid email address: {e}"),
            )
        })?;
        Ok(Self(value.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OperatorEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name the console shows in its header and audit views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_LEN: usize = 100;

    /// Trimmed, 1 to [`Self::MAX_LEN`] characters, no control characters: the rules of every
    /// name in the directory ([`Text`]).
    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        Text::parse(raw, Self::MAX_LEN).map(|text| Self(text.as_str().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password an operator chose: long enough to resist guessing, short enough that hashing
/// it cannot be used to burn the server's CPU. Length is what counts (NIST SP 800-63B): no
/// composition rules.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(FieldIssue::new(
                "too_short",
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(FieldIssue::new(
                "too_long",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if raw.chars().any(|c| c == '\0') {
            return Err(FieldIssue::new(
                "invalid_characters",
                "must not contain NUL characters",
            ));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_may_be_local() {
        assert_eq!(
            OperatorEmail::parse(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        assert_eq!(
            OperatorEmail::parse("admin@localhost").unwrap().as_str(),
            "admin@localhost"
        );
        for bad in [
            "",
            "no-at-sign",
            "a@",
            "@b",
            "Ada <ada@example.com>",
            "a@[127.0.0.1]",
        ] {
            assert!(OperatorEmail::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(OperatorEmail::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn passwords_are_judged_by_length_alone() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("correct horse battery").is_ok());
        assert!(NewPassword::parse("ünïcödé-pässwörd").is_ok());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert!(NewPassword::parse("twelve chars\0!").is_err());
        assert_eq!(
            format!("{:?}", NewPassword::parse("correct horse battery").unwrap()),
            "NewPassword(..)"
        );
    }

    #[test]
    fn roles_map_to_the_spec_permissions() {
        assert_eq!(Role::Admin.permissions().len(), 4);
        assert_eq!(Role::Hr.permissions(), Role::Admin.permissions());
        assert_eq!(
            Role::Viewer.permissions(),
            ["persons:read", "attendance:read"]
        );
        assert!(Role::Admin.manages_operators());
        assert!(!Role::Hr.manages_operators());
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
        assert!(Role::parse("Admin").is_err());
    }

    #[test]
    fn reception_writes_only_manual_entries() {
        let write = "attendance:write".to_owned();
        assert!(
            Role::Reception
                .permissions_for("POST", "/api/v1/attendance/check-in")
                .contains(&write)
        );
        assert!(
            Role::Reception
                .permissions_for("POST", "/api/v1/attendance/check-out")
                .contains(&write)
        );
        assert!(
            !Role::Reception
                .permissions_for("POST", "/api/v1/attendance/corrections")
                .contains(&write)
        );
        assert!(
            !Role::Reception
                .permissions_for("GET", "/api/v1/attendance/check-in")
                .contains(&write)
        );
        assert!(
            !Role::Viewer
                .permissions_for("POST", "/api/v1/attendance/check-in")
                .contains(&write)
        );
    }
}
