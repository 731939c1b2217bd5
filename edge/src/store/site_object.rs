//! The site's Durable Object: the single writer of a site's pool, leases and calls, stored in
//! its SQLite database. It runs `shared::SiteLedger` over that storage and the KV mirror.

use super::kv::RouteMirror;
use crate::config::{self, SITES_BINDING};
use crate::error::{self, storage};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::api::{CallView, LeaseCommand, LeaseGrant, LeaseRef, Released, SiteSummary};
use shared::crm::Delivery;
use shared::report::{Dimension, RawGroup};
use shared::{
    CallEvent, CallRecord, CallStore, Clock, Error, LeaseStore, NumberRoute, PhoneNumber, SiteLedger,
    SiteSetup, SiteState, Timestamp, TouchHistory, TwilioRequest,
};
use worker::{
    console_error, console_warn, durable_object, DurableObject, Env, Method, Request, RequestInit, Response,
    Result, SqlStorage, State, Stub,
};

/// Header carrying the site id from the edge to its object (the object's id is a hash).
const SITE_HEADER: &str = "x-ringtrace-site";

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS site_state (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    // Beside each call's JSON, the columns the dashboard filters and sorts by (shared::CallRow).
    "CREATE TABLE IF NOT EXISTS calls (call_sid TEXT PRIMARY KEY, started_at INTEGER NOT NULL, json TEXT NOT NULL, \
     caller TEXT, channel TEXT, source TEXT, campaign TEXT, answered INTEGER NOT NULL DEFAULT 0, \
     voicemail INTEGER NOT NULL DEFAULT 0, live INTEGER NOT NULL DEFAULT 0, \
     talk_secs INTEGER NOT NULL DEFAULT 0, first_time INTEGER NOT NULL DEFAULT 1)",
    "CREATE INDEX IF NOT EXISTS calls_by_time ON calls (started_at DESC)",
    "CREATE INDEX IF NOT EXISTS calls_by_caller ON calls (json_extract(json, '$.from'), started_at)",
    "CREATE TABLE IF NOT EXISTS sessions (session_key TEXT PRIMARY KEY, started_at INTEGER NOT NULL, json TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sessions_by_time ON sessions (started_at)",
    "CREATE TABLE IF NOT EXISTS visitors (visitor TEXT PRIMARY KEY, updated_at INTEGER NOT NULL, json TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, call_sid TEXT NOT NULL, next_at INTEGER, json TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at) WHERE next_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS deliveries_by_call ON deliveries (call_sid)",
];

/// The call columns added after the first release, with their types: a database created
/// before them gets them (and their values) on first use (see `ensure_call_columns`).
const CALL_COLUMNS: &[(&str, &str)] = &[
    ("caller", "TEXT"),
    ("channel", "TEXT"),
    ("source", "TEXT"),
    ("campaign", "TEXT"),
    ("answered", "INTEGER NOT NULL DEFAULT 0"),
    ("voicemail", "INTEGER NOT NULL DEFAULT 0"),
    ("live", "INTEGER NOT NULL DEFAULT 0"),
    ("talk_secs", "INTEGER NOT NULL DEFAULT 0"),
    ("first_time", "INTEGER NOT NULL DEFAULT 1"),
];

/// Every stored column of a call by time: the overview's counts, the report's groups by
/// channel, source and campaign, and the calls list's filters are answered from this index
/// alone, without reading each call's JSON (which precedes the columns in the row and, being
/// long, spills to overflow pages).
const CALLS_COVERING_INDEX: &str = "CREATE INDEX IF NOT EXISTS calls_columns ON calls \
     (started_at, channel, source, campaign, answered, voicemail, live, talk_secs, first_time, caller)";

/// `Date.now()` as the core's clock.
pub struct EdgeClock;

pub fn now() -> Timestamp {
    EdgeClock.now()
}

/// An id for things the caller did not name (not a secret: time plus randomness).
pub fn random_id() -> String {
    let random = (worker::js_sys::Math::random() * 1e12) as u64;
    format!("{:x}{random:010x}", worker::Date::now().as_millis())
}

