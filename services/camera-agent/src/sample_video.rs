//! A video of people appearing and leaving, made from still photos: what `make demo` plays
//! through a camera, and what the tests and the benchmark feed the agent. Nothing is committed:
//! the video is written at run time from photos the user has (`../shared/data/faces` in
//! development).
//!
//! Each appearance shows one photo, scaled to most of the frame's height and drifting slowly
//! sideways (so the tracker has motion to follow), on an empty grey scene; between
//! appearances the scene is empty. Written as Motion-JPEG in AVI, which OpenCV writes by
//! itself on every platform (no codec library needed).

use std::path::Path;
use std::time::Duration;

use faceattend_face::{DecodeLimits, decode_image};
use image::{Rgb, RgbImage};
use opencv::core::{CV_8UC3, Mat, Scalar, Size};
use opencv::prelude::*;
use opencv::videoio;

use crate::error::CameraAgentError;

/// Grey of the empty scene.
const BACKGROUND: Rgb<u8> = Rgb([96, 100, 104]);
/// Sideways drift of a person in view, pixels per second.
const DRIFT: f32 = 24.0;

/// One person in view from `enter` to `leave` (video time).
pub struct Appearance {
    pub photo: RgbImage,
    pub enter: Duration,
    pub leave: Duration,
}

pub struct SampleVideo {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub length: Duration,
    pub appearances: Vec<Appearance>,
}

impl SampleVideo {
    /// `photos` one after the other: `gap` of empty scene before each, `stay` in view, and a
    /// last `gap` at the end.
    pub fn sequence(
        photos: Vec<RgbImage>,
        stay: Duration,
        gap: Duration,
        width: u32,
        height: u32,
        fps: f64,
    ) -> Self {
        let mut at = Duration::ZERO;
        let appearances = photos
            .into_iter()
            .map(|photo| {
                at += gap;
                let appearance = Appearance {
                    photo,
                    enter: at,
                    leave: at + stay,
                };
                at += stay;
                appearance
            })
            .collect();
        Self {
            width,
            height,
            fps,
            length: at + gap,
            appearances,
        }
    }

    /// Writes the video to `path` (`.avi`); returns the number of frames.
    pub fn write(&self, path: &Path) -> Result<u64, CameraAgentError> {
        let failed = |reason: String| CameraAgentError::Video {
            path: path.display().to_string(),
            reason,
        };
        let mut writer = videoio::VideoWriter::new(
            path,
            videoio::VideoWriter::fourcc('M', 'J', 'P', 'G')?,
            self.fps,
            Size::new(self.width as i32, self.height as i32),
            true,
        )?;
        if !writer.is_opened()? {
            return Err(failed("OpenCV cannot write Motion-JPEG there".to_owned()));
        }
        // Each photo is scaled once, to 80% of the frame's height (or width).
        let scaled: Vec<RgbImage> = self
            .appearances
            .iter()
            .map(|a| fit(&a.photo, self.width * 8 / 10, self.height * 8 / 10))
            .collect();
        let frames = (self.length.as_secs_f64() * self.fps).round() as u64;
        let mut mat = Mat::new_rows_cols_with_default(
            self.height as i32,
            self.width as i32,
            CV_8UC3,
            Scalar::all(0.0),
        )?;
        for index in 0..frames {
            let t = Duration::from_secs_f64(index as f64 / self.fps);
            let mut frame = RgbImage::from_pixel(self.width, self.height, BACKGROUND);
            for (appearance, photo) in self.appearances.iter().zip(&scaled) {
                if t >= appearance.enter && t < appearance.leave {
                    let drift = (t - appearance.enter).as_secs_f32() * DRIFT;
                    let x = (self.width.saturating_sub(photo.width()) / 2) as i64 + drift as i64
                        - (DRIFT as i64);
                    let y = (self.height.saturating_sub(photo.height()) / 2) as i64;
                    image::imageops::overlay(&mut frame, photo, x, y);
                }
            }
            // OpenCV wants BGR.
            let bytes = mat.data_bytes_mut()?;
            for (bgr, rgb) in bytes.chunks_exact_mut(3).zip(frame.pixels()) {
                bgr[0] = rgb[2];
                bgr[1] = rgb[1];
                bgr[2] = rgb[0];
            }
            writer.write(&mat)?;
        }
        writer.release()?;
        Ok(frames)
    }
}

/// Reads a photo (JPEG, PNG or WebP; EXIF orientation applied).
pub fn load_photo(path: &Path) -> Result<RgbImage, CameraAgentError> {
    let failed = |reason: String| CameraAgentError::Video {
        path: path.display().to_string(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| failed(e.to_string()))?;
    decode_image(&bytes, &DecodeLimits::default()).map_err(|e| failed(e.to_string()))
}

/// `photo` scaled to fit `width`×`height`, aspect kept.
fn fit(photo: &RgbImage, width: u32, height: u32) -> RgbImage {
    let scale = (width as f32 / photo.width() as f32).min(height as f32 / photo.height() as f32);
    let w = ((photo.width() as f32 * scale).round() as u32).max(1);
    let h = ((photo.height() as f32 * scale).round() as u32).max(1);
    image::imageops::resize(photo, w, h, image::imageops::FilterType::Triangle)
}
