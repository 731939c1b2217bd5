//! Which business numbers the page shows as which tracking numbers. `widget.js` keeps them as
//! one string of E.164 numbers, business then tracking: `"+15550100100 +15550100201 …"`. A
//! number shown with an extension carries it after a comma, as a phone dials it:
//! `"+15550100100 +15550100909,042"`.

use alloc::vec::Vec;
use phone::{Pair, Shown};

/// The next pair of `rest`, taken off it, with its tracking number as written; a pair with a
/// word that is not a number is dropped.
fn next_pair<'a>(rest: &mut &'a str) -> Option<(Pair<'a>, &'a str)> {
    loop {
        let (from, to) = (crate::next_word(rest, b' ')?, crate::next_word(rest, b' ')?);
        if let (Some(a), Some(b)) = (Shown::from_dialled(from), Shown::from_dialled(to)) {
            return Some(((a, b), to));
        }
    }
}

/// The pairs in `list`.
pub fn parse(mut list: &str) -> Vec<Pair<'_>> {
    let mut pairs = Vec::new();
    while let Some((pair, _)) = next_pair(&mut list) {
        pairs.push(pair);
    }
    pairs
}
