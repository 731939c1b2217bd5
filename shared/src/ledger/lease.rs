//! Leases: lend a visitor a number (pool or static rule, within the rate limits), renew
//! and release it, and keep the session log.

use super::SiteLedger;
use crate::error::{Error, Result};
use crate::pool::Lease;
use crate::pool::LeaseRequest;
use crate::pool::Limits;
use crate::pool::Over;
use crate::pool::RateLimiter;
use crate::pool::Region;
use crate::pool::{
    is_extension_lease_id, keep_extension, lease_extension, release_extension, renew_extension,
    ExhaustionPolicy,
};
use crate::site::SiteConfig;
use crate::store::SiteStore;
use crate::support::Clock;
use crate::support::Entropy;
use crate::support::Timestamp;
use crate::traffic::static_rule_for;
use crate::traffic::StaticRule;
use crate::traffic::Touch;
use crate::traffic::TrafficSource;
use crate::traffic::Visit;
use crate::wire::LeaseCommand;
use crate::wire::LeaseGrant;
use phone::PhoneNumber;
use std::cell::RefCell;
use std::sync::Arc;

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// Lends the visitor a number (the same one while their lease is live), records the
    /// lease, and mirrors it under the number for the call path. The lease is credited to
    /// the touch the site's attribution model picks from the visitor's history; a page view
    /// reached from the site itself adds no touch.
    pub async fn lease(
        &self,
        visitor: String,
        visit: &Visit,
        region: Region,
    ) -> Result<(Lease, Arc<SiteConfig>)> {
        self.lease_line(visitor, visit, region, None).await
    }

    /// [`SiteLedger::lease`] for one of the site's business numbers (`None` or the main one:
    /// the main line): a number that stands in for that one, from its pool or static rules.
    pub async fn lease_line(
        &self,
        visitor: String,
        visit: &Visit,
        region: Region,
        business_number: Option<&PhoneNumber>,
    ) -> Result<(Lease, Arc<SiteConfig>)> {
        match self.lease_held_to(visitor, visit, region, business_number, None).await? {
            Leased::Lease(lease, config) => Ok((lease, config)),
            // Without limits only exhaustion can limit a grant.
            Leased::Limited(..) => Err(Error::PoolExhausted(self.site.to_string())),
        }
    }

    /// [`SiteLedger::lease_line`] held to the site's rate limits (`limiter`, the writer's
    /// counters; `ip`, the client's address): a visitor who holds a number on the line already
    /// is not counted; a new lease over a budget gets a limited grant (the overflow or the
    /// business number, no pool number taken), with the budget it went over.
    pub async fn lease_within(
        &self,
        visitor: String,
        visit: &Visit,
        region: Region,
        business_number: Option<&PhoneNumber>,
        limiter: &RefCell<RateLimiter>,
        ip: Option<&str>,
    ) -> Result<(LeaseGrant, Option<Over>)> {
        match self.lease_held_to(visitor, visit, region, business_number, Some((limiter, ip))).await? {
            Leased::Lease(lease, config) => Ok((LeaseGrant::new(&lease, &config), None)),
            Leased::Limited(grant, over) => Ok((grant, Some(over))),
        }
    }

    /// A lease request as the edge forwards it: the grant for its line (a source-level one
    /// without consent), and in `lines` a grant for each other line it asked for that the site
    /// has tracking numbers for (others, and lines with no number for this visit, are left
    /// out). The rate limit met, if any, is the first line's.
    pub async fn answer_lease(
        &self,
        cmd: LeaseCommand,
        limiter: &RefCell<RateLimiter>,
    ) -> Result<(LeaseGrant, Option<Over>)> {
        let ip = cmd.client_ip.as_deref();
        let (mut grant, over) = if cmd.consent {
            let line = cmd.business_number.as_ref();
            self.lease_within(cmd.visitor.clone(), &cmd.visit, cmd.region.clone(), line, limiter, ip).await?
        } else {
            (
                self.lease_unconsented(&cmd.visit, cmd.region.clone(), cmd.business_number.as_ref()).await?,
                None,
            )
        };
        for line in cmd.lines.iter().filter(|l| grant.other_business_numbers.iter().any(|o| o == l.e164())) {
            let other = if cmd.consent {
                let visitor = cmd.visitor.clone();
                let leased =
                    self.lease_within(visitor, &cmd.visit, cmd.region.clone(), Some(line), limiter, ip);
                leased.await.map(|(g, _)| g)
            } else {
                self.lease_unconsented(&cmd.visit, cmd.region.clone(), Some(line)).await
            };
            match other {
                Ok(other) => grant.lines.push(other),
                // A line that has no number for this visit (a line of static numbers none of
                // whose rules matches, every number taken): left out, the first line's lease
                // stands and the page keeps that line's own number.
                Err(e) if e.http_status() < 500 => {}
                Err(e) => return Err(e),
            }
        }
        grant.place = cmd.region.place();
        Ok((grant, over))
    }

    async fn lease_held_to(
        &self,
        visitor: String,
        visit: &Visit,
        region: Region,
        business_number: Option<&PhoneNumber>,
        limits: Option<(&RefCell<RateLimiter>, Option<&str>)>,
    ) -> Result<Leased> {
        let mut state = self.state().await?;
        let line = line_asked(&state.config, business_number)?;
        let now = self.clock.now();
        let (model, lifetime) = (state.config.attribution_model, state.config.touch_lifetime_secs);
        let this_visit = TrafficSource::from_visit(visit);
        let mut touches = self.store.load_touches(&visitor).await?;
        // One touch per page view: a page with two business numbers asks for two leases.
        if !visit.is_internal_navigation() && line.is_none() {
            touches.record(Touch { at: now, source: this_visit.clone() }, lifetime);
            self.store.save_touches(&visitor, &touches).await?;
        }
        let source = touches.credited(model, now, lifetime).map(|t| t.source.clone()).unwrap_or(this_visit);
        let rules_of_line: Vec<StaticRule> =
            state.config.static_numbers.iter().filter(|r| r.business_number == line).cloned().collect();
        if let Some(rule) = static_rule_for(&rules_of_line, &source) {
            let lease = static_lease(rule, visitor, source, region, now, state.config.lease_secs);
            self.store.record_session(&lease).await?;
            self.store.mirror_visitor(&lease.visitor, Some(&LeaseGrant::new(&lease, &state.config))).await?;
            return Ok(Leased::Lease(lease, state.config));
        }
        let extension_numbers = state.config.extensions.numbers_of(line.as_ref());
        let extension_rules = state.config.extension_rules();
        let req = LeaseRequest { visitor, source, region };
        // A visitor keeps the extension they hold (live, or still reserved for them): it takes
        // nothing new, so no limit applies.
        if !extension_numbers.is_empty() {
            if let Some(lease) = keep_extension(self.store, &req, &extension_numbers, now, &extension_rules)?
            {
                return self.extension_leased(lease, state.config).await;
            }
        }
        // Only a request that would take a number (or an extension) counts against the limits
        // (a static number takes none; a visitor's live lease is theirs already), and the
        // visit's touch is recorded either way, so attribution keeps the ad click.
        if let Some((limiter, ip)) = limits {
            if !state.pool.holds(&req.visitor, line.as_ref(), now) {
                let budget = Limits::for_site(&state.config);
                if let Err(over) = limiter.borrow_mut().admit(&budget, now, ip, &req.visitor) {
                    return Ok(Leased::Limited(LeaseGrant::limited(&state.config, line.as_ref(), now), over));
                }
            }
        }
        let pool_serves_line = state.pool.numbers().iter().any(|n| n.line.as_ref() == line.as_ref());
        if pool_serves_line || extension_numbers.is_empty() {
            match state.pool.lease_on_line(req.clone(), line.as_ref(), now, &state.config.rules(), self.site)
            {
                Ok(lease) => {
                    self.store.save(&state).await?;
                    self.store.record_session(&lease).await?;
                    self.store
                        .mirror_visitor(&lease.visitor, Some(&LeaseGrant::new(&lease, &state.config)))
                        .await?;
                    return Ok(Leased::Lease(lease, state.config));
                }
                // Every pool number is live: the site lends an extension instead (the pool
                // counted the exhaustion), or, with none on this line, the page keeps its own
                // number until it asks again.
                Err(Error::PoolExhausted(_)) if state.config.exhaustion == ExhaustionPolicy::Extension => {
                    self.store.save(&state).await?;
                    if extension_numbers.is_empty() {
                        let grant = LeaseGrant::limited(&state.config, line.as_ref(), now);
                        return Ok(Leased::Limited(grant, Over::Exhausted));
                    }
                }
                Err(e) => return Err(e),
            }
        } else {
            // A line of extension numbers only: running out of them is its exhaustion.
            state.pool.count_exhaustion();
        }
        match lease_extension(self.store, &req, &extension_numbers, now, &extension_rules, self.clock)? {
            Some(lease) => {
                // Leases long past their retention are forgotten a few at a time.
                let forget_before = now.plus_secs(-extension_rules.retention_secs - EXTENSION_HISTORY_SECS);
                self.store.prune_extension_leases(forget_before, EXTENSION_PRUNE_BATCH)?;
                self.extension_leased(lease, state.config).await
            }
            // Every extension is reserved: the page keeps its own number (and asks again in a
            // couple of minutes), no error on a customer's page.
            None => {
                if !pool_serves_line {
                    self.store.save(&state).await?;
                }
                Ok(Leased::Limited(LeaseGrant::limited(&state.config, line.as_ref(), now), Over::Exhausted))
            }
        }
    }

    /// An extension lease granted: logged as a session and mirrored for the visitor's page
    /// views (its number is everyone's: nothing is mirrored under it).
    async fn extension_leased(&self, lease: Lease, config: Arc<SiteConfig>) -> Result<Leased> {
        self.store.record_session(&lease).await?;
        self.store.mirror_visitor(&lease.visitor, Some(&LeaseGrant::new(&lease, &config))).await?;
        Ok(Leased::Lease(lease, config))
    }

    /// Heartbeat from the visitor's page: extends their live lease.
    pub async fn renew(&self, lease_id: &str, visitor: &str) -> Result<(Lease, Arc<SiteConfig>)> {
        self.renew_with_cookies(lease_id, visitor, &crate::traffic::AdIds::default()).await
    }

    /// [`SiteLedger::renew`], giving a pool lease the page's ad cookies it lacked (see
    /// `Pool::fill_ad_cookies`): a call is then sent back to GA4 and Meta with them.
    pub async fn renew_with_cookies(
        &self,
        lease_id: &str,
        visitor: &str,
        cookies: &crate::traffic::AdIds,
    ) -> Result<(Lease, Arc<SiteConfig>)> {
        if lease_id == crate::wire::LIMITED_LEASE_ID {
            // A limited grant holds nothing: it has ended, and the widget asks again.
            return Err(Error::LeaseEnded(lease_id.to_string()));
        }
        if is_extension_lease_id(lease_id) {
            let config = self.config().await?;
            let numbers: Vec<PhoneNumber> =
                config.extensions.numbers.iter().map(|e| e.number.clone()).collect();
            let lease = renew_extension(
                self.store,
                lease_id,
                visitor,
                self.clock.now(),
                &config.extension_rules(),
                &numbers,
            )?;
            self.store.record_session(&lease).await?;
            self.store.mirror_visitor(visitor, Some(&LeaseGrant::new(&lease, &config))).await?;
            return Ok((lease, config));
        }
        let mut state = self.state().await?;
        if let Some(digits) = lease_id.strip_prefix(STATIC_LEASE_PREFIX) {
            // Static numbers hold no state: renewing answers as long as the rule exists.
            let rule = state
                .config
                .static_numbers
                .iter()
                .find(|r| r.number.e164().trim_start_matches('+') == digits);
            let rule = rule.ok_or_else(|| Error::UnknownLease(lease_id.to_string()))?;
            let lease = static_lease(
                rule,
                visitor.to_string(),
                rule.credited_source(),
                Region::default(),
                self.clock.now(),
                state.config.lease_secs,
            );
            return Ok((lease, state.config));
        }
        if !cookies.is_empty() {
            state.pool.fill_ad_cookies(lease_id, visitor, cookies);
        }
        let lease = state.pool.renew(lease_id, visitor, self.clock.now(), &state.config.rules())?;
        self.store.save(&state).await?;
        self.store.record_session(&lease).await?;
        self.store.mirror_visitor(visitor, Some(&LeaseGrant::new(&lease, &state.config))).await?;
        Ok((lease, state.config))
    }

    /// The visitor's page closed: the lease ends now (its number then cools for the
    /// retention window before it is lent to someone else).
    pub async fn release(&self, lease_id: &str, visitor: &str) -> Result<Lease> {
        if lease_id == crate::wire::LIMITED_LEASE_ID {
            return Err(Error::LeaseEnded(lease_id.to_string()));
        }
        if is_extension_lease_id(lease_id) {
            let lease = release_extension(self.store, lease_id, visitor, self.clock.now())?;
            self.store.record_session(&lease).await?;
            self.store.mirror_visitor(visitor, None).await?;
            return Ok(lease);
        }
        let mut state = self.state().await?;
        if lease_id.starts_with(STATIC_LEASE_PREFIX) {
            let (lease, _) = self.renew(lease_id, visitor).await?;
            return Ok(Lease { ended_at: Some(lease.started_at), ..lease });
        }
        let lease = state.pool.release(lease_id, visitor, self.clock.now())?;
        self.store.save(&state).await?;
        self.store.record_session(&lease).await?;
        // The mirror entry of the lease's own line goes.
        let line = state.config.business_number_for(&lease.number).e164().to_string();
        self.store.unmirror_visitor(visitor, &line).await?;
        Ok(lease)
    }
}

