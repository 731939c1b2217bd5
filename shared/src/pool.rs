//! A site's pool of tracking numbers and the leases that lend them to visitors.
//!
//! The site's Durable Object is the only writer of a `Pool`; this module decides, the Durable
//! Object stores. Invariant: no number is ever live for two visitors at once.

use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::phone::PhoneNumber;
use crate::traffic::TrafficSource;
use serde::{Deserialize, Serialize};

/// Where the visitor is, as the edge reads it from `request.cf`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
}

impl Region {
    /// `Austin, Texas, US`: the most precise parts known, joined for display.
    pub fn label(&self) -> Option<String> {
        let parts: Vec<&str> =
            [&self.city, &self.region, &self.country].into_iter().flatten().map(String::as_str).collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// One tracking number of the pool and when it last stopped being leased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolNumber {
    pub number: PhoneNumber,
    /// When its latest lease ends or ended; `None` if never leased.
    pub idle_since: Option<Timestamp>,
}

/// A number lent to one visitor session until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub id: String,
    pub number: PhoneNumber,
    pub visitor: String,
    pub source: TrafficSource,
    pub region: Region,
    pub started_at: Timestamp,
    pub expires_at: Timestamp,
}

impl Lease {
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.started_at <= now && now < self.expires_at
    }
}

/// What a visitor asks for: a number for their session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRequest {
    pub visitor: String,
    pub source: TrafficSource,
    pub region: Region,
}

/// How long ended leases are kept. A call is credited by the lease live when it starts, so
/// history only serves look-ups of recent calls; the whole pool is one stored row, so it is
/// kept short.
const HISTORY_SECS: i64 = 2 * 3600;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    numbers: Vec<PoolNumber>,
    /// Live leases and those ended within `HISTORY_SECS`, oldest first.
    leases: Vec<Lease>,
}

impl Pool {
    pub fn new(numbers: impl IntoIterator<Item = PhoneNumber>) -> Self {
        let mut pool = Pool::default();
        pool.set_numbers(numbers);
        pool
    }

    pub fn numbers(&self) -> &[PoolNumber] {
        &self.numbers
    }

    pub fn leases(&self) -> &[Lease] {
        &self.leases
    }

    /// Replaces the set of numbers, keeping what is known of numbers that stay. Leases of a
    /// removed number stay in history (a call to it can still be attributed) but it is never
    /// handed out again.
    pub fn set_numbers(&mut self, numbers: impl IntoIterator<Item = PhoneNumber>) {
        let old = std::mem::take(&mut self.numbers);
        for number in numbers {
            if self.numbers.iter().any(|n| n.number == number) {
                continue;
            }
            let idle_since = old.iter().find(|n| n.number == number).and_then(|n| n.idle_since);
            self.numbers.push(PoolNumber { number, idle_since });
        }
    }

    /// The visitor's live lease, if any.
    pub fn live_lease_of(&self, visitor: &str, now: Timestamp) -> Option<&Lease> {
        self.leases.iter().rev().find(|l| l.visitor == visitor && l.is_live(now))
    }

    /// Gives the visitor a number for `lease_secs`. A visitor whose lease is live keeps their
    /// number (and the lease is extended); otherwise they get the free number that has been
    /// idle longest, so a number's previous visitor is least likely to still call it.
    pub fn lease(&mut self, req: LeaseRequest, now: Timestamp, lease_secs: i64, site: &str) -> Result<Lease> {
        self.prune(now);
        let expires_at = now.plus_secs(lease_secs);
        if let Some(existing) =
            self.leases.iter_mut().rev().find(|l| l.visitor == req.visitor && l.is_live(now))
        {
            // Only ever forward in time; the session's credit follows the latest decision.
            existing.expires_at = existing.expires_at.max(expires_at);
            existing.source = req.source;
            let lease = existing.clone();
            self.mark_idle_from(&lease.number, lease.expires_at);
            return Ok(lease);
        }
        let busy = |n: &PhoneNumber| self.leases.iter().any(|l| &l.number == n && l.is_live(now));
        let number = self
            .numbers
            .iter()
            .filter(|n| !busy(&n.number))
            .min_by_key(|n| n.idle_since.map_or(i64::MIN, Timestamp::millis))
            .map(|n| n.number.clone())
            .ok_or_else(|| Error::PoolExhausted(site.to_string()))?;
        let lease = Lease {
            id: format!("{}-{}", number.e164().trim_start_matches('+'), now.millis()),
            number: number.clone(),
            visitor: req.visitor,
            source: req.source,
            region: req.region,
            started_at: now,
            expires_at,
        };
        self.leases.push(lease.clone());
        self.mark_idle_from(&number, expires_at);
        Ok(lease)
    }

    /// The lease that held `number` at instant `at`, if any.
    pub fn lease_at(&self, number: &PhoneNumber, at: Timestamp) -> Option<&Lease> {
        self.leases.iter().rev().find(|l| &l.number == number && l.is_live(at))
    }

    fn mark_idle_from(&mut self, number: &PhoneNumber, at: Timestamp) {
        if let Some(n) = self.numbers.iter_mut().find(|n| &n.number == number) {
            n.idle_since = Some(n.idle_since.map_or(at, |t| t.max(at)));
        }
    }

