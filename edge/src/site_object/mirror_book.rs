//! Which visitor-mirror keys may hold a grant the edge would answer with (`mirrored`: key,
//! until when), so a grant the edge never answers with (a shared or overflow number) is
//! written to KV only to replace one it would: a visitor who never had one (every new visitor
//! of a campaign that exhausts the pool) costs no KV write. Before the book existed a site's
//! keys are unknown: for a lease's length after the book starts, every grant is written.

use super::store::{int, ObjectStore};
use crate::error::storage;
use serde::Deserialize;

/// Expired rows deleted at most this often, this many at a time.
const PRUNE_EVERY_MS: i64 = 60_000;
const PRUNE_BATCH: i64 = 200;

impl ObjectStore {
    /// Whether the edge may be answering from `key` at `now`: a grant it answers with was
    /// written there and has not expired, or the book is too new to know.
    pub(super) fn may_serve(&self, key: &str, now: i64) -> shared::Result<bool> {
        #[derive(Deserialize)]
        struct Until {
            until: i64,
        }
        let lease_ms = self.with_state(|s| s.config.lease_secs)?.unwrap_or(0).saturating_mul(1000);
        if now < self.book_since(now)?.saturating_add(lease_ms).saturating_add(120_000) {
            return Ok(true);
        }
        let rows: Vec<Until> = self
            .sql
            .exec("SELECT until FROM mirrored WHERE key = ?", vec![key.into()])
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().is_some_and(|r| r.until > now))
    }

    /// A grant the edge answers with was written under `key`, kept there until `until`.
    pub(super) fn note_served(&self, key: &str, until: i64, now: i64) -> shared::Result<()> {
        self.book_since(now)?;
        self.write(
            "INSERT OR REPLACE INTO mirrored (key, until) VALUES (?, ?)",
            vec![key.into(), int(until)?],
        )?;
        if now >= self.memory.book_pruned_at.get() + PRUNE_EVERY_MS {
            self.memory.book_pruned_at.set(now);
            self.write(
                "DELETE FROM mirrored WHERE rowid IN (SELECT rowid FROM mirrored WHERE until <= ? LIMIT ?)",
                vec![int(now)?, int(PRUNE_BATCH)?],
            )?;
        }
        Ok(())
    }

    /// `key` holds nothing the edge answers with any more.
    pub(super) fn note_gone(&self, key: &str) -> shared::Result<()> {
        self.ensure_schema()?;
        self.write("DELETE FROM mirrored WHERE key = ?", vec![key.into()])
    }

    /// Starts the book at `since` (0: a new site, whose every key it holds), unless started.
    pub(super) fn start_book_at(&self, since: i64) -> shared::Result<()> {
        self.write(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('mirror_book_since', ?)",
            vec![int(since)?],
        )
    }

    /// When this site's book started (now, for a site that had none).
    fn book_since(&self, now: i64) -> shared::Result<i64> {
        #[derive(Deserialize)]
        struct Since {
            value: i64,
        }
        if let Some(since) = self.memory.book_since.get() {
            return Ok(since);
        }
        self.ensure_schema()?;
        self.start_book_at(now)?;
        let rows: Vec<Since> = self
            .sql
            .exec("SELECT value FROM meta WHERE key = 'mirror_book_since'", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        let since = rows.first().map_or(now, |r| r.value);
        self.memory.book_since.set(Some(since));
        Ok(since)
    }
}
