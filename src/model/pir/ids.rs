//! Action item IDs that stay stable and distinct when two clones add actions at once.
//!
//! An ID is `A<n>-<sss>`: `n` is one more than the highest number this clone has seen,
//! and `sss` three characters hashed from the action's own content (time, author, owner,
//! text). Two clones that both add "action 2" get `A2-k7q` and `A2-m3x`: after the
//! union merge both keep their IDs, and neither needs renumbering. People type `A2` while
//! it is unique, or the full ID (any unique prefix of it) once it is not.

use crate::time::{self, Timestamp};

/// Crockford's base-32 alphabet in lower case: no `i`, `l`, `o`, `u` to misread.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const SUFFIX_LEN: usize = 3;

/// The ID for a new action, given the IDs already in the PIR.
pub fn new_id<'a>(
    existing: impl IntoIterator<Item = &'a str>,
    at: &Timestamp,
    by: &str,
    owner: &str,
    text: &str,
) -> String {
    let n = existing.into_iter().filter_map(number).max().unwrap_or(0) + 1;
    let mut hash = fnv1a(format!("{}\n{by}\n{owner}\n{text}", time::format(at)).as_bytes());
    let mut suffix = String::with_capacity(SUFFIX_LEN);
    for _ in 0..SUFFIX_LEN {
        suffix.push(ALPHABET[(hash % 32) as usize] as char);
        hash /= 32;
    }
    format!("A{n}-{suffix}")
}

/// The number of an ID: 2 for `A2-k7q`.
pub fn number(id: &str) -> Option<u32> {
    let rest = id.strip_prefix('A')?;
    let digits = rest.split('-').next()?;
    digits.parse().ok()
}

/// Whether `id` has the form mim writes: `A<n>-<three base-32 characters>`.
pub fn is_well_formed(id: &str) -> bool {
    let Some((head, suffix)) = id.split_once('-') else {
        return false;
    };
    head.len() > 1
        && number(head).is_some_and(|n| n > 0)
        && !head[1..].starts_with('0')
        && suffix.len() == SUFFIX_LEN
        && suffix.bytes().all(|b| ALPHABET.contains(&b))
}

/// Which of `ids` the user means by `typed`: the full ID, `A2` / `a2` / `2` when only
/// one action has that number, or a unique prefix of the full ID (`A2-k`).
pub fn find<'a>(ids: &[&'a str], typed: &str) -> Result<&'a str, String> {
    let typed = typed.trim();
    let wanted = if typed.bytes().all(|b| b.is_ascii_digit()) && !typed.is_empty() {
        format!("A{typed}")
    } else {
        typed.to_string()
    };
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if let Some(id) = ids.iter().find(|id| same(id, &wanted)) {
        return Ok(id);
    }
    let matches: Vec<&'a str> = if wanted.contains('-') {
        ids.iter()
            .copied()
            .filter(|id| {
                id.get(..wanted.len())
                    .is_some_and(|head| same(head, &wanted))
            })
            .collect()
    } else {
        ids.iter()
            .copied()
            .filter(|id| id.split('-').next().is_some_and(|head| same(head, &wanted)))
            .collect()
    };
    match matches.as_slice() {
        [one] => Ok(one),
        [] if ids.is_empty() => Err(format!(
            "no action `{}`: this PIR has no action items yet",
            typed.escape_debug()
        )),
        [] => Err(format!(
            "no action `{}` in this PIR; its actions are {}",
            typed.escape_debug(),
            ids.join(", ")
        )),
        several => Err(format!(
            "`{}` could be any of {}: actions added on two clones share a number; type the full ID",
            typed.escape_debug(),
            several.join(", ")
        )),
    }
}

/// 64-bit FNV-1a: tiny, and the same on every platform and release (std's hasher is not
/// promised to be).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn ids_number_on_and_hash_their_content() {
        let t = at("2026-11-25T10:00:00Z");
        let first = new_id([], &t, "Sam", "Bob", "Update the runbook");
        assert!(first.starts_with("A1-"), "{first}");
        assert!(is_well_formed(&first), "{first}");
        assert_eq!(first, new_id([], &t, "Sam", "Bob", "Update the runbook"));
        let second = new_id([first.as_str()], &t, "Sam", "Bob", "Add monitoring");
        assert!(second.starts_with("A2-"), "{second}");
        let after_gap = new_id(["A1-aaa", "A7-bbb", "junk"], &t, "Sam", "Bob", "x");
        assert!(after_gap.starts_with("A8-"), "{after_gap}");
    }

    #[test]
    fn two_clones_adding_the_same_number_get_distinct_ids() {
        let existing = ["A1-abc"];
        let here = new_id(
            existing,
            &at("2026-11-25T10:00:00Z"),
            "Sam",
            "Bob",
            "Runbook",
        );
        let there = new_id(
            existing,
            &at("2026-11-25T10:05:00Z"),
            "Kim",
            "Ann",
            "Alerts",
        );
        assert_eq!(number(&here), Some(2));
        assert_eq!(number(&there), Some(2));
        assert_ne!(here, there);
    }

    #[test]
    fn well_formed_ids() {
        assert!(is_well_formed("A12-k7q"));
        for bad in [
            "A2", "A0-k7q", "A02-k7q", "B2-k7q", "A2-k7", "A2-K7Q", "A2-k7i", "A-k7q",
        ] {
            assert!(!is_well_formed(bad), "{bad}");
        }
    }

    #[test]
    fn typed_references_resolve_while_unique() {
        let ids = ["A1-abc", "A2-k7q", "A2-m3x", "A12-zzz"];
        assert_eq!(find(&ids, "A1"), Ok("A1-abc"));
        assert_eq!(find(&ids, "a1"), Ok("A1-abc"));
        assert_eq!(find(&ids, "1"), Ok("A1-abc"));
        assert_eq!(find(&ids, "A12"), Ok("A12-zzz"));
        assert_eq!(find(&ids, "A2-K7Q"), Ok("A2-k7q"));
        assert_eq!(find(&ids, "A2-m"), Ok("A2-m3x"));
        let err = find(&ids, "A2").unwrap_err();
        assert!(err.contains("A2-k7q, A2-m3x"), "{err}");
        let err = find(&ids, "A9").unwrap_err();
        assert!(err.contains("its actions are A1-abc"), "{err}");
        assert!(find(&[], "A1").unwrap_err().contains("no action items yet"));
        assert!(find(&ids, "").is_err());
    }
}
