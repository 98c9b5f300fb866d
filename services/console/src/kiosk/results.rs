//! The kiosks' results: ONE subscription the console opens at start-up, shared by every
//! frame waiting for its outcome.
//!
//! A waiting frame registers its capture id ([`KioskResults::wait_for`]) before the capture
//! is published, so nothing it waits for can come first. The subscription takes core NATS
//! messages (no consumer, nothing acknowledged: the worker and the gateway own the stored
//! streams) on the namespaced `captures.v1.processed.*` (face-embedder's notice that a
//! capture is settled), `detections.v1.*` and `attendance.v1.>`, and hands each to its
//! waiter: a notice or a detection by its capture id, an attendance event by the detection id
//! it names (a detection of a waiting capture makes its id known). Messages nobody waits for
//! are dropped unread; with no frame waiting, none is even decoded.
//!
//! It stops with the console (its shutdown token): the subscriptions are drained and every
//! frame still waiting is told at once, rather than left to its timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use faceattend_bus::Bus;
use faceattend_proto::attendance::v1 as attendance;
use faceattend_proto::faces::v1 as faces;
use faceattend_proto::prost::Message;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What a waiting frame hears about its capture.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultEvent {
    /// face-embedder settled the capture (sent after its detections).
    Processed(faces::CaptureProcessed),
    /// One face of the capture.
    Detection(faces::Detection),
    /// attendance-worker's decisions about one of the capture's detections.
    CheckedIn(attendance::CheckedIn),
    CheckedOut(attendance::CheckedOut),
    ReviewRequired(attendance::ReviewRequired),
}

#[derive(Default)]
struct Waiters {
    by_capture: HashMap<String, mpsc::UnboundedSender<ResultEvent>>,
    /// Detection id → the capture it belongs to.
    by_detection: HashMap<String, String>,
    /// False once the subscription has ended: new waiters are refused at once.
    open: bool,
}

/// The shared subscription's waiters. Cheap to clone.
#[derive(Clone)]
pub struct KioskResults {
    waiters: Arc<Mutex<Waiters>>,
}

/// One frame's registration: its events arrive on [`Waiter::next`]; dropping it unregisters.
pub struct Waiter {
    capture_id: String,
    events: mpsc::UnboundedReceiver<ResultEvent>,
    waiters: Arc<Mutex<Waiters>>,
}

impl Waiter {
    /// The next event of the capture; `None` once the console stops listening.
    pub async fn next(&mut self) -> Option<ResultEvent> {
        self.events.recv().await
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let mut waiters = self.waiters.lock().expect("kiosk waiters lock");
        waiters.by_capture.remove(&self.capture_id);
        let capture_id = &self.capture_id;
        waiters
            .by_detection
            .retain(|_, capture| capture != capture_id);
    }
}

impl Default for KioskResults {
    fn default() -> Self {
        Self::new()
    }
}

impl KioskResults {
    pub fn new() -> Self {
        Self {
            waiters: Arc::new(Mutex::new(Waiters {
                open: true,
                ..Default::default()
            })),
        }
    }

    /// Registers a capture about to be published; `None` when the console no longer listens
    /// (it is stopping).
    pub fn wait_for(&self, capture_id: &str) -> Option<Waiter> {
        let (sender, events) = mpsc::unbounded_channel();
        let mut waiters = self.waiters.lock().expect("kiosk waiters lock");
        if !waiters.open {
            return None;
        }
        waiters.by_capture.insert(capture_id.to_owned(), sender);
        Some(Waiter {
            capture_id: capture_id.to_owned(),
            events,
            waiters: self.waiters.clone(),
        })
    }

    /// How many frames are waiting now.
    pub fn waiting(&self) -> usize {
        self.waiters
            .lock()
            .expect("kiosk waiters lock")
            .by_capture
            .len()
    }

