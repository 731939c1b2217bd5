//! Where a call to a tracking number goes: the business number that tracking number replaced,
//! or, outside business hours, the after-hours number or voicemail.

use crate::site::{AfterHours, CallerId, SiteConfig};
use crate::support::Timestamp;
use phone::PhoneNumber;

/// Where one call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallDestination {
    Forward { to: PhoneNumber, after_hours: bool },
    Voicemail { greeting: String },
}

/// Where a call to `tracking_number` that arrives at `at` goes.
pub fn call_destination(
    config: &SiteConfig,
    tracking_number: &PhoneNumber,
    at: Timestamp,
) -> CallDestination {
    let open = config.business_hours.as_ref().is_none_or(|h| h.is_open(at));
    if open {
        return CallDestination::Forward {
            to: config.business_number_for(tracking_number).clone(),
            after_hours: false,
        };
    }
    let after = config.after_hours.clone().unwrap_or_else(AfterHours::voicemail);
    match after.forward_to {
        Some(to) => CallDestination::Forward { to, after_hours: true },
        None => CallDestination::Voicemail { greeting: after.voicemail_greeting },
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
