//! Reports: calls and sessions grouped by any mix of dimensions, with conversion rate, and
//! where the grouping allows (channel, source, medium, campaign, day, week) the ad spend of
//! each group with what it cost per call and returned.

use crate::calls::CallRecord;
use crate::error::{Error, Result};
use crate::money::{per, Currency, RawSpend, SpendDimension};
use crate::pool::Lease;
use crate::support::Timestamp;
use crate::traffic::TrafficSource;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a report can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Channel,
    Source,
    Medium,
    Campaign,
    Term,
    Content,
    LandingPage,
    Region,
    TrackingNumber,
    /// UTC date, `2026-11-22`.
    Day,
    /// ISO week, `2026-W47`.
    Week,
}

const DIMENSIONS: &[(&str, Dimension)] = &[
    ("channel", Dimension::Channel),
    ("source", Dimension::Source),
    ("medium", Dimension::Medium),
    ("campaign", Dimension::Campaign),
    ("term", Dimension::Term),
    ("keyword", Dimension::Term),
    ("content", Dimension::Content),
    ("landing_page", Dimension::LandingPage),
    ("region", Dimension::Region),
    ("tracking_number", Dimension::TrackingNumber),
    ("day", Dimension::Day),
    ("week", Dimension::Week),
];

/// Parses `group_by=source,campaign`: 1 to 3 known dimensions.
pub fn parse_group_by(raw: &str) -> Result<Vec<Dimension>> {
    let names: Vec<&str> = raw.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if names.is_empty() || names.len() > 3 {
        return Err(Error::invalid("group_by must name 1 to 3 dimensions, e.g. group_by=source,campaign"));
    }
    names
        .iter()
        .map(|n| {
            DIMENSIONS.iter().find(|(name, _)| name == n).map(|(_, d)| *d).ok_or_else(|| {
                let known: Vec<&str> = DIMENSIONS.iter().map(|(n, _)| *n).collect();
                Error::invalid(format!("group_by: unknown dimension {n:?}; use {}", known.join(", ")))
            })
        })
        .collect()
}

fn datetime(at: Timestamp) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(at.millis().div_euclid(1000)).ok()
}

fn day_of(at: Timestamp) -> String {
    datetime(at).map_or_else(
        || "(none)".into(),
        |t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
    )
}

fn week_of(at: Timestamp) -> String {
    datetime(at).map_or_else(
        || "(none)".into(),
        |t| {
            let (year, week, _) = t.to_iso_week_date();
            format!("{year:04}-W{week:02}")
        },
    )
}

/// One group of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    /// The group's value for each dimension, in `group_by` order.
    pub key: Vec<String>,
    pub calls: u64,
    /// Calls known to be answered (outcomes arrive with status callbacks).
    pub answered: u64,
    /// Answered calls with talk time at or above the site's threshold.
    pub qualified: u64,
    /// Calls from callers who had not called before.
    pub first_time: u64,
    /// Average talk time of answered calls with talk time recorded, seconds.
    pub avg_talk_secs: Option<f64>,
    /// Visitor sessions (leases) in the group.
    pub sessions: u64,
    /// calls / sessions; `null` without sessions.
    pub conversion_rate: Option<f64>,
    /// Ad spend of the group (decimal text in the site's currency); `null` without any (or
    /// when the grouping has a dimension spend is not kept by: keyword, region…).
    #[serde(default)]
    pub spend: Option<String>,
    /// spend / calls; `null` without spend or calls.
    #[serde(default)]
    pub cost_per_call: Option<String>,
    /// spend / qualified calls; `null` without spend or qualified calls.
    #[serde(default)]
    pub cost_per_qualified_call: Option<String>,
    /// What the group's calls earned: their values, the default value for converting calls
    /// without one.
    #[serde(default)]
    pub revenue: Option<String>,
    /// revenue / spend; `null` without spend.
    #[serde(default)]
    pub roas: Option<f64>,
    /// (revenue − spend) / spend; `null` without spend.
    #[serde(default)]
    pub roi: Option<f64>,
}

