//! Typed configuration from environment variables.
//!
//! A service reads all its variables through one [`EnvReader`], then calls
//! [`EnvReader::finish`]: a missing or malformed variable stops the service at start with a
//! message naming every offending variable, not just the first.

use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use faceattend_domain::attendance::{
    Confidence, DuplicateWindow, PolicyDefaults, SiteZone, Thresholds,
};
use secrecy::SecretString;

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

/// Where variables come from: the process environment, or a map in tests.
type Lookup = Box<dyn Fn(&str) -> Option<String> + Send>;

/// Reads variables from a source (the process environment, or a map in tests).
pub struct EnvReader {
    lookup: Lookup,
    problems: Vec<String>,
}

impl EnvReader {
    pub fn from_env() -> Self {
        Self::from_fn(|name| std::env::var(name).ok())
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let map: std::collections::HashMap<String, String> = pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Self::from_fn(move |name| map.get(name).cloned())
    }

    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + Send + 'static) -> Self {
        Self {
            lookup: Box::new(lookup),
            problems: Vec::new(),
        }
    }

    /// Whether the variable is set at all, empty included (where empty means "none", as in
    /// a disabled schedule).
    pub fn is_set(&self, name: &str) -> bool {
        (self.lookup)(name).is_some()
    }

    /// The raw value; an empty value counts as unset.
    pub fn raw(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    /// A required variable parsed with `FromStr`. On failure the problem is recorded and a
    /// `None` returned; the caller fills a placeholder and `finish` reports it.
    pub fn required<T>(&mut self, name: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: Display,
    {
        match self.raw(name) {
            None => {
                self.problems
                    .push(format!("{name} is required but not set"));
                None
            }
            Some(raw) => self.parse(name, &raw),
        }
    }

    pub fn optional<T>(&mut self, name: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: Display,
    {
        let raw = self.raw(name)?;
        self.parse(name, &raw)
    }

    pub fn or<T>(&mut self, name: &str, default: T) -> T
    where
        T: FromStr,
        T::Err: Display,
    {
        self.optional(name).unwrap_or(default)
    }

    /// A duration written like `30s`, `5m`, `1h 30m`.
    pub fn duration_or(&mut self, name: &str, default: Duration) -> Duration {
        match self.raw(name) {
            None => default,
            Some(raw) => match humantime::parse_duration(&raw) {
                Ok(d) => d,
                Err(e) => {
                    self.problems.push(format!(
                        "{name}={raw:?} is not a duration like '30s' or '5m': {e}"
                    ));
                    default
                }
            },
        }
    }

    /// A secret: never printed, and required to be at least `min_len` bytes long.
    pub fn secret(&mut self, name: &str, min_len: usize) -> Option<SecretString> {
        match self.raw(name) {
            None => {
                self.problems
                    .push(format!("{name} is required but not set"));
                None
            }
            Some(raw) if raw.len() < min_len => {
                self.problems.push(format!(
                    "{name} must be at least {min_len} bytes long (value not shown)"
                ));
                None
            }
            Some(raw) => Some(SecretString::from(raw)),
        }
    }

    /// Records a problem found by the service's own cross-field checks.
    /// The site's attendance settings, read the same way by every attendance service:
    /// `SITE_TIMEZONE` (IANA name, default UTC), `AUTO_CHECK_IN_THRESHOLD` (0.7),
    /// `MANUAL_REVIEW_THRESHOLD` (0.6) and `DUPLICATE_CHECK_WINDOW` (minutes, 5).
    pub fn attendance_defaults(&mut self) -> PolicyDefaults {
        let zone_name: String = self.or("SITE_TIMEZONE", "UTC".to_owned());
        let zone = SiteZone::parse(&zone_name).unwrap_or_else(|_| {
            self.problem(format!(
                "SITE_TIMEZONE={zone_name:?} is not an IANA time zone name (e.g. Europe/Berlin)"
            ));
            SiteZone::default()
        });
        let auto: f32 = self.or("AUTO_CHECK_IN_THRESHOLD", Thresholds::DEFAULT_AUTO);
        let review: f32 = self.or("MANUAL_REVIEW_THRESHOLD", Thresholds::DEFAULT_REVIEW);
        let thresholds = Confidence::new(auto)
            .and_then(|auto| Thresholds::new(auto, Confidence::new(review)?))
            .unwrap_or_else(|error| {
                self.problem(format!(
                    "AUTO_CHECK_IN_THRESHOLD and MANUAL_REVIEW_THRESHOLD: {error}"
                ));
                Thresholds::default()
            });
        let window_minutes: i64 = self.or("DUPLICATE_CHECK_WINDOW", 5i64);
        let duplicate_window =
            DuplicateWindow::from_minutes(window_minutes).unwrap_or_else(|error| {
                self.problem(format!("DUPLICATE_CHECK_WINDOW: {error}"));
                DuplicateWindow::default()
            });
        PolicyDefaults {
            zone,
            thresholds,
            duplicate_window,
        }
    }

    pub fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(message.into());
    }

    pub fn finish(self) -> Result<(), ConfigError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError {
                problems: self.problems,
            })
        }
    }

    fn parse<T>(&mut self, name: &str, raw: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: Display,
    {
        match raw.trim().parse::<T>() {
            Ok(value) => Some(value),
            Err(e) => {
                self.problems
                    .push(format!("{name}={raw:?} is invalid: {e}"));
                None
            }
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "pretty" => Ok(Self::Pretty),
            other => Err(format!("expected 'json' or 'pretty', got {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn reports_every_problem_by_name() {
        let mut env =
            EnvReader::from_pairs([("PORT", "eighty"), ("SHORT", "abc"), ("WAIT", "soon")]);
        let port: Option<u16> = env.required("PORT");
        let missing: Option<String> = env.required("DATABASE_URL");
        let secret = env.secret("SHORT", 32);
        let wait = env.duration_or("WAIT", Duration::from_secs(1));
        assert!(port.is_none() && missing.is_none() && secret.is_none());
        assert_eq!(wait, Duration::from_secs(1));
        let err = env.finish().unwrap_err();
        assert_eq!(err.problems.len(), 4);
        let text = err.to_string();
        for name in ["PORT", "DATABASE_URL", "SHORT", "WAIT"] {
            assert!(text.contains(name), "{text}");
        }
        assert!(!text.contains("abc"), "secrets are never printed: {text}");
    }

    #[test]
    fn defaults_and_empty_values() {
        let mut env = EnvReader::from_pairs([
            ("EMPTY", "  "),
            ("N", "7"),
            ("S", "0123456789abcdef0123456789abcdef"),
        ]);
        assert_eq!(env.or("EMPTY", 3u32), 3);
        assert_eq!(env.or("N", 3u32), 7);
        assert_eq!(
            env.duration_or("UNSET", Duration::from_secs(9)),
            Duration::from_secs(9)
        );
        assert_eq!(env.secret("S", 32).unwrap().expose_secret().len(), 32);
        env.finish().unwrap();
    }
}
