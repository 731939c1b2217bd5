//! Caller identification on one call: the request the business's CRM gets for what the caller
//! keyed, how its answer is read, and what the call keeps of it (the customer id, the outcome
//! and why, where it went, how long the CRM took).
//!
//! The CRM request is `POST crm_url` with JSON `{"id_contact", "idContact", "caller",
//! "tracking_number", "call_id", "site", "attribution"}` (`idContact` as OMniLeads sends it, so
//! an integration written for it works), `User-Agent: ringtrace`, signed
//! `X-Ringtrace-Signature: t=…,v1=…` like the CRM webhooks. It has [`CRM_TIMEOUT_MS`] to
//! answer, inside the telephony provider's webhook (Twilio waits 15 s): anything but a timely,
//! well-formed "ok" leaves the caller unidentified, with the reason recorded.

use crate::site::{CallerIdentification, Destination, IdentificationMode};
use crate::support::Timestamp;
use crate::traffic::TrafficSource;
use crate::webhooks::webhook_signature_header;
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long the CRM has to answer, so the caller's webhook stays far inside Twilio's 15 s.
pub const CRM_TIMEOUT_MS: u32 = 3000;
/// Most of a CRM's answer that is read.
pub const MAX_CRM_REPLY: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentificationOutcome {
    Identified,
    Unidentified,
}

/// What caller identification did on a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identification {
    pub mode: IdentificationMode,
    pub outcome: IdentificationOutcome,
    /// Why the caller is unidentified (`no_entry`, `wrong_length`, `not_found`, `crm_timeout`,
    /// `crm_unreachable`, `crm_status_500`, `crm_fail`, `crm_malformed`,
    /// `unknown_destination`); `None` when identified.
    pub reason: Option<String>,
    /// Where the call was sent: a destination's name, `business`, `voicemail` or `hangup`.
    pub destination: String,
    /// How many times the caller was asked.
    pub attempts: u32,
    /// How long the CRM took to answer (or to fail), when it was asked.
    pub crm_ms: Option<u32>,
    /// The caller's customer number, when identified.
    pub customer_id: Option<String>,
    /// What the caller keyed when it had the expected length, identified or not (a CRM that
    /// timed out still leaves the people answering the number the caller gave).
    #[serde(default)]
    pub entry: Option<String>,
}

/// A request to the business's CRM, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub timeout_ms: u32,
}

/// How a CRM request went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrmReply {
    /// It answered: the status and (the start of) the body.
    Answered { status: u16, body: String },
    /// No answer within the time allowed.
    TimedOut,
    /// No answer at all (refused, DNS, TLS…): why.
    Unreachable(String),
}

/// Sends a CRM request (the edge: `fetch` raced against the timeout).
#[allow(async_fn_in_trait)] // Workers are single-threaded: no Send bounds.
pub trait CrmClient {
    async fn send(&self, request: &CrmRequest) -> CrmReply;
}

/// A call about to be identified, as the CRM is told of it.
#[derive(Debug, Clone, Copy)]
pub struct CallContext<'a> {
    pub site: &'a str,
    pub call_id: &'a str,
    pub caller: &'a str,
    pub tracking_number: &'a PhoneNumber,
    /// The session's source, when the call is credited to one.
    pub source: Option<&'a TrafficSource>,
}

#[derive(Serialize)]
struct RequestBody<'a> {
    id_contact: &'a str,
    #[serde(rename = "idContact")]
    id_contact_camel: &'a str,
    caller: &'a str,
    tracking_number: &'a str,
    call_id: &'a str,
    site: &'a str,
    attribution: Option<AttributionBody<'a>>,
}

#[derive(Serialize)]
struct AttributionBody<'a> {
    channel: &'a str,
    source: &'a str,
    medium: &'a str,
    campaign: Option<&'a str>,
    keyword: Option<&'a str>,
    landing_page: Option<&'a str>,
}

/// The signed request asking `url` about `entry`.
pub fn crm_request(
    url: &str,
    secret: &str,
    entry: &str,
    call: &CallContext<'_>,
    now: Timestamp,
) -> CrmRequest {
    let body = RequestBody {
        id_contact: entry,
        id_contact_camel: entry,
        caller: call.caller,
        tracking_number: call.tracking_number.e164(),
        call_id: call.call_id,
        site: call.site,
        attribution: call.source.map(|s| AttributionBody {
            channel: s.channel.label(),
            source: &s.source,
            medium: &s.medium,
            campaign: s.campaign.as_deref(),
            keyword: s.term.as_deref(),
            landing_page: s.landing_page.as_deref(),
        }),
    };
    let body = serde_json::to_string(&body).unwrap_or_default();
    let signature = webhook_signature_header(secret, now.millis() / 1000, body.as_bytes());
    CrmRequest {
        url: url.to_string(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), "ringtrace".into()),
            ("x-ringtrace-event".into(), "caller.identify".into()),
            ("x-ringtrace-signature".into(), signature),
        ],
        body,
        timeout_ms: CRM_TIMEOUT_MS,
    }
}

