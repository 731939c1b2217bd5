//! Attribution: which visitor session a phone call is credited to.

use crate::call_event::{CallEvent, CallStatus, Recording};
use crate::clock::Timestamp;
use crate::phone::PhoneNumber;
use crate::pool::{Pool, Region};
use crate::traffic::TrafficSource;
use serde::{Deserialize, Serialize};

/// A call as the telephony provider reports it when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingCall {
    /// The provider's id of the call (Twilio's CallSid); one call per id.
    pub call_sid: String,
    /// The caller as the provider gives it; may be a non-number such as `anonymous`.
    pub from: String,
    /// The tracking number that was dialled.
    pub to: PhoneNumber,
    pub at: Timestamp,
}

/// Another session that held a shared number when the call came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub lease_id: String,
    pub visitor: String,
    pub source: TrafficSource,
}

/// The session a call is credited to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    pub lease_id: String,
    pub visitor: String,
    pub source: TrafficSource,
    pub region: Region,
    /// The lease had ended; the call came within the site's retention window.
    #[serde(default)]
    pub late: bool,
    /// Other sessions sharing the number at that instant (exhaustion policy "share").
    #[serde(default)]
    pub candidates: Vec<Candidate>,
}

/// A recorded call with its attribution (`None`: no session held the number then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    pub call_sid: String,
    pub site: String,
    pub from: String,
    pub to: PhoneNumber,
    pub started_at: Timestamp,
    pub attribution: Option<Attribution>,
    /// Dialled the site's overflow number, shown when every pool number was live.
    #[serde(default)]
    pub overflow: bool,
    /// The caller called the site before: the id of their first call. `None`: first-time
    /// caller (or a caller who withheld their number).
    #[serde(default)]
    pub repeat_of: Option<String>,
    /// A call to one of the site's static numbers: credited to the rule's source.
    #[serde(default)]
    pub static_source: Option<TrafficSource>,
    /// How the call ended, once the provider says (status callbacks).
    #[serde(default)]
    pub outcome: Option<CallOutcome>,
    /// Seconds the caller and the business talked (ring time excluded), once known.
    #[serde(default)]
    pub talk_secs: Option<u32>,
    /// The call's state as the latest of its events implies (`None`: recorded before
    /// call events existed).
    #[serde(default)]
    pub status: Option<CallStatus>,
    #[serde(default)]
    pub answered_at: Option<Timestamp>,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    /// Seconds it rang before the business answered (or gave up).
    #[serde(default)]
    pub ring_secs: Option<u32>,
    /// Where it was forwarded (`None` with `after_hours`: to voicemail).
    #[serde(default)]
    pub forwarded_to: Option<PhoneNumber>,
    #[serde(default)]
    pub after_hours: bool,
    #[serde(default)]
    pub recordings: Vec<Recording>,
    #[serde(default)]
    pub transcript: Option<String>,
    /// The site's keywords found in the transcript.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Every distinct event providers reported about the call, as received.
    #[serde(default)]
    pub events: Vec<CallEvent>,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Answered,
    /// Rang out or was not picked up.
    Missed,
    Busy,
    Failed,
}

impl CallOutcome {
    /// From a provider's final call status (Twilio: `completed`, `no-answer`, `busy`,
    /// `failed`, `canceled`) and whether the business leg was answered.
    pub fn from_status(status: &str, answered: bool) -> Option<CallOutcome> {
        match status.to_ascii_lowercase().replace('_', "-").as_str() {
            "completed" | "answered" if answered => Some(CallOutcome::Answered),
            "completed" | "no-answer" | "canceled" | "cancelled" | "missed" => Some(CallOutcome::Missed),
            "busy" => Some(CallOutcome::Busy),
            "failed" => Some(CallOutcome::Failed),
            _ => None,
        }
    }
}

/// When a call rang, was answered and ended, as the provider reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTiming {
    pub started_at: Timestamp,
    pub answered_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
}

impl CallTiming {
    /// Seconds it rang before it was answered (or until it ended unanswered).
    pub fn ring_secs(&self) -> Option<u32> {
        let until = self.answered_at.or(self.ended_at)?;
        u32::try_from((until.millis() - self.started_at.millis()).max(0) / 1000).ok()
    }

    /// Seconds of conversation: from the answer to the end, ring time excluded; `None` if it
    /// was never answered or has not ended.
    pub fn talk_secs(&self) -> Option<u32> {
        let (answered, ended) = (self.answered_at?, self.ended_at?);
        u32::try_from((ended.millis() - answered.millis()).max(0) / 1000).ok()
    }
}

impl CallRecord {
    pub fn answered(&self) -> bool {
        // A voicemail is answered by a machine, not the business.
        self.outcome == Some(CallOutcome::Answered) && !self.recordings.iter().any(|r| r.voicemail)
    }

    /// Answered with talk time at or above the site's threshold.
    pub fn qualified(&self, threshold_secs: u32) -> bool {
        // An unknown talk time counts as none (as the stored rows count it).
        self.answered() && self.talk_secs.unwrap_or(0) >= threshold_secs
    }
}

