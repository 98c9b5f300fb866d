//! Decoding untrusted image bytes into upright RGB pixels.
//!
//! Only JPEG, PNG and WebP are accepted, recognised by their magic bytes (a client's file name
//! or content type is not trusted). Limits are checked before pixels are allocated: the byte
//! size first, then the dimensions in the header, so a 100,000 × 100,000 PNG of a few bytes is
//! refused without allocating 30 GB. The EXIF orientation is applied, so a phone photo taken in
//! portrait is upright, as a face detector needs it.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

/// Hard limits for one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Encoded size.
    pub max_bytes: usize,
    /// Width × height.
    pub max_pixels: u64,
    /// Either side.
    pub max_side: u32,
}

impl Default for DecodeLimits {
    /// Generous for enrolment photos (a 40-megapixel phone photo), far below what would
    /// exhaust a service's memory (40 MP × 3 bytes = 120 MB decoded).
    fn default() -> Self {
        Self {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_side: 12_000,
        }
    }
}

/// Why an image was refused. Each variant is the client's doing and maps to a 4xx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the image is empty")]
    Empty,
    #[error("the image is {bytes} bytes; at most {max} are accepted")]
    TooLarge { bytes: usize, max: usize },
    #[error("unsupported image format ({0}); use JPEG, PNG or WebP")]
    UnsupportedFormat(String),
    #[error(
        "the image is {width}x{height}; at most {max_pixels} pixels and {max_side} per side are accepted"
    )]
    TooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
        max_side: u32,
    },
    #[error("the image could not be decoded: {0}")]
    Corrupt(String),
}

/// Decodes `bytes` into an upright RGB image within `limits`.
pub fn decode_image(bytes: &[u8], limits: &DecodeLimits) -> Result<RgbImage, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(DecodeError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let format = image::guess_format(bytes)
        .map_err(|_| DecodeError::UnsupportedFormat("unknown".to_owned()))?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(DecodeError::UnsupportedFormat(format!("{format:?}")));
    }
    if format == ImageFormat::WebP {
        check_riff_chunks(bytes)?;
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    // Room for the decoded pixels in the widest layout a decoder uses (RGBA 16-bit), plus slack.
    decoder_limits.max_alloc = Some(
        limits
            .max_pixels
            .saturating_mul(8)
            .saturating_add(64 * 1024 * 1024),
    );
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(|e| classify(e, limits))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(DecodeError::Corrupt("the image has no pixels".to_owned()));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels
        || width > limits.max_side
        || height > limits.max_side
    {
        return Err(too_many_pixels(width, height, limits));
    }
    let orientation = decoder.orientation().map_err(|e| classify(e, limits))?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| classify(e, limits))?;
    image.apply_orientation(orientation);
    Ok(image.into_rgb8())
}

/// Refuses a WebP whose chunks claim more bytes than the file holds. The WebP decoder
/// allocates a chunk's declared size before reading it and is not bound by the decoder limits,
/// so a 96-byte file declaring a 4 GB EXIF chunk would ask for 4 GB (found by fuzzing; the
/// reproducers are in `tests/fuzz-corpus/decode/`).
fn check_riff_chunks(bytes: &[u8]) -> Result<(), DecodeError> {
    let corrupt = |reason: String| Err(DecodeError::Corrupt(reason));
    let u32_at = |at: usize| -> Option<u64> {
        let b = bytes.get(at..at + 4)?;
        Some(u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
    };
    if bytes.len() < 12 {
        return corrupt("the WebP header is truncated".to_owned());
    }
    // Chunks start after "RIFF", the file size and "WEBP".
    let mut at = 12usize;
    while at + 8 <= bytes.len() {
        let size = u32_at(at + 4).unwrap_or(0);
        let remaining = (bytes.len() - at - 8) as u64;
        if size > remaining {
            let name = String::from_utf8_lossy(&bytes[at..at + 4]).into_owned();
            return corrupt(format!(
                "WebP chunk {name:?} claims {size} bytes but only {remaining} follow"
            ));
        }
        // Chunks are padded to an even length.
        at += 8 + size as usize + (size as usize & 1);
    }
    Ok(())
}

fn too_many_pixels(width: u32, height: u32, limits: &DecodeLimits) -> DecodeError {
    DecodeError::TooManyPixels {
        width,
        height,
        max_pixels: limits.max_pixels,
        max_side: limits.max_side,
    }
}

fn classify(error: image::ImageError, limits: &DecodeLimits) -> DecodeError {
    match error {
        image::ImageError::Limits(_) => too_many_pixels(0, 0, limits),
        image::ImageError::Unsupported(e) => DecodeError::UnsupportedFormat(e.to_string()),
        other => DecodeError::Corrupt(other.to_string()),
    }
}
