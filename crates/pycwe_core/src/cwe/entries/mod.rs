//! The catalog's entries, one file per theme. Each file exports one `&[CweEntry]` table; `GROUPS`
//! chains them into the single catalog that `super::catalog()` iterates.

mod access;
mod exposure;
mod extra;
mod injection;
mod memory;

use super::CweEntry;

pub(super) const GROUPS: [&[CweEntry]; 5] =
    [injection::ENTRIES, access::ENTRIES, exposure::ENTRIES, memory::ENTRIES, extra::ENTRIES];
