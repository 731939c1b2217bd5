//! A call's events as providers report them (started, ringing, answered, ended, recording,
//! transcription), merged so a replayed or reordered report counts once.

use super::identification::Identification;
use crate::support::{hash_token, Timestamp};
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// A call's state as providers name it (Twilio's `CallStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallStatus {
    Ringing,
    InProgress,
    Completed,
    Busy,
    NoAnswer,
    Failed,
    Canceled,
}

impl CallStatus {
    /// Reads a provider's status name (`no-answer`, `no_answer`, `in-progress`, `answered`…).
    pub fn parse(s: &str) -> Option<CallStatus> {
        Some(match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "queued" | "initiated" | "ringing" | "started" => CallStatus::Ringing,
            "in-progress" | "answered" => CallStatus::InProgress,
            "completed" => CallStatus::Completed,
            "busy" => CallStatus::Busy,
            "no-answer" | "missed" => CallStatus::NoAnswer,
            "failed" => CallStatus::Failed,
            "canceled" | "cancelled" => CallStatus::Canceled,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Ringing => "ringing",
            CallStatus::InProgress => "in-progress",
            CallStatus::Completed => "completed",
            CallStatus::Busy => "busy",
            CallStatus::NoAnswer => "no-answer",
            CallStatus::Failed => "failed",
            CallStatus::Canceled => "canceled",
        }
    }

    /// The call is over.
    pub fn is_final(self) -> bool {
        !matches!(self, CallStatus::Ringing | CallStatus::InProgress)
    }
}

/// Which leg of a forwarded call an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Leg {
    /// The caller's call to the tracking number.
    Caller,
    /// The forwarded call to the business: its answer is what "answered" means.
    #[default]
    Business,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The call reached the tracking number.
    Started,
    /// Where the call was sent: the business (or after-hours) number, or voicemail. Stored
    /// and sent as `"routed"`, its name before "route" came to mean HTTP routes only.
    #[serde(rename = "routed")]
    Forwarded {
        forward_to: Option<PhoneNumber>,
        after_hours: bool,
    },
    /// The business's phone is ringing.
    Ringing,
    /// The business answered.
    Answered,
    /// A leg ended; `duration_secs` is its talk time when the provider gives one.
    Ended {
        leg: Leg,
        status: CallStatus,
        duration_secs: Option<u32>,
    },
    Recording {
        url: String,
        duration_secs: Option<u32>,
        voicemail: bool,
    },
    Transcription {
        text: String,
    },
    /// On an extension number: what the caller keyed (`None`: nothing) after `attempts`
    /// prompts. It picks the session the call is credited to.
    Extension {
        digits: Option<String>,
        attempts: u32,
    },
    /// Caller identification: what the caller keyed, what the CRM said, where the call went.
    Identification(Identification),
    /// Someone changed what the call is worth, its conversion, note or tags (`PATCH
    /// …/calls/{id}`: the dashboard or a CRM); `changes` says what, in words.
    Updated {
        changes: Vec<String>,
    },
}

/// One report from a provider about one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallEvent {
    /// The provider's call id (Twilio: the inbound call's CallSid).
    pub call_sid: String,
    /// `twilio`, `api` (provider-neutral events), `route` (dialed-number lookups).
    pub provider: String,
    pub at: Timestamp,
    /// The caller, when the event says.
    #[serde(default)]
    pub from: Option<String>,
    /// The tracking number dialled.
    pub to: PhoneNumber,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl CallEvent {
    /// What makes two reports the same event: a replayed webhook has the same key, so it is
    /// stored once (see [`CallEvent::merge`]). Arrival time is not part of it (a retry
    /// arrives later); an end's status is (a leg reported busy, then completed, is two).
    pub fn key(&self) -> String {
        match &self.kind {
            EventKind::Started => "started".into(),
            EventKind::Forwarded { .. } => "routed".into(),
            EventKind::Ringing => "ringing".into(),
            EventKind::Answered => "answered".into(),
            EventKind::Ended { leg: Leg::Caller, status, .. } => format!("ended:caller:{}", status.as_str()),
            EventKind::Ended { leg: Leg::Business, status, .. } => {
                format!("ended:business:{}", status.as_str())
            }
            EventKind::Recording { url, .. } => format!("recording:{url}"),
            EventKind::Transcription { text } => format!("transcription:{}", hash_token(text)),
            EventKind::Extension { .. } => "extension".into(),
            EventKind::Identification(_) => "identification".into(),
            EventKind::Updated { changes } => {
                format!("updated:{}:{}", self.at.millis(), hash_token(&changes.join("\n")))
            }
        }
    }

    /// Two reports of the same event (same key) as one: the earlier time, and what either
    /// knows (the caller, the longest duration). Commutative and associative, so the stored
    /// event does not depend on the order reports arrive in.
    pub fn merge(self, other: CallEvent) -> CallEvent {
        let rank = |e: &CallEvent| (e.at, serde_json::to_string(e).unwrap_or_default());
        let (mut base, other) = if rank(&other) < rank(&self) { (other, self) } else { (self, other) };
        base.from = match (base.from.take(), other.from) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let longer = |a: Option<u32>, b: Option<u32>| a.max(b);
        match (&mut base.kind, other.kind) {
            (EventKind::Ended { duration_secs, .. }, EventKind::Ended { duration_secs: d, .. })
            | (EventKind::Recording { duration_secs, .. }, EventKind::Recording { duration_secs: d, .. }) => {
                *duration_secs = longer(*duration_secs, d);
            }
            _ => {}
        }
        base
    }

    /// The events with reports of the same event merged, in key order.
    pub fn canonical(events: &[CallEvent]) -> Vec<CallEvent> {
        let mut by_key: std::collections::BTreeMap<String, CallEvent> = std::collections::BTreeMap::new();
        for e in events {
            let merged = match by_key.remove(&e.key()) {
                Some(seen) => seen.merge(e.clone()),
                None => e.clone(),
            };
            by_key.insert(e.key(), merged);
        }
        by_key.into_values().collect()
    }

    /// When the call started, as far as this event tells.
    pub fn start_estimate(&self) -> Timestamp {
        match &self.kind {
            EventKind::Ended { duration_secs: Some(d), .. } => self.at.plus_secs(-i64::from(*d)),
            _ => self.at,
        }
    }
}

