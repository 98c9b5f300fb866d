//! The face pipeline: from untrusted image bytes to identities.
//!
//! Stages, each its own module: [`decode`] (bytes → oriented RGB pixels, with hard limits),
//! then detection, alignment, embedding, quality and the gallery index. Every stage returns a
//! typed error for bad input; nothing a client sends can make this crate panic.
//!
//! *Invariant:* no network, no database, no async runtime: a pure library that services
//! (face-embedder, camera-agent) and the CLI wrap.

pub mod align;
pub mod calibration;
pub mod decode;
pub mod detect;
pub mod embed;
pub mod evaluation;
pub mod gallery;
pub mod landmarks;
#[cfg(feature = "testing")]
pub mod photo_set;
pub mod pipeline;
pub mod quality;
pub mod runtime;

pub use align::{
    ALIGNED_SIZE, Point, SimilarityTransform, TEMPLATE_112, align_face, align_face_coarse,
};
pub use calibration::{AUTO_CONFIDENCE, Calibration, REVIEW_CONFIDENCE};
pub use decode::{DecodeError, DecodeLimits, decode_image};
pub use detect::{BoundingBox, Detection, Detector, DetectorConfig};
pub use embed::Embedder;
pub use gallery::{
    Candidate, DetachedGraph, Embedding, ExactIndex, Gallery, GalleryConfig, GalleryError,
    Identification, MatchRule, ModelId,
};
pub use landmarks::{LandmarkModel, RefinedKeypoints};
pub use pipeline::{AnalysedFace, FacePipeline, subject_face};
pub use quality::{Quality, QualityIssue, QualityPolicy, assess};
pub use runtime::{ModelError, Runtime, RuntimeOptions};
