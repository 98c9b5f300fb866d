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

    /// `faces.v1.<camera>`: face frames and crops from cameras, waiting for recognition. Kept
    /// a day: long enough to ride out a face-embedder outage, short because they are biometric.
    pub const FACES: StreamSpec = StreamSpec {
        base_name: "FACES",
        subjects: &["faces.v1.>"],
        description: "Face captures published by cameras (faces.v1.<camera>)",
        max_age: Duration::from_secs(24 * 3600),
        duplicate_window: Duration::from_secs(10 * 60),
    };

    /// `detections.v1.<camera>`: every recognised (or unknown) face, the evidence attendance
    /// is decided from. Kept a week so a consumer can replay a day.
    pub const DETECTIONS: StreamSpec = StreamSpec {
        base_name: "DETECTIONS",
        subjects: &["detections.v1.>"],
        description: "Face detections with identities published by face-embedder (detections.v1.<camera>)",
        max_age: Duration::from_secs(7 * 24 * 3600),
        duplicate_window: Duration::from_secs(10 * 60),
    };

    /// `attendance.v1.*`: attendance decisions (check-in, check-out, status, review), what the
    /// realtime gateway and notifications follow. Kept 30 days so a gateway replica, or a
    /// client reconnecting with its last sequence, can replay what it missed.
    pub const ATTENDANCE: StreamSpec = StreamSpec {
        base_name: "ATTENDANCE",
        subjects: &["attendance.v1.>"],
        description: "Attendance decisions published by attendance-worker and attendance-api (attendance.v1.*)",
        max_age: Duration::from_secs(30 * 24 * 3600),
        duplicate_window: Duration::from_secs(10 * 60),
    };

    /// `deadletter.v1.<original subject>`: messages a consumer gave up on, with the reason in
    /// the `Dead-Letter-Reason` header, kept for an operator to inspect and replay.
    pub const DEAD_LETTERS: StreamSpec = StreamSpec {
        base_name: "DEAD_LETTERS",
        subjects: &["deadletter.v1.>"],
        description: "Messages given up by their consumer, with the reason (deadletter.v1.<subject>)",
        max_age: Duration::from_secs(30 * 24 * 3600),
        duplicate_window: Duration::from_secs(10 * 60),
    };

    /// Every stream above: what `proto/asyncapi.yaml` must document (its test walks this list,
    /// and fails on a stream declared here but left out of it).
    pub const CATALOGUE: &'static [StreamSpec] = &[
        Self::PERSONS,
        Self::FACES,
        Self::DETECTIONS,
        Self::ATTENDANCE,
        Self::DEAD_LETTERS,
    ];

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
