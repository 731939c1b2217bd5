//! Storage seams and the site ledger: the operations a site's single writer (its Durable
//! Object) performs, written once against small store traits so they run on the host too.

use crate::api::{CallView, CallsPage, LeaseGrant, NumberState, PoolReport};
use crate::attribution::{CallRecord, IncomingCall};
use crate::call_event::{CallEvent, EventKind};
use crate::call_import::ImportResult;
use crate::call_query::{calls_csv, CallQuery, CallRow, MAX_EXPORT_ROWS};
use crate::clock::{Clock, Timestamp};
use crate::crm::Delivery;
use crate::error::{Error, Result};
use crate::overview::{CallSummary, Overview, OverviewQuery};
use crate::phone::PhoneNumber;
use crate::pool::{Lease, LeaseRequest, Pool, Region};
use crate::rate_limit::{Limits, Over, RateLimiter};
use crate::report::{self, Dimension, RawGroup, ReportRow};
use crate::settings::SiteSettings;
use crate::site::{NumberRoute, SiteConfig, SiteSetup};
use crate::sizing;
use crate::static_number::{static_rule_for, StaticRule};
use crate::touch::{Touch, TouchHistory};
use crate::traffic::{TrafficSource, Visit};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Everything a site's writer keeps: its configuration and its pool with lease history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteState {
    pub config: SiteConfig,
    pub pool: Pool,
}

/// Where a site's state lives (Durable Object storage) and where number routes are mirrored
/// for every edge location to read (Workers KV).
#[allow(async_fn_in_trait)] // Workers and browsers are single-threaded: no Send bounds.
pub trait LeaseStore {
    async fn load(&self) -> Result<Option<SiteState>>;
    /// The site's settings alone (the call path reads them without the pool).
    async fn load_config(&self) -> Result<Option<SiteConfig>> {
        Ok(self.load().await?.map(|s| s.config))
    }
    async fn save(&self, state: &SiteState) -> Result<()>;
    async fn route_of(&self, number: &PhoneNumber) -> Result<Option<NumberRoute>>;
    async fn publish_route(&self, number: &PhoneNumber, route: &NumberRoute) -> Result<()>;
    async fn withdraw_route(&self, number: &PhoneNumber) -> Result<()>;
    /// Announces that the site exists, so edges can turn away unknown site ids without
    /// waking (or creating) a Durable Object.
    async fn publish_site(&self, config: &SiteConfig) -> Result<()>;
    /// Mirrors a visitor's current lease (or its end) so edges can serve their page views.
    async fn mirror_visitor(&self, visitor: &str, grant: Option<&LeaseGrant>) -> Result<()>;
    /// The visitor's touches (empty for a new visitor).
    async fn load_touches(&self, visitor: &str) -> Result<TouchHistory>;
    async fn save_touches(&self, visitor: &str, touches: &TouchHistory) -> Result<()>;
    /// Keeps the session log (every lease, kept for reports after the pool forgets it).
    async fn record_session(&self, lease: &Lease) -> Result<()>;
    /// Sessions that started in `[from, to)`, at most `limit`.
    async fn sessions_between(&self, from: Timestamp, to: Timestamp, limit: usize) -> Result<Vec<Lease>>;
    /// Sessions that started in `[from, to)`, counted per group (see [`report::sql::sessions`]).
    async fn session_groups(
        &self,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RawGroup>>;
}

/// Where a site's calls are recorded.
#[allow(async_fn_in_trait)]
pub trait CallStore {
    /// Stores the call, replacing the one with the same `call_sid`.
    async fn save_call(&self, call: &CallRecord) -> Result<()>;
    /// The call with this id, if recorded.
    async fn find_call(&self, call_sid: &str) -> Result<Option<CallRecord>>;
    /// The earliest recorded call from this caller.
    async fn first_call_from(&self, from: &str) -> Result<Option<CallRecord>>;
    /// Counts of the calls that started in `[from, to)` (see [`CallSummary`]).
    async fn call_summary(&self, from: Timestamp, to: Timestamp, qualify_secs: u32) -> Result<CallSummary>;
    /// The calls `query` selects (its range and filters, `qualify_secs` being the site's
    /// qualified-call threshold) in its order, `limit` of them from `offset`; and how many it
    /// selects in all.
    async fn query_calls(
        &self,
        query: &CallQuery,
        qualify_secs: u32,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<CallRecord>, u64)>;
    /// Calls that started in `[from, to)`, counted per group (see [`report::sql::calls`]).
    async fn call_groups(
        &self,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
        qualify_secs: u32,
    ) -> Result<Vec<RawGroup>>;
    /// Queues a CRM delivery unless one with its id exists; `true` if it was new.
    async fn enqueue_delivery(&self, delivery: &Delivery) -> Result<bool>;
    async fn save_delivery(&self, delivery: &Delivery) -> Result<()>;
    /// Pending deliveries due at `now`, oldest first, at most `limit`.
    async fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>>;
    async fn deliveries_of(&self, call_sid: &str) -> Result<Vec<Delivery>>;
    /// When the next pending delivery is due.
    async fn next_delivery_at(&self) -> Result<Option<Timestamp>>;
}

/// The operations of one site, over its stores and a clock.
pub struct SiteLedger<'a, S, C> {
    pub(crate) site: &'a str,
    pub(crate) store: &'a S,
    pub(crate) clock: &'a C,
}

