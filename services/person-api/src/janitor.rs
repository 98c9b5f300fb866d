//! Erases deleted photos from the object store.
//!
//! Deleting a face or a person commits the rows' removal together with one `object_deletions`
//! record per photo; this task then deletes each object and, once the store confirms, its
//! record. A store that is down only delays the erasure: records stay until it succeeds, and
//! every replica may work the queue (deleting an object twice is harmless).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::images::ImageStore;
use crate::store::PersonStore;

pub struct ObjectJanitor {
    pub store: PersonStore,
    pub images: ImageStore,
    pub wake: Arc<Notify>,
    /// How often the queue is checked without a wake-up (work left by a crash or an outage).
    pub interval: Duration,
}

impl ObjectJanitor {
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let erased = self.erase_pending().await;
            // A full batch means there may be more: go on at once.
            if erased < BATCH as usize {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(self.interval) => {}
                }
            } else if shutdown.is_cancelled() {
                break;
            }
        }
    }

    /// Erases one batch; returns how many objects were erased.
    pub async fn erase_pending(&self) -> usize {
        let paths = match self.store.pending_object_deletions(BATCH).await {
            Ok(paths) => paths,
            Err(error) => {
                tracing::warn!(%error, "cannot read pending photo erasures");
                return 0;
            }
        };
        let mut erased = 0;
        for path in paths {
            if let Err(error) = self.images.delete(&path).await {
                tracing::warn!(%error, %path, "cannot erase a photo yet; will retry");
                continue;
            }
            match self.store.object_deleted(&path).await {
                Ok(()) => erased += 1,
                Err(error) => tracing::warn!(%error, %path, "photo erased but not recorded"),
            }
        }
        erased
    }
}

const BATCH: u64 = 100;
