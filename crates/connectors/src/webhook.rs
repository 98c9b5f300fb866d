//! Standard Webhooks: signed deliveries to a receiver's URL (being built).
