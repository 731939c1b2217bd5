//! The calls API: calls as listed, one call in detail, its CSV export, call events from
//! any provider, the dialed-number lookup and what a site's CRM receives.

use super::lease::MAX_URL_LEN;
use crate::calls::{CallEvent, CallRecord, CallStatus, EventKind, Leg, Recording};
use crate::error::{Error, Result};
use crate::support::{check_call_id, csv_cell, Timestamp};
use crate::webhooks::Delivery;
use crate::webhooks::DeliveryState;
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// One call as the calls API lists it. Attribution fields are `null` when unattributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallView {
    pub call_sid: String,
    pub from: String,
    pub to: String,
    pub started_at: Timestamp,
    pub attributed: bool,
    /// `paid search`, `organic social`, … (`null` when unattributed).
    pub channel: Option<String>,
    /// The call came after the lease ended, within the retention window.
    pub late: bool,
    /// The number was shared (pool exhausted): other sessions that held it.
    pub other_candidates: usize,
    /// A call to the site's overflow number.
    pub overflow: bool,
    /// The caller called before; `first_call_sid` is their first call.
    pub repeat: bool,
    pub first_call_sid: Option<String>,
    /// A call to a static number, credited to its rule's source.
    pub static_number: bool,
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub keyword: Option<String>,
    pub landing_page: Option<String>,
    pub referrer: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    /// The visitor whose session it is credited to (never for a channel's number).
    pub visitor: Option<String>,
    /// `false`: the number was shown to visitors who did not consent, credited to their
    /// channel only; `true`: a visitor's own session; absent: no session (a static number,
    /// imported, or unattributed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<bool>,
    /// `ringing`, `in-progress`, `completed`, `busy`, `no-answer`, `failed`, `canceled`.
    #[serde(default)]
    pub status: Option<CallStatus>,
    /// The business picked up.
    #[serde(default)]
    pub answered: bool,
    /// Answered with at least the site's qualified talk time (set where the site's settings
    /// are known: the calls list, its CSV, a call's detail).
    #[serde(default)]
    pub qualified: bool,
    #[serde(default)]
    pub outcome: Option<crate::CallOutcome>,
    #[serde(default)]
    pub ring_secs: Option<u32>,
    #[serde(default)]
    pub talk_secs: Option<u32>,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    /// The number the call was forwarded to (`null` after hours: voicemail).
    #[serde(default)]
    pub forwarded_to: Option<String>,
    #[serde(default)]
    pub after_hours: bool,
    /// The caller left a voicemail.
    #[serde(default)]
    pub voicemail: bool,
    #[serde(default)]
    pub recordings: Vec<Recording>,
    #[serde(default)]
    pub transcript: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// On an extension number: the extension the caller keyed.
    #[serde(default)]
    pub extension: Option<String>,
    /// Why the call is credited to no session: `extension_missing`, `extension_unknown`.
    #[serde(default)]
    pub unattributed_reason: Option<String>,
    /// The caller's customer number, from caller identification.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// What caller identification did: `{"mode", "outcome", "reason", "destination",
    /// "attempts", "crm_ms", "customer_id"}`.
    #[serde(default)]
    pub identification: Option<crate::calls::Identification>,
    /// A masked call between an order's parties: `{"session_id", "order_id", "from_role",
    /// "to_role", "connected"}` (`null`: a tracked call).
    #[serde(default)]
    pub masking: Option<crate::calls::MaskedCall>,
    /// What the call was worth (`"120.00"`, in `currency`), as set on it.
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    /// Whether it became a customer (`null`: nobody said).
    #[serde(default)]
    pub converted: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
}

impl CallView {
    /// The view of `call` for a site whose qualified talk time is `qualify_secs`.
    pub fn of(call: &CallRecord, qualify_secs: u32) -> CallView {
        CallView { qualified: call.qualified(qualify_secs), ..CallView::from(call) }
    }
}

