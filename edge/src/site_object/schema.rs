//! The site's SQLite schema and its migrations. Tables are created by the first write only
//! (a request for a site that does not exist must not create storage); columns and indexes
//! added since the first release are added to older databases on first use.

use super::store::ObjectStore;
use crate::error::storage;
use serde::Deserialize;
use shared::CallRecord;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS site_state (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)",
    // The pool, a row per number and per lease, written as they change (`site_rows.rs`); the
    // leases in the order they were lent (their rowids).
    "CREATE TABLE IF NOT EXISTS pool_numbers (position INTEGER PRIMARY KEY, json TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS pool_leases (id TEXT NOT NULL, visitor TEXT NOT NULL, ends_at INTEGER NOT NULL, \
     json TEXT NOT NULL, PRIMARY KEY (id, visitor))",
    "CREATE INDEX IF NOT EXISTS pool_leases_by_end ON pool_leases (ends_at)",
    // The visitor-mirror keys holding a grant the edge answers with, until when.
    "CREATE TABLE IF NOT EXISTS mirrored (key TEXT PRIMARY KEY, until INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS mirrored_by_until ON mirrored (until)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    // Beside each call's JSON, the columns the dashboard filters and sorts by (shared::CallRow).
    "CREATE TABLE IF NOT EXISTS calls (call_sid TEXT PRIMARY KEY, started_at INTEGER NOT NULL, json TEXT NOT NULL, \
     caller TEXT, channel TEXT, source TEXT, campaign TEXT, answered INTEGER NOT NULL DEFAULT 0, \
     voicemail INTEGER NOT NULL DEFAULT 0, live INTEGER NOT NULL DEFAULT 0, \
     talk_secs INTEGER NOT NULL DEFAULT 0, first_time INTEGER NOT NULL DEFAULT 1, \
     masked INTEGER NOT NULL DEFAULT 0, value INTEGER, converted INTEGER)",
    "CREATE INDEX IF NOT EXISTS calls_by_time ON calls (started_at DESC)",
    "CREATE TABLE IF NOT EXISTS sessions (session_key TEXT PRIMARY KEY, started_at INTEGER NOT NULL, json TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sessions_by_time ON sessions (started_at)",
    "CREATE TABLE IF NOT EXISTS visitors (visitor TEXT PRIMARY KEY, updated_at INTEGER NOT NULL, json TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, call_sid TEXT NOT NULL, next_at INTEGER, json TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at) WHERE next_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS deliveries_by_call ON deliveries (call_sid)",
    // Extension leases, a row each (a site may hold tens of thousands: not in site_state).
    "CREATE TABLE IF NOT EXISTS extension_leases (lease_id TEXT PRIMARY KEY, number TEXT NOT NULL, \
     extension TEXT NOT NULL, visitor TEXT NOT NULL, started_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, \
     json TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS extension_leases_by_pair ON extension_leases (number, extension, started_at)",
    "CREATE INDEX IF NOT EXISTS extension_leases_by_end ON extension_leases (number, ends_at)",
    "CREATE INDEX IF NOT EXISTS extension_leases_by_visitor ON extension_leases (visitor, ends_at)",
    "CREATE INDEX IF NOT EXISTS extension_leases_ended ON extension_leases (ends_at)",
    // Calls waiting at a prompt: unless the caller answers by due_at, they hung up.
    "CREATE TABLE IF NOT EXISTS held_calls (call_sid TEXT PRIMARY KEY, held_at INTEGER NOT NULL, due_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS held_calls_due ON held_calls (due_at)",
    // Masking sessions, and their pairs (a participant's number, the proxy they call): an open
    // pair is unique, whatever the code above does (a second is refused, not replaced).
    "CREATE TABLE IF NOT EXISTS masking_sessions (session_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, \
     open INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, idempotency_key TEXT, \
     json TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS masking_by_order ON masking_sessions (order_id, open)",
    "CREATE INDEX IF NOT EXISTS masking_by_created ON masking_sessions (created_at DESC, session_id DESC)",
    "CREATE INDEX IF NOT EXISTS masking_by_state ON masking_sessions (open, created_at DESC, session_id DESC)",
    "CREATE INDEX IF NOT EXISTS masking_open_by_expiry ON masking_sessions (expires_at) WHERE open = 1",
    "CREATE UNIQUE INDEX IF NOT EXISTS masking_by_key ON masking_sessions (idempotency_key) \
     WHERE idempotency_key IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS masking_pairs (session_id TEXT NOT NULL, caller TEXT NOT NULL, proxy TEXT NOT NULL, \
     created_at INTEGER NOT NULL, open INTEGER NOT NULL, PRIMARY KEY (session_id, caller))",
    "CREATE UNIQUE INDEX IF NOT EXISTS masking_open_pairs ON masking_pairs (caller, proxy) WHERE open = 1",
    "CREATE INDEX IF NOT EXISTS masking_pairs_by_pair ON masking_pairs (caller, proxy, created_at)",
    "CREATE INDEX IF NOT EXISTS masking_pairs_by_proxy ON masking_pairs (proxy) WHERE open = 1",
    // The live stream: events kept for clients that reconnect, and the tickets that open it.
    "CREATE TABLE IF NOT EXISTS live_events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, json TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS live_events_by_time ON live_events (at)",
    "CREATE TABLE IF NOT EXISTS live_tickets (hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS live_tickets_by_expiry ON live_tickets (expires_at)",
    // Ad spend, a row per day and (source, medium, campaign) in minor units; '' for none (a
    // NULL would make every row its own key).
    // Erasures done on request (GDPR art. 17 / CCPA), for the owner to read (`GET …/audit`).
    "CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, json TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS spend (day INTEGER NOT NULL, source TEXT NOT NULL, medium TEXT NOT NULL, \
     campaign TEXT NOT NULL, channel TEXT NOT NULL, amount INTEGER NOT NULL, \
     PRIMARY KEY (day, source, medium, campaign))",
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
    ("masked", "INTEGER NOT NULL DEFAULT 0"),
    ("value", "INTEGER"),
    ("converted", "INTEGER"),
];

