//! A site's pool of tracking numbers and the leases that lend them to visitor sessions.
//!
//! The site's Durable Object is the only writer of a `Pool`; this module decides, the object
//! stores. Invariant (property-tested below): two leases of one number are never live at the
//! same instant, except under the site's "share" exhaustion policy when every number was live.

pub use super::pool_index::PoolChanges;
use super::pool_index::{idle_key, position_or_push, Changes, Group, Hot, Index};
use super::region::Region;
use crate::error::{Error, Result};
use crate::support::Timestamp;
use crate::traffic::TrafficSource;
use imbl::{OrdSet, Vector};
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What happens when every number of the pool is live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExhaustionPolicy {
    /// Lend the number renewed least recently to the new visitor too; the lease is flagged
    /// shared and a call to it carries every candidate session.
    #[default]
    Share,
    /// Show the site's overflow number; calls to it are marked overflow.
    Overflow,
    /// Give the visitor an extension on one of the site's extension numbers (the pool says
    /// it is exhausted; the site's ledger lends the extension).
    Extension,
}

/// The site's rules for lending numbers, from its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRules {
    /// A lease lasts this long after its last renewal.
    pub lease_secs: i64,
    /// After a lease ends its number keeps pointing at its session this long.
    pub retention_secs: i64,
    /// Preferred region for numbers when none matches the visitor (`US-NY`, `GB`).
    pub home_region: Option<String>,
    pub exhaustion: ExhaustionPolicy,
    pub overflow_number: Option<PhoneNumber>,
}

/// One tracking number of the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolNumber {
    pub number: PhoneNumber,
    /// The area it is local to (`US-TX`, `GB`), if any.
    #[serde(default)]
    pub region: Option<String>,
    /// When its latest lease ends or ended; `None` if never leased.
    pub idle_since: Option<Timestamp>,
    /// The business number it stands in for (`None`: the site's main one). A site with a
    /// sales and a service line has a pool per line.
    #[serde(default)]
    pub line: Option<PhoneNumber>,
}

/// A number lent to one visitor session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub id: String,
    pub number: PhoneNumber,
    pub visitor: String,
    pub source: TrafficSource,
    pub region: Region,
    pub started_at: Timestamp,
    /// The last heartbeat (or the start).
    #[serde(default)]
    pub renewed_at: Option<Timestamp>,
    pub expires_at: Timestamp,
    /// Set when the visitor released it before it expired.
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    /// Lent while every number was live, so the number is shared with another session.
    #[serde(default)]
    pub shared: bool,
    /// The site's overflow number, not a pool number.
    #[serde(default)]
    pub overflow: bool,
    /// One of the site's static numbers: not a pool lease, nothing is stored for it.
    #[serde(default)]
    pub static_number: bool,
    /// An extension on one of the site's extension numbers (`"042"`: leading zeros count):
    /// the number is shared, the pair (number, extension) is this session's alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
}

impl Lease {
    /// When it stops (or stopped) being live: released or expired, whichever came first.
    pub fn ends_at(&self) -> Timestamp {
        self.ended_at.map_or(self.expires_at, |e| e.min(self.expires_at))
    }

    pub fn is_live(&self, now: Timestamp) -> bool {
        self.started_at <= now && now < self.ends_at()
    }

    /// A channel's lease for the visitors of that channel who did not consent (see
    /// `UNCONSENTED_HOLDER`), not a visitor's.
    pub fn is_unconsented(&self) -> bool {
        self.visitor.starts_with(UNCONSENTED_HOLDER)
    }

    /// Ended, but still within the retention window that keeps calls credited to it.
    pub fn is_cooling(&self, now: Timestamp, retention_secs: i64) -> bool {
        self.ends_at() <= now && now < self.ends_at().plus_secs(retention_secs)
    }

    fn last_renewal(&self) -> Timestamp {
        self.renewed_at.unwrap_or(self.started_at)
    }
}

/// The holder of a channel's lease shared by the visitors of that channel who did not
/// consent: `~unconsented-paid_search`. Never a visitor id (those are `[A-Za-z0-9_-]`), so no
/// visitor can renew, release or look it up.
pub const UNCONSENTED_HOLDER: &str = "~unconsented-";

/// The session log's key: a pool lease's id; static numbers are one session per visitor.
pub fn session_key(lease: &Lease) -> String {
    if lease.static_number {
        format!("{}/{}", lease.id, lease.visitor)
    } else {
        lease.id.clone()
    }
}

/// What a visitor asks for: a number for their session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRequest {
    pub visitor: String,
    pub source: TrafficSource,
    pub region: Region,
}

/// The sessions a call to a number at some instant can be credited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holders<'a> {
    /// The session credited: the live lease (the most recent one if shared), or the one that
    /// ended within the retention window.
    pub holder: &'a Lease,
    /// The lease had ended; the call came within the retention window.
    pub late: bool,
    /// Other sessions live on the same (shared) number at that instant.
    pub others: Vec<&'a Lease>,
}

