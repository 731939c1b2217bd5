//! A seeded, deterministic discrete-event simulation of a site's traffic against the real
//! pool state machine (and, with extension numbers, the real extension rules): visitors arrive
//! (Poisson, with a daily curve), stay, renew their lease while on the page and release it
//! when they leave; some call, most during or soon after the visit, some days later. A caller
//! shown an extension reaches it if their phone keys it from the page's `tel:` link, or if
//! they type it; the others reach the business unattributed. For a setup (pool size, policy,
//! extension numbers) it reports the share of calls credited to the session that truly made
//! them, misattributed, or unattributed.

use crate::pool::extensions::{extension_holder, lease_extension, release_extension, renew_extension};
use crate::pool::{ExhaustionPolicy, ExtensionBook, ExtensionRules, LeaseRequest, Pool, PoolRules, Region};
use crate::support::{Entropy, Timestamp};
use crate::traffic::{TrafficSource, Visit};
use phone::PhoneNumber;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};
use serde::Serialize;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    /// Mean arrivals per hour over a day (the daily curve moves it between 0.2× and 1.8×).
    pub visitors_per_hour: f64,
    /// Mean visit length (exponentially distributed).
    pub visit_minutes: f64,
    /// Share of visitors who call.
    pub call_share: f64,
    pub days: u32,
    pub seed: u64,
    /// Share of callers shown an extension who call by tapping the page's `tel:` link on a
    /// phone, which keys the extension by itself.
    pub tap_share: f64,
    /// Share of the other callers who type the extension when asked.
    pub typed_share: f64,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic {
            visitors_per_hour: 200.0,
            visit_minutes: 8.0,
            call_share: 0.1,
            days: 7,
            seed: 42,
            tap_share: 0.65,
            typed_share: 0.8,
        }
    }
}

/// What the site has: a pool and its rules, and extension numbers with theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    pub pool_size: usize,
    pub rules: PoolRules,
    /// Extension numbers (used with the `extension` policy, or alone with no pool).
    pub extension_numbers: usize,
    pub extension: ExtensionRules,
}

impl Setup {
    /// `pool_size` numbers with the site defaults and `policy`; with `extension_numbers` of
    /// `digits`-digit extensions kept for `retention_hours`.
    pub fn new(
        pool_size: usize,
        policy: ExhaustionPolicy,
        extension_numbers: usize,
        digits: u8,
        retention_hours: u32,
    ) -> Setup {
        let rules = default_rules(policy);
        Setup {
            pool_size,
            extension: ExtensionRules {
                digits,
                lease_secs: rules.lease_secs,
                retention_secs: i64::from(retention_hours) * 3600,
            },
            rules,
            extension_numbers,
        }
    }

    fn label(&self) -> String {
        let ext = |s: &Setup| {
            format!(
                "{} × {}-digit, kept {} h",
                s.extension_numbers,
                s.extension.digits,
                s.extension.retention_secs / 3600
            )
        };
        match (self.pool_size, self.rules.exhaustion) {
            (0, _) => format!("extensions only: {}", ext(self)),
            (n, ExhaustionPolicy::Extension) => format!("{n} numbers + {}", ext(self)),
            (n, ExhaustionPolicy::Share) => format!("{n} numbers, share"),
            (n, ExhaustionPolicy::Overflow) => format!("{n} numbers, overflow"),
        }
    }

    /// Every number the setup needs (pool, extension and overflow numbers).
    pub fn numbers(&self) -> usize {
        self.pool_size
            + self.extension_numbers
            + usize::from(self.rules.exhaustion == ExhaustionPolicy::Overflow)
    }
}

/// The outcome of one simulated run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub pool_size: usize,
    pub sessions: u64,
    /// Sessions that found every number live (and, with extensions, got one).
    pub exhausted: u64,
    /// Sessions shown an extension.
    pub extension_sessions: u64,
    pub calls: u64,
    pub correct: u64,
    pub misattributed: u64,
    pub unattributed: u64,
    /// Calls made after the visit's retention window had passed (e.g. days later), which no
    /// pool size can credit reliably once the number has been lent again.
    pub after_retention: u64,
    /// Callers shown an extension who did not key it (they reach the business unattributed).
    pub not_keyed: u64,
}