/// Every stored column of a call by time: the overview's counts, the report's groups by
/// channel, source and campaign, and the calls list's filters are answered from this index
/// alone, without reading each call's JSON (which precedes the columns in the row and, being
/// long, spills to overflow pages).
const CALLS_COVERING_INDEX: &str = "CREATE INDEX IF NOT EXISTS calls_columns_v3 ON calls \
     (started_at, masked, channel, source, campaign, answered, voicemail, live, talk_secs, first_time, caller, \
     value, converted)";

/// A caller's tracked calls by time: their first call to the business.
const CALLS_BY_CALLER_INDEX: &str = "CREATE INDEX IF NOT EXISTS calls_by_caller_tracked ON calls \
     (json_extract(json, '$.from'), started_at) WHERE masked = 0";

impl ObjectStore {
    /// Whether this object has ever stored anything. Requests for a site that does not exist
    /// must not create storage, so tables are only created by the first write.
    pub(super) fn has_tables(&self) -> shared::Result<bool> {
        if self.memory_schema_ready() {
            return Ok(true);
        }
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

    /// Creates what is missing; once everything is there (and the calls' columns are filled
    /// in), later calls cost nothing.
    pub(super) fn ensure_schema(&self) -> shared::Result<()> {
        if self.memory_schema_ready() && self.columns_done() {
            return Ok(());
        }
        SCHEMA.iter().try_for_each(|statement| self.write(statement, vec![]))?;
        self.mark_schema_ready();
        self.ensure_call_columns()
    }

    /// Adds the [`CALL_COLUMNS`] a `calls` table made before them lacks (each checked on its
    /// own, so an interrupted upgrade resumes), then fills them in from each call's JSON, 500
    /// calls per request until none is left (bounded work per request, whatever the site's
    /// size); a `meta` row records when that is done, so later requests pay one lookup.
    pub(super) fn ensure_call_columns(&self) -> shared::Result<()> {
        if self.columns_done() {
            return Ok(());
        }
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
            .exec(
                "SELECT key, value FROM meta WHERE key IN \
                 ('calls_backfilled', 'calls_masked', 'calls_valued', 'calls_indexed_v3')",
                None,
            )
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        let flag = |key: &str| flags.iter().any(|f| f.key == key && f.value == 1);
        let backfilled = flag("calls_backfilled");
        if !backfilled || !flag("calls_masked") || !flag("calls_valued") {
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
        if !flag("calls_masked") {
            // `masked` came with number masking: every call stored before it was a tracked one.
            self.write("INSERT OR REPLACE INTO meta (key, value) VALUES ('calls_masked', 1)", vec![])?;
        }
        if !flag("calls_valued") {
            // `value` and `converted` came with call values: no call stored before had one.
            self.write("INSERT OR REPLACE INTO meta (key, value) VALUES ('calls_valued', 1)", vec![])?;
        }
        if !flag("calls_indexed_v3") {
            // The columns exist now: the index that answers counts and revenue without reading
            // calls' JSON (the earlier ones, without `masked` or the value, are dropped).
            self.write(CALLS_COVERING_INDEX, vec![])?;
            self.write("DROP INDEX IF EXISTS calls_columns", vec![])?;
            self.write("DROP INDEX IF EXISTS calls_columns_v2", vec![])?;
            // A caller's first call is a tracked one: the caller index leaves masked calls out.
            self.write(CALLS_BY_CALLER_INDEX, vec![])?;
            self.write("DROP INDEX IF EXISTS calls_by_caller", vec![])?;
            self.write("INSERT OR REPLACE INTO meta (key, value) VALUES ('calls_indexed_v3', 1)", vec![])?;
        }
        if backfilled {
            self.mark_columns_done();
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
            self.mark_columns_done();
        }
        Ok(())
    }
}
