//! Face detection with MediaPipe's BlazeFace (full range) on ONNX Runtime.
//!
//! The frame is letterboxed into the model's 192×192 input (any aspect ratio, no distortion),
//! each of the 2,304 anchors (a 48×48 grid, stride 4) predicts a box and six keypoints as
//! offsets from its centre, and overlapping predictions are merged by *weighted* non-maximum
//! suppression: the boxes and keypoints of one face are averaged by score, which steadies them
//! more than keeping only the best one.

use std::path::Path;

use crate::align::{Point, resize};
use crate::runtime::{ModelError, OnnxModel, Runtime};
use image::RgbImage;
use ndarray::Array4;

const INPUT: u32 = 192;
const GRID: usize = 48;
const VALUES_PER_ANCHOR: usize = 16;

/// An axis-aligned box in source pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub x_min: f32,
    pub y_min: f32,
    pub x_max: f32,
    pub y_max: f32,
}

impl BoundingBox {
    pub fn width(&self) -> f32 {
        (self.x_max - self.x_min).max(0.0)
    }

    pub fn height(&self) -> f32 {
        (self.y_max - self.y_min).max(0.0)
    }

    pub fn area(&self) -> f32 {
        self.width() * self.height()
    }

    pub fn iou(&self, other: &BoundingBox) -> f32 {
        let w = (self.x_max.min(other.x_max) - self.x_min.max(other.x_min)).max(0.0);
        let h = (self.y_max.min(other.y_max) - self.y_min.max(other.y_min)).max(0.0);
        let intersection = w * h;
        let union = self.area() + other.area() - intersection;
        if union > 0.0 {
            intersection / union
        } else {
            0.0
        }
    }
}

/// One detected face.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Probability that this is a face, in [0, 1].
    pub score: f32,
    pub bbox: BoundingBox,
    /// Subject's right eye, left eye, nose tip, mouth centre, right ear, left ear (source pixels).
    pub keypoints: [Point; 6],
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorConfig {
    pub min_score: f32,
    /// Predictions overlapping the best one by more than this are merged into it.
    pub merge_iou: f32,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            min_score: 0.5,
            merge_iou: 0.3,
        }
    }
}

pub struct Detector {
    onnx: OnnxModel,
    config: DetectorConfig,
}

/// Where the 192×192 letterboxed input sits in the source image.
#[derive(Debug, Clone, Copy)]
struct Letterbox {
    scale: f32,
    pad_x: f32,
    pad_y: f32,
}

impl Letterbox {
    fn to_source(self, x: f32, y: f32) -> Point {
        // (x, y) are in [0, 1] of the model input.
        Point::new(
            (x * INPUT as f32 - self.pad_x) / self.scale,
            (y * INPUT as f32 - self.pad_y) / self.scale,
        )
    }
}

impl Detector {
    pub fn load(
        runtime: &Runtime,
        model: &Path,
        config: DetectorConfig,
    ) -> Result<Self, ModelError> {
        Ok(Self {
            onnx: OnnxModel::load(runtime, model)?,
            config,
        })
    }

