//! The site's live stream in SQLite, as the core's `LiveFeed`: the events kept for clients
//! that reconnect (`live_events`, the last seq in `meta`), the tickets' hashes
//! (`live_tickets`); each kept event also joins the object's outbox, which the object sends
//! to its connected sockets once the request is done.

use super::store::{int, ObjectStore};
use crate::error::storage;
use serde::Deserialize;
use shared::wire::{LiveEvent, LIVE_KEEP_EVENTS, LIVE_KEEP_SECS};
use shared::Timestamp;

impl shared::LiveFeed for ObjectStore {
    fn next_live_seq(&self) -> shared::Result<u64> {
        #[derive(Deserialize)]
        struct Last {
            value: i64,
        }
        if !self.tables_ready()? {
            return Ok(1);
        }
        let rows: Vec<Last> = self
            .sql
            .exec("SELECT value FROM meta WHERE key = 'live_seq'", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().map_or(0, |r| u64::try_from(r.value).unwrap_or(0)) + 1)
    }

    fn keep_live_event(&self, event: &LiveEvent) -> shared::Result<()> {
        if !self.memory_schema_ready() {
            self.ensure_schema()?;
            self.mark_schema_ready();
        }
        let json = serde_json::to_string(event).map_err(storage)?;
        let seq = int(i64::try_from(event.seq).unwrap_or(i64::MAX))?;
        self.write(
            "INSERT OR REPLACE INTO live_events (seq, at, json) VALUES (?, ?, ?)",
            vec![seq.clone(), int(event.at.millis())?, json.clone().into()],
        )?;
        self.write("INSERT OR REPLACE INTO meta (key, value) VALUES ('live_seq', max(?, coalesce((SELECT value FROM meta WHERE key = 'live_seq'), 0)))", vec![seq])?;
        let keep_from = i64::try_from(event.seq.saturating_sub(LIVE_KEEP_EVENTS)).unwrap_or(0);
        self.write(
            "DELETE FROM live_events WHERE seq <= ? OR at < ?",
            vec![int(keep_from)?, int(event.at.plus_secs(-LIVE_KEEP_SECS).millis())?],
        )?;
        self.outbox_push(event.seq, json);
        Ok(())
    }

    fn live_events_after(&self, seq: u64, limit: usize) -> shared::Result<Vec<LiveEvent>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        self.rows(
            "SELECT json FROM live_events WHERE seq > ? ORDER BY seq LIMIT ?",
            vec![
                int(i64::try_from(seq).unwrap_or(i64::MAX))?,
                int(i64::try_from(limit).unwrap_or(i64::MAX))?,
            ],
        )
    }

    fn oldest_live_seq(&self) -> shared::Result<Option<u64>> {
        #[derive(Deserialize)]
        struct Oldest {
            seq: Option<i64>,
        }
        if !self.tables_ready()? {
            return Ok(None);
        }
        let rows: Vec<Oldest> = self
            .sql
            .exec("SELECT min(seq) AS seq FROM live_events", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().and_then(|r| r.seq).and_then(|s| u64::try_from(s).ok()))
    }

    fn live_tickets_outstanding(&self, now: Timestamp) -> shared::Result<u64> {
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        if !self.tables_ready()? {
            return Ok(0);
        }
        self.write("DELETE FROM live_tickets WHERE expires_at <= ?", vec![int(now.millis())?])?;
        let rows: Vec<Count> = self
            .sql
            .exec("SELECT count(*) AS n FROM live_tickets", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().map_or(0, |r| u64::try_from(r.n).unwrap_or(0)))
    }

    fn save_live_ticket(&self, hash: &str, expires_at: Timestamp) -> shared::Result<()> {
        if !self.memory_schema_ready() {
            self.ensure_schema()?;
            self.mark_schema_ready();
        }
        self.write(
            "INSERT OR REPLACE INTO live_tickets (hash, expires_at) VALUES (?, ?)",
            vec![hash.into(), int(expires_at.millis())?],
        )
    }

    fn take_live_ticket(&self, hash: &str, now: Timestamp) -> shared::Result<bool> {
        #[derive(Deserialize)]
        struct Ticket {
            expires_at: i64,
        }
        if !self.tables_ready()? {
            return Ok(false);
        }
        let found: Vec<Ticket> = self
            .sql
            .exec("SELECT expires_at FROM live_tickets WHERE hash = ?", vec![hash.into()])
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        self.write(
            "DELETE FROM live_tickets WHERE hash = ? OR expires_at <= ?",
            vec![hash.into(), int(now.millis())?],
        )?;
        Ok(found.first().is_some_and(|t| now.millis() < t.expires_at))
    }
}
