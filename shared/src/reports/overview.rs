//! The dashboard's overview of a period: headline counts against the period before, calls per
//! day by channel, and the sources and campaigns that brought the most calls.
//!
//! `GET /v1/sites/{site}/overview?from=2026-11-01&to=2026-11-30&tz=America/Chicago`. Days are
//! the marketer's own (the `tz` time zone, DST included). The site's object answers from
//! SQLite in a few aggregate queries ([`CallSummary`]); [`Overview::build`] turns two of them
//! (this period, the one before) into the answer.

use crate::calls::CallRow;
use crate::error::{Error, Result};
use crate::support::{parse_local_time as local_time, Timestamp};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Calls are counted per quarter hour before they are put into days: every time zone's
/// offset is a whole number of quarter hours, so each bucket lies in one local day.
pub const BUCKET_MILLIS: i64 = 15 * 60 * 1000;
/// How many sources and campaigns the overview lists.
pub const TOP: usize = 8;
const DAY_SECS: i64 = 24 * 3600;
const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewQuery {
    pub from: Timestamp,
    pub to: Timestamp,
    pub tz: String,
}

impl OverviewQuery {
    /// `from`/`to` as dates (days of `tz`) or RFC 3339 times; default the 30 days up to now.
    pub fn parse(pairs: &[(String, String)], now: Timestamp) -> Result<OverviewQuery> {
        const KNOWN: &[&str] = &["from", "to", "tz"];
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
            return Err(Error::invalid(format!("unknown parameter {k:?}; known: from, to, tz")));
        }
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let tz_name = get("tz").unwrap_or("UTC").trim();
        let zone = zone(tz_name)?;
        let to = match get("to") {
            Some(v) => local_time("to", v, &zone, true)?,
            None => now,
        };
        let from = match get("from") {
            Some(v) => local_time("from", v, &zone, false)?,
            None => to.plus_secs(-30 * DAY_SECS),
        };
        if from >= to {
            return Err(Error::invalid("from must be before to"));
        }
        if to.millis() - from.millis() > MAX_DAYS * DAY_SECS * 1000 {
            return Err(Error::invalid(format!("an overview covers at most {MAX_DAYS} days")));
        }
        Ok(OverviewQuery { from, to, tz: tz_name.to_string() })
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> (Timestamp, Timestamp) {
        (Timestamp(self.from.millis() - (self.to.millis() - self.from.millis())), self.from)
    }
}

pub(crate) fn zone(name: &str) -> Result<TimeZone> {
    if name.is_empty() || name.len() > 64 {
        return Err(Error::invalid("tz must be an IANA time zone such as America/Chicago"));
    }
    TimeZone::get(name).map_err(|_| Error::invalid(format!("tz {name:?} is not a known time zone")))
}

/// Headline counts of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub calls: u64,
    /// Picked up by the business (not a voicemail).
    pub answered: u64,
    /// Answered with at least the site's qualified talk time.
    pub qualified: u64,
    pub first_time: u64,
    /// Calls credited to no source.
    pub unattributed: u64,
}

impl Totals {
    pub fn add(&mut self, row: &CallRow, qualify_secs: u32) {
        let answered = row.answered && !row.voicemail;
        self.calls += 1;
        self.answered += u64::from(answered);
        self.qualified += u64::from(answered && row.talk_secs >= qualify_secs);
        self.first_time += u64::from(row.first_time);
        self.unattributed += u64::from(row.channel.is_none());
    }
}

/// The SQL the site's object runs for a [`CallSummary`] of `[from, to)` over the stored call
/// columns, each bound to `from`, `to` (the totals first to the qualified talk time and the
/// default call value).
pub mod sql {
    use crate::calls::{SQL_ANSWERED, SQL_REVENUE, SQL_TRACKED};

    /// Binds the qualified talk time, the same and the default call value (of the revenue,
    /// see `SQL_REVENUE`), then the range.
    pub fn totals() -> String {
        format!(
            "SELECT count(*) AS calls, coalesce(sum({SQL_ANSWERED}), 0) AS answered, \
             coalesce(sum({SQL_ANSWERED} AND talk_secs >= ?), 0) AS qualified, \
             coalesce(sum(first_time), 0) AS first_time, coalesce(sum(channel IS NULL), 0) AS unattributed, \
             coalesce(sum({SQL_REVENUE}), 0) AS revenue \
             FROM calls WHERE started_at >= ? AND started_at < ? AND {SQL_TRACKED}"
        )
    }

    /// Per quarter hour and channel.
    pub fn buckets() -> String {
        format!(
            "SELECT started_at / 900000 AS bucket, channel, count(*) AS n FROM calls \
             WHERE started_at >= ? AND started_at < ? AND {SQL_TRACKED} GROUP BY bucket, channel"
        )
    }
    /// The top names of a column: `source` or `campaign`.
    pub fn top(column: &str) -> String {
        format!(
            "SELECT {column} AS name, count(*) AS n FROM calls WHERE started_at >= ? AND started_at < ? \
             AND {SQL_TRACKED} AND {column} IS NOT NULL GROUP BY {column} ORDER BY n DESC, {column} ASC LIMIT {}",
            super::TOP
        )
    }
}

