//! Which calls the dashboard asks for: a time range, filters, a sort and a page.
//!
//! `GET /v1/sites/{site}/calls?from=2026-11-01&to=2026-11-30&channel=paid%20search&source=google
//! &campaign=spring&status=answered&qualified=true&first_time=true&sort=talk_time&order=desc
//! &page=2&per_page=50` (every parameter optional). The site's object answers it from SQLite:
//! each call is stored with the columns of its [`CallRow`], and [`CallQuery::sql`] is the
//! `WHERE … ORDER BY …` over them. [`CallQuery::matches`] is the same rule in Rust, for the
//! in-memory store the host tests use (the edge suites check the SQL against the same cases).

use crate::calls::{CallRecord, CallStatus};
use crate::error::{Error, Result};
use crate::support::Timestamp;
use crate::support::{count_param, parse_time};
use crate::traffic::Channel;

/// Default and largest page sizes.
pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 200;
/// A CSV export holds at most this many calls (the first in the query's order, when more
/// match).
pub const MAX_EXPORT_ROWS: u32 = 100_000;
const DAY_SECS: i64 = 24 * 3600;
const MAX_RANGE_DAYS: i64 = 366;

/// "Answered by the business" over the stored columns (a voicemail is answered by a machine).
pub const SQL_ANSWERED: &str = "(answered = 1 AND voicemail = 0)";

/// Calls that count in reports and the overview: tracked calls, not masked ones (calls
/// between an order's parties are not marketing calls).
pub const SQL_TRACKED: &str = "masked = 0";

/// What a stored call earned, in minor units (as [`CallRecord::revenue`] computes it): its
/// value, else nothing if marked not converted, else the default (the second `?`) if it
/// converted or qualified (talk time at least the first `?`).
pub const SQL_REVENUE: &str = "(CASE WHEN value IS NOT NULL THEN value WHEN converted = 0 THEN 0 \
     WHEN converted = 1 OR (answered = 1 AND voicemail = 0 AND talk_secs >= ?) THEN coalesce(?, 0) ELSE 0 END)";

/// The columns a call is stored with, beside its JSON: what the dashboard filters and sorts
/// by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub call_sid: String,
    pub started_at: Timestamp,
    pub caller: String,
    /// The channel's label (`paid search`); `None`: unattributed.
    pub channel: Option<String>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    /// The business picked up.
    pub answered: bool,
    /// The caller left a voicemail.
    pub voicemail: bool,
    /// Still ringing or talking.
    pub live: bool,
    pub talk_secs: u32,
    /// The caller's first call to the site.
    pub first_time: bool,
    /// A call between an order's parties on a masking number.
    pub masked: bool,
    /// The value set on it, in minor units.
    pub value: Option<i64>,
    /// Whether it was marked converted (or not).
    pub converted: Option<bool>,
}

impl CallRow {
    /// What the call earned, from its stored columns: [`SQL_REVENUE`] in Rust.
    pub fn revenue(&self, qualify_secs: u32, default_value: Option<i64>) -> i64 {
        let qualified = self.answered && !self.voicemail && self.talk_secs >= qualify_secs;
        match (self.value, self.converted) {
            (Some(v), _) => v,
            (None, Some(false)) => 0,
            (None, Some(true)) => default_value.unwrap_or(0),
            (None, None) if qualified => default_value.unwrap_or(0),
            (None, None) => 0,
        }
    }

    pub fn of(call: &CallRecord) -> CallRow {
        // A session's source, else a static number's rule (as the calls list shows it).
        let source = call.attribution.as_ref().map(|a| &a.source).or(call.static_source.as_ref());
        CallRow {
            call_sid: call.call_sid.clone(),
            started_at: call.started_at,
            caller: call.from.clone(),
            channel: source.map(|s| s.channel.label().to_string()),
            source: source.map(|s| s.source.clone()),
            campaign: source.and_then(|s| s.campaign.clone()),
            answered: call.answered(),
            voicemail: call.recordings.iter().any(|r| r.voicemail),
            live: matches!(call.status, Some(CallStatus::Ringing | CallStatus::InProgress)),
            talk_secs: call.talk_secs.unwrap_or(0),
            first_time: call.repeat_of.is_none(),
            masked: call.masking.is_some(),
            value: call.value.map(|v| v.minor),
            converted: call.converted,
        }
    }
}

/// The channel a call was credited to, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelFilter {
    Is(Channel),
    Unattributed,
}

