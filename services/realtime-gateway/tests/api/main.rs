//! realtime-gateway against a real NATS server, through real WebSocket clients and bytes
//! written by hand over TCP. One test binary (faster to build than one per file); each test
//! has its own bus namespace.

mod helpers;
mod http_front;
mod limits;
mod messages;
mod refusals;
mod resume;
mod subscriptions;
