//! Which way a camera faces, for detections that do not say: the camera registry's entry
//! (followed live, so a camera whose role an operator changes is read the new way from its
//! next detection), else the role declared in `CAMERA_ROLES`, else both ways.

use std::collections::HashMap;

use faceattend_camera_registry::CameraSet;
use faceattend_domain::attendance::CameraRole;
use tokio::sync::watch;

#[derive(Clone)]
pub struct CameraRoles {
    declared: HashMap<String, CameraRole>,
    registry: Option<watch::Receiver<CameraSet>>,
}

impl CameraRoles {
    /// Roles from `CAMERA_ROLES` only.
    pub fn declared(declared: HashMap<String, CameraRole>) -> Self {
        Self {
            declared,
            registry: None,
        }
    }

    /// Roles from the followed registry first, then `declared`.
    pub fn with_registry(
        declared: HashMap<String, CameraRole>,
        registry: watch::Receiver<CameraSet>,
    ) -> Self {
        Self {
            declared,
            registry: Some(registry),
        }
    }

    /// The camera's role, if the registry or `CAMERA_ROLES` knows the camera.
    pub fn role_of(&self, camera_id: &str) -> Option<CameraRole> {
        let registered = self
            .registry
            .as_ref()
            .and_then(|set| set.borrow().get(camera_id).map(|c| c.camera.role));
        registered.or_else(|| self.declared.get(camera_id).copied())
    }
}