impl<'a, S: LeaseStore + CallStore, C: Clock> SiteLedger<'a, S, C> {
    pub fn new(site: &'a str, store: &'a S, clock: &'a C) -> Self {
        SiteLedger { site, store, clock }
    }

    pub(crate) async fn state(&self) -> Result<SiteState> {
        self.store.load().await?.ok_or_else(|| Error::UnknownSite(self.site.to_string()))
    }

    /// Creates or updates the site. Keeps the lease history of numbers that stay; refuses a
    /// number that already belongs to another site.
    pub async fn configure(&self, setup: SiteSetup) -> Result<SiteConfig> {
        self.apply(|_| Ok(setup.clone()), false).await
    }

    /// [`SiteLedger::configure`] with the setup `change` makes of the stored settings (`None`:
    /// no site yet). `change` runs on the state as read before the route checks and again on
    /// the state as read right before writing, so a change made meanwhile (a lease, another
    /// save, a number added) is built upon, not overwritten. `new_only`: refuse if the site
    /// exists (checked again right before writing, so two creations cannot both win).
    async fn apply(
        &self,
        change: impl Fn(Option<&SiteConfig>) -> Result<SiteSetup>,
        new_only: bool,
    ) -> Result<SiteConfig> {
        let exists = || {
            Error::Conflict(format!(
                "site {:?} already exists; change it with PATCH /v1/sites/{0}/settings or rotate its token",
                self.site
            ))
            .at("site")
        };
        let checked = self.store.load().await?;
        if new_only && checked.is_some() {
            return Err(exists());
        }
        let before = checked.as_ref().map(|s| &s.config);
        let config = SiteConfig::from_setup_over(self.site, change(before)?, before)?;
        let routed = config.routed_numbers();
        for number in &routed {
            if let Some(route) = self.store.route_of(number).await? {
                if route.site != self.site {
                    let conflict =
                        Error::Conflict(format!("{number} is already a tracking number of another site"));
                    return Err(conflict.at(config.field_of(number)));
                }
            }
        }
        // The route checks above wait on the KV mirror, and a Durable Object serves other
        // requests meanwhile (a lease, another save). So the state is read again and the new
        // one written from it with no wait in between: nothing that happened is overwritten.
        let previous = self.store.load().await?;
        if new_only && previous.is_some() {
            return Err(exists());
        }
        let now_stored = previous.as_ref().map(|s| &s.config);
        let config = SiteConfig::from_setup_over(self.site, change(now_stored)?, now_stored)?;
        // (Numbers a change made meanwhile routes were checked by that change.)
        let routed = config.routed_numbers();
        let mut pool = previous.as_ref().map(|s| s.pool.clone()).unwrap_or_default();
        pool.set_numbers(config.pool.iter().map(|e| (e.number.clone(), e.region.clone())));
        pool.set_lines(config.pool.iter().map(|e| (e.number.clone(), e.business_number.clone())));
        let state = SiteState { config: config.clone(), pool };
        self.store.save(&state).await?;
        self.store.publish_site(&state.config).await?;
        let now = self.clock.now();
        for number in &routed {
            let lease = state.pool.holders_at(number, now, config.retention_secs).map(|h| h.holder.clone());
            self.publish(&state.config, number, lease).await?;
        }
        if let Some(prev) = previous {
            for gone in prev.config.routed_numbers().iter().filter(|n| !routed.contains(n)) {
                self.store.withdraw_route(gone).await?;
            }
        }
        Ok(config)
    }

    /// Creates a new site (the admin API); an id already in use is refused, so creating can
    /// never overwrite a site or its token.
    pub async fn create(&self, setup: SiteSetup) -> Result<SiteConfig> {
        if setup.api_token.is_none() {
            return Err(Error::invalid("a new site needs an api_token").at("api_token"));
        }
        self.apply(|_| Ok(setup.clone()), true).await
    }

    /// Replaces the site's API token (the admin API): the old one stops working at once.
    pub async fn rotate_token(&self, new_token: &str) -> Result<()> {
        let mut state = self.state().await?;
        if new_token.chars().count() < crate::site::MIN_TOKEN_LEN {
            return Err(Error::invalid("api_token is too short").at("api_token"));
        }
        state.config.api_token_sha256 = crate::site::hash_token(new_token);
        self.store.save(&state).await
    }