impl From<&CallRecord> for CallView {
    fn from(c: &CallRecord) -> Self {
        let a = c.attribution.as_ref();
        // A session's source, else a static number's rule.
        let source = a.map(|a| &a.source).or(c.static_source.as_ref());
        CallView {
            call_sid: c.call_sid.clone(),
            from: c.from.clone(),
            to: c.to.e164().to_string(),
            started_at: c.started_at,
            attributed: source.is_some(),
            channel: source.map(|s| s.channel.label().to_string()),
            late: a.is_some_and(|a| a.late),
            other_candidates: a.map_or(0, |a| a.candidates.len()),
            overflow: c.overflow,
            repeat: c.repeat_of.is_some(),
            first_call_sid: c.repeat_of.clone(),
            static_number: c.static_source.is_some(),
            source: source.map(|s| s.source.clone()),
            medium: source.map(|s| s.medium.clone()),
            campaign: source.and_then(|s| s.campaign.clone()),
            keyword: source.and_then(|s| s.term.clone()),
            landing_page: source.and_then(|s| s.landing_page.clone()),
            referrer: source.and_then(|s| s.referrer.clone()),
            region: a.and_then(|a| a.region.label()),
            country: a.and_then(|a| a.region.country.clone()),
            visitor: a.filter(|a| !a.unconsented).map(|a| a.visitor.clone()),
            consent: a.filter(|a| !a.lease_id.starts_with("import:")).map(|a| !a.unconsented),
            status: c.status,
            answered: c.answered_at.is_some(),
            qualified: false,
            outcome: c.outcome,
            ring_secs: c.ring_secs,
            talk_secs: c.talk_secs,
            ended_at: c.ended_at,
            forwarded_to: c.forwarded_to.as_ref().map(|n| n.e164().to_string()),
            after_hours: c.after_hours,
            voicemail: c.recordings.iter().any(|r| r.voicemail),
            recordings: c.recordings.clone(),
            transcript: c.transcript.clone(),
            tags: c.tags.clone(),
            extension: c.extension.clone(),
            unattributed_reason: c.unattributed_reason.map(|r| r.as_str().to_string()),
            customer_id: c.customer_id.clone(),
            identification: c.identification.clone(),
            masking: c.masking.clone(),
            value: c.value.map(|v| v.amount()),
            currency: c.value.map(|v| v.currency.code().to_string()),
            converted: c.converted,
            note: c.note.clone(),
        }
    }
}

/// `GET /v1/sites/{site}/calls/{call_sid}`: one call with its timeline and CRM deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallDetail {
    pub call: CallView,
    /// Its attribution in full (the session, late/shared flags, candidate sessions).
    pub attribution: Option<crate::Attribution>,
    pub events: Vec<CallEvent>,
    pub deliveries: Vec<DeliveryView>,
}

/// A CRM webhook delivery as the API shows it (the body is not repeated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub event: String,
    pub url: String,
    pub state: DeliveryState,
    pub next_attempt_at: Option<Timestamp>,
    pub attempts: Vec<crate::webhooks::Attempt>,
}

impl From<&Delivery> for DeliveryView {
    fn from(d: &Delivery) -> Self {
        DeliveryView {
            event: d.event.clone(),
            url: d.url.clone(),
            state: d.state,
            next_attempt_at: d.next_at,
            attempts: d.attempts.clone(),
        }
    }
}

/// What a site's CRM receives: `call.started` or `call.ended` with the call and its
/// attribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmPayload {
    pub event: String,
    pub site: String,
    pub occurred_at: Timestamp,
    pub call: CallView,
}

/// `POST /v1/sites/{site}/calls/events`: one call event from any provider (Telnyx, Vonage,
/// Plivo, a PBX…). `to` is the tracking number dialled; `call_id` the provider's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallEventBody {
    pub call_id: String,
    /// `started`, `ringing`, `answered`, `ended`, `recording` or `transcription`.
    pub event: String,
    pub to: String,
    #[serde(default)]
    pub from: Option<String>,
    /// When it happened (RFC 3339); default: when it arrives.
    #[serde(default)]
    pub at: Option<Timestamp>,
    /// For `ended`: `completed` (answered), `busy`, `no-answer`, `failed`, `canceled`.
    #[serde(default)]
    pub status: Option<String>,
    /// For `ended`: talk time.
    #[serde(default)]
    pub duration_seconds: Option<u32>,
    #[serde(default)]
    pub recording_url: Option<String>,
    #[serde(default)]
    pub recording_duration_seconds: Option<u32>,
    #[serde(default)]
    pub voicemail: Option<bool>,
    #[serde(default)]
    pub transcript: Option<String>,
    /// For `started` on an extension number: the extension the caller keyed (it names the
    /// session the call is credited to).
    #[serde(default)]
    pub extension: Option<String>,
}

const MAX_TRANSCRIPT: usize = 20_000;

