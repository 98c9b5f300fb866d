//! CSV exports for payroll: the attendance list, the daily and monthly reports and a
//! person's statistics as `text/csv` attachments.
//!
//! A CSV is made from the very JSON objects the same query returns (the response types,
//! serialised), column by column, so the two formats cannot drift apart. RFC 4180: a header
//! row, CRLF line ends, fields quoted when they hold a comma, quote or line break (the `csv`
//! crate). Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula, and a
//! name or reason is typed by whoever fills the directory, so such a cell is prefixed with
//! `'` (OWASP's advice; tab and carriage return too): what payroll opens is data, never code.

use actix_web::HttpResponse;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use serde::Serialize;
use serde_json::Value;

use crate::error::AttendanceApiError;

/// The most rows one export holds: beyond it, narrow the date range or the filters.
pub const MAX_EXPORT_ROWS: u64 = 100_000;

/// A `text/csv` attachment named `filename` with a header row of `columns` and one row per
/// item, each cell the item's field of that name (empty when absent or null).
pub fn csv_response<T: Serialize>(
    filename: &str,
    columns: &[&str],
    items: &[T],
) -> Result<HttpResponse, AttendanceApiError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(columns)?;
    for item in items {
        let object = json_value(item)?;
        writer.write_record(columns.iter().map(|c| cell(object.get(*c))))?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| AttendanceApiError::Csv(e.into_error().into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            ContentDisposition {
                disposition: DispositionType::Attachment,
                parameters: vec![DispositionParam::Filename(filename.to_owned())],
            },
        ))
        .body(body))
}

/// `item` as the JSON a response holds. Through text, not `serde_json::to_value`: that
/// widens an `f32` to `f64` (0.95 becomes 0.949999988079071), the text keeps what the JSON
/// response shows.
pub fn json_value(item: &impl Serialize) -> Result<Value, AttendanceApiError> {
    serde_json::to_string(item)
        .and_then(|text| serde_json::from_str(&text))
        .map_err(|e| AttendanceApiError::Corrupt(format!("unserialisable row: {e}")))
}

/// A JSON value as a CSV cell: text as is, numbers and booleans as JSON writes them, null
/// empty; then defused.
fn cell(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    defuse(text)
}

/// Prefixes a cell a spreadsheet would take for a formula with `'`.
pub fn defuse(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formulas_are_defused_and_data_kept() {
        assert_eq!(defuse("=HYPERLINK(\"x\")".into()), "'=HYPERLINK(\"x\")");
        for risky in ["+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(defuse(risky.into()).starts_with('\''), "{risky:?}");
        }
        assert_eq!(defuse("Ada = Lovelace".into()), "Ada = Lovelace");
        assert_eq!(defuse(String::new()), "");
        assert_eq!(cell(Some(&json!(null))), "");
        assert_eq!(cell(None), "");
        assert_eq!(cell(Some(&json!(2.5))), "2.5");
        assert_eq!(cell(Some(&json!(true))), "true");
    }

    #[test]
    fn quotes_by_rfc_4180() {
        let rows = [json!({"name": "Doe, \"J\"\nJr", "n": 1})];
        let response = csv_response("x.csv", &["name", "n"], &rows).expect("csv");
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/csv; charset=utf-8"
        );
        let body = actix_web::body::to_bytes(response.into_body());
        let body = futures::executor::block_on(body).expect("body");
        assert_eq!(&body[..], b"name,n\r\n\"Doe, \"\"J\"\"\nJr\",1\r\n");
    }
}
