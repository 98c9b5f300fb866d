//! Face quality: a score in [0, 1] and the reasons a face is not good enough to enrol or to
//! trust, from what the detector already gives (box, keypoints, score) and the aligned crop.
//!
//! Each factor is scored in [0, 1]; the overall score is their product, so one bad factor
//! (a blurred or profile face) pulls it down however good the rest is.

use image::RgbImage;

use crate::align::Point;

/// Thresholds under which a factor becomes a reason.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityPolicy {
    /// Face width in source pixels at which size stops mattering.
    pub min_face_width: f32,
    /// Variance of the Laplacian of the aligned crop's luminance considered sharp.
    pub sharp_laplacian_variance: f32,
    /// Each factor below this is reported as a reason.
    pub min_factor: f32,
}

impl Default for QualityPolicy {
    fn default() -> Self {
        Self {
            min_face_width: 80.0,
            sharp_laplacian_variance: 150.0,
            min_factor: 0.5,
        }
    }
}

/// Why a face scored low; stable names for API error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QualityIssue {
    FaceTooSmall,
    Blurred,
    NotFrontal,
    LowDetectorConfidence,
}

impl QualityIssue {
    pub fn code(&self) -> &'static str {
        match self {
            Self::FaceTooSmall => "face_too_small",
            Self::Blurred => "face_blurred",
            Self::NotFrontal => "face_not_frontal",
            Self::LowDetectorConfidence => "low_detector_confidence",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quality {
    /// Product of the factors, in [0, 1].
    pub score: f32,
    pub size: f32,
    pub sharpness: f32,
    pub pose: f32,
    pub detector: f32,
    pub issues: Vec<QualityIssue>,
}

/// Scores a face. `keypoints` are in source coordinates in the alignment template's order
/// (right eye, left eye, nose, right and left mouth corners).
pub fn assess(
    face_width: f32,
    keypoints: &[Point; 5],
    detector_score: f32,
    aligned: &RgbImage,
    policy: &QualityPolicy,
) -> Quality {
    let size = clamp01(face_width / policy.min_face_width);
    let sharpness = {
        let variance = laplacian_variance(aligned);
        clamp01(variance / policy.sharp_laplacian_variance)
    };
    let pose = frontalness(keypoints);
    let detector = clamp01(detector_score);
    let mut issues = Vec::new();
    for (value, issue) in [
        (size, QualityIssue::FaceTooSmall),
        (sharpness, QualityIssue::Blurred),
        (pose, QualityIssue::NotFrontal),
        (detector, QualityIssue::LowDetectorConfidence),
    ] {
        if value < policy.min_factor {
            issues.push(issue);
        }
    }
    Quality {
        score: size * sharpness * pose * detector,
        size,
        sharpness,
        pose,
        detector,
        issues,
    }
}

fn clamp01(v: f32) -> f32 {
    if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// 1 for a frontal, level face; towards 0 as the head turns (nose off the eyes' midline) or
/// tilts (eye line off horizontal).
fn frontalness(k: &[Point; 5]) -> f32 {
    let (right_eye, left_eye, nose) = (k[0], k[1], k[2]);
    let (dx, dy) = (left_eye.x - right_eye.x, left_eye.y - right_eye.y);
    let eye_distance = (dx * dx + dy * dy).sqrt();
    if !(eye_distance.is_finite() && eye_distance > 1e-3) {
        return 0.0;
    }
    // Yaw: the nose's offset from the midpoint of the eyes, along the eye line, relative to
    // the eye distance (0 frontal, ~0.5 in near profile).
    let (mx, my) = (
        (right_eye.x + left_eye.x) / 2.0,
        (right_eye.y + left_eye.y) / 2.0,
    );
    let along = ((nose.x - mx) * dx + (nose.y - my) * dy) / (eye_distance * eye_distance);
    let yaw = clamp01(1.0 - 2.5 * along.abs());
    // Roll matters less (alignment removes it), but a face on its side is a poor enrolment.
    let roll = dy.atan2(dx).abs();
    let roll_factor = clamp01(1.0 - (roll - 0.35).max(0.0) / 0.8);
    yaw * roll_factor
}

/// Variance of the 4-neighbour Laplacian of the luminance: low for blurred images.
fn laplacian_variance(image: &RgbImage) -> f32 {
    let (w, h) = image.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let luma = |x: u32, y: u32| {
        let p = image.get_pixel(x, y);
        0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
    };
    let (mut sum, mut sum_sq, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let l = luma(x - 1, y) + luma(x + 1, y) + luma(x, y - 1) + luma(x, y + 1)
                - 4.0 * luma(x, y);
            sum += l as f64;
            sum_sq += (l as f64) * (l as f64);
            n += 1.0;
        }
    }
    let mean = sum / n;
    (sum_sq / n - mean * mean) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::TEMPLATE_112;
    use image::Rgb;

    fn checkerboard(cell: u32) -> RgbImage {
        RgbImage::from_fn(112, 112, |x, y| {
            if (x / cell + y / cell).is_multiple_of(2) {
                Rgb([230, 230, 230])
            } else {
                Rgb([20, 20, 20])
            }
        })
    }

    #[test]
    fn a_sharp_large_frontal_confident_face_scores_high() {
        let q = assess(
            200.0,
            &TEMPLATE_112,
            0.95,
            &checkerboard(4),
            &QualityPolicy::default(),
        );
        assert!(q.issues.is_empty(), "{q:?}");
        assert!(q.score > 0.9, "{q:?}");
    }

    #[test]
    fn each_weakness_is_named() {
        let policy = QualityPolicy::default();
        let flat = RgbImage::from_pixel(112, 112, Rgb([128, 128, 128]));
        assert_eq!(
            assess(200.0, &TEMPLATE_112, 0.95, &flat, &policy).issues,
            vec![QualityIssue::Blurred]
        );
        assert_eq!(
            assess(20.0, &TEMPLATE_112, 0.95, &checkerboard(4), &policy).issues,
            vec![QualityIssue::FaceTooSmall]
        );
        assert_eq!(
            assess(200.0, &TEMPLATE_112, 0.2, &checkerboard(4), &policy).issues,
            vec![QualityIssue::LowDetectorConfidence]
        );
        // Profile: the nose sits at the left eye.
        let mut turned = TEMPLATE_112;
        turned[2] = Point::new(TEMPLATE_112[1].x, 71.0);
        let q = assess(200.0, &turned, 0.95, &checkerboard(4), &policy);
        assert_eq!(q.issues, vec![QualityIssue::NotFrontal]);
        assert!(q.score < 0.5);
    }

    #[test]
    fn degenerate_input_scores_zero_not_nan() {
        let same = [Point::new(1.0, 1.0); 5];
        let q = assess(
            f32::NAN,
            &same,
            f32::INFINITY,
            &RgbImage::new(2, 2),
            &QualityPolicy::default(),
        );
        assert_eq!(q.score, 0.0);
        assert!(!q.score.is_nan());
    }
}
