//! A recorded call: who called which tracking number when, how it went, and the visitor
//! session it is credited to.

use super::event::{CallEvent, CallStatus, Recording};
use super::identification::Identification;
use super::progress::CallOutcome;
use crate::pool::Region;
use crate::support::Timestamp;
use crate::traffic::TrafficSource;
use phone::PhoneNumber;
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
    /// The number was a channel's, shown to visitors who did not consent: credited to the
    /// channel, no visitor known (`visitor` is the channel's holder).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconsented: bool,
}

impl Attribution {
    /// Credit to the session `lease` (`late`: it had ended, within its retention), with no
    /// other candidates (an extension is one session's alone).
    pub fn of_lease(lease: &crate::pool::Lease, late: bool) -> Attribution {
        Attribution {
            lease_id: lease.id.clone(),
            visitor: lease.visitor.clone(),
            source: lease.source.clone(),
            region: lease.region.clone(),
            late,
            candidates: Vec::new(),
            unconsented: lease.is_unconsented(),
        }
    }
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
    /// On an extension number: the extension the caller keyed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// Why a call to an extension number is credited to no session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unattributed_reason: Option<UnattributedReason>,
    /// The caller's customer number, from caller identification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// What caller identification did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identification: Option<Identification>,
    /// A call to one of the site's masking numbers (between an order's parties, not a
    /// marketing call): the session it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masking: Option<MaskedCall>,
    /// What the call was worth, as the business or its CRM set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<crate::money::Money>,
    /// Whether it became a customer (`None`: nobody said; a call with a value, or qualified,
    /// counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Tags set by people (`tags` adds the keywords found in the transcript).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

/// What a masked call is recorded with: the order's session and who called whom. A call on a
/// masking number that no open session connected has `connected: false` (the site's closed
/// policy answered it), with the closed session of that pair when there was one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedCall {
    pub session_id: Option<String>,
    pub order_id: Option<String>,
    pub from_role: Option<String>,
    pub to_role: Option<String>,
    pub connected: bool,
}

/// Why a call that could have been credited to a session is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnattributedReason {
    /// The caller keyed no extension (after the prompt twice).
    ExtensionMissing,
    /// The caller keyed an extension no session holds (or not one of the site's length).
    ExtensionUnknown,
}

impl UnattributedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            UnattributedReason::ExtensionMissing => "extension_missing",
            UnattributedReason::ExtensionUnknown => "extension_unknown",
        }
    }
}

impl CallRecord {
    /// Whether the call counts as a conversion: as marked; unmarked, when it has a value or
    /// qualified.
    pub fn converts(&self, qualify_secs: u32) -> bool {
        self.converted.unwrap_or_else(|| self.value.is_some() || self.qualified(qualify_secs))
    }

    /// What the call earned, in minor units: its value, else `default` if it converts.
    pub fn revenue(&self, qualify_secs: u32, default: Option<i64>) -> i64 {
        match self.value {
            Some(v) => v.minor,
            None if self.converts(qualify_secs) => default.unwrap_or(0),
            None => 0,
        }
    }

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
