//! camera-agent's one error type.
//!
//! The agent serves no API of its own beyond health and metrics, so nothing here maps to the
//! HTTP envelope: start-up errors stop the process with their message, and a camera's errors
//! are logged, counted and shown in `/healthz` without touching the other cameras.

#[derive(Debug, thiserror::Error)]
pub enum CameraAgentError {
    #[error("invalid camera list: {0}")]
    InvalidCameras(String),
    #[error(transparent)]
    Models(#[from] faceattend_face::ModelError),
    #[error(transparent)]
    Bus(#[from] faceattend_bus::BusError),
    #[error(transparent)]
    Registry(#[from] faceattend_camera_registry::RegistryError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot register metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    /// The source could not be opened (absent file, unreachable stream, no such device).
    #[error("cannot open {source_name}: {reason}")]
    Open { source_name: String, reason: String },
    /// The source opened but sends no usable frames (damaged, stalled, wrong format).
    #[error("{0}")]
    Stream(String),
    #[error("OpenCV: {0}")]
    OpenCv(#[from] opencv::Error),
    #[error("cannot encode a crop: {0}")]
    Encode(#[from] image::ImageError),
    #[error("cannot write {path}: {reason}")]
    Video { path: String, reason: String },
    #[error("snapshots: {0}")]
    Snapshots(#[from] faceattend_service::object_storage::ObjectStorageError),
}
