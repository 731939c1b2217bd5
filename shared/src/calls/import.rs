//! Call history brought over from another call tracking tool (a CallRail or CallTrackingMetrics
//! export, a PBX log): `POST /v1/sites/{site}/calls/import` with the site's API token and
//! `{"calls": [{"call_id", "from", "to", "started_at", "source", "medium", "campaign", …}]}`,
//! at most 1,000 calls a request. Each call keeps its source as the other tool credited it
//! (classified into ringtrace's channels the same way as a visit's utm tags); a call without
//! any source is unattributed. A call id the site already has is skipped, never overwritten.

use crate::calls::{Attribution, CallOutcome, CallRecord};
use crate::calls::{CallStatus, Recording};
use crate::error::{Error, Result};
use crate::money::{Currency, Money};
use crate::pool::Region;
use crate::support::check_call_id;
use crate::support::Timestamp;
use crate::traffic::{TrafficSource, Visit};
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

pub const MAX_IMPORT_CALLS: usize = 1000;
/// The largest import request body.
pub const MAX_IMPORT_BODY: usize = 1024 * 1024;
const MAX_TEXT: usize = 2000;
const MAX_TAGS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportBody {
    pub calls: Vec<ImportedCall>,
}

/// One call as another tool exported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportedCall {
    pub call_id: String,
    /// The caller (E.164, or what the tool recorded for a withheld number).
    pub from: String,
    /// The tracking number dialled.
    pub to: String,
    pub started_at: Timestamp,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub medium: Option<String>,
    #[serde(default)]
    pub campaign: Option<String>,
    #[serde(default)]
    pub keyword: Option<String>,
    #[serde(default)]
    pub landing_page: Option<String>,
    #[serde(default)]
    pub referrer: Option<String>,
    /// The business picked up.
    #[serde(default)]
    pub answered: bool,
    #[serde(default)]
    pub talk_seconds: Option<u32>,
    /// The caller left a voicemail (at `recording_url`).
    #[serde(default)]
    pub voicemail: bool,
    #[serde(default)]
    pub recording_url: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// What the call was worth (`"120.00"`, the site's currency).
    #[serde(default)]
    pub value: Option<crate::site::AmountText>,
    /// Whether it became a customer.
    #[serde(default)]
    pub converted: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportResult {
    pub imported: u32,
    /// Calls the site already had (same call id): left as they were.
    pub skipped: u32,
}

fn text(field: &str, i: usize, value: &Option<String>) -> Result<Option<String>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > MAX_TEXT => {
            Err(Error::invalid(format!("calls[{i}].{field} is longer than {MAX_TEXT} characters")))
        }
        Some(v) => Ok(Some(v.to_string())),
    }
}

impl ImportBody {
    /// The calls of a request body as records of `site`, checked: every problem names the
    /// call (`calls[3].to …`) and nothing is imported from a body with one.
    /// Values are read in `currency` (the site's).
    pub fn parse(bytes: &[u8], site: &str, now: Timestamp, currency: Currency) -> Result<Vec<CallRecord>> {
        let body: ImportBody = crate::support::parse_json(bytes, "import")?;
        if body.calls.is_empty() || body.calls.len() > MAX_IMPORT_CALLS {
            return Err(Error::invalid(format!("an import holds 1 to {MAX_IMPORT_CALLS} calls")));
        }
        let mut calls: Vec<CallRecord> = body
            .calls
            .iter()
            .enumerate()
            .map(|(i, c)| c.record(i, site, now, currency))
            .collect::<Result<_>>()?;
        // Oldest first, so a caller's first call is stored before their repeats (exports are
        // often newest first).
        calls.sort_by_key(|c| c.started_at);
        Ok(calls)
    }
}