    /// Drops leases that ended more than `HISTORY_SECS` ago.
    fn prune(&mut self, now: Timestamp) {
        let horizon = Timestamp(now.millis() - HISTORY_SECS * 1000);
        self.leases.retain(|l| l.expires_at > horizon);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::Visit;
    use proptest::prelude::*;

    fn numbers(k: usize) -> Vec<PhoneNumber> {
        (0..k).map(|i| PhoneNumber::parse(&format!("+1555010{:04}", 200 + i)).unwrap()).collect()
    }

    fn req(visitor: &str) -> LeaseRequest {
        LeaseRequest {
            visitor: visitor.into(),
            source: TrafficSource::from_visit(&Visit::default()),
            region: Region::default(),
        }
    }

    #[test]
    fn same_visitor_same_number_while_live() {
        let mut pool = Pool::new(numbers(3));
        let a = pool.lease(req("v1"), Timestamp(0), 900, "s").unwrap();
        let again = pool.lease(req("v1"), Timestamp(60_000), 900, "s").unwrap();
        assert_eq!(a.number, again.number);
        assert_eq!(again.expires_at, Timestamp(960_000), "asking again extends the lease");
        let b = pool.lease(req("v2"), Timestamp(60_000), 900, "s").unwrap();
        assert_ne!(a.number, b.number);
    }

    #[test]
    fn exhaustion_is_an_error_not_a_shared_number() {
        let mut pool = Pool::new(numbers(2));
        pool.lease(req("a"), Timestamp(0), 900, "s").unwrap();
        pool.lease(req("b"), Timestamp(0), 900, "s").unwrap();
        assert_eq!(pool.lease(req("c"), Timestamp(1), 900, "s"), Err(Error::PoolExhausted("s".into())));
        // once a lease ends its number is free again
        let c = pool.lease(req("c"), Timestamp(900_000), 900, "s").unwrap();
        assert!(c.number == numbers(2)[0] || c.number == numbers(2)[1]);
    }

    #[test]
    fn hands_out_the_number_idle_longest() {
        let mut pool = Pool::new(numbers(3));
        let first = pool.lease(req("a"), Timestamp(0), 10, "s").unwrap(); // idle from 10s
        let second = pool.lease(req("b"), Timestamp(1_000), 20, "s").unwrap(); // idle from 21s
        let third = pool.lease(req("c"), Timestamp(2_000), 1, "s").unwrap(); // idle from 3s
                                                                             // at 30s all are free: the one idle longest is `third`'s
        let next = pool.lease(req("d"), Timestamp(30_000), 10, "s").unwrap();
        assert_eq!(next.number, third.number);
        assert_ne!(next.number, first.number);
        assert_ne!(next.number, second.number);
    }

    #[test]
    fn finds_the_lease_holding_a_number_at_an_instant() {
        let mut pool = Pool::new(numbers(1));
        let a = pool.lease(req("a"), Timestamp(0), 10, "s").unwrap();
        let b = pool.lease(req("b"), Timestamp(20_000), 10, "s").unwrap();
        assert_eq!(pool.lease_at(&a.number, Timestamp(5_000)).map(|l| &l.visitor), Some(&a.visitor));
        assert_eq!(pool.lease_at(&a.number, Timestamp(15_000)), None);
        assert_eq!(pool.lease_at(&a.number, Timestamp(25_000)).map(|l| &l.visitor), Some(&b.visitor));
    }

    #[test]
    fn renumbering_keeps_history_and_drops_duplicates() {
        let mut pool = Pool::new(numbers(2));
        let a = pool.lease(req("a"), Timestamp(0), 10, "s").unwrap();
        let mut renumbered = numbers(3)[1..].to_vec();
        renumbered.push(renumbered[0].clone());
        pool.set_numbers(renumbered);
        assert_eq!(pool.numbers().len(), 2);
        assert!(pool.lease_at(&a.number, Timestamp(1)).is_some());
    }

    proptest! {
        /// Whatever the sequence of visitors and times, no number is live for two visitors at
        /// once, and a visitor never sees their lease move backwards in time.
        #[test]
        fn no_number_live_for_two_visitors(
            steps in prop::collection::vec((0usize..8, 0i64..120_000, 1i64..600), 1..120),
            size in 1usize..6,
        ) {
            let mut pool = Pool::new(numbers(size));
            let mut now = 0i64;
            let mut last_expiry: std::collections::HashMap<String, Timestamp> = Default::default();
            for (visitor, dt, secs) in steps {
                now += dt;
                let visitor = format!("v{visitor}");
                if let Ok(lease) = pool.lease(req(&visitor), Timestamp(now), secs, "s") {
                    if let Some(prev) = last_expiry.get(&visitor) {
                        if lease.started_at.millis() < prev.millis() {
                            prop_assert!(lease.expires_at >= *prev);
                        }
                    }
                    last_expiry.insert(visitor, lease.expires_at);
                }
                // Stronger than "live now": no two leases of a number overlap at any instant.
                let leases = pool.leases();
                for (i, a) in leases.iter().enumerate() {
                    for b in &leases[i + 1..] {
                        if a.number == b.number {
                            let overlap = a.started_at < b.expires_at && b.started_at < a.expires_at;
                            prop_assert!(!overlap, "{} leased to {} and {} at once", a.number, a.visitor, b.visitor);
                        }
                    }
                }
            }
        }
    }
}