    /// Adds a tracking number to the site's pool (the admin API), with the checks of any
    /// settings change (valid, not the site's twice, not another site's).
    pub async fn add_number(&self, entry: crate::site::PoolEntrySetup) -> Result<SiteSettings> {
        let field = std::cell::RefCell::new(String::new());
        let change = |stored: Option<&SiteConfig>| {
            let stored = stored.ok_or_else(|| Error::UnknownSite(self.site.to_string()))?;
            let mut settings = SiteSettings::of(stored);
            settings.pool.push(entry.clone());
            *field.borrow_mut() = format!("pool[{}]", settings.pool.len() - 1);
            Ok(settings.into_setup())
        };
        let added = self.apply(change, false).await;
        let field = field.into_inner();
        let config = added.map_err(|e| match e {
            // The new entry is the only one that can be wrong: name its field as the request did.
            Error::AtField { field: f, error } if f.starts_with(&field) => {
                let rest = f[field.len()..].trim_start_matches('.');
                Error::AtField { field: if rest.is_empty() { "number".into() } else { rest.into() }, error }
            }
            other => other,
        })?;
        Ok(SiteSettings::of(&config))
    }

    /// Takes a tracking number out of the site's pool (the admin API). Its calls and sessions
    /// stay; calls to it stop routing to the site.
    pub async fn remove_number(&self, number: &PhoneNumber) -> Result<SiteSettings> {
        let change = |stored: Option<&SiteConfig>| {
            let stored = stored.ok_or_else(|| Error::UnknownSite(self.site.to_string()))?;
            if !stored.pool.iter().any(|e| &e.number == number) {
                return Err(Error::NotFound(format!("{number} is not in this site's pool")));
            }
            let mut settings = SiteSettings::of(stored);
            settings.pool.retain(|e| match e {
                crate::site::PoolEntrySetup::Number(n)
                | crate::site::PoolEntrySetup::Detailed { number: n, .. } => {
                    PhoneNumber::parse(n).ok().as_ref() != Some(number)
                }
            });
            Ok(settings.into_setup())
        };
        let config = self.apply(change, false).await?;
        Ok(SiteSettings::of(&config))
    }

    /// `Ok` when `token` is the site's API token (401 otherwise, also for a site that does not
    /// exist).
    pub async fn authorize(&self, token: Option<&str>) -> Result<()> {
        self.authorized_config(token).await.map(drop)
    }

    /// The site's settings for its owner (no token, no secrets).
    pub async fn settings(&self, token: Option<&str>) -> Result<SiteSettings> {
        Ok(SiteSettings::of(&self.authorized_config(token).await?))
    }

    /// Applies the owner's change (a `PATCH` body, see [`SiteSettings::patched`]) through the
    /// same checks and the same path as the admin's [`SiteLedger::configure`], keeping the
    /// site's token; answers the settings as now stored.
    pub async fn update_settings(&self, token: Option<&str>, patch: &[u8]) -> Result<SiteSettings> {
        self.authorized_config(token).await?;
        // The patch applies to the settings as stored when it is written (see `apply`).
        let change = |stored: Option<&SiteConfig>| {
            let stored = stored.ok_or_else(|| Error::UnknownSite(self.site.to_string()))?;
            Ok(SiteSettings::of(stored).patched(patch)?.into_setup())
        };
        let config = self.apply(change, false).await?;
        Ok(SiteSettings::of(&config))
    }

    async fn publish(&self, config: &SiteConfig, number: &PhoneNumber, lease: Option<Lease>) -> Result<()> {
        let route = NumberRoute {
            site: self.site.to_string(),
            business_number: config.business_number_for(number).clone(),
            lease,
        };
        self.store.publish_route(number, &route).await
    }