/// What identification decided: identified or not, why not, and where the call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub identified: bool,
    pub reason: Option<String>,
    pub destination: Destination,
}

impl Decision {
    fn unidentified(setup: &CallerIdentification, reason: &str) -> Decision {
        Decision { identified: false, reason: Some(reason.into()), destination: setup.unidentified.clone() }
    }

    fn identified(destination: Destination) -> Decision {
        Decision { identified: true, reason: None, destination }
    }
}

/// Whether `entry` is a customer number of the expected length.
pub fn entry_fits(setup: &CallerIdentification, entry: Option<&str>) -> bool {
    entry.is_some_and(|e| e.len() == setup.digits as usize && e.bytes().all(|b| b.is_ascii_digit()))
}

/// The decision for an entry that does not fit (after the last attempt).
pub fn decide_without_entry(setup: &CallerIdentification, entry: Option<&str>) -> Decision {
    Decision::unidentified(setup, if entry.is_none() { "no_entry" } else { "wrong_length" })
}

/// The decision for a fitting entry in mode `any` (no CRM), or on the CRM's `reply`.
pub fn decide(
    setup: &CallerIdentification,
    destinations: &BTreeMap<String, PhoneNumber>,
    reply: Option<&CrmReply>,
) -> Decision {
    let Some(reply) = reply.filter(|_| setup.mode != IdentificationMode::Any) else {
        return Decision::identified(setup.identified.clone());
    };
    let body = match reply {
        CrmReply::TimedOut => return Decision::unidentified(setup, "crm_timeout"),
        CrmReply::Unreachable(_) => return Decision::unidentified(setup, "crm_unreachable"),
        CrmReply::Answered { status, .. } if !(200..300).contains(status) => {
            return Decision::unidentified(setup, &format!("crm_status_{status}"))
        }
        CrmReply::Answered { body, .. } => body,
    };
    #[derive(Deserialize)]
    struct Answer {
        status: String,
        #[serde(default)]
        destination: serde_json::Value,
    }
    let Ok(answer) = serde_json::from_str::<Answer>(body) else {
        return Decision::unidentified(setup, "crm_malformed");
    };
    match answer.status.as_str() {
        "ok" => {}
        "fail" => return Decision::unidentified(setup, "crm_fail"),
        _ => return Decision::unidentified(setup, "crm_malformed"),
    }
    match (setup.mode, &answer.destination) {
        (_, serde_json::Value::Bool(true)) => Decision::identified(setup.identified.clone()),
        (_, serde_json::Value::Bool(false) | serde_json::Value::Null) => {
            Decision::unidentified(setup, "not_found")
        }
        (IdentificationMode::Destination, serde_json::Value::String(name)) => {
            match Destination::named(name, destinations) {
                Some(d) => Decision::identified(d),
                None => Decision::unidentified(setup, "unknown_destination"),
            }
        }
        _ => Decision::unidentified(setup, "crm_malformed"),
    }
}

