//! The labelled development photos that the face tests of every crate run on (the `testing`
//! feature, for dev-dependencies only): `../shared/data/faces` beside the checkout, or the
//! folder `FACEATTEND_FACES_DIR` names (one sub-folder per person, and `pairs.csv`).
//!
//! The photos are never in the repository, so a checkout may have none. A test that needs them
//! must not then pass as if it had run: under CI (`CI=true`) a missing set fails the test; on a
//! developer's machine the test is skipped, and says so twice: a line on stderr naming the
//! test, and the same line appended to the file `FACEATTEND_SKIPPED_TESTS` names, from which
//! `make test` prints the count and the names at the end of the run.

use std::io::Write;
use std::panic::Location;
use std::path::PathBuf;

/// The folder of labelled photos, or `None` (after reporting the skip) when there is none.
/// Panics under CI, where a missing set is a broken set-up, not a skip.
#[track_caller]
pub fn labelled_photos() -> Option<PathBuf> {
    let dir = std::env::var_os("FACEATTEND_FACES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/faces")
        });
    if dir.join("person01").is_dir() {
        return Some(dir);
    }
    let test = test_name(Location::caller());
    let why = format!(
        "no labelled photos at {} (set FACEATTEND_FACES_DIR)",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{test}: {why}; under CI the face tests must run");
    }
    let line = format!("skipped: {test}: {why}");
    eprintln!("{line}");
    if let Some(file) = std::env::var_os("FACEATTEND_SKIPPED_TESTS") {
        // One short append per skipped test: lines from parallel tests do not interleave.
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
        if let Err(error) = appended {
            eprintln!(
                "cannot record the skip in {}: {error}",
                file.to_string_lossy()
            );
        }
    }
    None
}

/// The running test's name (libtest names each test's thread after it), with the caller's
/// file and line for tests run on a thread of their own.
fn test_name(caller: &Location<'_>) -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_owned(),
        _ => format!("{}:{}", caller.file(), caller.line()),
    }
}