    /// Lends the visitor a number (the same one while their lease is live), records the
    /// lease, and mirrors it under the number for the call path. The lease is credited to
    /// the touch the site's attribution model picks from the visitor's history; a page view
    /// reached from the site itself adds no touch.
    pub async fn lease(&self, visitor: String, visit: &Visit, region: Region) -> Result<(Lease, SiteConfig)> {
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
    ) -> Result<(Lease, SiteConfig)> {
        match self.lease_held_to(visitor, visit, region, business_number, None).await? {
            Leased::Lease(lease, config) => Ok((lease, config)),
            Leased::Limited(..) => Err(Error::Storage("a lease without limits was limited".into())),
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

    async fn lease_held_to(
        &self,
        visitor: String,
        visit: &Visit,
        region: Region,
        business_number: Option<&PhoneNumber>,
        limits: Option<(&RefCell<RateLimiter>, Option<&str>)>,
    ) -> Result<Leased> {
        let mut state = self.state().await?;
        let line = match business_number {
            Some(b) if b == &state.config.business_number => None,
            Some(b) if state.config.business_numbers.contains(b) => Some(b.clone()),
            Some(b) => return Err(Error::invalid(format!("{b} is not one of the site's business numbers"))),
            None => None,
        };
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
        // Only a request that would take a pool number counts against the limits (a static
        // number takes none; a visitor's live lease is theirs already), and the visit's touch
        // is recorded either way, so attribution keeps the ad click.
        if let Some((limiter, ip)) = limits {
            if !state.pool.holds(&visitor, line.as_ref(), now) {
                let budget = Limits::for_site(&state.config);
                if let Err(over) = limiter.borrow_mut().admit(&budget, now, ip, &visitor) {
                    return Ok(Leased::Limited(LeaseGrant::limited(&state.config, line.as_ref(), now), over));
                }
            }
        }
        let req = LeaseRequest { visitor, source, region };
        let lease = state.pool.lease_on_line(req, line.as_ref(), now, &state.config.rules(), self.site)?;
        self.store.save(&state).await?;
        self.store.record_session(&lease).await?;
        self.store.mirror_visitor(&lease.visitor, Some(&LeaseGrant::new(&lease, &state.config))).await?;
        self.publish(&state.config, &lease.number, Some(lease.clone())).await?;
        Ok(Leased::Lease(lease, state.config))
    }

    /// Heartbeat from the visitor's page: extends their live lease.
    pub async fn renew(&self, lease_id: &str, visitor: &str) -> Result<(Lease, SiteConfig)> {
        if lease_id == crate::api::LIMITED_LEASE_ID {
            // A limited grant holds nothing: it has ended, and the widget asks again.
            return Err(Error::LeaseEnded(lease_id.to_string()));
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
        let lease = state.pool.renew(lease_id, visitor, self.clock.now(), &state.config.rules())?;
        self.store.save(&state).await?;
        self.store.record_session(&lease).await?;
        self.store.mirror_visitor(visitor, Some(&LeaseGrant::new(&lease, &state.config))).await?;
        self.publish(&state.config, &lease.number, Some(lease.clone())).await?;
        Ok((lease, state.config))
    }

    /// The visitor's page closed: the lease ends now (its number then cools for the
    /// retention window before it is lent to someone else).
    pub async fn release(&self, lease_id: &str, visitor: &str) -> Result<Lease> {
        if lease_id == crate::api::LIMITED_LEASE_ID {
            return Err(Error::LeaseEnded(lease_id.to_string()));
        }
        let mut state = self.state().await?;
        if lease_id.starts_with(STATIC_LEASE_PREFIX) {
            let (lease, _) = self.renew(lease_id, visitor).await?;
            return Ok(Lease { ended_at: Some(lease.started_at), ..lease });
        }
        let lease = state.pool.release(lease_id, visitor, self.clock.now())?;
        self.store.save(&state).await?;
        self.store.record_session(&lease).await?;
        self.store.mirror_visitor(visitor, None).await?;
        self.publish(&state.config, &lease.number, Some(lease.clone())).await?;
        Ok(lease)
    }

    /// Records a call once per `call_sid`, credited to the session that held the number
    /// when it started. Returns the stored record and whether this request created it.
    pub async fn record_call(&self, call: IncomingCall) -> Result<(CallRecord, bool)> {
        let existed = self.store.find_call(&call.call_sid).await?.is_some();
        let event = CallEvent {
            call_sid: call.call_sid,
            provider: "api".into(),
            at: call.at,
            from: Some(call.from),
            to: call.to,
            kind: EventKind::Started,
        };
        let (record, _) = self.record_event(event).await?;
        Ok((record, !existed))
    }

    pub(crate) async fn config(&self) -> Result<SiteConfig> {
        self.store.load_config().await?.ok_or_else(|| Error::UnknownSite(self.site.to_string()))
    }

    /// The site's settings, for a caller holding its API token.
    pub(crate) async fn authorized_config(&self, token: Option<&str>) -> Result<SiteConfig> {
        let config = self.config().await.map_err(|_| Error::Unauthorized)?;
        match token {
            Some(t) if config.token_matches(t) => Ok(config),
            _ => Err(Error::Unauthorized),
        }
    }

    pub(crate) async fn authorized(&self, token: Option<&str>) -> Result<SiteState> {
        let state = self.state().await.map_err(|_| Error::Unauthorized)?;
        match token {
            Some(t) if state.config.token_matches(t) => Ok(state),
            _ => Err(Error::Unauthorized),
        }
    }

    /// One page of the calls `query` selects, for a caller holding the site's API token.
    pub async fn query_calls(&self, token: Option<&str>, query: &CallQuery) -> Result<CallsPage> {
        let config = self.authorized_config(token).await?;
        let (calls, total) =
            self.store.query_calls(query, config.qualify_secs, query.offset(), query.per_page).await?;
        Ok(CallsPage {
            calls: calls.iter().map(|c| CallView::of(c, config.qualify_secs)).collect(),
            total,
            page: query.page,
            per_page: query.per_page,
        })
    }

    /// Calls brought over from another tool (already checked: [`crate::call_import`]), for the
    /// site's token. A call id the site has is skipped; a caller's earlier call makes a repeat.
    pub async fn import_calls(&self, token: Option<&str>, calls: Vec<CallRecord>) -> Result<ImportResult> {
        self.authorized_config(token).await?;
        let mut result = ImportResult { imported: 0, skipped: 0 };
        for mut call in calls {
            if self.store.find_call(&call.call_sid).await?.is_some() {
                result.skipped += 1;
                continue;
            }
            if crate::attribution::identifiable_caller(&call.from) {
                let first = self.store.first_call_from(&call.from).await?;
                call.repeat_of = first.filter(|f| f.started_at < call.started_at).map(|f| f.call_sid);
            }
            self.store.save_call(&call).await?;
            result.imported += 1;
        }
        Ok(result)
    }

    /// The overview of `query`'s period against the period before, for the site's token.
    pub async fn overview(&self, token: Option<&str>, query: &OverviewQuery) -> Result<Overview> {
        let config = self.authorized_config(token).await?;
        let period = self.store.call_summary(query.from, query.to, config.qualify_secs).await?;
        let (from, to) = query.previous();
        let previous = self.store.call_summary(from, to, config.qualify_secs).await?;
        Overview::build(query, period, previous)
    }

    /// Every call `query` selects (up to [`MAX_EXPORT_ROWS`], from its first page on) as CSV.
    pub async fn export_calls(&self, token: Option<&str>, query: &CallQuery) -> Result<String> {
        let config = self.authorized_config(token).await?;
        let (calls, _) = self.store.query_calls(query, config.qualify_secs, 0, MAX_EXPORT_ROWS).await?;
        Ok(calls_csv(&calls.iter().map(|c| CallView::of(c, config.qualify_secs)).collect::<Vec<_>>()))
    }

    /// Each number's state and how well the pool fits the last `days` days of sessions.
    pub async fn pool_report(&self, token: Option<&str>, days: u32) -> Result<PoolReport> {
        let state = self.authorized(token).await?;
        let now = self.clock.now();
        let from = now.plus_secs(-i64::from(days) * 24 * 3600);
        let retention = state.config.retention_secs;
        let sessions = self.store.sessions_between(from, now.plus_secs(1), REPORT_ROW_LIMIT).await?;
        let numbers = state
            .pool
            .numbers()
            .iter()
            .map(|n| {
                let holder = state.pool.holders_at(&n.number, now, retention);
                let (label, until) = match &holder {
                    Some(h) if !h.late => ("live", Some(h.holder.ends_at())),
                    Some(h) => ("cooling", Some(h.holder.ends_at().plus_secs(retention))),
                    None => ("idle", None),
                };
                NumberState {
                    number: n.number.e164().to_string(),
                    region: n.region.clone(),
                    state: label.into(),
                    until,
                    holder_source: holder.as_ref().map(|h| {
                        let s = &h.holder.source;
                        format!("{} / {} ({})", s.source, s.medium, s.channel.label())
                    }),
                    business_number: n.line.as_ref().map(|l| l.e164().to_string()),
                }
            })
            .collect();
        let size = u32::try_from(state.pool.numbers().len()).unwrap_or(u32::MAX);
        Ok(PoolReport {
            numbers,
            exhaustion_events: state.pool.exhaustion_events(),
            days,
            sizing: sizing::analyse(&sessions, size, retention, from, now.plus_secs(1)),
        })
    }

    /// Calls and sessions in `[from, to)` grouped by `group_by`.
    pub async fn report(
        &self,
        token: Option<&str>,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ReportRow>> {
        let config = self.authorized_config(token).await?;
        let calls = self.store.call_groups(group_by, from, to, config.qualify_secs).await?;
        let sessions = self.store.session_groups(group_by, from, to).await?;
        Ok(report::build_from_groups(group_by, calls, sessions))
    }
}

/// What a lease request got: a number (with the settings), or a limited grant.
#[allow(clippy::large_enum_variant)] // one short-lived value per request
enum Leased {
    Lease(Lease, SiteConfig),
    Limited(LeaseGrant, Over),
}

/// Most sessions the pool's sizing reads.
const REPORT_ROW_LIMIT: usize = 200_000;

/// Lease ids of static numbers: `static-15550100777`.
const STATIC_LEASE_PREFIX: &str = "static-";

/// A grant of a static number: not stored, the same for every visitor the rule matches.
fn static_lease(
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
    }
}

/// The session log's key: a pool lease's id; static numbers are one session per visitor.
pub fn session_key(lease: &Lease) -> String {
    if lease.static_number {
        format!("{}/{}", lease.id, lease.visitor)
    } else {
        lease.id.clone()
    }
}

/// In-memory stores for host tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RefCell<Option<SiteState>>,
    routes: RefCell<BTreeMap<String, NumberRoute>>,
    sites: RefCell<BTreeMap<String, SiteConfig>>,
    touches: RefCell<BTreeMap<String, TouchHistory>>,
    sessions: RefCell<BTreeMap<String, Lease>>,
    visitor_mirror: RefCell<BTreeMap<String, LeaseGrant>>,
    calls: RefCell<Vec<CallRecord>>,
    deliveries: RefCell<Vec<Delivery>>,
}

impl MemoryStore {
    pub fn route(&self, number: &str) -> Option<NumberRoute> {
        self.routes.borrow().get(number).cloned()
    }

    pub fn site_published(&self, site: &str) -> bool {
        self.sites.borrow().contains_key(site)
    }
}

impl LeaseStore for MemoryStore {
    async fn load(&self) -> Result<Option<SiteState>> {
        Ok(self.state.borrow().clone())
    }
    async fn save(&self, state: &SiteState) -> Result<()> {
        *self.state.borrow_mut() = Some(state.clone());
        Ok(())
    }
    async fn route_of(&self, number: &PhoneNumber) -> Result<Option<NumberRoute>> {
        Ok(self.route(number.e164()))
    }
    async fn publish_route(&self, number: &PhoneNumber, route: &NumberRoute) -> Result<()> {
        self.routes.borrow_mut().insert(number.e164().to_string(), route.clone());
        Ok(())
    }
    async fn withdraw_route(&self, number: &PhoneNumber) -> Result<()> {
        self.routes.borrow_mut().remove(number.e164());
        Ok(())
    }
    async fn publish_site(&self, config: &SiteConfig) -> Result<()> {
        self.sites.borrow_mut().insert(config.id.clone(), config.clone());
        Ok(())
    }
    async fn load_touches(&self, visitor: &str) -> Result<TouchHistory> {
        Ok(self.touches.borrow().get(visitor).cloned().unwrap_or_default())
    }
    async fn save_touches(&self, visitor: &str, touches: &TouchHistory) -> Result<()> {
        self.touches.borrow_mut().insert(visitor.to_string(), touches.clone());
        Ok(())
    }
    async fn mirror_visitor(&self, visitor: &str, grant: Option<&LeaseGrant>) -> Result<()> {
        let mut mirror = self.visitor_mirror.borrow_mut();
        match grant {
            Some(g) => mirror.insert(visitor.to_string(), g.clone()),
            None => mirror.remove(visitor),
        };
        Ok(())
    }
    async fn record_session(&self, lease: &Lease) -> Result<()> {
        self.sessions.borrow_mut().insert(session_key(lease), lease.clone());
        Ok(())
    }
    async fn sessions_between(&self, from: Timestamp, to: Timestamp, limit: usize) -> Result<Vec<Lease>> {
        let sessions = self.sessions.borrow();
        Ok(sessions
            .values()
            .filter(|l| from <= l.started_at && l.started_at < to)
            .take(limit)
            .cloned()
            .collect())
    }
    async fn session_groups(
        &self,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RawGroup>> {
        let sessions = self.sessions_between(from, to, usize::MAX).await?;
        Ok(report::raw_groups(group_by, &[], &sessions, 0).1)
    }
}

impl MemoryStore {
    /// Every call stored, newest first (for tests to look at).
    pub fn all_calls(&self) -> Vec<CallRecord> {
        let mut calls = self.calls.borrow().clone();
        calls.sort_by_key(|c| std::cmp::Reverse(c.started_at));
        calls
    }
}

impl CallStore for MemoryStore {
    async fn save_call(&self, call: &CallRecord) -> Result<()> {
        let mut calls = self.calls.borrow_mut();
        match calls.iter_mut().find(|c| c.call_sid == call.call_sid) {
            Some(c) => *c = call.clone(),
            None => calls.push(call.clone()),
        }
        Ok(())
    }
    async fn enqueue_delivery(&self, delivery: &Delivery) -> Result<bool> {
        let mut all = self.deliveries.borrow_mut();
        if all.iter().any(|d| d.id == delivery.id) {
            return Ok(false);
        }
        all.push(delivery.clone());
        Ok(true)
    }
    async fn save_delivery(&self, delivery: &Delivery) -> Result<()> {
        if let Some(d) = self.deliveries.borrow_mut().iter_mut().find(|d| d.id == delivery.id) {
            *d = delivery.clone();
        }
        Ok(())
    }
    async fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>> {
        let all = self.deliveries.borrow();
        Ok(all.iter().filter(|d| d.next_at.is_some_and(|t| t <= now)).take(limit).cloned().collect())
    }
    async fn deliveries_of(&self, call_sid: &str) -> Result<Vec<Delivery>> {
        Ok(self.deliveries.borrow().iter().filter(|d| d.call_sid == call_sid).cloned().collect())
    }
    async fn next_delivery_at(&self) -> Result<Option<Timestamp>> {
        Ok(self.deliveries.borrow().iter().filter_map(|d| d.next_at).min())
    }
    async fn find_call(&self, call_sid: &str) -> Result<Option<CallRecord>> {
        Ok(self.calls.borrow().iter().find(|c| c.call_sid == call_sid).cloned())
    }
    async fn first_call_from(&self, from: &str) -> Result<Option<CallRecord>> {
        Ok(self.calls.borrow().iter().filter(|c| c.from == from).min_by_key(|c| c.started_at).cloned())
    }
    async fn call_groups(
        &self,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
        qualify_secs: u32,
    ) -> Result<Vec<RawGroup>> {
        let calls: Vec<CallRecord> = self
            .calls
            .borrow()
            .iter()
            .filter(|c| from <= c.started_at && c.started_at < to)
            .cloned()
            .collect();
        Ok(report::raw_groups(group_by, &calls, &[], qualify_secs).0)
    }
    async fn call_summary(&self, from: Timestamp, to: Timestamp, qualify_secs: u32) -> Result<CallSummary> {
        let calls = self.calls.borrow();
        let rows: Vec<CallRow> =
            calls.iter().filter(|c| from <= c.started_at && c.started_at < to).map(CallRow::of).collect();
        Ok(CallSummary::of_rows(rows.iter(), qualify_secs))
    }
    async fn query_calls(
        &self,
        query: &CallQuery,
        qualify_secs: u32,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<CallRecord>, u64)> {
        let calls = self.calls.borrow();
        let mut rows: Vec<CallRow> =
            calls.iter().map(CallRow::of).filter(|r| query.matches(r, qualify_secs)).collect();
        query.sort_rows(&mut rows);
        let total = rows.len() as u64;
        let page = rows
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(limit as usize)
            .filter_map(|r| calls.iter().find(|c| c.call_sid == r.call_sid).cloned())
            .collect();
        Ok((page, total))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// The memory store never waits, so one poll finishes every future.
    pub(crate) fn run<F: Future>(f: F) -> F::Output {
        match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("memory store futures are always ready"),
        }
    }

    pub(crate) fn setup(pool: &[&str]) -> SiteSetup {
        SiteSetup {
            name: Some("Demo Plumbing".into()),
            business_number: "+15550100100".into(),
            pool: pool.iter().map(|s| crate::site::PoolEntrySetup::Number(s.to_string())).collect(),
            home_region: None,
            retention_minutes: None,
            exhaustion: None,
            overflow_number: None,
            static_numbers: Vec::new(),
            qualified_talk_seconds: None,
            api_token: Some("demo-token-0123456789".into()),
            lease_minutes: Some(15),
            ..SiteSetup::default()
        }
    }

    #[test]
    fn owners_change_settings_without_losing_leases_or_the_token() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_000_000);
        // Another site's number (its own store is another object; here the state is reset).
        run(SiteLedger::new("other", &store, &clock).configure(setup(&["+15550100301"]))).unwrap();
        *store.state.borrow_mut() = None;
        let ledger = SiteLedger::new("demo", &store, &clock);
        let mut mine = setup(&["+15550100201", "+15550100202"]);
        mine.api_token = Some("mine-token-0123456789".into());
        run(ledger.configure(mine)).unwrap();
        let (lease, _) = run(ledger.lease("visitor-1".into(), &visit("google"), Region::default())).unwrap();
        let token = Some("mine-token-0123456789");

        assert_eq!(run(ledger.settings(None)), Err(Error::Unauthorized));
        assert_eq!(run(ledger.settings(Some("demo-token-0123456789"))), Err(Error::Unauthorized));
        assert_eq!(
            run(ledger.update_settings(Some("demo-token-0123456789"), b"{}")),
            Err(Error::Unauthorized)
        );
        let before = run(ledger.settings(token)).unwrap();
        assert_eq!(before.lease_minutes, 15);

        let after = run(
            ledger.update_settings(token, br#"{"lease_minutes": 40, "name": "Demo Plumbing & Heating"}"#)
        )
        .unwrap();
        assert_eq!((after.lease_minutes, after.name.as_str()), (40, "Demo Plumbing & Heating"));
        assert_eq!(run(ledger.settings(token)).unwrap(), after, "saved");
        let held = store.route(lease.number.e164()).and_then(|r| r.lease).expect("the lease survives");
        assert_eq!(held.id, lease.id);

        let taken = br#"{"pool": [{"number": "+15550100201"}, {"number": "+15550100301"}]}"#;
        let err = run(ledger.update_settings(token, taken)).unwrap_err();
        assert_eq!((err.http_status(), err.field()), (409, Some("pool[1]")));
        assert_eq!(run(ledger.settings(token)).unwrap(), after, "a refused change changes nothing");
        assert_eq!(store.route("+15550100301").map(|r| r.site), Some("other".into()));
    }

    #[test]
    fn the_admin_creates_sites_rotates_tokens_and_manages_numbers() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_000_000);
        run(SiteLedger::new("other", &store, &clock).configure(setup(&["+15550100301"]))).unwrap();
        *store.state.borrow_mut() = None;
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.create(setup(&["+15550100201"]))).unwrap();
        let again = run(ledger.create(setup(&["+15550100202"]))).unwrap_err();
        assert_eq!((again.http_status(), again.field()), (409, Some("site")), "no overwrite");
        assert_eq!(run(ledger.config()).unwrap().pool.len(), 1);

