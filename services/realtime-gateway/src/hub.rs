//! Who listens to what, and the hand-off of each event to the clients that match.
//!
//! Clients are indexed by their subscription (everyone, a person, a department, a camera), so
//! an event reaches its listeners without looking at the others. Each client has a bounded
//! queue: the feed never waits for a client. When a queue is full the client is evicted (its
//! session closes with the reason) instead of slowing the feed, and so every other client,
//! down to its pace.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::events::Delivery;
use crate::metrics::GatewayMetrics;
use crate::protocol::Subscription;

/// A queued delivery, tagged with the subscription generation it was matched against: after
/// a `subscribe`, what was queued for the old subscription is skipped.
pub type Queued = (u32, Arc<Delivery>);

struct Entry {
    sender: mpsc::Sender<Queued>,
    subscription: Subscription,
    generation: u32,
    evicted: CancellationToken,
}

#[derive(Default)]
struct Index {
    clients: HashMap<u64, Entry>,
    everyone: HashSet<u64>,
    persons: HashMap<Uuid, HashSet<u64>>,
    departments: HashMap<String, HashSet<u64>>,
    cameras: HashMap<String, HashSet<u64>>,
}

impl Index {
    fn link(&mut self, id: u64, subscription: &Subscription) {
        match subscription {
            Subscription::Everyone => {
                self.everyone.insert(id);
            }
            Subscription::Person(person) => {
                self.persons.entry(*person).or_default().insert(id);
            }
            Subscription::Department(name) => {
                self.departments.entry(name.clone()).or_default().insert(id);
            }
            Subscription::Camera(name) => {
                self.cameras.entry(name.clone()).or_default().insert(id);
            }
        }
    }

    fn unlink(&mut self, id: u64, subscription: &Subscription) {
        fn remove<K: std::hash::Hash + Eq>(map: &mut HashMap<K, HashSet<u64>>, key: &K, id: u64) {
            if let Some(ids) = map.get_mut(key) {
                ids.remove(&id);
                if ids.is_empty() {
                    map.remove(key);
                }
            }
        }
        match subscription {
            Subscription::Everyone => {
                self.everyone.remove(&id);
            }
            Subscription::Person(person) => remove(&mut self.persons, person, id),
            Subscription::Department(name) => remove(&mut self.departments, name, id),
            Subscription::Camera(name) => remove(&mut self.cameras, name, id),
        }
    }

    fn remove(&mut self, id: u64) -> Option<Entry> {
        let entry = self.clients.remove(&id)?;
        self.unlink(id, &entry.subscription);
        Some(entry)
    }
}

pub struct Hub {
    index: RwLock<Index>,
    next_id: AtomicU64,
    open: AtomicUsize,
    max_connections: usize,
    queue: usize,
    metrics: GatewayMetrics,
}

/// A session's place among the open connections; the count drops with it.
pub struct ConnectionPermit {
    hub: Arc<Hub>,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        self.hub.open.fetch_sub(1, Ordering::AcqRel);
        self.hub.metrics.connections.dec();
    }
}

/// A registered client: its queue, and the token cancelled when it is evicted for being too
/// slow. Dropping it unregisters the client.
pub struct Client {
    hub: Arc<Hub>,
    id: u64,
    generation: u32,
    pub queue: mpsc::Receiver<Queued>,
    pub evicted: CancellationToken,
}

impl Hub {
    pub fn new(max_connections: usize, queue: usize, metrics: GatewayMetrics) -> Arc<Self> {
        Arc::new(Self {
            index: RwLock::default(),
            next_id: AtomicU64::new(1),
            open: AtomicUsize::new(0),
            max_connections,
            queue,
            metrics,
        })
    }

    /// A permit for one more session, unless the limit is reached.
    pub fn admit(self: &Arc<Self>) -> Option<ConnectionPermit> {
        let admitted = self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max_connections).then_some(open + 1)
            })
            .is_ok();
        admitted.then(|| {
            self.metrics.connections.inc();
            ConnectionPermit { hub: self.clone() }
        })
    }

    /// Open sessions.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// Registers a client with its first subscription.
    pub fn register(self: &Arc<Self>, subscription: Subscription) -> Client {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, queue) = mpsc::channel(self.queue);
        let evicted = CancellationToken::new();
        let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
        index.link(id, &subscription);
        index.clients.insert(
            id,
            Entry {
                sender,
                subscription,
                generation: 0,
                evicted: evicted.clone(),
            },
        );
        Client {
            hub: self.clone(),
            id,
            generation: 0,
            queue,
            evicted,
        }
    }

    /// Queues the delivery for every client whose subscription matches; returns how many.
    /// Clients whose queue is full are evicted.
    pub fn publish(&self, delivery: Arc<Delivery>) -> usize {
        let mut queued = 0;
        let mut slow = Vec::new();
        {
            let index = self.index.read().unwrap_or_else(|e| e.into_inner());
            let person = index.persons.get(&delivery.person_id);
            let department = delivery
                .department
                .as_ref()
                .and_then(|d| index.departments.get(d));
            let camera = delivery
                .camera_id
                .as_ref()
                .and_then(|c| index.cameras.get(c));
            // A client has one subscription, so it is in at most one of these sets.
            let targets = [Some(&index.everyone), person, department, camera];
            for id in targets.into_iter().flatten().flatten() {
                let Some(entry) = index.clients.get(id) else {
                    continue;
                };
                match entry.sender.try_send((entry.generation, delivery.clone())) {
                    Ok(()) => queued += 1,
                    Err(mpsc::error::TrySendError::Full(_)) => slow.push(*id),
                    // The session is ending; its drop unregisters it.
                    Err(mpsc::error::TrySendError::Closed(_)) => {}
                }
            }
        }
        if !slow.is_empty() {
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            for id in slow {
                if let Some(entry) = index.remove(id) {
                    entry.evicted.cancel();
                }
            }
        }
        queued
    }

    fn unregister(&self, id: u64) {
        let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
        index.remove(id);
    }
}

