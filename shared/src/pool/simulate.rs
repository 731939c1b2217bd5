//! A seeded, deterministic discrete-event simulation of a site's traffic against the real
//! pool state machine: visitors arrive (Poisson, with a daily curve), stay, renew their lease
//! while on the page and release it when they leave; some call, most during or soon after the
//! visit, some days later. For a pool size and policy it reports the share of calls credited
//! to the session that truly made them, misattributed, or unattributed.

use crate::pool::{ExhaustionPolicy, LeaseRequest, Pool, PoolRules, Region};
use crate::support::Timestamp;
use crate::traffic::{TrafficSource, Visit};
use phone::PhoneNumber;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};
use serde::Serialize;
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
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic { visitors_per_hour: 200.0, visit_minutes: 8.0, call_share: 0.1, days: 7, seed: 42 }
    }
}

/// The outcome of one simulated run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub pool_size: usize,
    pub sessions: u64,
    /// Sessions that found every number live.
    pub exhausted: u64,
    pub calls: u64,
    pub correct: u64,
    pub misattributed: u64,
    pub unattributed: u64,
    /// Calls made after the visit's retention window had passed (e.g. days later), which no
    /// pool size can credit reliably once the number has been lent again.
    pub after_retention: u64,
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

/// Runs the simulation for one pool size and rule set.
pub fn run(traffic: &Traffic, pool_size: usize, rules: &PoolRules) -> Outcome {
    let mut rng = ChaCha8Rng::seed_from_u64(traffic.seed);
    let numbers = (0..pool_size).map(|i| {
        let n =
            PhoneNumber::parse(&format!("+1555{:07}", 1_000_000 + i)).expect("generated numbers are valid");
        (n, None)
    });
    let mut pool = Pool::new(numbers);
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
    // What each visitor saw: their lease id and number.
    let mut seen: Vec<Option<(String, PhoneNumber)>> = vec![None; next_visitor as usize];
    let mut out = Outcome {
        pool_size,
        sessions: 0,
        exhausted: 0,
        calls: 0,
        correct: 0,
        misattributed: 0,
        unattributed: 0,
        after_retention: 0,
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
                let Ok(lease) = pool.lease(req, now, rules, "sim") else { continue };
                out.sessions += 1;
                out.exhausted += u64::from(lease.shared || lease.overflow);
                seen[visitor as usize] = Some((lease.id.clone(), lease.number.clone()));
                let stay = visit_len.sample(&mut rng) as i64;
                let leave_at = at + stay.max(5_000);
                if leave_at - at > HEARTBEAT_MS {
                    push(&mut queue, at + HEARTBEAT_MS, Event::Renew { visitor, until_ms: leave_at });
                }
                push(&mut queue, leave_at, Event::Leave { visitor });
                if rng.random::<f64>() < traffic.call_share {
                    let r = rng.random::<f64>();
                    let call_at = if r < 0.6 {
                        at + (rng.random::<f64>() * (leave_at - at) as f64) as i64
                    } else if r < 0.85 {
                        leave_at + soon_after.sample(&mut rng) as i64
                    } else {
                        leave_at + 86_400_000 + (rng.random::<f64>() * 6.0 * 86_400_000.0) as i64
                    };
                    let late = call_at > leave_at + rules.retention_secs * 1000;
                    push(&mut queue, call_at, Event::Call { visitor, late });
                }
            }
            Event::Renew { visitor, until_ms } => {
                if let Some((id, _)) = &seen[visitor as usize] {
                    let _ = pool.renew(id, &visitor.to_string(), now, rules);
                }
                if until_ms - at > HEARTBEAT_MS {
                    push(&mut queue, at + HEARTBEAT_MS, Event::Renew { visitor, until_ms });
                }
            }
            Event::Leave { visitor } => {
                if let Some((id, _)) = &seen[visitor as usize] {
                    let _ = pool.release(id, &visitor.to_string(), now);
                }
            }
            Event::Call { visitor, late } => {
                let Some((_, number)) = &seen[visitor as usize] else { continue };
                out.calls += 1;
                out.after_retention += u64::from(late);
                match pool.holders_at(number, now, rules.retention_secs) {
                    Some(h) if h.holder.visitor == visitor.to_string() => out.correct += 1,
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

/// The accuracy-vs-pool-size table as text.
pub fn table(traffic: &Traffic, sizes: &[usize], policy: ExhaustionPolicy) -> String {
    let rules = default_rules(policy);
    let mut out = format!(
        "{} visitors/hour, {}-minute visits, {:.0}% call, {} days, seed {}, policy {:?}, lease 15 min, retention 30 min\n\n",
        traffic.visitors_per_hour,
        traffic.visit_minutes,
        traffic.call_share * 100.0,
        traffic.days,
        traffic.seed,
        policy
    );
    out.push_str("| pool size | sessions | exhausted | calls | correct | misattributed | unattributed ");
    out.push_str("| called after retention |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for &size in sizes {
        let o = run(traffic, size, &rules);
        out.push_str(&format!(
            "| {} | {} | {:.1}% | {} | {:.1}% | {:.1}% | {:.1}% | {:.1}% |\n",
            size,
            o.sessions,
            o.pct(o.exhausted, o.sessions),
            o.calls,
            o.pct(o.correct, o.calls),
            o.pct(o.misattributed, o.calls),
            o.pct(o.unattributed, o.calls),
            o.pct(o.after_retention, o.calls),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Traffic {
        Traffic { visitors_per_hour: 60.0, visit_minutes: 8.0, call_share: 0.2, days: 1, seed: 7 }
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
    fn the_daily_curve_averages_one() {
        let mean: f64 = (0..24 * 60).map(|m| daily_curve(m * 60_000)).sum::<f64>() / (24.0 * 60.0);
        assert!((mean - 1.0).abs() < 1e-9);
        assert!(daily_curve(3 * 3_600_000) < daily_curve(15 * 3_600_000));
    }
}
