//! A call's steps before the dial in words: the extension keyed, what caller identification decided.

use shared::{Identification, IdentificationOutcome};

/// Where a call went: a named destination as the site named it, the others in words.
pub fn destination_text(name: &str) -> String {
    match name {
        "business" => "the business number".into(),
        "voicemail" => "voicemail".into(),
        "hangup" => "hung up".into(),
        named => format!("destination \u{201c}{named}\u{201d}"),
    }
}

/// Why a caller is unidentified.
pub fn reason_text(reason: &str) -> String {
    match reason {
        "no_entry" => "nothing was keyed".into(),
        "wrong_length" => "the number keyed had the wrong number of digits".into(),
        "not_found" => "the CRM does not know this customer".into(),
        "crm_timeout" => "the CRM did not answer in time".into(),
        "crm_unreachable" => "the CRM could not be reached".into(),
        "crm_fail" => "the CRM answered \"fail\"".into(),
        "crm_malformed" => "the CRM's answer could not be read".into(),
        "unknown_destination" => "the CRM named a destination the site does not have".into(),
        other => match other.strip_prefix("crm_status_") {
            Some(status) => format!("the CRM answered HTTP {status}"),
            None => other.replace('_', " "),
        },
    }
}

/// The outcome in a line: `Identified: to destination “gold”`, `Not identified (nothing was
/// keyed): to the business number`.
pub fn decision_text(identified: bool, reason: Option<&str>, destination: &str) -> String {
    let to = destination_text(destination);
    match (identified, reason) {
        (true, _) => format!("Identified: to {to}"),
        (false, Some(reason)) => format!("Not identified ({}): to {to}", reason_text(reason)),
        (false, None) => format!("Not identified: to {to}"),
    }
}

/// What identification did on a call, in a line.
pub fn identification_text(i: &Identification) -> String {
    decision_text(i.outcome == IdentificationOutcome::Identified, i.reason.as_deref(), &i.destination)
}

/// Why a call on an extension number is credited to no visit; `extension`: what was keyed.
pub fn unattributed_text(reason: &str, extension: Option<&str>) -> String {
    match (reason, extension) {
        ("extension_missing", _) => "No extension keyed".into(),
        ("extension_unknown", Some(e)) => format!("Unknown extension {e}"),
        ("extension_unknown", None) => "Unknown extension".into(),
        (other, _) => other.replace('_', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(unattributed_text("extension_unknown", Some("123")), "Unknown extension 123");
        assert_eq!(unattributed_text("extension_missing", None), "No extension keyed");
        assert_eq!(
            decision_text(false, Some("crm_status_503"), "business"),
            "Not identified (the CRM answered HTTP 503): to the business number"
        );
        assert_eq!(decision_text(true, None, "gold"), "Identified: to destination \u{201c}gold\u{201d}");
        assert_eq!(reason_text("crm_timeout"), "the CRM did not answer in time");
    }
}