impl Clock for EdgeClock {
    fn now(&self) -> Timestamp {
        Timestamp(worker::Date::now().as_millis() as i64)
    }
}

#[durable_object]
pub struct SiteObject {
    state: State,
    env: Env,
    /// The site's lease rate limits (in memory: a restart forgets them).
    limiter: std::cell::RefCell<shared::rate_limit::RateLimiter>,
    memory: std::rc::Rc<Memory>,
}

/// The object's storage as the core's store traits.
struct ObjectStore {
    site: String,
    sql: SqlStorage,
    mirror: RouteMirror,
    memory: std::rc::Rc<Memory>,
}

/// What the object keeps in memory between requests, as the site's one writer: its state as
/// last read or written (so a lease does not parse the pool from SQLite each time; a restart
/// reads it again), and whether its tables are known to exist.
#[derive(Default)]
struct Memory {
    state: std::cell::RefCell<Option<SiteState>>,
    schema_ready: std::cell::Cell<bool>,
}

#[derive(Deserialize)]
struct JsonRow {
    json: String,
}

impl ObjectStore {
    /// The site's main business number, read by SQLite from the stored settings.
    fn main_business_number(&self) -> shared::Result<Option<String>> {
        #[derive(Deserialize)]
        struct Main {
            number: Option<String>,
        }
        if !self.has_tables()? {
            return Ok(None);
        }
        let sql =
            "SELECT json_extract(json, '$.config.business_number') AS number FROM site_state WHERE id = 1";
        let rows: Vec<Main> = self.sql.exec(sql, None).and_then(|c| c.to_array()).map_err(storage)?;
        Ok(rows.into_iter().next().and_then(|r| r.number))
    }

    /// Whether this object has ever stored anything. Requests for a site that does not exist
    /// must not create storage, so tables are only created by the first write.
    fn has_tables(&self) -> shared::Result<bool> {
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        let rows: Vec<Count> = self
            .sql
            .exec(
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'site_state'",
                None,
            )
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().is_some_and(|r| r.n > 0))
    }

    fn ensure_schema(&self) -> shared::Result<()> {
        SCHEMA.iter().try_for_each(|statement| self.write(statement, vec![]))?;
        self.ensure_call_columns()
    }

    /// Adds the [`CALL_COLUMNS`] a `calls` table made before them lacks (each checked on its
    /// own, so an interrupted upgrade resumes), then fills them in from each call's JSON, 500
    /// calls per request until none is left (bounded work per request, whatever the site's
    /// size); a `meta` row records when that is done, so later requests pay one lookup.
    fn ensure_call_columns(&self) -> shared::Result<()> {
        #[derive(Deserialize)]
        struct Name {
            name: String,
        }
        #[derive(Deserialize)]
        struct Old {
            call_sid: String,
            json: String,
        }
        const BATCH: usize = 500;
        #[derive(Deserialize)]
        struct Flag {
            key: String,
            value: i64,
        }
        let flags: Vec<Flag> = self
            .sql
            .exec("SELECT key, value FROM meta WHERE key IN ('calls_backfilled', 'calls_indexed')", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        let flag = |key: &str| flags.iter().any(|f| f.key == key && f.value == 1);
        let backfilled = flag("calls_backfilled");
        if !backfilled {
            let present: Vec<Name> = self
                .sql
                .exec("SELECT name FROM pragma_table_info('calls')", None)
                .and_then(|c| c.to_array())
                .map_err(storage)?;
            for (name, kind) in CALL_COLUMNS {
                if !present.iter().any(|p| p.name == *name) {
                    self.write(&format!("ALTER TABLE calls ADD COLUMN {name} {kind}"), vec![])?;
                }
            }
        }
        if !flag("calls_indexed") {
            // The columns exist now: the index that answers counts without reading calls' JSON.
            self.write(CALLS_COVERING_INDEX, vec![])?;
            self.write("INSERT OR REPLACE INTO meta (key, value) VALUES ('calls_indexed', 1)", vec![])?;
        }
        if backfilled {
            return Ok(());
        }
        let old: Vec<Old> = self
            .sql
            .exec(&format!("SELECT call_sid, json FROM calls WHERE caller IS NULL LIMIT {BATCH}"), None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        for row in &old {
            match serde_json::from_str::<CallRecord>(&row.json) {
                Ok(call) => self.insert_call(&call)?,
                // A call this version cannot read keeps its JSON; it is not tried again.
                Err(_) => self.write(
                    "UPDATE calls SET caller = '' WHERE call_sid = ?",
                    vec![row.call_sid.clone().into()],
                )?,
            }
        }
        if old.len() < BATCH {
            self.write("INSERT OR REPLACE INTO meta (key, value) VALUES ('calls_backfilled', 1)", vec![])?;
        }
        Ok(())
    }

    fn insert_call(&self, call: &CallRecord) -> shared::Result<()> {
        let row = shared::CallRow::of(call);
        let json = serde_json::to_string(call).map_err(storage)?;
        let int = |v: i64| worker::SqlStorageValue::try_from_i64(v).map_err(storage);
        let text = |v: &Option<String>| v.clone().map_or(worker::SqlStorageValue::Null, Into::into);
        self.write(
            "INSERT OR REPLACE INTO calls (call_sid, started_at, json, caller, channel, source, campaign, \
             answered, voicemail, live, talk_secs, first_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            ],
        )
    }

    fn rows<T: DeserializeOwned>(
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
            })
            .collect())
    }

    fn write(&self, query: &str, args: Vec<worker::SqlStorageValue>) -> shared::Result<()> {
        // Consume the cursor so the statement has run before we return.
        self.sql.exec(query, args).map(|c| c.raw().count()).map(|_| ()).map_err(storage)
    }
}

