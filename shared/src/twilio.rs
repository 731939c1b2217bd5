//! Twilio's voice webhook: the parameters it posts and the TwiML we answer with.

use crate::error::{Error, Result};
use crate::phone::PhoneNumber;

/// The parameters of Twilio's voice webhook that ringtrace uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceWebhook {
    pub call_sid: String,
    pub account_sid: Option<String>,
    pub from: String,
    pub to: PhoneNumber,
    pub call_status: Option<String>,
    pub direction: Option<String>,
}

impl VoiceWebhook {
    /// Reads the form parameters Twilio posts. `CallSid`, `From` and `To` are required.
    pub fn from_params(params: &[(String, String)]) -> Result<Self> {
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string());
        let required = |name: &str| {
            get(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| Error::invalid(format!("missing form parameter {name}")))
        };
        let call_sid = required("CallSid")?;
        if call_sid.len() > 64 || !call_sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::invalid("CallSid must be 1-64 letters and digits"));
        }
        let from = required("From")?;
        if from.len() > 64 {
            return Err(Error::invalid("From is longer than 64 characters"));
        }
        let to = PhoneNumber::parse(&required("To")?)?;
        Ok(VoiceWebhook {
            call_sid,
            account_sid: get("AccountSid"),
            from,
            to,
            call_status: get("CallStatus"),
            direction: get("Direction"),
        })
    }
}

/// Escapes text for XML content and attribute values.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// TwiML that forwards the call to the business.
pub fn dial(business_number: &PhoneNumber) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Dial answerOnBridge=\"true\"><Number>{}</Number></Dial></Response>",
        escape_xml(business_number.e164())
    )
}

/// TwiML that turns away a call to a number no site owns.
pub fn reject() -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Reject reason=\"rejected\"/></Response>"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn reads_a_voice_webhook() {
        let w = VoiceWebhook::from_params(&p(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
            ("CallStatus", "ringing"),
        ]))
        .unwrap();
        assert_eq!(w.to.e164(), "+18005551212");
        assert_eq!(w.call_status.as_deref(), Some("ringing"));
    }

    #[test]
    fn missing_or_bad_parameters_are_named() {
        let err = VoiceWebhook::from_params(&p(&[("From", "+1"), ("To", "+18005551212")])).unwrap_err();
        assert!(err.to_string().contains("CallSid"));
        let err =
            VoiceWebhook::from_params(&p(&[("CallSid", "CA1"), ("From", "x"), ("To", "nope")])).unwrap_err();
        assert_eq!(err.code(), "invalid_phone_number");
        let err =
            VoiceWebhook::from_params(&p(&[("CallSid", "CA<1>"), ("From", "x"), ("To", "+18005551212")]))
                .unwrap_err();
        assert!(err.to_string().contains("CallSid"));
    }

    #[test]
    fn twiml_dials_the_business_and_escapes() {
        let n = PhoneNumber::parse("+15550100100").unwrap();
        assert!(dial(&n).contains("<Dial answerOnBridge=\"true\"><Number>+15550100100</Number></Dial>"));
        assert_eq!(escape_xml("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
        assert!(reject().contains("<Reject"));
    }
}
