//! face-embedder's integration tests: the real service with the real models, on a real NATS
//! JetStream server, each test in its own bus namespace.

mod captures;
mod gallery;
mod helpers;
mod service;
