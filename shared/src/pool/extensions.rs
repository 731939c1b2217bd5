//! Extensions: when a site has fewer tracking numbers than live visitors, a visitor is shown
//! one of the site's *extension numbers* plus an extension that is theirs alone (`042`); the
//! caller keys it in (a phone dials it by itself from `tel:+15550100909,042`) and the call is
//! credited to exactly that session.
//!
//! Invariant (property-tested below): no (number, extension) pair is ever live or cooling for
//! two visitors. An extension lease lives like a number's (renewed by the heartbeat, ended by
//! a release or by expiring) and then stays reserved for its session for the extension
//! retention, far longer than a number can (a number holds 10^digits extensions). Extensions
//! are drawn at random, never in sequence, so one cannot be guessed from another.
//!
//! The leases are kept by an [`ExtensionLeases`] store (the site object's SQLite, rows rather
//! than the pool's JSON: there can be tens of thousands); the rules here decide.

use super::leases::{Lease, LeaseRequest};
use crate::error::{Error, Result};
use crate::support::{Entropy, Timestamp};
use phone::PhoneNumber;

/// Digits an extension may have.
pub const EXTENSION_DIGITS: std::ops::RangeInclusive<u8> = 3..=5;

/// How extension leases are lent and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionRules {
    /// Digits of every extension of the site (3–5).
    pub digits: u8,
    /// A lease lasts this long after its last renewal (the site's lease length).
    pub lease_secs: i64,
    /// After a lease ends, its extension stays its session's this long.
    pub retention_secs: i64,
}

impl ExtensionRules {
    /// How many extensions one number holds: 10^digits.
    pub fn capacity(&self) -> u64 {
        10u64.pow(u32::from(self.digits))
    }

    /// Extension `n` written with its leading zeros (`42` → `"042"`).
    pub fn format(&self, n: u64) -> String {
        format!("{n:0width$}", width = usize::from(self.digits))
    }

    /// Whether `s` is an extension of this site: exactly `digits` ASCII digits.
    pub fn is_extension(&self, s: &str) -> bool {
        s.len() == usize::from(self.digits) && s.bytes().all(|b| b.is_ascii_digit())
    }

    /// Whether `lease` still holds its pair at `now`: live, or ended within the retention.
    pub fn holds(&self, lease: &Lease, now: Timestamp) -> bool {
        lease.is_live(now) || lease.is_cooling(now, self.retention_secs)
    }

    /// Leases that end after this instant still hold their pair at `now`.
    fn held_since(&self, now: Timestamp) -> Timestamp {
        now.plus_secs(-self.retention_secs)
    }
}

/// Where extension leases are kept: every lease, by id, with its pair and visitor. Synchronous,
/// as SQLite in a Durable Object and memory both are.
pub trait ExtensionLeases {
    /// The most recent lease of `extension` on `number` that started at or before `at`.
    fn latest_on_extension(
        &self,
        number: &PhoneNumber,
        extension: &str,
        at: Timestamp,
    ) -> Result<Option<Lease>>;
    /// The visitor's extension leases that end after `ending_after`, newest first.
    fn extensions_of_visitor(&self, visitor: &str, ending_after: Timestamp) -> Result<Vec<Lease>>;
    /// The extensions of `number` with a lease that ends after `ending_after`.
    fn extensions_held(&self, number: &PhoneNumber, ending_after: Timestamp) -> Result<Vec<String>>;
    /// How many extensions of `number` have a lease that ends after `ending_after`.
    fn count_extensions_held(&self, number: &PhoneNumber, ending_after: Timestamp) -> Result<u64>;
    /// The leases of `number` that end after `ending_after`, newest first, at most `limit`.
    fn extension_leases(
        &self,
        number: &PhoneNumber,
        ending_after: Timestamp,
        limit: usize,
    ) -> Result<Vec<Lease>>;
    /// The lease with this id.
    fn extension_lease(&self, lease_id: &str) -> Result<Option<Lease>>;
    /// Stores a lease, replacing the one with its id.
    fn save_extension_lease(&self, lease: &Lease) -> Result<()>;
    /// Forgets at most `limit` leases that ended before `ended_before` (long past their
    /// retention); how many it forgot.
    fn prune_extension_leases(&self, ended_before: Timestamp, limit: usize) -> Result<usize>;
}