        let old = Some("demo-token-0123456789");
        run(ledger.settings(old)).unwrap();
        run(ledger.rotate_token("rotated-token-0123456789")).unwrap();
        assert_eq!(run(ledger.settings(old)), Err(Error::Unauthorized), "the old token stops at once");
        run(ledger.settings(Some("rotated-token-0123456789"))).unwrap();
        assert_eq!(run(ledger.rotate_token("short")).unwrap_err().http_status(), 400);

        let entry = |n: &str, region: Option<&str>| crate::site::PoolEntrySetup::Detailed {
            number: n.into(),
            region: region.map(str::to_string),
            business_number: None,
        };
        let added = run(ledger.add_number(entry("+1 555 010 0202", Some("us-tx")))).unwrap();
        assert_eq!(added.pool.len(), 2);
        assert!(store.route("+15550100202").is_some(), "the new number routes to the site");
        for (bad, status, field) in [
            (entry("+15550100202", None), 400, "number"),
            (entry("+15550100301", None), 409, "number"),
            (entry("+15550100203", Some("Texas")), 400, "region"),
            (entry("call us", None), 400, "number"),
        ] {
            let err = run(ledger.add_number(bad)).unwrap_err();
            assert_eq!((err.http_status(), err.field()), (status, Some(field)), "{err}");
        }
        let removed = run(ledger.remove_number(&PhoneNumber::parse("+15550100201").unwrap())).unwrap();
        assert_eq!(removed.pool.len(), 1);
        assert!(store.route("+15550100201").is_none(), "a removed number stops routing");
        let missing = run(ledger.remove_number(&PhoneNumber::parse("+15550100299").unwrap())).unwrap_err();
        assert_eq!(missing.http_status(), 404);
        let last = run(ledger.remove_number(&PhoneNumber::parse("+15550100202").unwrap())).unwrap_err();
        assert_eq!((last.http_status(), last.field()), (400, Some("pool")), "a pool keeps one number");
    }

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
        assert_eq!(limited.lease_id, crate::api::LIMITED_LEASE_ID);
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

    fn visit(source: &str) -> Visit {
        Visit { utm_source: Some(source.into()), utm_medium: Some("cpc".into()), ..Visit::default() }
    }

    #[test]
    fn lease_mirrors_route_and_call_is_attributed_once() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(setup(&["+15550100201", "+15550100202"]))).unwrap();
        assert_eq!(store.route("+15550100201").map(|r| r.site), Some("demo".into()));
        assert!(store.site_published("demo"));

        let (lease, config) =
            run(ledger.lease("visitor-1".into(), &visit("google"), Region::default())).unwrap();
        assert_eq!(config.business_number.e164(), "+15550100100");
        let mirrored = store.route(lease.number.e164()).and_then(|r| r.lease).expect("lease mirrored");
        assert_eq!(mirrored.visitor, "visitor-1");
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
        let rows = run(ledger.report(
            Some("demo-token-0123456789"),
            &[Dimension::Source],
            Timestamp(0),
            clock.now().plus_secs(1),
        ))
        .unwrap();
        assert_eq!((rows[0].key[0].as_str(), rows[0].calls, rows[0].sessions), ("google", 1, 1));
        assert_eq!(
            run(ledger.report(
                Some("wrong-token-0123456789"),
                &[Dimension::Source],
                Timestamp(0),
                clock.now()
            )),
            Err(Error::Unauthorized)
        );
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
        s.static_numbers = vec![crate::StaticRuleSetup {
            number: "+15550100777".into(),
            channel: None,
            utm_source: Some("facebook".into()),
            business_number: None,
            utm_medium: None,
            utm_campaign: None,
        }];
        run(ledger.configure(s)).unwrap();
        assert!(store.route("+15550100777").is_some(), "calls to it are routed to the site");
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
    fn calls_need_the_token_and_unknown_sites_are_unknown() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        assert_eq!(
            run(ledger.lease("v".into(), &Visit::default(), Region::default())).unwrap_err(),
            Error::UnknownSite("demo".into())
        );
        run(ledger.configure(setup(&["+15550100201"]))).unwrap();
        let all = CallQuery::parse(&[], clock.now()).unwrap();
        assert_eq!(run(ledger.query_calls(None, &all)), Err(Error::Unauthorized));
        assert_eq!(run(ledger.query_calls(Some("wrong-token-0123456789"), &all)), Err(Error::Unauthorized));
        assert_eq!(run(ledger.export_calls(None, &all)), Err(Error::Unauthorized));
    }

    #[test]
    fn reconfiguring_keeps_leases_and_withdraws_removed_numbers() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(setup(&["+15550100201"]))).unwrap();
        let (lease, _) = run(ledger.lease("v1".into(), &visit("bing"), Region::default())).unwrap();
        run(ledger.configure(setup(&["+15550100201", "+15550100202"]))).unwrap();
        let (again, _) = run(ledger.lease("v1".into(), &visit("bing"), Region::default())).unwrap();
        assert_eq!(again.number, lease.number, "reconfiguring did not drop the live lease");
        run(ledger.configure(setup(&["+15550100202"]))).unwrap();
        assert!(store.route("+15550100201").is_none());
    }

    #[test]
    fn a_number_of_another_site_is_refused() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        run(SiteLedger::new("other", &store, &clock).configure(setup(&["+15550100201"]))).unwrap();
        *store.state.borrow_mut() = None;
        let err =
            run(SiteLedger::new("demo", &store, &clock).configure(setup(&["+15550100201"]))).unwrap_err();
        assert_eq!(err.http_status(), 409);
    }

    #[test]
    fn each_business_number_has_its_own_pool() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let service = PhoneNumber::parse("+15550100300").unwrap();
        let mut s = setup(&["+15550100201", "+15550100202"]);
        s.business_numbers = vec!["+15550100300".into(), "+15550100400".into()];
        s.pool.push(crate::site::PoolEntrySetup::Detailed {
            number: "+15550100301".into(),
            region: None,
            business_number: Some("+15550100300".into()),
        });
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
            store.route("+15550100301").map(|r| r.business_number.e164().to_string()).as_deref(),
            Some("+15550100300")
        );
    }
}
