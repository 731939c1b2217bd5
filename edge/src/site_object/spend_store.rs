//! The site's ad spend in SQLite, as the core's `SpendStore`: a row per day and (source,
//! medium, campaign), written in statements of 16 rows (a statement binds at most 100 values),
//! all within one request and without an await (one implicit batch); the upload's rows were
//! all checked before, so a refused upload writes nothing.

use super::store::{int, ObjectStore};
use crate::error::storage;
use shared::{spend_sql, RawSpend, SpendDay, SpendDimension};

/// Rows per statement: 6 values each, under the platform's 100 bound values.
const ROWS_PER_STATEMENT: usize = 16;

impl shared::SpendStore for ObjectStore {
    fn upsert_spend(&self, days: &[SpendDay]) -> shared::Result<()> {
        self.ensure_schema()?;
        for chunk in days.chunks(ROWS_PER_STATEMENT) {
            let mut args = Vec::with_capacity(chunk.len() * 6);
            for d in chunk {
                args.extend([
                    int(d.day)?,
                    d.source.clone().into(),
                    d.medium.clone().into(),
                    d.campaign.clone().into(),
                    d.channel.clone().into(),
                    int(d.amount)?,
                ]);
            }
            let values = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            self.write(
                &format!(
                    "INSERT INTO spend (day, source, medium, campaign, channel, amount) VALUES {values} \
                     ON CONFLICT (day, source, medium, campaign) \
                     DO UPDATE SET channel = excluded.channel, amount = excluded.amount"
                ),
                args,
            )?;
        }
        Ok(())
    }

    fn spend_groups(&self, dims: &[SpendDimension], from: i64, to: i64) -> shared::Result<Vec<RawSpend>> {
        if !self.has_tables()? {
            return Ok(Vec::new());
        }
        self.ensure_schema()?;
        let rows: Vec<serde_json::Map<String, serde_json::Value>> = self
            .sql
            .exec(&spend_sql::groups(dims), vec![int(from)?, int(to)?])
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                // A sum over no rows is NULL: no spend at all.
                let amount = row.get("amount").and_then(serde_json::Value::as_i64)?;
                let key = (0..dims.len())
                    .map(|i| row.get(&format!("k{i}")).and_then(|v| v.as_str()).unwrap_or("").to_string())
                    .collect();
                Some(RawSpend { key, amount })
            })
            .collect())
    }

    fn delete_spend_of(&self, from: i64, to: i64, sources: &[String]) -> shared::Result<u64> {
        if !self.has_tables()? {
            return Ok(0);
        }
        self.ensure_schema()?;
        let mut removed = 0;
        for source in sources {
            let args = vec![int(from)?, int(to)?, source.clone().into()];
            let cursor = self.sql.exec(spend_sql::DELETE_OF_SOURCE, args).map_err(storage)?;
            let _ = cursor.raw().count();
            removed += u64::try_from(cursor.rows_written()).unwrap_or(0);
        }
        Ok(removed)
    }

    fn holds_money(&self) -> shared::Result<bool> {
        #[derive(serde::Deserialize)]
        struct Found {
            found: i64,
        }
        if !self.has_tables()? {
            return Ok(false);
        }
        self.ensure_schema()?;
        let rows: Vec<Found> = self
            .sql
            .exec(
                "SELECT (EXISTS (SELECT 1 FROM spend) OR EXISTS (SELECT 1 FROM calls WHERE value IS NOT NULL)) AS found",
                None,
            )
            .and_then(|c| c.to_array())
            .map_err(storage)?;
        Ok(rows.first().is_some_and(|r| r.found == 1))
    }

    fn delete_spend(&self, from: i64, to: i64) -> shared::Result<u64> {
        if !self.has_tables()? {
            return Ok(0);
        }
        self.ensure_schema()?;
        let cursor = self.sql.exec(spend_sql::DELETE, vec![int(from)?, int(to)?]).map_err(storage)?;
        let _ = cursor.raw().count();
        Ok(u64::try_from(cursor.rows_written()).unwrap_or(0))
    }
}