#[derive(Default)]
struct Acc {
    calls: u64,
    answered: u64,
    qualified: u64,
    first_time: u64,
    talk_total: u64,
    talk_count: u64,
    sessions: u64,
    revenue: i64,
    spend: Option<i64>,
}

/// Groups `calls` and `sessions` by `group_by` in memory (the store does it in SQLite, with
/// the same keys). Rows are sorted by calls, then sessions, descending, then by key.
pub fn build(
    group_by: &[Dimension],
    calls: &[CallRecord],
    sessions: &[Lease],
    qualify_secs: u32,
) -> Vec<ReportRow> {
    let (calls, sessions) = raw_groups(group_by, calls, sessions, qualify_secs, None);
    build_from_groups(group_by, calls, sessions, &ReportMoney::default())
}

/// The money side of a report: the site's currency, and the spend groups (keyed by
/// [`spend_dimensions`]) when the grouping has them.
#[derive(Debug, Clone, Default)]
pub struct ReportMoney {
    pub currency: Currency,
    pub spend: Option<Vec<RawSpend>>,
}

impl Dimension {
    /// Whether spend is kept by this dimension (so a report grouped by it has spend).
    pub fn keeps_spend(self) -> bool {
        spend_dimensions(&[self]).is_some()
    }
}

/// The spend dimensions a report's grouping maps to, `None` if one of its dimensions is not
/// one spend is kept by.
pub fn spend_dimensions(group_by: &[Dimension]) -> Option<Vec<SpendDimension>> {
    group_by
        .iter()
        .map(|d| match d {
            Dimension::Channel => Some(SpendDimension::Channel),
            Dimension::Source => Some(SpendDimension::Source),
            Dimension::Medium => Some(SpendDimension::Medium),
            Dimension::Campaign => Some(SpendDimension::Campaign),
            Dimension::Day | Dimension::Week => Some(SpendDimension::Day),
            _ => None,
        })
        .collect()
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn rows_of(groups: BTreeMap<Vec<String>, Acc>, currency: Currency) -> Vec<ReportRow> {
    let money = |minor: i64| currency.format(minor);
    let mut rows: Vec<ReportRow> = groups
        .into_iter()
        .map(|(key, a)| ReportRow {
            key,
            calls: a.calls,
            answered: a.answered,
            qualified: a.qualified,
            first_time: a.first_time,
            avg_talk_secs: (a.talk_count > 0).then(|| a.talk_total as f64 / a.talk_count as f64),
            sessions: a.sessions,
            conversion_rate: (a.sessions > 0).then(|| a.calls as f64 / a.sessions as f64),
            spend: a.spend.map(money),
            cost_per_call: a.spend.and_then(|s| per(s, a.calls)).map(money),
            cost_per_qualified_call: a.spend.and_then(|s| per(s, a.qualified)).map(money),
            revenue: Some(money(a.revenue)),
            roas: a.spend.and_then(|s| ratio(a.revenue, s)),
            roi: a.spend.and_then(|s| ratio(a.revenue - s, s)),
        })
        .collect();
    rows.sort_by(|a, b| b.calls.cmp(&a.calls).then(b.sessions.cmp(&a.sessions)).then(a.key.cmp(&b.key)));
    rows
}

/// One group as the store counts it, keyed by the raw values of [`raw_call_key`] or
/// [`raw_session_key`] (what SQLite groups by); [`build_from_groups`] turns them into
/// report rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawGroup {
    pub key: Vec<Option<String>>,
    pub calls: u64,
    pub answered: u64,
    pub qualified: u64,
    pub first_time: u64,
    /// Talk time of answered calls with some talk time recorded, and how many they are.
    pub talk_total: u64,
    pub talk_count: u64,
    pub sessions: u64,
    /// What the group's calls earned, in minor units (see `CallRecord::revenue`).
    pub revenue: i64,
}

