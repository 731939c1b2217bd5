//! Storage seams: what a site's writer keeps ([`SiteState`]) and the traits its stores
//! implement (the Durable Object's SQLite and Workers KV in the edge; memory in host tests).

#[cfg(test)]
mod memory;
#[cfg(test)]
mod memory_lifecycle;

#[cfg(test)]
pub use memory::MemoryStore;

use crate::calls::{CallQuery, CallRecord};
use crate::error::Result;
use crate::money::{RawSpend, SpendDay, SpendDimension};
use crate::pool::{Lease, Pool};
use crate::reports::overview::CallSummary;
use crate::reports::report::{Dimension, RawGroup};
use crate::site::{NumberOwner, SiteConfig};
use crate::support::Timestamp;
use crate::traffic::TouchHistory;
use crate::webhooks::Delivery;
use crate::wire::LeaseGrant;
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// Everything a site's writer keeps: its configuration and its pool with lease history. Both
/// are shared, not copied, when the state is: a request's copy costs O(1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteState {
    pub config: std::sync::Arc<SiteConfig>,
    pub pool: Pool,
}

/// Where a site's state lives (Durable Object storage) and where number routes are mirrored
/// for every edge location to read (Workers KV).
#[allow(async_fn_in_trait)] // Workers and browsers are single-threaded: no Send bounds.
pub trait LeaseStore {
    async fn load(&self) -> Result<Option<SiteState>>;
    /// The site's settings alone (the call path reads them without the pool).
    async fn load_config(&self) -> Result<Option<std::sync::Arc<SiteConfig>>> {
        Ok(self.load().await?.map(|s| s.config))
    }

