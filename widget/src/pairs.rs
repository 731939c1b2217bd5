//! Which business numbers the page shows as which tracking numbers. `widget.js` keeps them as
//! one string of E.164 numbers, business then tracking: `"+15550100100 +15550100201 …"`. A
//! number shown with an extension carries it after a comma, as a phone dials it:
//! `"+15550100100 +15550100909,042"`.

use alloc::string::String;
use alloc::vec::Vec;
use phone::PhoneNumber;

/// A number as the page shows it: with the visitor's extension, or without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub number: PhoneNumber,
    /// Digits only (`"042"`).
    pub extension: Option<String>,
}

impl Shown {
    /// `+15550100909` or `+15550100909,042`; `None` when it is not one.
    fn parse(token: &str) -> Option<Shown> {
        let comma = token.bytes().position(|b| b == b',');
        let number = PhoneNumber::parse(token.get(..comma.unwrap_or(token.len()))?).ok()?;
        let extension = match comma {
            // Digits only: anything else could not be keyed, nor shown safely.
            Some(i) => {
                let e = token.get(i + 1..)?;
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                Some(String::from(e))
            }
            None => None,
        };
        Some(Shown { number, extension })
    }

    /// As a phone dials it: `+15550100909,042` (the comma waits, then keys the extension).
    pub fn dialled(&self) -> String {
        match &self.extension {
            Some(e) => crate::cat(&[self.number.e164(), ",", e]),
            None => String::from(self.number.e164()),
        }
    }
}

/// Business → tracking number.
pub type Pairs = Vec<(Shown, Shown)>;

/// The pairs in `list`; a number that does not parse drops its pair.
pub fn parse(list: &str) -> Pairs {
    let mut numbers = crate::words(list);
    let mut pairs = Vec::new();
    while let (Some(from), Some(to)) = (numbers.next(), numbers.next()) {
        if let (Some(from), Some(to)) = (Shown::parse(from), Shown::parse(to)) {
            pairs.push((from, to));
        }
    }
    pairs
}

/// The number shown in place of `business` (empty: the first pair's, the site's main number):
/// its tracking number (`+15550100909,042` with an extension), or `business` itself in E.164
/// when none replaces it. `None` for a `business` that is no phone number, or no main number
/// yet.
pub fn number_for(pairs: &Pairs, business: &str) -> Option<String> {
    if business.is_empty() {
        return pairs.first().map(|(_, to)| to.dialled());
    }
    let asked = PhoneNumber::parse(business).ok()?;
    let shown = pairs.iter().find(|(from, _)| from.number == asked).map(|(_, to)| to.dialled());
    Some(shown.unwrap_or_else(|| String::from(asked.e164())))
}
