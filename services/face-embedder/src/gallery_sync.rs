//! Keeps this replica's in-memory gallery equal to the FACE_GALLERY bucket.
//!
//! person-api writes one key per person (value: every encoding of that person) and purges the
//! key when the person or their last face is deleted. Each replica watches the whole bucket:
//! first the latest value of every key (catch-up, so a replica that starts late or restarts
//! has the full gallery), then every change as it happens (a deletion reaches every replica
//! within milliseconds). When the watch breaks (NATS restarted, connection lost), it is
//! re-established and the bucket replayed: replaying is idempotent, because a person's entry
//! always replaces all of their encodings.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_nats::jetstream::kv::{self, Operation};
use faceattend_face::{Embedding, Gallery, ModelId};
use faceattend_proto::faces::v1 as wire;
use futures::StreamExt;
use prometheus::IntGauge;
use prost::Message;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Shared state the readiness probe reads: has the first catch-up finished?
#[derive(Clone, Default)]
pub struct SyncStatus {
    caught_up: Arc<AtomicBool>,
}

impl SyncStatus {
    pub fn is_caught_up(&self) -> bool {
        self.caught_up.load(Ordering::Acquire)
    }

    fn mark_caught_up(&self) {
        self.caught_up.store(true, Ordering::Release);
    }
}

pub struct GallerySync {
    store: kv::Store,
    gallery: Arc<RwLock<Gallery>>,
    status: SyncStatus,
    size: IntGauge,
    /// Persons currently in the gallery (those with at least one usable encoding).
    indexed: std::sync::Mutex<HashSet<Uuid>>,
}

impl GallerySync {
    pub fn new(
        store: kv::Store,
        gallery: Arc<RwLock<Gallery>>,
        status: SyncStatus,
        size: IntGauge,
    ) -> Self {
        Self {
            store,
            gallery,
            status,
            size,
            indexed: Default::default(),
        }
    }

