//! The pool's derived structures: its index (positions of leases by number and visitor, each
//! number's lease times, the numbers grouped by line and region in order of idleness) and
//! what changed since a store last wrote it. `leases.rs` keeps them; they are rebuilt when a
//! pool is loaded.

use super::leases::{Lease, Pool, PoolNumber, PoolRules};
use super::region::{region_rank, Region};
use crate::support::Timestamp;
use imbl::{HashMap, OrdSet, Vector};
use phone::PhoneNumber;
use std::sync::Arc;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Index {
    pub(super) by_number: HashMap<Arc<str>, Vector<usize>>,
    pub(super) by_visitor: HashMap<Arc<str>, Vector<usize>>,
    /// Position of each pool number in `numbers`.
    pub(super) number_at: HashMap<PhoneNumber, usize>,
    /// What choosing a number reads of each pool number (same positions), in a plain list
    /// that copies in one move: a lease scans the pool without looking anything up.
    pub(super) hot: Vec<Hot>,
    /// The pool's lines (business numbers, `None`: the main one) and regions, which `Hot`
    /// refers to by position.
    pub(super) lines: Vec<Option<PhoneNumber>>,
    pub(super) regions: Vec<Option<String>>,
    /// The pool numbers by line and region, each group ordered by when its numbers' last
    /// leases end (never leased first): a number whose last lease has ended is free, so the
    /// first of each group is the group's best choice.
    pub(super) groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Group {
    pub(super) line: usize,
    pub(super) region: usize,
    pub(super) by_idle: OrdSet<(i64, usize)>,
}

/// A number's place in its group: when its last lease ends, `i64::MIN` if never leased.
pub(super) fn idle_key(idle: Option<Timestamp>) -> i64 {
    idle.map_or(i64::MIN, Timestamp::millis)
}

/// A pool number as a lease chooses: when its last lease ends (`idle_since`), when the latest
/// of the leases that can be live started, and its line, region and group (positions in
/// `Index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hot {
    pub(super) idle: Option<Timestamp>,
    /// When the latest of the leases that can be live started.
    pub(super) started: Option<Timestamp>,
    pub(super) line: usize,
    pub(super) region: usize,
    pub(super) group: usize,
}

impl Index {
    pub(super) fn add(&mut self, i: usize, lease: &Lease) {
        match self.by_number.get_mut(lease.number.e164()) {
            Some(positions) => positions.push_back(i),
            None => {
                self.by_number.insert(Arc::from(lease.number.e164()), Vector::unit(i));
            }
        }
        match self.by_visitor.get_mut(lease.visitor.as_str()) {
            Some(positions) => positions.push_back(i),
            None => {
                self.by_visitor.insert(Arc::from(lease.visitor.as_str()), Vector::unit(i));
            }
        }
    }

    pub(super) fn of(leases: &Vector<Arc<Lease>>) -> Index {
        let mut index = Index::default();
        for (i, l) in leases.iter().enumerate() {
            index.add(i, l);
        }
        index
    }
}

/// What changed in a pool since the store last wrote it: positions of leases written (a
/// position may repeat), the list of numbers, history dropped. A number's `idle_since` is
/// not a change on its own: loading works it out again from the number's leases (and the
/// numbers are written whenever history that could tell it is dropped).
#[derive(Debug, Clone, Default)]
pub(super) struct Changes {
    pub(super) leases: Vec<usize>,
    pub(super) all_numbers: bool,
    pub(super) pruned_before: Option<Timestamp>,
}

/// What a store must write for a pool to be stored as it is now, when it stored the pool as
/// it was when last loaded (see [`Pool::changes`]).
#[derive(Debug, Default)]
pub struct PoolChanges<'a> {
    /// Leases new or changed (each once).
    pub leases: Vec<&'a Lease>,
    /// Every number with its position when `all_numbers` (else none).
    pub numbers: Vec<(usize, &'a PoolNumber)>,
    /// The numbers changed: the stored list is replaced.
    pub all_numbers: bool,
    /// Ended leases were forgotten: those that ended at or before this instant.
    pub pruned_before: Option<Timestamp>,
}

