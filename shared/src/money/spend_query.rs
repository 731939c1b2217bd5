//! Reading spend back: `GET /v1/sites/{site}/spend?from&to&group_by=month,campaign` (the
//! Spend table), `DELETE …/spend?from&to`, and the groups reports join calls with; the SQL
//! the site's object runs for them.

use super::amount::Currency;
use super::spend::{date_of_day, day_number, SpendDay};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What spend can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendDimension {
    Day,
    /// ISO week, `2026-W47`.
    Week,
    /// `2026-11`.
    Month,
    Channel,
    Source,
    Medium,
    Campaign,
}

const NAMES: &[(&str, SpendDimension)] = &[
    ("day", SpendDimension::Day),
    ("week", SpendDimension::Week),
    ("month", SpendDimension::Month),
    ("channel", SpendDimension::Channel),
    ("source", SpendDimension::Source),
    ("medium", SpendDimension::Medium),
    ("campaign", SpendDimension::Campaign),
];

impl SpendDimension {
    /// The stored column a dimension is grouped by in SQL (weeks and months by day, merged
    /// afterwards).
    fn column(self) -> &'static str {
        match self {
            SpendDimension::Day | SpendDimension::Week | SpendDimension::Month => "day",
            SpendDimension::Channel => "channel",
            SpendDimension::Source => "source",
            SpendDimension::Medium => "medium",
            SpendDimension::Campaign => "campaign",
        }
    }

    /// A stored value as shown: days as dates, weeks and months as their names, an empty
    /// campaign as `(none)`.
    pub fn shown(self, raw: &str) -> String {
        let day = || raw.parse::<i64>().ok().map(date_of_day);
        match self {
            SpendDimension::Day => day().map_or_else(|| raw.to_string(), |d| d.to_string()),
            SpendDimension::Week => day().map_or_else(
                || raw.to_string(),
                |d| {
                    let w = d.iso_week_date();
                    format!("{:04}-W{:02}", w.year(), w.week())
                },
            ),
            SpendDimension::Month => {
                day().map_or_else(|| raw.to_string(), |d| format!("{:04}-{:02}", d.year(), d.month()))
            }
            _ if raw.is_empty() => "(none)".into(),
            _ => raw.to_string(),
        }
    }
}

/// A spend group as the store sums it: the stored value per column, and the amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSpend {
    pub key: Vec<String>,
    pub amount: i64,
}

/// The SQL of spend groups: binds the day range `[from, to)`. Columns `k0…`, `amount`.
pub mod sql {
    use super::SpendDimension;

    /// A sum of minor units that cannot overflow: SQLite's `sum` of integers fails past
    /// 2^63 (an error, not a wrap), `total` adds as a float; capped at 9×10^15, far past any
    /// real spend, and an integer again. NULL over no rows, as `sum` is.
    pub fn money_sum(expr: &str) -> String {
        format!("CASE WHEN count({expr}) = 0 THEN NULL ELSE CAST(min(total({expr}), 9000000000000000) AS INTEGER) END")
    }

    pub fn groups(dims: &[SpendDimension]) -> String {
        let amount = money_sum("amount");
        if dims.is_empty() {
            return format!("SELECT {amount} AS amount FROM spend WHERE day >= ? AND day < ?");
        }
        let select: Vec<String> =
            dims.iter().enumerate().map(|(i, d)| format!("CAST({} AS TEXT) AS k{i}", d.column())).collect();
        let group: Vec<String> = (0..dims.len()).map(|i| format!("k{i}")).collect();
        format!(
            "SELECT {}, {amount} AS amount FROM spend WHERE day >= ? AND day < ? GROUP BY {}",
            select.join(", "),
            group.join(", ")
        )
    }

    /// Deletes a day range: binds `[from, to)`.
    pub const DELETE: &str = "DELETE FROM spend WHERE day >= ? AND day < ?";
    /// Deletes a day range of one source: binds `[from, to)` and the source.
    pub const DELETE_OF_SOURCE: &str = "DELETE FROM spend WHERE day >= ? AND day < ? AND source = ?";
}

/// What [`sql::groups`] computes, over days in memory.
pub fn raw_spend_groups(days: &[SpendDay], dims: &[SpendDimension], from: i64, to: i64) -> Vec<RawSpend> {
    let mut groups: BTreeMap<Vec<String>, i64> = BTreeMap::new();
    for d in days.iter().filter(|d| d.day >= from && d.day < to) {
        let key = dims
            .iter()
            .map(|dim| match dim.column() {
                "day" => d.day.to_string(),
                "channel" => d.channel.clone(),
                "source" => d.source.clone(),
                "medium" => d.medium.clone(),
                _ => d.campaign.clone(),
            })
            .collect();
        let sum = groups.entry(key).or_default();
        *sum = sum.saturating_add(d.amount);
    }
    groups.into_iter().map(|(key, amount)| RawSpend { key, amount }).collect()
}

/// `GET …/spend` and `DELETE …/spend` queries: a range of dates (both days included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendQuery {
    pub group_by: Vec<SpendDimension>,
    /// Day numbers, `[from, to)`.
    pub from: i64,
    pub to: i64,
}

/// Longest range a spend query covers.
pub const MAX_SPEND_QUERY_DAYS: i64 = 3 * 366 + 31;