/// Whether `from` identifies a caller well enough to recognise them again (not `anonymous`,
/// `restricted` or a provider's placeholder).
pub fn identifiable_caller(from: &str) -> bool {
    PhoneNumber::parse(from).is_ok()
}

/// Credits a call to the session that held the dialled number when the call started: a live
/// lease (the most recent holder of a shared number, the others kept as candidates), else
/// one that ended within `retention_secs` (flagged late), else nobody.
pub fn attribute(
    site: &str,
    call: IncomingCall,
    pool: &Pool,
    retention_secs: i64,
    overflow: bool,
) -> CallRecord {
    let attribution = pool.holders_at(&call.to, call.at, retention_secs).map(|h| Attribution {
        lease_id: h.holder.id.clone(),
        visitor: h.holder.visitor.clone(),
        source: h.holder.source.clone(),
        region: h.holder.region.clone(),
        late: h.late,
        candidates: h
            .others
            .iter()
            .map(|l| Candidate {
                lease_id: l.id.clone(),
                visitor: l.visitor.clone(),
                source: l.source.clone(),
            })
            .collect(),
    });
    CallRecord {
        call_sid: call.call_sid,
        site: site.to_string(),
        from: call.from,
        to: call.to,
        started_at: call.at,
        attribution,
        overflow,
        repeat_of: None,
        static_source: None,
        outcome: None,
        talk_secs: None,
        status: None,
        answered_at: None,
        ended_at: None,
        ring_secs: None,
        forwarded_to: None,
        after_hours: false,
        recordings: Vec::new(),
        transcript: None,
        tags: Vec::new(),
        events: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn talk_time_excludes_ring_time_and_qualifies() {
        let t = |s: i64| Timestamp(s * 1000);
        let answered = CallTiming { started_at: t(0), answered_at: Some(t(12)), ended_at: Some(t(102)) };
        assert_eq!((answered.ring_secs(), answered.talk_secs()), (Some(12), Some(90)));
        let missed = CallTiming { started_at: t(0), answered_at: None, ended_at: Some(t(30)) };
        assert_eq!((missed.ring_secs(), missed.talk_secs()), (Some(30), None));
        let mut call = attribute(
            "demo",
            IncomingCall {
                call_sid: "CA1".into(),
                from: "+15550009999".into(),
                to: PhoneNumber::parse("+15550100201").unwrap(),
                at: t(0),
            },
            &Pool::default(),
            0,
            false,
        );
        call.outcome = Some(CallOutcome::Answered);
        call.talk_secs = answered.talk_secs();
        assert!(call.qualified(60) && !call.qualified(120));
        call.outcome = Some(CallOutcome::Missed);
        assert!(!call.qualified(0), "only answered calls qualify");
    }

    #[test]
    fn outcomes_from_provider_statuses() {
        assert_eq!(CallOutcome::from_status("completed", true), Some(CallOutcome::Answered));
        assert_eq!(CallOutcome::from_status("completed", false), Some(CallOutcome::Missed));
        assert_eq!(CallOutcome::from_status("no-answer", false), Some(CallOutcome::Missed));
        assert_eq!(CallOutcome::from_status("BUSY", false), Some(CallOutcome::Busy));
        assert_eq!(CallOutcome::from_status("failed", false), Some(CallOutcome::Failed));
        assert_eq!(CallOutcome::from_status("ringing", false), None, "not final");
    }
    use crate::pool::LeaseRequest;
    use crate::traffic::Visit;

    #[test]
    fn credits_the_session_holding_the_number_and_nothing_else() {
        let number = PhoneNumber::parse("+15550100201").unwrap();
        let mut pool = Pool::new([(number.clone(), None)]);
        let source = TrafficSource::from_visit(&Visit {
            utm_source: Some("google".into()),
            utm_medium: Some("cpc".into()),
            ..Visit::default()
        });
        let req = LeaseRequest { visitor: "v1".into(), source, region: Region::default() };
        let rules = crate::pool::PoolRules {
            lease_secs: 60,
            retention_secs: 600,
            home_region: None,
            exhaustion: crate::pool::ExhaustionPolicy::Share,
            overflow_number: None,
        };
        pool.lease(req, Timestamp(0), &rules, "demo").unwrap();
        let call = |at| IncomingCall {
            call_sid: "CA1".into(),
            from: "+15550009999".into(),
            to: number.clone(),
            at: Timestamp(at),
        };
        let during = attribute("demo", call(30_000), &pool, 600, false);
        let a = during.attribution.expect("call during the lease is attributed");
        assert_eq!((a.visitor.as_str(), a.source.source.as_str(), a.late), ("v1", "google", false));
        let late = attribute("demo", call(61_000), &pool, 600, false).attribution.expect("within retention");
        assert!(late.late);
        assert_eq!(attribute("demo", call(661_000), &pool, 600, false).attribution, None);
    }
}