/// Ended leases are kept this long past the retention window, for look-ups and reports.
const HISTORY_MARGIN_SECS: i64 = 2 * 3600;

/// The pool's collections are persistent (structurally shared): the site's writer copies its
/// state for every request, and a copy costs O(1), not O(history).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "StoredPool")]
pub struct Pool {
    pub(super) numbers: Vector<PoolNumber>,
    /// Leases live, cooling, or ended recently; in order of start. Each is shared too: a
    /// request's copy of the list copies pointers, and a change copies the one lease.
    pub(super) leases: Vector<Arc<Lease>>,
    /// How many times a visitor found every number live.
    #[serde(default)]
    pub(super) exhaustion_events: u64,
    /// Positions in `leases`, by number and by visitor; rebuilt when loaded or pruned.
    #[serde(skip)]
    pub(super) index: Index,
    /// History is pruned at most once a minute, so a busy pool does not rebuild its index on
    /// every request.
    #[serde(skip)]
    pub(super) next_prune: Option<Timestamp>,
    /// What changed since the store last wrote the pool (see [`Pool::changes`]).
    #[serde(skip)]
    pub(super) changes: Changes,
}

/// Two pools are equal when their numbers, leases and counts are (indexes and pending
/// changes are derived).
impl PartialEq for Pool {
    fn eq(&self, other: &Self) -> bool {
        self.numbers == other.numbers
            && self.leases == other.leases
            && self.exhaustion_events == other.exhaustion_events
    }
}

impl Eq for Pool {}

/// A pool as stored: the same fields, without the index.
#[derive(Deserialize)]
struct StoredPool {
    numbers: Vec<PoolNumber>,
    leases: Vec<Lease>,
    #[serde(default)]
    exhaustion_events: u64,
}

impl From<StoredPool> for Pool {
    fn from(s: StoredPool) -> Self {
        Pool::from_rows(s.numbers, s.leases, s.exhaustion_events)
    }
}

impl Pool {
    pub fn new(numbers: impl IntoIterator<Item = (PhoneNumber, Option<String>)>) -> Self {
        let mut pool = Pool::default();
        pool.set_numbers(numbers);
        pool
    }

    /// A pool as a store kept it: its numbers in order, its leases in order of start.
    pub fn from_rows(numbers: Vec<PoolNumber>, leases: Vec<Lease>, exhaustion_events: u64) -> Self {
        let mut pool = Pool {
            numbers: numbers.into_iter().collect(),
            leases: leases.into_iter().map(Arc::new).collect(),
            exhaustion_events,
            ..Pool::default()
        };
        pool.reindex();
        pool
    }

    pub fn numbers(&self) -> &Vector<PoolNumber> {
        &self.numbers
    }

    pub fn leases(&self) -> &Vector<Arc<Lease>> {
        &self.leases
    }

    pub fn exhaustion_events(&self) -> u64 {
        self.exhaustion_events
    }

