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

pub use prost;
pub use prost_types;
