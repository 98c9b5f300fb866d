//! The SSRF-guarded HTTP client every connector sends through (being built).