    /// Every face in `image`, best first.
    pub fn detect(&self, image: &RgbImage) -> Result<Vec<Detection>, ModelError> {
        let (input, letterbox) = letterbox(image);
        let outputs = self.onnx.run(&input)?;
        let [regressors, classifiers] = outputs.as_slice() else {
            return Err(ModelError::Inference(format!(
                "expected 2 detector outputs, got {}",
                outputs.len()
            )));
        };
        let (regressors, classifiers) = (&regressors.values, &classifiers.values);
        if regressors.len() != GRID * GRID * VALUES_PER_ANCHOR || classifiers.len() != GRID * GRID {
            return Err(ModelError::Inference(format!(
                "unexpected detector outputs: {} regressor and {} classifier values",
                regressors.len(),
                classifiers.len()
            )));
        }
        let mut candidates = Vec::new();
        for (anchor, (raw, logit)) in regressors
            .chunks_exact(VALUES_PER_ANCHOR)
            .zip(classifiers)
            .enumerate()
        {
            let score = sigmoid(*logit);
            if score < self.config.min_score || !score.is_finite() {
                continue;
            }
            let (ax, ay) = (
                ((anchor % GRID) as f32 + 0.5) / GRID as f32,
                ((anchor / GRID) as f32 + 0.5) / GRID as f32,
            );
            let offset = |v: f32| v / INPUT as f32;
            let (cx, cy) = (ax + offset(raw[0]), ay + offset(raw[1]));
            let (w, h) = (offset(raw[2]), offset(raw[3]));
            let top_left = letterbox.to_source(cx - w / 2.0, cy - h / 2.0);
            let bottom_right = letterbox.to_source(cx + w / 2.0, cy + h / 2.0);
            let mut keypoints = [Point::new(0.0, 0.0); 6];
            for (k, point) in keypoints.iter_mut().enumerate() {
                *point =
                    letterbox.to_source(ax + offset(raw[4 + 2 * k]), ay + offset(raw[5 + 2 * k]));
            }
            candidates.push(Detection {
                score,
                bbox: BoundingBox {
                    x_min: top_left.x,
                    y_min: top_left.y,
                    x_max: bottom_right.x,
                    y_max: bottom_right.y,
                },
                keypoints,
            });
        }
        Ok(weighted_nms(candidates, self.config.merge_iou))
    }
}

/// The image scaled to fit 192×192 with its aspect ratio kept, centred on black, as the NCHW
/// tensor the model takes (RGB in [-1, 1]).
///
/// The reduction (a 1280×720 frame to 192×108) is a SIMD convolution whose Catmull-Rom kernel
/// widens with the scale, i.e. area-aware like `image`'s triangle filter, at a tenth of its
/// cost: it was the largest part of detection (3.6 ms of 7.1 per 1280×720 frame).
fn letterbox(image: &RgbImage) -> (Array4<f32>, Letterbox) {
    let (w, h) = image.dimensions();
    let scale = INPUT as f32 / w.max(h).max(1) as f32;
    let (new_w, new_h) = (
        ((w as f32 * scale).round() as u32).clamp(1, INPUT),
        ((h as f32 * scale).round() as u32).clamp(1, INPUT),
    );
    let resized = resize_rgb(image, new_w, new_h);
    let (pad_x, pad_y) = ((INPUT - new_w) / 2, (INPUT - new_h) / 2);
    let side = INPUT as usize;
    let mut input = Array4::<f32>::from_elem((1, 3, side, side), -1.0);
    let planes = input
        .as_slice_mut()
        .expect("a freshly allocated array is contiguous");
    let (plane_r, rest) = planes.split_at_mut(side * side);
    let (plane_g, plane_b) = rest.split_at_mut(side * side);
    for (y, row) in resized.chunks_exact(new_w as usize * 3).enumerate() {
        let start = (y + pad_y as usize) * side + pad_x as usize;
        let end = start + new_w as usize;
        for (((r, g), b), pixel) in plane_r[start..end]
            .iter_mut()
            .zip(&mut plane_g[start..end])
            .zip(&mut plane_b[start..end])
            .zip(row.chunks_exact(3))
        {
            *r = f32::from(pixel[0]) / 127.5 - 1.0;
            *g = f32::from(pixel[1]) / 127.5 - 1.0;
            *b = f32::from(pixel[2]) / 127.5 - 1.0;
        }
    }
    (
        input,
        Letterbox {
            scale,
            pad_x: pad_x as f32,
            pad_y: pad_y as f32,
        },
    )
}

/// `image` resized to `width`×`height` (interleaved RGB bytes) by a Catmull-Rom convolution,
/// area-aware when reducing.
fn resize_rgb(image: &RgbImage, width: u32, height: u32) -> Vec<u8> {
    if image.dimensions() == (width, height) {
        return image.as_raw().clone();
    }
    resize(
        image,
        None,
        width,
        height,
        fast_image_resize::FilterType::CatmullRom,
    )
    // Unreachable for an `RgbImage` (its buffer always holds w×h×3 bytes, and U8x3 needs no
    // alignment); fall back to the slower resize rather than fail a detection.
    .unwrap_or_else(|| {
        image::imageops::resize(image, width, height, image::imageops::FilterType::Triangle)
            .into_raw()
    })
}

