//! Cursor pagination: `?limit=&cursor=` in, `{items, next_cursor}` out.
//!
//! The cursor is opaque to clients (base64url of the last item's sort key); a room
//! decides what the key is and decodes it with [`PageQuery::cursor_key`].
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, Code, FieldError, Message};

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: u32 = 20;
/// The most items one page may hold.
pub const MAX_LIMIT: u32 = 100;

/// The query of every list route.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page size, checked against the allowed range.
    pub fn limit(&self) -> Result<u32, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::new(Code::InvalidQuery).with_field(FieldError {
                field: "limit".into(),
                reason: "range",
                message: Message::new(
                    "每页数量须在 1 到 100 之间",
                    "limit must be between 1 and 100",
                ),
            })),
        }
    }

    /// The decoded sort key of the last item already seen, if any.
    pub fn cursor_key(&self) -> Result<Option<String>, ApiError> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(Some)
            .ok_or_else(|| ApiError::new(Code::InvalidCursor))
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row only says that
    /// another page exists, and `key` gives the sort key of the last row kept.
    pub fn from_rows<R>(
        rows: Vec<R>,
        limit: u32,
        key: impl Fn(&R) -> String,
        map: impl Fn(R) -> T,
    ) -> Self {
        let (rows, next_cursor) = keep(rows, limit, key);
        Page {
            items: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }

    /// [`Page::from_rows`] with a mapping that may fail (a sealed value that does not
    /// open): the first failure is the answer.
    pub fn try_from_rows<R, E>(
        rows: Vec<R>,
        limit: u32,
        key: impl Fn(&R) -> String,
        map: impl Fn(R) -> Result<T, E>,
    ) -> Result<Self, E> {
        let (rows, next_cursor) = keep(rows, limit, key);
        Ok(Page {
            items: rows.into_iter().map(map).collect::<Result<_, E>>()?,
            next_cursor,
        })
    }
}

/// The rows kept and the next cursor, from up to `limit + 1` fetched rows: the extra row
/// only says that another page exists, and `key` gives the sort key of the last kept.
fn keep<R>(mut rows: Vec<R>, limit: u32, key: impl Fn(&R) -> String) -> (Vec<R>, Option<String>) {
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = has_more
        .then(|| rows.last().map(|r| URL_SAFE_NO_PAD.encode(key(r))))
        .flatten();
    (rows, next_cursor)
}

/// One page of rows a room loaded whole, in its own order.
pub struct Slice<R> {
    pub rows: Vec<R>,
    /// The cursor of the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// Pages a list the room loaded whole in its own order: lists bounded by what one
/// person, one place or one day holds. The cursor is the key of the last row seen; the
/// page resumes after it (a row gone since then answers `request.invalid_cursor`, and
/// the client starts again from the first page).
pub fn slice<R>(
    rows: Vec<R>,
    query: &PageQuery,
    key: impl Fn(&R) -> String,
) -> Result<Slice<R>, ApiError> {
    let limit = query.limit()? as usize;
    let start = match query.cursor_key()? {
        None => 0,
        Some(last) => rows
            .iter()
            .position(|row| key(row) == last)
            .map(|at| at + 1)
            .ok_or_else(|| ApiError::new(Code::InvalidCursor))?,
    };
    let mut rows: Vec<R> = rows.into_iter().skip(start).take(limit + 1).collect();
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = has_more
        .then(|| rows.last().map(|r| URL_SAFE_NO_PAD.encode(key(r))))
        .flatten();
    Ok(Slice { rows, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Item(u32);

    fn query(limit: u32, cursor: Option<String>) -> PageQuery {
        PageQuery {
            limit: Some(limit),
            cursor,
        }
    }

    #[test]
    fn a_loaded_list_pages_to_its_end_and_a_lost_cursor_is_refused() {
        let key = |i: &Item| i.0.to_string();
        let all = || (1..=5).map(Item).collect::<Vec<_>>();
        let first = slice(all(), &query(2, None), key).unwrap();
        assert_eq!(first.rows, [Item(1), Item(2)]);
        let second = slice(all(), &query(2, first.next_cursor), key).unwrap();
        assert_eq!(second.rows, [Item(3), Item(4)]);
        let last = slice(all(), &query(2, second.next_cursor), key).unwrap();
        assert_eq!((last.rows, last.next_cursor), (vec![Item(5)], None));
        let gone = URL_SAFE_NO_PAD.encode("9");
        let err = slice(all(), &query(2, Some(gone)), key).err().unwrap();
        assert_eq!(err.code, Code::InvalidCursor);
    }
}