impl Client {
    /// Moves the client to another subscription; deliveries queued for the old one carry an
    /// older generation and are skipped. False when the client was evicted meanwhile.
    pub fn resubscribe(&mut self, subscription: Subscription) -> bool {
        let mut index = self.hub.index.write().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = index.clients.get_mut(&self.id) else {
            return false;
        };
        let old = std::mem::replace(&mut entry.subscription, subscription.clone());
        entry.generation = entry.generation.wrapping_add(1);
        self.generation = entry.generation;
        index.unlink(self.id, &old);
        index.link(self.id, &subscription);
        true
    }

    /// Whether a queued delivery was matched against the current subscription.
    pub fn is_current(&self, generation: u32) -> bool {
        generation == self.generation
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.hub.unregister(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(queue: usize) -> Arc<Hub> {
        let registry = prometheus::Registry::new();
        Hub::new(2, queue, GatewayMetrics::register(&registry).unwrap())
    }

    fn delivery(person: Uuid, department: Option<&str>, camera: Option<&str>) -> Arc<Delivery> {
        Arc::new(Delivery {
            seq: 1,
            person_id: person,
            department: department.map(str::to_owned),
            camera_id: camera.map(str::to_owned),
            confidence: None,
            attendance_event: None,
            status_update: None,
        })
    }

    #[test]
    fn deliveries_reach_only_matching_clients() {
        let hub = hub(8);
        let person = Uuid::new_v4();
        let mut everyone = hub.register(Subscription::Everyone);
        let mut theirs = hub.register(Subscription::Person(person));
        let mut other = hub.register(Subscription::Person(Uuid::new_v4()));
        let mut sales = hub.register(Subscription::Department("Sales".into()));
        let mut gate = hub.register(Subscription::Camera("gate".into()));
        assert_eq!(
            hub.publish(delivery(person, Some("Sales"), Some("gate"))),
            4
        );
        assert!(everyone.queue.try_recv().is_ok());
        assert!(theirs.queue.try_recv().is_ok());
        assert!(sales.queue.try_recv().is_ok());
        assert!(gate.queue.try_recv().is_ok());
        assert!(other.queue.try_recv().is_err());
        assert_eq!(hub.publish(delivery(Uuid::new_v4(), Some("HR"), None)), 1);
    }

    #[test]
    fn a_full_queue_evicts_only_that_client() {
        let hub = hub(1);
        let person = Uuid::new_v4();
        let slow = hub.register(Subscription::Person(person));
        let mut fast = hub.register(Subscription::Person(person));
        hub.publish(delivery(person, None, None));
        fast.queue.try_recv().unwrap();
        hub.publish(delivery(person, None, None));
        assert!(slow.evicted.is_cancelled());
        assert!(!fast.evicted.is_cancelled());
        fast.queue.try_recv().unwrap();
        assert_eq!(hub.publish(delivery(person, None, None)), 1);
    }

    #[test]
    fn resubscribing_moves_the_client_and_dropping_removes_it() {
        let hub = hub(8);
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut client = hub.register(Subscription::Person(a));
        hub.publish(delivery(a, None, None));
        assert!(client.resubscribe(Subscription::Person(b)));
        let (generation, _) = client.queue.try_recv().unwrap();
        assert!(
            !client.is_current(generation),
            "queued for the old subscription"
        );
        assert_eq!(hub.publish(delivery(a, None, None)), 0);
        assert_eq!(hub.publish(delivery(b, None, None)), 1);
        drop(client);
        assert_eq!(hub.publish(delivery(b, None, None)), 0);
    }

    #[test]
    fn admission_is_limited() {
        let hub = hub(1);
        let first = hub.admit().unwrap();
        let _second = hub.admit().unwrap();
        assert!(hub.admit().is_none());
        drop(first);
        assert!(hub.admit().is_some());
    }
}
