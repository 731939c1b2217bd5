//! [`shared::LifecycleStore`] over the object's SQLite: retention's batched removals, the
//! rows of one visitor or caller for an erasure, and the `audit` table. A visitor's sessions
//! and calls are found by scanning their JSON (an erasure is rare; no index is kept for it).

use super::store::{int, ObjectStore};
use crate::error::storage;
use serde::Deserialize;
use shared::{AuditEntry, CallRecord, Lease, Timestamp};

#[derive(Deserialize)]
struct Value {
    value: i64,
}

#[derive(Deserialize)]
struct Keyed {
    key: String,
    json: String,
}

fn limit(n: usize) -> shared::Result<worker::SqlStorageValue> {
    int(i64::try_from(n).unwrap_or(i64::MAX).min(1 << 40))
}

impl ObjectStore {
    /// Runs a `DELETE`; how many rows it removed.
    fn delete(&self, query: &str, args: Vec<worker::SqlStorageValue>) -> shared::Result<u64> {
        let cursor = self.sql.exec(query, args).map_err(storage)?;
        cursor.raw().count();
        Ok(u64::try_from(cursor.rows_written()).unwrap_or(u64::MAX))
    }
}

impl shared::LifecycleStore for ObjectStore {
    fn prune_calls(&self, before: Timestamp, batch: usize) -> shared::Result<u64> {
        if !self.tables_ready()? {
            return Ok(0);
        }
        // The calls' deliveries (long done or given up) go with them.
        let oldest = "SELECT call_sid FROM calls WHERE started_at < ? ORDER BY started_at LIMIT ?";
        self.write(
            &format!("DELETE FROM deliveries WHERE call_sid IN ({oldest})"),
            vec![int(before.millis())?, limit(batch)?],
        )?;
        self.delete(
            &format!("DELETE FROM calls WHERE call_sid IN ({oldest})"),
            vec![int(before.millis())?, limit(batch)?],
        )
    }

    fn prune_sessions(&self, before: Timestamp, batch: usize) -> shared::Result<u64> {
        if !self.tables_ready()? {
            return Ok(0);
        }
        self.delete(
            "DELETE FROM sessions WHERE session_key IN \
             (SELECT session_key FROM sessions WHERE started_at < ? ORDER BY started_at LIMIT ?)",
            vec![int(before.millis())?, limit(batch)?],
        )
    }

    fn prune_touches(&self, before: Timestamp, batch: usize) -> shared::Result<u64> {
        if !self.tables_ready()? {
            return Ok(0);
        }
        self.delete(
            "DELETE FROM visitors WHERE visitor IN \
             (SELECT visitor FROM visitors WHERE updated_at < ? LIMIT ?)",
            vec![int(before.millis())?, limit(batch)?],
        )
    }

