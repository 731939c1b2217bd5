//! A site's call options: the caller ID its business sees, and what happens after hours.

use crate::error::{Error, Result};
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// The caller ID the business sees on forwarded calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CallerId {
    /// The caller's own number, so the business can call back (the default).
    #[default]
    Caller,
    /// The tracking number dialled, so the business knows the call came through ringtrace.
    TrackingNumber,
    /// A fixed number (it must be a number the Twilio account owns or has verified).
    Number(PhoneNumber),
}

impl CallerId {
    /// From the setting: `"caller"`, `"tracking_number"` or a phone number.
    pub fn parse(s: &str) -> Result<CallerId> {
        match s.trim() {
            "caller" => Ok(CallerId::Caller),
            "tracking_number" => Ok(CallerId::TrackingNumber),
            other => PhoneNumber::parse(other).map(CallerId::Number).map_err(|_| {
                Error::invalid(format!(
                    "caller_id {other:?} must be \"caller\", \"tracking_number\" or a phone number"
                ))
            }),
        }
    }

    pub fn setting(&self) -> String {
        match self {
            CallerId::Caller => "caller".into(),
            CallerId::TrackingNumber => "tracking_number".into(),
            CallerId::Number(n) => n.e164().into(),
        }
    }
}

/// What happens to calls outside business hours, as the site owner writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AfterHoursSetup {
    /// Forward to this number (an answering service, a mobile). Without it: voicemail.
    #[serde(default)]
    pub forward_to: Option<String>,
    /// What the caller hears before leaving a voicemail.
    #[serde(default)]
    pub voicemail_greeting: Option<String>,
}

/// What happens to calls outside business hours, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AfterHours {
    pub forward_to: Option<PhoneNumber>,
    pub voicemail_greeting: String,
}

const DEFAULT_GREETING: &str =
    "Thank you for calling. We are closed right now. Please leave a message after the tone and we will call you back.";
const MAX_GREETING: usize = 500;

impl AfterHours {
    /// Voicemail with the default greeting: a site closed now that set nothing for it.
    pub fn voicemail() -> AfterHours {
        AfterHours { forward_to: None, voicemail_greeting: DEFAULT_GREETING.to_string() }
    }

    pub fn from_setup(setup: &AfterHoursSetup) -> Result<AfterHours> {
        let forward_to = setup
            .forward_to
            .as_deref()
            .map(PhoneNumber::parse)
            .transpose()
            .map_err(|e| Error::from(e).at("after_hours.forward_to"))?;
        let greeting = setup.voicemail_greeting.as_deref().map(str::trim).filter(|g| !g.is_empty());
        if greeting.is_some_and(|g| g.chars().count() > MAX_GREETING) {
            return Err(Error::invalid(format!(
                "after_hours.voicemail_greeting is longer than {MAX_GREETING} characters"
            ))
            .at("after_hours.voicemail_greeting"));
        }
        Ok(AfterHours { forward_to, voicemail_greeting: greeting.unwrap_or(DEFAULT_GREETING).to_string() })
    }

    pub fn to_setup(&self) -> AfterHoursSetup {
        AfterHoursSetup {
            forward_to: self.forward_to.as_ref().map(|n| n.e164().to_string()),
            voicemail_greeting: Some(self.voicemail_greeting.clone()),
        }
    }
}
