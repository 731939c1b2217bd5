//! Which proxy number a participant gets: one they have no open session on, the nearest to
//! their own number (same area code, then same country) when the pool has one.

use crate::support::Timestamp;
use phone::PhoneNumber;

/// How close a proxy number is to a participant's: 2 same area, 1 same country, 0 neither.
fn closeness(participant: &PhoneNumber, proxy: &PhoneNumber) -> u8 {
    if participant.country_code() != proxy.country_code() {
        return 0;
    }
    let area = area_digits(participant);
    let (a, b) = (participant.national(), proxy.national());
    if a.len() >= area && b.len() >= area && a[..area] == b[..area] {
        2
    } else {
        1
    }
}

/// Digits of the area code: three in the North American plan, else the first two of the
/// national number (a close enough proxy for a trunk or city prefix).
fn area_digits(number: &PhoneNumber) -> usize {
    if number.country_code() == "1" {
        3
    } else {
        2
    }
}

/// The proxy number for `participant` among `numbers` (the site's masking numbers, in its
/// order), skipping those in `busy` (the participant's open sessions are on them): the
/// closest; among equals one `used` (when the participant was last given each number) does
/// not name, else the one given longest ago, else the first listed — so a number the
/// participant may call back from their phone's history for an old order is the last to
/// become a new order's. `None`: every number is busy.
pub fn choose_proxy(
    numbers: &[PhoneNumber],
    participant: &PhoneNumber,
    busy: &[PhoneNumber],
    used: &[(PhoneNumber, Timestamp)],
) -> Option<PhoneNumber> {
    let last_given = |n: &PhoneNumber| used.iter().filter(|(u, _)| u == n).map(|(_, at)| *at).max();
    let mut best: Option<(&PhoneNumber, u8, Option<Timestamp>)> = None;
    for n in numbers.iter().filter(|n| !busy.contains(n)) {
        let (c, given) = (closeness(participant, n), last_given(n));
        // Closer wins; then never given (`None`) before given longest ago.
        if best.is_none_or(|(_, bc, bg)| c > bc || (c == bc && given < bg)) {
            best = Some((n, c, given));
        }
    }
    best.map(|(n, _, _)| n.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s).unwrap()
    }

    #[test]
    fn the_closest_free_number_and_among_equals_the_one_given_longest_ago() {
        let pool = [n("+442079460001"), n("+15125550101"), n("+12125550102"), n("+12125550103")];
        // A New York number gets a 212 number; a Texas one the 512; a London one the +44.
        assert_eq!(choose_proxy(&pool, &n("+12125550999"), &[], &[]), Some(n("+12125550102")));
        assert_eq!(choose_proxy(&pool, &n("+15125550999"), &[], &[]), Some(n("+15125550101")));
        assert_eq!(choose_proxy(&pool, &n("+442079460999"), &[], &[]), Some(n("+442079460001")));
        // Busy numbers are skipped: the next closest, then any.
        let one = [n("+12125550102")];
        assert_eq!(choose_proxy(&pool, &n("+12125550999"), &one, &[]), Some(n("+12125550103")));
        let busy = [n("+12125550102"), n("+12125550103")];
        assert_eq!(choose_proxy(&pool, &n("+12125550999"), &busy, &[]), Some(n("+15125550101")));
        assert_eq!(choose_proxy(&pool, &n("+33142685300"), &[], &[]), Some(n("+442079460001")));
        assert_eq!(choose_proxy(&pool, &n("+12125550999"), &pool, &[]), None);
        // Among equals: one never given to the participant, then the one given longest ago.
        let used = [(n("+12125550102"), Timestamp(2_000)), (n("+12125550103"), Timestamp(1_000))];
        assert_eq!(choose_proxy(&pool, &n("+12125550999"), &[], &used[..1]), Some(n("+12125550103")));
        assert_eq!(choose_proxy(&pool, &n("+12125550999"), &[], &used), Some(n("+12125550103")));
        let used = [(n("+12125550102"), Timestamp(1_000)), (n("+12125550103"), Timestamp(2_000))];
        assert_eq!(choose_proxy(&pool, &n("+12125550999"), &[], &used), Some(n("+12125550102")));
    }
}
