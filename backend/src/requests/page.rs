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
    fn number(&self) -> Result<i64, FieldError> {
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

    /// The page asked for, of a list shown `size` a page.
    pub fn page(&self, size: i64) -> Result<Page, FieldError> {
        Ok(Page {
            number: self.number()?,
            size,
        })
    }
}

/// One page of a list read newest first: where it starts, how much to read, and the links to
/// the pages either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: i64,
    size: i64,
}

impl Page {
    /// How many items come before this page.
    pub fn offset(&self) -> i64 {
        (self.number - 1) * self.size
    }

    /// How many to read: one more than a page, to tell whether another page follows.
    pub fn to_read(&self) -> i64 {
        self.size + 1
    }

    /// Keeps this page's items of those read; whether an older page follows.
    pub fn keep<T>(&self, read: &mut Vec<T>) -> bool {
        let size = usize::try_from(self.size).unwrap_or(usize::MAX);
        let more = read.len() > size;
        read.truncate(size);
        more
    }

    /// The link to the newer page at `path`, unless this is the first.
    pub fn newer(&self, path: &str) -> Option<String> {
        (self.number > 1).then(|| format!("{path}?page={}", self.number - 1))
    }

    /// The link to the older page at `path`, when there is one.
    pub fn older(&self, path: &str, more: bool) -> Option<String> {
        more.then(|| format!("{path}?page={}", self.number + 1))
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
        let second = PageQuery {
            page: Some("2".into()),
        }
        .page(20)
        .expect("page 2");
        assert_eq!((second.offset(), second.to_read()), (20, 21));
        let mut read: Vec<i32> = (0..21).collect();
        assert!(second.keep(&mut read));
        assert_eq!(read.len(), 20);
        assert_eq!(second.newer("/p").as_deref(), Some("/p?page=1"));
        assert_eq!(second.older("/p", true).as_deref(), Some("/p?page=3"));
        assert_eq!(second.older("/p", false), None);
        assert_eq!(page(Some(" 3 ")), Ok(3));
        for bad in ["0", "-1", "x", "", "1000001"] {
            assert_eq!(
                page(Some(bad)).map_err(|e| e.field),
                Err("page".into()),
                "{bad:?}"
            );
        }
    }
}
