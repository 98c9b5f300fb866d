//! face-embedder's configuration: one typed struct, read from the environment and validated
//! at start.

use std::path::PathBuf;
use std::time::Duration;

use faceattend_service::config::{ConfigError, EnvReader, LogFormat};

#[derive(Debug, Clone)]
pub struct Settings {
    pub nats_url: String,
    /// Prefix of every subject, stream and bucket; empty for none.
    pub bus_namespace: String,
    /// The folder `make models` builds (models and ONNX Runtime).
    pub models_dir: PathBuf,
    /// Threads of ONNX Runtime's pool, shared by every model (the calling thread included).
    pub inference_threads: usize,
    /// Whether idle inference threads busy-wait for the next operator (faster under load).
    pub inference_spin: bool,
    /// Images analysed at once.
    pub inference_workers: usize,
    /// Largest accepted image, encoded.
    pub max_image_bytes: usize,
    /// The runner-up person must be at least this much farther than the best (distance).
    pub match_margin: f32,
    /// Gallery size from which search switches from exact to approximate.
    pub approximate_above: usize,
    /// Queue group of the NATS micro-service endpoints: replicas share requests.
    pub queue_group: String,
    /// Whether this replica consumes camera captures (FACES stream).
    pub consume_captures: bool,
    /// Durable consumer name shared by every replica.
    pub captures_consumer: String,
    /// Captures fetched per pull.
    pub captures_batch: usize,
    /// Deliveries of a capture before it goes to the dead-letter stream.
    pub captures_max_deliver: i64,
    /// `host:port` of the health and metrics endpoints; port 0 picks a free one (tests).
    pub bind_address: String,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_reader(EnvReader::from_env())
    }

    pub fn from_reader(mut env: EnvReader) -> Result<Self, ConfigError> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let settings = Settings {
            nats_url: env.or("NATS_URL", "nats://127.0.0.1:4222".to_owned()),
            bus_namespace: env.or("BUS_NAMESPACE", String::new()),
            models_dir: PathBuf::from(env.or("FACEATTEND_MODELS_DIR", "models".to_owned())),
            inference_threads: env.or("INFERENCE_THREADS", cores),
            inference_spin: env.or("INFERENCE_SPIN", true),
            inference_workers: env.or("INFERENCE_WORKERS", 1usize),
            max_image_bytes: env.or("MAX_IMAGE_BYTES", 7 * 1024 * 1024usize),
            match_margin: env.or("FACE_MATCH_MARGIN", 0.05f32),
            approximate_above: env.or("GALLERY_APPROXIMATE_ABOVE", 50_000usize),
            queue_group: env.or("QUEUE_GROUP", "face-embedder".to_owned()),
            consume_captures: env.or("CONSUME_CAPTURES", true),
            captures_consumer: env.or("CAPTURES_CONSUMER", "face-embedder".to_owned()),
            captures_batch: env.or("CAPTURES_BATCH", 8usize),
            captures_max_deliver: env.or("CAPTURES_MAX_DELIVER", 3i64),
            bind_address: env.or("BIND_ADDRESS", "0.0.0.0:8081".to_owned()),
            shutdown_timeout: Duration::from_secs(env.or("SHUTDOWN_TIMEOUT_SECS", 30u64)),
            log_format: env.or("LOG_FORMAT", LogFormat::Json),
        };
        if settings.inference_threads == 0 || settings.inference_workers == 0 {
            env.problem("INFERENCE_THREADS and INFERENCE_WORKERS must be at least 1");
        }
        if settings.max_image_bytes < 1024 {
            env.problem("MAX_IMAGE_BYTES must be at least 1024");
        }
        if !(0.0..=1.0).contains(&settings.match_margin) {
            env.problem("FACE_MATCH_MARGIN must be a distance between 0 and 1");
        }
        if settings.captures_batch == 0 || settings.captures_max_deliver < 1 {
            env.problem("CAPTURES_BATCH and CAPTURES_MAX_DELIVER must be at least 1");
        }
        if settings.queue_group.is_empty() || settings.captures_consumer.is_empty() {
            env.problem("QUEUE_GROUP and CAPTURES_CONSUMER must not be empty");
        }
        env.finish()?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_bad_variable() {
        let err = Settings::from_reader(EnvReader::from_pairs([
            ("INFERENCE_WORKERS", "0"),
            ("FACE_MATCH_MARGIN", "lots"),
        ]))
        .expect_err("invalid configuration");
        let text = err.to_string();
        for name in ["INFERENCE_THREADS", "FACE_MATCH_MARGIN"] {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn defaults() {
        let settings =
            Settings::from_reader(EnvReader::from_pairs([])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settings.queue_group, "face-embedder");
        assert_eq!(settings.models_dir, PathBuf::from("models"));
        assert!(settings.consume_captures);
    }
}