/// The calls table and the session log grouped in SQLite: raw values per dimension (the
/// stored columns where there are some, the JSON otherwise), counted there; only the groups
/// cross into the Worker. Fixed SQL text: nothing a caller sends becomes SQL.
pub mod sql {
    use super::Dimension;
    use crate::calls::{SQL_ANSWERED, SQL_REVENUE, SQL_TRACKED};

    /// A call's raw value for `d` (see [`super::raw_call_key`]).
    fn call_key(d: Dimension) -> &'static str {
        match d {
            Dimension::Channel => "channel",
            Dimension::Source => "source",
            Dimension::Campaign => "campaign",
            Dimension::Medium => {
                "coalesce(json_extract(json, '$.attribution.source.medium'), json_extract(json, '$.static_source.medium'))"
            }
            Dimension::Term => {
                "coalesce(json_extract(json, '$.attribution.source.term'), json_extract(json, '$.static_source.term'))"
            }
            Dimension::Content => {
                "coalesce(json_extract(json, '$.attribution.source.content'), json_extract(json, '$.static_source.content'))"
            }
            Dimension::LandingPage => {
                "coalesce(json_extract(json, '$.attribution.source.landing_page'), \
                 json_extract(json, '$.static_source.landing_page'))"
            }
            Dimension::Region => "json_extract(json, '$.attribution.region')",
            Dimension::TrackingNumber => "json_extract(json, '$.to')",
            Dimension::Day | Dimension::Week => "CAST(started_at / 86400000 AS TEXT)",
        }
    }

    /// A session's raw value for `d` (see [`super::raw_session_key`]).
    fn session_key(d: Dimension) -> &'static str {
        match d {
            Dimension::Channel => "json_extract(json, '$.source.channel')",
            Dimension::Source => "json_extract(json, '$.source.source')",
            Dimension::Medium => "json_extract(json, '$.source.medium')",
            Dimension::Campaign => "json_extract(json, '$.source.campaign')",
            Dimension::Term => "json_extract(json, '$.source.term')",
            Dimension::Content => "json_extract(json, '$.source.content')",
            Dimension::LandingPage => "json_extract(json, '$.source.landing_page')",
            Dimension::Region => "json_extract(json, '$.region')",
            Dimension::TrackingNumber => "json_extract(json, '$.number')",
            Dimension::Day | Dimension::Week => "CAST(started_at / 86400000 AS TEXT)",
        }
    }

    fn keys(group_by: &[Dimension], key: fn(Dimension) -> &'static str) -> (String, String) {
        let select: Vec<String> =
            group_by.iter().enumerate().map(|(i, d)| format!("{} AS k{i}", key(*d))).collect();
        let group: Vec<String> = (0..group_by.len()).map(|i| format!("k{i}")).collect();
        (select.join(", "), group.join(", "))
    }

    /// Calls grouped: binds the qualified threshold, the threshold and the default call value
    /// (of the revenue), then the range `[from, to)`. Columns `k0…`, `calls`, `answered`,
    /// `qualified`, `first_time`, `talk_total`, `talk_count`, `revenue`.
    pub fn calls(group_by: &[Dimension]) -> String {
        let (select, group) = keys(group_by, call_key);
        format!(
            "SELECT {select}, count(*) AS calls, sum({SQL_ANSWERED}) AS answered, \
             sum({SQL_ANSWERED} AND talk_secs >= ?) AS qualified, sum(first_time) AS first_time, \
             sum(CASE WHEN {SQL_ANSWERED} THEN talk_secs ELSE 0 END) AS talk_total, \
             sum({SQL_ANSWERED} AND talk_secs > 0) AS talk_count, sum({SQL_REVENUE}) AS revenue \
             FROM calls WHERE started_at >= ? AND started_at < ? AND {SQL_TRACKED} GROUP BY {group}"
        )
    }

    /// Sessions grouped: binds the range `[from, to)`. Columns `k0…`, `sessions`.
    pub fn sessions(group_by: &[Dimension]) -> String {
        let (select, group) = keys(group_by, session_key);
        format!(
            "SELECT {select}, count(*) AS sessions FROM sessions WHERE started_at >= ? AND started_at < ? \
             GROUP BY {group}"
        )
    }
}

