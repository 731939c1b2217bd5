//! Pool sizing from a site's session log: how busy the numbers were, how often visitors
//! found every number live, and how many numbers would have been enough.

use crate::pool::Lease;
use crate::support::Timestamp;
use serde::{Deserialize, Serialize};

/// Exhaustion the recommendation aims below: 1 % of sessions.
const TARGET_EXHAUSTION: f64 = 0.01;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourPeak {
    /// `2026-11-22T10` (UTC).
    pub hour: String,
    pub peak_concurrent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolSizing {
    pub pool_size: u32,
    pub sessions: u64,
    /// Sessions that started while every number was live (shared or overflow).
    pub exhausted_sessions: u64,
    pub exhaustion_rate: f64,
    /// Share of number-time spent live over the window.
    pub utilization: f64,
    pub peak_concurrent: u32,
    pub peak_by_hour: Vec<HourPeak>,
    /// Smallest pool that keeps exhaustion under 1 % of these sessions.
    pub recommended_pool_size: u32,
    /// Smallest pool that also lets 99 % of sessions avoid a number still in its retention
    /// window, so late calls stay unambiguous.
    pub recommended_for_clean_attribution: u32,
}

fn hour_of(at: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(at.millis().div_euclid(1000)).map_or_else(
        |_| "(none)".into(),
        |t| format!("{:04}-{:02}-{:02}T{:02}", t.year(), u8::from(t.month()), t.day(), t.hour()),
    )
}

/// For each session (by start), how many other sessions occupied a number at its start, where
/// a session occupies from its start until `ends_at + tail_secs`.
fn occupancy_at_starts(sessions: &[&Lease], tail_secs: i64) -> Vec<u32> {
    // Events: (time, kind) with ends (0) before starts (1) at the same instant.
    let mut events: Vec<(i64, u8)> = Vec::with_capacity(sessions.len() * 2);
    for l in sessions {
        events.push((l.started_at.millis(), 1));
        events.push((l.ends_at().plus_secs(tail_secs).millis(), 0));
    }
    events.sort_unstable();
    let mut busy: u32 = 0;
    let mut at_starts = Vec::with_capacity(sessions.len());
    for (_, kind) in events {
        if kind == 1 {
            at_starts.push(busy);
            busy += 1;
        } else {
            busy = busy.saturating_sub(1);
        }
    }
    at_starts
}

/// The smallest pool for which under `TARGET_EXHAUSTION` of sessions start with every
/// number occupied.
fn smallest_pool(occupancy: &[u32]) -> u32 {
    if occupancy.is_empty() {
        return 1;
    }
    let mut sorted = occupancy.to_vec();
    sorted.sort_unstable();
    // Sessions with occupancy ≥ n would be exhausted with n numbers; allow < 1 %.
    let allowed = ((sorted.len() as f64) * TARGET_EXHAUSTION).ceil() as usize;
    let allowed = allowed.saturating_sub(1).min(sorted.len() - 1);
    sorted[sorted.len() - 1 - allowed] + 1
}

/// Sizing over the sessions that started in `[from, to)`.
pub fn analyse_sizing(
    sessions: &[Lease],
    pool_size: u32,
    retention_secs: i64,
    from: Timestamp,
    to: Timestamp,
) -> PoolSizing {
    let in_pool: Vec<&Lease> =
        sessions.iter().filter(|l| !l.static_number && l.started_at >= from && l.started_at < to).collect();
    let total = in_pool.len() as u64;
    let exhausted = in_pool.iter().filter(|l| l.shared || l.overflow).count() as u64;
    let pool_leases: Vec<&Lease> = in_pool.iter().copied().filter(|l| !l.overflow).collect();
    let live_ms: i64 = pool_leases
        .iter()
        .map(|l| l.ends_at().min(to).millis().saturating_sub(l.started_at.millis()).max(0))
        .sum();
    let window_ms = (to.millis() - from.millis()).max(1);
    let live = occupancy_at_starts(&in_pool, 0);
    let with_retention = occupancy_at_starts(&in_pool, retention_secs);

    // Peak concurrency per hour: sweep all starts and ends in time order.
    let mut events: Vec<(i64, i32)> = Vec::new();
    for l in &in_pool {
        events.push((l.started_at.millis(), 1));
        events.push((l.ends_at().millis(), -1));
    }
    events.sort_unstable_by_key(|&(t, d)| (t, d));
    let mut peaks: Vec<HourPeak> = Vec::new();
    let mut current: i32 = 0;
    for (t, d) in events {
        current += d;
        let hour = hour_of(Timestamp(t));
        let c = u32::try_from(current.max(0)).unwrap_or(0);
        match peaks.last_mut() {
            Some(p) if p.hour == hour => p.peak_concurrent = p.peak_concurrent.max(c),
            _ => peaks.push(HourPeak { hour, peak_concurrent: c }),
        }
    }
    let peak = peaks.iter().map(|p| p.peak_concurrent).max().unwrap_or(0);
    PoolSizing {
        pool_size,
        sessions: total,
        exhausted_sessions: exhausted,
        exhaustion_rate: if total == 0 { 0.0 } else { exhausted as f64 / total as f64 },
        utilization: live_ms as f64 / (window_ms as f64 * f64::from(pool_size.max(1))),
        peak_concurrent: peak,
        peak_by_hour: peaks,
        recommended_pool_size: smallest_pool(&live),
        recommended_for_clean_attribution: smallest_pool(&with_retention),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::Region;
    use crate::traffic::{TrafficSource, Visit};
    use phone::PhoneNumber;

    const MIN: i64 = 60_000;

    fn session(i: usize, start_min: i64, len_min: i64) -> Lease {
        Lease {
            id: format!("l{i}"),
            number: PhoneNumber::parse("+15550100201").unwrap(),
            visitor: format!("v{i}"),
            source: TrafficSource::from_visit(&Visit::default()),
            region: Region::default(),
            started_at: Timestamp(start_min * MIN),
            renewed_at: None,
            expires_at: Timestamp((start_min + len_min) * MIN),
            ended_at: None,
            shared: false,
            overflow: false,
            static_number: false,
            extension: None,
        }
    }

    #[test]
    fn a_steady_load_needs_its_concurrency() {
        // Every minute for 10 hours a visitor arrives and stays 10 minutes: 10 live at once.
        let sessions: Vec<Lease> = (0..600).map(|i| session(i, i as i64, 10)).collect();
        let s = analyse_sizing(&sessions, 12, 30 * 60, Timestamp(0), Timestamp(700 * MIN));
        assert_eq!(s.sessions, 600);
        assert_eq!(s.peak_concurrent, 10);
        assert_eq!(s.recommended_pool_size, 10);
        assert_eq!(s.recommended_for_clean_attribution, 40, "10 live + 30 cooling");
        assert!((s.utilization - 6000.0 / (700.0 * 12.0)).abs() < 1e-9);
        assert_eq!(s.exhaustion_rate, 0.0);
        assert_eq!(s.peak_by_hour[1].hour, "1970-01-01T01");
    }

    #[test]
    fn rare_bursts_do_not_drive_the_recommendation() {
        // 200 sessions alone, then one burst of 5 at once: 5 of 205 (2.4 %) need 5 numbers;
        // the 1 % target tolerates 2 sessions exhausted, so 3 numbers is enough.
        let mut sessions: Vec<Lease> = (0..200).map(|i| session(i, i as i64 * 20, 10)).collect();
        sessions.extend((0..5).map(|i| session(1000 + i, 5000, 10)));
        let s = analyse_sizing(&sessions, 2, 0, Timestamp(0), Timestamp(6000 * MIN));
        assert_eq!(s.peak_concurrent, 5);
        assert_eq!(s.recommended_pool_size, 3);
        let mut exhausted = sessions.clone();
        exhausted[0].shared = true;
        let s = analyse_sizing(&exhausted, 2, 0, Timestamp(0), Timestamp(6000 * MIN));
        assert_eq!(s.exhausted_sessions, 1);
        assert_eq!(analyse_sizing(&[], 3, 0, Timestamp(0), Timestamp(1)).recommended_pool_size, 1);
    }
}