impl Identification {
    /// What a call keeps of a decision.
    pub fn of(
        setup: &CallerIdentification,
        decision: &Decision,
        entry: Option<&str>,
        attempts: u32,
        crm_ms: Option<u32>,
    ) -> Identification {
        Identification {
            mode: setup.mode,
            outcome: if decision.identified {
                IdentificationOutcome::Identified
            } else {
                IdentificationOutcome::Unidentified
            },
            reason: decision.reason.clone(),
            destination: decision.destination.name().to_string(),
            attempts,
            crm_ms,
            customer_id: entry.filter(|_| decision.identified).map(str::to_string),
            entry: entry.filter(|e| entry_fits(setup, Some(e))).map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::CallerIdentificationSetup;
    use crate::traffic::Visit;

    fn gold() -> BTreeMap<String, PhoneNumber> {
        [("gold".to_string(), PhoneNumber::parse("+15550100500").unwrap())].into_iter().collect()
    }

    fn setup(mode: IdentificationMode) -> CallerIdentification {
        let s = CallerIdentificationSetup {
            digits: 6,
            mode,
            crm_url: Some("https://crm.example/identify".into()),
            crm_secret: Some("crm-secret-0123456789".into()),
            identified: Some("gold".into()),
            unidentified: Some("business".into()),
            ..CallerIdentificationSetup::default()
        };
        CallerIdentification::from_setup(&s, &gold(), None).unwrap()
    }

    fn ok(body: &str) -> CrmReply {
        CrmReply::Answered { status: 200, body: body.into() }
    }

    #[test]
    fn the_request_carries_both_spellings_and_verifies() {
        let tn = PhoneNumber::parse("+15550100201").unwrap();
        let source = TrafficSource::from_visit(&Visit {
            utm_source: Some("google".into()),
            utm_medium: Some("cpc".into()),
            ..Visit::default()
        });
        let call = CallContext {
            site: "demo",
            call_id: "CA1",
            caller: "+15550009999",
            tracking_number: &tn,
            source: Some(&source),
        };
        let req = crm_request(
            "https://crm.example/identify",
            "crm-secret-0123456789",
            "123456",
            &call,
            Timestamp(1_795_000_000_000),
        );
        let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
        assert_eq!(
            (body["id_contact"].as_str(), body["idContact"].as_str()),
            (Some("123456"), Some("123456"))
        );
        assert_eq!(body["attribution"]["source"], "google");
        assert_eq!(body["tracking_number"], "+15550100201");
        let header = |n: &str| req.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(header("user-agent"), "ringtrace");
        assert!(crate::verify_webhook(
            "crm-secret-0123456789",
            &header("x-ringtrace-signature"),
            req.body.as_bytes(),
            1_795_000_000,
            300
        ));
        assert_eq!(req.timeout_ms, 3000);
    }

    #[test]
    fn answers_are_read_and_anything_wrong_is_unidentified_with_a_reason() {
        let check = setup(IdentificationMode::Check);
        let dest = setup(IdentificationMode::Destination);
        let g = gold();
        let named = |n: &str| Destination::Named(n.into());
        let cases: Vec<(&CallerIdentification, CrmReply, bool, Option<&str>, Destination)> = vec![
            (&check, ok(r#"{"status": "ok", "destination": true}"#), true, None, named("gold")),
            (
                &check,
                ok(r#"{"status": "ok", "destination": false}"#),
                false,
                Some("not_found"),
                Destination::Business,
            ),
            (&dest, ok(r#"{"status": "ok", "destination": "gold"}"#), true, None, named("gold")),
            (
                &dest,
                ok(r#"{"status": "ok", "destination": "voicemail"}"#),
                true,
                None,
                Destination::Voicemail,
            ),
            (
                &dest,
                ok(r#"{"status": "ok", "destination": "platinum"}"#),
                false,
                Some("unknown_destination"),
                Destination::Business,
            ),
            (&check, ok(r#"{"status": "fail"}"#), false, Some("crm_fail"), Destination::Business),
            (&check, ok("<html>oops</html>"), false, Some("crm_malformed"), Destination::Business),
            (
                &check,
                ok(r#"{"status": "ok", "destination": "gold"}"#),
                false,
                Some("crm_malformed"),
                Destination::Business,
            ),
            (
                &check,
                CrmReply::Answered { status: 500, body: String::new() },
                false,
                Some("crm_status_500"),
                Destination::Business,
            ),
            (&check, CrmReply::TimedOut, false, Some("crm_timeout"), Destination::Business),
            (
                &check,
                CrmReply::Unreachable("refused".into()),
                false,
                Some("crm_unreachable"),
                Destination::Business,
            ),
        ];
        for (s, reply, identified, reason, destination) in cases {
            let d = decide(s, &g, Some(&reply));
            assert_eq!(
                (d.identified, d.reason.as_deref(), d.destination.clone()),
                (identified, reason, destination),
                "{reply:?}"
            );
        }
        let any = setup(IdentificationMode::Any);
        assert!(decide(&any, &g, None).identified, "mode any asks no CRM");
        assert!(
            entry_fits(&any, Some("123456")) && !entry_fits(&any, Some("12345")) && !entry_fits(&any, None)
        );
        assert!(!entry_fits(&any, Some("12345#")));
        assert_eq!(decide_without_entry(&any, None).reason.as_deref(), Some("no_entry"));
        assert_eq!(decide_without_entry(&any, Some("12")).reason.as_deref(), Some("wrong_length"));
        let kept = Identification::of(
            &check,
            &decide(&check, &g, Some(&ok(r#"{"status":"ok","destination":true}"#))),
            Some("123456"),
            1,
            Some(40),
        );
        assert_eq!((kept.customer_id.as_deref(), kept.destination.as_str()), (Some("123456"), "gold"));
        let timed_out = Identification::of(
            &check,
            &decide(&check, &g, Some(&CrmReply::TimedOut)),
            Some("123456"),
            1,
            Some(3000),
        );
        assert_eq!(
            (timed_out.customer_id, timed_out.entry.as_deref()),
            (None, Some("123456")),
            "what was keyed is kept"
        );
    }
}
