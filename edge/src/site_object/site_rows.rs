//! The site's state in its SQLite database: the settings in the `site_state` row, the pool's
//! exhaustion count in `meta`, and the pool a row per number (`pool_numbers`) and per lease
//! (`pool_leases`). A lease writes the rows it changed (`shared::Pool::changes`), not the
//! whole state: its cost does not grow with the site's history.
//!
//! The object keeps the state in memory between requests (`Memory`); a copy of it costs O(1)
//! (the pool's collections are shared), so each request works on its own copy and memory
//! takes it only once it is written. Sites stored before this layout (the pool inside the
//! `site_state` row) are moved to it the first time they are read.

use super::store::ObjectStore;
use crate::error::storage;
use serde::{Deserialize, Serialize};
use shared::{Lease, Pool, PoolChanges, PoolNumber, SiteConfig, SiteState};

/// The `site_state` row's layout that keeps the pool in its own tables.
const ROWS_LAYOUT: u32 = 2;

/// The `site_state` row. Earlier rows hold `{config, pool}` and no `layout`.
#[derive(Serialize, Deserialize)]
struct SiteRow {
    config: std::sync::Arc<SiteConfig>,
    #[serde(default)]
    exhaustion_events: u64,
    #[serde(default)]
    layout: u32,
}

#[derive(Deserialize)]
struct JsonText {
    json: String,
}

