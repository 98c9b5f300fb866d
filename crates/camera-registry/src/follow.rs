//! Following the registry: the whole set of cameras, kept equal to the `CAMERAS` bucket and
//! handed out as a [`tokio::sync::watch`] value, so a consumer (an agent deciding what to
//! run, the worker looking up a camera's role) only ever reads a complete, current set.
//!
//! The watch first replays the latest value of every key, then delivers each change as it
//! happens. When it breaks (NATS restarted, connection lost) it is re-established and the
//! bucket replayed into a fresh set, so a camera removed meanwhile is gone afterwards too.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::kv::{self, Operation};
use futures::StreamExt;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::{CameraRegistry, RegisteredCamera};

/// The registry as last seen.
#[derive(Debug, Clone, Default)]
pub struct CameraSet {
    /// Every valid camera, by id.
    pub cameras: Arc<BTreeMap<String, RegisteredCamera>>,
    /// False until the first replay of the bucket finished: an empty set before then means
    /// "not known yet", not "no cameras".
    pub caught_up: bool,
}

impl CameraSet {
    pub fn get(&self, id: &str) -> Option<&RegisteredCamera> {
        self.cameras.get(id)
    }
}

/// Starts following the registry until `shutdown`; the receiver always holds the latest set.
pub fn follow(
    registry: &CameraRegistry,
    shutdown: CancellationToken,
) -> watch::Receiver<CameraSet> {
    let (sender, receiver) = watch::channel(CameraSet::default());
    let store = registry.cameras.clone();
    tokio::spawn(async move {
        let mut attempt = 0u32;
        loop {
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => return,
                outcome = watch_once(&store, &sender) => outcome,
            };
            if sender.is_closed() {
                return;
            }
            attempt = attempt.saturating_add(1);
            let wait = Duration::from_millis(200 * 2u64.pow(attempt.min(5)));
            match outcome {
                Ok(()) => tracing::warn!("camera registry watch ended; resubscribing"),
                Err(error) => {
                    tracing::warn!(%error, ?wait, "camera registry watch failed; resubscribing")
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    });
    receiver
}

async fn watch_once(
    store: &kv::Store,
    sender: &watch::Sender<CameraSet>,
) -> Result<(), async_nats::Error> {
    // An empty bucket delivers nothing to a new watcher, so "caught up" must come from the
    // bucket's own count, read before the watch starts (a write in between is delivered by
    // the watch anyway).
    let empty = store.status().await?.values() == 0;
    let mut watch = store.watch_with_history(">").await?;
    let mut cameras: BTreeMap<String, RegisteredCamera> = BTreeMap::new();
    let mut replaying = !empty;
    if empty {
        publish(sender, &cameras);
    }
    while let Some(entry) = watch.next().await {
        let entry = entry?;
        let camera = match entry.operation {
            Operation::Put => RegisteredCamera::decode(&entry.key, &entry.value, entry.revision),
            Operation::Delete | Operation::Purge => None,
        };
        match camera {
            Some(camera) => cameras.insert(entry.key.clone(), camera),
            None => cameras.remove(&entry.key),
        };
        if replaying && entry.delta == 0 {
            replaying = false;
        }
        if !replaying {
            publish(sender, &cameras);
        }
    }
    Ok(())
}

fn publish(sender: &watch::Sender<CameraSet>, cameras: &BTreeMap<String, RegisteredCamera>) {
    sender.send_replace(CameraSet {
        cameras: Arc::new(cameras.clone()),
        caught_up: true,
    });
}
