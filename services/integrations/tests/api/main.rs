//! integrations' API tests: one binary, the real service on a random port with its own
//! database (PostgreSQL, and SQLite for the core), a unique NATS namespace, and a webhook
//! receiver started by the test that verifies every signature.

mod helpers;

mod api;
mod delivery;
mod door;
mod erp;
