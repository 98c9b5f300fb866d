//! The crate's one error type: what can go wrong between the attendance services and their
//! database.

use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("attendance database error: {0}")]
    Database(#[from] DbErr),
    /// A stored value the domain refuses (a confidence of 1.3, an unknown status): written
    /// behind the store's back or by a newer version. Reported, never silently repaired.
    #[error("corrupt {table} row {key}: {reason}")]
    Corrupt {
        table: &'static str,
        key: String,
        reason: String,
    },
    /// A value that cannot be stored: a count beyond the database's integer range.
    #[error("cannot store {field}: {reason}")]
    Unstorable { field: &'static str, reason: String },
    /// A report asked for a month that does not exist (month 13, a year beyond the calendar).
    #[error("no such month: {year}-{month}")]
    InvalidPeriod { year: i32, month: u32 },
}

impl StoreError {
    /// Whether trying the same operation again later may succeed: a database error (down,
    /// busy, a serialisation failure, a lost connection) may; corrupt or unstorable data
    /// will fail the same way every time, so a consumer should dead-letter its message
    /// rather than retry it.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Database(_))
    }

    pub(crate) fn corrupt(table: &'static str, key: impl ToString, reason: impl ToString) -> Self {
        Self::Corrupt {
            table,
            key: key.to_string(),
            reason: reason.to_string(),
        }
    }
}