const DAY_MS: i64 = 86_400_000;

/// What [`sql::calls`] groups a call by, computed from the record (the memory store's way).
pub fn raw_call_key(d: Dimension, c: &CallRecord) -> Option<String> {
    let source = c.attribution.as_ref().map(|a| &a.source).or(c.static_source.as_ref());
    let field = |f: fn(&TrafficSource) -> Option<String>| source.and_then(f);
    match d {
        Dimension::Channel => source.map(|s| s.channel.label().to_string()),
        Dimension::Source => field(|t| Some(t.source.clone())),
        Dimension::Medium => field(|t| Some(t.medium.clone())),
        Dimension::Campaign => field(|t| t.campaign.clone()),
        Dimension::Term => field(|t| t.term.clone()),
        Dimension::Content => field(|t| t.content.clone()),
        Dimension::LandingPage => field(|t| t.landing_page.clone()),
        Dimension::Region => c.attribution.as_ref().and_then(|a| serde_json::to_string(&a.region).ok()),
        Dimension::TrackingNumber => Some(c.to.e164().to_string()),
        Dimension::Day | Dimension::Week => Some(c.started_at.millis().div_euclid(DAY_MS).to_string()),
    }
}

/// What [`sql::sessions`] groups a session by.
pub fn raw_session_key(d: Dimension, l: &Lease) -> Option<String> {
    let t = &l.source;
    match d {
        Dimension::Channel => {
            serde_json::to_value(t.channel).ok().and_then(|v| v.as_str().map(str::to_string))
        }
        Dimension::Source => Some(t.source.clone()),
        Dimension::Medium => Some(t.medium.clone()),
        Dimension::Campaign => t.campaign.clone(),
        Dimension::Term => t.term.clone(),
        Dimension::Content => t.content.clone(),
        Dimension::LandingPage => t.landing_page.clone(),
        Dimension::Region => serde_json::to_string(&l.region).ok(),
        Dimension::TrackingNumber => Some(l.number.e164().to_string()),
        Dimension::Day | Dimension::Week => Some(l.started_at.millis().div_euclid(DAY_MS).to_string()),
    }
}

/// A raw value as the report shows it (the same words [`build`] uses).
fn shown(d: Dimension, raw: Option<&str>, session: bool) -> String {
    let none = || "(none)".to_string();
    let day = || raw.and_then(|r| r.parse::<i64>().ok()).map(|n| Timestamp(n.saturating_mul(DAY_MS)));
    match d {
        // Calls store the label, NULL when unattributed; sessions the serialized name (old
        // sessions without one read as the default channel, as their JSON does).
        Dimension::Channel if session => {
            let channel: crate::Channel = raw
                .and_then(|r| serde_json::from_value(serde_json::Value::String(r.into())).ok())
                .unwrap_or_default();
            channel.label().to_string()
        }
        Dimension::Channel => raw.map_or_else(|| "unattributed".into(), str::to_string),
        Dimension::Region => raw
            .and_then(|r| serde_json::from_str::<crate::pool::Region>(r).ok())
            .and_then(|r| r.label())
            .unwrap_or_else(none),
        Dimension::Day => day().map_or_else(none, day_of),
        Dimension::Week => day().map_or_else(none, week_of),
        _ => raw.map_or_else(none, str::to_string),
    }
}