/// How a call went, as a marketer sorts calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// The business picked up (a person, not the voicemail).
    Answered,
    /// Nobody picked up and no voicemail was left (rang out, busy, hung up, failed).
    Missed,
    /// The caller left a voicemail.
    Voicemail,
    /// Ringing or talking now.
    Live,
}

impl StatusFilter {
    fn parse(s: &str) -> Option<StatusFilter> {
        Some(match s {
            "answered" => StatusFilter::Answered,
            "missed" => StatusFilter::Missed,
            "voicemail" => StatusFilter::Voicemail,
            "live" => StatusFilter::Live,
            _ => return None,
        })
    }
}

/// Which kind of call: tracked (to a tracking number) or masked (between an order's parties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindFilter {
    Tracked,
    Masked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallSort {
    StartedAt,
    TalkTime,
    Caller,
    Channel,
    Source,
    Campaign,
}

const SORTS: &[(&str, CallSort, &str)] = &[
    ("started_at", CallSort::StartedAt, "started_at"),
    ("talk_time", CallSort::TalkTime, "talk_secs"),
    ("caller", CallSort::Caller, "caller"),
    ("channel", CallSort::Channel, "channel"),
    ("source", CallSort::Source, "source"),
    ("campaign", CallSort::Campaign, "campaign"),
];

/// What the calls list and its CSV export select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallQuery {
    pub from: Timestamp,
    pub to: Timestamp,
    pub channel: Option<ChannelFilter>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    pub status: Option<StatusFilter>,
    pub qualified: Option<bool>,
    pub first_time: Option<bool>,
    /// `kind=tracked|masked`; none: both.
    pub kind: Option<KindFilter>,
    pub sort: CallSort,
    pub descending: bool,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    /// `format=csv`: every call selected, as CSV (else a page of JSON).
    pub csv: bool,
}

/// A value to bind to a `?` of [`CallQuery::sql`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlArg {
    Int(i64),
    Text(String),
}

fn flag(name: &str, raw: &str) -> Result<bool> {
    match raw {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Error::invalid(format!("{name} must be true or false"))),
    }
}

fn text(name: &str, raw: &str) -> Result<String> {
    let value = raw.trim();
    if value.is_empty() || value.chars().count() > 200 {
        return Err(Error::invalid(format!("{name} must be 1 to 200 characters")));
    }
    Ok(value.to_string())
}

impl CallQuery {
    /// From the query string. The range defaults to the last 30 days (and the day ahead); the
    /// newest calls first, 50 a page. Unknown parameters are refused, so a typo in a filter
    /// does not silently show every call.
    pub fn parse(pairs: &[(String, String)], now: Timestamp) -> Result<CallQuery> {
        const KNOWN: &[&str] = &[
            "from",
            "to",
            "channel",
            "source",
            "campaign",
            "status",
            "qualified",
            "first_time",
            "kind",
            "sort",
            "order",
            "page",
            "per_page",
            "format",
        ];
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
            return Err(Error::invalid(format!("unknown parameter {k:?}; known: {}", KNOWN.join(", "))));
        }
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        // Without `to`: up to a day ahead, so a provider whose clock runs ahead is not hidden.
        let to_given = get("to").map(|v| parse_time("to", v, true)).transpose()?;
        let to = to_given.unwrap_or(now.plus_secs(DAY_SECS));
        let from = get("from")
            .map(|v| parse_time("from", v, false))
            .transpose()?
            .unwrap_or(to_given.unwrap_or(now).plus_secs(-30 * DAY_SECS));
        if from >= to {
            return Err(Error::invalid("from must be before to"));
        }
        if to.millis() - from.millis() > MAX_RANGE_DAYS * DAY_SECS * 1000 {
            return Err(Error::invalid(format!("a range covers at most {MAX_RANGE_DAYS} days")));
        }
        let channel = match get("channel") {
            None | Some("") => None,
            Some("unattributed") => Some(ChannelFilter::Unattributed),
            Some(c) => Some(ChannelFilter::Is(Channel::parse(c).ok_or_else(|| {
                Error::invalid("channel must be a channel (paid search, organic search, …) or unattributed")
            })?)),
        };
        let status = match get("status") {
            None | Some("") => None,
            Some(s) => Some(
                StatusFilter::parse(s)
                    .ok_or_else(|| Error::invalid("status must be answered, missed, voicemail or live"))?,
            ),
        };
        let sort = match get("sort") {
            None => CallSort::StartedAt,
            Some(s) => {
                SORTS.iter().find(|(name, _, _)| *name == s).map(|(_, sort, _)| *sort).ok_or_else(|| {
                    Error::invalid("sort must be started_at, talk_time, caller, channel, source or campaign")
                })?
            }
        };
        let descending = match get("order") {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(_) => return Err(Error::invalid("order must be asc or desc")),
        };
        let number = |name: &str, default: u32, max: u32| count_param(get(name), name, default, max);
        Ok(CallQuery {
            from,
            to,
            channel,
            // Sources are stored lower case (`google`): typing `Google` finds them.
            source: get("source")
                .filter(|s| !s.is_empty())
                .map(|s| text("source", s).map(|s| s.to_lowercase()))
                .transpose()?,
            campaign: get("campaign").filter(|s| !s.is_empty()).map(|s| text("campaign", s)).transpose()?,
            status,
            qualified: get("qualified")
                .filter(|s| !s.is_empty())
                .map(|s| flag("qualified", s))
                .transpose()?,
            first_time: get("first_time")
                .filter(|s| !s.is_empty())
                .map(|s| flag("first_time", s))
                .transpose()?,
            kind: match get("kind") {
                None | Some("") => None,
                Some("tracked") => Some(KindFilter::Tracked),
                Some("masked") => Some(KindFilter::Masked),
                Some(_) => return Err(Error::invalid("kind must be tracked or masked")),
            },
            sort,
            descending,
            page: number("page", 1, 1_000_000)?,
            per_page: number("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)?,
            csv: match get("format") {
                None | Some("json") => false,
                Some("csv") => true,
                Some(f) => return Err(Error::invalid(format!("format must be json or csv, not {f:?}"))),
            },
        })
    }