impl CallEventBody {
    /// The events this report stands for (an `ended` with a recording URL is two).
    pub fn into_events(self, now: Timestamp) -> Result<Vec<CallEvent>> {
        let call_id = check_call_id(self.call_id.trim())?.to_string();
        let to = PhoneNumber::parse(&self.to)?;
        if self.from.as_ref().is_some_and(|f| f.chars().count() > 64) {
            return Err(Error::invalid("from is longer than 64 characters"));
        }
        let at = self.at.unwrap_or(now);
        let recording = match self.recording_url {
            Some(url) if !url.starts_with("https://") || url.len() > MAX_URL_LEN => {
                return Err(Error::invalid(
                    "recording_url must be an https:// URL of at most 2048 characters",
                ));
            }
            Some(url) => Some(EventKind::Recording {
                url,
                duration_secs: self.recording_duration_seconds,
                voicemail: self.voicemail.unwrap_or(false),
            }),
            None => None,
        };
        let status = self.status.as_deref().map(|s| {
            CallStatus::parse(s).ok_or_else(|| {
                Error::invalid(format!(
                    "status {s:?} must be one of completed, busy, no-answer, failed, canceled"
                ))
            })
        });
        let mut kinds = match self.event.as_str() {
            "started" => vec![EventKind::Started],
            "ringing" => vec![EventKind::Ringing],
            "answered" => vec![EventKind::Answered],
            "ended" => {
                let status = status.transpose()?.unwrap_or(CallStatus::Completed);
                if !status.is_final() {
                    return Err(Error::invalid(
                        "an ended call's status must be completed, busy, no-answer, failed or canceled",
                    ));
                }
                vec![EventKind::Ended { leg: Leg::Business, status, duration_secs: self.duration_seconds }]
            }
            "recording" if recording.is_none() => {
                return Err(Error::invalid("a recording event needs recording_url"))
            }
            "recording" => Vec::new(),
            "transcription" => match self.transcript {
                Some(text) if !text.trim().is_empty() && text.chars().count() <= MAX_TRANSCRIPT => {
                    vec![EventKind::Transcription { text }]
                }
                _ => {
                    return Err(Error::invalid(format!(
                        "a transcription event needs transcript (1-{MAX_TRANSCRIPT} characters)"
                    )))
                }
            },
            other => {
                return Err(Error::invalid(format!(
                "event {other:?} must be one of started, ringing, answered, ended, recording, transcription"
            )))
            }
        };
        kinds.extend(recording);
        match (self.extension, self.event.as_str()) {
            (None, _) => {}
            (Some(e), "started") if (1..=16).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_digit()) => {
                kinds.push(EventKind::Extension { digits: Some(e), attempts: 1 });
            }
            (Some(_), "started") => return Err(Error::invalid("extension must be 1-16 digits")),
            (Some(_), _) => return Err(Error::invalid("extension goes with a started event")),
        }
        Ok(kinds
            .into_iter()
            .map(|kind| CallEvent {
                call_sid: call_id.clone(),
                provider: "api".into(),
                at,
                from: self.from.clone(),
                to: to.clone(),
                kind,
            })
            .collect())
    }
}

/// The answer to a dialed-number lookup (`GET /v1/route`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupAnswer {
    pub call_id: String,
    /// Where to forward; `None`: voicemail (or, with `hangup`, nowhere).
    pub forward_to: Option<String>,
    pub after_hours: bool,
    /// Caller identification sent the call to `hangup`: end it.
    #[serde(default)]
    pub hangup: bool,
    /// The caller ID to show the callee (a masked call: the callee's own proxy number, so
    /// calling back stays masked); `None`: the caller's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_id: Option<String>,
    /// Words to say to the caller first (a masking number's closed policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub say: Option<String>,
}

/// A dialed-number lookup (`GET /v1/route`) as the site's writer receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialedLookup {
    pub call_id: String,
    pub from: String,
    pub dialed: PhoneNumber,
    /// What the provider collected from the caller: an extension, a customer number.
    #[serde(default)]
    pub steps: LookupSteps,
    /// The client reads the JSON answer (with a masking number's caller ID), not plain text.
    #[serde(default)]
    pub json: bool,
}

/// What a dialed-number lookup (`GET /v1/route?…&ext=042&customer_id=123456`) brings besides
/// the number: what the provider collected from the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupSteps {
    /// The extension the caller keyed (on an extension number): it names the session.
    #[serde(default)]
    pub extension: Option<String>,
    /// The customer number the caller keyed, checked as caller identification does.
    #[serde(default)]
    pub customer_id: Option<String>,
}

impl LookupSteps {
    /// From the lookup's `ext` and `customer_id`: digits only (what a provider collected is
    /// keys, already read), at most 16 and 30 of them; empty is absent.
    pub fn parse(ext: Option<&str>, customer_id: Option<&str>) -> Result<LookupSteps> {
        let digits = |value: Option<&str>, name: &str, max: usize| match value
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            None => Ok(None),
            Some(v) if v.len() <= max && v.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(v.to_string())),
            Some(_) => Err(Error::invalid(format!("{name} must be 1-{max} digits"))),
        };
        Ok(LookupSteps {
            extension: digits(ext, "ext", 16)?,
            customer_id: digits(customer_id, "customer_id", 30)?,
        })
    }
}

/// `GET /v1/sites/{site}/calls` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallsPage {
    pub calls: Vec<CallView>,
    /// How many calls the query selects in all (`calls` is one page of them).
    pub total: u64,
    /// This page (1-based) and the page size.
    pub page: u32,
    pub per_page: u32,
}

