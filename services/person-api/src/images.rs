//! Where enrolment photos live: the object store `OBJECT_STORE_URL` names
//! ([`faceattend_service::object_storage`]: a local directory by default, any S3-compatible
//! service by configuration). Keys are `persons/<person id>/<image id>.<ext>`, so one person's
//! photos can be listed and erased together.

use uuid::Uuid;

pub use faceattend_service::object_storage::{
    ObjectStorage as ImageStore, ObjectStorageError as ImageStoreError,
};

/// The key of a person's photo.
pub fn key_for(person_id: Uuid, image_id: Uuid, extension: &str) -> String {
    format!("persons/{person_id}/{image_id}.{extension}")
}
