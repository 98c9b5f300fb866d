//! Fuzz target: arbitrary bytes into `faceattend_face::decode_image`, with small limits and
//! with the default ones. It must never panic, abort or allocate past the limits, and whatever
//! it decodes must respect them.
//!
//! Tool: cargo-fuzz 0.13 (libFuzzer via `libfuzzer-sys`) on the machine's *stable* Rust 1.95;
//! cargo-fuzz passes nightly `-Z` flags (`-Zsanitizer=address`, ...), which stable accepts
//! under `RUSTC_BOOTSTRAP=1`. From the repository root:
//!
//! ```sh
//! cargo install cargo-fuzz --locked
//! export RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=/root/.cache/faceattend/fuzz-target
//! cd fuzz
//! cargo fuzz build decode_image
//! # Run (one worker); corpus/decode_image is the working corpus, seeds/ the synthetic seeds.
//! mkdir -p corpus/decode_image
//! cargo fuzz run decode_image corpus/decode_image seeds ../crates/face/tests/fuzz-corpus/decode -- \
//!     -fork=1 -ignore_ooms=1 -ignore_crashes=1 -ignore_timeouts=1 -dict=decode_image.dict \
//!     -rss_limit_mb=1024 -malloc_limit_mb=512 -max_len=65536 -timeout=30 -max_total_time=900
//! # Minimise, then copy into crates/face/tests/fuzz-corpus/decode (names: SHA-1 of content):
//! cargo fuzz cmin decode_image corpus/decode_image -- \
//!     -set_cover_merge=1 -rss_limit_mb=1024 -malloc_limit_mb=512 -timeout=30
//! ```
//!
//! The regression test `crates/face/tests/decode_corpus.rs` replays that corpus with the same
//! limits as here; keep the two `SMALL` definitions in step.

#![no_main]

use faceattend_face::{DecodeLimits, decode_image};
use libfuzzer_sys::fuzz_target;

/// Tight limits, as a service that only takes small enrolment photos would set them.
const SMALL: DecodeLimits = DecodeLimits {
    max_bytes: 1024 * 1024,
    max_pixels: 4_000_000,
    max_side: 4096,
};

fn check(bytes: &[u8], limits: &DecodeLimits) {
    if let Ok(image) = decode_image(bytes, limits) {
        let (width, height) = image.dimensions();
        assert!(width > 0 && height > 0, "decoded an empty image");
        assert!(
            u64::from(width) * u64::from(height) <= limits.max_pixels,
            "{width}x{height} is over {} pixels",
            limits.max_pixels
        );
        assert!(
            width <= limits.max_side && height <= limits.max_side,
            "{width}x{height} has a side over {}",
            limits.max_side
        );
        assert_eq!(
            image.as_raw().len() as u64,
            u64::from(width) * u64::from(height) * 3,
            "RGB buffer size"
        );
    }
}

fuzz_target!(|bytes: &[u8]| {
    check(bytes, &SMALL);
    check(bytes, &DecodeLimits::default());
});
