//! In-memory stores for host tests (never in the edge's build).

use super::{CallStore, LeaseStore, SiteState};
use crate::calls::CallQuery;
use crate::calls::CallRecord;
use crate::calls::CallRow;
use crate::error::Result;
use crate::pool::session_key;
use crate::pool::Lease;
use crate::reports::overview::CallSummary;
use crate::reports::report::Dimension;
use crate::reports::report::RawGroup;
use crate::site::NumberOwner;
use crate::site::SiteConfig;
use crate::support::Timestamp;
use crate::traffic::TouchHistory;
use crate::webhooks::Delivery;
use crate::wire::LeaseGrant;
use phone::PhoneNumber;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// In-memory stores for host tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    pub(crate) state: RefCell<Option<SiteState>>,
    pub(crate) owners: RefCell<BTreeMap<String, NumberOwner>>,
    pub(crate) sites: RefCell<BTreeMap<String, SiteConfig>>,
    pub(crate) touches: RefCell<BTreeMap<String, TouchHistory>>,
    pub(crate) sessions: RefCell<BTreeMap<String, Lease>>,
    pub(crate) visitor_mirror: RefCell<BTreeMap<String, LeaseGrant>>,
    pub(crate) calls: RefCell<Vec<CallRecord>>,
    pub(crate) deliveries: RefCell<Vec<Delivery>>,
    pub(crate) extensions: crate::pool::ExtensionBook,
    pub(crate) masking: crate::masking::MaskingBook,
    /// Calls waiting at a step: when held, when due.
    pub(crate) held: RefCell<BTreeMap<String, (Timestamp, Timestamp)>>,
    /// The live stream's kept events (and the last seq), and its tickets.
    pub(crate) live: RefCell<(Vec<crate::wire::LiveEvent>, u64)>,
    pub(crate) tickets: RefCell<BTreeMap<String, Timestamp>>,
    pub(crate) spend: RefCell<BTreeMap<(i64, String, String, String), crate::money::SpendDay>>,
    /// The lifecycle's marks and the audit log (`memory_lifecycle.rs`).
    pub(crate) marks: RefCell<BTreeMap<String, i64>>,
    pub(crate) audit: RefCell<Vec<crate::calls::AuditEntry>>,
}

impl crate::store::SpendStore for MemoryStore {
    fn upsert_spend(&self, days: &[crate::money::SpendDay]) -> Result<()> {
        let mut spend = self.spend.borrow_mut();
        for d in days {
            spend.insert((d.day, d.source.clone(), d.medium.clone(), d.campaign.clone()), d.clone());
        }
        Ok(())
    }

    fn spend_groups(
        &self,
        dims: &[crate::money::SpendDimension],
        from: i64,
        to: i64,
    ) -> Result<Vec<crate::money::RawSpend>> {
        let days: Vec<crate::money::SpendDay> = self.spend.borrow().values().cloned().collect();
        Ok(crate::money::raw_spend_groups(&days, dims, from, to))
    }

    fn delete_spend(&self, from: i64, to: i64) -> Result<u64> {
        let mut spend = self.spend.borrow_mut();
        let before = spend.len();
        spend.retain(|(day, ..), _| *day < from || *day >= to);
        Ok(u64::try_from(before - spend.len()).unwrap_or(0))
    }

    fn delete_spend_of(&self, from: i64, to: i64, sources: &[String]) -> Result<u64> {
        let mut spend = self.spend.borrow_mut();
        let before = spend.len();
        spend.retain(|(day, source, ..), _| *day < from || *day >= to || !sources.contains(source));
        Ok(u64::try_from(before - spend.len()).unwrap_or(0))
    }

    fn holds_money(&self) -> Result<bool> {
        Ok(!self.spend.borrow().is_empty() || self.calls.borrow().iter().any(|c| c.value.is_some()))
    }
}

