//! Journeys across the system as its users meet it: real services on random ports, the real
//! PostgreSQL and NATS JetStream named by `TEST_DATABASE_URL` and `TEST_NATS_URL`.

mod camera_to_attendance;
#[path = "../support/live_feed.rs"]
mod live_feed;
mod person_directory;
#[path = "../support/service.rs"]
mod service;
mod span_collector;
