//! Lease rate limits, so one client or a bot farm cannot drain a site's pool.
//!
//! Every lease request that reaches a site's writer counts against three budgets, all sized
//! from its pool ([`Limits::for_pool`]): the client's IP address, the visitor id, and the site
//! as a whole. Over
//! any of them the visitor is not refused: they get a *limited* grant showing the site's
//! overflow number, or the business number itself (the page keeps its own number), and no
//! pool number is taken. Returning visitors served from the edge's mirror never count.
//!
//! Windows are fixed (they restart when their time is up) and live in the writer's memory: a
//! restart forgets them, which is acceptable for abuse control and keeps the lease path free of
//! extra storage writes.

use crate::support::Timestamp;
use std::collections::BTreeMap;

/// One budget: at most `max` requests per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub max: u32,
    pub window_secs: i64,
}

/// The budgets a site's leases are held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// One IP address (`CF-Connecting-IP`): generous, since an office or a phone carrier puts
    /// many people behind one address.
    pub per_ip: Budget,
    /// One visitor id: a person opens a page a few times in ten minutes, not dozens.
    pub per_visitor: Budget,
    /// The whole site: how many new leases a minute it hands out at most.
    pub per_site: Budget,
}

impl Limits {
    /// The defaults for a pool of `pool_size` numbers. In ten minutes: per IP a third of the
    /// pool (3 to 30), so one address cannot take most of it; per visitor 10. Per site, twice
    /// the pool (at least 20) a minute: more new visitors than that a minute would exhaust the
    /// pool anyway (leases last minutes), so a farm of addresses gains nothing past it.
    pub fn for_pool(pool_size: usize) -> Limits {
        let capped = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Limits {
            per_ip: Budget { max: capped(pool_size / 3).clamp(3, 30), window_secs: 600 },
            per_visitor: Budget { max: 10, window_secs: 600 },
            per_site: Budget { max: capped(pool_size.saturating_mul(2)).max(20), window_secs: 60 },
        }
    }

    /// A site's limits: [`Limits::for_pool`], with the site's own per-minute budget if set.
    ///
    /// Extension numbers raise the site's budget to at least the rate at which their
    /// extensions free up again (every extension over the extension retention): an extension
    /// stays reserved that long, so new extensions faster than that would run out anyway, and
    /// a farm of addresses gains nothing past it. The per-IP budget stays the pool's: each
    /// extension one address takes is reserved for days.
    pub fn for_site(config: &crate::SiteConfig) -> Limits {
        let mut limits = Limits::for_pool(config.pool.len());
        let extension_numbers = config.extensions.numbers.len() as u64;
        if extension_numbers > 0 {
            let rules = config.extension_rules();
            let capacity = rules.capacity().saturating_mul(extension_numbers);
            let retention_minutes = (rules.retention_secs / 60).max(1) as u64;
            let refill_rate = u32::try_from(capacity.div_ceil(retention_minutes)).unwrap_or(u32::MAX);
            limits.per_site.max = limits.per_site.max.max(refill_rate);
        }
        if let Some(max) = config.max_new_leases_per_minute {
            limits.per_site.max = max;
        }
        limits
    }
}

/// The part of an address one client controls: an IPv4 address, or an IPv6 address's /64
/// (a home or phone gets a whole /64, so counting single IPv6 addresses would let one
/// client count as billions).
fn network_of(ip: &str) -> String {
    match ip.trim().parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.trim().to_string(),
    }
}

/// Which budget a request went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    Ip,
    Visitor,
    Site,
    /// Not a budget: every number (or extension) the visitor could get is taken.
    Exhausted,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Timestamp,
    count: u32,
}

impl Window {
    fn current(&self, now: Timestamp, budget: Budget) -> u32 {
        if now.millis() - self.started.millis() >= budget.window_secs.saturating_mul(1000) {
            0
        } else {
            self.count
        }
    }
}

/// Most clients tracked at once; past it, expired windows are dropped, then the oldest.
const MAX_TRACKED: usize = 50_000;

/// The counters of one site's writer.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: BTreeMap<String, Window>,
}

impl RateLimiter {
    /// Counts a lease request from `ip` (when known) and `visitor`; `Err` names the budget it
    /// went over (a request over a budget is not counted, so a client that stops is let in
    /// again when its window ends).
    pub fn admit(
        &mut self,
        limits: &Limits,
        now: Timestamp,
        ip: Option<&str>,
        visitor: &str,
    ) -> Result<(), Over> {
        let keys: Vec<(String, Budget, Over)> = [
            Some(("site".to_string(), limits.per_site, Over::Site)),
            ip.map(|ip| (format!("ip:{}", network_of(ip)), limits.per_ip, Over::Ip)),
            Some((format!("visitor:{visitor}"), limits.per_visitor, Over::Visitor)),
        ]
        .into_iter()
        .flatten()
        .collect();
        // Per client first: one noisy client is told so without using up the site's budget.
        for (key, budget, over) in keys.iter().rev() {
            let used = self.windows.get(key).map_or(0, |w| w.current(now, *budget));
            if used >= budget.max {
                return Err(*over);
            }
        }
        for (key, budget, _) in keys {
            let window = self.windows.entry(key).or_insert(Window { started: now, count: 0 });
            if window.current(now, budget) == 0 {
                *window = Window { started: now, count: 0 };
            }
            window.count += 1;
        }
        self.bound(now, limits);
        Ok(())
    }