impl crate::pool::ExtensionLeases for MemoryStore {
    fn latest_on_extension(
        &self,
        number: &PhoneNumber,
        extension: &str,
        at: Timestamp,
    ) -> Result<Option<Lease>> {
        self.extensions.latest_on_extension(number, extension, at)
    }
    fn extensions_of_visitor(&self, visitor: &str, ending_after: Timestamp) -> Result<Vec<Lease>> {
        self.extensions.extensions_of_visitor(visitor, ending_after)
    }
    fn extensions_held(&self, number: &PhoneNumber, ending_after: Timestamp) -> Result<Vec<String>> {
        self.extensions.extensions_held(number, ending_after)
    }
    fn count_extensions_held(&self, number: &PhoneNumber, ending_after: Timestamp) -> Result<u64> {
        self.extensions.count_extensions_held(number, ending_after)
    }
    fn extension_leases(
        &self,
        number: &PhoneNumber,
        ending_after: Timestamp,
        limit: usize,
    ) -> Result<Vec<Lease>> {
        self.extensions.extension_leases(number, ending_after, limit)
    }
    fn extension_lease(&self, lease_id: &str) -> Result<Option<Lease>> {
        self.extensions.extension_lease(lease_id)
    }
    fn save_extension_lease(&self, lease: &Lease) -> Result<()> {
        self.extensions.save_extension_lease(lease)
    }
    fn prune_extension_leases(&self, ended_before: Timestamp, limit: usize) -> Result<usize> {
        self.extensions.prune_extension_leases(ended_before, limit)
    }
}