impl ImportedCall {
    fn record(&self, i: usize, site: &str, now: Timestamp, currency: Currency) -> Result<CallRecord> {
        let at = |field: &str, e: Error| Error::invalid(format!("calls[{i}].{field}: {e}"));
        check_call_id(&self.call_id).map_err(|e| at("call_id", e))?;
        let to = PhoneNumber::parse(&self.to).map_err(|e| at("to", e.into()))?;
        let from = self.from.trim();
        if from.is_empty() || from.chars().count() > 64 {
            return Err(Error::invalid(format!("calls[{i}].from must be 1 to 64 characters")));
        }
        // E.164 when it is a number, as live calls store it, so repeat callers are found.
        let from = PhoneNumber::parse(from).map_or_else(|_| from.to_string(), |n| n.e164().to_string());
        if self.started_at > now.plus_secs(300) {
            return Err(Error::invalid(format!("calls[{i}].started_at is in the future")));
        }
        if self.tags.len() > MAX_TAGS
            || self.tags.iter().any(|t| t.trim().is_empty() || t.chars().count() > 64)
        {
            return Err(Error::invalid(format!(
                "calls[{i}].tags: at most {MAX_TAGS} tags of 1 to 64 characters"
            )));
        }
        let recording_url = text("recording_url", i, &self.recording_url)?;
        if let Some(url) = &recording_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(Error::invalid(format!("calls[{i}].recording_url must be an http(s) URL")));
            }
        }
        if self.voicemail && recording_url.is_none() {
            return Err(Error::invalid(format!("calls[{i}].voicemail needs its recording_url")));
        }
        let visit = Visit {
            utm_source: text("source", i, &self.source)?,
            utm_medium: text("medium", i, &self.medium)?,
            utm_campaign: text("campaign", i, &self.campaign)?,
            utm_term: text("keyword", i, &self.keyword)?,
            utm_content: None,
            referrer: text("referrer", i, &self.referrer)?,
            landing_page: text("landing_page", i, &self.landing_page)?,
            ..Visit::default()
        };
        // A landing page alone is a direct visit; nothing at all, no visit: unattributed.
        let credited = visit.utm_source.is_some()
            || visit.utm_medium.is_some()
            || visit.referrer.is_some()
            || visit.landing_page.is_some();
        let attribution = credited.then(|| Attribution {
            lease_id: format!("import:{}", self.call_id),
            visitor: "imported".into(),
            source: TrafficSource::from_visit(&visit),
            region: Region::default(),
            late: false,
            unconsented: false,
            candidates: Vec::new(),
        });
        let value = self
            .value
            .as_ref()
            .map(|v| currency.parse_amount(&v.0, &format!("calls[{i}].value")))
            .transpose()?
            .map(|minor| Money { minor, currency });
        let note = text("note", i, &self.note)?;
        let answered = self.answered && !self.voicemail;
        let talk = if answered { self.talk_seconds } else { None };
        Ok(CallRecord {
            call_sid: self.call_id.clone(),
            site: site.to_string(),
            from,
            to,
            started_at: self.started_at,
            attribution,
            overflow: false,
            repeat_of: None,
            static_source: None,
            outcome: Some(if answered { CallOutcome::Answered } else { CallOutcome::Missed }),
            talk_secs: talk,
            status: Some(if answered || self.voicemail {
                CallStatus::Completed
            } else {
                CallStatus::NoAnswer
            }),
            answered_at: answered.then_some(self.started_at),
            ended_at: Some(self.started_at.plus_secs(i64::from(talk.unwrap_or(0)))),
            ring_secs: None,
            forwarded_to: None,
            after_hours: false,
            recordings: recording_url
                .map(|url| vec![Recording { url, duration_secs: None, voicemail: self.voicemail }])
                .unwrap_or_default(),
            transcript: None,
            tags: self.tags.iter().map(|t| t.trim().to_string()).collect(),
            events: Vec::new(),
            extension: None,
            unattributed_reason: None,
            customer_id: None,
            identification: None,
            masking: None,
            value,
            converted: self.converted,
            note,
            labels: self.tags.iter().map(|t| t.trim().to_string()).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-11-23T12:00:00Z").unwrap()
    }

    #[test]
    fn an_export_becomes_calls_credited_as_the_other_tool_did() {
        let body = br#"{"calls": [
            {"call_id": "CR-1", "from": "+15557000001", "to": "(555) 010-0201", "started_at": "2026-11-01T15:00:00Z",
             "source": "google", "medium": "cpc", "campaign": "spring", "keyword": "plumber", "answered": true,
             "talk_seconds": 95, "tags": ["quote"]},
            {"call_id": "CR-2", "from": "anonymous", "to": "+15550100202", "started_at": "2026-11-02T15:00:00Z",
             "voicemail": true, "answered": true, "recording_url": "https://example.com/vm.mp3"}
        ]}"#;
        let calls = ImportBody::parse(body, "demo", now(), Currency::USD).unwrap();
        let first = &calls[0];
        let source = &first.attribution.as_ref().unwrap().source;
        assert_eq!((source.channel.label(), source.source.as_str()), ("paid search", "google"));
        assert_eq!(
            (first.to.e164(), first.talk_secs, first.answered_at.is_some()),
            ("+15550100201", Some(95), true)
        );
        let second = &calls[1];
        assert!(second.attribution.is_none(), "no source: unattributed");
        assert!(second.answered_at.is_none(), "a voicemail is not answered by the business");
        assert!(second.recordings[0].voicemail);
    }

    #[test]
    fn a_bad_call_names_itself_and_nothing_is_imported() {
        let call = |extra: &str| {
            format!(
                r#"{{"calls": [{{"call_id": "CR-1", "from": "+15557000001", "to": "+15550100201",
                   "started_at": "2026-11-01T15:00:00Z"{extra}}}]}}"#
            )
        };
        for (extra, says) in [
            (r#", "to2": 1"#, "unknown field"),
            (r#", "voicemail": true"#, "needs its recording_url"),
            (r#", "recording_url": "javascript:alert(1)""#, "http(s) URL"),
            (r#", "tags": [""]"#, "tags"),
        ] {
            let err = ImportBody::parse(call(extra).as_bytes(), "demo", now(), Currency::USD)
                .expect_err(extra)
                .to_string();
            assert!(err.contains(says), "{extra}: {err}");
        }
        let future = br#"{"calls": [{"call_id": "CR-1", "from": "+1", "to": "+15550100201", "started_at": "2027-01-01T00:00:00Z"}]}"#;
        assert!(ImportBody::parse(future, "demo", now(), Currency::USD)
            .unwrap_err()
            .to_string()
            .contains("calls[0].started_at"));
        let bad_to = br#"{"calls": [{"call_id": "CR-1", "from": "+1", "to": "nope", "started_at": "2026-01-01T00:00:00Z"}]}"#;
        assert!(ImportBody::parse(bad_to, "demo", now(), Currency::USD)
            .unwrap_err()
            .to_string()
            .contains("calls[0].to"));
        assert!(ImportBody::parse(br#"{"calls": []}"#, "demo", now(), Currency::USD).is_err());
    }
}
