//! Wire schemas of the events on the faceattend bus, generated from `proto/**/*.proto`.
//!
//! These types are the contract with consumers outside this repository; the domain crate
//! converts its own types into them. Change a schema only in a backwards-compatible way
//! (new optional fields, never a renumbered or retyped one); a breaking change gets a new
//! `vN` package and new subjects.

pub mod persons {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/faceattend.persons.v1.rs"));
    }
}

pub mod faces {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/faceattend.faces.v1.rs"));
    }
}

pub mod attendance {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/faceattend.attendance.v1.rs"));
    }
}

pub mod cameras {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/faceattend.cameras.v1.rs"));
    }
}

/// The compiled schemas (a `google.protobuf.FileDescriptorSet`, with the imported well-known
/// types and the source comments): every message and enum, by file, for code that reflects
/// over the contract, such as the check that `proto/asyncapi.yaml` documents every message.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/file_descriptor_set.bin"));

/// `proto/asyncapi.yaml`: the bus contract for event consumers (every stream, subject, header
/// and payload, and the realtime gateway's WebSocket protocol). Shipped with the schemas so
/// the code that publishes a subject can check, in its own tests, that the document names it.
pub const ASYNCAPI_DOCUMENT: &str = include_str!("../asyncapi.yaml");

/// The address of the channel of `proto/asyncapi.yaml` that holds `subject` (relative to the
/// bus namespace), if any. A `{parameter}` of an address stands for one subject token, or for
/// one or more when it ends the address (a dead letter's original subject is several tokens).
pub fn asyncapi_channel_for(subject: &str) -> Option<&'static str> {
    ASYNCAPI_DOCUMENT
        .lines()
        .filter_map(|line| line.trim().strip_prefix("address: "))
        .find(|address| address_holds(address, subject))
}

fn address_holds(address: &str, subject: &str) -> bool {
    let address: Vec<&str> = address.split('.').collect();
    let subject: Vec<&str> = subject.split('.').collect();
    let is_parameter = |token: &str| token.starts_with('{') && token.ends_with('}');
    for (index, token) in address.iter().enumerate() {
        let Some(actual) = subject.get(index) else {
            return false;
        };
        if actual.is_empty() {
            return false;
        }
        if is_parameter(token) {
            if index == address.len() - 1 {
                return subject[index..].iter().all(|t| !t.is_empty());
            }
        } else if token != actual {
            return false;
        }
    }
    address.len() == subject.len()
}

pub use prost;
pub use prost_types;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_is_matched_to_its_channel() {
        assert_eq!(
            asyncapi_channel_for("persons.v1.created"),
            Some("persons.v1.created")
        );
        assert_eq!(
            asyncapi_channel_for("detections.v1.door-1"),
            Some("detections.v1.{camera_id}")
        );
        assert_eq!(
            asyncapi_channel_for("deadletter.v1.faces.v1.door-1"),
            Some("deadletter.v1.{original_subject}")
        );
        assert_eq!(asyncapi_channel_for("persons.v1"), None);
        assert_eq!(asyncapi_channel_for("persons.v1.created.later"), None);
        assert_eq!(asyncapi_channel_for("persons.v1.teleported"), None);
        assert_eq!(asyncapi_channel_for("detections.v1."), None);
        assert_eq!(asyncapi_channel_for("detections.v1"), None);
    }
}