/// A recording of the call (or of a voicemail left after hours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    pub url: String,
    pub duration_secs: Option<u32>,
    pub voicemail: bool,
}

/// Most keys kept of one entry: a customer number has up to 30 digits.
pub const MAX_KEYS: usize = 32;

/// What a caller keys, as kept: at most [`MAX_KEYS`] of the keys a phone has (`0-9`, `*`,
/// `#`), anything else dropped; nothing → `None`.
pub fn keyed_digits(raw: &str) -> Option<String> {
    let keys: String =
        raw.chars().filter(|c| c.is_ascii_digit() || matches!(c, '*' | '#')).take(MAX_KEYS).collect();
    (!keys.is_empty()).then_some(keys)
}

/// The site's keywords that occur in `text` as whole words (case-insensitive), in the
/// site's order: "What's the PRICE to install?" with `price, install, warranty` →
/// `price, install`.
pub fn keyword_tags(text: &str, keywords: &[String]) -> Vec<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('\'').to_lowercase())
        .collect();
    keywords
        .iter()
        .filter(|k| {
            let needle: Vec<String> = k.split_whitespace().map(str::to_lowercase).collect();
            !needle.is_empty() && words.windows(needle.len()).any(|w| w == needle.as_slice())
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::CallOutcome;
    use crate::calls::CallProgress;
    use proptest::prelude::*;

    fn ev(kind: EventKind, at_secs: i64) -> CallEvent {
        CallEvent {
            call_sid: "CA1".into(),
            provider: "twilio".into(),
            at: Timestamp(1_795_000_000_000 + at_secs * 1000),
            from: Some("+15550009999".into()),
            to: PhoneNumber::parse("+15550100201").unwrap(),
            kind,
        }
    }

    fn answered_call() -> Vec<CallEvent> {
        vec![
            ev(EventKind::Started, 0),
            ev(EventKind::Ringing, 1),
            ev(EventKind::Answered, 9),
            ev(
                EventKind::Ended {
                    leg: Leg::Business,
                    status: CallStatus::Completed,
                    duration_secs: Some(95),
                },
                104,
            ),
            ev(
                EventKind::Ended {
                    leg: Leg::Caller,
                    status: CallStatus::Completed,
                    duration_secs: Some(104),
                },
                104,
            ),
            ev(
                EventKind::Recording { url: "https://r/1".into(), duration_secs: Some(95), voicemail: false },
                110,
            ),
        ]
    }

    #[test]
    fn a_forwarded_event_keeps_its_stored_name() {
        let e = ev(EventKind::Forwarded { forward_to: None, after_hours: true }, 0);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], "routed", "calls stored before the rename still read back");
        assert_eq!(serde_json::from_value::<CallEvent>(json).unwrap(), e);
    }

    #[test]
    fn an_answered_call_in_order() {
        let p = CallProgress::from_events(&answered_call());
        assert_eq!(p.status, Some(CallStatus::Completed));
        assert!(p.answered);
        assert_eq!((p.ring_secs, p.talk_secs), (Some(9), Some(95)));
        assert_eq!(p.outcome, Some(CallOutcome::Answered));
        assert_eq!(p.recordings.len(), 1);
    }

    #[test]
    fn missed_busy_and_caller_hang_up() {
        let missed = [
            ev(EventKind::Started, 0),
            ev(EventKind::Ringing, 1),
            ev(
                EventKind::Ended { leg: Leg::Business, status: CallStatus::NoAnswer, duration_secs: None },
                31,
            ),
        ];
        let p = CallProgress::from_events(&missed);
        assert_eq!(
            (p.status, p.answered, p.outcome),
            (Some(CallStatus::NoAnswer), false, Some(CallOutcome::Missed))
        );
        assert_eq!((p.ring_secs, p.talk_secs), (Some(31), None));
        let hung_up = [
            ev(EventKind::Started, 0),
            ev(EventKind::Ringing, 1),
            ev(EventKind::Ended { leg: Leg::Caller, status: CallStatus::Completed, duration_secs: None }, 12),
        ];
        let p = CallProgress::from_events(&hung_up);
        assert_eq!((p.status, p.outcome), (Some(CallStatus::Canceled), Some(CallOutcome::Missed)));
        let busy =
            [ev(EventKind::Ended { leg: Leg::Business, status: CallStatus::Busy, duration_secs: None }, 2)];
        assert_eq!(CallProgress::from_events(&busy).outcome, Some(CallOutcome::Busy));
        let live = [ev(EventKind::Started, 0), ev(EventKind::Answered, 5)];
        let p = CallProgress::from_events(&live);
        assert_eq!((p.status, p.outcome), (Some(CallStatus::InProgress), None));
    }

    #[test]
    fn a_completed_business_leg_counts_as_answered_without_its_answered_event() {
        let events = [
            ev(EventKind::Started, 0),
            ev(
                EventKind::Ended {
                    leg: Leg::Business,
                    status: CallStatus::Completed,
                    duration_secs: Some(60),
                },
                70,
            ),
        ];
        let p = CallProgress::from_events(&events);
        assert!(p.answered);
        assert_eq!((p.ring_secs, p.talk_secs), (Some(10), Some(60)));
    }

    proptest! {
        /// Replays (also ones arriving later, or missing what the first knew) and any arrival
        /// order give the same state.
        #[test]
        fn order_and_replays_do_not_matter(
            order in Just(answered_call()).prop_shuffle(),
            dups in proptest::collection::vec((0usize..6, 0i64..30, any::<bool>()), 0..8),
        ) {
            let mut events = order;
            for (i, later, forget) in dups {
                let mut replay = answered_call()[i].clone();
                replay.at = replay.at.plus_secs(later);
                if forget {
                    replay.from = None;
                    if let EventKind::Ended { duration_secs, .. } = &mut replay.kind {
                        *duration_secs = None;
                    }
                }
                events.insert(later as usize % (events.len() + 1), replay);
            }
            prop_assert_eq!(CallProgress::from_events(&events), CallProgress::from_events(&answered_call()));
            let canonical = CallEvent::canonical(&events);
            prop_assert_eq!(canonical, CallEvent::canonical(&answered_call()));
        }
    }

    #[test]
    fn the_latest_end_is_the_state() {
        let busy_then_answered = [
            ev(EventKind::Started, 0),
            ev(EventKind::Ended { leg: Leg::Business, status: CallStatus::Busy, duration_secs: None }, 5),
            ev(
                EventKind::Ended {
                    leg: Leg::Business,
                    status: CallStatus::Completed,
                    duration_secs: Some(30),
                },
                50,
            ),
        ];
        let mut reversed = busy_then_answered.to_vec();
        reversed.reverse();
        for events in [busy_then_answered.to_vec(), reversed] {
            let p = CallProgress::from_events(&events);
            assert_eq!((p.status, p.outcome), (Some(CallStatus::Completed), Some(CallOutcome::Answered)));
        }
    }

    #[test]
    fn keywords_are_whole_words() {
        let keywords = vec!["price".to_string(), "install".into(), "warranty".into(), "service plan".into()];
        assert_eq!(
            keyword_tags("Hi, what's the PRICE to install a new unit? Any Service  plan?", &keywords),
            ["price", "install", "service plan"]
        );
        assert!(keyword_tags("priceless installation", &keywords).is_empty());
    }

    #[test]
    fn statuses_from_providers() {
        assert_eq!(CallStatus::parse("no_answer"), Some(CallStatus::NoAnswer));
        assert_eq!(CallStatus::parse("In-Progress"), Some(CallStatus::InProgress));
        assert_eq!(CallStatus::parse("cancelled"), Some(CallStatus::Canceled));
        assert_eq!(CallStatus::parse("exploded"), None);
        assert!(CallStatus::Busy.is_final() && !CallStatus::Ringing.is_final());
    }
}