    fn calls_started(
        &self,
        from: Timestamp,
        before: Timestamp,
        batch: usize,
    ) -> shared::Result<Vec<CallRecord>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        self.rows(
            "SELECT json FROM calls WHERE started_at >= ? AND started_at < ? ORDER BY started_at, call_sid LIMIT ?",
            vec![int(from.millis())?, int(before.millis())?, limit(batch)?],
        )
    }

    fn calls_from(&self, from: &str) -> shared::Result<Vec<CallRecord>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        self.rows("SELECT json FROM calls WHERE json_extract(json, '$.from') = ?", vec![from.into()])
    }

    fn calls_crediting(&self, visitor: &str) -> shared::Result<Vec<CallRecord>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let calls: Vec<CallRecord> = self.rows(
            "SELECT json FROM calls WHERE json_extract(json, '$.attribution.visitor') = ? \
             OR json_extract(json, '$.attribution.candidates') LIKE ? ESCAPE '\\'",
            vec![
                visitor.into(),
                format!("%\"{}\"%", visitor.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
                    .into(),
            ],
        )?;
        Ok(calls.into_iter().filter(|c| c.credits_visitor(visitor)).collect())
    }

    fn sessions_of(&self, visitor: &str) -> shared::Result<Vec<(String, Lease)>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let rows: Vec<Keyed> = self
            .sql
            .exec(
                "SELECT session_key AS key, json FROM sessions WHERE json_extract(json, '$.visitor') = ?",
                vec![visitor.into()],
            )
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        rows.into_iter().map(|r| Ok((r.key, serde_json::from_str(&r.json).map_err(storage)?))).collect()
    }

    fn replace_session(&self, key: &str, session: &Lease) -> shared::Result<()> {
        self.write("DELETE FROM sessions WHERE session_key = ?", vec![key.into()])?;
        self.write(
            "INSERT OR REPLACE INTO sessions (session_key, started_at, json) VALUES (?, ?, ?)",
            vec![
                shared::session_key(session).into(),
                int(session.started_at.millis())?,
                serde_json::to_string(session).map_err(storage)?.into(),
            ],
        )
    }

    fn forget_touches(&self, visitor: &str) -> shared::Result<bool> {
        if !self.tables_ready()? {
            return Ok(false);
        }
        Ok(self.delete("DELETE FROM visitors WHERE visitor = ?", vec![visitor.into()])? > 0)
    }

    fn lifecycle_mark(&self, name: &str) -> shared::Result<Option<i64>> {
        if !self.tables_ready()? {
            return Ok(None);
        }
        let rows: Vec<Value> = self
            .sql
            .exec("SELECT value FROM meta WHERE key = ?", vec![format!("lifecycle:{name}").into()])
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().map(|r| r.value))
    }

    fn set_lifecycle_mark(&self, name: &str, value: i64) -> shared::Result<()> {
        self.ensure_schema()?;
        self.write(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            vec![format!("lifecycle:{name}").into(), int(value)?],
        )
    }

    fn append_audit(&self, entry: &AuditEntry) -> shared::Result<AuditEntry> {
        self.ensure_schema()?;
        let rows: Vec<Value> = self
            .sql
            .exec("SELECT coalesce(max(seq), 0) + 1 AS value FROM audit", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        let seq = rows.first().map_or(1, |r| r.value);
        let stored = AuditEntry { seq: u64::try_from(seq).unwrap_or(1), ..entry.clone() };
        self.write(
            "INSERT INTO audit (seq, at, json) VALUES (?, ?, ?)",
            vec![int(seq)?, int(entry.at.millis())?, serde_json::to_string(&stored).map_err(storage)?.into()],
        )?;
        Ok(stored)
    }

    fn audit_entries(&self, before_seq: Option<u64>, batch: usize) -> shared::Result<Vec<AuditEntry>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        // SQLite values cross to JavaScript as numbers: below 2^53.
        let before = before_seq.map_or(1 << 52, |b| i64::try_from(b).unwrap_or(1 << 52).min(1 << 52));
        self.rows(
            "SELECT json FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?",
            vec![int(before)?, limit(batch)?],
        )
    }

    fn export_calls(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<(Timestamp, String)>,
        batch: usize,
    ) -> shared::Result<Vec<CallRecord>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let (at, id) = after.unwrap_or((Timestamp(Timestamp::MIN.millis() - 1), String::new()));
        self.rows(
            "SELECT json FROM calls WHERE started_at >= ? AND started_at < ? AND (started_at, call_sid) > (?, ?) \
             ORDER BY started_at, call_sid LIMIT ?",
            vec![int(from.millis())?, int(to.millis())?, int(at.millis())?, id.into(), limit(batch)?],
        )
    }

    fn export_sessions(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<(Timestamp, String)>,
        batch: usize,
    ) -> shared::Result<Vec<(String, Lease)>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let (at, id) = after.unwrap_or((Timestamp(Timestamp::MIN.millis() - 1), String::new()));
        let rows: Vec<Keyed> = self
            .sql
            .exec(
                "SELECT session_key AS key, json FROM sessions WHERE started_at >= ? AND started_at < ? \
                 AND (started_at, session_key) > (?, ?) ORDER BY started_at, session_key LIMIT ?",
                vec![int(from.millis())?, int(to.millis())?, int(at.millis())?, id.into(), limit(batch)?],
            )
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        rows.into_iter().map(|r| Ok((r.key, serde_json::from_str(&r.json).map_err(storage)?))).collect()
    }

    fn export_spend(
        &self,
        from_day: i64,
        to_day: i64,
        after: Option<(i64, String, String, String)>,
        batch: usize,
    ) -> shared::Result<Vec<shared::SpendDay>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let (day, source, medium, campaign) =
            after.unwrap_or((i64::from(i32::MIN), String::new(), String::new(), String::new()));
        self.sql
            .exec(
                "SELECT day, channel, source, medium, campaign, amount FROM spend WHERE day >= ? AND day < ? \
                 AND (day, source, medium, campaign) > (?, ?, ?, ?) ORDER BY day, source, medium, campaign LIMIT ?",
                vec![
                    int(from_day.max(i64::from(i32::MIN)))?,
                    int(to_day.min(i64::from(i32::MAX)))?,
                    int(day)?,
                    source.into(),
                    medium.into(),
                    campaign.into(),
                    limit(batch)?,
                ],
            )
            .and_then(|c| c.to_array())
            .map_err(storage)
    }
}
