//! How validation failures are described: per field, with a stable machine-readable code.
//!
//! Value types return a [`FieldIssue`] (what is wrong, not where); the code that knows the
//! field name turns it into a [`FieldError`], and a whole request collects them into
//! [`ValidationErrors`] so a client learns about every bad field at once, not one per try.

use serde::Serialize;

/// What is wrong with one value, independent of where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// Stable, machine-readable: clients may switch on it.
    pub code: &'static str,
    /// For people; may change wording between versions.
    pub message: String,
}

impl FieldIssue {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            code: self.code,
            message: self.message,
        }
    }
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// Every invalid field of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s): {}", .0.len(), summary(.0))]
pub struct ValidationErrors(pub Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} ({})", e.field, e.code))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ValidationErrors {
    pub fn single(error: FieldError) -> Self {
        Self(vec![error])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the outcome of one field's parse, keeping the value when it is valid.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, FieldIssue>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(issue) => {
                self.0.push(issue.at(field));
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// `Ok(value)` when nothing was recorded, else every recorded error.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}
