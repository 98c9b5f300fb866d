//! Reading one camera's video with OpenCV: open an RTSP/HTTP stream, a file or a device, grab
//! frames, and turn the few that are sampled into RGB images.
//!
//! Grabbing and retrieving are separate on purpose: every frame must be grabbed to keep up
//! with a live stream (OpenCV would otherwise hand out ever older buffered frames), but only
//! sampled frames pay for the colour conversion and the copy. Open and read timeouts are given
//! to the backend (FFmpeg honours them), so a camera that stalls makes `grab` fail instead of
//! blocking its thread forever.

use std::time::{Duration, Instant};

use image::RgbImage;
use opencv::core::{Mat, Vector};
use opencv::prelude::*;
use opencv::{imgproc, videoio};

use crate::config::VideoSource;
use crate::error::CameraAgentError;

/// Frames per second assumed for a file that does not say.
const FALLBACK_FPS: f64 = 25.0;

/// An open video source.
pub struct VideoReader {
    capture: videoio::VideoCapture,
    live: bool,
    /// Frame period of a file, for its media clock.
    period: Duration,
    /// The frame rate the source declares, if it declares a sensible one.
    declared_fps: Option<f64>,
    opened_at: Instant,
    grabbed: u64,
    bgr: Mat,
    rgb: Mat,
}

impl VideoReader {
    /// Opens `source`, waiting at most `timeout` for it to answer.
    pub fn open(source: &VideoSource, timeout: Duration) -> Result<Self, CameraAgentError> {
        let open_failed = |reason: String| CameraAgentError::Open {
            source_name: source.redacted(),
            reason,
        };
        let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
        let params = Vector::<i32>::from_slice(&[
            videoio::CAP_PROP_OPEN_TIMEOUT_MSEC,
            millis,
            videoio::CAP_PROP_READ_TIMEOUT_MSEC,
            millis,
        ]);
        let capture = match source {
            VideoSource::Stream(url) => {
                videoio::VideoCapture::from_file_with_params(url, videoio::CAP_FFMPEG, &params)
            }
            VideoSource::File(path) => {
                if !path.is_file() {
                    return Err(open_failed("no such file".to_owned()));
                }
                // FFmpeg, not whichever backend answers first: with `CAP_ANY` OpenCV tries
                // GStreamer before FFmpeg, and GStreamer's first use scans its plugins (seen
                // taking 8 s on a fresh, busy machine before it gave up on a garbage file), a
                // wait every camera's first open would share; FFmpeg honours the timeouts.
                videoio::VideoCapture::from_file_with_params(path, videoio::CAP_FFMPEG, &params)
            }
            VideoSource::Device(index) => {
                videoio::VideoCapture::new_with_params(*index, videoio::CAP_ANY, &params)
            }
        }
        .map_err(|e| open_failed(e.message))?;
        if !capture.is_opened().map_err(|e| open_failed(e.message))? {
            return Err(open_failed(
                "OpenCV cannot open it (absent, unreachable or not a video)".to_owned(),
            ));
        }
        let declared_fps = capture
            .get(videoio::CAP_PROP_FPS)
            .ok()
            .filter(|fps| fps.is_finite() && (1.0..=240.0).contains(fps));
        let fps = declared_fps.unwrap_or(FALLBACK_FPS);
        Ok(Self {
            capture,
            live: source.is_live(),
            period: Duration::from_secs_f64(1.0 / fps),
            declared_fps,
            opened_at: Instant::now(),
            grabbed: 0,
            bgr: Mat::default(),
            rgb: Mat::default(),
        })
    }

    /// Grabs the next frame and returns its time on the source's clock (the video's own time
    /// for a file, time since opening for a live source); `None` when a file has ended.
    pub fn grab(&mut self) -> Result<Option<Duration>, CameraAgentError> {
        let grabbed = self.capture.grab().unwrap_or(false);
        if !grabbed {
            if self.live {
                return Err(CameraAgentError::Stream(
                    "the stream stopped sending frames".to_owned(),
                ));
            }
            return Ok(None);
        }
        let at = if self.live {
            self.opened_at.elapsed()
        } else {
            self.period * self.grabbed as u32
        };
        self.grabbed += 1;
        Ok(Some(at))
    }

    /// The frame rate the source declares, if any.
    pub fn declared_fps(&self) -> Option<f64> {
        self.declared_fps
    }

    /// Frames grabbed since opening.
    pub fn grabbed(&self) -> u64 {
        self.grabbed
    }

    /// The last grabbed frame as RGB. A frame the backend cannot decode is an error, which
    /// the caller counts: a run of them means the source sends garbage.
    pub fn retrieve(&mut self) -> Result<RgbImage, CameraAgentError> {
        let garbage =
            |reason: &str| CameraAgentError::Stream(format!("undecodable frame: {reason}"));
        if !self.capture.retrieve(&mut self.bgr, 0)? {
            return Err(garbage("the backend returned no image"));
        }
        let (width, height) = (self.bgr.cols(), self.bgr.rows());
        if width <= 0 || height <= 0 {
            return Err(garbage("empty image"));
        }
        let code = match self.bgr.channels() {
            3 => imgproc::COLOR_BGR2RGB,
            4 => imgproc::COLOR_BGRA2RGB,
            1 => imgproc::COLOR_GRAY2RGB,
            _ => return Err(garbage("unexpected pixel format")),
        };
        imgproc::cvt_color(&self.bgr, &mut self.rgb, code, 0)?;
        let bytes = if self.rgb.is_continuous() {
            self.rgb.data_bytes()?.to_vec()
        } else {
            self.rgb.try_clone()?.data_bytes()?.to_vec()
        };
        RgbImage::from_raw(width as u32, height as u32, bytes)
            .ok_or_else(|| garbage("image size does not match its pixels"))
    }
}
