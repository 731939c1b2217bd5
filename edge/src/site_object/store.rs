//! The site's SQLite database (and its KV mirror) as the core's store traits: the object runs
//! `shared::SiteLedger` over an [`ObjectStore`]. The tables are in `schema.rs`.

use crate::clock::EdgeClock;
use crate::error::storage;
use crate::kv_mirror::KvMirror;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use shared::report::{Dimension, RawGroup};
use shared::wire::LeaseGrant;
use shared::Delivery;
use shared::{
    CallRecord, CallStore, Clock, LeaseStore, NumberOwner, PhoneNumber, SiteState, Timestamp, TouchHistory,
};
use worker::SqlStorage;

/// The object's storage as the core's store traits.
pub(super) struct ObjectStore {
    pub(super) site: String,
    pub(super) sql: SqlStorage,
    pub(super) mirror: KvMirror,
    pub(super) memory: std::rc::Rc<Memory>,
    /// Where `SECRETS_KEY` is read from, when the settings are read or written
    /// (`site_rows.rs`).
    pub(super) env: worker::Env,
}

/// What the object keeps in memory between requests, as the site's one writer: its state as
/// last read or written (so a lease does not parse the pool from SQLite each time; a restart
/// reads it again), and whether its tables are known to exist.
#[derive(Default)]
pub(super) struct Memory {
    pub(super) state: std::cell::RefCell<Option<SiteState>>,
    schema_ready: std::cell::Cell<bool>,
    /// The calls' columns are all there and filled in.
    columns_done: std::cell::Cell<bool>,
    /// When the mirror book (`mirror_book.rs`) started, and was last pruned.
    pub(super) book_since: std::cell::Cell<Option<i64>>,
    pub(super) book_pruned_at: std::cell::Cell<i64>,
    /// The alarm was set for this site's next retention run since the object started.
    pub(super) retention_armed: std::cell::Cell<bool>,
    /// Live events kept during the request (seq, JSON), to send to the sockets after it.
    outbox: std::cell::RefCell<Vec<(u64, String)>>,
}

#[derive(Deserialize)]
struct JsonRow {
    json: String,
}

impl ObjectStore {
    /// The same storage for `site` (the alarm learns the site's id from its stored state).
    pub(super) fn for_site(self, site: String) -> Self {
        ObjectStore { site, ..self }
    }

    /// The site's main business number.
    fn main_business_number(&self) -> shared::Result<Option<String>> {
        self.with_state(|s| s.config.business_number.e164().to_string())
    }

