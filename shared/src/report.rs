//! Reports: calls and sessions grouped by any mix of dimensions, with conversion rate.

use crate::attribution::CallRecord;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::pool::Lease;
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

/// A call's or session's value for a dimension; `(none)` when it has none.
fn key(
    d: Dimension,
    source: Option<&TrafficSource>,
    region: Option<String>,
    number: &str,
    at: Timestamp,
) -> String {
    let none = || "(none)".to_string();
    let s = |f: fn(&TrafficSource) -> Option<String>| source.and_then(f).unwrap_or_else(none);
    match d {
        Dimension::Channel => source.map_or_else(|| "unattributed".into(), |s| s.channel.label().into()),
        Dimension::Source => s(|t| Some(t.source.clone())),
        Dimension::Medium => s(|t| Some(t.medium.clone())),
        Dimension::Campaign => s(|t| t.campaign.clone()),
        Dimension::Term => s(|t| t.term.clone()),
        Dimension::Content => s(|t| t.content.clone()),
        Dimension::LandingPage => s(|t| t.landing_page.clone()),
        Dimension::Region => region.unwrap_or_else(none),
        Dimension::TrackingNumber => number.to_string(),
        Dimension::Day => day_of(at),
        Dimension::Week => week_of(at),
    }
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
    /// Average talk time of answered calls with a known talk time, seconds.
    pub avg_talk_secs: Option<f64>,
    /// Visitor sessions (leases) in the group.
    pub sessions: u64,
    /// calls / sessions; `null` without sessions.
    pub conversion_rate: Option<f64>,
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
}

/// Groups `calls` and `sessions` by `group_by`. Rows are sorted by calls, then sessions,
/// descending, then by key.
pub fn build(
    group_by: &[Dimension],
    calls: &[CallRecord],
    sessions: &[Lease],
    qualify_secs: u32,
) -> Vec<ReportRow> {
    let mut groups: BTreeMap<Vec<String>, Acc> = BTreeMap::new();
    for c in calls {
        let source = c.attribution.as_ref().map(|a| &a.source).or(c.static_source.as_ref());
        let region = c.attribution.as_ref().and_then(|a| a.region.label());
        let k: Vec<String> =
            group_by.iter().map(|d| key(*d, source, region.clone(), c.to.e164(), c.started_at)).collect();
        let acc = groups.entry(k).or_default();
        acc.calls += 1;
        if c.repeat_of.is_none() {
            acc.first_time += 1;
        }
        if c.answered() {
            acc.answered += 1;
            if let Some(talk) = c.talk_secs {
                acc.talk_total += u64::from(talk);
                acc.talk_count += 1;
            }
            // One rule for "qualified" everywhere (the calls list, overview and CSV too).
            if c.qualified(qualify_secs) {
                acc.qualified += 1;
            }
        }
    }
    for l in sessions {
        let k: Vec<String> = group_by
            .iter()
            .map(|d| key(*d, Some(&l.source), l.region.label(), l.number.e164(), l.started_at))
            .collect();
        groups.entry(k).or_default().sessions += 1;
    }
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
        })
        .collect();
    rows.sort_by(|a, b| b.calls.cmp(&a.calls).then(b.sessions.cmp(&a.sessions)).then(a.key.cmp(&b.key)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::Attribution;
    use crate::phone::PhoneNumber;
    use crate::pool::Region;
    use crate::traffic::Visit;

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
                candidates: vec![],
            }),
            repeat_of: repeat.then(|| "CAfirst".into()),
            outcome: talk.map(|_| crate::attribution::CallOutcome::Answered),
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