impl MemoryStore {
    pub fn owner(&self, number: &str) -> Option<NumberOwner> {
        self.owners.borrow().get(number).cloned()
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

    async fn owner_of(&self, number: &PhoneNumber) -> Result<Option<NumberOwner>> {
        Ok(self.owner(number.e164()))
    }

    async fn publish_owner(&self, number: &PhoneNumber, owner: &NumberOwner) -> Result<()> {
        self.owners.borrow_mut().insert(number.e164().to_string(), owner.clone());
        Ok(())
    }

    async fn withdraw_owner(&self, number: &PhoneNumber) -> Result<()> {
        self.owners.borrow_mut().remove(number.e164());
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

    async fn unmirror_visitor(&self, visitor: &str, _replaces: &str) -> Result<()> {
        self.visitor_mirror.borrow_mut().remove(visitor);
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
        Ok(crate::reports::report::raw_groups(group_by, &[], &sessions, 0, None).1)
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

    async fn hold_call(&self, call_sid: &str, held_at: Timestamp, due: Timestamp) -> Result<()> {
        self.held.borrow_mut().insert(call_sid.to_string(), (held_at, due));
        Ok(())
    }

    async fn unhold_call(&self, call_sid: &str) -> Result<()> {
        self.held.borrow_mut().remove(call_sid);
        Ok(())
    }

    async fn held_calls_due(&self, now: Timestamp, limit: usize) -> Result<Vec<(String, Timestamp)>> {
        let mut due: Vec<(Timestamp, String, Timestamp)> = self
            .held
            .borrow()
            .iter()
            .filter(|(_, (_, d))| *d <= now)
            .map(|(sid, (held, d))| (*d, sid.clone(), *held))
            .collect();
        due.sort();
        Ok(due.into_iter().take(limit).map(|(_, sid, held)| (sid, held)).collect())
    }

    async fn next_held_at(&self) -> Result<Option<Timestamp>> {
        Ok(self.held.borrow().values().map(|(_, d)| *d).min())
    }

    async fn find_call(&self, call_sid: &str) -> Result<Option<CallRecord>> {
        Ok(self.calls.borrow().iter().find(|c| c.call_sid == call_sid).cloned())
    }

    async fn caller_history(&self, from: &str, before: Timestamp) -> Result<(u64, Option<Timestamp>)> {
        let calls = self.calls.borrow();
        let earlier: Vec<Timestamp> = calls
            .iter()
            .filter(|c| c.from == from && c.masking.is_none() && c.started_at < before)
            .map(|c| c.started_at)
            .collect();
        Ok((earlier.len() as u64, earlier.into_iter().max()))
    }

    async fn first_call_from(&self, from: &str) -> Result<Option<CallRecord>> {
        Ok(self
            .calls
            .borrow()
            .iter()
            .filter(|c| c.from == from && c.masking.is_none())
            .min_by_key(|c| c.started_at)
            .cloned())
    }

    async fn call_groups(
        &self,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
        qualify_secs: u32,
        default_value: Option<i64>,
    ) -> Result<Vec<RawGroup>> {
        let calls: Vec<CallRecord> = self
            .calls
            .borrow()
            .iter()
            .filter(|c| from <= c.started_at && c.started_at < to && c.masking.is_none())
            .cloned()
            .collect();
        Ok(crate::reports::report::raw_groups(group_by, &calls, &[], qualify_secs, default_value).0)
    }

    async fn call_summary(
        &self,
        from: Timestamp,
        to: Timestamp,
        qualify_secs: u32,
        default_value: Option<i64>,
    ) -> Result<CallSummary> {
        let calls = self.calls.borrow();
        let rows: Vec<CallRow> = calls
            .iter()
            .filter(|c| from <= c.started_at && c.started_at < to && c.masking.is_none())
            .map(CallRow::of)
            .collect();
        Ok(CallSummary::of_rows(rows.iter(), qualify_secs, default_value))
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

impl crate::masking::MaskingSessions for MemoryStore {
    fn save_masking_session(&self, session: &crate::masking::MaskingSession) -> Result<()> {
        self.masking.save_masking_session(session)
    }
    fn masking_session(&self, id: &str) -> Result<Option<crate::masking::MaskingSession>> {
        self.masking.masking_session(id)
    }
    fn masking_session_by_key(&self, key: &str) -> Result<Option<crate::masking::MaskingSession>> {
        self.masking.masking_session_by_key(key)
    }
    fn open_masking_session_of_order(
        &self,
        order_id: &str,
    ) -> Result<Option<crate::masking::MaskingSession>> {
        self.masking.open_masking_session_of_order(order_id)
    }
    fn latest_masking_session_on_pair(
        &self,
        caller: &PhoneNumber,
        proxy: &PhoneNumber,
        at: Timestamp,
    ) -> Result<Option<crate::masking::MaskingSession>> {
        self.masking.latest_masking_session_on_pair(caller, proxy, at)
    }
    fn open_masking_sessions_of(&self, number: &PhoneNumber) -> Result<Vec<crate::masking::MaskingSession>> {
        self.masking.open_masking_sessions_of(number)
    }
    fn open_masking_sessions_on(&self, proxy: &PhoneNumber) -> Result<Vec<crate::masking::MaskingSession>> {
        self.masking.open_masking_sessions_on(proxy)
    }
    fn masking_proxies_used_by(&self, number: &PhoneNumber) -> Result<Vec<(PhoneNumber, Timestamp)>> {
        self.masking.masking_proxies_used_by(number)
    }
    fn masking_sessions(
        &self,
        filter: &crate::masking::SessionFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<crate::masking::MaskingSession>, u64)> {
        self.masking.masking_sessions(filter, offset, limit)
    }
    fn masking_sessions_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<crate::masking::MaskingSession>> {
        self.masking.masking_sessions_due(now, limit)
    }
    fn next_masking_expiry(&self) -> Result<Option<Timestamp>> {
        self.masking.next_masking_expiry()
    }
}

impl super::LiveFeed for MemoryStore {
    fn next_live_seq(&self) -> Result<u64> {
        Ok(self.live.borrow().1 + 1)
    }
    fn keep_live_event(&self, event: &crate::wire::LiveEvent) -> Result<()> {
        let mut live = self.live.borrow_mut();
        live.1 = live.1.max(event.seq);
        let last = live.1;
        live.0.push(event.clone());
        let horizon = event.at.plus_secs(-crate::wire::LIVE_KEEP_SECS);
        live.0.retain(|e| e.seq + crate::wire::LIVE_KEEP_EVENTS > last && e.at >= horizon);
        Ok(())
    }
    fn live_events_after(&self, seq: u64, limit: usize) -> Result<Vec<crate::wire::LiveEvent>> {
        Ok(self.live.borrow().0.iter().filter(|e| e.seq > seq).take(limit).cloned().collect())
    }
    fn oldest_live_seq(&self) -> Result<Option<u64>> {
        Ok(self.live.borrow().0.first().map(|e| e.seq))
    }
    fn live_tickets_outstanding(&self, now: Timestamp) -> Result<u64> {
        let mut tickets = self.tickets.borrow_mut();
        tickets.retain(|_, expires| now < *expires);
        Ok(tickets.len() as u64)
    }
    fn save_live_ticket(&self, hash: &str, expires_at: Timestamp) -> Result<()> {
        self.tickets.borrow_mut().insert(hash.to_string(), expires_at);
        Ok(())
    }
    fn take_live_ticket(&self, hash: &str, now: Timestamp) -> Result<bool> {
        let mut tickets = self.tickets.borrow_mut();
        let valid = tickets.remove(hash).is_some_and(|expires| now < expires);
        tickets.retain(|_, expires| now < *expires);
        Ok(valid)
    }
}
