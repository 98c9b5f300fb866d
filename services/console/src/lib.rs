//! console: faceattend's web console, a backend-for-frontend.
//!
//! It is the browser's only origin. Operators sign in with an email and a password
//! ([`operators`], [`password`]); a sign-in opens a server-side session whose random id travels
//! in an HttpOnly, SameSite=Strict cookie ([`session`]), and the browser never holds a token:
//! the console forwards `/api/v1/persons*` and `/api/v1/attendance*` to person-api and
//! attendance-api with a short-lived token it mints for the signed-in operator ([`proxy`]), so
//! every audit trail upstream names a real operator, and relays the live feed's WebSocket
//! `/api/v1/attendance/ws/*` to realtime-gateway ([`live`]). Sign-in is throttled per account and per
//! client address ([`throttle`]), and every state-changing request must come from the console's
//! own pages ([`csrf`]). Kiosks at the entrances pair once with a code and send
//! frames that go the CCTV cameras' way to recognition ([`kiosk`]). The app itself is embedded in the binary ([`assets`]). `main.rs` only reads configuration and calls [`startup::Application`].

pub mod accounts;
pub mod assets;
pub mod config;
pub mod csrf;
pub mod db;
pub mod error;
pub mod kiosk;
pub mod live;
pub mod openapi;
pub mod operators;
pub mod password;
pub mod proxy;
pub mod routes;
pub mod session;
pub mod startup;
pub mod state;
pub mod store;
pub mod system;
pub mod throttle;
