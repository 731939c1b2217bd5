//! The site's masking sessions in SQLite, as the core's `MaskingSessions`: a row per session
//! (its JSON, and the columns it is found by) and a row per pair (participant, proxy), whose
//! unique index refuses a second open session on one pair.

use super::store::{int, ObjectStore};
use crate::error::storage;
use serde::Deserialize;
use shared::{MaskingSession, PhoneNumber, SessionFilter, SessionState, Timestamp};

impl shared::MaskingSessions for ObjectStore {
    fn save_masking_session(&self, session: &MaskingSession) -> shared::Result<()> {
        if !self.memory_schema_ready() {
            self.ensure_schema()?;
            self.mark_schema_ready();
        }
        let json = serde_json::to_string(session).map_err(storage)?;
        let open = int(i64::from(session.is_open()))?;
        let key =
            session.idempotency.as_ref().map_or(worker::SqlStorageValue::Null, |i| i.key.clone().into());
        // The pairs first, in one statement (all or none), then the session: a pair the
        // open-pair index refuses leaves nothing behind. Upserts, never `OR REPLACE`: a clash on
        // that index must fail, not delete the other session's pair.
        let mut values = Vec::new();
        let mut args = Vec::new();
        for p in &session.participants {
            values.push("(?, ?, ?, ?, ?)");
            args.extend([
                session.id.clone().into(),
                p.number.e164().into(),
                p.proxy.e164().into(),
                int(session.created_at.millis())?,
                open.clone(),
            ]);
        }
        if !values.is_empty() {
            self.write(
                &format!(
                    "INSERT INTO masking_pairs (session_id, caller, proxy, created_at, open) VALUES {} \
                     ON CONFLICT (session_id, caller) DO UPDATE SET open = excluded.open",
                    values.join(", ")
                ),
                args,
            )?;
        }
        self.write(
            "INSERT INTO masking_sessions (session_id, order_id, open, created_at, expires_at, idempotency_key, json) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET open = excluded.open, \
             expires_at = excluded.expires_at, json = excluded.json",
            vec![
                session.id.clone().into(),
                session.order_id.clone().into(),
                open,
                int(session.created_at.millis())?,
                int(session.expires_at.millis())?,
                key,
                json.into(),
            ],
        )
    }

    fn masking_session(&self, id: &str) -> shared::Result<Option<MaskingSession>> {
        if !self.tables_ready()? {
            return Ok(None);
        }
        Ok(self.rows("SELECT json FROM masking_sessions WHERE session_id = ?", vec![id.into()])?.pop())
    }

    fn masking_session_by_key(&self, key: &str) -> shared::Result<Option<MaskingSession>> {
        if !self.tables_ready()? {
            return Ok(None);
        }
        Ok(self.rows("SELECT json FROM masking_sessions WHERE idempotency_key = ?", vec![key.into()])?.pop())
    }

    fn open_masking_session_of_order(&self, order_id: &str) -> shared::Result<Option<MaskingSession>> {
        if !self.tables_ready()? {
            return Ok(None);
        }
        let sql = "SELECT json FROM masking_sessions WHERE order_id = ? AND open = 1 LIMIT 1";
        Ok(self.rows(sql, vec![order_id.into()])?.pop())
    }

    fn latest_masking_session_on_pair(
        &self,
        caller: &PhoneNumber,
        proxy: &PhoneNumber,
        at: Timestamp,
    ) -> shared::Result<Option<MaskingSession>> {
        if !self.tables_ready()? {
            return Ok(None);
        }
        let sql = "SELECT s.json AS json FROM masking_pairs p JOIN masking_sessions s ON s.session_id = p.session_id \
                   WHERE p.caller = ? AND p.proxy = ? AND p.created_at <= ? \
                   ORDER BY p.created_at DESC, p.open DESC LIMIT 1";
        Ok(self.rows(sql, vec![caller.e164().into(), proxy.e164().into(), int(at.millis())?])?.pop())
    }

