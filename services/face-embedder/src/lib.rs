//! face-embedder: faceattend's face recognition service.
//!
//! It answers `face.v1.embed` and `face.v1.identify` over NATS (see [`service_api`]), turns
//! camera captures into detections ([`captures`]), and keeps an in-memory gallery in sync with
//! the FACE_GALLERY bucket ([`gallery_sync`]). The recognition itself is [`recognizer`], on
//! top of `faceattend-face`. It owns no database: every replica is interchangeable.

pub mod captures;
pub mod config;
pub mod gallery_sync;
pub mod recognizer;
pub mod service_api;
pub mod startup;