    /// Subscribes and dispatches until `shutdown`; then drains the subscriptions and tells
    /// every waiter. Subscribing needs no connection yet: the client sends the subscriptions
    /// when it connects, and again after every reconnect.
    pub async fn run(self, bus: Bus, shutdown: CancellationToken) {
        let subscribe = |relative: &str| {
            let client = bus.client().clone();
            let subject = bus.subject(relative);
            async move { client.subscribe(subject).await }
        };
        let subscriptions = futures::try_join!(
            subscribe("captures.v1.processed.*"),
            subscribe("detections.v1.*"),
            subscribe("attendance.v1.>"),
        );
        let (mut processed, mut detections, mut attendance) = match subscriptions {
            Ok(subscriptions) => subscriptions,
            Err(error) => {
                tracing::error!(%error, "kiosks cannot subscribe to their results; frames will time out");
                self.close();
                return;
            }
        };
        let prefix = if bus.namespace().is_empty() {
            String::new()
        } else {
            format!("{}.", bus.namespace())
        };
        loop {
            // Biased: a capture's notice and detections come before the attendance events
            // they cause, and must be handled first (the detection makes its id known).
            let message = tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                Some(message) = processed.next() => message,
                Some(message) = detections.next() => message,
                Some(message) = attendance.next() => message,
                else => break,
            };
            let subject = message
                .subject
                .as_str()
                .strip_prefix(&prefix)
                .unwrap_or(message.subject.as_str());
            self.dispatch(subject, &message.payload);
        }
        for subscription in [&mut processed, &mut detections, &mut attendance] {
            let _ = subscription.unsubscribe().await;
        }
        self.close();
        tracing::info!("kiosk results subscription closed");
    }

    /// Stops taking waiters and ends the waits of those there are.
    fn close(&self) {
        let mut waiters = self.waiters.lock().expect("kiosk waiters lock");
        waiters.open = false;
        waiters.by_capture.clear();
        waiters.by_detection.clear();
    }

    /// Hands one message (its subject relative to the namespace) to its waiter, if any.
    pub fn dispatch(&self, subject: &str, payload: &[u8]) {
        let mut waiters = self.waiters.lock().expect("kiosk waiters lock");
        if waiters.by_capture.is_empty() {
            return;
        }
        let (capture_id, event) = if subject.starts_with("captures.v1.processed.") {
            let Ok(notice) = faces::CaptureProcessed::decode(payload) else {
                return;
            };
            (notice.capture_id.clone(), ResultEvent::Processed(notice))
        } else if subject.starts_with("detections.v1.") {
            let Ok(detection) = faces::Detection::decode(payload) else {
                return;
            };
            if waiters.by_capture.contains_key(&detection.capture_id) {
                waiters
                    .by_detection
                    .insert(detection.detection_id.clone(), detection.capture_id.clone());
            }
            (
                detection.capture_id.clone(),
                ResultEvent::Detection(detection),
            )
        } else {
            let decoded = match subject {
                "attendance.v1.checked_in" => {
                    attendance::CheckedIn::decode(payload).ok().map(|e| {
                        let detection = e.check_in.as_ref().and_then(|m| m.detection_id.clone());
                        (detection, ResultEvent::CheckedIn(e))
                    })
                }
                "attendance.v1.checked_out" => {
                    attendance::CheckedOut::decode(payload).ok().map(|e| {
                        let detection = e.check_out.as_ref().and_then(|m| m.detection_id.clone());
                        (detection, ResultEvent::CheckedOut(e))
                    })
                }
                "attendance.v1.review_required" => attendance::ReviewRequired::decode(payload)
                    .ok()
                    .map(|e| (Some(e.detection_id.clone()), ResultEvent::ReviewRequired(e))),
                _ => None,
            };
            let Some((Some(detection_id), event)) = decoded else {
                return;
            };
            let Some(capture_id) = waiters.by_detection.get(&detection_id).cloned() else {
                return;
            };
            (capture_id, event)
        };
        if let Some(sender) = waiters.by_capture.get(&capture_id) {
            // A waiter that has just given up is no one to tell.
            let _ = sender.send(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(capture: &str, detection: &str) -> faces::Detection {
        faces::Detection {
            capture_id: capture.to_owned(),
            detection_id: detection.to_owned(),
            ..Default::default()
        }
    }

    fn checked_in(detection: &str) -> attendance::CheckedIn {
        attendance::CheckedIn {
            check_in: Some(attendance::Mark {
                detection_id: Some(detection.to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn events_reach_their_capture_and_attendance_its_detections() {
        let results = KioskResults::new();
        let mut mine = results.wait_for("c1").unwrap();
        let mut other = results.wait_for("c2").unwrap();

        // An attendance event of a detection not yet seen is nobody's.
        results.dispatch(
            "attendance.v1.checked_in",
            &checked_in("d1").encode_to_vec(),
        );
        results.dispatch("detections.v1.k", &detection("c1", "d1").encode_to_vec());
        results.dispatch("detections.v1.k", &detection("c9", "d9").encode_to_vec());
        results.dispatch(
            "attendance.v1.checked_in",
            &checked_in("d1").encode_to_vec(),
        );
        results.dispatch(
            "attendance.v1.checked_in",
            &checked_in("d9").encode_to_vec(),
        );
        results.dispatch(
            "captures.v1.processed.k",
            &faces::CaptureProcessed {
                capture_id: "c2".to_owned(),
                faces: 0,
                ..Default::default()
            }
            .encode_to_vec(),
        );
        results.dispatch("attendance.v1.status_changed", b"\x0a\x01x");
        results.dispatch("detections.v1.k", b"not protobuf \xff\xff");

        assert_eq!(
            mine.next().await,
            Some(ResultEvent::Detection(detection("c1", "d1")))
        );
        assert_eq!(
            mine.next().await,
            Some(ResultEvent::CheckedIn(checked_in("d1")))
        );
        assert!(mine.events.try_recv().is_err(), "nothing else is c1's");
        assert!(matches!(
            other.next().await,
            Some(ResultEvent::Processed(p)) if p.capture_id == "c2" && p.faces == 0
        ));

        // Dropped, a waiter and its detections are forgotten.
        drop(mine);
        assert_eq!(results.waiting(), 1);
        assert!(results.waiters.lock().unwrap().by_detection.is_empty());
        drop(other);
        assert_eq!(results.waiting(), 0);
    }

    #[tokio::test]
    async fn closing_ends_every_wait_and_refuses_new_ones() {
        let results = KioskResults::new();
        let mut waiter = results.wait_for("c1").unwrap();
        results.close();
        assert_eq!(waiter.next().await, None);
        assert!(results.wait_for("c2").is_none());
    }
}