    fn open_masking_sessions_of(&self, number: &PhoneNumber) -> shared::Result<Vec<MaskingSession>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let sql = "SELECT s.json AS json FROM masking_pairs p JOIN masking_sessions s ON s.session_id = p.session_id \
                   WHERE p.caller = ? AND p.open = 1";
        self.rows(sql, vec![number.e164().into()])
    }

    fn open_masking_sessions_on(&self, proxy: &PhoneNumber) -> shared::Result<Vec<MaskingSession>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let sql = "SELECT json FROM masking_sessions WHERE open = 1 AND session_id IN \
                   (SELECT session_id FROM masking_pairs WHERE proxy = ? AND open = 1)";
        self.rows(sql, vec![proxy.e164().into()])
    }

    fn masking_proxies_used_by(&self, number: &PhoneNumber) -> shared::Result<Vec<(PhoneNumber, Timestamp)>> {
        #[derive(Deserialize)]
        struct Used {
            proxy: String,
            at: i64,
        }
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let rows: Vec<Used> = self
            .sql
            .exec(
                "SELECT proxy, max(created_at) AS at FROM masking_pairs WHERE caller = ? GROUP BY proxy",
                vec![number.e164().into()],
            )
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| PhoneNumber::parse(&r.proxy).ok().map(|p| (p, Timestamp::from_millis(r.at))))
            .collect())
    }

    fn masking_sessions(
        &self,
        filter: &SessionFilter,
        offset: u64,
        limit: u32,
    ) -> shared::Result<(Vec<MaskingSession>, u64)> {
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        if !self.tables_ready()? {
            return Ok((Vec::new(), 0));
        }
        // The state as a literal, so `masking_by_state` (open, created_at) serves it.
        let mut clauses = vec!["1 = 1"];
        let mut args: Vec<worker::SqlStorageValue> = Vec::new();
        match filter.state {
            Some(SessionState::Open) => clauses.push("open = 1"),
            Some(SessionState::Closed) => clauses.push("open = 0"),
            None => {}
        }
        if let Some(order) = &filter.order_id {
            clauses.push("order_id = ?");
            args.push(order.clone().into());
        }
        let condition = clauses.join(" AND ");
        let counted: Vec<Count> = self
            .sql
            .exec(&format!("SELECT count(*) AS n FROM masking_sessions WHERE {condition}"), args.clone())
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        let total = counted.first().map_or(0, |c| u64::try_from(c.n).unwrap_or(0));
        args.push(int(i64::from(limit))?);
        args.push(int(i64::try_from(offset).unwrap_or(i64::MAX))?);
        let page = self.rows(
            &format!(
                "SELECT json FROM masking_sessions WHERE {condition} ORDER BY created_at DESC, session_id DESC \
                 LIMIT ? OFFSET ?"
            ),
            args,
        )?;
        Ok((page, total))
    }

    fn masking_sessions_due(&self, now: Timestamp, limit: usize) -> shared::Result<Vec<MaskingSession>> {
        if !self.tables_ready()? {
            return Ok(Vec::new());
        }
        let sql = "SELECT json FROM masking_sessions WHERE open = 1 AND expires_at <= ? ORDER BY expires_at LIMIT ?";
        self.rows(sql, vec![int(now.millis())?, int(i64::try_from(limit).unwrap_or(i64::MAX))?])
    }

    fn next_masking_expiry(&self) -> shared::Result<Option<Timestamp>> {
        #[derive(Deserialize)]
        struct Next {
            at: Option<i64>,
        }
        if !self.tables_ready()? {
            return Ok(None);
        }
        let rows: Vec<Next> = self
            .sql
            .exec("SELECT min(expires_at) AS at FROM masking_sessions WHERE open = 1", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().and_then(|r| r.at).map(Timestamp::from_millis))
    }
}