/// The position of `value` in `list`, added at the end if absent.
pub(super) fn position_or_push<T: PartialEq + Clone>(list: &mut Vec<T>, value: &T) -> usize {
    list.iter().position(|v| v == value).unwrap_or_else(|| {
        list.push(value.clone());
        list.len() - 1
    })
}

/// How a pool chooses a number, and keeps the times it chooses by.
impl Pool {
    /// [`Pool::live_on`] for the pool's `k`th number: no lease is live once its last one has
    /// ended (`idle_since`), so only a number in use has its leases looked at.
    pub(super) fn live_at(&self, k: usize, now: Timestamp) -> bool {
        let hot = &self.index.hot[k];
        match hot.idle {
            Some(end) if now < end => {
                // Every lease that can be live has started: one is, as its last ends later.
                hot.started.is_some_and(|s| s <= now) || self.live_on(&self.numbers[k].number, now)
            }
            _ => false,
        }
    }

    /// Whether the pool's `k`th number is cooling: its last lease ended within the retention
    /// window (a call to it is still credited to that session).
    pub(super) fn cooling_at(&self, k: usize, now: Timestamp, retention_secs: i64) -> bool {
        self.index.hot[k].idle.is_some_and(|end| end <= now && now < end.plus_secs(retention_secs))
    }

    /// When the number's last lease ends (the latest end of those that can be live; every
    /// earlier one ended before them), and when the latest of those started.
    pub(super) fn ends_of(&self, number: &PhoneNumber) -> (Option<Timestamp>, Option<Timestamp>) {
        let last = self.recent_on(number).map(Lease::ends_at).max();
        let started = self.recent_on(number).map(|l| l.started_at).max();
        (last, started)
    }

    pub(super) fn note_activity(&mut self, number: &PhoneNumber) {
        let Some(&k) = self.index.number_at.get(number) else { return };
        let (last, started) = self.ends_of(number);
        self.index.hot[k].started = started;
        if let Some(end) = last {
            if self.numbers[k].idle_since != Some(end) {
                let hot = self.index.hot[k];
                let group = &mut self.index.groups[hot.group].by_idle;
                group.remove(&(idle_key(hot.idle), k));
                group.insert((idle_key(Some(end)), k));
                self.numbers[k].idle_since = Some(end);
                self.index.hot[k].idle = Some(end);
            }
        }
    }

    /// The free number of line `line_id` to lend a visitor in `region`: one not cooling
    /// before one cooling, then the best region match, then the one idle longest (the first
    /// in the pool's order among equals).
    pub(super) fn choose(
        &self,
        line_id: usize,
        region: &Region,
        now: Timestamp,
        rules: &PoolRules,
    ) -> Option<usize> {
        let home = rules.home_region.as_deref();
        // The first number of each group of the line: free once its last lease has ended, and
        // then the group's best (cooling is later than not, and idle longest comes first).
        let mut best = None;
        for g in self.index.groups.iter().filter(|g| g.line == line_id) {
            let Some(&(idle, k)) = g.by_idle.get_min() else { continue };
            if idle > now.millis() {
                continue;
            }
            let rank = region_rank(self.index.regions[g.region].as_deref(), region, home);
            let candidate = (self.cooling_at(k, now, rules.retention_secs), rank, idle, k);
            if best.as_ref().is_none_or(|b| candidate < *b) {
                best = Some(candidate);
            }
        }
        match best {
            Some((.., k)) => Some(k),
            // Every number's last lease ends later: only one lent with a start still to come
            // (a clock that went back) can be free. Each is looked at.
            None => self.choose_by_scan(line_id, region, now, rules),
        }
    }

    /// [`Pool::choose`] by looking at every number of the line.
    pub(super) fn choose_by_scan(
        &self,
        line_id: usize,
        region: &Region,
        now: Timestamp,
        rules: &PoolRules,
    ) -> Option<usize> {
        let home = rules.home_region.as_deref();
        let ranks: Vec<u8> =
            self.index.regions.iter().map(|r| region_rank(r.as_deref(), region, home)).collect();
        (0..self.index.hot.len())
            .filter(|&k| self.index.hot[k].line == line_id && !self.live_at(k, now))
            .min_by_key(|&k| {
                let hot = &self.index.hot[k];
                (self.cooling_at(k, now, rules.retention_secs), ranks[hot.region], idle_key(hot.idle), k)
            })
    }
}
