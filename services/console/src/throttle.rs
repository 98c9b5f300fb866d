//! How sign-in failures slow down, then lock, further attempts.
//!
//! Failures are counted under two keys: the account (the email as typed, whether or not such
//! an operator exists, so the answer never tells which emails are accounts) and the client
//! address. A few failures are free (typos); after them each further attempt must wait twice
//! as long as the last, up to a ceiling; at the lock threshold the key is locked for a fixed
//! time. A counter starts again once its last failure is older than the lock time, and the
//! account's counter is cleared by a successful sign-in. The client address has a far higher
//! threshold than an account, since a whole office may sign in from behind one address.
//!
//! This module is the arithmetic alone; `store` keeps the counters.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The rules for one kind of key (an account, or a client address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    /// The first delay; each further failure doubles it.
    pub first_delay: Duration,
    /// The longest delay before the lock.
    pub max_delay: Duration,
    /// Failures that lock the key.
    pub lock_after: u32,
    /// How long a lock lasts, and how long a counter is remembered after its last failure.
    pub lock_for: Duration,
}

/// A key's failures, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: u32,
    pub last_failure_at: DateTime<Utc>,
}

/// Whether an attempt may go ahead now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleDecision {
    Allowed,
    /// Too soon after the last failure: try again at `until`.
    Delayed {
        until: DateTime<Utc>,
    },
    /// Locked until `until`.
    Locked {
        until: DateTime<Utc>,
    },
}

impl ThrottleDecision {
    /// When the next attempt may be made, if not now.
    pub fn retry_at(self) -> Option<DateTime<Utc>> {
        match self {
            ThrottleDecision::Allowed => None,
            ThrottleDecision::Delayed { until } | ThrottleDecision::Locked { until } => Some(until),
        }
    }

    /// The later of two decisions: an attempt waits for both of its keys.
    pub fn stricter(self, other: ThrottleDecision) -> ThrottleDecision {
        match (self.retry_at(), other.retry_at()) {
            (None, _) => other,
            (_, None) => self,
            (Some(a), Some(b)) if b > a => other,
            _ => self,
        }
    }
}

impl ThrottlePolicy {
    /// The account default: 3 free failures, then 1 s, 2 s, 4 s ... up to 5 minutes; the 10th
    /// failure locks for 15 minutes.
    pub const ACCOUNT: ThrottlePolicy = ThrottlePolicy {
        free_failures: 3,
        first_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(300),
        lock_after: 10,
        lock_for: Duration::from_secs(15 * 60),
    };

    /// The client-address default: 20 free failures, delays as for an account, locked at 100.
    pub const CLIENT: ThrottlePolicy = ThrottlePolicy {
        free_failures: 20,
        first_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(300),
        lock_after: 100,
        lock_for: Duration::from_secs(15 * 60),
    };

    /// The failures that still count at `now`: none once the last is older than the lock time.
    pub fn current(&self, count: Option<FailureCount>, now: DateTime<Utc>) -> u32 {
        match count {
            Some(count) if now < count.last_failure_at + self.lock_for => count.failures,
            _ => 0,
        }
    }

    /// Whether an attempt may be made at `now` given the key's stored failures.
    pub fn decide(&self, count: Option<FailureCount>, now: DateTime<Utc>) -> ThrottleDecision {
        let failures = self.current(count, now);
        let Some(count) = count.filter(|_| failures > 0) else {
            return ThrottleDecision::Allowed;
        };
        if failures >= self.lock_after {
            return ThrottleDecision::Locked {
                until: count.last_failure_at + self.lock_for,
            };
        }
        if failures <= self.free_failures {
            return ThrottleDecision::Allowed;
        }
        let until = count.last_failure_at + self.delay_after(failures);
        if now < until {
            ThrottleDecision::Delayed { until }
        } else {
            ThrottleDecision::Allowed
        }
    }

    /// The wait after the `failures`-th failure (none while failures are free).
    pub fn delay_after(&self, failures: u32) -> Duration {
        if failures <= self.free_failures {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free_failures - 1).min(30);
        self.first_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }

    /// Whether this many failures lock the key (the failure that reaches it is the one to
    /// record as a lock).
    pub fn locks_at(&self, failures: u32) -> bool {
        failures == self.lock_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn count(failures: u32, last: i64) -> Option<FailureCount> {
        Some(FailureCount {
            failures,
            last_failure_at: at(last),
        })
    }

    const POLICY: ThrottlePolicy = ThrottlePolicy::ACCOUNT;

    #[test]
    fn free_failures_cost_nothing() {
        assert_eq!(POLICY.decide(None, at(0)), ThrottleDecision::Allowed);
        for failures in 1..=3 {
            assert_eq!(
                POLICY.decide(count(failures, 0), at(0)),
                ThrottleDecision::Allowed
            );
        }
    }

    #[test]
    fn each_further_failure_doubles_the_wait() {
        assert_eq!(POLICY.delay_after(4), Duration::from_secs(1));
        assert_eq!(POLICY.delay_after(5), Duration::from_secs(2));
        assert_eq!(POLICY.delay_after(6), Duration::from_secs(4));
        assert_eq!(POLICY.delay_after(9), Duration::from_secs(32));
        assert_eq!(
            ThrottlePolicy::CLIENT.delay_after(99),
            Duration::from_secs(300)
        );
        assert_eq!(
            POLICY.decide(count(5, 0), at(1)),
            ThrottleDecision::Delayed { until: at(2) }
        );
        assert_eq!(POLICY.decide(count(5, 0), at(2)), ThrottleDecision::Allowed);
    }

    #[test]
    fn the_lock_holds_for_its_time_then_the_count_starts_again() {
        assert!(POLICY.locks_at(10));
        assert!(!POLICY.locks_at(11));
        assert_eq!(
            POLICY.decide(count(10, 0), at(899)),
            ThrottleDecision::Locked { until: at(900) }
        );
        assert_eq!(
            POLICY.decide(count(10, 0), at(900)),
            ThrottleDecision::Allowed
        );
        assert_eq!(POLICY.current(count(10, 0), at(900)), 0);
        assert_eq!(POLICY.current(count(2, 0), at(899)), 2);
    }

    #[test]
    fn an_attempt_waits_for_the_stricter_key() {
        let delayed = ThrottleDecision::Delayed { until: at(5) };
        let locked = ThrottleDecision::Locked { until: at(900) };
        assert_eq!(ThrottleDecision::Allowed.stricter(delayed), delayed);
        assert_eq!(delayed.stricter(ThrottleDecision::Allowed), delayed);
        assert_eq!(delayed.stricter(locked), locked);
        assert_eq!(locked.stricter(delayed), locked);
        assert_eq!(locked.retry_at(), Some(at(900)));
        assert_eq!(ThrottleDecision::Allowed.retry_at(), None);
    }
}