    pub(super) fn insert_call(&self, call: &CallRecord) -> shared::Result<()> {
        let row = shared::CallRow::of(call);
        let json = serde_json::to_string(call).map_err(storage)?;
        let int = |v: i64| worker::SqlStorageValue::try_from_i64(v).map_err(storage);
        let text = |v: &Option<String>| v.clone().map_or(worker::SqlStorageValue::Null, Into::into);
        self.write(
            "INSERT OR REPLACE INTO calls (call_sid, started_at, json, caller, channel, source, campaign, \
             answered, voicemail, live, talk_secs, first_time, masked, value, converted) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                call.call_sid.clone().into(),
                int(call.started_at.millis())?,
                json.into(),
                row.caller.into(),
                text(&row.channel),
                text(&row.source),
                text(&row.campaign),
                int(i64::from(row.answered))?,
                int(i64::from(row.voicemail))?,
                int(i64::from(row.live))?,
                int(i64::from(row.talk_secs))?,
                int(i64::from(row.first_time))?,
                int(i64::from(row.masked))?,
                row.value.map_or(Ok(worker::SqlStorageValue::Null), int)?,
                row.converted.map_or(Ok(worker::SqlStorageValue::Null), |c| int(i64::from(c)))?,
            ],
        )
    }

    pub(super) fn rows<T: DeserializeOwned>(
        &self,
        query: &str,
        args: Vec<worker::SqlStorageValue>,
    ) -> shared::Result<Vec<T>> {
        let rows: Vec<JsonRow> = self.sql.exec(query, args).and_then(|c| c.to_array()).map_err(storage)?;
        rows.iter().map(|r| serde_json::from_str(&r.json).map_err(storage)).collect()
    }

    /// The rows of a grouping query (`k0…` keys and counts, see `shared::report::sql`).
    fn groups(
        &self,
        query: &str,
        args: Vec<worker::SqlStorageValue>,
        keys: usize,
    ) -> shared::Result<Vec<RawGroup>> {
        let rows: Vec<serde_json::Map<String, serde_json::Value>> =
            self.sql.exec(query, args).and_then(|c| c.to_array()).map_err(storage)?;
        let count = |row: &serde_json::Map<String, serde_json::Value>, name: &str| {
            row.get(name).and_then(serde_json::Value::as_f64).map_or(0, |n| n.max(0.0) as u64)
        };
        Ok(rows
            .iter()
            .map(|row| RawGroup {
                key: (0..keys)
                    .map(|i| row.get(&format!("k{i}")).and_then(|v| v.as_str()).map(str::to_string))
                    .collect(),
                calls: count(row, "calls"),
                answered: count(row, "answered"),
                qualified: count(row, "qualified"),
                first_time: count(row, "first_time"),
                talk_total: count(row, "talk_total"),
                talk_count: count(row, "talk_count"),
                sessions: count(row, "sessions"),
                revenue: row.get("revenue").and_then(serde_json::Value::as_i64).unwrap_or(0),
            })
            .collect())
    }

    pub(super) fn write(&self, query: &str, args: Vec<worker::SqlStorageValue>) -> shared::Result<()> {
        // Consume the cursor so the statement has run before we return.
        self.sql.exec(query, args).map(|c| c.raw().count()).map(|_| ()).map_err(storage)
    }
}