impl SpendQuery {
    /// `from`/`to` dates (default: the twelve months up to `today`), `group_by` 1 to 3 of
    /// day, week, month, channel, source, medium, campaign (default `month,campaign`).
    /// `delete`: the range is required and `group_by` is not taken.
    pub fn parse(pairs: &[(String, String)], today: i64, delete: bool) -> Result<SpendQuery> {
        let known: &[&str] = if delete { &["from", "to"] } else { &["from", "to", "group_by"] };
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            return Err(Error::invalid(format!("unknown parameter {k:?}; known: {}", known.join(", ")))
                .at(k.as_str()));
        }
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim());
        let date = |k: &str, raw: &str| -> Result<i64> {
            super::spend::parse_date(raw)
                .map(day_number)
                .ok_or_else(|| Error::invalid(format!("{k} must be a date such as 2026-11-01")).at(k))
        };
        if delete && (get("from").is_none() || get("to").is_none()) {
            return Err(Error::invalid("deleting spend needs from and to (dates, both included)"));
        }
        let to = get("to").map(|v| date("to", v)).transpose()?.unwrap_or(today) + 1;
        let from = get("from").map(|v| date("from", v)).transpose()?.unwrap_or(to - 365);
        if from >= to {
            return Err(Error::invalid("from must not be after to").at("from"));
        }
        if to - from > MAX_SPEND_QUERY_DAYS {
            return Err(Error::invalid(format!("a spend query covers at most {MAX_SPEND_QUERY_DAYS} days")));
        }
        let raw = get("group_by").unwrap_or("month,campaign");
        let names: Vec<&str> = raw.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        if names.is_empty() || names.len() > 3 {
            return Err(Error::invalid(
                "group_by must name 1 to 3 of day, week, month, channel, source, medium, campaign",
            )
            .at("group_by"));
        }
        let group_by = names
            .iter()
            .map(|n| {
                NAMES.iter().find(|(name, _)| name == n).map(|(_, d)| *d).ok_or_else(|| {
                    Error::invalid(format!(
                        "group_by: unknown dimension {n:?}; use day, week, month, channel, source, medium, campaign"
                    ))
                    .at("group_by")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SpendQuery { group_by, from, to })
    }
}

/// One line of the Spend table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendRow {
    pub key: Vec<String>,
    /// Decimal text in the site's currency (`"1250.00"`).
    pub spend: String,
}

/// `GET /v1/sites/{site}/spend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendList {
    pub currency: Currency,
    pub group_by: Vec<SpendDimension>,
    /// First and last dates covered.
    pub from: String,
    pub to: String,
    /// Largest first (then by key).
    pub rows: Vec<SpendRow>,
    pub total: String,
}

impl SpendList {
    pub fn build(query: &SpendQuery, currency: Currency, groups: Vec<RawSpend>) -> SpendList {
        let mut merged: BTreeMap<Vec<String>, i64> = BTreeMap::new();
        for g in groups {
            let key = query.group_by.iter().zip(&g.key).map(|(d, raw)| d.shown(raw)).collect();
            let sum = merged.entry(key).or_default();
            *sum = sum.saturating_add(g.amount);
        }
        let total: i64 = merged.values().fold(0, |a, b| a.saturating_add(*b));
        let mut rows: Vec<(Vec<String>, i64)> = merged.into_iter().collect();
        let by_time = matches!(
            query.group_by.first(),
            Some(SpendDimension::Day | SpendDimension::Week | SpendDimension::Month)
        );
        rows.sort_by(|a, b| {
            let time = if by_time { a.0.first().cmp(&b.0.first()) } else { std::cmp::Ordering::Equal };
            time.then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0))
        });
        SpendList {
            currency,
            group_by: query.group_by.clone(),
            from: date_of_day(query.from).to_string(),
            to: date_of_day(query.to - 1).to_string(),
            rows: rows
                .into_iter()
                .map(|(key, amount)| SpendRow { key, spend: currency.format(amount) })
                .collect(),
            total: currency.format(total),
        }
    }
}

/// `POST …/spend`'s one parameter: `replace=true` (the upload replaces its sources' spend
/// over its dates) or `false` (the default: its days are upserted).
pub fn replace_param(pairs: &[(String, String)]) -> Result<bool> {
    if let Some((k, _)) = pairs.iter().find(|(k, _)| k != "replace") {
        return Err(
            Error::invalid(format!("unknown parameter {k:?}; an upload takes replace=true")).at(k.as_str())
        );
    }
    match pairs.iter().find(|(k, _)| k == "replace").map(|(_, v)| v.as_str()) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(Error::invalid("replace must be true or false").at("replace")),
    }
}

/// What an upload or a delete did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendChange {
    /// Days written (an upload) or removed (a delete).
    pub days: u64,
    /// The upload's total, in the site's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_of_spend_saturate_instead_of_wrapping_and_sql_sums_cannot_overflow() {
        // Found by the API fuzzer: 960,000 rows of 100 billion wrapped to a negative total.
        let pairs = [("group_by".to_string(), "campaign".to_string())];
        let query = SpendQuery::parse(&pairs, 20_000, false).expect("query");
        let groups = (0..3).map(|i| RawSpend { key: vec![format!("c{i}")], amount: i64::MAX / 2 }).collect();
        let list = SpendList::build(&query, Currency::USD, groups);
        assert!(!list.total.starts_with('-'), "{}", list.total);
        assert_eq!(list.total, Currency::USD.format(i64::MAX));
        let sql = sql::groups(&[SpendDimension::Campaign]);
        assert!(sql.contains("total(amount)") && !sql.contains("sum(amount)"), "{sql}");
    }
}
