//! The person directory's types: validated values, a new person, changes to one, the record.
//!
//! Parsing is the only way to make these values, so every `Email` is well formed, every
//! `PhoneNumber` is E.164 and every name is trimmed, non-empty and bounded.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::FieldIssue;

/// An email address, as the person typed it (trimmed). Uniqueness is case-insensitive:
/// compare [`Email::normalized`], never the raw string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(FieldIssue::new("required", "must not be empty"));
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(too_long(Self::MAX_LEN));
        }
        let parsed = email_address::EmailAddress::parse_with_options(
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
        // Organisations' addresses live under a real domain; `user@localhost` is almost
        // always a typo, and it is what an attendance system would mail reports to.
        if !parsed.domain().contains('.') || parsed.domain().ends_with('.') {
            return Err(FieldIssue::new(
                "invalid_email",
                "is not a valid email address: the domain needs a dot",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key under which uniqueness is enforced.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A phone number in E.164 form: `+`, country code, subscriber number, at most 15 digits.
/// Spaces, hyphens, dots and parentheses that people type for readability are removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let invalid = || {
            FieldIssue::new(
                "invalid_phone",
                "must be an E.164 phone number: '+', country code and number, 8 to 15 digits",
            )
        };
        let digits = compact.strip_prefix('+').ok_or_else(invalid)?;
        let valid = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(Self(compact))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A bounded, trimmed, non-empty text without control characters: names, departments,
/// id numbers. The bound is per field, so it is checked by the caller-supplied limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Text(String);

impl Text {
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, FieldIssue> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(FieldIssue::new("required", "must not be empty"));
        }
        if value.chars().count() > max_chars {
            return Err(too_long(max_chars));
        }
        if value.chars().any(char::is_control) {
            return Err(FieldIssue::new(
                "invalid_characters",
                "must not contain control characters",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn too_long(max: usize) -> FieldIssue {
    FieldIssue::new("too_long", format!("must be at most {max} characters"))
}

/// Field length limits, in characters, shared by validation and the database schema.
pub mod limits {
    pub const NAME: usize = 100;
    pub const ID_NUMBER: usize = 64;
    pub const ID_TYPE: usize = 50;
    pub const DEPARTMENT: usize = 100;
    pub const ORGANIZATION: usize = 200;
    pub const ADDRESS: usize = 500;
    pub const EMERGENCY_CONTACT: usize = 200;
    /// A search term; longer ones cannot match any field anyway.
    pub const SEARCH_QUERY: usize = 254;
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $code:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
                match raw {
                    $($text => Ok($name::$variant),)+
                    _ => Err(FieldIssue::new(
                        $code,
                        format!("must be one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// What a person is to the organisation.
    PersonType, "invalid_person_type" {
        Employee => "employee",
        Visitor => "visitor",
        Contractor => "contractor",
    }
);

string_enum!(
    /// Whether a person is tracked: only active persons are expected at work.
    PersonStatus, "invalid_status" {
        Active => "active",
        Inactive => "inactive",
        Archived => "archived",
    }
);

/// A person about to be created, every field valid.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPerson {
    pub first_name: Text,
    pub last_name: Text,
    pub email: Email,
    pub phone: Option<PhoneNumber>,
    pub person_type: PersonType,
    pub id_number: Option<Text>,
    pub id_type: Option<Text>,
    pub department: Option<Text>,
    pub organization: Option<Text>,
    pub status: PersonStatus,
}

/// A change to a person: `None` leaves a field as it is; for optional fields
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonChanges {
    pub first_name: Option<Text>,
    pub last_name: Option<Text>,
    pub email: Option<Email>,
    pub phone: Option<Option<PhoneNumber>>,
    pub person_type: Option<PersonType>,
    pub id_number: Option<Option<Text>>,
    pub id_type: Option<Option<Text>>,
    pub department: Option<Option<Text>>,
    pub organization: Option<Option<Text>>,
    pub status: Option<PersonStatus>,
}

/// A person as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub person_type: PersonType,
    pub id_number: Option<String>,
    pub id_type: Option<String>,
    pub department: Option<String>,
    pub organization: Option<String>,
    pub status: PersonStatus,
    pub face_encoding_count: u32,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub last_face_enrolled: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Person {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// Applies validated changes and returns the names of the fields whose value changed.
    pub fn apply(&mut self, changes: PersonChanges, now: DateTime<Utc>) -> Vec<&'static str> {
        let mut changed = Vec::new();
        fn set<T: PartialEq>(
            slot: &mut T,
            value: Option<T>,
            name: &'static str,
            changed: &mut Vec<&'static str>,
        ) {
            if let Some(value) = value
                && *slot != value
            {
                *slot = value;
                changed.push(name);
            }
        }
        let text = |t: Text| t.0;
        let opt_text = |t: Option<Option<Text>>| t.map(|inner| inner.map(|t| t.0));
        set(
            &mut self.first_name,
            changes.first_name.map(text),
            "first_name",
            &mut changed,
        );
        set(
            &mut self.last_name,
            changes.last_name.map(text),
            "last_name",
            &mut changed,
        );
        set(
            &mut self.email,
            changes.email.map(|e| e.0),
            "email",
            &mut changed,
        );
        set(
            &mut self.phone,
            changes.phone.map(|p| p.map(|p| p.0)),
            "phone",
            &mut changed,
        );
        set(
            &mut self.person_type,
            changes.person_type,
            "person_type",
            &mut changed,
        );
        set(
            &mut self.id_number,
            opt_text(changes.id_number),
            "id_number",
            &mut changed,
        );
        set(
            &mut self.id_type,
            opt_text(changes.id_type),
            "id_type",
            &mut changed,
        );
        set(
            &mut self.department,
            opt_text(changes.department),
            "department",
            &mut changed,
        );
        set(
            &mut self.organization,
            opt_text(changes.organization),
            "organization",
            &mut changed,
        );
        set(&mut self.status, changes.status, "status", &mut changed);
        if !changed.is_empty() {
            self.updated_at = now;
        }
        changed
    }

    /// The lower-cased text that substring search runs over: names, email, id number.
    pub fn search_text(&self) -> String {
        let mut text = format!("{} {} {}", self.first_name, self.last_name, self.email);
        if let Some(id_number) = &self.id_number {
            text.push(' ');
            text.push_str(id_number);
        }
        text.to_lowercase()
    }
}

impl NewPerson {
    pub fn into_person(self, id: Uuid, now: DateTime<Utc>) -> Person {
        Person {
            id,
            first_name: self.first_name.0,
            last_name: self.last_name.0,
            email: self.email.0,
            phone: self.phone.map(|p| p.0),
            person_type: self.person_type,
            id_number: self.id_number.map(|t| t.0),
            id_type: self.id_type.map(|t| t.0),
            department: self.department.map(|t| t.0),
            organization: self.organization.map(|t| t.0),
            status: self.status,
            face_encoding_count: 0,
            enrolled_at: None,
            last_face_enrolled: None,
            created_at: now,
            updated_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" John.Doe@Company.com ").unwrap().as_str(),
            "John.Doe@Company.com"
        );
        assert_eq!(
            Email::parse("John.Doe@Company.com").unwrap().normalized(),
            "john.doe@company.com"
        );
        for bad in [
            "",
            "john",
            "john@",
            "@company.com",
            "john@localhost",
            "a b@c.com",
            "John <j@c.com>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err().code, "too_long");
    }

    #[test]
    fn phones() {
        assert_eq!(
            PhoneNumber::parse("+1234567890").unwrap().as_str(),
            "+1234567890"
        );
        assert_eq!(
            PhoneNumber::parse("+44 (20) 7946-0958").unwrap().as_str(),
            "+442079460958"
        );
        for bad in [
            "1234567890",
            "+0123456789",
            "+12",
            "+1234567890123456",
            "+12345abc90",
            "",
            "+",
        ] {
            assert!(
                PhoneNumber::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn text_bounds() {
        assert_eq!(Text::parse("  Ada ", 10).unwrap().as_str(), "Ada");
        assert_eq!(Text::parse("   ", 10).unwrap_err().code, "required");
        assert_eq!(Text::parse("abcdefghijk", 10).unwrap_err().code, "too_long");
        assert_eq!(
            Text::parse("éééééééééé", 10).unwrap().as_str(),
            "éééééééééé"
        );
        assert_eq!(
            Text::parse("a\u{0}b", 10).unwrap_err().code,
            "invalid_characters"
        );
    }

    #[test]
    fn enums_round_trip() {
        for t in PersonType::ALL {
            assert_eq!(PersonType::parse(t.as_str()), Ok(*t));
        }
        for s in PersonStatus::ALL {
            assert_eq!(PersonStatus::parse(s.as_str()), Ok(*s));
        }
        assert_eq!(
            PersonType::parse("Employee").unwrap_err().code,
            "invalid_person_type"
        );
        assert_eq!(
            PersonStatus::parse("deleted").unwrap_err().code,
            "invalid_status"
        );
    }

    fn sample() -> Person {
        NewPerson {
            first_name: Text::parse("John", 100).unwrap(),
            last_name: Text::parse("Doe", 100).unwrap(),
            email: Email::parse("John.Doe@company.com").unwrap(),
            phone: None,
            person_type: PersonType::Employee,
            id_number: Some(Text::parse("EMP123", 64).unwrap()),
            id_type: None,
            department: Some(Text::parse("Engineering", 100).unwrap()),
            organization: None,
            status: PersonStatus::Active,
        }
        .into_person(Uuid::nil(), Utc::now())
    }

    #[test]
    fn apply_reports_only_real_changes() {
        let mut person = sample();
        let before = person.updated_at;
        let later = before + chrono::Duration::seconds(5);
        let unchanged = person.apply(
            PersonChanges {
                department: Some(Some(Text::parse("Engineering", 100).unwrap())),
                ..Default::default()
            },
            later,
        );
        assert!(unchanged.is_empty());
        assert_eq!(person.updated_at, before);

        let changed = person.apply(
            PersonChanges {
                department: Some(None),
                status: Some(PersonStatus::Inactive),
                ..Default::default()
            },
            later,
        );
        assert_eq!(changed, vec!["department", "status"]);
        assert_eq!(person.department, None);
        assert_eq!(person.updated_at, later);
    }

    #[test]
    fn search_text_is_lowercase_and_covers_id_number() {
        assert_eq!(
            sample().search_text(),
            "john doe john.doe@company.com emp123"
        );
    }
}