/// The report from the store's groups: raw keys shown as words and merged where they read the
/// same (days into weeks, regions into their label). Sorted as [`build`] sorts.
pub fn build_from_groups(
    group_by: &[Dimension],
    calls: Vec<RawGroup>,
    sessions: Vec<RawGroup>,
    money: &ReportMoney,
) -> Vec<ReportRow> {
    let mut groups: BTreeMap<Vec<String>, Acc> = BTreeMap::new();
    // Spend first: a campaign that spent without a call is a row of its own.
    for g in money.spend.iter().flatten() {
        let key: Vec<String> = group_by
            .iter()
            .zip(&g.key)
            .map(|(d, raw)| shown(*d, Some(raw.as_str()).filter(|r| !r.is_empty()), false))
            .collect();
        let acc = groups.entry(key).or_default();
        acc.spend = Some(acc.spend.unwrap_or(0) + g.amount);
    }
    for (rows, session) in [(calls, false), (sessions, true)] {
        for g in rows {
            let key: Vec<String> =
                group_by.iter().zip(&g.key).map(|(d, raw)| shown(*d, raw.as_deref(), session)).collect();
            let acc = groups.entry(key).or_default();
            acc.calls += g.calls;
            acc.answered += g.answered;
            acc.qualified += g.qualified;
            acc.first_time += g.first_time;
            acc.talk_total += g.talk_total;
            acc.talk_count += g.talk_count;
            acc.sessions += g.sessions;
            acc.revenue += g.revenue;
        }
    }
    rows_of(groups, money.currency)
}

