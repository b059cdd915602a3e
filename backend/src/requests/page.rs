//! `?page=N` on the organizer's paged lists (past events, the audit log): a whole number from
//! 1, and 1 when left out.

use serde::Deserialize;

use crate::domain::FieldError;

/// The most pages a list is read to; a larger number is refused rather than scanned.
const MAX_PAGE: i64 = 1_000_000;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    /// The page asked for, from 1.
    pub fn number(&self) -> Result<i64, FieldError> {
        match self.page.as_deref() {
            None => Ok(1),
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| FieldError::new("page", "page is a whole number from 1")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_count_from_one() {
        let page = |raw: Option<&str>| {
            PageQuery {
                page: raw.map(str::to_string),
            }
            .number()
        };
        assert_eq!(page(None), Ok(1));
        assert_eq!(page(Some(" 3 ")), Ok(3));
        for bad in ["0", "-1", "x", "", "1000001"] {
            assert_eq!(page(Some(bad)).map_err(|e| e.field), Err("page"), "{bad:?}");
        }
    }
}
