//! Which business numbers the page shows as which tracking numbers. `widget.js` keeps them as
//! one string of E.164 numbers, business then tracking: `"+15550100100 +15550100201 …"`.

use alloc::string::String;
use alloc::vec::Vec;
use phone::PhoneNumber;

/// Business → tracking number.
pub type Pairs = Vec<(PhoneNumber, PhoneNumber)>;

/// The pairs in `list`; a number that does not parse drops its pair.
pub fn parse(list: &str) -> Pairs {
    let mut numbers = crate::words(list);
    let mut pairs = Vec::new();
    while let (Some(from), Some(to)) = (numbers.next(), numbers.next()) {
        if let (Ok(from), Ok(to)) = (PhoneNumber::parse(from), PhoneNumber::parse(to)) {
            pairs.push((from, to));
        }
    }
    pairs
}

/// The number shown in place of `business` (empty: the first pair's, the site's main number):
/// its tracking number, or `business` itself in E.164 when none replaces it. `None` for a
/// `business` that is no phone number, or no main number yet.
pub fn number_for(pairs: &Pairs, business: &str) -> Option<String> {
    if business.is_empty() {
        return pairs.first().map(|(_, to)| String::from(to.e164()));
    }
    let asked = PhoneNumber::parse(business).ok()?;
    let shown = pairs.iter().find(|(from, _)| from == &asked).map_or(&asked, |(_, to)| to);
    Some(String::from(shown.e164()))
}
