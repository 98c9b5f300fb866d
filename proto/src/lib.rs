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

/// The compiled schemas (a `google.protobuf.FileDescriptorSet`, with the imported well-known
/// types and the source comments): every message and enum, by file, for code that reflects
/// over the contract, such as the check that `proto/asyncapi.yaml` documents every message.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/file_descriptor_set.bin"));

pub use prost;
pub use prost_types;
