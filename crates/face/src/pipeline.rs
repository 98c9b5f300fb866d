//! The whole pipeline for one image: detect every face, refine its keypoints with FaceMesh
//! (falling back to the detector's when FaceMesh does not see a face), align, embed.

use std::path::Path;

use image::RgbImage;

use crate::align::{Point, align_face, align_face_coarse};
use crate::detect::{Detection, Detector, DetectorConfig};
use crate::embed::Embedder;
use crate::gallery::Embedding;
use crate::landmarks::LandmarkModel;
use crate::quality::{Quality, QualityPolicy, assess};
use crate::runtime::{ModelError, Runtime, RuntimeOptions};

/// File names inside the models directory built by `make models`.
pub const DETECTOR_FILE: &str = "blazeface_full_range.onnx";
pub const LANDMARKS_FILE: &str = "face_landmark.onnx";
pub const EMBEDDER_FILE: &str = "mobilefacenet.onnx";
pub const RUNTIME_FILE: &str = "onnxruntime/libonnxruntime.so.1.32.0";

/// One face found in an image.
#[derive(Debug, Clone)]
pub struct AnalysedFace {
    pub detection: Detection,
    /// The five alignment points (right eye, left eye, nose, mouth corners), source pixels.
    pub keypoints: [Point; 5],
    /// Whether the keypoints come from FaceMesh (else from the detector alone).
    pub refined: bool,
    pub aligned: RgbImage,
    pub embedding: Embedding,
    pub quality: Quality,
}

pub struct FacePipeline {
    detector: Detector,
    landmarks: LandmarkModel,
    embedder: Embedder,
    quality: QualityPolicy,
}

impl FacePipeline {
    /// Loads the three models from `models_dir` (the `models/` folder `make models` builds).
    pub fn load(models_dir: &Path, options: RuntimeOptions) -> Result<Self, ModelError> {
        let runtime = Runtime::load(&models_dir.join(RUNTIME_FILE), options)?;
        Ok(Self {
            detector: Detector::load(
                &runtime,
                &models_dir.join(DETECTOR_FILE),
                DetectorConfig::default(),
            )?,
            landmarks: LandmarkModel::load(&runtime, &models_dir.join(LANDMARKS_FILE))?,
            embedder: Embedder::load(&runtime, &models_dir.join(EMBEDDER_FILE))?,
            quality: QualityPolicy::default(),
        })
    }

    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    pub fn with_quality_policy(mut self, policy: QualityPolicy) -> Self {
        self.quality = policy;
        self
    }

    /// Every face in `image`, most confident first, embedded in one batch.
    pub fn analyse(&self, image: &RgbImage) -> Result<Vec<AnalysedFace>, ModelError> {
        let mut prepared = Vec::new();
        for detection in self.detector.detect(image)? {
            let refined = self
                .landmarks
                .refine(image, &detection)?
                .filter(|r| r.presence >= 0.5);
            let (keypoints, aligned) = match &refined {
                Some(r) => (r.points, align_face(image, &r.points)),
                None => {
                    let k = detection.keypoints;
                    (
                        [k[0], k[1], k[2], k[3], k[3]],
                        align_face_coarse(image, &[k[0], k[1], k[2], k[3]]),
                    )
                }
            };
            if let Some(aligned) = aligned {
                prepared.push((detection, keypoints, refined.is_some(), aligned));
            }
        }
        let crops: Vec<RgbImage> = prepared
            .iter()
            .map(|(_, _, _, crop)| crop.clone())
            .collect();
        let embeddings = self.embedder.embed(&crops)?;
        Ok(prepared
            .into_iter()
            .zip(embeddings)
            .map(|((detection, keypoints, refined, aligned), embedding)| {
                let quality = assess(
                    detection.bbox.width(),
                    &keypoints,
                    detection.score,
                    &aligned,
                    &self.quality,
                );
                AnalysedFace {
                    detection,
                    keypoints,
                    refined,
                    aligned,
                    embedding,
                    quality,
                }
            })
            .collect())
    }
}