    /// Whether `row` is selected (the time range and every filter), `qualify_secs` being the
    /// site's qualified-call threshold.
    pub fn matches(&self, row: &CallRow, qualify_secs: u32) -> bool {
        // A voicemail is answered by a machine, not the business: neither answered nor qualified.
        let answered = row.answered && !row.voicemail;
        let qualified = answered && row.talk_secs >= qualify_secs;
        row.started_at >= self.from
            && row.started_at < self.to
            && match self.channel {
                None => true,
                Some(ChannelFilter::Unattributed) => row.channel.is_none(),
                Some(ChannelFilter::Is(c)) => row.channel.as_deref() == Some(c.label()),
            }
            && self.source.as_ref().is_none_or(|s| row.source.as_ref() == Some(s))
            && self.campaign.as_ref().is_none_or(|c| row.campaign.as_ref() == Some(c))
            && match self.status {
                None => true,
                Some(StatusFilter::Answered) => answered,
                Some(StatusFilter::Voicemail) => row.voicemail,
                Some(StatusFilter::Live) => row.live,
                Some(StatusFilter::Missed) => !row.answered && !row.voicemail && !row.live,
            }
            && self.qualified.is_none_or(|q| q == qualified)
            && self.first_time.is_none_or(|f| f == row.first_time)
            && self.kind.is_none_or(|k| (k == KindFilter::Masked) == row.masked)
    }