impl ObjectStore {
    /// The site's state (`None`: no site here), from memory or, after a restart, storage.
    pub(super) fn load_state(&self) -> shared::Result<Option<SiteState>> {
        if let Some(state) = self.memory.state.borrow().as_ref() {
            return Ok(Some(state.clone()));
        }
        if !self.has_tables()? {
            return Ok(None);
        }
        let rows: Vec<JsonText> = self
            .sql
            .exec("SELECT json FROM site_state WHERE id = 1", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        let Some(row) = rows.into_iter().next() else { return Ok(None) };
        let mut site: SiteRow = serde_json::from_str(&row.json).map_err(storage)?;
        self.ensure_schema()?;
        // The secrets are sealed at rest: opened here; sealed now if stored in clear (or
        // under the previous key of a rotation).
        let (config, stale) = site.config.opened(crate::config::secret_keys(&self.env)?.as_ref())?;
        site.config = std::sync::Arc::new(config);
        let state = if site.layout >= ROWS_LAYOUT {
            let numbers: Vec<PoolNumber> =
                self.rows("SELECT json FROM pool_numbers ORDER BY position", vec![])?;
            let leases: Vec<Lease> = self.rows("SELECT json FROM pool_leases ORDER BY rowid", vec![])?;
            let exhaustion_events = self.exhaustion_events()?.unwrap_or(site.exhaustion_events);
            let state =
                SiteState { config: site.config, pool: Pool::from_rows(numbers, leases, exhaustion_events) };
            if stale {
                self.write_site_row(&state)?;
                worker::console_log!("site {}: its secrets are now sealed with SECRETS_KEY", state.config.id);
            }
            state
        } else {
            // Stored before the pool had its tables: moved there now, once.
            let mut state: SiteState = serde_json::from_str(&row.json).map_err(storage)?;
            state.config = site.config;
            self.write_all(&state)?;
            state
        };
        self.memory.state.replace(Some(state.clone()));
        Ok(Some(state))
    }

    /// `f` of the site's state, if there is a site.
    pub(super) fn with_state<T>(&self, f: impl FnOnce(&SiteState) -> T) -> shared::Result<Option<T>> {
        if let Some(state) = self.memory.state.borrow().as_ref() {
            return Ok(Some(f(state)));
        }
        Ok(self.load_state()?.as_ref().map(f))
    }

    /// Stores `state`: what changed since memory's copy (the settings row if they changed,
    /// the pool's changed rows), or all of it when memory has none. Memory takes the state
    /// only once it is written: it never holds what storage does not.
    pub(super) fn save_state(&self, state: &SiteState) -> shared::Result<()> {
        self.ensure_schema()?;
        let known = self.memory.state.borrow().as_ref().map(|old| {
            (old.config != state.config, old.pool.exhaustion_events() != state.pool.exhaustion_events())
        });
        match known {
            Some((settings_changed, count_changed)) => {
                if settings_changed {
                    self.write_site_row(state)?;
                } else if count_changed {
                    self.write_exhaustion_events(state.pool.exhaustion_events())?;
                }
                self.write_changes(&state.pool.changes())?;
            }
            None => {
                if !self.has_site_row()? {
                    // A new site: every visitor-mirror key it will have is in its book.
                    self.start_book_at(0)?;
                }
                self.write_all(state)?
            }
        }
        let mut kept = state.clone();
        kept.pool.forget_changes();
        self.memory.state.replace(Some(kept));
        Ok(())
    }

    fn has_site_row(&self) -> shared::Result<bool> {
        let rows: Vec<JsonText> = self
            .sql
            .exec("SELECT json FROM site_state WHERE id = 1", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(!rows.is_empty())
    }

    fn write_site_row(&self, state: &SiteState) -> shared::Result<()> {
        let keys = crate::config::secret_keys(&self.env)?;
        let nonce = || {
            let bytes = crate::clock::random_bytes(shared::SECRET_NONCE_LEN as u32).map_err(storage)?;
            bytes.try_into().map_err(|_| shared::Error::Storage("a nonce of the wrong length".into()))
        };
        let row = SiteRow {
            config: std::sync::Arc::new(state.config.sealed(keys.as_ref(), nonce)?),
            exhaustion_events: state.pool.exhaustion_events(),
            layout: ROWS_LAYOUT,
        };
        let json = serde_json::to_string(&row).map_err(storage)?;
        self.write("INSERT OR REPLACE INTO site_state (id, json) VALUES (1, ?)", vec![json.into()])?;
        self.write_exhaustion_events(state.pool.exhaustion_events())
    }

    /// How many times visitors found the pool exhausted (a row of its own: it changes with
    /// each such lease, the settings seldom).
    fn write_exhaustion_events(&self, count: u64) -> shared::Result<()> {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        self.write(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('exhaustion_events', ?)",
            vec![super::store::int(count)?],
        )
    }

    fn exhaustion_events(&self) -> shared::Result<Option<u64>> {
        #[derive(Deserialize)]
        struct Value {
            value: i64,
        }
        let rows: Vec<Value> = self
            .sql
            .exec("SELECT value FROM meta WHERE key = 'exhaustion_events'", None)
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().map(|r| u64::try_from(r.value).unwrap_or(0)))
    }

    /// The whole state: the settings row, and the pool's tables replaced.
    fn write_all(&self, state: &SiteState) -> shared::Result<()> {
        self.write("DELETE FROM pool_leases", vec![])?;
        let all = PoolChanges {
            leases: state.pool.leases().iter().map(|l| &**l).collect(),
            numbers: state.pool.numbers().iter().enumerate().collect(),
            all_numbers: true,
            pruned_before: None,
        };
        self.write_changes(&all)?;
        self.write_site_row(state)
    }

    fn write_changes(&self, changes: &PoolChanges<'_>) -> shared::Result<()> {
        if changes.all_numbers {
            self.write("DELETE FROM pool_numbers", vec![])?;
        }
        for &(position, number) in &changes.numbers {
            let json = serde_json::to_string(number).map_err(storage)?;
            let position = i64::try_from(position).map_err(storage)?;
            self.write(
                "INSERT OR REPLACE INTO pool_numbers (position, json) VALUES (?, ?)",
                vec![super::store::int(position)?, json.into()],
            )?;
        }
        for lease in &changes.leases {
            let json = serde_json::to_string(lease).map_err(storage)?;
            // An upsert keeps the row (and its rowid, the order leases are read back in).
            self.write(
                "INSERT INTO pool_leases (id, visitor, ends_at, json) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (id, visitor) DO UPDATE SET ends_at = excluded.ends_at, json = excluded.json",
                vec![
                    lease.id.clone().into(),
                    lease.visitor.clone().into(),
                    super::store::int(lease.ends_at().millis())?,
                    json.into(),
                ],
            )?;
        }
        if let Some(before) = changes.pruned_before {
            self.write(
                "DELETE FROM pool_leases WHERE ends_at <= ?",
                vec![super::store::int(before.millis())?],
            )?;
        }
        Ok(())
    }
}