/// Groups in memory what [`sql::calls`] and [`sql::sessions`] group in SQLite.
pub fn raw_groups(
    group_by: &[Dimension],
    calls: &[CallRecord],
    sessions: &[Lease],
    qualify_secs: u32,
    default_value: Option<i64>,
) -> (Vec<RawGroup>, Vec<RawGroup>) {
    let mut by_call: BTreeMap<Vec<Option<String>>, RawGroup> = BTreeMap::new();
    for c in calls {
        let key: Vec<Option<String>> = group_by.iter().map(|d| raw_call_key(*d, c)).collect();
        let g = by_call.entry(key.clone()).or_insert_with(|| RawGroup { key, ..RawGroup::default() });
        g.calls += 1;
        g.first_time += u64::from(c.repeat_of.is_none());
        g.revenue += c.revenue(qualify_secs, default_value);
        if c.answered() {
            g.answered += 1;
            g.qualified += u64::from(c.qualified(qualify_secs));
            // Talk time as stored beside the call: unknown reads as 0 and is not averaged.
            let talk = c.talk_secs.unwrap_or(0);
            g.talk_total += u64::from(talk);
            g.talk_count += u64::from(talk > 0);
        }
    }
    let mut by_session: BTreeMap<Vec<Option<String>>, RawGroup> = BTreeMap::new();
    for l in sessions {
        let key: Vec<Option<String>> = group_by.iter().map(|d| raw_session_key(*d, l)).collect();
        by_session.entry(key.clone()).or_insert_with(|| RawGroup { key, ..RawGroup::default() }).sessions +=
            1;
    }
    (by_call.into_values().collect(), by_session.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::Attribution;
    use crate::pool::Region;
    use crate::traffic::Visit;
    use phone::PhoneNumber;

    fn source(utm: &str, campaign: &str) -> TrafficSource {
        TrafficSource::from_visit(&Visit {
            utm_source: Some(utm.into()),
            utm_medium: Some("cpc".into()),
            utm_campaign: Some(campaign.into()),
            ..Visit::default()
        })
    }

    fn lease(id: &str, s: TrafficSource, at: i64) -> Lease {
        Lease {
            id: id.into(),
            number: PhoneNumber::parse("+15550100201").unwrap(),
            visitor: format!("v-{id}"),
            source: s,
            region: Region::default(),
            started_at: Timestamp(at),
            renewed_at: None,
            expires_at: Timestamp(at + 900_000),
            ended_at: None,
            shared: false,
            overflow: false,
            static_number: false,
            extension: None,
        }
    }

    fn call(sid: &str, s: Option<TrafficSource>, talk: Option<u32>, repeat: bool) -> CallRecord {
        let incoming = crate::IncomingCall {
            call_sid: sid.into(),
            from: "+15557654321".into(),
            to: PhoneNumber::parse("+15550100201").unwrap(),
            at: Timestamp(1_795_000_000_000),
        };
        CallRecord {
            attribution: s.map(|source| Attribution {
                lease_id: "l".into(),
                visitor: "v".into(),
                source,
                region: Region::default(),
                late: false,
                unconsented: false,
                candidates: vec![],
            }),
            repeat_of: repeat.then(|| "CAfirst".into()),
            outcome: talk.map(|_| crate::calls::CallOutcome::Answered),
            talk_secs: talk,
            ..crate::attribute("demo", incoming, &crate::Pool::default(), 0, false)
        }
    }

    #[test]
    fn groups_calls_and_sessions_with_conversion() {
        let google = source("google", "spring");
        let bing = source("bing", "spring");
        let sessions =
            [lease("1", google.clone(), 0), lease("2", google.clone(), 0), lease("3", bing.clone(), 0)];
        let calls = [
            call("CA1", Some(google.clone()), Some(120), false),
            call("CA2", Some(google), Some(30), true),
            call("CA3", None, None, false),
        ];
        let rows = build(&[Dimension::Source], &calls, &sessions, 60);
        let g = rows.iter().find(|r| r.key == ["google"]).unwrap();
        assert_eq!((g.calls, g.answered, g.qualified, g.first_time, g.sessions), (2, 2, 1, 1, 2));
        assert_eq!(g.avg_talk_secs, Some(75.0));
        assert_eq!(g.conversion_rate, Some(1.0));
        let b = rows.iter().find(|r| r.key == ["bing"]).unwrap();
        assert_eq!((b.calls, b.sessions, b.conversion_rate), (0, 1, Some(0.0)));
        let none = rows.iter().find(|r| r.key == ["(none)"]).unwrap();
        assert_eq!((none.calls, none.conversion_rate), (1, None), "unattributed calls have no sessions");
        assert_eq!(rows[0].key, ["google"], "sorted by calls");
        let by_channel = build(&[Dimension::Channel, Dimension::Week], &calls, &sessions, 60);
        assert!(by_channel.iter().any(|r| r.key == ["unattributed", "2026-W47"]));
    }

    #[test]
    fn regions_days_and_weeks_read_as_words_and_merge() {
        let texas = Region { country: Some("US".into()), region: Some("Texas".into()), ..Region::default() };
        let mut monday = call("CA1", Some(source("google", "spring")), Some(90), false);
        monday.started_at = Timestamp(1_795_000_000_000); // Wed 2026-11-18
        if let Some(a) = monday.attribution.as_mut() {
            a.region = texas.clone();
        }
        let mut later = monday.clone();
        later.call_sid = "CA2".into();
        later.started_at = monday.started_at.plus_secs(86_400); // Thursday, same ISO week
        let mut session = lease("1", source("google", "spring"), monday.started_at.millis());
        session.region = texas;
        let calls = [monday, later];
        let by_week =
            build(&[Dimension::Week, Dimension::Region], &calls, std::slice::from_ref(&session), 60);
        assert_eq!(by_week.len(), 1, "two days, one week: {by_week:?}");
        assert_eq!(by_week[0].key, ["2026-W47", "Texas, US"]);
        assert_eq!((by_week[0].calls, by_week[0].sessions), (2, 1));
        let by_day = build(&[Dimension::Day], &calls, &[], 60);
        assert_eq!(
            by_day.iter().map(|r| r.key[0].as_str()).collect::<Vec<_>>(),
            ["2026-11-18", "2026-11-19"]
        );
        let by_channel = build(&[Dimension::Channel], &calls, &[session], 60);
        assert_eq!((by_channel[0].key[0].as_str(), by_channel[0].sessions), ("paid search", 1));
    }

    #[test]
    fn group_by_is_validated() {
        assert_eq!(parse_group_by("source, campaign").unwrap(), [Dimension::Source, Dimension::Campaign]);
        assert_eq!(parse_group_by("keyword").unwrap(), [Dimension::Term]);
        assert!(parse_group_by("").is_err());
        assert!(parse_group_by("a,b,c,d").is_err());
        let err = parse_group_by("source,shoe_size").unwrap_err().to_string();
        assert!(err.contains("shoe_size") && err.contains("landing_page"), "{err}");
        assert_eq!(day_of(Timestamp(1_795_000_000_000)), "2026-11-18");
    }
}
