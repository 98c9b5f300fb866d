//! faceattend's domain: the types every service agrees on, validated on construction.
//!
//! Nothing here does I/O. A value of a type from this crate has passed its rules
//! (`Email::parse`, `PersonType::parse`, ...), so code past the HTTP edge never has to
//! ask whether a person's email is well formed or a page size is in range.

pub mod attendance;
pub mod camera;
pub mod events;
pub mod pagination;
pub mod person;
pub mod validation;

pub use pagination::{PageMeta, PageRequest};
pub use validation::{FieldError, FieldIssue, ValidationErrors};
