//! The whole pipeline for one image: detect every face, refine its keypoints with FaceMesh
//! (falling back to the detector's when FaceMesh does not see a face), align, embed.

use std::path::Path;

use image::RgbImage;

use crate::align::{Point, align_face, align_face_coarse};
use crate::detect::{BoundingBox, Detection, Detector, DetectorConfig};
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

/// The face a labelled photo is about, among the faces found in an image of `width` ×
/// `height` pixels: the one whose box centre is nearest the image centre; of two equally near,
/// the larger box. `None` when there is no face.
///
/// Photographers frame the person they mean: in a labelled photo of several people the labelled
/// one is central and prominent, while the detector's most confident face may be anyone in the
/// background (which cost the shipped `eval` 1.8 points on a public benchmark of 6,000 pairs).
pub fn subject_face(faces: &[AnalysedFace], width: u32, height: u32) -> Option<&AnalysedFace> {
    let centre = (width as f32 / 2.0, height as f32 / 2.0);
    let index = subject_index(faces.iter().map(|f| &f.detection.bbox), centre)?;
    faces.get(index)
}

/// The index of the box [`subject_face`] chooses.
fn subject_index<'a>(
    boxes: impl Iterator<Item = &'a BoundingBox>,
    (cx, cy): (f32, f32),
) -> Option<usize> {
    let off_centre = |b: &BoundingBox| {
        let (x, y) = ((b.x_min + b.x_max) / 2.0, (b.y_min + b.y_max) / 2.0);
        (x - cx).hypot(y - cy)
    };
    boxes
        .enumerate()
        .min_by(|(_, a), (_, b)| {
            off_centre(a)
                .total_cmp(&off_centre(b))
                .then_with(|| b.area().total_cmp(&a.area()))
        })
        .map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f32, y: f32, side: f32) -> BoundingBox {
        BoundingBox {
            x_min: x - side / 2.0,
            y_min: y - side / 2.0,
            x_max: x + side / 2.0,
            y_max: y + side / 2.0,
        }
    }

    #[test]
    fn the_face_nearest_the_centre_is_the_subject_whatever_its_size_or_rank() {
        let boxes = [
            square(60.0, 60.0, 90.0),
            square(310.0, 230.0, 40.0),
            square(600.0, 420.0, 80.0),
        ];
        assert_eq!(subject_index(boxes.iter(), (320.0, 240.0)), Some(1));
    }

    #[test]
    fn of_two_equally_central_faces_the_larger_is_the_subject() {
        let boxes = [
            square(220.0, 240.0, 40.0),
            square(420.0, 240.0, 70.0),
            square(320.0, 140.0, 60.0),
        ];
        assert_eq!(subject_index(boxes.iter(), (320.0, 240.0)), Some(1));
        let reversed = [boxes[1], boxes[0]];
        assert_eq!(subject_index(reversed.iter(), (320.0, 240.0)), Some(0));
    }

    #[test]
    fn no_face_no_subject() {
        assert_eq!(subject_index([].iter(), (320.0, 240.0)), None);
    }
}