impl LeaseStore for ObjectStore {
    async fn load(&self) -> shared::Result<Option<SiteState>> {
        self.load_state()
    }
    async fn load_config(&self) -> shared::Result<Option<std::sync::Arc<shared::SiteConfig>>> {
        Ok(self.load_state()?.map(|s| s.config))
    }
    async fn save(&self, state: &SiteState) -> shared::Result<()> {
        self.save_state(state)
    }
    async fn owner_of(&self, number: &PhoneNumber) -> shared::Result<Option<NumberOwner>> {
        self.mirror.get(number).await
    }
    async fn publish_owner(&self, number: &PhoneNumber, owner: &NumberOwner) -> shared::Result<()> {
        self.mirror.put(number, owner).await
    }
    async fn withdraw_owner(&self, number: &PhoneNumber) -> shared::Result<()> {
        self.mirror.delete(number).await
    }
    async fn publish_site(&self, config: &shared::SiteConfig) -> shared::Result<()> {
        self.mirror.put_site(config).await
    }
    async fn mirror_visitor(&self, visitor: &str, grant: Option<&LeaseGrant>) -> shared::Result<()> {
        match grant {
            Some(g) => {
                // The main line under the visitor's id; another line under id:business-number.
                let main = self.main_business_number()?;
                let key = if main.as_deref() == Some(g.replaces.as_str()) {
                    visitor.to_string()
                } else {
                    format!("{visitor}:{}", g.replaces)
                };
                let now = EdgeClock.now().millis();
                if g.shared || g.overflow {
                    // The edge never answers with it: written only over one it would.
                    if !self.may_serve(&key, now)? {
                        return Ok(());
                    }
                    self.note_gone(&key)?;
                } else {
                    self.note_served(&key, g.expires_at.millis(), now)?;
                }
                self.mirror.put_visitor(&self.site, &key, g, now).await
            }
            None => {
                self.note_gone(visitor)?;
                self.mirror.delete_visitor(&self.site, visitor).await
            }
        }
    }
    async fn unmirror_visitor(&self, visitor: &str, replaces: &str) -> shared::Result<()> {
        let main = self.main_business_number()?;
        let key = if main.as_deref() == Some(replaces) {
            visitor.to_string()
        } else {
            format!("{visitor}:{replaces}")
        };
        self.note_gone(&key)?;
        self.mirror.delete_visitor(&self.site, &key).await
    }
    async fn record_session(&self, lease: &shared::Lease) -> shared::Result<()> {
        self.ensure_schema()?;
        let json = serde_json::to_string(lease).map_err(storage)?;
        let at = worker::SqlStorageValue::try_from_i64(lease.started_at.millis()).map_err(storage)?;
        self.write(
            "INSERT OR REPLACE INTO sessions (session_key, started_at, json) VALUES (?, ?, ?)",
            vec![shared::session_key(lease).into(), at, json.into()],
        )
    }
    async fn sessions_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> shared::Result<Vec<shared::Lease>> {
        if !self.has_tables()? {
            return Ok(Vec::new());
        }
        self.ensure_schema()?;
        let sql =
            "SELECT json FROM sessions WHERE started_at >= ? AND started_at < ? ORDER BY started_at LIMIT ?";
        self.rows(sql, range_args(from, to, limit)?)
    }
    async fn session_groups(
        &self,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
    ) -> shared::Result<Vec<RawGroup>> {
        if !self.has_tables()? {
            return Ok(Vec::new());
        }
        self.ensure_schema()?;
        let int = |v: i64| worker::SqlStorageValue::try_from_i64(v).map_err(storage);
        let args = vec![int(from.millis())?, int(to.millis())?];
        self.groups(&shared::report::sql::sessions(group_by), args, group_by.len())
    }
    async fn load_touches(&self, visitor: &str) -> shared::Result<TouchHistory> {
        if !self.has_tables()? {
            return Ok(TouchHistory::default());
        }
        self.ensure_schema()?; // objects created before the visitors table existed
        Ok(self
            .rows("SELECT json FROM visitors WHERE visitor = ?", vec![visitor.into()])?
            .pop()
            .unwrap_or_default())
    }
    async fn save_touches(&self, visitor: &str, touches: &TouchHistory) -> shared::Result<()> {
        self.ensure_schema()?;
        let json = serde_json::to_string(touches).map_err(storage)?;
        let at = touches.touches().last().map_or(0, |t| t.at.millis());
        let at = worker::SqlStorageValue::try_from_i64(at).map_err(storage)?;
        self.write(
            "INSERT OR REPLACE INTO visitors (visitor, updated_at, json) VALUES (?, ?, ?)",
            vec![visitor.into(), at, json.into()],
        )
    }
}

