//! The contract test every REST service runs (feature `testing`): schemathesis against the
//! service's own OpenAPI document, served by the real service.
//!
//! schemathesis (`scripts/schemathesis.sh`, pinned to 4.32.5) generates requests from the
//! document — valid ones, which must be accepted, and invalid ones, which must be refused with
//! a 4xx — and checks every answer against the document (`--checks all`: status codes, content
//! types, headers, schemas, no 5xx, 405 with `Allow`, authentication not ignored). Each service
//! keeps its narrow exceptions, each with its reason, in its `tests/schemathesis.toml`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Fixed, so a failure reproduces (`st replay <id>` or the printed curl); change it only with
/// the examples it finds fixed. `CONTRACT_SEED` overrides it, and `CONTRACT_MAX_EXAMPLES` the
/// examples per operation, to search deeper by hand (`CONTRACT_SEED=7 CONTRACT_MAX_EXAMPLES=200
/// scripts/test.sh -E 'test(contract)'`).
pub const SEED: &str = "20261204";

/// One schemathesis run against a running service.
#[derive(Debug, Clone)]
pub struct ContractRun {
    /// `http://127.0.0.1:<port>/api/v1/openapi.json` of the running service.
    pub schema_url: String,
    /// Headers sent with every request: how the service is authenticated (`Authorization:
    /// Bearer <token with every permission>`, or a session cookie and what else it needs).
    pub headers: Vec<(String, String)>,
    /// Environment variables for schemathesis, e.g. a credential its configuration file
    /// names as `${VAR}` (an `[auth.openapi.<scheme>]` block, so that schemathesis knows what
    /// authenticates a request and can leave it out to check that the service refuses).
    pub env: Vec<(String, String)>,
    /// The service's `tests/`, which holds its `schemathesis.toml`: schemathesis reads its
    /// configuration from the working directory (`run` takes no path to it).
    pub tests_dir: PathBuf,
    /// Generated requests per operation and phase.
    pub max_examples: u32,
    /// Where schemathesis writes its report (left for a failure to be read).
    pub report_dir: PathBuf,
}

impl ContractRun {
    /// The `Authorization` header of a bearer token.
    pub fn bearer(token: &str) -> Vec<(String, String)> {
        vec![("Authorization".to_owned(), format!("Bearer {token}"))]
    }

    /// Runs schemathesis to the end (blocking: call it from `spawn_blocking`), prints its
    /// report and panics when it found anything: a failure, an error or a 5xx.
    pub fn assert_no_failures(&self) {
        let script = workspace_root().join("scripts/schemathesis.sh");
        let seed = std::env::var("CONTRACT_SEED").unwrap_or_else(|_| SEED.to_owned());
        let max_examples = std::env::var("CONTRACT_MAX_EXAMPLES")
            .ok()
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(self.max_examples);
        let started = Instant::now();
        let output = Command::new(&script)
            .current_dir(&self.tests_dir)
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .arg("run")
            .arg(&self.schema_url)
            .args(["--checks", "all", "--seed", &seed])
            .args(["--max-examples", &max_examples.to_string()])
            // One worker: schemathesis' threads compile code concurrently, which CPython 3.11
            // can fail at ("SystemError: AST constructor recursion depth mismatch", seen here),
            // and with one a seed replays the same requests in the same order.
            .args([
                "--workers",
                "1",
                "--no-color",
                "--generation-database",
                "none",
            ])
            .arg("--report-dir")
            .arg(&self.report_dir)
            .args(
                self.headers
                    .iter()
                    .flat_map(|(name, value)| ["--header".to_owned(), format!("{name}: {value}")]),
            )
            .output()
            .expect("scripts/schemathesis.sh runs (python3 with venv and pip are needed)");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        println!("{stdout}");
        eprintln!("{stderr}");
        println!("schemathesis took {:.1} s", started.elapsed().as_secs_f64());
        assert!(
            output.status.success(),
            "schemathesis found contract failures (exit {:?}); its report is above",
            output.status.code()
        );
        // A run whose every case was refused before a check ran still exits 0: the sections
        // are the evidence.
        assert!(
            !stdout.contains("FAILURES") && !stdout.contains("ERRORS"),
            "schemathesis reported failures or errors"
        );
    }
}

/// The workspace's root: this crate lives in `crates/service`.
fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}