impl Outcome {
    pub fn pct(&self, n: u64, of: u64) -> f64 {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    // Ordered by time first (the heap holds `Reverse((ms, seq, event))`).
    Arrive { visitor: u64 },
    Renew { visitor: u64, until_ms: i64 },
    Leave { visitor: u64 },
    Call { visitor: u64, late: bool },
}

/// Arrival rate multiplier by time of day: a smooth curve, lowest at 03:00, highest at 15:00,
/// averaging 1 over a day.
fn daily_curve(ms: i64) -> f64 {
    let hour = (ms.rem_euclid(86_400_000)) as f64 / 3_600_000.0;
    1.0 - 0.8 * ((hour - 3.0) / 24.0 * std::f64::consts::TAU).cos()
}

const HEARTBEAT_MS: i64 = 4 * 60_000;

/// The simulation's randomness as the core's, for drawing extensions.
struct SimEntropy(RefCell<ChaCha8Rng>);

impl Entropy for SimEntropy {
    fn next_u64(&self) -> u64 {
        self.0.borrow_mut().next_u64()
    }
}

/// What a visitor was shown.
#[derive(Clone)]
struct Shown {
    lease_id: String,
    number: PhoneNumber,
    extension: Option<String>,
}

fn generated(i: usize) -> PhoneNumber {
    PhoneNumber::parse(&format!("+1555{:07}", 1_000_000 + i)).expect("generated numbers are valid")
}

/// Runs the simulation for one pool size and rule set.
pub fn run(traffic: &Traffic, pool_size: usize, rules: &PoolRules) -> Outcome {
    let extension =
        ExtensionRules { digits: 3, lease_secs: rules.lease_secs, retention_secs: rules.retention_secs };
    run_setup(traffic, &Setup { pool_size, rules: rules.clone(), extension_numbers: 0, extension })
}

/// Runs the simulation for one setup.
pub fn run_setup(traffic: &Traffic, setup: &Setup) -> Outcome {
    let rules = &setup.rules;
    let mut rng = ChaCha8Rng::seed_from_u64(traffic.seed);
    // Extensions and callers' keying draw from their own streams, so every setup sees the
    // same visitors making the same calls.
    let entropy = SimEntropy(RefCell::new(ChaCha8Rng::seed_from_u64(traffic.seed ^ 0x5EED)));
    let mut keying = ChaCha8Rng::seed_from_u64(traffic.seed ^ 0xCA11);
    let mut pool = Pool::new((0..setup.pool_size).map(|i| (generated(i), None)));
    let extension_numbers: Vec<PhoneNumber> =
        (0..setup.extension_numbers).map(|i| generated(5_000_000 + i)).collect();
    let book = ExtensionBook::default();
    let extensions_first = setup.pool_size == 0;
    let extensions_after = rules.exhaustion == ExhaustionPolicy::Extension;
    let end_ms = i64::from(traffic.days) * 86_400_000;
    let source = TrafficSource::from_visit(&Visit::default());
    let visit_len = Exp::new(1.0 / (traffic.visit_minutes * 60_000.0)).expect("positive visit length");
    let soon_after = Exp::new(1.0 / (20.0 * 60_000.0)).expect("positive delay");
    let peak_rate = traffic.visitors_per_hour * 1.8 / 3_600_000.0;
    let gap = Exp::new(peak_rate).expect("positive rate");

    let mut queue: BinaryHeap<Reverse<(i64, u64, Event)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |queue: &mut BinaryHeap<Reverse<(i64, u64, Event)>>, at: i64, e: Event| {
        seq += 1;
        queue.push(Reverse((at, seq, e)));
    };
    // Arrivals: a Poisson process thinned by the daily curve.
    let (mut t, mut next_visitor) = (0f64, 0u64);
    loop {
        t += gap.sample(&mut rng);
        if t as i64 >= end_ms {
            break;
        }
        if rng.random::<f64>() * 1.8 <= daily_curve(t as i64) {
            push(&mut queue, t as i64, Event::Arrive { visitor: next_visitor });
            next_visitor += 1;
        }
    }
    // What each visitor saw: their lease id and number (and extension).
    let mut seen: Vec<Option<Shown>> = vec![None; next_visitor as usize];
    let mut out = Outcome {
        pool_size: setup.pool_size,
        sessions: 0,
        exhausted: 0,
        extension_sessions: 0,
        calls: 0,
        correct: 0,
        misattributed: 0,
        unattributed: 0,
        after_retention: 0,
        not_keyed: 0,
    };
    while let Some(Reverse((at, _, event))) = queue.pop() {
        let now = Timestamp(at);
        match event {
            Event::Arrive { visitor } => {
                let req = LeaseRequest {
                    visitor: visitor.to_string(),
                    source: source.clone(),
                    region: Region::default(),
                };
                let pooled =
                    if extensions_first { None } else { pool.lease(req.clone(), now, rules, "sim").ok() };
                let lease = match pooled {
                    Some(lease) => Some(lease),
                    None if extensions_first || extensions_after => {
                        lease_extension(&book, &req, &extension_numbers, now, &setup.extension, &entropy)
                            .ok()
                            .flatten()
                    }
                    None => None,
                };
                // Every number (or extension) was taken: the pool's share/overflow, an
                // extension in place of a number, or nothing at all.
                let exhausted = match &lease {
                    Some(l) => l.shared || l.overflow || (l.extension.is_some() && !extensions_first),
                    None => true,
                };
                out.exhausted += u64::from(exhausted);
                let stay = visit_len.sample(&mut rng) as i64;
                let leave_at = at + stay.max(5_000);
                let retention_ms = if let Some(lease) = &lease {
                    out.sessions += 1;
                    out.extension_sessions += u64::from(lease.extension.is_some());
                    seen[visitor as usize] = Some(Shown {
                        lease_id: lease.id.clone(),
                        number: lease.number.clone(),
                        extension: lease.extension.clone(),
                    });
                    if leave_at - at > HEARTBEAT_MS {
                        push(&mut queue, at + HEARTBEAT_MS, Event::Renew { visitor, until_ms: leave_at });
                    }
                    push(&mut queue, leave_at, Event::Leave { visitor });
                    if lease.extension.is_some() {
                        setup.extension.retention_secs
                    } else {
                        rules.retention_secs
                    }
                } else {
                    out.sessions += 1;
                    rules.retention_secs
                };
                if rng.random::<f64>() < traffic.call_share {
                    let r = rng.random::<f64>();
                    let call_at = if r < 0.6 {
                        at + (rng.random::<f64>() * (leave_at - at) as f64) as i64
                    } else if r < 0.85 {
                        leave_at + soon_after.sample(&mut rng) as i64
                    } else {
                        leave_at + 86_400_000 + (rng.random::<f64>() * 6.0 * 86_400_000.0) as i64
                    };
                    let late = call_at > leave_at + retention_ms * 1000;
                    push(&mut queue, call_at, Event::Call { visitor, late });
                }
            }
            Event::Renew { visitor, until_ms } => {
                if let Some(shown) = &seen[visitor as usize] {
                    let who = visitor.to_string();
                    if shown.extension.is_some() {
                        let _ = renew_extension(
                            &book,
                            &shown.lease_id,
                            &who,
                            now,
                            &setup.extension,
                            &extension_numbers,
                        );
                    } else {
                        let _ = pool.renew(&shown.lease_id, &who, now, rules);
                    }
                }
                if until_ms - at > HEARTBEAT_MS {
                    push(&mut queue, at + HEARTBEAT_MS, Event::Renew { visitor, until_ms });
                }
            }
            Event::Leave { visitor } => {
                if let Some(shown) = &seen[visitor as usize] {
                    let who = visitor.to_string();
                    if shown.extension.is_some() {
                        let _ = release_extension(&book, &shown.lease_id, &who, now);
                    } else {
                        let _ = pool.release(&shown.lease_id, &who, now);
                    }
                }
            }
            Event::Call { visitor, late } => {
                out.calls += 1;
                out.after_retention += u64::from(late);
                let Some(shown) = &seen[visitor as usize] else {
                    out.unattributed += 1; // shown the business number itself
                    continue;
                };
                let me = visitor.to_string();
                let credited = match &shown.extension {
                    Some(extension) => {
                        let keyed = keying.random::<f64>() < traffic.tap_share
                            || keying.random::<f64>() < traffic.typed_share;
                        if !keyed {
                            out.not_keyed += 1;
                            None
                        } else {
                            extension_holder(&book, &shown.number, extension, now, &setup.extension)
                                .ok()
                                .flatten()
                                .map(|(lease, _)| lease.visitor)
                        }
                    }
                    None => pool
                        .holders_at(&shown.number, now, rules.retention_secs)
                        .map(|h| h.holder.visitor.clone()),
                };
                match credited {
                    Some(v) if v == me => out.correct += 1,
                    Some(_) => out.misattributed += 1,
                    None => out.unattributed += 1,
                }
            }
        }
    }
    out
}

/// The default rules of a site (15-minute leases, 30-minute retention) with `policy`.
pub fn default_rules(policy: ExhaustionPolicy) -> PoolRules {
    PoolRules {
        lease_secs: 15 * 60,
        retention_secs: 30 * 60,
        home_region: None,
        exhaustion: policy,
        overflow_number: (policy == ExhaustionPolicy::Overflow)
            .then(|| PhoneNumber::parse("+15559999999").expect("valid overflow number")),
    }
}

fn header(traffic: &Traffic) -> String {
    format!(
        "{} visitors/hour, {}-minute visits, {:.0}% call, {} days, seed {}; lease 15 min, retention 30 min; \
         of callers shown an extension {:.0}% tap the link on a phone (it keys the extension) and {:.0}% of the others type it\n\n",
        traffic.visitors_per_hour,
        traffic.visit_minutes,
        traffic.call_share * 100.0,
        traffic.days,
        traffic.seed,
        traffic.tap_share * 100.0,
        traffic.typed_share * 100.0,
    )
}

fn row(label: &str, o: &Outcome) -> String {
    format!(
        "| {label} | {} | {:.1}% | {:.1}% | {} | {:.1}% | {:.1}% | {:.1}% | {:.1}% | {:.1}% |\n",
        o.sessions,
        o.pct(o.exhausted, o.sessions),
        o.pct(o.extension_sessions, o.sessions),
        o.calls,
        o.pct(o.correct, o.calls),
        o.pct(o.misattributed, o.calls),
        o.pct(o.unattributed, o.calls),
        o.pct(o.not_keyed, o.calls),
        o.pct(o.after_retention, o.calls),
    )
}

const TABLE_HEAD: &str = "| setup | sessions | exhausted | shown an extension | calls | correct | misattributed | unattributed \
     | did not key the extension | called after retention |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

/// The accuracy-vs-pool-size table as text, for one policy (with `extensions` extension
/// numbers of 3 digits kept 168 hours under the `extension` policy).
pub fn table(traffic: &Traffic, sizes: &[usize], policy: ExhaustionPolicy, extensions: usize) -> String {
    let mut out = header(traffic);
    out.push_str(TABLE_HEAD);
    for &size in sizes {
        let setup = Setup::new(
            size,
            policy,
            if policy == ExhaustionPolicy::Extension { extensions } else { 0 },
            3,
            168,
        );
        out.push_str(&row(&setup.label(), &run_setup(traffic, &setup)));
    }
    out
}

/// Share, overflow and extension side by side for each pool size (the extension policy with
/// one 3-digit extension number kept 168 hours), then extension numbers alone, with how long
/// their extensions are kept.
pub fn compare(traffic: &Traffic, sizes: &[usize]) -> String {
    let mut out = header(traffic);
    out.push_str(TABLE_HEAD);
    for &size in sizes {
        for policy in [ExhaustionPolicy::Share, ExhaustionPolicy::Overflow, ExhaustionPolicy::Extension] {
            let ext = if policy == ExhaustionPolicy::Extension { 1 } else { 0 };
            let setup = Setup::new(size, policy, ext, 3, 168);
            out.push_str(&row(&setup.label(), &run_setup(traffic, &setup)));
        }
    }
    for (numbers, digits, hours) in [(1, 3, 4), (1, 3, 168), (1, 4, 48), (1, 4, 168), (1, 5, 168)] {
        let setup = Setup::new(0, ExhaustionPolicy::Share, numbers, digits, hours);
        out.push_str(&row(&setup.label(), &run_setup(traffic, &setup)));
    }
    out
}

/// The setups tried in search of the smallest that credits a target share of calls
/// correctly, the fewest numbers first: extension numbers alone (1, 2 or 4, of 3–5 digits),
/// each pool size in `sizes` alone (share) and with one extension number behind it.
pub fn candidates(sizes: &[usize]) -> Vec<Setup> {
    let mut all = Vec::new();
    for numbers in [1, 2, 4] {
        for digits in [3u8, 4, 5] {
            all.push(Setup::new(0, ExhaustionPolicy::Share, numbers, digits, 168));
        }
    }
    for &size in sizes {
        all.push(Setup::new(size, ExhaustionPolicy::Share, 0, 3, 168));
        all.push(Setup::new(size, ExhaustionPolicy::Extension, 1, 3, 168));
    }
    all.sort_by_key(Setup::numbers);
    all
}

/// The smallest setup (fewest numbers) whose calls are credited correctly at least `target`
/// of the time (0.98), and its outcome; else the best one tried.
pub fn smallest_for(traffic: &Traffic, target: f64, setups: &[Setup]) -> (bool, Setup, Outcome) {
    let mut best: Option<(Setup, Outcome)> = None;
    for setup in setups {
        let o = run_setup(traffic, setup);
        let share = o.correct as f64 / o.calls.max(1) as f64;
        if share >= target {
            return (true, setup.clone(), o);
        }
        if best.as_ref().is_none_or(|(_, b)| o.correct * b.calls.max(1) > b.correct * o.calls.max(1)) {
            best = Some((setup.clone(), o));
        }
    }
    let (setup, o) = best.unwrap_or_else(|| {
        let s = Setup::new(1, ExhaustionPolicy::Share, 0, 3, 168);
        let o = run_setup(traffic, &s);
        (s, o)
    });
    (false, setup, o)
}

/// The smallest-setup answer as text.
pub fn smallest_text(traffic: &Traffic, target: f64, setups: &[Setup]) -> String {
    let (found, setup, o) = smallest_for(traffic, target, setups);
    let share = o.pct(o.correct, o.calls);
    if found {
        format!(
            "smallest setup crediting at least {:.0}% of calls to the true session: {} ({} numbers): {share:.1}% correct\n",
            target * 100.0,
            setup.label(),
            setup.numbers()
        )
    } else {
        format!(
            "no setup tried credits {:.0}% of calls to the true session; the best is {} ({} numbers): {share:.1}% correct, \
             {:.1}% did not key their extension\n",
            target * 100.0,
            setup.label(),
            setup.numbers(),
            o.pct(o.not_keyed, o.calls)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Traffic {
        Traffic {
            visitors_per_hour: 60.0,
            visit_minutes: 8.0,
            call_share: 0.2,
            days: 1,
            seed: 7,
            ..Traffic::default()
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_result() {
        let rules = default_rules(ExhaustionPolicy::Share);
        assert_eq!(run(&small(), 10, &rules), run(&small(), 10, &rules));
        let other = Traffic { seed: 8, ..small() };
        assert_ne!(run(&small(), 10, &rules), run(&other, 10, &rules));
    }

    #[test]
    fn a_bigger_pool_credits_more_calls_correctly() {
        let rules = default_rules(ExhaustionPolicy::Share);
        let tiny = run(&small(), 2, &rules);
        // Peak arrivals are 1.8 × 60/hour; live (8 min) plus cooling (30 min) numbers then
        // reach ~70, so 120 numbers never re-lend a cooling one.
        let ample = run(&small(), 120, &rules);
        assert!(tiny.sessions > 1000, "a day at 60/hour: {}", tiny.sessions);
        assert_eq!(tiny.calls, ample.calls, "the same visitors call");
        assert!(tiny.exhausted > 0 && ample.exhausted == 0);
        assert!(ample.correct > tiny.correct);
        assert!(ample.after_retention > 0, "some visitors call days later");
        assert!(
            ample.misattributed + ample.unattributed <= ample.after_retention,
            "with numbers to spare every call within the retention window is credited correctly: {ample:?}"
        );
        assert_eq!(tiny.correct + tiny.misattributed + tiny.unattributed, tiny.calls);
    }

    #[test]
    fn extensions_credit_late_callers_who_key_them() {
        let traffic = Traffic { days: 3, tap_share: 1.0, ..small() };
        let numbers = run_setup(&traffic, &Setup::new(120, ExhaustionPolicy::Share, 0, 3, 168));
        let extensions = run_setup(&traffic, &Setup::new(0, ExhaustionPolicy::Share, 1, 4, 168));
        assert_eq!(numbers.calls, extensions.calls, "the same visitors call");
        assert_eq!(extensions.extension_sessions, extensions.sessions);
        assert_eq!(
            (extensions.not_keyed, extensions.misattributed),
            (0, 0),
            "every caller keys it: {extensions:?}"
        );
        assert!(extensions.correct > numbers.correct, "days-later callers are still credited");
        // Callers who do not key it reach the business unattributed, never someone else.
        let half = run_setup(
            &Traffic { tap_share: 0.0, typed_share: 0.5, ..traffic },
            &Setup::new(0, ExhaustionPolicy::Share, 1, 4, 168),
        );
        assert!(half.not_keyed > 0 && half.misattributed == 0, "{half:?}");
        // Pool first, extensions when it runs out.
        let mixed = run_setup(&traffic, &Setup::new(5, ExhaustionPolicy::Extension, 1, 3, 168));
        assert!(mixed.extension_sessions > 0 && mixed.extension_sessions < mixed.sessions, "{mixed:?}");
    }

    #[test]
    fn the_daily_curve_averages_one() {
        let mean: f64 = (0..24 * 60).map(|m| daily_curve(m * 60_000)).sum::<f64>() / (24.0 * 60.0);
        assert!((mean - 1.0).abs() < 1e-9);
        assert!(daily_curve(3 * 3_600_000) < daily_curve(15 * 3_600_000));
    }
}