impl CallStore for ObjectStore {
    async fn save_call(&self, call: &CallRecord) -> shared::Result<()> {
        self.ensure_schema()?;
        self.insert_call(call)
    }
    async fn enqueue_delivery(&self, delivery: &Delivery) -> shared::Result<bool> {
        self.ensure_schema()?;
        let existing: Vec<Delivery> =
            self.rows("SELECT json FROM deliveries WHERE id = ?", vec![delivery.id.clone().into()])?;
        if !existing.is_empty() {
            return Ok(false);
        }
        self.save_delivery(delivery).await?;
        Ok(true)
    }
    async fn save_delivery(&self, delivery: &Delivery) -> shared::Result<()> {
        self.ensure_schema()?;
        let json = serde_json::to_string(delivery).map_err(storage)?;
        let next = match delivery.next_at {
            Some(t) => worker::SqlStorageValue::try_from_i64(t.millis()).map_err(storage)?,
            None => worker::SqlStorageValue::Null,
        };
        self.write(
            "INSERT OR REPLACE INTO deliveries (id, call_sid, next_at, json) VALUES (?, ?, ?, ?)",
            vec![delivery.id.clone().into(), delivery.call_sid.clone().into(), next, json.into()],
        )
    }
    async fn due_deliveries(&self, now: Timestamp, limit: usize) -> shared::Result<Vec<Delivery>> {
        if !self.has_tables()? {
            return Ok(Vec::new());
        }
        self.ensure_schema()?;
        let sql =
            "SELECT json FROM deliveries WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at LIMIT ?";
        let int = |v: i64| worker::SqlStorageValue::try_from_i64(v).map_err(storage);
        self.rows(sql, vec![int(now.millis())?, int(i64::try_from(limit).unwrap_or(100))?])
    }
    async fn deliveries_of(&self, call_sid: &str) -> shared::Result<Vec<Delivery>> {
        if !self.has_tables()? {
            return Ok(Vec::new());
        }
        self.ensure_schema()?;
        self.rows(
            "SELECT json FROM deliveries WHERE call_sid = ? ORDER BY json_extract(json, '$.created_at'), id",
            vec![call_sid.into()],
        )
    }
    async fn next_delivery_at(&self) -> shared::Result<Option<Timestamp>> {
        #[derive(Deserialize)]
        struct Next {
            next_at: Option<i64>,
        }
        if !self.has_tables()? {
            return Ok(None);
        }
        self.ensure_schema()?;
        let rows: Vec<Next> = self
            .sql
            .exec("SELECT min(next_at) AS next_at FROM deliveries WHERE next_at IS NOT NULL", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().and_then(|r| r.next_at).map(Timestamp))
    }
    async fn hold_call(&self, call_sid: &str, held_at: Timestamp, due: Timestamp) -> shared::Result<()> {
        self.ensure_schema()?;
        self.write(
            "INSERT OR REPLACE INTO held_calls (call_sid, held_at, due_at) VALUES (?, ?, ?)",
            vec![call_sid.into(), int(held_at.millis())?, int(due.millis())?],
        )
    }
    async fn unhold_call(&self, call_sid: &str) -> shared::Result<()> {
        if !self.has_tables()? {
            return Ok(());
        }
        self.ensure_schema()?;
        self.write("DELETE FROM held_calls WHERE call_sid = ?", vec![call_sid.into()])
    }
    async fn held_calls_due(&self, now: Timestamp, limit: usize) -> shared::Result<Vec<(String, Timestamp)>> {
        #[derive(Deserialize)]
        struct Held {
            call_sid: String,
            held_at: i64,
        }
        if !self.has_tables()? {
            return Ok(Vec::new());
        }
        self.ensure_schema()?;
        let rows: Vec<Held> = self
            .sql
            .exec(
                "SELECT call_sid, held_at FROM held_calls WHERE due_at <= ? ORDER BY due_at LIMIT ?",
                vec![int(now.millis())?, int(i64::try_from(limit).unwrap_or(100))?],
            )
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.into_iter().map(|h| (h.call_sid, Timestamp(h.held_at))).collect())
    }
    async fn next_held_at(&self) -> shared::Result<Option<Timestamp>> {
        #[derive(Deserialize)]
        struct Next {
            due_at: Option<i64>,
        }
        if !self.has_tables()? {
            return Ok(None);
        }
        self.ensure_schema()?;
        let rows: Vec<Next> = self
            .sql
            .exec("SELECT min(due_at) AS due_at FROM held_calls", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().and_then(|r| r.due_at).map(Timestamp))
    }
    async fn find_call(&self, call_sid: &str) -> shared::Result<Option<CallRecord>> {
        if !self.has_tables()? {
            return Ok(None);
        }
        Ok(self.rows("SELECT json FROM calls WHERE call_sid = ?", vec![call_sid.into()])?.pop())
    }
    async fn caller_history(
        &self,
        from: &str,
        before: Timestamp,
    ) -> shared::Result<(u64, Option<Timestamp>)> {
        #[derive(Deserialize)]
        struct History {
            n: i64,
            last: Option<i64>,
        }
        if !self.tables_ready()? {
            return Ok((0, None));
        }
        let rows: Vec<History> = self
            .sql
            .exec(
                "SELECT count(*) AS n, max(started_at) AS last FROM calls \
                 WHERE json_extract(json, '$.from') = ? AND masked = 0 AND started_at < ?",
                vec![from.into(), int(before.millis())?],
            )
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        let row = rows.first();
        Ok((
            row.map_or(0, |r| u64::try_from(r.n).unwrap_or(0)),
            row.and_then(|r| r.last).map(Timestamp::from_millis),
        ))
    }
    async fn first_call_from(&self, from: &str) -> shared::Result<Option<CallRecord>> {
        if !self.has_tables()? {
            return Ok(None);
        }
        self.ensure_schema()?; // objects created before the caller index existed
                               // Masked calls are between an order's parties, not callers of the business.
        let sql = "SELECT json FROM calls WHERE json_extract(json, '$.from') = ? AND masked = 0 \
                   ORDER BY started_at LIMIT 1";
        Ok(self.rows(sql, vec![from.into()])?.pop())
    }
    async fn call_groups(
        &self,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
        qualify_secs: u32,
        default_value: Option<i64>,
    ) -> shared::Result<Vec<RawGroup>> {
        if !self.has_tables()? {
            return Ok(Vec::new());
        }
        self.ensure_call_columns()?;
        let int = |v: i64| worker::SqlStorageValue::try_from_i64(v).map_err(storage);
        let qualify = i64::from(qualify_secs);
        let default = default_value.map_or(Ok(worker::SqlStorageValue::Null), int)?;
        let args = vec![int(qualify)?, int(qualify)?, default, int(from.millis())?, int(to.millis())?];
        self.groups(&shared::report::sql::calls(group_by), args, group_by.len())
    }
    async fn call_summary(
        &self,
        from: Timestamp,
        to: Timestamp,
        qualify_secs: u32,
        default_value: Option<i64>,
    ) -> shared::Result<shared::overview::CallSummary> {
        use shared::overview::{sql, CallSummary, Totals};
        #[derive(Deserialize)]
        struct TotalsRow {
            #[serde(flatten)]
            totals: Totals,
            revenue: i64,
        }
        #[derive(Deserialize)]
        struct Bucket {
            bucket: i64,
            channel: Option<String>,
            n: i64,
        }
        #[derive(Deserialize)]
        struct Named {
            name: String,
            n: i64,
        }
        if !self.has_tables()? {
            return Ok(CallSummary::default());
        }
        self.ensure_schema()?;
        let int = |v: i64| worker::SqlStorageValue::try_from_i64(v).map_err(storage);
        let range = || -> shared::Result<Vec<worker::SqlStorageValue>> {
            Ok(vec![int(from.millis())?, int(to.millis())?])
        };
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let qualify = int(i64::from(qualify_secs))?;
        let default = default_value.map_or(Ok(worker::SqlStorageValue::Null), int)?;
        let mut args = vec![qualify.clone(), qualify, default];
        args.extend(range()?);
        let totals: Vec<TotalsRow> =
            self.sql.exec(&sql::totals(), args).and_then(|c| c.to_array()).map_err(storage)?;
        let totals = totals.into_iter().next();
        let buckets: Vec<Bucket> =
            self.sql.exec(&sql::buckets(), range()?).and_then(|c| c.to_array()).map_err(storage)?;
        let top = |column: &str| -> shared::Result<Vec<(String, u64)>> {
            let rows: Vec<Named> =
                self.sql.exec(&sql::top(column), range()?).and_then(|c| c.to_array()).map_err(storage)?;
            Ok(rows.into_iter().map(|r| (r.name, count(r.n))).collect())
        };
        Ok(CallSummary {
            revenue: totals.as_ref().map_or(0, |t| t.revenue),
            totals: totals.map(|t| t.totals).unwrap_or_default(),
            buckets: buckets.into_iter().map(|b| (b.bucket, b.channel, count(b.n))).collect(),
            top_sources: top("source")?,
            top_campaigns: top("campaign")?,
        })
    }
    async fn query_calls(
        &self,
        query: &shared::CallQuery,
        qualify_secs: u32,
        offset: u64,
        limit: u32,
    ) -> shared::Result<(Vec<CallRecord>, u64)> {
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        if !self.has_tables()? {
            return Ok((Vec::new(), 0));
        }
        self.ensure_schema()?;
        let (condition, order, args) = query.sql(qualify_secs);
        let bind = |args: &[shared::SqlArg]| -> shared::Result<Vec<worker::SqlStorageValue>> {
            args.iter()
                .map(|a| match a {
                    shared::SqlArg::Int(v) => worker::SqlStorageValue::try_from_i64(*v).map_err(storage),
                    shared::SqlArg::Text(t) => Ok(t.clone().into()),
                })
                .collect()
        };
        let count_sql = format!("SELECT count(*) AS n FROM calls WHERE {condition}");
        let counted: Vec<Count> =
            self.sql.exec(&count_sql, bind(&args)?).and_then(|c| c.to_array()).map_err(storage)?;
        let total = counted.first().map_or(0, |c| u64::try_from(c.n).unwrap_or(0));
        let mut page_args = bind(&args)?;
        page_args.push(worker::SqlStorageValue::try_from_i64(i64::from(limit)).map_err(storage)?);
        page_args.push(
            worker::SqlStorageValue::try_from_i64(i64::try_from(offset).unwrap_or(i64::MAX))
                .map_err(storage)?,
        );
        let page_sql = format!("SELECT json FROM calls WHERE {condition} ORDER BY {order} LIMIT ? OFFSET ?");
        Ok((self.rows(&page_sql, page_args)?, total))
    }
}