/// The line a request asks for: `None` for the main business number (or none given), else
/// one of the site's other business numbers.
pub(super) fn line_asked(
    config: &SiteConfig,
    business_number: Option<&PhoneNumber>,
) -> Result<Option<PhoneNumber>> {
    match business_number {
        Some(b) if b == &config.business_number => Ok(None),
        Some(b) if config.business_numbers.contains(b) => Ok(Some(b.clone())),
        Some(b) => Err(Error::invalid(format!("{b} is not one of the site's business numbers"))),
        None => Ok(None),
    }
}

/// What a lease request got: a number (with the settings), or a limited grant.
#[allow(clippy::large_enum_variant)] // one short-lived value per request
enum Leased {
    Lease(Lease, Arc<SiteConfig>),
    Limited(LeaseGrant, Over),
}

/// Extension leases are kept this long past their retention (a call's late `started` event can
/// still find its session), then forgotten.
const EXTENSION_HISTORY_SECS: i64 = 24 * 3600;
/// Most old extension leases forgotten per new one.
const EXTENSION_PRUNE_BATCH: usize = 20;

/// Lease ids of static numbers: `static-15550100777`.
pub(super) const STATIC_LEASE_PREFIX: &str = "static-";

/// A grant of a static number: not stored, the same for every visitor the rule matches.
pub(super) fn static_lease(
    rule: &StaticRule,
    visitor: String,
    source: TrafficSource,
    region: Region,
    now: Timestamp,
    lease_secs: i64,
) -> Lease {
    Lease {
        id: format!("{STATIC_LEASE_PREFIX}{}", rule.number.e164().trim_start_matches('+')),
        number: rule.number.clone(),
        visitor,
        source,
        region,
        started_at: now,
        renewed_at: Some(now),
        expires_at: now.plus_secs(lease_secs),
        ended_at: None,
        shared: false,
        overflow: false,
        static_number: true,
        extension: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::CallQuery;
    use crate::calls::IncomingCall;
    use crate::ledger::testing::{run, setup, visit};
    use crate::pool::Over;
    use crate::pool::RateLimiter;
    use crate::pool::Region;
    use crate::reports::report::Dimension;
    use crate::store::LeaseStore;
    use crate::store::MemoryStore;
    use crate::support::FixedClock;
    use crate::support::Timestamp;
    use crate::traffic::Visit;
    use crate::wire::LeaseGrant;
    use phone::PhoneNumber;
    use std::cell::RefCell;

    #[test]
    fn a_script_gets_limited_grants_and_the_pool_stays_for_real_visitors() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let pool: Vec<String> = (1..=6).map(|i| format!("+1555010020{i}")).collect();
        let pool: Vec<&str> = pool.iter().map(String::as_str).collect();
        run(ledger.configure(setup(&pool))).unwrap();
        let limiter = RefCell::new(RateLimiter::default());
        let ask = |visitor: &str, ip: &str| {
            run(ledger.lease_within(
                visitor.into(),
                &visit("google"),
                Region::default(),
                None,
                &limiter,
                Some(ip),
            ))
            .unwrap()
        };
        // One address with a fresh visitor id each time: a third of the pool, then limited.
        let grants: Vec<(LeaseGrant, Option<Over>)> =
            (0..50).map(|i| ask(&format!("bot-{i}"), "6.6.6.6")).collect();
        let taken = grants.iter().filter(|(g, _)| !g.limited).count();
        assert_eq!(taken, 3, "a third of the pool, at least 3");
        let (limited, over) = &grants[49];
        assert!(
            limited.limited && limited.number == "+15550100100",
            "the page keeps its number: {limited:?}"
        );
        assert_eq!(*over, Some(Over::Ip));
        assert_eq!(limited.lease_id, crate::wire::LIMITED_LEASE_ID);
        assert_eq!(
            run(ledger.renew(&limited.lease_id, "bot-49")).unwrap_err().http_status(),
            410,
            "asks again later"
        );
        // Real visitors from other addresses still get numbers of their own, not shared.
        for i in 0..3 {
            let (grant, over) = ask(&format!("person-{i}"), &format!("1.1.1.{i}"));
            assert!(!grant.limited && !grant.shared && over.is_none(), "{grant:?}");
        }
        // A visitor asking again for the number they hold is not counted.
        for _ in 0..20 {
            let (grant, over) = ask("person-0", "1.1.1.0");
            assert!(!grant.limited && over.is_none());
        }
    }

    #[test]
    fn lease_mirrors_route_and_call_is_attributed_once() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(setup(&["+15550100201", "+15550100202"]))).unwrap();
        assert_eq!(store.owner("+15550100201").map(|r| r.site), Some("demo".into()));
        assert!(store.site_published("demo"));

        let (lease, config) =
            run(ledger.lease("visitor-1".into(), &visit("google"), Region::default())).unwrap();
        assert_eq!(config.business_number.e164(), "+15550100100");
        let route = store.owner(lease.number.e164()).expect("the number routes to the site");
        assert_eq!(route.site, "demo");
        let for_visitor = store.visitor_mirror.borrow().get("visitor-1").cloned().expect("visitor mirrored");
        assert_eq!(for_visitor.lease_id, lease.id);
        run(ledger.release(&lease.id, "visitor-1")).unwrap();
        assert!(
            store.visitor_mirror.borrow().get("visitor-1").is_none(),
            "a released lease leaves the mirror"
        );
        let (lease, _) = run(ledger.lease("visitor-1".into(), &visit("google"), Region::default())).unwrap();

        clock.advance_secs(60);
        let call = IncomingCall {
            call_sid: "CA0001".into(),
            from: "+15550009999".into(),
            to: lease.number.clone(),
            at: clock.now(),
        };
        let (rec, created) = run(ledger.record_call(call.clone())).unwrap();
        assert!(created);
        assert_eq!(rec.attribution.map(|a| a.source.source), Some("google".into()));
        clock.advance_secs(5);
        let retry = IncomingCall { at: clock.now(), ..call };
        let (kept, again) = run(ledger.record_call(retry)).unwrap();
        assert!(!again, "the same CallSid records nothing new");
        assert_eq!(kept.started_at.millis(), 1_060_000, "a retry answers with the call as first recorded");
        let all = CallQuery::parse(&[], clock.now()).unwrap();
        let page = run(ledger.query_calls(Some("demo-token-0123456789"), &all)).unwrap();
        assert_eq!((page.calls.len(), page.total), (1, 1));
        assert!(!page.calls[0].repeat, "a first-time caller");
        let query = crate::wire::ReportQuery {
            group_by: vec![Dimension::Source],
            from: Timestamp(0),
            to: clock.now().plus_secs(1),
            tz: "UTC".into(),
        };
        let rows = run(ledger.report(Some("demo-token-0123456789"), &query)).unwrap().0;
        assert_eq!((rows[0].key[0].as_str(), rows[0].calls, rows[0].sessions), ("google", 1, 1));
        assert_eq!(run(ledger.report(Some("wrong-token-0123456789"), &query)), Err(Error::Unauthorized));
        let pool = run(ledger.pool_report(Some("demo-token-0123456789"), 7)).unwrap();
        let states: Vec<&str> = pool.numbers.iter().map(|n| n.state.as_str()).collect();
        assert_eq!(states, ["live", "idle"]);
        assert_eq!((pool.sizing.sessions, pool.sizing.pool_size, pool.exhaustion_events), (1, 2, 0));

        // The same caller again, and an anonymous caller twice.
        let next = |sid: &str, from: &str| IncomingCall {
            call_sid: sid.into(),
            from: from.into(),
            to: lease.number.clone(),
            at: clock.now(),
        };
        let (again, _) = run(ledger.record_call(next("CA0002", "+15550009999"))).unwrap();
        assert_eq!(again.repeat_of.as_deref(), Some("CA0001"), "linked to the first call");
        let (third, _) = run(ledger.record_call(next("CA0003", "+15550009999"))).unwrap();
        assert_eq!(third.repeat_of.as_deref(), Some("CA0001"));
        run(ledger.record_call(next("CA0004", "anonymous"))).unwrap();
        let (anon, _) = run(ledger.record_call(next("CA0005", "anonymous"))).unwrap();
        assert_eq!(anon.repeat_of, None, "withheld numbers are never linked");
    }

    #[test]
    fn leases_are_credited_by_the_sites_attribution_model() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(setup(&["+15550100201"]))).unwrap();
        let page = |referrer: Option<&str>, source: Option<&str>| Visit {
            utm_source: source.map(Into::into),
            utm_medium: source.map(|_| "cpc".into()),
            referrer: referrer.map(Into::into),
            landing_page: Some("https://demo.example/".into()),
            ..Visit::default()
        };
        // Day 1 from an ad; day 3 typed in; then browsing the site.
        run(ledger.lease("v-model-1".into(), &page(None, Some("google")), Region::default())).unwrap();
        clock.advance_secs(2 * 24 * 3600);
        let (lease, _) = run(ledger.lease("v-model-1".into(), &page(None, None), Region::default())).unwrap();
        assert_eq!(lease.source.source, "google", "last non-direct touch is the default");
        let (lease, _) = run(ledger.lease(
            "v-model-1".into(),
            &page(Some("https://demo.example/a"), None),
            Region::default(),
        ))
        .unwrap();
        assert_eq!(lease.source.source, "google");
        assert_eq!(
            run(store.load_touches("v-model-1")).unwrap().touches().len(),
            2,
            "browsing adds no touch"
        );

        let mut last_touch = setup(&["+15550100201"]);
        last_touch.attribution_model = Some(crate::AttributionModel::LastTouch);
        run(ledger.configure(last_touch)).unwrap();
        let (lease, _) = run(ledger.lease("v-model-1".into(), &page(None, None), Region::default())).unwrap();
        assert_eq!(lease.source.source, "(direct)");
    }

    #[test]
    fn static_numbers_win_over_the_pool_and_credit_their_rule() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let mut s = setup(&["+15550100201"]);
        s.static_numbers = vec![crate::ledger::testing::static_for("+15550100777", "facebook")];
        run(ledger.configure(s)).unwrap();
        assert!(store.owner("+15550100777").is_some(), "calls to it are routed to the site");
        let (lease, _) =
            run(ledger.lease("v-static-1".into(), &visit("facebook"), Region::default())).unwrap();
        assert_eq!((lease.number.e164(), lease.static_number), ("+15550100777", true));
        let (other, _) =
            run(ledger.lease("v-static-2".into(), &visit("facebook"), Region::default())).unwrap();
        assert_eq!(other.number, lease.number, "every matching visitor sees it");
        let (pool, _) = run(ledger.lease("v-static-3".into(), &visit("google"), Region::default())).unwrap();
        assert_eq!(pool.number.e164(), "+15550100201");
        assert!(run(ledger.renew(&lease.id, "v-static-1")).is_ok());
        let call = IncomingCall {
            call_sid: "CAs1".into(),
            from: "+15550009999".into(),
            to: lease.number,
            at: clock.now(),
        };
        let (rec, _) = run(ledger.record_call(call)).unwrap();
        assert_eq!(rec.attribution, None, "no session: the number is everyone's");
        assert_eq!(rec.static_source.map(|s| s.source), Some("facebook".into()));
    }

    #[test]
    fn each_business_number_has_its_own_pool() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let service = PhoneNumber::parse("+15550100300").unwrap();
        let mut s = setup(&["+15550100201", "+15550100202"]);
        s.business_numbers = vec!["+15550100300".into(), "+15550100400".into()];
        s.pool.push(crate::ledger::testing::line_number("+15550100301", "+15550100300"));
        run(ledger.configure(s)).unwrap();
        let (main, config) =
            run(ledger.lease("v-lines-1".into(), &visit("google"), Region::default())).unwrap();
        let grant = LeaseGrant::new(&main, &config);
        assert_eq!(grant.replaces, "+15550100100");
        assert_eq!(grant.other_business_numbers, ["+15550100300"], "lines with numbers of their own");
        let (line, config) =
            run(ledger.lease_line("v-lines-1".into(), &visit("google"), Region::default(), Some(&service)))
                .unwrap();
        assert_eq!(line.number.e164(), "+15550100301", "from the service line's pool");
        let grant = LeaseGrant::new(&line, &config);
        assert_eq!(
            (grant.replaces.as_str(), grant.other_business_numbers.as_slice()),
            ("+15550100300", &["+15550100100".to_string()][..])
        );
        // Both leases stay the visitor's; another visitor gets the main pool's other number
        // and, the service pool having one number, shares it.
        let (again, _) = run(ledger.lease("v-lines-1".into(), &visit("google"), Region::default())).unwrap();
        assert_eq!(again.number, main.number);
        let (again, _) =
            run(ledger.lease_line("v-lines-1".into(), &visit("google"), Region::default(), Some(&service)))
                .unwrap();
        assert_eq!(again.number, line.number);
        let (other, _) =
            run(ledger.lease_line("v-lines-2".into(), &visit("bing"), Region::default(), Some(&service)))
                .unwrap();
        assert!(other.shared && other.number == line.number);
        let no_pool = PhoneNumber::parse("+15550100400").unwrap();
        let err =
            run(ledger.lease_line("v".into(), &visit("x"), Region::default(), Some(&no_pool))).unwrap_err();
        assert_eq!(err.http_status(), 404);
        let stranger = PhoneNumber::parse("+15550100999").unwrap();
        let err =
            run(ledger.lease_line("v".into(), &visit("x"), Region::default(), Some(&stranger))).unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert_eq!(
            store.owner("+15550100301").map(|r| r.business_number.e164().to_string()).as_deref(),
            Some("+15550100300")
        );
    }
}
