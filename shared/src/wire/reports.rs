//! The report and pool API: `GET /v1/sites/{site}/report` (query and answer) and
//! `GET /v1/sites/{site}/pool`.

use crate::error::{Error, Result};
use crate::support::{parse_time, Timestamp};
use serde::{Deserialize, Serialize};

/// `GET /v1/sites/{site}/report` query: what to group by, over which time range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub group_by: Vec<crate::reports::report::Dimension>,
    pub from: Timestamp,
    pub to: Timestamp,
    /// The marketer's time zone (IANA, default UTC): the spend of the dates the range covers
    /// there is what the report's groups join.
    pub tz: String,
}

const DAY_SECS: i64 = 24 * 3600;
const MAX_REPORT_DAYS: i64 = 366;

impl ReportQuery {
    /// From the query string; `to` defaults to now and `from` to 30 days before `to`.
    pub fn parse(pairs: &[(String, String)], now: Timestamp) -> Result<Self> {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let group_by = crate::reports::report::parse_group_by(get("group_by").unwrap_or(""))?;
        let to = get("to").map(|v| parse_time("to", v, true)).transpose()?.unwrap_or(now);
        let from = get("from")
            .map(|v| parse_time("from", v, false))
            .transpose()?
            .unwrap_or(to.plus_secs(-30 * DAY_SECS));
        if from >= to {
            return Err(Error::invalid("from must be before to"));
        }
        if to.millis() - from.millis() > MAX_REPORT_DAYS * DAY_SECS * 1000 {
            return Err(Error::invalid(format!("a report covers at most {MAX_REPORT_DAYS} days")));
        }
        let tz = get("tz").unwrap_or("UTC").trim().to_string();
        crate::reports::overview::zone(&tz).map_err(|e| e.at("tz"))?;
        Ok(ReportQuery { group_by, from, to, tz })
    }
}

/// `GET /v1/sites/{site}/report` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPage {
    pub group_by: Vec<crate::reports::report::Dimension>,
    pub from: Timestamp,
    pub to: Timestamp,
    pub rows: Vec<crate::reports::report::ReportRow>,
    /// The currency of the rows' amounts.
    #[serde(default)]
    pub currency: crate::money::Currency,
}

/// One number's state right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberState {
    pub number: String,
    pub region: Option<String>,
    /// `live` (lent to a session), `cooling` (its session ended within the retention
    /// window) or `idle`.
    pub state: String,
    /// When it stops being live or cooling.
    pub until: Option<Timestamp>,
    /// The source of the session holding it (live or cooling): `google / cpc (paid search)`.
    #[serde(default)]
    pub holder_source: Option<String>,
    /// The business number it stands in for, when not the site's main one.
    #[serde(default)]
    pub business_number: Option<String>,
}

/// `GET /v1/sites/{site}/pool` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolReport {
    pub numbers: Vec<NumberState>,
    /// Times a visitor found every number live, since the site was created.
    pub exhaustion_events: u64,
    /// The sizing below covers this many days up to now.
    pub days: u32,
    pub sizing: crate::pool::PoolSizing,
    /// The site's extension numbers, each with its extensions in use.
    #[serde(default)]
    pub extension_numbers: Vec<ExtensionNumberState>,
}

/// An extension number right now: how many of its extensions are live and reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionNumberState {
    pub number: String,
    /// The business number it stands in for, when not the site's main one.
    pub business_number: Option<String>,
    /// How many extensions it holds (10^digits).
    pub capacity: u64,
    /// Extensions held by a live lease.
    pub live: u64,
    /// Extensions whose lease ended, kept for their session (the extension retention).
    pub reserved: u64,
    /// The live extensions, newest first (at most 100).
    pub live_extensions: Vec<LiveExtension>,
}

/// One extension lent now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveExtension {
    pub extension: String,
    pub until: Timestamp,
    /// `google / cpc (paid search)`.
    pub holder_source: String,
}

/// `days=N` for the pool report: 1 to 90, default 7.
pub fn parse_pool_days(pairs: &[(String, String)]) -> Result<u32> {
    if let Some((k, _)) = pairs.iter().find(|(k, _)| k != "days") {
        return Err(Error::invalid(format!("unknown query parameter {k:?}; the pool report takes days"))
            .at(k.as_str()));
    }
    match pairs.iter().find(|(k, _)| k == "days") {
        None => Ok(7),
        Some((_, v)) => v
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=90).contains(d))
            .ok_or_else(|| Error::invalid("days must be a number from 1 to 90")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_queries_are_checked() {
        let q = |s: &str| {
            let pairs = crate::support::parse_urlencoded(s);
            ReportQuery::parse(&pairs, Timestamp(1_795_000_000_000))
        };
        let ok = q("group_by=source&from=2026-11-01&to=2026-11-07").unwrap();
        assert_eq!(ok.to.millis() - ok.from.millis(), 7 * DAY_SECS * 1000, "to's day is included");
        let default = q("group_by=channel").unwrap();
        assert_eq!(default.to.millis() - default.from.millis(), 30 * DAY_SECS * 1000);
        for (query, needle) in [
            ("", "group_by"),
            ("group_by=colour", "colour"),
            ("group_by=source&from=yesterday", "from must be a date"),
            ("group_by=source&from=2026-11-07&to=2026-11-01", "before"),
            ("group_by=source&from=2024-01-01&to=2026-01-01", "366"),
            ("group_by=source&tz=Mars/Olympus", "Mars/Olympus"),
        ] {
            let err = q(query).unwrap_err();
            assert_eq!(err.http_status(), 400);
            assert!(err.to_string().contains(needle), "{query}: {err}");
        }
    }
}