fn sigmoid(logit: f32) -> f32 {
    1.0 / (1.0 + (-logit.clamp(-100.0, 100.0)).exp())
}

/// Merges overlapping detections: each cluster around the best remaining detection becomes
/// their score-weighted average, keeping the best score.
fn weighted_nms(mut candidates: Vec<Detection>, merge_iou: f32) -> Vec<Detection> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut faces = Vec::new();
    while let Some(best) = candidates.first().cloned() {
        let (cluster, rest): (Vec<Detection>, Vec<Detection>) = candidates
            .into_iter()
            .partition(|d| d.bbox.iou(&best.bbox) > merge_iou || *d == best);
        candidates = rest;
        let total: f32 = cluster.iter().map(|d| d.score).sum();
        let average = |f: &dyn Fn(&Detection) -> f32| {
            cluster.iter().map(|d| f(d) * d.score).sum::<f32>() / total
        };
        let mut keypoints = [Point::new(0.0, 0.0); 6];
        for (k, point) in keypoints.iter_mut().enumerate() {
            *point = Point::new(
                average(&|d| d.keypoints[k].x),
                average(&|d| d.keypoints[k].y),
            );
        }
        faces.push(Detection {
            score: best.score,
            bbox: BoundingBox {
                x_min: average(&|d| d.bbox.x_min),
                y_min: average(&|d| d.bbox.y_min),
                x_max: average(&|d| d.bbox.x_max),
                y_max: average(&|d| d.bbox.y_max),
            },
            keypoints,
        });
    }
    faces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(score: f32, x: f32) -> Detection {
        Detection {
            score,
            bbox: BoundingBox {
                x_min: x,
                y_min: 0.0,
                x_max: x + 10.0,
                y_max: 10.0,
            },
            keypoints: [Point::new(x, 5.0); 6],
        }
    }

    #[test]
    fn overlapping_detections_merge_by_score_and_separate_faces_stay() {
        let faces = weighted_nms(
            vec![
                detection(0.6, 2.0),
                detection(0.9, 0.0),
                detection(0.8, 100.0),
            ],
            0.3,
        );
        assert_eq!(faces.len(), 2);
        assert_eq!(faces[0].score, 0.9);
        // (0.9·0 + 0.6·2) / 1.5 = 0.8
        assert!((faces[0].bbox.x_min - 0.8).abs() < 1e-5);
        assert!((faces[0].keypoints[0].x - 0.8).abs() < 1e-5);
        assert_eq!(faces[1].bbox.x_min, 100.0);
        assert!(weighted_nms(Vec::new(), 0.3).is_empty());
    }

    #[test]
    fn letterbox_maps_model_coordinates_back_to_the_source() {
        let wide = RgbImage::new(400, 200);
        let (input, letterbox) = letterbox(&wide);
        assert_eq!(input.shape(), &[1, 3, 192, 192]);
        // The image occupies rows 48..144 of the input; its centre maps back to (200, 100).
        let centre = letterbox.to_source(0.5, 0.5);
        assert!(
            (centre.x - 200.0).abs() < 1.0 && (centre.y - 100.0).abs() < 1.0,
            "{centre:?}"
        );
        let corner = letterbox.to_source(0.0, 48.0 / 192.0);
        assert!(corner.x.abs() < 1.0 && corner.y.abs() < 1.0, "{corner:?}");
        assert_eq!(input[[0, 0, 10, 10]], -1.0, "padding is black");
    }

    #[test]
    fn iou_of_boxes() {
        let a = detection(1.0, 0.0).bbox;
        assert!((a.iou(&a) - 1.0).abs() < 1e-6);
        assert_eq!(a.iou(&detection(1.0, 50.0).bbox), 0.0);
        assert!((a.iou(&detection(1.0, 5.0).bbox) - 50.0 / 150.0).abs() < 1e-6);
    }
}
