//! Where a call to a tracking number goes: the business number that tracking number replaced
//! (or the destination its steps chose: a named line, voicemail, a hang-up), or, outside
//! business hours, the after-hours number or voicemail.

use crate::site::{AfterHours, CallerId, Destination, SiteConfig};
use crate::support::Timestamp;
use phone::PhoneNumber;

/// Where one call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallDestination {
    Forward {
        to: PhoneNumber,
        after_hours: bool,
    },
    /// Voicemail (`after_hours`: because the business is closed).
    Voicemail {
        greeting: String,
        after_hours: bool,
    },
    /// The call is ended (a destination of caller identification).
    Hangup,
}

/// What a caller sent to voicemail while the business is open hears.
const OPEN_VOICEMAIL_GREETING: &str =
    "Thank you for calling. Please leave a message after the tone and we will call you back.";

/// Where a call to `tracking_number` at `at` goes when its steps chose `chosen`: a hang-up and
/// voicemail are what they say; a number (the business's, a named destination's) is dialled
/// while the business is open, and after hours the site's after-hours rule applies.
pub fn call_destination(
    config: &SiteConfig,
    tracking_number: &PhoneNumber,
    at: Timestamp,
    chosen: &Destination,
) -> CallDestination {
    let open = config.business_hours.as_ref().is_none_or(|h| h.is_open(at));
    let after = || config.after_hours.clone().unwrap_or_else(AfterHours::voicemail);
    let to = match chosen {
        Destination::Hangup => return CallDestination::Hangup,
        Destination::Voicemail if open => {
            let greeting =
                config.after_hours.as_ref().map_or(OPEN_VOICEMAIL_GREETING, |a| &a.voicemail_greeting);
            return CallDestination::Voicemail { greeting: greeting.to_string(), after_hours: false };
        }
        Destination::Voicemail => {
            return CallDestination::Voicemail { greeting: after().voicemail_greeting, after_hours: true }
        }
        Destination::Named(name) => {
            config.destinations.get(name).unwrap_or(config.business_number_for(tracking_number))
        }
        Destination::Business => config.business_number_for(tracking_number),
    };
    if open {
        return CallDestination::Forward { to: to.clone(), after_hours: false };
    }
    let after = after();
    match after.forward_to {
        Some(to) => CallDestination::Forward { to, after_hours: true },
        None => CallDestination::Voicemail { greeting: after.voicemail_greeting, after_hours: true },
    }
}

/// The caller ID to show the business for a forwarded call (`None`: Twilio's default, the
/// caller's number).
pub fn caller_id_for(config: &SiteConfig, tracking_number: &PhoneNumber) -> Option<String> {
    match &config.caller_id {
        CallerId::Caller => None,
        CallerId::TrackingNumber => Some(tracking_number.e164().to_string()),
        CallerId::Number(n) => Some(n.e164().to_string()),
    }
}