fn range_args(from: Timestamp, to: Timestamp, limit: usize) -> shared::Result<Vec<worker::SqlStorageValue>> {
    let int = |v: i64| worker::SqlStorageValue::try_from_i64(v).map_err(storage);
    Ok(vec![
        int(from.millis())?,
        int(to.millis())?,
        int(i64::try_from(limit).unwrap_or(i64::MAX).min(1 << 40))?,
    ])
}

impl shared::ExtensionLeases for ObjectStore {
    fn latest_on_extension(
        &self,
        number: &PhoneNumber,
        extension: &str,
        at: Timestamp,
    ) -> shared::Result<Option<shared::Lease>> {
        if !self.tables_ready()? {
            return Ok(None);
        }
        let sql = "SELECT json FROM extension_leases WHERE number = ? AND extension = ? AND started_at <= ? \
                   ORDER BY started_at DESC, rowid DESC LIMIT 1";
        Ok(self.rows(sql, vec![number.e164().into(), extension.into(), int(at.millis())?])?.pop())
    }
    fn extensions_of_visitor(
        &self,
        visitor: &str,
        ending_after: Timestamp,
    ) -> shared::Result<Vec<shared::Lease>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let sql = "SELECT json FROM extension_leases WHERE visitor = ? AND ends_at > ? \
                   ORDER BY started_at DESC, rowid DESC LIMIT 20";
        self.rows(sql, vec![visitor.into(), int(ending_after.millis())?])
    }
    fn extensions_held(&self, number: &PhoneNumber, ending_after: Timestamp) -> shared::Result<Vec<String>> {
        #[derive(Deserialize)]
        struct Held {
            extension: String,
        }
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let sql = "SELECT DISTINCT extension FROM extension_leases WHERE number = ? AND ends_at > ?";
        let rows: Vec<Held> = self
            .sql
            .exec(sql, vec![number.e164().into(), int(ending_after.millis())?])
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.into_iter().map(|r| r.extension).collect())
    }
    fn count_extensions_held(&self, number: &PhoneNumber, ending_after: Timestamp) -> shared::Result<u64> {
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        if !self.tables_ready()? {
            return Ok(0);
        }
        let sql =
            "SELECT count(DISTINCT extension) AS n FROM extension_leases WHERE number = ? AND ends_at > ?";
        let rows: Vec<Count> = self
            .sql
            .exec(sql, vec![number.e164().into(), int(ending_after.millis())?])
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().map_or(0, |c| u64::try_from(c.n).unwrap_or(0)))
    }
    fn extension_leases(
        &self,
        number: &PhoneNumber,
        ending_after: Timestamp,
        limit: usize,
    ) -> shared::Result<Vec<shared::Lease>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let sql = "SELECT json FROM extension_leases WHERE number = ? AND ends_at > ? \
                   ORDER BY started_at DESC, rowid DESC LIMIT ?";
        let limit = int(i64::try_from(limit).unwrap_or(i64::MAX))?;
        self.rows(sql, vec![number.e164().into(), int(ending_after.millis())?, limit])
    }
    fn extension_lease(&self, lease_id: &str) -> shared::Result<Option<shared::Lease>> {
        if !self.tables_ready()? {
            return Ok(None);
        }
        Ok(self.rows("SELECT json FROM extension_leases WHERE lease_id = ?", vec![lease_id.into()])?.pop())
    }
    fn save_extension_lease(&self, lease: &shared::Lease) -> shared::Result<()> {
        if !self.memory_schema_ready() {
            self.ensure_schema()?;
            self.mark_schema_ready();
        }
        let json = serde_json::to_string(lease).map_err(storage)?;
        self.write(
            "INSERT OR REPLACE INTO extension_leases (lease_id, number, extension, visitor, started_at, ends_at, json) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![
                lease.id.clone().into(),
                lease.number.e164().into(),
                lease.extension.clone().unwrap_or_default().into(),
                lease.visitor.clone().into(),
                int(lease.started_at.millis())?,
                int(lease.ends_at().millis())?,
                json.into(),
            ],
        )
    }
    fn prune_extension_leases(&self, ended_before: Timestamp, limit: usize) -> shared::Result<usize> {
        if !self.tables_ready()? {
            return Ok(0);
        }
        let limit = int(i64::try_from(limit).unwrap_or(i64::MAX))?;
        let cursor = self
            .sql
            .exec(
                "DELETE FROM extension_leases WHERE rowid IN \
                 (SELECT rowid FROM extension_leases WHERE ends_at < ? LIMIT ?)",
                vec![int(ended_before.millis())?, limit],
            )
            .map_err(storage)?;
        let _ = cursor.raw().count();
        Ok(cursor.rows_written())
    }
}

