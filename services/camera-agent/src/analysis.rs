//! What the agent does with a sampled frame: find the faces (BlazeFace from `faceattend-face`,
//! on the region of interest only), score each one's quality from a coarse alignment, and cut
//! the crop that would be published.
//!
//! The crop is the face with one face-width of margin on every side, at the frame's own
//! resolution: face-embedder searches a capture for faces again (that is its contract), and
//! its detector and FaceMesh need context around the face; an already aligned 112×112 crop
//! would leave them none and lose resolution. `frame_box` tells where the crop sat.

use std::path::Path;
use std::time::{Duration, Instant};

use faceattend_face::pipeline::{DETECTOR_FILE, RUNTIME_FILE};
use faceattend_face::{
    BoundingBox, Detector, DetectorConfig, ModelError, Point, QualityPolicy, Runtime,
    RuntimeOptions, align_face_coarse, assess,
};
use image::RgbImage;

use crate::config::RegionOfInterest;

/// Margin around a face in the published crop, in face widths on each side.
const CROP_MARGIN: f32 = 1.0;

/// One face found in a frame.
#[derive(Debug, Clone)]
pub struct FoundFace {
    /// In frame pixels.
    pub bbox: BoundingBox,
    /// Overall quality in [0, 1] (size, sharpness, pose, detector confidence).
    pub quality: f32,
    /// The face with its margin, in frame pixels.
    pub crop: RgbImage,
    /// Where `crop` sits in the frame.
    pub crop_box: BoundingBox,
}

/// Time spent on one frame, per stage.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnalysisTimes {
    pub detect: Duration,
    pub quality: Duration,
}

pub struct FrameAnalyser {
    detector: Detector,
    quality: QualityPolicy,
}

impl FrameAnalyser {
    /// Loads the detector from the `models/` folder `make models` builds.
    pub fn load(models_dir: &Path, options: RuntimeOptions) -> Result<Self, ModelError> {
        let runtime = Runtime::load(&models_dir.join(RUNTIME_FILE), options)?;
        let detector = Detector::load(
            &runtime,
            &models_dir.join(DETECTOR_FILE),
            DetectorConfig::default(),
        )?;
        Ok(Self {
            detector,
            quality: QualityPolicy::default(),
        })
    }

    /// Every face in `frame` (inside `roi` when given), best first.
    pub fn analyse(
        &self,
        frame: &RgbImage,
        roi: Option<&RegionOfInterest>,
    ) -> Result<(Vec<FoundFace>, AnalysisTimes), ModelError> {
        let started = Instant::now();
        let (offset_x, offset_y, detections) = match roi {
            Some(roi) => {
                let (x, y, w, h) = roi.pixels(frame.width(), frame.height());
                let region = image::imageops::crop_imm(frame, x, y, w, h).to_image();
                (x as f32, y as f32, self.detector.detect(&region)?)
            }
            None => (0.0, 0.0, self.detector.detect(frame)?),
        };
        let detected = Instant::now();
        let mut faces = Vec::with_capacity(detections.len());
        for detection in detections {
            let shift = |p: Point| Point::new(p.x + offset_x, p.y + offset_y);
            let bbox = BoundingBox {
                x_min: detection.bbox.x_min + offset_x,
                y_min: detection.bbox.y_min + offset_y,
                x_max: detection.bbox.x_max + offset_x,
                y_max: detection.bbox.y_max + offset_y,
            };
            let k = detection.keypoints.map(shift);
            let Some(aligned) = align_face_coarse(frame, &[k[0], k[1], k[2], k[3]]) else {
                continue;
            };
            let quality = assess(
                bbox.width(),
                &[k[0], k[1], k[2], k[3], k[3]],
                detection.score,
                &aligned,
                &self.quality,
            );
            let Some((crop, crop_box)) = crop_around(frame, &bbox) else {
                continue;
            };
            faces.push(FoundFace {
                bbox,
                quality: quality.score,
                crop,
                crop_box,
            });
        }
        Ok((
            faces,
            AnalysisTimes {
                detect: detected - started,
                quality: detected.elapsed(),
            },
        ))
    }
}

/// The face with [`CROP_MARGIN`] around it, clipped to the frame; `None` for a box outside it.
fn crop_around(frame: &RgbImage, face: &BoundingBox) -> Option<(RgbImage, BoundingBox)> {
    let margin = face.width().max(face.height()) * CROP_MARGIN;
    let x_min = (face.x_min - margin).max(0.0).floor();
    let y_min = (face.y_min - margin).max(0.0).floor();
    let x_max = (face.x_max + margin).min(frame.width() as f32).ceil();
    let y_max = (face.y_max + margin).min(frame.height() as f32).ceil();
    if x_max - x_min < 2.0 || y_max - y_min < 2.0 {
        return None;
    }
    let crop = image::imageops::crop_imm(
        frame,
        x_min as u32,
        y_min as u32,
        (x_max - x_min) as u32,
        (y_max - y_min) as u32,
    )
    .to_image();
    Some((
        crop,
        BoundingBox {
            x_min,
            y_min,
            x_max,
            y_max,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crops_keep_a_margin_and_stay_inside_the_frame() {
        let frame = RgbImage::new(640, 480);
        let face = BoundingBox {
            x_min: 100.0,
            y_min: 100.0,
            x_max: 200.0,
            y_max: 220.0,
        };
        let (crop, at) = crop_around(&frame, &face).expect("inside");
        assert_eq!(
            (at.x_min, at.y_min, at.x_max, at.y_max),
            (0.0, 0.0, 320.0, 340.0)
        );
        assert_eq!(crop.dimensions(), (320, 340));
        let outside = BoundingBox {
            x_min: 900.0,
            y_min: 900.0,
            x_max: 1000.0,
            y_max: 1000.0,
        };
        assert!(crop_around(&frame, &outside).is_none());
    }
}