impl LeaseStore for ObjectStore {
    async fn load(&self) -> shared::Result<Option<SiteState>> {
        if let Some(state) = self.memory.state.borrow().as_ref() {
            return Ok(Some(state.clone()));
        }
        if !self.has_tables()? {
            return Ok(None);
        }
        let state: Option<SiteState> = self.rows("SELECT json FROM site_state WHERE id = 1", vec![])?.pop();
        self.memory.state.replace(state.clone());
        Ok(state)
    }
    async fn load_config(&self) -> shared::Result<Option<shared::SiteConfig>> {
        if !self.has_tables()? {
            return Ok(None);
        }
        // SQLite extracts the settings, so the (large) pool is not parsed on the call path.
        Ok(self
            .rows("SELECT json_extract(json, '$.config') AS json FROM site_state WHERE id = 1", vec![])?
            .pop())
    }
    async fn save(&self, state: &SiteState) -> shared::Result<()> {
        if !self.memory.schema_ready.get() {
            self.ensure_schema()?;
            self.memory.schema_ready.set(true);
        }
        let json = serde_json::to_string(state).map_err(storage)?;
        self.write("INSERT OR REPLACE INTO site_state (id, json) VALUES (1, ?)", vec![json.into()])?;
        // Only once written: memory never holds what storage does not.
        self.memory.state.replace(Some(state.clone()));
        Ok(())
    }
    async fn route_of(&self, number: &PhoneNumber) -> shared::Result<Option<NumberRoute>> {
        self.mirror.get(number).await
    }
    async fn publish_route(&self, number: &PhoneNumber, route: &NumberRoute) -> shared::Result<()> {
        self.mirror.put(number, route).await
    }
    async fn withdraw_route(&self, number: &PhoneNumber) -> shared::Result<()> {
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
                self.mirror.put_visitor(&self.site, &key, g, EdgeClock.now().millis()).await
            }
            None => self.mirror.delete_visitor(&self.site, visitor).await,
        }
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
    async fn find_call(&self, call_sid: &str) -> shared::Result<Option<CallRecord>> {
        if !self.has_tables()? {
            return Ok(None);
        }
        Ok(self.rows("SELECT json FROM calls WHERE call_sid = ?", vec![call_sid.into()])?.pop())
    }
    async fn first_call_from(&self, from: &str) -> shared::Result<Option<CallRecord>> {
        if !self.has_tables()? {
            return Ok(None);
        }
        self.ensure_schema()?; // objects created before the caller index existed
        let sql = "SELECT json FROM calls WHERE json_extract(json, '$.from') = ? ORDER BY started_at LIMIT 1";
        Ok(self.rows(sql, vec![from.into()])?.pop())
    }
    async fn call_groups(
        &self,
        group_by: &[Dimension],
        from: Timestamp,
        to: Timestamp,
        qualify_secs: u32,
    ) -> shared::Result<Vec<RawGroup>> {
        if !self.has_tables()? {
            return Ok(Vec::new());
        }
        self.ensure_call_columns()?;
        let int = |v: i64| worker::SqlStorageValue::try_from_i64(v).map_err(storage);
        let args = vec![int(i64::from(qualify_secs))?, int(from.millis())?, int(to.millis())?];
        self.groups(&shared::report::sql::calls(group_by), args, group_by.len())
    }
    async fn call_summary(
        &self,
        from: Timestamp,
        to: Timestamp,
        qualify_secs: u32,
    ) -> shared::Result<shared::overview::CallSummary> {
        use shared::overview::{sql, CallSummary, Totals};
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
        let mut args = vec![int(i64::from(qualify_secs))?];
        args.extend(range()?);
        let totals: Vec<Totals> =
            self.sql.exec(&sql::totals(), args).and_then(|c| c.to_array()).map_err(storage)?;
        let buckets: Vec<Bucket> =
            self.sql.exec(sql::BUCKETS, range()?).and_then(|c| c.to_array()).map_err(storage)?;
        let top = |column: &str| -> shared::Result<Vec<(String, u64)>> {
            let rows: Vec<Named> =
                self.sql.exec(&sql::top(column), range()?).and_then(|c| c.to_array()).map_err(storage)?;
            Ok(rows.into_iter().map(|r| (r.name, count(r.n))).collect())
        };
        Ok(CallSummary {
            totals: totals.into_iter().next().unwrap_or_default(),
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

async fn body<T: DeserializeOwned>(req: &mut Request) -> shared::Result<T> {
    let bytes = req.bytes().await.map_err(storage)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::invalid(format!("body: {e}")))
}

impl DurableObject for SiteObject {
    fn new(state: State, env: Env) -> Self {
        SiteObject { state, env, limiter: std::cell::RefCell::default(), memory: std::rc::Rc::default() }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let site = req.headers().get(SITE_HEADER)?.unwrap_or_default();
        let store = ObjectStore {
            site: site.clone(),
            sql: self.state.storage().sql(),
            mirror: RouteMirror::new(&self.env)?,
            memory: self.memory.clone(),
        };
        let ledger = SiteLedger::new(&site, &store, &EdgeClock);
        let path = req.path();
        let token = req.headers().get("authorization")?;
        let token = shared::api::bearer_token(token.as_deref()).map(str::to_string);
        let fallback_token = config::twilio_auth_token(&self.env);
        match (req.method(), path.as_str()) {
            (Method::Put, "/configure") => {
                let result = match body::<SiteSetup>(&mut req).await {
                    Ok(setup) => ledger.configure(setup).await.map(|c| SiteSummary::from(&c)),
                    Err(e) => Err(e),
                };
                error::json(result)
            }
            (Method::Post, "/lease") => {
                let cmd = match body::<LeaseCommand>(&mut req).await {
                    Ok(cmd) => cmd,
                    Err(e) => return error::respond(&e),
                };
                let result = ledger
                    .lease_within(
                        cmd.visitor,
                        &cmd.visit,
                        cmd.region,
                        cmd.business_number.as_ref(),
                        &self.limiter,
                        cmd.client_ip.as_deref(),
                    )
                    .await;
                match result {
                    Ok((grant, Some(over))) => {
                        console_warn!(
                            "site {site}: lease over the {over:?} rate limit ({:?})",
                            cmd.client_ip
                        );
                        let mut resp = Response::from_json(&grant)?;
                        resp.headers_mut().set("x-ringtrace-limited", &format!("{over:?}").to_lowercase())?;
                        Ok(resp)
                    }
                    other => error::json(other.map(|(grant, _)| grant)),
                }
            }
            (Method::Post, "/renew") => {
                let result = match body::<LeaseRef>(&mut req).await {
                    Ok(r) => ledger
                        .renew(&r.lease_id, &r.visitor)
                        .await
                        .map(|(lease, config)| LeaseGrant::new(&lease, &config)),
                    Err(e) => Err(e),
                };
                error::json(result)
            }
            (Method::Post, "/release") => {
                let result = match body::<LeaseRef>(&mut req).await {
                    Ok(r) => ledger
                        .release(&r.lease_id, &r.visitor)
                        .await
                        .map(|lease| Released { lease_id: lease.id.clone(), ended_at: lease.ends_at() }),
                    Err(e) => Err(e),
                };
                error::json(result)
            }
            (Method::Post, "/twilio") => {
                let check = shared::SignatureCheck {
                    fallback_token: fallback_token.as_deref(),
                    enforce: config::twilio_signatures_enforced(&self.env),
                };
                let result = match body::<TwilioRequest>(&mut req).await {
                    Ok(r) => {
                        ledger.twilio(&r, check).await.map(|twiml| serde_json::json!({ "twiml": twiml }))
                    }
                    Err(e) => Err(e),
                };
                self.schedule_deliveries(&ledger).await;
                error::json(result)
            }
            (Method::Post, "/events") => {
                let result = match body::<Vec<CallEvent>>(&mut req).await {
                    Ok(events) => {
                        ledger.call_events(token.as_deref(), events).await.map(|c| CallView::from(&c))
                    }
                    Err(e) => Err(e),
                };
                self.schedule_deliveries(&ledger).await;
                error::json(result)
            }
            (Method::Post, "/route") => {
                let result = match body::<crate::routes::telephony::RouteLookup>(&mut req).await {
                    Ok(l) => ledger.route_lookup(token.as_deref(), &l.call_id, &l.from, &l.dialed).await,
                    Err(e) => Err(e),
                };
                self.schedule_deliveries(&ledger).await;
                error::json(result)
            }
            (Method::Post, "/import") => {
                let result = match req.bytes().await {
                    Ok(bytes) => match shared::call_import::ImportBody::parse(&bytes, &site, EdgeClock.now())
                    {
                        Ok(calls) => ledger.import_calls(token.as_deref(), calls).await,
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(storage(e)),
                };
                error::json(result)
            }
            (Method::Post, "/admin/create") => {
                let result = match body::<SiteSetup>(&mut req).await {
                    Ok(setup) => ledger.create(setup).await.map(|c| shared::settings::SiteSettings::of(&c)),
                    Err(e) => Err(e),
                };
                error::json(result)
            }
            (Method::Post, "/admin/token") => {
                #[derive(Deserialize)]
                struct NewToken {
                    api_token: String,
                }
                let result = match body::<NewToken>(&mut req).await {
                    Ok(t) => {
                        ledger.rotate_token(&t.api_token).await.map(|()| serde_json::json!({"rotated": true}))
                    }
                    Err(e) => Err(e),
                };
                error::json(result)
            }
            (Method::Post, "/admin/numbers") => {
                let result = match body::<shared::api::NumberEntry>(&mut req).await {
                    Ok(entry) => ledger.add_number(entry.into()).await,
                    Err(e) => Err(e),
                };
                error::json(result)
            }
            (Method::Delete, p) if p.starts_with("/admin/numbers/") => {
                let digits = p.trim_start_matches("/admin/numbers/");
                let result = match PhoneNumber::parse(&format!("+{digits}")) {
                    Ok(number) => ledger.remove_number(&number).await,
                    Err(e) => Err(e.at("number")),
                };
                error::json(result)
            }
            (Method::Get, "/authorize") => error::json(
                ledger.authorize(token.as_deref()).await.map(|()| serde_json::json!({"ok": true})),
            ),
            (Method::Get, "/settings") => error::json(ledger.settings(token.as_deref()).await),
            (Method::Patch, "/settings") => {
                let result = match req.bytes().await {
                    Ok(bytes) => ledger.update_settings(token.as_deref(), &bytes).await,
                    Err(e) => Err(storage(e)),
                };
                error::json(result)
            }
            (Method::Get, p) if p.starts_with("/calls/") => {
                let call_sid = p.trim_start_matches("/calls/");
                error::json(ledger.call_detail(token.as_deref(), call_sid).await)
            }
            (Method::Get, "/pool") => {
                let token = token.as_deref();
                let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
                let result = match shared::api::parse_pool_days(&pairs) {
                    Ok(days) => ledger.pool_report(token, days).await,
                    Err(e) => Err(e),
                };
                error::json(result)
            }
            (Method::Get, "/overview") => {
                let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
                let result = match shared::overview::OverviewQuery::parse(&pairs, EdgeClock.now()) {
                    Ok(q) => ledger.overview(token.as_deref(), &q).await,
                    Err(e) => Err(e),
                };
                error::json(result)
            }
            (Method::Get, "/report") => {
                let token = token.as_deref();
                let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
                let result = match shared::api::ReportQuery::parse(&pairs, EdgeClock.now()) {
                    Ok(q) => ledger.report(token, &q.group_by, q.from, q.to).await.map(|rows| {
                        shared::api::ReportPage { group_by: q.group_by.clone(), from: q.from, to: q.to, rows }
                    }),
                    Err(e) => Err(e),
                };
                error::json(result)
            }
            (Method::Get, "/calls") => {
                let token = token.as_deref();
                let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
                let query = match shared::CallQuery::parse(&pairs, EdgeClock.now()) {
                    Ok(q) => q,
                    Err(e) => return error::respond(&e),
                };
                if query.csv {
                    return match ledger.export_calls(token, &query).await {
                        Ok(csv) => {
                            let mut resp = Response::ok(csv)?;
                            resp.headers_mut().set("content-type", "text/csv; charset=utf-8")?;
                            resp.headers_mut()
                                .set("content-disposition", "attachment; filename=\"ringtrace-calls.csv\"")?;
                            Ok(resp)
                        }
                        Err(e) => error::respond(&e),
                    };
                }
                error::json(ledger.query_calls(token, &query).await)
            }
            _ => error::not_found(),
        }
    }

    /// Delivers due CRM webhooks, then sets the alarm for the next one.
    async fn alarm(&self) -> Result<Response> {
        let store = ObjectStore {
            site: String::new(),
            sql: self.state.storage().sql(),
            mirror: RouteMirror::new(&self.env)?,
            memory: self.memory.clone(),
        };
        let Some(state) = store.load().await.map_err(|e| worker::Error::RustError(e.to_string()))? else {
            return Response::ok("no site");
        };
        let site = state.config.id.clone();
        let store = ObjectStore { site: site.clone(), ..store };
        let ledger = SiteLedger::new(&site, &store, &EdgeClock);
        let retry_base = config::webhook_retry_base_ms(&self.env);
        // Batches until nothing is due (a receiver that answers quickly clears a backlog now).
        // At most two batches: each delivery may wait 10 s, and an alarm run must stay short.
        for _ in 0..2 {
            let (due, secret) =
                ledger.due_deliveries().await.map_err(|e| worker::Error::RustError(e.to_string()))?;
            if due.is_empty() {
                break;
            }
            for delivery in due {
                let Some(secret) = &secret else {
                    if let Err(e) =
                        ledger.delivery_abandoned(delivery, "the site no longer has a CRM webhook").await
                    {
                        console_error!("site {site}: logging a CRM delivery failed: {e}");
                    }
                    continue;
                };
                let outcome = deliver(&delivery, secret).await;
                if let Err(e) = &outcome {
                    console_warn!("site {site}: CRM webhook {} failed: {e}", delivery.id);
                }
                if let Err(e) = ledger.delivery_attempted(delivery, outcome, retry_base).await {
                    console_error!("site {site}: logging a CRM delivery failed: {e}");
                }
            }
        }
        self.schedule_deliveries(&ledger).await;
        Response::ok("delivered")
    }
}

impl SiteObject {
    /// Sets the object's alarm for the next due CRM delivery (deliveries never delay the
    /// answer to the telephony provider: they run in the alarm).
    async fn schedule_deliveries<C: Clock>(&self, ledger: &SiteLedger<'_, ObjectStore, C>) {
        match ledger.next_delivery_at().await {
            Ok(Some(at)) => {
                let delay = (at.millis() - now().millis()).max(0);
                if let Err(e) = self.state.storage().set_alarm(delay).await {
                    console_error!("setting the delivery alarm failed: {e}");
                }
            }
            Ok(None) => {}
            Err(e) => console_error!("reading due deliveries failed: {e}"),
        }
    }
}

/// POSTs one CRM webhook, signed; the receiver's status code, or why there was none.
async fn deliver(delivery: &Delivery, secret: &str) -> std::result::Result<u16, String> {
    use futures_util::future::{select, Either};
    let sent_at = now().millis() / 1000;
    let headers = worker::Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("content-type", "application/json")?;
    set("user-agent", "ringtrace-webhooks/1")?;
    set("x-ringtrace-event", &delivery.event)?;
    set("x-ringtrace-delivery", &delivery.id)?;
    set(
        "x-ringtrace-signature",
        &shared::signature::webhook_signature_header(secret, sent_at, delivery.body.as_bytes()),
    )?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(delivery.body.clone().into()));
    let req = Request::new_with_init(&delivery.url, &init).map_err(|e| e.to_string())?;
    let controller = worker::AbortController::default();
    let signal = controller.signal();
    let fetch = worker::Fetch::Request(req);
    let sending = std::pin::pin!(fetch.send_with_signal(&signal));
    let timeout = std::time::Duration::from_millis(u64::from(shared::crm::DELIVERY_TIMEOUT_MS));
    let timer = std::pin::pin!(worker::Delay::from(timeout));
    match select(sending, timer).await {
        Either::Left((Ok(resp), _)) => Ok(resp.status_code()),
        Either::Left((Err(e), _)) => Err(e.to_string()),
        Either::Right(_) => {
            controller.abort();
            Err(format!("no answer within {} s", shared::crm::DELIVERY_TIMEOUT_MS / 1000))
        }
    }
}

/// The edge's handle on one site's object.
pub struct SiteStub {
    stub: Stub,
    site: String,
}

impl SiteStub {
    pub fn for_site(env: &Env, site: &str) -> Result<Self> {
        let stub = env.durable_object(SITES_BINDING)?.id_from_name(site)?.get_stub()?;
        Ok(SiteStub { stub, site: site.to_string() })
    }

    /// Sends a request to the object and returns its answer as a fresh (mutable) response.
    pub async fn send<T: Serialize>(
        &self,
        method: Method,
        path_and_query: &str,
        payload: Option<&T>,
        authorization: Option<&str>,
    ) -> Result<Response> {
        let mut init = RequestInit::new();
        init.with_method(method);
        let headers = worker::Headers::new();
        headers.set(SITE_HEADER, &self.site)?;
        if let Some(auth) = authorization {
            headers.set("authorization", auth)?;
        }
        if let Some(p) = payload {
            headers.set("content-type", "application/json")?;
            init.with_body(Some(serde_json::to_string(p)?.into()));
        }
        init.with_headers(headers);
        let req = Request::new_with_init(&format!("https://site{path_and_query}"), &init)?;
        let mut answer = self.stub.fetch_with_request(req).await?;
        let status = answer.status_code();
        let text = answer.text().await?;
        let mut fresh = Response::ok(text)?.with_status(status);
        // JSON unless the object said otherwise (the calls CSV export).
        let kind = answer.headers().get("content-type")?.unwrap_or_else(|| "application/json".into());
        fresh.headers_mut().set("content-type", &kind)?;
        if let Some(disposition) = answer.headers().get("content-disposition")? {
            fresh.headers_mut().set("content-disposition", &disposition)?;
        }
        if let Some(limited) = answer.headers().get("x-ringtrace-limited")? {
            fresh.headers_mut().set("x-ringtrace-limited", &limited)?;
        }
        Ok(fresh)
    }
}