    /// What changed since the pool was loaded (or since [`Pool::forget_changes`]).
    pub fn changes(&self) -> PoolChanges<'_> {
        let mut seen = std::collections::HashSet::new();
        let leases =
            self.changes.leases.iter().filter(|&&i| seen.insert(i)).map(|&i| &*self.leases[i]).collect();
        let numbers =
            if self.changes.all_numbers { self.numbers.iter().enumerate().collect() } else { Vec::new() };
        PoolChanges {
            leases,
            numbers,
            all_numbers: self.changes.all_numbers,
            pruned_before: self.changes.pruned_before,
        }
    }

    /// The store wrote the changes.
    pub fn forget_changes(&mut self) {
        self.changes = Changes::default();
    }

    /// Counts a visitor who found every number (or extension) of their line taken when the
    /// pool itself was not asked (a line of extension numbers only).
    pub fn count_exhaustion(&mut self) {
        self.exhaustion_events += 1;
    }

    /// Replaces the set of numbers, keeping what is known of numbers that stay. Leases of a
    /// removed number stay in history (a call to it can still be credited) but it is never
    /// lent again.
    pub fn set_numbers(&mut self, numbers: impl IntoIterator<Item = (PhoneNumber, Option<String>)>) {
        let old = std::mem::take(&mut self.numbers);
        for (number, region) in numbers {
            if self.numbers.iter().any(|n| n.number == number) {
                continue;
            }
            let kept = old.iter().find(|n| n.number == number);
            let (idle_since, line) = kept.map_or((None, None), |n| (n.idle_since, n.line.clone()));
            self.numbers.push_back(PoolNumber { number, region, idle_since, line });
        }
        self.changes.all_numbers = true;
        self.reindex();
    }

    /// Which business number each pool number stands in for (`None`: the main one).
    pub fn set_lines(&mut self, lines: impl IntoIterator<Item = (PhoneNumber, Option<PhoneNumber>)>) {
        for (number, line) in lines {
            if let Some(&k) = self.index.number_at.get(&number) {
                self.numbers[k].line = line;
            }
        }
        self.changes.all_numbers = true;
        self.reindex();
    }

    /// Rebuilds the index, and each number's lease times from its leases (a number removed
    /// and added again, or a pool stored before these were kept, has its leases back).
    fn reindex(&mut self) {
        let mut index = Index::of(&self.leases);
        index.number_at = self.numbers.iter().enumerate().map(|(k, n)| (n.number.clone(), k)).collect();
        for n in &self.numbers {
            let line = position_or_push(&mut index.lines, &n.line);
            let region = position_or_push(&mut index.regions, &n.region);
            let group = match index.groups.iter().position(|g| g.line == line && g.region == region) {
                Some(g) => g,
                None => {
                    index.groups.push(Group { line, region, by_idle: OrdSet::new() });
                    index.groups.len() - 1
                }
            };
            index.hot.push(Hot { idle: n.idle_since, started: None, line, region, group });
        }
        self.index = index;
        for k in 0..self.numbers.len() {
            let number = self.numbers[k].number.clone();
            let (last, started) = self.ends_of(&number);
            self.index.hot[k].started = started;
            if last.is_some() && self.numbers[k].idle_since != last {
                self.numbers[k].idle_since = last;
                self.index.hot[k].idle = last;
            }
            let hot = self.index.hot[k];
            self.index.groups[hot.group].by_idle.insert((idle_key(hot.idle), k));
        }
    }

    /// The position of `line` among the pool's lines, if any of its numbers serves it.
    fn line_id(&self, line: Option<&PhoneNumber>) -> Option<usize> {
        self.index.lines.iter().position(|l| l.as_ref() == line)
    }

    /// The line (business number) a number serves; numbers outside the pool (overflow) serve
    /// the main one.
    fn line_of(&self, number: &PhoneNumber) -> Option<&PhoneNumber> {
        let k = *self.index.number_at.get(number)?;
        self.numbers[k].line.as_ref()
    }

    /// All leases of a number, oldest first.
    pub(super) fn leases_on<'a>(
        &'a self,
        number: &PhoneNumber,
    ) -> impl DoubleEndedIterator<Item = &'a Lease> + 'a {
        let positions = self.index.by_number.get(number.e164());
        positions.into_iter().flat_map(|p| p.iter()).map(move |&i| &*self.leases[i])
    }

    /// The leases of a pool number that can be live now: the latest one not shared and the
    /// shared ones after it. (A lease that is not shared was only lent when no lease of the
    /// number was live, and an ended lease is never extended, so every earlier one had ended.)
    pub(super) fn recent_on<'a>(&'a self, number: &PhoneNumber) -> impl Iterator<Item = &'a Lease> + 'a {
        let mut done = false;
        self.leases_on(number).rev().take_while(move |l| {
            let take = !done;
            done = done || !l.shared;
            take
        })
    }

    pub(super) fn live_on(&self, number: &PhoneNumber, now: Timestamp) -> bool {
        self.recent_on(number).any(|l| l.is_live(now))
    }

    /// The most recent lease of a number, live or not.
    pub(super) fn latest_on(&self, number: &PhoneNumber) -> Option<&Lease> {
        self.leases_on(number).next_back()
    }

    /// The lease at position `i` changed (the store writes it).
    fn touched(&mut self, i: usize) {
        self.changes.leases.push(i);
    }

    fn push(&mut self, number: PhoneNumber, req: LeaseRequest, now: Timestamp, rules: &PoolRules) -> Lease {
        let lease = Lease {
            id: format!("{}-{}", number.e164().trim_start_matches('+'), now.millis()),
            number,
            visitor: req.visitor,
            source: req.source,
            region: req.region,
            started_at: now,
            renewed_at: Some(now),
            expires_at: now.plus_secs(rules.lease_secs),
            ended_at: None,
            shared: false,
            overflow: false,
            static_number: false,
            extension: None,
        };
        let i = self.leases.len();
        self.index.add(i, &lease);
        self.leases.push_back(Arc::new(lease.clone()));
        self.touched(i);
        self.note_activity(&lease.number);
        lease
    }

    /// Flags the most recent lease (just pushed) shared or overflow.
    fn flag_last(&mut self, flag: impl FnOnce(&mut Lease)) {
        if let Some(last) = self.leases.back_mut() {
            flag(Arc::make_mut(last));
        }
    }

    /// Lends the visitor a number.
    ///
    /// A visitor whose lease is live keeps it (extended); one whose lease is cooling gets the
    /// same number back if no one else holds it. Otherwise: a free number that is not
    /// cooling, then a cooling one; among equals, the best region match (visitor's region,
    /// then the site's home region, then any), then the one idle longest. With every number
    /// live, the site's exhaustion policy decides.
    pub fn lease(
        &mut self,
        req: LeaseRequest,
        now: Timestamp,
        rules: &PoolRules,
        site: &str,
    ) -> Result<Lease> {
        self.lease_on_line(req, None, now, rules, site)
    }

    /// The live lease `visitor` holds on `line`, if any.
    pub fn live_lease_of(&self, visitor: &str, line: Option<&PhoneNumber>, now: Timestamp) -> Option<&Lease> {
        let positions = self.index.by_visitor.get(visitor)?;
        positions
            .iter()
            .rev()
            .map(|&i| &*self.leases[i])
            .find(|l| l.is_live(now) && self.line_of(&l.number) == line)
    }

    /// Whether a number of `line` is free to lend now (not live for anyone): a lease would not
    /// go to the site's exhaustion policy.
    pub fn has_free_number(&self, line: Option<&PhoneNumber>, now: Timestamp) -> bool {
        let Some(line) = self.line_id(line) else { return false };
        (0..self.index.hot.len()).any(|k| self.index.hot[k].line == line && !self.live_at(k, now))
    }

    /// Whether `visitor` holds a live lease on `line`: asking again takes no new number.
    pub fn holds(&self, visitor: &str, line: Option<&PhoneNumber>, now: Timestamp) -> bool {
        self.live_lease_of(visitor, line, now).is_some()
    }

    /// [`Pool::lease`] among the numbers that stand in for business number `line` (`None`:
    /// the main one); a visitor holds one lease per line.
    pub fn lease_on_line(
        &mut self,
        req: LeaseRequest,
        line: Option<&PhoneNumber>,
        now: Timestamp,
        rules: &PoolRules,
        site: &str,
    ) -> Result<Lease> {
        self.prune(now, rules.retention_secs);
        let Some(line_id) = self.line_id(line) else {
            return Err(Error::NotFound(String::from(
                "no tracking numbers stand in for that business number",
            )));
        };
        let mine = self.index.by_visitor.get(req.visitor.as_str()).and_then(|positions| {
            positions.iter().rev().copied().find(|&i| {
                let l = &self.leases[i];
                (l.is_live(now) || l.is_cooling(now, rules.retention_secs)) && self.line_of(&l.number) == line
            })
        });
        if let Some(i) = mine {
            if self.leases[i].is_live(now) {
                let lease = Arc::make_mut(&mut self.leases[i]);
                lease.expires_at = lease.expires_at.max(now.plus_secs(rules.lease_secs));
                lease.renewed_at = Some(now);
                lease.source = req.source;
                let lease = lease.clone();
                self.touched(i);
                self.note_activity(&lease.number);
                return Ok(lease);
            }
            let number = self.leases[i].number.clone();
            let still_ours = self.latest_on(&number).is_some_and(|l| l.visitor == req.visitor);
            let in_pool = self.index.number_at.contains_key(&number);
            if still_ours && in_pool && !self.live_on(&number, now) {
                return Ok(self.push(number, req, now, rules));
            }
        }

        if let Some(k) = self.choose(line_id, &req.region, now, rules) {
            let number = self.numbers[k].number.clone();
            return Ok(self.push(number, req, now, rules));
        }

        self.exhaustion_events += 1;
        match (rules.exhaustion, &rules.overflow_number) {
            // The overflow number forwards to the main business number: other lines keep the
            // page's own number instead.
            (ExhaustionPolicy::Overflow, Some(overflow)) if line.is_none() => {
                let mut lease = self.push(overflow.clone(), req, now, rules);
                lease.overflow = true;
                self.flag_last(|last| last.overflow = true);
                Ok(lease)
            }
            (ExhaustionPolicy::Share, _) => {
                let least_renewed = self
                    .numbers
                    .iter()
                    .filter(|n| n.line.as_ref() == line)
                    .flat_map(|n| self.recent_on(&n.number))
                    // A channel's number is shown to all its visitors without consent: sharing
                    // it would mix a visitor's calls with theirs.
                    .filter(|l| l.is_live(now) && !l.is_unconsented())
                    .min_by_key(|l| l.last_renewal())
                    .map(|l| l.number.clone())
                    .ok_or_else(|| Error::PoolExhausted(site.to_string()))?;
                let mut lease = self.push(least_renewed, req, now, rules);
                lease.shared = true;
                self.flag_last(|last| last.shared = true);
                Ok(lease)
            }
            (ExhaustionPolicy::Overflow | ExhaustionPolicy::Extension, _) => {
                Err(Error::PoolExhausted(site.to_string()))
            }
        }
    }

    /// The position of `visitor`'s lease `lease_id`.
    fn find(&self, lease_id: &str, visitor: &str) -> Result<usize> {
        // A lease id with another visitor's id is "unknown": nobody can touch another's lease.
        let position =
            self.index.by_visitor.get(visitor).and_then(|positions| {
                positions.iter().rev().copied().find(|&i| self.leases[i].id == lease_id)
            });
        position.ok_or_else(|| Error::UnknownLease(lease_id.to_string()))
    }

    /// Heartbeat: extends a live lease by the lease length from now.
    pub fn renew(
        &mut self,
        lease_id: &str,
        visitor: &str,
        now: Timestamp,
        rules: &PoolRules,
    ) -> Result<Lease> {
        let i = self.find(lease_id, visitor)?;
        if !self.leases[i].is_live(now) {
            return Err(Error::LeaseEnded(lease_id.to_string()));
        }
        let lease = Arc::make_mut(&mut self.leases[i]);
        lease.expires_at = lease.expires_at.max(now.plus_secs(rules.lease_secs));
        lease.renewed_at = Some(now);
        let lease = lease.clone();
        self.touched(i);
        self.note_activity(&lease.number);
        Ok(lease)
    }

    /// Gives a live lease the ad cookies its page has now and lacked when it was leased (a
    /// GA4 or Meta tag that loaded after the widget); whether any was new.
    pub fn fill_ad_cookies(
        &mut self,
        lease_id: &str,
        visitor: &str,
        cookies: &crate::traffic::AdIds,
    ) -> bool {
        let Ok(i) = self.find(lease_id, visitor) else { return false };
        let mut ids = self.leases[i].source.ad_ids.clone();
        if !ids.fill_cookies(cookies) {
            return false;
        }
        Arc::make_mut(&mut self.leases[i]).source.ad_ids = ids;
        self.touched(i);
        true
    }

    /// Ends a lease early (the page was closed or hidden). Releasing twice is harmless.
    pub fn release(&mut self, lease_id: &str, visitor: &str, now: Timestamp) -> Result<Lease> {
        let i = self.find(lease_id, visitor)?;
        let live = self.leases[i].is_live(now);
        if live {
            let lease = Arc::make_mut(&mut self.leases[i]);
            lease.ended_at = Some(now.max(lease.started_at));
        }
        let lease = (*self.leases[i]).clone();
        if live {
            self.touched(i);
        }
        self.note_activity(&lease.number);
        Ok(lease)
    }

    /// The sessions a call to `number` at `at` can be credited to, if any.
    pub fn holders_at(
        &self,
        number: &PhoneNumber,
        at: Timestamp,
        retention_secs: i64,
    ) -> Option<Holders<'_>> {
        // Back from the most recent lease to the last one not shared that had started by
        // then: every earlier one had ended when it started, so ended no later than it.
        let mut stop = false;
        let mut candidates: Vec<&Lease> = self
            .leases_on(number)
            .rev()
            .filter(|l| l.started_at <= at)
            .take_while(|l| {
                let take = !stop;
                stop = stop || !l.shared;
                take
            })
            .collect();
        candidates.reverse();
        let mut live: Vec<&Lease> = candidates.iter().copied().filter(|l| l.is_live(at)).collect();
        live.sort_by_key(|l| std::cmp::Reverse(l.started_at));
        if let Some((holder, others)) = live.split_first() {
            return Some(Holders { holder, late: false, others: others.to_vec() });
        }
        candidates
            .into_iter()
            .filter(|l| l.is_cooling(at, retention_secs))
            .max_by_key(|l| l.ends_at())
            .map(|holder| Holders { holder, late: true, others: Vec::new() })
    }

    /// Drops leases that ended more than the retention window plus a margin ago.
    fn prune(&mut self, now: Timestamp, retention_secs: i64) {
        if self.next_prune.is_some_and(|t| now < t) {
            return;
        }
        self.next_prune = Some(now.plus_secs(60));
        let keep_secs = retention_secs + HISTORY_MARGIN_SECS;
        let cutoff = now.plus_secs(-keep_secs);
        if !self.leases.iter().any(|l| l.ends_at() <= cutoff) {
            return;
        }
        // Leases changed and not yet written keep their place in the list of changes.
        let changed: Vec<(String, String)> = self
            .changes
            .leases
            .iter()
            .map(|&i| (self.leases[i].id.clone(), self.leases[i].visitor.clone()))
            .collect();
        self.leases.retain(|l| l.ends_at() > cutoff);
        self.reindex();
        self.changes.leases =
            changed.iter().filter_map(|(id, visitor)| self.find(id, visitor).ok()).collect();
        self.changes.pruned_before = Some(self.changes.pruned_before.map_or(cutoff, |c| c.max(cutoff)));
        // A number whose leases all went keeps its `idle_since` only in its row.
        self.changes.all_numbers = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::normalize_region_code;
    use crate::traffic::Visit;
    use proptest::prelude::*;

    const MIN: i64 = 60_000;

    fn numbers(k: usize) -> Vec<(PhoneNumber, Option<String>)> {
        (0..k).map(|i| (PhoneNumber::parse(&format!("+1555010{:04}", 200 + i)).unwrap(), None)).collect()
    }

    fn rules() -> PoolRules {
        PoolRules {
            lease_secs: 15 * 60,
            retention_secs: 30 * 60,
            home_region: None,
            exhaustion: ExhaustionPolicy::Share,
            overflow_number: None,
        }
    }

    fn req(visitor: &str) -> LeaseRequest {
        req_in(visitor, Region::default())
    }

    fn req_in(visitor: &str, region: Region) -> LeaseRequest {
        LeaseRequest { visitor: visitor.into(), source: TrafficSource::from_visit(&Visit::default()), region }
    }

    fn texas() -> Region {
        Region {
            country: Some("US".into()),
            region: Some("Texas".into()),
            region_code: Some("TX".into()),
            city: Some("Austin".into()),
        }
    }

    #[test]
    fn same_visitor_same_number_while_live_and_while_cooling() {
        let mut pool = Pool::new(numbers(3));
        let r = rules();
        let a = pool.lease(req("v1"), Timestamp(0), &r, "s").unwrap();
        let again = pool.lease(req("v1"), Timestamp(MIN), &r, "s").unwrap();
        assert_eq!((a.id.as_str(), again.expires_at), (again.id.as_str(), Timestamp(16 * MIN)));
        let b = pool.lease(req("v2"), Timestamp(MIN), &r, "s").unwrap();
        assert_ne!(a.number, b.number);
        // v1's lease ended at 16 min; at 30 min it is cooling: v1 gets the same number back.
        let back = pool.lease(req("v1"), Timestamp(30 * MIN), &r, "s").unwrap();
        assert_eq!(back.number, a.number);
        assert_ne!(back.id, a.id, "a new lease, on the same number");
    }

    #[test]
    fn cooling_numbers_are_lent_only_when_nothing_else_is_free() {
        let mut pool = Pool::new(numbers(2));
        let r = rules();
        let a = pool.lease(req("a"), Timestamp(0), &r, "s").unwrap();
        pool.release(&a.id, "a", Timestamp(MIN)).unwrap();
        // a's number is cooling; b gets the other, never-used number.
        let b = pool.lease(req("b"), Timestamp(2 * MIN), &r, "s").unwrap();
        assert_ne!(b.number, a.number);
        // Now only the cooling number is free: c gets it rather than sharing.
        let c = pool.lease(req("c"), Timestamp(3 * MIN), &r, "s").unwrap();
        assert_eq!((c.number.clone(), c.shared), (a.number.clone(), false));
        assert_eq!(pool.exhaustion_events(), 0);
    }

    #[test]
    fn region_match_then_home_region_then_any() {
        let mut nums = numbers(4);
        nums[0].1 = Some("GB".into());
        nums[1].1 = Some("US-NY".into());
        nums[2].1 = Some("US-TX".into());
        nums[3].1 = None;
        let mut pool = Pool::new(nums.clone());
        let r = PoolRules { home_region: Some("US-NY".into()), ..rules() };
        let tx = pool.lease(req_in("tx-visitor", texas()), Timestamp(0), &r, "s").unwrap();
        assert_eq!(tx.number, nums[2].0, "Texas visitor gets the Texas number");
        let fr = Region { country: Some("FR".into()), ..Region::default() };
        let french = pool.lease(req_in("fr-visitor", fr.clone()), Timestamp(0), &r, "s").unwrap();
        assert_eq!(french.number, nums[1].0, "no French number: the home region's");
        let uk = Region { country: Some("GB".into()), ..Region::default() };
        let british = pool.lease(req_in("uk-visitor", uk), Timestamp(0), &r, "s").unwrap();
        assert_eq!(british.number, nums[0].0, "country-level match");
        let texan2 = pool.lease(req_in("tx-visitor-2", texas()), Timestamp(0), &r, "s").unwrap();
        assert_eq!(texan2.number, nums[3].0, "then any free number");
    }

    #[test]
    fn exhaustion_shares_the_least_recently_renewed_number() {
        let mut pool = Pool::new(numbers(2));
        let r = rules();
        let a = pool.lease(req("a"), Timestamp(0), &r, "s").unwrap();
        let b = pool.lease(req("b"), Timestamp(MIN), &r, "s").unwrap();
        pool.renew(&a.id, "a", Timestamp(2 * MIN), &r).unwrap(); // b is now least recently renewed
        let c = pool.lease(req("c"), Timestamp(3 * MIN), &r, "s").unwrap();
        assert!(c.shared);
        assert_eq!(c.number, b.number);
        assert_eq!(pool.exhaustion_events(), 1);
        let holders = pool.holders_at(&b.number, Timestamp(4 * MIN), r.retention_secs).unwrap();
        assert_eq!(holders.holder.visitor, "c", "the most recent holder gets the credit");
        assert_eq!(holders.others.iter().map(|l| l.visitor.as_str()).collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn exhaustion_can_serve_the_overflow_number() {
        let overflow = PhoneNumber::parse("+15550100999").unwrap();
        let r = PoolRules {
            exhaustion: ExhaustionPolicy::Overflow,
            overflow_number: Some(overflow.clone()),
            ..rules()
        };
        let mut pool = Pool::new(numbers(1));
        pool.lease(req("a"), Timestamp(0), &r, "s").unwrap();
        let b = pool.lease(req("b"), Timestamp(0), &r, "s").unwrap();
        assert_eq!((b.number, b.overflow), (overflow, true));
        let no_overflow = PoolRules { overflow_number: None, ..r };
        assert_eq!(
            pool.lease(req("c"), Timestamp(0), &no_overflow, "s"),
            Err(Error::PoolExhausted("s".into()))
        );
        assert_eq!(pool.exhaustion_events(), 2);
    }

    #[test]
    fn renew_and_release_touch_only_your_own_live_lease() {
        let mut pool = Pool::new(numbers(2));
        let r = rules();
        let a = pool.lease(req("a"), Timestamp(0), &r, "s").unwrap();
        assert_eq!(pool.renew(&a.id, "b", Timestamp(MIN), &r), Err(Error::UnknownLease(a.id.clone())));
        assert_eq!(pool.release(&a.id, "b", Timestamp(MIN)), Err(Error::UnknownLease(a.id.clone())));
        assert!(pool.leases()[0].is_live(Timestamp(MIN)), "another visitor cannot end it");
        let renewed = pool.renew(&a.id, "a", Timestamp(10 * MIN), &r).unwrap();
        assert_eq!(renewed.expires_at, Timestamp(25 * MIN));
        let released = pool.release(&a.id, "a", Timestamp(11 * MIN)).unwrap();
        assert_eq!(released.ends_at(), Timestamp(11 * MIN));
        assert_eq!(pool.release(&a.id, "a", Timestamp(12 * MIN)).unwrap().ends_at(), Timestamp(11 * MIN));
        assert_eq!(pool.renew(&a.id, "a", Timestamp(12 * MIN), &r), Err(Error::LeaseEnded(a.id.clone())));
    }

    #[test]
    fn calls_after_the_lease_are_credited_late_within_retention() {
        let mut pool = Pool::new(numbers(1));
        let r = rules();
        let a = pool.lease(req("a"), Timestamp(0), &r, "s").unwrap();
        let during = pool.holders_at(&a.number, Timestamp(5 * MIN), r.retention_secs).unwrap();
        assert!(!during.late);
        let after = pool.holders_at(&a.number, Timestamp(40 * MIN), r.retention_secs).unwrap();
        assert!(after.late && after.holder.visitor == "a");
        assert_eq!(pool.holders_at(&a.number, Timestamp(46 * MIN), r.retention_secs), None);
    }

    #[test]
    fn renumbering_keeps_history_and_drops_duplicates() {
        let mut pool = Pool::new(numbers(2));
        let a = pool.lease(req("a"), Timestamp(0), &rules(), "s").unwrap();
        let mut renumbered = numbers(3)[1..].to_vec();
        renumbered.push(renumbered[0].clone());
        pool.set_numbers(renumbered);
        assert_eq!(pool.numbers().len(), 2);
        assert!(pool.holders_at(&a.number, Timestamp(1), 0).is_some());
    }

    #[test]
    fn region_codes_normalise() {
        assert_eq!(normalize_region_code(" us-tx ").as_deref(), Some("US-TX"));
        assert_eq!(normalize_region_code("gb").as_deref(), Some("GB"));
        assert_eq!(normalize_region_code("Texas"), None);
        assert_eq!(normalize_region_code("U1"), None);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Lease(usize),
        Renew(usize),
        Release(usize),
    }

    fn op() -> impl Strategy<Value = (Op, i64)> {
        let op = prop_oneof![
            4 => (0usize..10).prop_map(Op::Lease),
            2 => (0usize..10).prop_map(Op::Renew),
            1 => (0usize..10).prop_map(Op::Release),
        ];
        (op, 0i64..(10 * MIN))
    }

    proptest! {
        /// Whatever visitors do, two leases of one number overlap only if the later one is
        /// flagged shared and was lent when no number was free; no lease's end moves back.
        #[test]
        fn no_number_live_for_two_sessions_outside_the_share_policy(
            steps in prop::collection::vec(op(), 1..150),
            size in 1usize..5,
            lease_min in 1i64..20,
        ) {
            let r = PoolRules { lease_secs: lease_min * 60, retention_secs: 30 * 60, ..rules() };
            let mut pool = Pool::new(numbers(size));
            let mut now = 0i64;
            let mut ends: std::collections::HashMap<String, Timestamp> = Default::default();
            // The pool as a store keeps it, written from its changes after every step.
            let mut stored = Rows::default();
            for (op, dt) in steps {
                now += dt;
                let t = Timestamp(now);
                match op {
                    Op::Lease(v) => {
                        let free_before = pool.numbers().iter().filter(|n| !pool.live_on(&n.number, t)).count();
                        if let Ok(lease) = pool.lease(req(&format!("v{v}")), t, &r, "s") {
                            // A visitor keeping an earlier shared lease is not a new share.
                            let new = !ends.contains_key(&lease.id);
                            prop_assert!(!(new && lease.shared) || free_before == 0, "shared while a number was free");
                        }
                    }
                    Op::Renew(v) | Op::Release(v) => {
                        let visitor = format!("v{v}");
                        let id = pool.leases().iter().map(|l| &**l).rev().find(|l| l.visitor == visitor).map(|l| l.id.clone());
                        if let Some(id) = id {
                            if matches!(op, Op::Renew(_)) {
                                let _ = pool.renew(&id, &visitor, t, &r);
                            } else {
                                let _ = pool.release(&id, &visitor, t);
                            }
                        }
                    }
                }
                // Calls are credited as a scan of every lease would (at this step and earlier).
                for n in pool.numbers() {
                    for at in [t, Timestamp(now - dt / 2), Timestamp(now - 40 * MIN)] {
                        let live: Vec<&Lease> = {
                            let mut v: Vec<&Lease> = pool.leases().iter().map(|l| &**l).filter(|l| l.number == n.number && l.is_live(at)).collect();
                            v.sort_by_key(|l| std::cmp::Reverse(l.started_at));
                            v
                        };
                        let expected = match live.split_first() {
                            Some((h, others)) => Some((h.id.clone(), false, others.len())),
                            None => pool.leases().iter().map(|l| &**l).filter(|l| l.number == n.number && l.is_cooling(at, r.retention_secs))
                                .max_by_key(|l| l.ends_at()).map(|h| (h.id.clone(), true, 0)),
                        };
                        let got = pool.holders_at(&n.number, at, r.retention_secs).map(|h| (h.holder.id.clone(), h.late, h.others.len()));
                        prop_assert_eq!(got, expected);
                    }
                }
                stored.write(&pool.changes());
                pool.forget_changes();
                // The index answers as a scan of every lease would.
                for (k, n) in pool.numbers().iter().enumerate() {
                    let scanned = pool.leases().iter().map(|l| &**l).any(|l| l.number == n.number && l.is_live(t));
                    prop_assert_eq!(pool.live_on(&n.number, t), scanned);
                    prop_assert_eq!(pool.live_at(k, t), scanned);
                    let latest = pool.leases().iter().map(|l| &**l).rev().find(|l| l.number == n.number);
                    prop_assert_eq!(pool.latest_on(&n.number), latest);
                    let last = pool.leases().iter().map(|l| &**l).filter(|l| l.number == n.number).map(Lease::ends_at).max();
                    prop_assert!(last.is_none() || n.idle_since == last, "idle_since of {}", n.number);
                }
                // The groups choose as a look at every number would.
                let texas = texas();
                for region in [&Region::default(), &texas] {
                    prop_assert_eq!(pool.choose(0, region, t, &r), pool.choose_by_scan(0, region, t, &r));
                }
                let leases = pool.leases();
                for (i, a) in leases.iter().enumerate() {
                    prop_assert!(a.started_at <= a.ends_at());
                    if let Some(prev) = ends.get(&a.id) {
                        // Only a release may bring the end forward to "now", never before it.
                        prop_assert!(a.ends_at() >= *prev || a.ends_at() >= Timestamp(now.min(prev.millis())));
                    }
                    for b in leases.iter().skip(i + 1) {
                        let overlap = a.number == b.number && a.started_at < b.ends_at() && b.started_at < a.ends_at();
                        prop_assert!(!overlap || b.shared, "{} lent to {} and {} at once", a.number, a.visitor, b.visitor);
                    }
                }
                for l in leases {
                    ends.insert(l.id.clone(), l.ends_at());
                }
            }
            // Stored and loaded, the pool (and its rebuilt index) is the same: as one document,
            // and as rows written from its changes.
            let json = serde_json::to_string(&pool).unwrap();
            let loaded: Pool = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&loaded.index, &pool.index);
            prop_assert_eq!(serde_json::to_string(&loaded).unwrap(), json);
            let from_rows = stored.load(pool.exhaustion_events());
            prop_assert_eq!(&from_rows, &pool);
            prop_assert_eq!(&from_rows.index, &pool.index);
        }
    }

    /// A store's rows of a pool: numbers by position, leases by (id, visitor) in the order
    /// first written (as SQLite's rowids keep them).
    #[derive(Default)]
    struct Rows {
        numbers: Vec<PoolNumber>,
        leases: Vec<Lease>,
    }

    impl Rows {
        fn write(&mut self, changes: &PoolChanges<'_>) {
            if changes.all_numbers {
                self.numbers.clear();
            }
            for &(k, n) in &changes.numbers {
                if k >= self.numbers.len() {
                    self.numbers.resize(k + 1, n.clone());
                }
                self.numbers[k] = n.clone();
            }
            for &l in &changes.leases {
                match self.leases.iter_mut().find(|s| s.id == l.id && s.visitor == l.visitor) {
                    Some(s) => *s = l.clone(),
                    None => self.leases.push(l.clone()),
                }
            }
            if let Some(cutoff) = changes.pruned_before {
                self.leases.retain(|l| l.ends_at() > cutoff);
            }
        }

        fn load(&self, exhaustion_events: u64) -> Pool {
            Pool::from_rows(self.numbers.clone(), self.leases.clone(), exhaustion_events)
        }
    }
}