/// The session a call to `number` keyed `extension` at `at` is credited to, and whether it
/// came late (the lease had ended; within the extension retention).
pub fn extension_holder(
    store: &impl ExtensionLeases,
    number: &PhoneNumber,
    extension: &str,
    at: Timestamp,
    rules: &ExtensionRules,
) -> Result<Option<(Lease, bool)>> {
    if !rules.is_extension(extension) {
        return Ok(None);
    }
    Ok(store.latest_on_extension(number, extension, at)?.filter(|l| rules.holds(l, at)).map(|l| {
        let late = !l.is_live(at);
        (l, late)
    }))
}

/// The visitor's extension on one of `numbers`, kept: a live lease is extended; one that
/// ended within the retention (and so still holds its pair) is followed by a new lease on the
/// same pair. `None` when the visitor holds none.
pub fn keep_extension(
    store: &impl ExtensionLeases,
    req: &LeaseRequest,
    numbers: &[PhoneNumber],
    now: Timestamp,
    rules: &ExtensionRules,
) -> Result<Option<Lease>> {
    for held in store.extensions_of_visitor(&req.visitor, rules.held_since(now))? {
        let Some(extension) = held.extension.clone() else { continue };
        // An extension of a number taken off the site, or of another length than the site's
        // now, is not kept: the prompt would not take it.
        if !numbers.contains(&held.number) || !rules.is_extension(&extension) {
            continue;
        }
        if held.is_live(now) {
            let mut lease = held;
            lease.expires_at = lease.expires_at.max(now.plus_secs(rules.lease_secs));
            lease.renewed_at = Some(now);
            lease.source = req.source.clone();
            store.save_extension_lease(&lease)?;
            return Ok(Some(lease));
        }
        let latest = store.latest_on_extension(&held.number, &extension, now)?;
        if latest.is_some_and(|l| l.id == held.id) && rules.holds(&held, now) {
            let number = held.number.clone();
            return new_lease(store, req, number, extension, now, rules).map(Some);
        }
    }
    Ok(None)
}

/// A new extension for the visitor on one of `numbers`, drawn at random among those no
/// session holds; `None` when every extension of every number is held.
pub fn lease_extension(
    store: &impl ExtensionLeases,
    req: &LeaseRequest,
    numbers: &[PhoneNumber],
    now: Timestamp,
    rules: &ExtensionRules,
    entropy: &dyn Entropy,
) -> Result<Option<Lease>> {
    if numbers.is_empty() {
        return Ok(None);
    }
    // Random probes find a free extension at once while a number is far from full; a number
    // where they all hit held ones is read whole and drawn from what is left.
    const PROBES: usize = 8;
    let capacity = rules.capacity();
    let first = entropy.below(numbers.len() as u64) as usize;
    for k in 0..numbers.len() {
        let number = &numbers[(first + k) % numbers.len()];
        for _ in 0..PROBES {
            let extension = rules.format(entropy.below(capacity));
            if extension_holder(store, number, &extension, now, rules)?.is_none() {
                return new_lease(store, req, number.clone(), extension, now, rules).map(Some);
            }
        }
        if store.count_extensions_held(number, rules.held_since(now))? >= capacity {
            continue; // full: not worth reading
        }
        let held: std::collections::HashSet<String> =
            store.extensions_held(number, rules.held_since(now))?.into_iter().collect();
        let free = capacity.saturating_sub(held.len() as u64);
        if free == 0 {
            continue;
        }
        // The k-th free extension, k drawn at random.
        let mut k = entropy.below(free);
        for n in 0..capacity {
            let extension = rules.format(n);
            if held.contains(&extension) {
                continue;
            }
            if k == 0 {
                return new_lease(store, req, number.clone(), extension, now, rules).map(Some);
            }
            k -= 1;
        }
    }
    Ok(None)
}

