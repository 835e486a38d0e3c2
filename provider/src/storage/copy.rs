//! `provider storage copy FROM TO`: every live record, of every kind, from one backend to
//! another (SQLite to PostgreSQL, or back), as kept: ids, expiry and consumption unchanged, so
//! sessions, grants and tokens go on working, and a code consumed before the copy stays
//! consumed after it.

use super::{Adapter, Kind, StorageError};

/// Records read and written at a time.
const PAGE: usize = 500;

/// Copies every live record from `from` to `to`, a page of one kind at a time, returning how
/// many of each kind were copied. Run it with the providers stopped: what changes at `from`
/// while it runs may be missed.
pub async fn copy(from: &dyn Adapter, to: &dyn Adapter) -> Result<Vec<(Kind, usize)>, StorageError> {
    let mut copied = Vec::new();
    for kind in Kind::ALL {
        let (mut after, mut count) = (String::new(), 0);
        loop {
            let page = from.export(kind, &after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            to.import(kind, &page).await?;
            count += page.len();
            if page.len() < PAGE {
                break;
            }
        }
        copied.push((kind, count));
    }
    Ok(copied)
}