/// What the store aggregates for one period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallSummary {
    pub totals: Totals,
    /// (quarter hour since the epoch, channel or `None`, calls).
    pub buckets: Vec<(i64, Option<String>, u64)>,
    /// The sources and campaigns with the most calls, most first (ties by name).
    pub top_sources: Vec<(String, u64)>,
    pub top_campaigns: Vec<(String, u64)>,
    /// What the period's calls earned, in minor units (see `CallRecord::revenue`).
    pub revenue: i64,
}

impl CallSummary {
    /// The summary of `rows` (a period's calls), as the SQLite queries compute it.
    pub fn of_rows<'a>(
        rows: impl Iterator<Item = &'a CallRow>,
        qualify_secs: u32,
        default_value: Option<i64>,
    ) -> CallSummary {
        let mut summary = CallSummary::default();
        let mut buckets: BTreeMap<(i64, Option<String>), u64> = BTreeMap::new();
        let (mut sources, mut campaigns) = (BTreeMap::new(), BTreeMap::new());
        for row in rows {
            summary.totals.add(row, qualify_secs);
            summary.revenue += row.revenue(qualify_secs, default_value);
            let bucket = row.started_at.millis().div_euclid(BUCKET_MILLIS);
            *buckets.entry((bucket, row.channel.clone())).or_default() += 1;
            if let Some(s) = &row.source {
                *sources.entry(s.clone()).or_default() += 1;
            }
            if let Some(c) = &row.campaign {
                *campaigns.entry(c.clone()).or_default() += 1;
            }
        }
        summary.buckets = buckets.into_iter().map(|((b, c), n)| (b, c, n)).collect();
        summary.top_sources = top(sources);
        summary.top_campaigns = top(campaigns);
        summary
    }
}

fn top(counts: BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    all.truncate(TOP);
    all
}

/// One local day's calls by channel (`unattributed` for none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCalls {
    /// `2026-11-22`
    pub day: String,
    pub by_channel: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    pub name: String,
    pub calls: u64,
}

/// `GET /v1/sites/{site}/overview` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub from: Timestamp,
    pub to: Timestamp,
    pub tz: String,
    pub totals: Totals,
    /// The same counts for the period of the same length just before.
    pub previous: Totals,
    /// Every day of the period, oldest first (days without calls too).
    pub days: Vec<DayCalls>,
    pub top_sources: Vec<Ranked>,
    pub top_campaigns: Vec<Ranked>,
    /// Spend, cost per call and revenue of the period, and cost per call by week.
    #[serde(default)]
    pub money: Option<OverviewMoney>,
}

/// The overview's money card and chart. Amounts are decimal text in `currency`; `null` where
/// undefined (no spend, no calls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewMoney {
    pub currency: crate::money::Currency,
    pub spend: Option<String>,
    pub cost_per_call: Option<String>,
    pub revenue: String,
    /// The spend of the period before (`null`: none).
    pub previous_spend: Option<String>,
    /// Each ISO week the period touches, oldest first.
    pub weeks: Vec<WeekCost>,
}

/// One week of the cost-per-call chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekCost {
    /// `2026-W47`
    pub week: String,
    pub calls: u64,
    pub spend: Option<String>,
    pub cost_per_call: Option<String>,
}

fn week_of(date: jiff::civil::Date) -> String {
    let w = date.iso_week_date();
    format!("{:04}-W{:02}", w.year(), w.week())
}

impl OverviewMoney {
    /// From the overview's local days, the period's spend per day (`[day number]` keys), the
    /// period before's total and the period's revenue (minor units).
    pub fn build(
        overview: &Overview,
        currency: crate::money::Currency,
        spend_days: &[crate::money::RawSpend],
        previous_spend: &[crate::money::RawSpend],
        revenue: i64,
    ) -> OverviewMoney {
        let mut weeks: BTreeMap<String, (u64, Option<i64>)> = BTreeMap::new();
        for d in &overview.days {
            if let Ok(date) = d.day.parse::<jiff::civil::Date>() {
                weeks.entry(week_of(date)).or_default().0 += d.by_channel.values().sum::<u64>();
            }
        }
        let mut total: Option<i64> = None;
        for g in spend_days {
            let Some(day) = g.key.first().and_then(|k| k.parse::<i64>().ok()) else { continue };
            let week = weeks.entry(week_of(crate::money::date_of_day(day))).or_default();
            week.1 = Some(week.1.unwrap_or(0) + g.amount);
            total = Some(total.unwrap_or(0) + g.amount);
        }
        let money = |m: i64| currency.format(m);
        let previous: Option<i64> = previous_spend.iter().map(|g| g.amount).reduce(|a, b| a + b);
        OverviewMoney {
            currency,
            spend: total.map(money),
            cost_per_call: total.and_then(|s| crate::money::per(s, overview.totals.calls)).map(money),
            revenue: money(revenue),
            previous_spend: previous.map(money),
            weeks: weeks
                .into_iter()
                .map(|(week, (calls, spend))| WeekCost {
                    week,
                    calls,
                    spend: spend.map(money),
                    cost_per_call: spend.and_then(|s| crate::money::per(s, calls)).map(money),
                })
                .collect(),
        }
    }
}