    fn bound(&mut self, now: Timestamp, limits: &Limits) {
        if self.windows.len() <= MAX_TRACKED {
            return;
        }
        let longest =
            limits.per_ip.window_secs.max(limits.per_visitor.window_secs).max(limits.per_site.window_secs);
        self.windows.retain(|_, w| now.millis() - w.started.millis() < longest * 1000);
        if self.windows.len() > MAX_TRACKED {
            // Still full of live windows (a flood of new clients): forget the oldest tenth at
            // once, so this sort happens once per many requests, not on each.
            let mut by_age: Vec<(Timestamp, String)> =
                self.windows.iter().map(|(k, w)| (w.started, k.clone())).collect();
            by_age.sort_unstable();
            let excess = self.windows.len() - MAX_TRACKED * 9 / 10;
            for (_, key) in by_age.into_iter().take(excess) {
                self.windows.remove(&key);
            }
        }
    }

    /// How many clients are tracked (for tests).
    pub fn tracked(&self) -> usize {
        self.windows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            per_ip: Budget { max: 5, window_secs: 600 },
            per_visitor: Budget { max: 2, window_secs: 600 },
            per_site: Budget { max: 8, window_secs: 60 },
        }
    }

    #[test]
    fn extension_numbers_widen_the_budgets_to_what_their_extensions_hold() {
        let site = |extensions: Vec<&str>, digits: u8| {
            let setup: crate::SiteSetup = serde_json::from_value(serde_json::json!({
                "business_number": "+15550100100", "pool": ["+15550100201"], "api_token": "a-long-enough-token",
                "extension_numbers": extensions, "extension_digits": digits
            }))
            .unwrap();
            Limits::for_site(&crate::SiteConfig::from_setup("s", setup).unwrap())
        };
        let none = site(vec![], 3);
        assert_eq!((none.per_ip.max, none.per_site.max), (3, 20));
        let small = site(vec!["+15550100901"], 3);
        assert_eq!((small.per_ip.max, small.per_site.max), (3, 20), "1,000 over 168 hours: the floor");
        let big = site(vec!["+15550100901", "+15550100902", "+15550100903", "+15550100904"], 5);
        assert_eq!((big.per_ip.max, big.per_site.max), (3, 40), "400,000 extensions free up at 40 a minute");
    }

    #[test]
    fn one_visitor_is_held_to_its_budget_and_let_in_again_later() {
        let (mut r, l) = (RateLimiter::default(), limits());
        let t = Timestamp(1_000_000);
        assert_eq!(r.admit(&l, t, Some("1.2.3.4"), "v1"), Ok(()));
        assert_eq!(r.admit(&l, t, Some("1.2.3.4"), "v1"), Ok(()));
        assert_eq!(r.admit(&l, t, Some("1.2.3.4"), "v1"), Err(Over::Visitor));
        assert_eq!(r.admit(&l, t, Some("1.2.3.4"), "v2"), Ok(()), "another visitor behind the same address");
        assert_eq!(r.admit(&l, t.plus_secs(600), Some("1.2.3.4"), "v1"), Ok(()), "a new window");
    }

    #[test]
    fn one_address_with_fresh_visitor_ids_is_held_to_the_address_budget() {
        let (mut r, l) = (RateLimiter::default(), limits());
        let t = Timestamp(0);
        let admitted =
            (0..20).filter(|i| r.admit(&l, t, Some("6.6.6.6"), &format!("bot-{i}")).is_ok()).count();
        assert_eq!(admitted, 5);
        assert_eq!(r.admit(&l, t, Some("6.6.6.6"), "bot-99"), Err(Over::Ip));
        assert_eq!(r.admit(&l, t, Some("7.7.7.7"), "human"), Ok(()), "other clients are unaffected");
    }

    #[test]
    fn one_ipv6_network_counts_as_one_client() {
        let (mut r, l) = (RateLimiter::default(), limits());
        let t = Timestamp(0);
        let admitted = (0..20)
            .filter(|i| r.admit(&l, t, Some(&format!("2001:db8:1:2::{i:x}")), &format!("v{i}")).is_ok())
            .count();
        assert_eq!(admitted, 5, "a /64 is one client");
        assert_eq!(r.admit(&l, t, Some("2001:db8:1:3::1"), "other"), Ok(()), "another /64 is another");
    }

    #[test]
    fn a_bot_farm_is_held_to_the_site_budget() {
        let (mut r, l) = (RateLimiter::default(), limits());
        let t = Timestamp(0);
        let admitted = (0..100)
            .filter(|i| r.admit(&l, t, Some(&format!("10.0.0.{i}")), &format!("v{i}")).is_ok())
            .count();
        assert_eq!(admitted, 8);
        assert_eq!(r.admit(&l, t.plus_secs(60), Some("10.0.1.1"), "late"), Ok(()), "the next minute");
    }

    #[test]
    fn memory_stays_bounded() {
        let mut r = RateLimiter::default();
        let l = Limits::for_pool(10);
        for i in 0..(MAX_TRACKED + 500) {
            let _ = r.admit(&l, Timestamp(i as i64), None, &format!("v{i}"));
        }
        assert!(r.tracked() <= MAX_TRACKED);
    }

    #[test]
    fn default_budgets_follow_the_pool() {
        assert_eq!((Limits::for_pool(6).per_site.max, Limits::for_pool(6).per_ip.max), (20, 3));
        assert_eq!((Limits::for_pool(1000).per_site.max, Limits::for_pool(1000).per_ip.max), (2000, 30));
    }
}