    /// Watches until `shutdown`; never gives up while the service runs.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut attempt = 0u32;
        loop {
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => return,
                outcome = self.watch_once() => outcome,
            };
            attempt = attempt.saturating_add(1);
            let wait = Duration::from_millis(200 * 2u64.pow(attempt.min(5)));
            match outcome {
                Ok(()) => tracing::warn!("gallery watch ended; resubscribing"),
                Err(error) => {
                    tracing::warn!(%error, ?wait, "gallery watch failed; resubscribing")
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn watch_once(&self) -> Result<(), async_nats::Error> {
        // An empty bucket delivers nothing to a new watcher, so "caught up" must come from
        // the bucket's own count, read before the watch starts (a write in between is
        // delivered by the watch anyway).
        let empty = self.store.status().await?.values() == 0;
        let mut watch = self.store.watch_with_history(">").await?;
        // Keys seen in this pass: after a reconnect, persons missing from the replay were
        // purged meanwhile and must go.
        let mut seen: HashSet<Uuid> = HashSet::new();
        let mut replaying = true;
        if empty {
            self.finish_replay(&seen, true);
            replaying = false;
        }
        while let Some(entry) = watch.next().await {
            let entry = entry?;
            let Ok(person_id) = Uuid::parse_str(&entry.key) else {
                tracing::warn!(key = %entry.key, "ignoring a gallery key that is not a person id");
                continue;
            };
            seen.insert(person_id);
            match entry.operation {
                Operation::Put => self.apply_put(person_id, &entry.value),
                Operation::Delete | Operation::Purge => {
                    self.remove(person_id);
                }
            }
            if replaying && entry.delta == 0 {
                self.finish_replay(&seen, false);
                replaying = false;
            }
            // During the replay the graph waits: built once at its end, not at the person
            // who happens to cross the threshold.
            if !replaying {
                self.build_graph_if_wanted().await;
            }
        }
        Ok(())
    }

    /// Builds the gallery's HNSW graph when it needs one, off the async runtime and under a
    /// read lock, so searches go on (exactly) for the tens of seconds a build takes. This task
    /// is the gallery's only writer and waits for the build, so nothing changes in between and
    /// the graph is installed into the gallery it was built from.
    async fn build_graph_if_wanted(&self) {
        let wanted = self
            .gallery
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .wants_graph();
        if !wanted {
            return;
        }
        let gallery = self.gallery.clone();
        let started = std::time::Instant::now();
        let built = tokio::task::spawn_blocking(move || {
            gallery
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .build_graph_detached()
        })
        .await;
        match built {
            Ok(Ok(graph)) => {
                let mut gallery = self.gallery.write().unwrap_or_else(|p| p.into_inner());
                let encodings = gallery.len();
                if gallery.install_graph(graph) {
                    tracing::info!(encodings, elapsed = ?started.elapsed(), "gallery search switched to the HNSW graph");
                } else {
                    tracing::warn!(
                        "the gallery changed while its graph was built; it is rebuilt at the next change"
                    );
                }
            }
            Ok(Err(error)) => {
                tracing::error!(%error, "cannot build the gallery graph; searches stay exact")
            }
            Err(error) => tracing::error!(%error, "the gallery graph build panicked"),
        }
    }

    /// The replay is complete: drop persons the bucket no longer has, and report ready.
    fn finish_replay(&self, seen: &HashSet<Uuid>, empty: bool) {
        let stale: Vec<Uuid> = self
            .indexed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|p| empty || !seen.contains(p))
            .copied()
            .collect();
        for person in stale {
            self.remove(person);
        }
        if !self.status.is_caught_up() {
            tracing::info!("gallery caught up with the FACE_GALLERY bucket");
        }
        self.status.mark_caught_up();
    }

    fn apply_put(&self, person_id: Uuid, value: &[u8]) {
        let person = match wire::GalleryPerson::decode(value) {
            Ok(person) => person,
            Err(error) => {
                tracing::error!(%person_id, %error, "undecodable gallery entry; person left out");
                self.remove(person_id);
                return;
            }
        };
        let mut encodings = Vec::with_capacity(person.encodings.len());
        for encoding in &person.encodings {
            let Ok(encoding_id) = Uuid::parse_str(&encoding.encoding_id) else {
                tracing::error!(%person_id, "gallery encoding without a valid id; skipped");
                continue;
            };
            let Some(vector) = &encoding.embedding else {
                continue;
            };
            match Embedding::new(
                ModelId {
                    name: vector.model.clone(),
                    dimension: vector.dimension as usize,
                },
                vector.values.clone(),
            ) {
                Ok(embedding) => encodings.push((encoding_id, embedding)),
                Err(error) => {
                    tracing::error!(%person_id, %encoding_id, %error, "unusable gallery vector; skipped")
                }
            }
        }
        let mut gallery = self.gallery.write().unwrap_or_else(|p| p.into_inner());
        // A person's entry is the whole truth about them: replace, never merge.
        gallery.remove_person(person_id);
        let mut indexed = self.indexed.lock().unwrap_or_else(|p| p.into_inner());
        indexed.remove(&person_id);
        for (encoding_id, embedding) in encodings {
            if embedding.model() != gallery.model() {
                // Encodings of another model (before a re-embedding finished) are kept out:
                // vectors of different models are never compared.
                tracing::debug!(%person_id, %encoding_id, model = %embedding.model().name, "encoding of another model; skipped");
                continue;
            }
            match gallery.upsert(person_id, encoding_id, &embedding) {
                Ok(()) => {
                    indexed.insert(person_id);
                }
                Err(error) => {
                    tracing::error!(%person_id, %encoding_id, %error, "cannot index encoding")
                }
            }
        }
        self.size.set(gallery.len() as i64);
    }

    fn remove(&self, person_id: Uuid) {
        let mut gallery = self.gallery.write().unwrap_or_else(|p| p.into_inner());
        gallery.remove_person(person_id);
        self.indexed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&person_id);
        self.size.set(gallery.len() as i64);
    }
}