impl ObjectStore {
    /// Whether the extension leases and masking sessions can be read: the tables exist (a site
    /// that never stored anything has none, and a read must not create them) and are up to
    /// date. Checked once per object, not on every read: an extension lease reads the table a
    /// dozen times.
    pub(super) fn outbox_push(&self, seq: u64, event: String) {
        self.memory.outbox.borrow_mut().push((seq, event));
    }

    /// The live events kept since the last call, to send.
    pub(super) fn outbox_take(&self) -> Vec<(u64, String)> {
        std::mem::take(&mut *self.memory.outbox.borrow_mut())
    }

    pub(super) fn memory_schema_ready(&self) -> bool {
        self.memory.schema_ready.get()
    }

    pub(super) fn mark_schema_ready(&self) {
        self.memory.schema_ready.set(true);
    }

    pub(super) fn columns_done(&self) -> bool {
        self.memory.columns_done.get()
    }

    pub(super) fn mark_columns_done(&self) {
        self.memory.columns_done.set(true);
    }

    pub(super) fn tables_ready(&self) -> shared::Result<bool> {
        if self.memory.schema_ready.get() {
            return Ok(true);
        }
        if !self.has_tables()? {
            return Ok(false);
        }
        self.ensure_schema()?;
        self.memory.schema_ready.set(true);
        Ok(true)
    }
}

pub(super) fn int(v: i64) -> shared::Result<worker::SqlStorageValue> {
    worker::SqlStorageValue::try_from_i64(v).map_err(storage)
}
