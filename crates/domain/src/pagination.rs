//! Page requests and the page metadata of the spec's list responses.

use serde::Serialize;

use crate::validation::FieldIssue;

/// A validated page request: `page` ≥ 1 and `1 ≤ page_size ≤ MAX_PAGE_SIZE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u64,
    page_size: u64,
}

impl PageRequest {
    pub const DEFAULT_PAGE_SIZE: u64 = 20;
    pub const MAX_PAGE_SIZE: u64 = 100;
    /// Deep offsets make the database walk and discard every earlier row; past this a
    /// client should narrow its filters instead.
    pub const MAX_PAGE: u64 = 100_000;

    pub fn parse_page(page: Option<i64>) -> Result<u64, FieldIssue> {
        match page {
            None => Ok(1),
            Some(p) if (1..=Self::MAX_PAGE as i64).contains(&p) => Ok(p as u64),
            Some(_) => Err(FieldIssue::new(
                "out_of_range",
                format!("must be between 1 and {}", Self::MAX_PAGE),
            )),
        }
    }

    pub fn parse_page_size(page_size: Option<i64>) -> Result<u64, FieldIssue> {
        match page_size {
            None => Ok(Self::DEFAULT_PAGE_SIZE),
            Some(s) if (1..=Self::MAX_PAGE_SIZE as i64).contains(&s) => Ok(s as u64),
            Some(_) => Err(FieldIssue::new(
                "out_of_range",
                format!("must be between 1 and {}", Self::MAX_PAGE_SIZE),
            )),
        }
    }

    pub fn new(page: u64, page_size: u64) -> Self {
        Self { page, page_size }
    }

    pub fn page(&self) -> u64 {
        self.page
    }

    pub fn page_size(&self) -> u64 {
        self.page_size
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.page_size
    }

    pub fn meta(&self, total: u64) -> PageMeta {
        PageMeta {
            page: self.page,
            page_size: self.page_size,
            total,
            total_pages: total.div_ceil(self.page_size),
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new(1, Self::DEFAULT_PAGE_SIZE)
    }
}

/// The spec's pagination `meta` block, with its camelCase keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageMeta {
    pub page: u64,
    pub page_size: u64,
    pub total: u64,
    pub total_pages: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(PageRequest::parse_page(None), Ok(1));
        assert_eq!(PageRequest::parse_page_size(None), Ok(20));
        assert!(PageRequest::parse_page(Some(0)).is_err());
        assert!(PageRequest::parse_page(Some(-3)).is_err());
        assert!(PageRequest::parse_page_size(Some(0)).is_err());
        assert_eq!(PageRequest::parse_page_size(Some(100)), Ok(100));
        assert!(PageRequest::parse_page_size(Some(101)).is_err());
    }

    #[test]
    fn meta_counts_partial_last_page() {
        let meta = PageRequest::new(2, 20).meta(150);
        assert_eq!(meta.total_pages, 8);
        assert_eq!(PageRequest::new(1, 20).meta(0).total_pages, 0);
        assert_eq!(PageRequest::new(3, 10).offset(), 20);
    }
}
