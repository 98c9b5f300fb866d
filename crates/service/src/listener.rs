//! Binding the HTTP listener before the server runs, so a test can ask for port 0 and learn
//! which port it got.

use std::net::TcpListener;

/// Binds `address` (`host:port`; port 0 picks a free one) and returns the listener and its
/// port.
pub fn bind(address: &str) -> std::io::Result<(TcpListener, u16)> {
    let listener = TcpListener::bind(address)?;
    let port = listener.local_addr()?.port();
    Ok((listener, port))
}