fn new_lease(
    store: &impl ExtensionLeases,
    req: &LeaseRequest,
    number: PhoneNumber,
    extension: String,
    now: Timestamp,
    rules: &ExtensionRules,
) -> Result<Lease> {
    let base = format!("{}x{extension}-{}", number.e164().trim_start_matches('+'), now.millis());
    // The same visitor leasing the same pair again within one millisecond gets another id.
    let mut id = base.clone();
    let mut n = 1;
    while store.extension_lease(&id)?.is_some() {
        id = format!("{base}-{n}");
        n += 1;
    }
    let lease = Lease {
        id,
        number,
        visitor: req.visitor.clone(),
        source: req.source.clone(),
        region: req.region.clone(),
        started_at: now,
        renewed_at: Some(now),
        expires_at: now.plus_secs(rules.lease_secs),
        ended_at: None,
        shared: false,
        overflow: false,
        static_number: false,
        extension: Some(extension),
    };
    store.save_extension_lease(&lease)?;
    Ok(lease)
}

/// Whether a lease id names an extension lease (`15550100909x042-1795…`).
pub fn is_extension_lease_id(lease_id: &str) -> bool {
    lease_id.split('-').next().is_some_and(|head| head.contains('x'))
}

/// The visitor's lease `lease_id`, or `UnknownLease` (another visitor's lease is unknown too:
/// nobody can touch another's lease).
fn own_lease(store: &impl ExtensionLeases, lease_id: &str, visitor: &str) -> Result<Lease> {
    store
        .extension_lease(lease_id)?
        .filter(|l| l.visitor == visitor)
        .ok_or_else(|| Error::UnknownLease(lease_id.to_string()))
}

/// Heartbeat: extends a live extension lease by the lease length from now. A lease on a number
/// that is no longer one of the site's extension `numbers`, or whose extension no longer has
/// the site's length, has ended (the visitor asks for a new one).
pub fn renew_extension(
    store: &impl ExtensionLeases,
    lease_id: &str,
    visitor: &str,
    now: Timestamp,
    rules: &ExtensionRules,
    numbers: &[PhoneNumber],
) -> Result<Lease> {
    let mut lease = own_lease(store, lease_id, visitor)?;
    let still_the_sites =
        numbers.contains(&lease.number) && lease.extension.as_deref().is_some_and(|e| rules.is_extension(e));
    if !lease.is_live(now) || !still_the_sites {
        return Err(Error::LeaseEnded(lease_id.to_string()));
    }
    lease.expires_at = lease.expires_at.max(now.plus_secs(rules.lease_secs));
    lease.renewed_at = Some(now);
    store.save_extension_lease(&lease)?;
    Ok(lease)
}

/// Ends an extension lease early (the page was left); its extension stays the session's for
/// the retention. Releasing twice is harmless.
pub fn release_extension(
    store: &impl ExtensionLeases,
    lease_id: &str,
    visitor: &str,
    now: Timestamp,
) -> Result<Lease> {
    let mut lease = own_lease(store, lease_id, visitor)?;
    if lease.is_live(now) {
        lease.ended_at = Some(now.max(lease.started_at));
        store.save_extension_lease(&lease)?;
    }
    Ok(lease)
}

/// Extension leases in memory: the simulator's store, and the host tests'.
#[cfg(any(test, feature = "sim"))]
#[derive(Debug, Default)]
pub struct ExtensionBook {
    inner: std::cell::RefCell<BookInner>,
}

