//! The decoder against valid, rotated, oversized, truncated and mutated images: a typed error
//! every time, never a panic. The mutation property test is the fuzz harness's corpus-free
//! cousin: any bytes derived from a valid image decode or fail cleanly.

use std::io::Cursor;

use faceattend_face::{DecodeError, DecodeLimits, decode_image};
use image::{ImageFormat, Rgb, RgbImage};
use proptest::prelude::*;

/// A 40×20 test picture: left half red, right half blue.
fn picture() -> RgbImage {
    RgbImage::from_fn(40, 20, |x, _| {
        if x < 20 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    })
}

fn encode(format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(picture())
        .write_to(&mut Cursor::new(&mut bytes), format)
        .expect("encodes");
    bytes
}

/// Inserts an EXIF APP1 segment with the given orientation right after the JPEG's SOI marker.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0"); // little-endian TIFF
    tiff.extend_from_slice(&8u32.to_le_bytes()); // first IFD at offset 8
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes()); // count
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]); // padding of the value field
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn decodes_jpeg_png_and_webp() {
    for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
        let image = decode_image(&encode(format), &DecodeLimits::default())
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(image.dimensions(), (40, 20), "{format:?}");
        let left = image.get_pixel(5, 10);
        assert!(
            left[0] > 150 && left[2] < 100,
            "{format:?}: left half stays red: {left:?}"
        );
    }
}

#[test]
fn exif_orientation_is_applied() {
    let jpeg = encode(ImageFormat::Jpeg);
    // 6: the camera was rotated; displaying upright needs a 90° clockwise turn.
    let rotated = decode_image(&with_exif_orientation(&jpeg, 6), &DecodeLimits::default()).unwrap();
    assert_eq!(rotated.dimensions(), (20, 40));
    let top = rotated.get_pixel(10, 5);
    assert!(
        top[0] > 150,
        "after turning clockwise the red (left) half is on top: {top:?}"
    );
    // 1: already upright.
    let upright = decode_image(&with_exif_orientation(&jpeg, 1), &DecodeLimits::default()).unwrap();
    assert_eq!(upright.dimensions(), (40, 20));
}

#[test]
fn refuses_what_it_must_before_decoding() {
    let limits = DecodeLimits::default();
    assert_eq!(decode_image(&[], &limits), Err(DecodeError::Empty));
    let png = encode(ImageFormat::Png);
    let small = DecodeLimits {
        max_bytes: 10,
        ..limits
    };
    assert!(matches!(
        decode_image(&png, &small),
        Err(DecodeError::TooLarge { .. })
    ));
    assert!(matches!(
        decode_image(b"GIF89a\x01\x00\x01\x00", &limits),
        Err(DecodeError::UnsupportedFormat(_))
    ));
    assert!(matches!(
        decode_image(b"just some text", &limits),
        Err(DecodeError::UnsupportedFormat(_))
    ));
    let mut bmp = b"BM".to_vec();
    bmp.extend_from_slice(&[0u8; 60]);
    assert!(matches!(
        decode_image(&bmp, &limits),
        Err(DecodeError::UnsupportedFormat(_))
    ));
}

#[test]
fn a_tiny_file_claiming_huge_dimensions_is_refused_without_allocating() {
    // A valid PNG header for 100,000 × 100,000 pixels, and nothing else.
    let mut png = encode(ImageFormat::Png);
    png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let result = decode_image(&png, &DecodeLimits::default());
    assert!(
        matches!(
            result,
            Err(DecodeError::TooManyPixels { .. }) | Err(DecodeError::Corrupt(_))
        ),
        "{result:?}"
    );
    let tight = DecodeLimits {
        max_pixels: 100,
        ..DecodeLimits::default()
    };
    assert!(matches!(
        decode_image(&encode(ImageFormat::Jpeg), &tight),
        Err(DecodeError::TooManyPixels { .. })
    ));
}

#[test]
fn truncated_images_are_corrupt_not_panics() {
    // Cut inside the pixel data. (JPEG decoders conceal a missing tail with grey, as cameras
    // that drop the end of a frame rely on; for JPEG the check is only that nothing panics.)
    for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
        let bytes = encode(format);
        for cut in [bytes.len() / 4, bytes.len() / 2] {
            let result = decode_image(&bytes[..cut], &DecodeLimits::default());
            if format != ImageFormat::Jpeg {
                assert!(
                    matches!(result, Err(DecodeError::Corrupt(_))),
                    "{format:?} cut at {cut}: {:?}",
                    result.map(|i| i.dimensions())
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Flip, overwrite and truncate bytes of valid images: decoding returns, it never panics,
    /// and whatever it returns respects the limits.
    #[test]
    fn mutated_images_never_panic(
        format in prop::sample::select(vec![ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP]),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        truncate in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = encode(format);
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(at) = truncate {
            let keep = at.index(bytes.len()).max(1);
            bytes.truncate(keep);
        }
        let limits = DecodeLimits::default();
        if let Ok(image) = decode_image(&bytes, &limits) {
            let (w, h) = image.dimensions();
            prop_assert!(u64::from(w) * u64::from(h) <= limits.max_pixels);
        }
    }
}