    /// Sorts rows the way [`CallQuery::sql`] orders them: by the sort column (missing values
    /// last), then newest first, then by call id.
    pub fn sort_rows(&self, rows: &mut [CallRow]) {
        use std::cmp::Ordering;
        fn opt(a: &Option<String>, b: &Option<String>) -> Ordering {
            match (a, b) {
                (Some(a), Some(b)) => a.cmp(b),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        }
        rows.sort_by(|a, b| {
            let key = match self.sort {
                CallSort::StartedAt => a.started_at.cmp(&b.started_at),
                CallSort::TalkTime => a.talk_secs.cmp(&b.talk_secs),
                CallSort::Caller => a.caller.cmp(&b.caller),
                CallSort::Channel => opt(&a.channel, &b.channel),
                CallSort::Source => opt(&a.source, &b.source),
                CallSort::Campaign => opt(&a.campaign, &b.campaign),
            };
            let missing_last = |r: &CallRow| match self.sort {
                CallSort::Channel => r.channel.is_none(),
                CallSort::Source => r.source.is_none(),
                CallSort::Campaign => r.campaign.is_none(),
                _ => false,
            };
            let key = match (missing_last(a), missing_last(b)) {
                (false, false) if self.descending => key.reverse(),
                _ => key,
            };
            key.then(b.started_at.cmp(&a.started_at)).then(a.call_sid.cmp(&b.call_sid))
        });
    }

    /// The `WHERE` condition and the `ORDER BY` list over the stored columns (`started_at`,
    /// `caller`, `channel`, `source`, `campaign`, `answered`, `voicemail`, `live`, `talk_secs`,
    /// `first_time`, `masked`), with the values to bind to the condition's `?`s in order. Only fixed
    /// column names and placeholders: nothing a caller sends becomes SQL text.
    pub fn sql(&self, qualify_secs: u32) -> (String, String, Vec<SqlArg>) {
        let mut clauses = vec!["started_at >= ?".to_string(), "started_at < ?".to_string()];
        let mut args = vec![SqlArg::Int(self.from.millis()), SqlArg::Int(self.to.millis())];
        match self.channel {
            None => {}
            Some(ChannelFilter::Unattributed) => clauses.push("channel IS NULL".into()),
            Some(ChannelFilter::Is(c)) => {
                clauses.push("channel = ?".into());
                args.push(SqlArg::Text(c.label().into()));
            }
        }
        for (column, value) in [("source", &self.source), ("campaign", &self.campaign)] {
            if let Some(v) = value {
                clauses.push(format!("{column} = ?"));
                args.push(SqlArg::Text(v.clone()));
            }
        }
        match self.status {
            None => {}
            Some(StatusFilter::Answered) => clauses.push(SQL_ANSWERED.into()),
            Some(StatusFilter::Voicemail) => clauses.push("voicemail = 1".into()),
            Some(StatusFilter::Live) => clauses.push("live = 1".into()),
            Some(StatusFilter::Missed) => clauses.push("answered = 0 AND voicemail = 0 AND live = 0".into()),
        }
        match self.qualified {
            None => {}
            Some(true) => {
                clauses.push(format!("{SQL_ANSWERED} AND talk_secs >= ?"));
                args.push(SqlArg::Int(i64::from(qualify_secs)));
            }
            Some(false) => {
                clauses.push(format!("NOT ({SQL_ANSWERED} AND talk_secs >= ?)"));
                args.push(SqlArg::Int(i64::from(qualify_secs)));
            }
        }
        if let Some(f) = self.first_time {
            clauses.push(if f { "first_time = 1" } else { "first_time = 0" }.into());
        }
        match self.kind {
            None => {}
            Some(KindFilter::Tracked) => clauses.push(SQL_TRACKED.into()),
            Some(KindFilter::Masked) => clauses.push("masked = 1".into()),
        }
        let column = SORTS.iter().find(|(_, s, _)| *s == self.sort).map_or("started_at", |(_, _, c)| *c);
        let direction = if self.descending { "DESC" } else { "ASC" };
        let order = if self.sort == CallSort::StartedAt {
            format!("started_at {direction}, call_sid ASC")
        } else {
            format!("{column} IS NULL, {column} {direction}, started_at DESC, call_sid ASC")
        };
        (clauses.join(" AND "), order, args)
    }

    /// Rows to skip for this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(query: &str) -> Result<CallQuery> {
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.replace("%20", " "))
            })
            .collect();
        CallQuery::parse(&pairs, Timestamp::parse_rfc3339("2026-11-23T12:00:00Z").unwrap())
    }

    fn row(sid: &str, minute: i64, channel: Option<&str>, source: Option<&str>) -> CallRow {
        CallRow {
            call_sid: sid.into(),
            started_at: Timestamp::parse_rfc3339("2026-11-20T10:00:00Z").unwrap().plus_secs(minute * 60),
            caller: format!("+1555000{minute:04}"),
            channel: channel.map(String::from),
            source: source.map(String::from),
            campaign: None,
            answered: false,
            voicemail: false,
            live: false,
            talk_secs: 0,
            first_time: true,
            masked: false,
            value: None,
            converted: None,
        }
    }

    #[test]
    fn defaults_are_the_last_30_days_newest_first_50_a_page() {
        let query = q("").unwrap();
        assert_eq!(query.to.to_rfc3339(), "2026-11-24T12:00:00Z", "a clock running ahead is not hidden");
        assert_eq!(query.from.to_rfc3339(), "2026-10-24T12:00:00Z");
        assert_eq!(
            (query.sort, query.descending, query.page, query.per_page),
            (CallSort::StartedAt, true, 1, 50)
        );
        let query = q("from=2026-11-01&to=2026-11-01").unwrap();
        assert_eq!(query.to.to_rfc3339(), "2026-11-02T00:00:00Z", "to= a date includes that day");
    }

    #[test]
    fn bad_parameters_are_refused_with_what_is_wrong() {
        for (bad, says) in [
            ("chanel=email", "unknown parameter"),
            ("channel=tv", "channel must be"),
            ("status=great", "status must be"),
            ("qualified=maybe", "qualified must be"),
            ("first_time=2", "first_time must be"),
            ("sort=price", "sort must be"),
            ("order=up", "order must be"),
            ("page=0", "page must be"),
            ("per_page=201", "per_page must be"),
            ("per_page=-1", "per_page must be"),
            ("format=xml", "format must be json or csv"),
            ("from=yesterday", "from must be"),
            ("from=2026-11-10&to=2026-11-01", "from must be before to"),
            ("from=2024-01-01&to=2026-01-01", "at most 366 days"),
        ] {
            let err = q(bad).expect_err(bad).to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
        let long = format!("source={}", "x".repeat(201));
        assert!(q(&long).is_err(), "a 201-character source");
    }

    #[test]
    fn filters_select_what_they_name() {
        let mut answered = row("CA2", 2, Some("paid search"), Some("google"));
        answered.answered = true;
        answered.talk_secs = 90;
        let mut voicemail = row("CA3", 3, None, None);
        voicemail.voicemail = true;
        voicemail.answered = true; // by the voicemail: neither answered nor qualified
        voicemail.talk_secs = 120;
        let mut repeat = row("CA4", 4, Some("email"), Some("newsletter"));
        repeat.first_time = false;
        let rows = [row("CA1", 1, Some("paid search"), Some("bing")), answered, voicemail, repeat];
        let picked = |query: &str| -> Vec<&str> {
            let query = q(&format!("from=2026-11-01&{query}")).unwrap();
            rows.iter().filter(|r| query.matches(r, 60)).map(|r| r.call_sid.as_str()).collect()
        };
        assert_eq!(picked(""), ["CA1", "CA2", "CA3", "CA4"]);
        assert_eq!(picked("channel=paid%20search"), ["CA1", "CA2"]);
        assert_eq!(picked("channel=paid_search&source=google"), ["CA2"]);
        assert_eq!(picked("channel=unattributed"), ["CA3"]);
        assert_eq!(picked("status=answered"), ["CA2"]);
        assert_eq!(picked("status=voicemail"), ["CA3"]);
        assert_eq!(picked("status=missed"), ["CA1", "CA4"]);
        assert_eq!(picked("qualified=true"), ["CA2"]);
        assert_eq!(picked("qualified=false"), ["CA1", "CA3", "CA4"]);
        assert_eq!(picked("first_time=false"), ["CA4"]);
        assert_eq!(picked("to=2026-11-19"), Vec::<&str>::new(), "before the range");
    }

    #[test]
    fn sorting_puts_missing_values_last_and_breaks_ties_newest_first() {
        let mut rows = vec![
            row("CA1", 1, Some("paid search"), Some("bing")),
            row("CA2", 2, None, None),
            row("CA3", 3, Some("email"), Some("newsletter")),
            row("CA4", 4, Some("email"), Some("newsletter")),
        ];
        let order = |query: &str, rows: &mut Vec<CallRow>| -> Vec<String> {
            q(query).unwrap().sort_rows(rows);
            rows.iter().map(|r| r.call_sid.clone()).collect()
        };
        assert_eq!(order("", &mut rows), ["CA4", "CA3", "CA2", "CA1"]);
        assert_eq!(order("order=asc", &mut rows), ["CA1", "CA2", "CA3", "CA4"]);
        assert_eq!(order("sort=channel&order=asc", &mut rows), ["CA4", "CA3", "CA1", "CA2"]);
        assert_eq!(order("sort=channel", &mut rows), ["CA1", "CA4", "CA3", "CA2"]);
    }

    #[test]
    fn sql_binds_every_value_and_names_only_known_columns() {
        let query =
            q("channel=email&source=x'%20OR%201=1&status=missed&qualified=true&sort=source&order=asc")
                .unwrap();
        let (condition, order, args) = query.sql(60);
        assert_eq!(
            condition,
            "started_at >= ? AND started_at < ? AND channel = ? AND source = ? AND answered = 0 AND \
             voicemail = 0 AND live = 0 AND (answered = 1 AND voicemail = 0) AND talk_secs >= ?"
        );
        assert_eq!(order, "source IS NULL, source ASC, started_at DESC, call_sid ASC");
        assert_eq!(args.len(), 5);
        assert_eq!(
            args[3],
            SqlArg::Text("x' or 1=1".into()),
            "a hostile value stays a value (lower case, as sources are)"
        );
        assert_eq!(args[4], SqlArg::Int(60));
        assert_eq!(q("page=3&per_page=20").unwrap().offset(), 40);
    }
}