#[cfg(any(test, feature = "sim"))]
#[derive(Debug, Default)]
struct BookInner {
    leases: Vec<Lease>,
    by_id: std::collections::HashMap<String, usize>,
    /// Per number, per extension: positions of its leases, oldest first.
    by_pair: std::collections::HashMap<PhoneNumber, std::collections::HashMap<String, Vec<usize>>>,
    by_visitor: std::collections::HashMap<String, Vec<usize>>,
}

#[cfg(any(test, feature = "sim"))]
impl ExtensionBook {
    /// Every lease kept, in the order they were first stored.
    pub fn all(&self) -> Vec<Lease> {
        self.inner.borrow().leases.clone()
    }
}

#[cfg(any(test, feature = "sim"))]
impl ExtensionLeases for ExtensionBook {
    fn latest_on_extension(
        &self,
        number: &PhoneNumber,
        extension: &str,
        at: Timestamp,
    ) -> Result<Option<Lease>> {
        let inner = self.inner.borrow();
        let positions = inner.by_pair.get(number).and_then(|m| m.get(extension));
        Ok(positions.and_then(|p| {
            p.iter()
                .map(|&i| &inner.leases[i])
                .filter(|l| l.started_at <= at)
                .max_by_key(|l| l.started_at)
                .cloned()
        }))
    }

    fn extensions_of_visitor(&self, visitor: &str, ending_after: Timestamp) -> Result<Vec<Lease>> {
        let inner = self.inner.borrow();
        let mut found: Vec<Lease> = inner
            .by_visitor
            .get(visitor)
            .map(|p| {
                p.iter().map(|&i| inner.leases[i].clone()).filter(|l| l.ends_at() > ending_after).collect()
            })
            .unwrap_or_default();
        found.sort_by_key(|l| std::cmp::Reverse(l.started_at));
        Ok(found)
    }

    fn extensions_held(&self, number: &PhoneNumber, ending_after: Timestamp) -> Result<Vec<String>> {
        let inner = self.inner.borrow();
        Ok(inner
            .by_pair
            .get(number)
            .map(|pairs| {
                pairs
                    .iter()
                    .filter(|(_, p)| p.iter().any(|&i| inner.leases[i].ends_at() > ending_after))
                    .map(|(e, _)| e.clone())
                    .collect()
            })
            .unwrap_or_default())
    }

    fn count_extensions_held(&self, number: &PhoneNumber, ending_after: Timestamp) -> Result<u64> {
        let inner = self.inner.borrow();
        Ok(inner.by_pair.get(number).map_or(0, |pairs| {
            pairs.values().filter(|p| p.iter().any(|&i| inner.leases[i].ends_at() > ending_after)).count()
                as u64
        }))
    }

    fn extension_leases(
        &self,
        number: &PhoneNumber,
        ending_after: Timestamp,
        limit: usize,
    ) -> Result<Vec<Lease>> {
        let inner = self.inner.borrow();
        let mut found: Vec<Lease> = inner
            .leases
            .iter()
            .filter(|l| &l.number == number && l.ends_at() > ending_after)
            .cloned()
            .collect();
        found.sort_by_key(|l| std::cmp::Reverse(l.started_at));
        found.truncate(limit);
        Ok(found)
    }

    fn extension_lease(&self, lease_id: &str) -> Result<Option<Lease>> {
        let inner = self.inner.borrow();
        Ok(inner.by_id.get(lease_id).map(|&i| inner.leases[i].clone()))
    }

    fn prune_extension_leases(&self, ended_before: Timestamp, limit: usize) -> Result<usize> {
        let mut inner = self.inner.borrow_mut();
        let before = inner.leases.len();
        let mut left = limit;
        let mut kept: Vec<Lease> = std::mem::take(&mut inner.leases);
        kept.retain(|l| {
            let gone = left > 0 && l.ends_at() < ended_before;
            left -= usize::from(gone);
            !gone
        });
        let pruned = before - kept.len();
        *inner = BookInner::default();
        drop(inner);
        for l in &kept {
            self.save_extension_lease(l)?;
        }
        Ok(pruned)
    }

