//! Google Ads offline click conversions: `GET /v1/sites/{site}/exports/google-ads.csv` in
//! Google's upload template, for a manual upload or a scheduled fetch by Google Ads.
//!
//! ```text
//! Parameters:TimeZone=America/Chicago
//! Google Click ID,Conversion Name,Conversion Time,Conversion Value,Conversion Currency
//! Cj0KCQ…,Phone call,2026-11-18 09:05:00,120.00,USD
//! ```
//!
//! One row per converting call with a Google click id, each click once (its first call);
//! `GBRAID`/`WBRAID` columns are added when a call came from one (iOS app and web-to-app
//! clicks), with the click id in the one column that fits.

use crate::calls::CallRecord;
use crate::error::{Error, Result};
use crate::site::SiteConfig;
use crate::support::{csv_cell, Timestamp};
use std::collections::BTreeSet;

/// The export's query: `from`, `to` (dates of the site's zone or RFC 3339), the conversion
/// action's name, and whether only converting calls count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleAdsQuery {
    pub from: Timestamp,
    pub to: Timestamp,
    pub conversion_name: String,
    /// `true` (default): calls that converted (qualified, or marked so); `false`: every call
    /// with a click id except those marked not converted.
    pub qualified: bool,
}

/// Google keeps clicks 90 days: the default range, and the longest.
const MAX_DAYS: i64 = 90;

impl GoogleAdsQuery {
    pub fn parse(pairs: &[(String, String)], now: Timestamp, zone: &str) -> Result<GoogleAdsQuery> {
        const KNOWN: &[&str] = &["from", "to", "conversion_name", "qualified"];
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
            return Err(Error::invalid(format!("unknown parameter {k:?}; known: {}", KNOWN.join(", ")))
                .at(k.as_str()));
        }
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim());
        let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let to = get("to")
            .map(|v| crate::support::parse_local_time("to", v, &tz, true))
            .transpose()?
            .unwrap_or(now);
        let from = get("from")
            .map(|v| crate::support::parse_local_time("from", v, &tz, false))
            .transpose()?
            .unwrap_or(to.plus_secs(-MAX_DAYS * 24 * 3600));
        if from >= to {
            return Err(Error::invalid("from must be before to").at("from"));
        }
        if to.millis() - from.millis() > (MAX_DAYS + 1) * 24 * 3600 * 1000 {
            return Err(Error::invalid(format!(
                "Google Ads takes clicks of the last {MAX_DAYS} days: a shorter range"
            )));
        }
        let conversion_name = get("conversion_name").unwrap_or("Phone call").to_string();
        if conversion_name.is_empty()
            || conversion_name.chars().count() > 100
            || conversion_name.chars().any(char::is_control)
        {
            return Err(Error::invalid(
                "conversion_name must be the conversion action's name (1-100 characters)",
            )
            .at("conversion_name"));
        }
        let qualified = match get("qualified") {
            None | Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(_) => return Err(Error::invalid("qualified must be true or false").at("qualified")),
        };
        Ok(GoogleAdsQuery { from, to, conversion_name, qualified })
    }
}

/// `yyyy-mm-dd hh:mm:ss` in `zone`.
fn local(at: Timestamp, zone: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_millisecond(at.millis())
        .map(|t| t.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The file for `calls` (any order; those of the range, tracked).
pub fn google_ads_csv(calls: &[CallRecord], config: &SiteConfig, query: &GoogleAdsQuery) -> String {
    let zone_name = &config.money.time_zone;
    let zone = jiff::tz::TimeZone::get(zone_name).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut chosen: Vec<&CallRecord> = calls
        .iter()
        .filter(|c| c.masking.is_none() && c.started_at >= query.from && c.started_at < query.to)
        .filter(
            |c| if query.qualified { c.converts(config.qualify_secs) } else { c.converted != Some(false) },
        )
        .filter(|c| c.attribution.as_ref().is_some_and(|a| a.source.ad_ids.has_google_click()))
        .collect();
    chosen.sort_by_key(|c| (c.started_at, c.call_sid.clone()));
    let mut seen = BTreeSet::new();
    chosen.retain(|c| {
        let ids = &c.attribution.as_ref().map(|a| a.source.ad_ids.clone()).unwrap_or_default();
        let click = ids.gclid.clone().or(ids.gbraid.clone()).or(ids.wbraid.clone()).unwrap_or_default();
        seen.insert(click)
    });
    let braids =
        chosen.iter().any(|c| c.attribution.as_ref().is_some_and(|a| a.source.ad_ids.gclid.is_none()));
    let mut out = format!("Parameters:TimeZone={zone_name}\n");
    out.push_str("Google Click ID,Conversion Name,Conversion Time,Conversion Value,Conversion Currency");
    if braids {
        out.push_str(",GBRAID,WBRAID");
    }
    out.push('\n');
    let currency = config.money.currency;
    for c in chosen {
        let ids = c.attribution.as_ref().map(|a| a.source.ad_ids.clone()).unwrap_or_default();
        let value = c.revenue(config.qualify_secs, config.money.default_call_value);
        // A call that does not convert has no value to give (Google then uses the action's).
        let has_value = c.value.is_some()
            || (config.money.default_call_value.is_some() && c.converts(config.qualify_secs));
        csv_cell(&mut out, ids.gclid.as_deref().unwrap_or(""));
        out.push(',');
        csv_cell(&mut out, &query.conversion_name);
        out.push(',');
        out.push_str(&local(c.started_at, &zone));
        out.push(',');
        if has_value {
            out.push_str(&currency.format(value));
            out.push(',');
            out.push_str(currency.code());
        } else {
            out.push(',');
        }
        if braids {
            let (gbraid, wbraid) = if ids.gclid.is_some() {
                (None, None)
            } else {
                (ids.gbraid.clone(), ids.wbraid.clone().filter(|_| ids.gbraid.is_none()))
            };
            out.push(',');
            csv_cell(&mut out, gbraid.as_deref().unwrap_or(""));
            out.push(',');
            csv_cell(&mut out, wbraid.as_deref().unwrap_or(""));
        }
        out.push('\n');
    }
    out
}