/// Calls as CSV (RFC 4180), the columns of the dashboard's table. Text a spreadsheet would
/// run as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'`, except phone numbers.
pub fn calls_csv(calls: &[CallView]) -> String {
    let mut out = String::from(
        "started_at,caller,tracking_number,channel,source,medium,campaign,keyword,landing_page,region,\
status,answered,qualified,talk_secs,first_time,tags,recording,extension,customer_id,identification,\
kind,order_id,masking_session,from_role,to_role,value,currency,converted,note,consent\r\n",
    );
    for c in calls {
        let status = c.status.map(|s| s.as_str()).unwrap_or("");
        let identification = c.identification.as_ref().map(|i| match (&i.outcome, &i.reason) {
            (crate::calls::IdentificationOutcome::Identified, _) => format!("identified → {}", i.destination),
            (_, Some(reason)) => format!("unidentified ({reason}) → {}", i.destination),
            (_, None) => format!("unidentified → {}", i.destination),
        });
        let masking = c.masking.as_ref();
        let fields: [String; 30] = [
            c.started_at.to_rfc3339(),
            c.from.clone(),
            c.to.clone(),
            c.channel.clone().unwrap_or_default(),
            c.source.clone().unwrap_or_default(),
            c.medium.clone().unwrap_or_default(),
            c.campaign.clone().unwrap_or_default(),
            c.keyword.clone().unwrap_or_default(),
            c.landing_page.clone().unwrap_or_default(),
            c.region.clone().unwrap_or_default(),
            status.to_string(),
            c.answered.to_string(),
            c.qualified.to_string(),
            c.talk_secs.map(|s| s.to_string()).unwrap_or_default(),
            (!c.repeat).to_string(),
            c.tags.join(" "),
            c.recordings.first().map(|r| r.url.clone()).unwrap_or_default(),
            c.extension.clone().unwrap_or_default(),
            c.customer_id.clone().unwrap_or_default(),
            identification.unwrap_or_default(),
            if masking.is_some() { "masked" } else { "tracked" }.to_string(),
            masking.and_then(|m| m.order_id.clone()).unwrap_or_default(),
            masking.and_then(|m| m.session_id.clone()).unwrap_or_default(),
            masking.and_then(|m| m.from_role.clone()).unwrap_or_default(),
            masking.and_then(|m| m.to_role.clone()).unwrap_or_default(),
            c.value.clone().unwrap_or_default(),
            c.currency.clone().unwrap_or_default(),
            c.converted.map(|v| v.to_string()).unwrap_or_default(),
            c.note.clone().unwrap_or_default(),
            c.consent.map(|v| v.to_string()).unwrap_or_default(),
        ];
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_cell(&mut out, f);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_it_must_and_defuses_formulas() {
        let call = CallView {
            call_sid: "CA1".into(),
            from: "+15550001111".into(),
            to: "+15550100201".into(),
            started_at: Timestamp::parse_rfc3339("2026-11-20T10:00:00Z").unwrap(),
            attributed: true,
            channel: Some("paid search".into()),
            late: false,
            other_candidates: 0,
            overflow: false,
            repeat: false,
            first_call_sid: None,
            static_number: false,
            source: Some("=HYPERLINK(\"http://evil\")".into()),
            medium: Some("cpc".into()),
            campaign: Some("spring, \"big\" sale".into()),
            keyword: Some("-plumber".into()),
            landing_page: None,
            referrer: None,
            region: Some("US-TX".into()),
            country: Some("US".into()),
            visitor: None,
            consent: None,
            status: Some(CallStatus::Completed),
            answered: true,
            qualified: true,
            outcome: None,
            ring_secs: None,
            talk_secs: Some(75),
            ended_at: None,
            forwarded_to: None,
            after_hours: false,
            voicemail: false,
            recordings: vec![],
            transcript: None,
            tags: vec!["quote".into(), "emergency".into()],
            extension: Some("042".into()),
            unattributed_reason: None,
            customer_id: Some("00123".into()),
            identification: None,
            masking: None,
            value: Some("120.00".into()),
            currency: Some("USD".into()),
            converted: Some(true),
            note: Some("=HYPERLINK(\"x\")".into()),
        };
        let csv = calls_csv(&[call]);
        let mut lines = csv.split("\r\n");
        assert!(lines.next().unwrap().starts_with("started_at,caller,tracking_number,channel,source"));
        assert_eq!(
            lines.next().unwrap(),
            "2026-11-20T10:00:00Z,+15550001111,+15550100201,paid search,\"'=HYPERLINK(\"\"http://evil\"\")\",\
             cpc,\"spring, \"\"big\"\" sale\",\"'-plumber\",,US-TX,completed,true,true,75,true,quote emergency,,042,00123,,tracked,,,,,120.00,USD,true,\"'=HYPERLINK(\"\"x\"\")\","
        );
        assert_eq!(lines.next(), Some(""), "each row ends with CRLF");
    }
}