    async fn save(&self, state: &SiteState) -> Result<()>;
    async fn owner_of(&self, number: &PhoneNumber) -> Result<Option<NumberOwner>>;
    async fn publish_owner(&self, number: &PhoneNumber, owner: &NumberOwner) -> Result<()>;
    async fn withdraw_owner(&self, number: &PhoneNumber) -> Result<()>;
    /// Announces that the site exists, so edges can turn away unknown site ids without
    /// waking (or creating) a Durable Object.
    async fn publish_site(&self, config: &SiteConfig) -> Result<()>;
    /// Mirrors a visitor's current lease so edges can serve their page views (`None`: removes
    /// the main line's entry).
    async fn mirror_visitor(&self, visitor: &str, grant: Option<&LeaseGrant>) -> Result<()>;
    /// Removes the visitor's mirrored lease of the line `replaces` (its business number).
    async fn unmirror_visitor(&self, visitor: &str, replaces: &str) -> Result<()>;
    /// The visitor's touches (empty for a new visitor).
    async fn load_touches(&self, visitor: &str) -> Result<TouchHistory>;
    async fn save_touches(&self, visitor: &str, touches: &TouchHistory) -> Result<()>;
    /// Keeps the session log (every lease, kept for reports after the pool forgets it).
    async fn record_session(&self, lease: &Lease) -> Result<()>;
    /// Sessions that started in `[from, to)`, at most `limit`.
    async fn sessions_between(&self, from: Timestamp, to: Timestamp, limit: usize) -> Result<Vec<Lease>>;
    /// Sessions that started in `[from, to)`, counted per group (see [`crate::report::sql::sessions`]).
    async fn session_groups(
        &self,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RawGroup>>;
}

/// Every store a site's writer uses: its state and KV mirror, its calls, its extension leases,
/// its masking sessions and its live stream (the site's object implements them all over one
/// SQLite database).
pub trait SiteStore:
    LeaseStore
    + CallStore
    + crate::pool::ExtensionLeases
    + crate::masking::MaskingSessions
    + LiveFeed
    + SpendStore
    + LifecycleStore
{
}

impl<T> SiteStore for T where
    T: LeaseStore
        + CallStore
        + crate::pool::ExtensionLeases
        + crate::masking::MaskingSessions
        + LiveFeed
        + SpendStore
        + LifecycleStore
{
}

/// What retention and erasure need of the site's storage (`SiteLedger::prune_retention`,
/// `erase_visitor`, `erase_caller`): removals in bounded batches, the rows of one visitor or
/// caller, and the audit log. Synchronous, as SQLite in a Durable Object and memory both are.
pub trait LifecycleStore {
    /// Removes up to `limit` calls that started before `before`; how many it removed.
    fn prune_calls(&self, before: Timestamp, limit: usize) -> Result<u64>;
    /// Removes up to `limit` sessions that started before `before`.
    fn prune_sessions(&self, before: Timestamp, limit: usize) -> Result<u64>;
    /// Removes up to `limit` visitors' touch histories last touched before `before`.
    fn prune_touches(&self, before: Timestamp, limit: usize) -> Result<u64>;
    /// Up to `limit` calls that started in `[from, before)`, oldest first.
    fn calls_started(&self, from: Timestamp, before: Timestamp, limit: usize) -> Result<Vec<CallRecord>>;
    /// Every call whose caller field is `from` (tracked and masked).
    fn calls_from(&self, from: &str) -> Result<Vec<CallRecord>>;
    /// Every call credited to `visitor` or listing them among its candidates.
    fn calls_crediting(&self, visitor: &str) -> Result<Vec<CallRecord>>;
    /// Every session of `visitor`, with the key it is stored under.
    fn sessions_of(&self, visitor: &str) -> Result<Vec<(String, Lease)>>;
    /// Stores `session` in place of the one under `key`.
    fn replace_session(&self, key: &str, session: &Lease) -> Result<()>;
    /// Removes `visitor`'s touch history; whether there was one.
    fn forget_touches(&self, visitor: &str) -> Result<bool>;
    /// A mark the lifecycle keeps (how far recordings were pruned), `None` when never set.
    fn lifecycle_mark(&self, name: &str) -> Result<Option<i64>>;
    fn set_lifecycle_mark(&self, name: &str, value: i64) -> Result<()>;
    /// Appends to the audit log (the entry's `seq` is assigned); the entry as stored.
    fn append_audit(&self, entry: &crate::calls::AuditEntry) -> Result<crate::calls::AuditEntry>;
    /// Up to `limit` entries, newest first, before `before_seq` when given.
    fn audit_entries(&self, before_seq: Option<u64>, limit: usize) -> Result<Vec<crate::calls::AuditEntry>>;
    /// Up to `limit` calls that started in `[from, to)` after `after` (their `(started_at,
    /// call_sid)` order), for an export.
    fn export_calls(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<(Timestamp, String)>,
        limit: usize,
    ) -> Result<Vec<CallRecord>>;
    /// The same for sessions (`(started_at, key)` order), with their keys.
    fn export_sessions(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<(Timestamp, String)>,
        limit: usize,
    ) -> Result<Vec<(String, Lease)>>;
    /// Spend days in `[from_day, to_day)` after `after` (`(day, source, medium, campaign)` order).
    fn export_spend(
        &self,
        from_day: i64,
        to_day: i64,
        after: Option<(i64, String, String, String)>,
        limit: usize,
    ) -> Result<Vec<crate::money::SpendDay>>;
}

/// The site's live stream: events kept for clients that reconnect (and handed to the
/// connected ones), and the single-use tickets that open it. Synchronous, as SQLite in a
/// Durable Object and memory both are.
pub trait LiveFeed {
    /// The seq the next event takes (one more than the last; they never restart).
    fn next_live_seq(&self) -> Result<u64>;
    /// Keeps `event` (forgetting what is past the last [`crate::wire::LIVE_KEEP_EVENTS`] and
    /// [`crate::wire::LIVE_KEEP_SECS`]) and hands it to the connected clients.
    fn keep_live_event(&self, event: &crate::wire::LiveEvent) -> Result<()>;
    /// Kept events after `seq`, oldest first, at most `limit`.
    fn live_events_after(&self, seq: u64, limit: usize) -> Result<Vec<crate::wire::LiveEvent>>;
    /// The oldest kept seq, if any is kept.
    fn oldest_live_seq(&self) -> Result<Option<u64>>;
    /// Unused tickets not expired at `now` (expired ones are forgotten on the way).
    fn live_tickets_outstanding(&self, now: Timestamp) -> Result<u64>;
    /// Stores a ticket (its hash) until `expires_at`.
    fn save_live_ticket(&self, hash: &str, expires_at: Timestamp) -> Result<()>;
    /// Takes the ticket: `true` once, if it exists and `now` is before its expiry (it is
    /// deleted either way, with every expired ticket).
    fn take_live_ticket(&self, hash: &str, now: Timestamp) -> Result<bool>;
}

/// Where a site's ad spend is kept: one amount per day and (source, medium, campaign).
pub trait SpendStore {
    /// Writes each day, replacing what is stored for its key; all or nothing.
    fn upsert_spend(&self, days: &[SpendDay]) -> Result<()>;
    /// Spend of the days `[from, to)` summed per group (see [`crate::spend_sql::groups`]).
    fn spend_groups(&self, dims: &[SpendDimension], from: i64, to: i64) -> Result<Vec<RawSpend>>;
    /// Removes the days `[from, to)`; how many day rows went.
    fn delete_spend(&self, from: i64, to: i64) -> Result<u64>;
    /// Removes the days `[from, to)` of these sources (an upload that replaces its range).
    fn delete_spend_of(&self, from: i64, to: i64, sources: &[String]) -> Result<u64>;
    /// Whether any amount is stored: a day of spend or a call with a value.
    fn holds_money(&self) -> Result<bool>;
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
    /// How many tracked calls this caller made before `before`, and when the last started.
    async fn caller_history(&self, from: &str, before: Timestamp) -> Result<(u64, Option<Timestamp>)>;
    /// Counts of the calls that started in `[from, to)` (see [`CallSummary`]).
    async fn call_summary(
        &self,
        from: Timestamp,
        to: Timestamp,
        qualify_secs: u32,
        default_value: Option<i64>,
    ) -> Result<CallSummary>;
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
    /// Calls that started in `[from, to)`, counted per group (see [`crate::report::sql::calls`]).
    async fn call_groups(
        &self,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
        qualify_secs: u32,
        default_value: Option<i64>,
    ) -> Result<Vec<RawGroup>>;
    /// Queues a CRM delivery unless one with its id exists; `true` if it was new.
    async fn enqueue_delivery(&self, delivery: &Delivery) -> Result<bool>;
    async fn save_delivery(&self, delivery: &Delivery) -> Result<()>;
    /// Pending deliveries due at `now`, oldest first, at most `limit`.
    async fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>>;
    async fn deliveries_of(&self, call_sid: &str) -> Result<Vec<Delivery>>;
    /// When the next pending delivery is due.
    async fn next_delivery_at(&self) -> Result<Option<Timestamp>>;
    /// Marks a call as waiting at a step before the dial (a prompt answered at `held_at`):
    /// unless the caller answers by `due`, they hung up. Replaces an earlier mark.
    async fn hold_call(&self, call_sid: &str, held_at: Timestamp, due: Timestamp) -> Result<()>;
    /// Clears the call's mark (it has passed its steps, or its end is recorded).
    async fn unhold_call(&self, call_sid: &str) -> Result<()>;
    /// Marks due at `now`, oldest first, at most `limit`: each call and when it was held.
    async fn held_calls_due(&self, now: Timestamp, limit: usize) -> Result<Vec<(String, Timestamp)>>;
    /// When the next mark is due.
    async fn next_held_at(&self) -> Result<Option<Timestamp>>;
}
