//! The console's integration tests: one binary, each file a user story.

mod helpers;

mod assets;
mod audit;
mod cameras;
mod contract;
mod csrf;
mod health;
mod kiosks;
mod live;
mod openapi_files;
mod operators;
mod proxy;
mod sessions;
mod sign_in;
mod system;
mod throttle;
