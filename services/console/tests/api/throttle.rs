//! Sign-in throttling: repeated failures slow down, then lock, an account and an address.

use std::time::Duration;

use console::operators::Role;
use console::throttle::ThrottlePolicy;

use crate::helpers::{Backend, PASSWORD, Spawn, error_code, spawn_app_with};
use crate::on_both_backends;

/// One free failure, then a 2 s wait, locked at the third failure for a minute. (Seconds, not
/// milliseconds: a sign-in hashes for a while, longer still on a busy machine; the lock, which
/// is also how long failures are remembered, is far longer than any of that.)
const FAST: ThrottlePolicy = ThrottlePolicy {
    free_failures: 1,
    first_delay: Duration::from_secs(2),
    max_delay: Duration::from_secs(2),
    lock_after: 3,
    lock_for: Duration::from_secs(60),
};

async fn failures_slow_down_then_lock_an_account(backend: Backend) {
    let mut options = Spawn::new(backend);
    options.account_throttle = FAST;
    let app = spawn_app_with(options).await;
    app.operator("ada@example.com", Role::Viewer).await;

    // Failures 1 and 2 are answered as such; the second starts a wait.
    for _ in 0..2 {
        let response = app
            .sign_in_response("ada@example.com", "wrong password")
            .await;
        assert_eq!(response.status(), 401);
    }
    // Within the wait even the right password is not tried.
    let response = app.sign_in_response("ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(error_code(response).await, "too_many_attempts");

    // After the wait, the third failure locks the account.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = app.sign_in_response("ada@example.com", "wrong again").await;
    assert_eq!(response.status(), 401);
    let response = app.sign_in_response("ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), 429);
    let events = app.audit_events().await;
    assert!(events.contains(&"account_locked".to_owned()), "{events:?}");
    assert!(
        events.contains(&"sign_in_throttled".to_owned()),
        "{events:?}"
    );

    // Another account from the same address is not affected by ada's lock.
    app.operator("bob@example.com", Role::Viewer).await;
    app.sign_in("bob@example.com").await;
}

async fn a_lock_ends_on_its_own_and_a_success_clears_the_count(backend: Backend) {
    let mut options = Spawn::new(backend);
    // The first failure locks, for 3 s.
    options.account_throttle = ThrottlePolicy {
        free_failures: 0,
        lock_after: 1,
        lock_for: Duration::from_secs(3),
        ..FAST
    };
    let app = spawn_app_with(options).await;
    app.operator("ada@example.com", Role::Viewer).await;
    let response = app
        .sign_in_response("ada@example.com", "wrong password")
        .await;
    assert_eq!(response.status(), 401);
    let response = app.sign_in_response("ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), 429);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    app.sign_in("ada@example.com").await;
    // The success cleared the count: the next failure is the first again (and locks again).
    let response = app
        .sign_in_response("ada@example.com", "wrong password")
        .await;
    assert_eq!(response.status(), 401);
    let counts = app
        .store
        .failures(&["account:ada@example.com"])
        .await
        .unwrap();
    assert_eq!(counts[0].1.failures, 1);
}

async fn unknown_emails_are_throttled_like_accounts(backend: Backend) {
    let mut options = Spawn::new(backend);
    options.account_throttle = FAST;
    let app = spawn_app_with(options).await;
    for _ in 0..2 {
        let response = app.sign_in_response("nobody@example.com", "guess").await;
        assert_eq!(response.status(), 401);
    }
    // An attacker cannot tell accounts from non-accounts by the throttle either.
    let response = app.sign_in_response("nobody@example.com", "guess").await;
    assert_eq!(response.status(), 429);
}

async fn one_address_guessing_many_accounts_is_locked(backend: Backend) {
    let mut options = Spawn::new(backend);
    options.client_throttle = ThrottlePolicy {
        free_failures: 3,
        lock_after: 4,
        ..FAST
    };
    let app = spawn_app_with(options).await;
    app.operator("ada@example.com", Role::Viewer).await;
    for n in 0..4 {
        let response = app
            .sign_in_response(&format!("user{n}@example.com"), "guess")
            .await;
        assert_eq!(response.status(), 401);
    }
    let response = app.sign_in_response("ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), 429);
    assert_eq!(error_code(response).await, "too_many_attempts");
}

on_both_backends!(
    failures_slow_down_then_lock_an_account,
    a_lock_ends_on_its_own_and_a_success_clears_the_count,
    unknown_emails_are_throttled_like_accounts,
    one_address_guessing_many_accounts_is_locked,
);

/// Concurrent failures are all counted: the counter's row is locked while it changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_failures_are_all_counted() {
    let mut options = Spawn::new(Backend::Postgres);
    options.account_throttle = ThrottlePolicy {
        free_failures: 20,
        lock_after: 30,
        ..FAST
    };
    let app = spawn_app_with(options).await;
    let attempts = (0..8).map(|_| app.sign_in_response("race@example.com", "guess"));
    for response in futures::future::join_all(attempts).await {
        assert_eq!(response.status(), 401);
    }
    let counts = app
        .store
        .failures(&["account:race@example.com"])
        .await
        .unwrap();
    assert_eq!(counts[0].1.failures, 8);
}
