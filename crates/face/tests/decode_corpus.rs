//! The decoder fuzz corpus replayed as regression tests: every file of `fuzz-corpus/decode/`
//! goes through [`decode_image`] with the fuzz target's two sets of limits, and must come back
//! (decoded, or a typed [`DecodeError`]) without panicking; a decoded image respects the limits.
//!
//! Where the corpus comes from: the cargo-fuzz target `fuzz/fuzz_targets/decode_image.rs` at
//! the repository root, seeded with synthetic images only (tiny gradients written by
//! `fuzz/gen_seeds.py`: JPEG, PNG and WebP, with and without EXIF; no photos), run with
//! libFuzzer, then minimised with `cargo fuzz cmin`; the files are named by the SHA-1 of their
//! content. Reproducers of bugs the fuzzer found are kept here too.
//!
//! To regrow it (see `fuzz/README.md` for the details):
//!
//! ```sh
//! cd fuzz
//! export RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=/root/.cache/faceattend/fuzz-target
//! python3 gen_seeds.py   # needs Pillow
//! mkdir -p corpus/decode_image
//! # -fork=1 -ignore_ooms=1: the folder holds reproducers of open findings, which would stop a
//! # plain run at once.
//! cargo fuzz run decode_image corpus/decode_image seeds ../crates/face/tests/fuzz-corpus/decode \
//!     -- -fork=1 -ignore_ooms=1 -ignore_crashes=1 -ignore_timeouts=1 -dict=decode_image.dict \
//!        -rss_limit_mb=1024 -malloc_limit_mb=512 -max_len=65536 -timeout=30 -max_total_time=900
//! cargo fuzz cmin decode_image corpus/decode_image -- \
//!     -set_cover_merge=1 -rss_limit_mb=1024 -malloc_limit_mb=512 -timeout=30
//! # replace the folder's files with corpus/decode_image/*, keeping the reproducers below
//! cp corpus/decode_image/* ../crates/face/tests/fuzz-corpus/decode/
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use faceattend_face::{DecodeError, DecodeLimits, decode_image};

/// The fuzz target's tight limits (`SMALL` in `fuzz/fuzz_targets/decode_image.rs`); the other
/// set is [`DecodeLimits::default`].
const SMALL: DecodeLimits = DecodeLimits {
    max_bytes: 1024 * 1024,
    max_pixels: 4_000_000,
    max_side: 4096,
};

/// The corpus is kept small enough to live in the repository.
const MAX_CORPUS_BYTES: u64 = 1024 * 1024;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus/decode")
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir())
        .unwrap_or_else(|e| panic!("{}: {e}", corpus_dir().display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

/// Records the largest single allocation the current thread asked for, so a test can tell
/// whether decoding one file stayed within the room the limits give it. Thread-local: the
/// tests of this file run on parallel threads.
struct LargestAllocation;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

// SAFETY: every call is forwarded unchanged to the system allocator; `note` neither allocates
// nor panics.
unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// Decodes `bytes` and returns the outcome with the largest single allocation it made.
fn decode_measured(
    bytes: &[u8],
    limits: &DecodeLimits,
) -> (Result<(u32, u32), DecodeError>, usize) {
    LARGEST.with(|largest| largest.set(0));
    let result = decode_image(bytes, limits).map(|image| {
        assert_eq!(
            image.as_raw().len() as u64,
            u64::from(image.width()) * u64::from(image.height()) * 3,
            "RGB buffer size"
        );
        image.dimensions()
    });
    (result, LARGEST.with(Cell::get))
}

fn limit_sets() -> [(&'static str, DecodeLimits); 2] {
    [("small", SMALL), ("default", DecodeLimits::default())]
}

#[test]
fn the_corpus_is_there_and_small() {
    let files = corpus();
    assert!(
        !files.is_empty(),
        "{} is empty: regrow it from the fuzz target",
        corpus_dir().display()
    );
    let total: u64 = files.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    assert!(
        total <= MAX_CORPUS_BYTES,
        "the corpus is {total} bytes; minimise it (cargo fuzz cmin) below {MAX_CORPUS_BYTES}"
    );
}

#[test]
fn every_corpus_file_decodes_or_fails_with_a_typed_error() {
    let files = corpus();
    assert!(!files.is_empty(), "{} is empty", corpus_dir().display());
    let mut failures = Vec::new();
    let (mut decoded, mut refused) = (0, 0);
    for (name, bytes) in &files {
        for (label, limits) in limit_sets() {
            match catch_unwind(AssertUnwindSafe(|| decode_measured(bytes, &limits))) {
                Err(_) => failures.push(format!("{name} ({label} limits): panicked")),
                Ok((Err(_), _)) => refused += 1,
                Ok((Ok((width, height)), _)) => {
                    decoded += 1;
                    let within = width > 0
                        && height > 0
                        && u64::from(width) * u64::from(height) <= limits.max_pixels
                        && width <= limits.max_side
                        && height <= limits.max_side;
                    if !within {
                        failures.push(format!(
                            "{name} ({label} limits): decoded {width}x{height}, over {limits:?}"
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "{} corpus files: {decoded} decodes, {refused} typed errors",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The room `decode_image` gives a decoder (`image::Limits::max_alloc` in `src/decode.rs`):
/// the decoded pixels in the widest layout (RGBA 16-bit) plus 64 MiB of slack.
fn allocation_budget(limits: &DecodeLimits) -> usize {
    usize::try_from(
        limits
            .max_pixels
            .saturating_mul(8)
            .saturating_add(64 * 1024 * 1024),
    )
    .unwrap_or(usize::MAX)
}

/// No single allocation past the budget, whatever the file claims: the fuzz target runs under
/// `-malloc_limit_mb=512`, and a process with a memory cap aborts (not panics) on a failed
/// allocation.
///
/// The fuzzer found that a WebP whose EXIF chunk header claims up to 4 GiB made `image-webp`
/// 0.2.4 allocate that much (`read_chunk`, reached from `ImageDecoder::orientation`) before
/// noticing the file is 96 bytes long; `decode_image` now refuses chunks that claim more bytes
/// than follow. Reproducers: `4b08a0f8f2b55b520a1a8e024940efd0eeaa5cac` (4 GiB) and
/// `257a5c62137379464a5e442c3fafd9dd7d8d6d09` (2.4 GB).
#[test]
fn no_corpus_file_makes_the_decoder_allocate_past_the_limits() {
    let mut failures = Vec::new();
    for (name, bytes) in corpus() {
        for (label, limits) in limit_sets() {
            let (_, largest) = decode_measured(&bytes, &limits);
            let budget = allocation_budget(&limits);
            if largest > budget {
                failures.push(format!(
                    "{name} ({label} limits): one allocation of {largest} bytes, budget {budget}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