    fn save_extension_lease(&self, lease: &Lease) -> Result<()> {
        let mut inner = self.inner.borrow_mut();
        if let Some(&i) = inner.by_id.get(&lease.id) {
            inner.leases[i] = lease.clone();
            return Ok(());
        }
        let i = inner.leases.len();
        let extension = lease.extension.clone().unwrap_or_default();
        inner.by_id.insert(lease.id.clone(), i);
        inner.by_pair.entry(lease.number.clone()).or_default().entry(extension).or_default().push(i);
        inner.by_visitor.entry(lease.visitor.clone()).or_default().push(i);
        inner.leases.push(lease.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::Region;
    use crate::support::SeededEntropy;
    use crate::traffic::{TrafficSource, Visit};
    use proptest::prelude::*;

    const MIN: i64 = 60_000;

    fn rules(digits: u8) -> ExtensionRules {
        ExtensionRules { digits, lease_secs: 15 * 60, retention_secs: 24 * 3600 }
    }

    fn req(visitor: &str) -> LeaseRequest {
        LeaseRequest {
            visitor: visitor.into(),
            source: TrafficSource::from_visit(&Visit::default()),
            region: Region::default(),
        }
    }

    fn numbers(k: usize) -> Vec<PhoneNumber> {
        (0..k).map(|i| PhoneNumber::parse(&format!("+1555010{:04}", 900 + i)).unwrap()).collect()
    }

    /// A lease: the visitor's own kept, else a new one.
    fn lease(
        book: &ExtensionBook,
        visitor: &str,
        nums: &[PhoneNumber],
        now: i64,
        r: &ExtensionRules,
        e: &SeededEntropy,
    ) -> Option<Lease> {
        let req = req(visitor);
        let t = Timestamp(now);
        keep_extension(book, &req, nums, t, r)
            .unwrap()
            .or_else(|| lease_extension(book, &req, nums, t, r, e).unwrap())
    }

    #[test]
    fn extensions_are_formatted_with_their_zeros_and_checked() {
        let r = rules(3);
        assert_eq!((r.capacity(), r.format(42), r.format(7)), (1000, "042".to_string(), "007".to_string()));
        assert!(
            r.is_extension("042")
                && !r.is_extension("42")
                && !r.is_extension("4a2")
                && !r.is_extension("0420")
        );
        assert_eq!(rules(5).capacity(), 100_000);
        assert!(is_extension_lease_id("15550100909x042-1795000000000"));
        assert!(
            !is_extension_lease_id("15550100201-1795000000000")
                && !is_extension_lease_id("static-15550100777")
        );
    }

    #[test]
    fn a_visitor_keeps_their_extension_live_and_for_the_retention_after() {
        let (book, e, r, nums) = (ExtensionBook::default(), SeededEntropy::new(1), rules(3), numbers(1));
        let a = lease(&book, "a", &nums, 0, &r, &e).unwrap();
        let again = lease(&book, "a", &nums, 5 * MIN, &r, &e).unwrap();
        assert_eq!((again.id.as_str(), again.expires_at), (a.id.as_str(), Timestamp(20 * MIN)));
        release_extension(&book, &a.id, "a", Timestamp(6 * MIN)).unwrap();
        // A day less a minute later the pair is still theirs: a new lease on it.
        let back = lease(&book, "a", &nums, 24 * 60 * MIN, &r, &e).unwrap();
        assert_eq!((&back.number, &back.extension), (&a.number, &a.extension));
        assert_ne!(back.id, a.id);
        let (holder, late) = extension_holder(
            &book,
            &a.number,
            a.extension.as_deref().unwrap(),
            Timestamp(24 * 60 * MIN + 1),
            &r,
        )
        .unwrap()
        .unwrap();
        assert_eq!((holder.id, late), (back.id.clone(), false));
        // Renew and release: only the visitor's own lease.
        assert_eq!(
            renew_extension(&book, &back.id, "b", Timestamp(24 * 60 * MIN + 2), &r, &nums),
            Err(Error::UnknownLease(back.id.clone()))
        );
        assert_eq!(
            release_extension(&book, &back.id, "b", Timestamp(24 * 60 * MIN + 2)),
            Err(Error::UnknownLease(back.id.clone()))
        );
        release_extension(&book, &back.id, "a", Timestamp(24 * 60 * MIN + 3)).unwrap();
        assert_eq!(
            renew_extension(&book, &back.id, "a", Timestamp(24 * 60 * MIN + 4), &r, &nums),
            Err(Error::LeaseEnded(back.id.clone()))
        );
        // Within the retention a call is credited late; after it nobody.
        let ext = back.extension.clone().unwrap();
        let (_, late) =
            extension_holder(&book, &back.number, &ext, Timestamp(30 * 60 * MIN), &r).unwrap().unwrap();
        assert!(late);
        assert_eq!(extension_holder(&book, &back.number, &ext, Timestamp(49 * 60 * MIN), &r).unwrap(), None);
        assert_eq!(
            extension_holder(&book, &back.number, "42", Timestamp(30 * 60 * MIN), &r).unwrap(),
            None,
            "not a 3-digit extension"
        );
    }

    #[test]
    fn one_number_holds_every_extension_then_none() {
        let (book, e, r, nums) = (ExtensionBook::default(), SeededEntropy::new(3), rules(3), numbers(1));
        let mut seen = std::collections::HashSet::new();
        for v in 0..1000 {
            let l = lease(&book, &format!("v{v}"), &nums, v, &r, &e).expect("a thousand visitors at once");
            assert!(seen.insert(l.extension.clone().unwrap()), "each extension once");
        }
        assert_eq!(lease(&book, "one-too-many", &nums, 2000, &r, &e), None);
        // Two numbers: the next visitor gets the second one's.
        let two = numbers(2);
        let l = lease(&book, "one-too-many", &two, 2000, &r, &e).unwrap();
        assert_eq!(l.number, two[1]);
    }

    #[test]
    fn a_change_of_digits_or_numbers_ends_the_extensions_lent_before_it() {
        let (book, e, nums) = (ExtensionBook::default(), SeededEntropy::new(5), numbers(2));
        let three = rules(3);
        let a = lease(&book, "a", &nums[..1], 0, &three, &e).unwrap();
        let four = rules(4);
        assert_eq!(
            renew_extension(&book, &a.id, "a", Timestamp(MIN), &four, &nums[..1]),
            Err(Error::LeaseEnded(a.id.clone()))
        );
        let again = lease(&book, "a", &nums[..1], MIN, &four, &e).unwrap();
        assert_eq!(again.extension.map(|x| x.len()), Some(4), "a new extension of the site's length");
        assert_eq!(
            renew_extension(&book, &again.id, "a", Timestamp(2 * MIN), &four, &nums[1..]),
            Err(Error::LeaseEnded(again.id.clone()))
        );
        // Pruned: only leases long past their retention go, at most the limit at a time.
        release_extension(&book, &again.id, "a", Timestamp(3 * MIN)).unwrap();
        assert_eq!(book.prune_extension_leases(Timestamp(MIN), 10).unwrap(), 0, "nothing ended before");
        assert_eq!(book.prune_extension_leases(Timestamp(60 * MIN), 1).unwrap(), 1);
        assert_eq!(book.prune_extension_leases(Timestamp(60 * MIN), 10).unwrap(), 1);
        assert!(book.all().is_empty());
    }

    #[test]
    fn extensions_are_drawn_at_random_not_in_sequence() {
        let (book, e, r, nums) = (ExtensionBook::default(), SeededEntropy::new(9), rules(3), numbers(1));
        let drawn: Vec<u64> = (0..20)
            .map(|v| {
                lease(&book, &format!("v{v}"), &nums, v, &r, &e).unwrap().extension.unwrap().parse().unwrap()
            })
            .collect();
        let steps = drawn.windows(2).filter(|w| w[1] == w[0] + 1).count();
        assert!(steps < 3, "not a sequence: {drawn:?}");
        assert!(drawn.iter().any(|&n| n >= 500) && drawn.iter().any(|&n| n < 500), "{drawn:?}");
    }

    #[derive(Debug, Clone)]
    enum Op {
        Lease(usize),
        Renew(usize),
        Release(usize),
    }

    fn op() -> impl Strategy<Value = (Op, i64)> {
        let op = prop_oneof![
            4 => (0usize..12).prop_map(Op::Lease),
            2 => (0usize..12).prop_map(Op::Renew),
            1 => (0usize..12).prop_map(Op::Release),
        ];
        (op, 0i64..(40 * MIN))
    }

    proptest! {
        /// Whatever visitors do, no (number, extension) pair is live or cooling for two
        /// visitors: the windows [start, end + retention) of two visitors' leases of one pair
        /// never overlap; and a call is credited to the visitor whose window it falls in.
        #[test]
        fn no_extension_live_or_cooling_for_two_visitors(
            steps in prop::collection::vec(op(), 1..200),
            seed in any::<u64>(),
            lease_min in 1i64..20,
            retention_min in 0i64..120,
        ) {
            // One digit's worth of room (10 pairs on one number, 3 digits would never fill):
            // the rules are the same for any width.
            let r = ExtensionRules { digits: 3, lease_secs: lease_min * 60, retention_secs: retention_min * 60 };
            let small = ExtensionRules { digits: 1, ..r };
            let (book, e, nums) = (ExtensionBook::default(), SeededEntropy::new(seed), numbers(1));
            let mut now = 0i64;
            for (op, dt) in steps {
                now += dt;
                let t = Timestamp(now);
                match op {
                    Op::Lease(v) => {
                        let req = req(&format!("v{v}"));
                        let kept = keep_extension(&book, &req, &nums, t, &small).unwrap();
                        if kept.is_none() {
                            let _ = lease_extension(&book, &req, &nums, t, &small, &e).unwrap();
                        }
                    }
                    Op::Renew(v) | Op::Release(v) => {
                        let visitor = format!("v{v}");
                        let latest = book.all().into_iter().filter(|l| l.visitor == visitor).max_by_key(|l| l.started_at);
                        if let Some(l) = latest {
                            if matches!(op, Op::Renew(_)) {
                                let _ = renew_extension(&book, &l.id, &visitor, t, &small, &nums);
                            } else {
                                let _ = release_extension(&book, &l.id, &visitor, t);
                            }
                        }
                    }
                }
                let all = book.all();
                for (i, a) in all.iter().enumerate() {
                    prop_assert!(a.started_at <= a.ends_at());
                    prop_assert!(small.is_extension(a.extension.as_deref().unwrap_or("")));
                    for b in &all[i + 1..] {
                        let same_pair = a.number == b.number && a.extension == b.extension;
                        let overlap = a.started_at < b.ends_at().plus_secs(r.retention_secs)
                            && b.started_at < a.ends_at().plus_secs(r.retention_secs);
                        prop_assert!(
                            !(same_pair && overlap) || a.visitor == b.visitor,
                            "{:?} held by {} and {} at once", a.extension, a.visitor, b.visitor
                        );
                    }
                }
                // A call now on each held pair goes to the visitor holding it.
                for l in &all {
                    if small.holds(l, t) {
                        let ext = l.extension.as_deref().unwrap_or("");
                        let (holder, _) = extension_holder(&book, &l.number, ext, t, &small).unwrap().unwrap();
                        prop_assert_eq!(&holder.visitor, &l.visitor);
                    }
                }
            }
        }
    }
}
