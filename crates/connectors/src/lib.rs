//! How faceattend talks to the systems attendance is delivered to.
//!
//! Each connector turns one [`AttendanceMark`] (a decided check-in or check-out, or a later
//! correction of one) into the requests its destination documents, and says what became of
//! it as a [`DeliveryOutcome`]. The connectors hold no state and touch no database: the
//! integrations service decides what to deliver, when to retry, and remembers the
//! [`AttendanceMark::external_record`] a destination gave back, so that a correction updates
//! the record it made instead of creating a second one.
//!
//! - [`guard`]: the one HTTP client every connector sends through: no private, loopback or
//!   link-local addresses unless a destination is allowed them, no redirects, a timeout.
//! - [`webhook`]: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
//! - [`odoo`]: `hr.attendance` over JSON-RPC (`/jsonrpc`) or Odoo 19's JSON-2.
//! - [`frappe`]: Frappe HRMS's Employee Checkin (`add_log_based_on_employee_field`).
//! - [`door`]: an HTTP action on a door controller or relay, with a deadline, and templates
//!   for Shelly Gen1/Gen2 relays and Hikvision ISAPI doors.
//!
//! *Invariant:* depends on no crate of ours; knows nothing of NATS or databases.

pub mod door;
pub mod frappe;
pub mod guard;
pub mod odoo;
pub mod webhook;

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Whether a mark opens or closes a stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    CheckIn,
    CheckOut,
}

/// One decided check-in or check-out of one person, as a destination is asked to record it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttendanceMark {
    /// The attendance event's id: the idempotency key destinations are given.
    pub event_id: Uuid,
    /// faceattend's day record the mark belongs to; a later event for the same record and
    /// kind is a correction of it.
    pub attendance_id: Uuid,
    pub person_id: Uuid,
    /// The person's key in the destination's system (from the person ↔ employee mapping):
    /// Odoo's `hr.employee` id, Frappe's field value (e.g. the attendance device id).
    pub employee: String,
    pub kind: MarkKind,
    /// When the person was there (the mark's time, not the event's).
    pub at: DateTime<Utc>,
    /// The check-in of the same stay, given with a check-out (Odoo needs it to find or make
    /// the record a check-out closes).
    pub check_in_at: Option<DateTime<Utc>>,
    /// The camera that saw the person; absent for manual entries.
    pub camera_id: Option<String>,
    /// What an earlier delivery of this record to this destination gave back
    /// ([`DeliveryOutcome::Delivered::external_record`]): present when this mark corrects one
    /// already delivered.
    pub external_record: Option<String>,
}

/// What became of one attempt to deliver.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryOutcome {
    /// The destination took it. `external_record` is the record it made or changed (Odoo's
    /// `hr.attendance` id, Frappe's Employee Checkin name), kept for later corrections.
    Delivered { status: Option<u16>, external_record: Option<String>, response: String },
    /// Worth trying again later: the network, a timeout, a 5xx, a 429. `retry_after` is the
    /// least wait the destination asked for (`Retry-After`).
    Retry { status: Option<u16>, retry_after: Option<Duration>, reason: String, response: String },
    /// Refused for good: sending it again cannot help.
    Refused { status: Option<u16>, refusal: Refusal, reason: String, response: String },
    /// The destination is gone (410) or refuses our credentials: stop sending to it until an
    /// operator looks.
    Disable { status: Option<u16>, reason: String, response: String },
}

/// Why a destination refused a mark for good, as a stable code for the delivery log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The destination knows no employee by the mapped key.
    EmployeeNotFound,
    /// The employee exists but is archived or inactive there.
    EmployeeInactive,
    /// The destination already holds this mark (a duplicate log); counts as done.
    Duplicate,
    /// Odoo: a check-in while the employee's earlier check-in is still open.
    AlreadyCheckedIn,
    /// Odoo: the record would overlap another of the same employee.
    Overlapping,
    /// The destination rejected the request as invalid (another 4xx, or a documented
    /// validation error).
    Rejected,
    /// The reply could not be understood as the documented API's.
    InvalidResponse,
    /// The destination is, or resolves only to, an address outside the public internet
    /// (private, loopback, link-local, …) and is not allowed private addresses
    /// ([`guard`]).
    BlockedAddress,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::EmployeeNotFound => "employee_not_found",
            Refusal::EmployeeInactive => "employee_inactive",
            Refusal::Duplicate => "duplicate",
            Refusal::AlreadyCheckedIn => "already_checked_in",
            Refusal::Overlapping => "overlapping",
            Refusal::Rejected => "rejected",
            Refusal::InvalidResponse => "invalid_response",
            Refusal::BlockedAddress => "blocked_address",
        }
    }
}

/// How much of a reply the delivery log keeps: enough to see why, never a whole page.
pub const RESPONSE_EXCERPT_BYTES: usize = 1024;

/// The first [`RESPONSE_EXCERPT_BYTES`] of a reply, cut on a character boundary.
pub fn response_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= RESPONSE_EXCERPT_BYTES {
        return text.into_owned();
    }
    let mut end = RESPONSE_EXCERPT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
