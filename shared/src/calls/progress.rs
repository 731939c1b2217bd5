//! The state a call's events imply (status, answer, end, ring and talk time, outcome), the
//! same whatever order or how often the events came.

use super::event::{CallEvent, CallStatus, EventKind, Leg, Recording};
use super::identification::Identification;
use crate::support::Timestamp;
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

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

/// The state a set of events implies. The same set gives the same state in any order, so
/// late, repeated and shuffled callbacks all end the same.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallProgress {
    pub started_at: Option<Timestamp>,
    pub from: Option<String>,
    pub status: Option<CallStatus>,
    pub answered: bool,
    pub answered_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub ring_secs: Option<u32>,
    pub talk_secs: Option<u32>,
    pub outcome: Option<CallOutcome>,
    pub forwarded_to: Option<PhoneNumber>,
    pub after_hours: bool,
    pub recordings: Vec<Recording>,
    pub transcript: Option<String>,
    /// What the caller keyed on an extension number (`Some(None)`: nothing).
    pub extension: Option<Option<String>>,
    pub identification: Option<Identification>,
}

/// When two ends of the same leg come at the same instant, the more informative one wins.
fn end_rank(status: CallStatus) -> u8 {
    match status {
        CallStatus::Completed => 0,
        CallStatus::Busy => 1,
        CallStatus::NoAnswer => 2,
        CallStatus::Failed => 3,
        CallStatus::Canceled => 4,
        CallStatus::InProgress | CallStatus::Ringing => 5,
    }
}

impl CallProgress {
    pub fn from_events(events: &[CallEvent]) -> CallProgress {
        let canonical = CallEvent::canonical(events);
        let sorted: Vec<&CallEvent> = canonical.iter().collect();
        let mut p = CallProgress::default();
        let earliest = |slot: &mut Option<Timestamp>, at: Timestamp| {
            *slot = Some(slot.map_or(at, |s| s.min(at)));
        };
        let mut started = None;
        let mut ringing = false;
        let mut business_end: Option<(CallStatus, Option<u32>, Timestamp)> = None;
        let mut caller_end: Option<(CallStatus, Timestamp)> = None;
        let mut texts = Vec::new();
        for e in &sorted {
            match &e.kind {
                EventKind::Started => {
                    earliest(&mut started, e.at);
                    if e.from.is_some() {
                        p.from.clone_from(&e.from);
                    }
                }
                EventKind::Forwarded { forward_to, after_hours } => {
                    p.forwarded_to.clone_from(forward_to);
                    p.after_hours = *after_hours;
                }
                EventKind::Ringing => ringing = true,
                EventKind::Answered => earliest(&mut p.answered_at, e.at),
                // The latest end of a leg is its state (ties: the more informative status).
                EventKind::Ended { leg: Leg::Business, status, duration_secs } => {
                    let later = business_end.is_none_or(|(s, _, at)| {
                        (e.at, std::cmp::Reverse(end_rank(*status))) > (at, std::cmp::Reverse(end_rank(s)))
                    });
                    if later {
                        business_end = Some((*status, *duration_secs, e.at));
                    }
                }
                EventKind::Ended { leg: Leg::Caller, status, .. } => {
                    let later = caller_end.is_none_or(|(s, at)| {
                        (e.at, std::cmp::Reverse(end_rank(*status))) > (at, std::cmp::Reverse(end_rank(s)))
                    });
                    if later {
                        caller_end = Some((*status, e.at));
                    }
                }
                EventKind::Recording { url, duration_secs, voicemail } => p.recordings.push(Recording {
                    url: url.clone(),
                    duration_secs: *duration_secs,
                    voicemail: *voicemail,
                }),
                EventKind::Transcription { text } => texts.push(text.clone()),
                EventKind::Extension { digits, .. } => p.extension = Some(digits.clone()),
                EventKind::Identification(i) => p.identification = Some(i.clone()),
                EventKind::Updated { .. } => {}
            }
        }
        if p.from.is_none() {
            p.from = sorted.iter().find_map(|e| e.from.clone());
        }
        p.started_at = started.or_else(|| sorted.iter().map(|e| e.start_estimate()).min());
        // A business leg that completed was answered, even if its "answered" event was lost.
        if let Some((CallStatus::Completed, duration, at)) = business_end {
            if p.answered_at.is_none() {
                p.answered_at = Some(at.plus_secs(-i64::from(duration.unwrap_or(0))));
            }
        }
        p.answered = p.answered_at.is_some();
        p.ended_at = business_end.map(|(_, _, at)| at).or(caller_end.map(|(_, at)| at));
        p.status = Some(match (business_end, caller_end) {
            (Some((status, _, _)), _) => status,
            (None, Some((CallStatus::Completed, _))) if p.answered => CallStatus::Completed,
            (None, Some((CallStatus::Completed, _))) if ringing || p.forwarded_to.is_some() => {
                CallStatus::Canceled // the caller hung up while the business's phone rang
            }
            (None, Some((status, _))) => status,
            (None, None) if p.answered => CallStatus::InProgress,
            (None, None) => CallStatus::Ringing,
        });
        if let Some(start) = p.started_at {
            let timing = CallTiming { started_at: start, answered_at: p.answered_at, ended_at: p.ended_at };
            p.ring_secs = timing.ring_secs();
            p.talk_secs = business_end.and_then(|(_, d, _)| d).filter(|_| p.answered).or(timing.talk_secs());
        }
        let voicemail = p.recordings.iter().any(|r| r.voicemail);
        p.outcome = p.status.filter(|s| s.is_final()).and_then(|s| {
            CallOutcome::from_status(s.as_str(), p.answered).map(|o| {
                if voicemail && !p.answered {
                    CallOutcome::Missed
                } else {
                    o
                }
            })
        });
        p.recordings.sort_by(|a, b| a.url.cmp(&b.url));
        p.recordings.dedup_by(|a, b| a.url == b.url);
        if !texts.is_empty() {
            p.transcript = Some(texts.join("\n"));
        }
        p
    }
}