impl Overview {
    pub fn build(query: &OverviewQuery, period: CallSummary, previous: CallSummary) -> Result<Overview> {
        let zone = zone(&query.tz)?;
        let day_of = |millis: i64| -> Option<jiff::civil::Date> {
            jiff::Timestamp::from_millisecond(millis).ok().map(|t| t.to_zoned(zone.clone()).date())
        };
        let mut days: BTreeMap<jiff::civil::Date, BTreeMap<String, u64>> = BTreeMap::new();
        // Every day of the period, so the chart shows quiet days as quiet.
        if let (Some(first), Some(last)) = (day_of(query.from.millis()), day_of(query.to.millis() - 1)) {
            let mut day = first;
            while day <= last && days.len() <= MAX_DAYS as usize {
                days.insert(day, BTreeMap::new());
                match day.tomorrow() {
                    Ok(next) => day = next,
                    Err(_) => break,
                }
            }
        }
        for (bucket, channel, calls) in &period.buckets {
            if let Some(day) = day_of(bucket * BUCKET_MILLIS) {
                let channel = channel.clone().unwrap_or_else(|| "unattributed".into());
                *days.entry(day).or_default().entry(channel).or_default() += calls;
            }
        }
        let ranked =
            |v: Vec<(String, u64)>| v.into_iter().map(|(name, calls)| Ranked { name, calls }).collect();
        Ok(Overview {
            from: query.from,
            to: query.to,
            tz: query.tz.clone(),
            totals: period.totals,
            previous: previous.totals,
            days: days
                .into_iter()
                .map(|(d, by_channel)| DayCalls { day: d.to_string(), by_channel })
                .collect(),
            top_sources: ranked(period.top_sources),
            top_campaigns: ranked(period.top_campaigns),
            money: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn row(time: &str, channel: Option<&str>, source: Option<&str>) -> CallRow {
        CallRow {
            call_sid: time.into(),
            started_at: at(time),
            caller: "+15550001111".into(),
            channel: channel.map(String::from),
            source: source.map(String::from),
            campaign: None,
            answered: true,
            voicemail: false,
            live: false,
            talk_secs: 30,
            first_time: true,
            masked: false,
            value: None,
            converted: None,
        }
    }

    #[test]
    fn dates_are_the_marketers_days() {
        let now = at("2026-11-23T12:00:00Z");
        let q =
            OverviewQuery::parse(&pairs("from=2026-11-01&to=2026-11-07&tz=America/Chicago"), now).unwrap();
        assert_eq!(q.from.to_rfc3339(), "2026-11-01T05:00:00Z", "midnight in Chicago (CDT)");
        assert_eq!(q.to.to_rfc3339(), "2026-11-08T06:00:00Z", "the end of the 7th (CST after the change)");
        assert_eq!(q.previous().0.to_rfc3339(), "2026-10-25T04:00:00Z");
        for (bad, says) in [
            ("tz=Mars/Olympus", "not a known time zone"),
            ("from=2026-11-10&to=2026-11-01", "before"),
            ("from=soon", "from must be"),
            ("days=7", "unknown parameter"),
        ] {
            let err = OverviewQuery::parse(&pairs(bad), now).expect_err(bad).to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn calls_land_on_their_local_day_by_channel_and_quiet_days_show() {
        let q = OverviewQuery::parse(
            &pairs("from=2026-11-01&to=2026-11-03&tz=America/Chicago"),
            at("2026-11-23T00:00:00Z"),
        )
        .unwrap();
        let rows = [
            // 11:30 pm on the 1st in Chicago, already the 2nd in UTC.
            row("2026-11-02T05:30:00Z", Some("paid search"), Some("google")),
            row("2026-11-02T07:00:00Z", Some("paid search"), Some("google")),
            row("2026-11-02T07:10:00Z", None, None),
            row("2026-11-02T08:00:00Z", Some("email"), Some("newsletter")),
        ];
        let period = CallSummary::of_rows(rows.iter(), 60, None);
        let overview = Overview::build(&q, period, CallSummary::default()).unwrap();
        let days: Vec<(&str, Vec<(&str, u64)>)> = overview
            .days
            .iter()
            .map(|d| (d.day.as_str(), d.by_channel.iter().map(|(c, n)| (c.as_str(), *n)).collect()))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-11-01", vec![("paid search", 1)]),
                ("2026-11-02", vec![("email", 1), ("paid search", 1), ("unattributed", 1)]),
                ("2026-11-03", vec![]),
            ]
        );
        assert_eq!(
            overview.totals,
            Totals { calls: 4, answered: 4, qualified: 0, first_time: 4, unattributed: 1 }
        );
        assert_eq!(
            overview.top_sources,
            [Ranked { name: "google".into(), calls: 2 }, Ranked { name: "newsletter".into(), calls: 1 }]
        );
    }
}
