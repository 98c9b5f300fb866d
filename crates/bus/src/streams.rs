//! The catalogue of JetStream streams and how each is configured.
//!
//! Streams are declared here, once, so every service that creates or reads one agrees on
//! its subjects, retention and duplicate window.

use std::time::Duration;

use async_nats::jetstream::stream::{Config, DiscardPolicy, RetentionPolicy, StorageType};

use crate::Bus;

/// A stream as the code declares it; names and subjects are relative to the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSpec {
    pub base_name: &'static str,
    pub subjects: &'static [&'static str],
    pub description: &'static str,
    /// Zero keeps messages until limits other than age apply.
    pub max_age: Duration,
    /// How long JetStream remembers a `Nats-Msg-Id` to drop repeats. Longer than any
    /// plausible gap between a publish and its retry after a crash.
    pub duplicate_window: Duration,
}

impl StreamSpec {
    /// `persons.v1.*`: the person directory's changes, kept so a new consumer can build its
    /// copy of the directory from the beginning.
    pub const PERSONS: StreamSpec = StreamSpec {
        base_name: "PERSONS",
        subjects: &["persons.v1.>"],
        description: "Person directory changes published by person-api (persons.v1.*)",
        max_age: Duration::ZERO,
        duplicate_window: Duration::from_secs(10 * 60),
    };

    pub(crate) fn to_config(&self, bus: &Bus) -> Config {
        Config {
            name: bus.stream_name(self.base_name),
            description: Some(self.description.to_owned()),
            subjects: self.subjects.iter().map(|s| bus.subject(s)).collect(),
            retention: RetentionPolicy::Limits,
            storage: StorageType::File,
            discard: DiscardPolicy::Old,
            max_age: self.max_age,
            duplicate_window: self.duplicate_window,
            ..Default::default()
        }
    }
}
