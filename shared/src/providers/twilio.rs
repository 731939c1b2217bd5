//! Twilio: the webhooks it posts (voice, call status, dial result, recording, transcription)
//! read as provider-neutral call events, and the TwiML we answer with.

use crate::calls::{CallEvent, CallStatus, EventKind, Leg};
use crate::error::{Error, Result};
use crate::support::Timestamp;
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// Which Twilio webhook a request is: `/v1/telephony/twilio/{voice,status,dial,recording,transcription}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hook {
    Voice,
    Status,
    Dial,
    Recording,
    Transcription,
    /// The action of a `<Gather>`: what the caller keyed at a step before the dial.
    Gather,
}

impl Hook {
    pub fn from_path_segment(s: &str) -> Option<Hook> {
        Some(match s {
            "voice" => Hook::Voice,
            "status" => Hook::Status,
            "dial" => Hook::Dial,
            "recording" => Hook::Recording,
            "transcription" => Hook::Transcription,
            "gather" => Hook::Gather,
            _ => return None,
        })
    }

    pub fn path_segment(self) -> &'static str {
        match self {
            Hook::Voice => "voice",
            Hook::Status => "status",
            Hook::Dial => "dial",
            Hook::Recording => "recording",
            Hook::Transcription => "transcription",
            Hook::Gather => "gather",
        }
    }
}

/// Longest value ringtrace keeps from a parameter it stores (URLs, transcripts are longer).
const MAX_TEXT: usize = 64;
const MAX_URL: usize = 2048;
const MAX_TRANSCRIPT: usize = 20_000;

/// A Twilio request's form parameters, with the lookups the hooks need.
pub struct Params<'a>(pub &'a [(String, String)]);

impl Params<'_> {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    fn required(&self, name: &str) -> Result<&str> {
        self.get(name).ok_or_else(|| Error::invalid(format!("missing form parameter {name}")))
    }

    fn sid(&self, name: &str) -> Result<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.len() <= MAX_TEXT && v.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Ok(Some(v.into()))
            }
            Some(_) => Err(Error::invalid(format!("{name} must be 1-64 letters and digits"))),
        }
    }

    fn secs(&self, name: &str) -> Result<Option<u32>> {
        self.get(name)
            .map(|v| {
                v.parse::<u32>()
                    .map_err(|_| Error::invalid(format!("{name} must be a whole number of seconds")))
            })
            .transpose()
    }

    fn text(&self, name: &str, max: usize) -> Result<Option<String>> {
        match self.get(name) {
            Some(v) if v.chars().count() > max => {
                Err(Error::invalid(format!("{name} is longer than {max} characters")))
            }
            v => Ok(v.map(str::to_string)),
        }
    }
}

/// The parameters of Twilio's voice webhook that ringtrace uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceWebhook {
    pub call_sid: String,
    pub from: String,
    pub to: PhoneNumber,
}

impl VoiceWebhook {
    /// `CallSid`, `From` and `To` are required; `To` must be a phone number.
    pub fn from_params(params: &[(String, String)]) -> Result<Self> {
        let p = Params(params);
        p.required("CallSid")?;
        let call_sid = p.sid("CallSid")?.unwrap_or_default();
        let from = p.text("From", MAX_TEXT)?.ok_or_else(|| Error::invalid("missing form parameter From"))?;
        let to = PhoneNumber::parse(p.required("To")?)?;
        Ok(VoiceWebhook { call_sid, from, to })
    }

    /// `CallSid` alone, checked (what a gather callback must carry).
    pub fn call_sid(params: &[(String, String)]) -> Result<String> {
        let p = Params(params);
        p.required("CallSid")?;
        Ok(p.sid("CallSid")?.unwrap_or_default())
    }
}

/// Reads a Twilio webhook as call events. `tracking_number` is the number the caller dialled
/// (the voice webhook's `To`; the `tn` query parameter of our callback URLs, since a status
/// callback's `To` is the business). Parameters that do not describe a call event (a
/// recording still in progress, an `initiated` leg) give no event.
pub fn events(
    hook: Hook,
    params: &[(String, String)],
    tracking_number: &PhoneNumber,
    voicemail: bool,
    now: Timestamp,
) -> Result<Vec<CallEvent>> {
    let p = Params(params);
    let call_sid = match hook {
        Hook::Status => p.sid("ParentCallSid")?.or(p.sid("CallSid")?),
        _ => p.sid("CallSid")?,
    }
    .ok_or_else(|| Error::invalid("missing form parameter CallSid"))?;
    let at = p.get("Timestamp").and_then(Timestamp::parse_rfc2822).unwrap_or(now);
    let event = |kind: EventKind, from: Option<String>| CallEvent {
        call_sid: call_sid.clone(),
        provider: "twilio".into(),
        at,
        from,
        to: tracking_number.clone(),
        kind,
    };
    let status = |name: &str| -> Result<Option<CallStatus>> {
        p.get(name)
            .map(|s| {
                CallStatus::parse(s)
                    .ok_or_else(|| Error::invalid(format!("{name} {s:?} is not a call status")))
            })
            .transpose()
    };
    Ok(match hook {
        Hook::Voice => {
            let hook = VoiceWebhook::from_params(params)?;
            vec![event(EventKind::Started, Some(hook.from))]
        }
        // What the caller keyed is read by the step that asked (see `GatherStep`).
        Hook::Gather => Vec::new(),
        Hook::Status => {
            let business_leg = p.get("ParentCallSid").is_some();
            let st =
                status("CallStatus")?.ok_or_else(|| Error::invalid("missing form parameter CallStatus"))?;
            let duration = p.secs("CallDuration")?;
            match (business_leg, st) {
                (true, CallStatus::Ringing) if p.get("CallStatus") == Some("ringing") => {
                    vec![event(EventKind::Ringing, None)]
                }
                (true, CallStatus::InProgress) => vec![event(EventKind::Answered, None)],
                (leg, s) if s.is_final() => {
                    let leg = if leg { Leg::Business } else { Leg::Caller };
                    vec![event(EventKind::Ended { leg, status: s, duration_secs: duration }, None)]
                }
                _ => Vec::new(),
            }
        }
        Hook::Dial => match status("DialCallStatus")? {
            Some(s) if s.is_final() || s == CallStatus::InProgress => {
                // `answered` (a bridged call that ended) reads as in-progress: it was answered.
                let s = if s == CallStatus::InProgress { CallStatus::Completed } else { s };
                let duration = p.secs("DialCallDuration")?;
                vec![event(EventKind::Ended { leg: Leg::Business, status: s, duration_secs: duration }, None)]
            }
            Some(_) => Vec::new(),
            // The action of an after-hours voicemail's <Record>: the caller has left a message
            // and the call ends here (no business leg).
            None if p.get("RecordingUrl").is_some()
                || status("CallStatus")?.is_some_and(CallStatus::is_final) =>
            {
                let status = status("CallStatus")?.filter(|s| s.is_final()).unwrap_or(CallStatus::Completed);
                vec![event(EventKind::Ended { leg: Leg::Caller, status, duration_secs: None }, None)]
            }
            None => Vec::new(),
        },
        Hook::Recording => {
            let done = p.get("RecordingStatus").is_none_or(|s| s == "completed");
            match p.text("RecordingUrl", MAX_URL)? {
                Some(url) if done => {
                    if !url.starts_with("https://") {
                        return Err(Error::invalid("RecordingUrl must be an https:// URL"));
                    }
                    let duration_secs = p.secs("RecordingDuration")?;
                    vec![event(EventKind::Recording { url, duration_secs, voicemail }, None)]
                }
                Some(_) => Vec::new(),
                None => return Err(Error::invalid("missing form parameter RecordingUrl")),
            }
        }
        Hook::Transcription => {
            let done = p.get("TranscriptionStatus").is_none_or(|s| s == "completed");
            match p.text("TranscriptionText", MAX_TRANSCRIPT)? {
                Some(text) if done => vec![event(EventKind::Transcription { text }, None)],
                _ => Vec::new(),
            }
        }
    })
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
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Absolute URLs of our callbacks for one call (they carry the site and tracking number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callbacks {
    pub status: String,
    pub dial: String,
    pub recording: String,
    pub voicemail_recording: String,
    pub transcription: String,
    /// `{origin}/v1/telephony/twilio/gather?site=…&tn=…` (a step and attempt are added).
    gather_base: String,
}

impl Callbacks {
    /// The action URL of a `<Gather>` at `state`.
    pub fn gather(&self, state: GatherState) -> String {
        format!("{}&step={}&attempt={}", self.gather_base, state.step.as_str(), state.attempt)
    }

    /// `origin` is the deployment's public origin, e.g. `https://calls.example.com`.
    pub fn new(origin: &str, site: &str, tracking_number: &PhoneNumber) -> Callbacks {
        let origin = origin.trim_end_matches('/');
        let query = format!("site={site}&tn=%2B{}", tracking_number.e164().trim_start_matches('+'));
        let url = |hook: Hook| format!("{origin}/v1/telephony/twilio/{}?{query}", hook.path_segment());
        Callbacks {
            status: url(Hook::Status),
            dial: url(Hook::Dial),
            recording: url(Hook::Recording),
            voicemail_recording: format!("{}&voicemail=1", url(Hook::Recording)),
            transcription: url(Hook::Transcription),
            gather_base: url(Hook::Gather),
        }
    }
}

/// How to forward a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialPlan<'a> {
    pub number: &'a PhoneNumber,
    /// Caller ID the business sees; `None`: the caller's own number (Twilio's default).
    pub caller_id: Option<&'a str>,
    pub record: bool,
    pub timeout_secs: u32,
    /// Said to the caller before the dial (`None`: nothing).
    pub say_first: Option<&'a str>,
}

/// TwiML that forwards the call, reporting the business leg's progress and result.
pub fn dial(plan: &DialPlan<'_>, cb: &Callbacks) -> String {
    let caller_id = plan.caller_id.map(|c| format!(" callerId=\"{}\"", escape_xml(c))).unwrap_or_default();
    let record = if plan.record {
        format!(
            " record=\"record-from-answer-dual\" recordingStatusCallback=\"{}\" recordingStatusCallbackEvent=\"completed\"",
            escape_xml(&cb.recording)
        )
    } else {
        String::new()
    };
    let say = plan.say_first.map(|s| format!("<Say>{}</Say>", escape_xml(s))).unwrap_or_default();
    format!(
        "{XML_HEAD}<Response>{say}<Dial answerOnBridge=\"true\" timeout=\"{}\" action=\"{}\" method=\"POST\"{caller_id}{record}>\
         <Number statusCallbackEvent=\"initiated ringing answered completed\" statusCallback=\"{}\" statusCallbackMethod=\"POST\">{}</Number>\
         </Dial></Response>",
        plan.timeout_secs,
        escape_xml(&cb.dial),
        escape_xml(&cb.status),
        escape_xml(plan.number.e164()),
    )
}

/// TwiML that plays the site's greeting and records a voicemail (transcribed).
pub fn voicemail(greeting: &str, cb: &Callbacks) -> String {
    format!(
        "{XML_HEAD}<Response><Say>{}</Say><Record maxLength=\"180\" playBeep=\"true\" action=\"{}\" method=\"POST\" \
         recordingStatusCallback=\"{}\" recordingStatusCallbackEvent=\"completed\" transcribe=\"true\" transcribeCallback=\"{}\"/>\
         <Hangup/></Response>",
        escape_xml(greeting),
        escape_xml(&cb.dial),
        escape_xml(&cb.voicemail_recording),
        escape_xml(&cb.transcription),
    )
}

/// A step before the dial that asks the caller to key something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatherStep {
    /// The extension shown on the page, on an extension number.
    Extension,
    /// The caller's customer number, for caller identification.
    Identification,
}

impl GatherStep {
    pub fn as_str(self) -> &'static str {
        match self {
            GatherStep::Extension => "extension",
            GatherStep::Identification => "identification",
        }
    }

    pub fn parse(s: &str) -> Option<GatherStep> {
        match s {
            "extension" => Some(GatherStep::Extension),
            "identification" => Some(GatherStep::Identification),
            _ => None,
        }
    }
}

/// Where a `<Gather>`'s answer belongs: its step and which attempt it was (1-based). Carried in
/// the action URL's query (`step=extension&attempt=2`), which Twilio signs with the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatherState {
    pub step: GatherStep,
    pub attempt: u32,
}

impl GatherState {
    /// From the action URL's `step` and `attempt` (1–9).
    pub fn parse(step: Option<&str>, attempt: Option<&str>) -> Result<GatherState> {
        let step = step.and_then(GatherStep::parse).ok_or_else(|| {
            Error::invalid("query parameter step must be extension or identification on the gather URL")
        })?;
        let attempt = attempt
            .and_then(|a| a.parse::<u32>().ok())
            .filter(|a| (1..=9).contains(a))
            .ok_or_else(|| Error::invalid("query parameter attempt must be 1-9 on the gather URL"))?;
        Ok(GatherState { step, attempt })
    }
}

/// How to ask the caller to key something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatherPlan<'a> {
    pub state: GatherState,
    /// Keys that end the entry at once.
    pub num_digits: u32,
    /// The key that ends a shorter entry (`""`: none; the entry ends after `timeout_secs`).
    pub finish_on_key: &'a str,
    pub timeout_secs: u32,
    /// What the caller hears meanwhile (a key pressed stops it).
    pub prompt: &'a str,
}

/// TwiML asking the caller to key an entry. Its action is our gather callback for the step and
/// attempt, asked even when nothing was keyed (`actionOnEmptyResult`); a `<Redirect>` to the
/// same URL follows, for a platform that goes on to the next verb instead.
pub fn gather(plan: &GatherPlan<'_>, cb: &Callbacks) -> String {
    let action = escape_xml(&cb.gather(plan.state));
    format!(
        "{XML_HEAD}<Response><Gather input=\"dtmf\" numDigits=\"{}\" finishOnKey=\"{}\" timeout=\"{}\" \
         action=\"{action}\" method=\"POST\" actionOnEmptyResult=\"true\"><Say>{}</Say></Gather>\
         <Redirect method=\"POST\">{action}</Redirect></Response>",
        plan.num_digits,
        escape_xml(plan.finish_on_key),
        plan.timeout_secs,
        escape_xml(plan.prompt),
    )
}

/// TwiML that turns away a call to a number no site owns.
pub fn reject() -> String {
    format!("{XML_HEAD}<Response><Reject reason=\"rejected\"/></Response>")
}

/// TwiML that says `words` (if any) and ends the call.
pub fn say_and_hang_up(words: Option<&str>) -> String {
    match words {
        Some(w) => format!("{XML_HEAD}<Response><Say>{}</Say><Hangup/></Response>", escape_xml(w)),
        None => hangup(),
    }
}

/// TwiML that ends the call (after the dial result).
pub fn hangup() -> String {
    format!("{XML_HEAD}<Response><Hangup/></Response>")
}

/// TwiML for a callback whose answer Twilio ignores.
pub fn empty() -> String {
    format!("{XML_HEAD}<Response/>")
}

/// TwiML-shaped error: the message (for Twilio's debugger) as a comment, and the call ended.
pub fn error(code: &str, message: &str) -> String {
    let comment = format!("{code}: {message}").replace("--", "- -");
    format!("{XML_HEAD}<!-- {} --><Response><Hangup/></Response>", escape_xml(&comment))
}

/// A Twilio webhook as the edge hands it to the site's writer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwilioRequest {
    pub hook: Hook,
    /// The request URL as Twilio may have seen it (see [`super::twilio_url_candidates`]).
    pub urls: Vec<String>,
    pub signature: Option<String>,
    pub params: Vec<(String, String)>,
    /// `tn` of our callback URLs: the tracking number dialled.
    pub tracking_number: Option<String>,
    /// `voicemail=1` on the recording callback of an after-hours voicemail.
    pub voicemail: bool,
    /// `step` and `attempt` of a gather callback.
    #[serde(default)]
    pub gather: Option<GatherState>,
    /// The public origin callback URLs are built on.
    pub origin: String,
}

/// How the site checks Twilio's signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureCheck<'a> {
    /// The deployment's token, used when the site has none of its own.
    pub fallback_token: Option<&'a str>,
    /// `false` only through the local-development switch.
    pub enforce: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn tn() -> PhoneNumber {
        PhoneNumber::parse("+15550100201").unwrap()
    }

    #[test]
    fn reads_a_voice_webhook() {
        let e = events(
            Hook::Voice,
            &p(&[("CallSid", "CA1234567890ABCDE"), ("From", "+12349013030"), ("To", "+15550100201")]),
            &tn(),
            false,
            Timestamp(5),
        )
        .unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].kind.clone(), e[0].from.as_deref(), e[0].at),
            (EventKind::Started, Some("+12349013030"), Timestamp(5))
        );
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
        let err = events(
            Hook::Status,
            &p(&[("CallSid", "CA1"), ("CallStatus", "exploded")]),
            &tn(),
            false,
            Timestamp(0),
        )
        .unwrap_err();
        assert!(err.to_string().contains("exploded"));
        let err = events(
            Hook::Dial,
            &p(&[("CallSid", "CA1"), ("DialCallStatus", "completed"), ("DialCallDuration", "-4")]),
            &tn(),
            false,
            Timestamp(0),
        )
        .unwrap_err();
        assert!(err.to_string().contains("DialCallDuration"));
        let err = events(
            Hook::Recording,
            &p(&[("CallSid", "CA1"), ("RecordingUrl", "javascript:alert(1)")]),
            &tn(),
            false,
            Timestamp(0),
        )
        .unwrap_err();
        assert!(err.to_string().contains("https"));
    }

    #[test]
    fn status_callbacks_of_the_business_leg_belong_to_the_callers_call() {
        let child = |status: &str, extra: &[(&str, &str)]| {
            let mut v = p(&[("CallSid", "CAchild"), ("ParentCallSid", "CAparent"), ("CallStatus", status)]);
            v.extend(p(extra));
            events(Hook::Status, &v, &tn(), false, Timestamp(0)).unwrap()
        };
        assert!(child("initiated", &[]).is_empty());
        assert_eq!(child("ringing", &[])[0].kind, EventKind::Ringing);
        assert_eq!(child("in-progress", &[])[0].call_sid, "CAparent");
        let done =
            child("completed", &[("CallDuration", "42"), ("Timestamp", "Wed, 18 Nov 2026 11:06:40 +0000")]);
        assert_eq!(
            done[0].kind,
            EventKind::Ended { leg: Leg::Business, status: CallStatus::Completed, duration_secs: Some(42) }
        );
        assert_eq!(done[0].at, Timestamp(1_795_000_000_000), "Twilio's timestamp, not arrival");
        let parent = events(
            Hook::Status,
            &p(&[("CallSid", "CAparent"), ("CallStatus", "completed")]),
            &tn(),
            false,
            Timestamp(0),
        )
        .unwrap();
        assert!(matches!(parent[0].kind, EventKind::Ended { leg: Leg::Caller, .. }));
        let dial = events(
            Hook::Dial,
            &p(&[("CallSid", "CAparent"), ("DialCallStatus", "no-answer")]),
            &tn(),
            false,
            Timestamp(0),
        )
        .unwrap();
        assert!(matches!(
            dial[0].kind,
            EventKind::Ended { leg: Leg::Business, status: CallStatus::NoAnswer, .. }
        ));
    }

    #[test]
    fn recordings_and_transcripts() {
        let rec = events(
            Hook::Recording,
            &p(&[
                ("CallSid", "CA1"),
                ("RecordingUrl", "https://api.twilio.com/r/RE1"),
                ("RecordingDuration", "61"),
                ("RecordingStatus", "completed"),
            ]),
            &tn(),
            true,
            Timestamp(0),
        )
        .unwrap();
        assert_eq!(
            rec[0].kind,
            EventKind::Recording {
                url: "https://api.twilio.com/r/RE1".into(),
                duration_secs: Some(61),
                voicemail: true
            }
        );
        let text = events(
            Hook::Transcription,
            &p(&[
                ("CallSid", "CA1"),
                ("TranscriptionText", "the price"),
                ("TranscriptionStatus", "completed"),
            ]),
            &tn(),
            false,
            Timestamp(0),
        )
        .unwrap();
        assert_eq!(text[0].kind, EventKind::Transcription { text: "the price".into() });
        let failed = events(
            Hook::Transcription,
            &p(&[("CallSid", "CA1"), ("TranscriptionStatus", "failed")]),
            &tn(),
            false,
            Timestamp(0),
        )
        .unwrap();
        assert!(failed.is_empty());
    }

    #[test]
    fn twiml_dials_the_business_with_callbacks_and_escapes() {
        let n = PhoneNumber::parse("+15550100100").unwrap();
        let cb = Callbacks::new("https://calls.example.com/", "demo", &tn());
        assert_eq!(
            cb.status,
            "https://calls.example.com/v1/telephony/twilio/status?site=demo&tn=%2B15550100201"
        );
        let xml = dial(
            &DialPlan {
                number: &n,
                caller_id: Some("+15550100201"),
                record: true,
                timeout_secs: 25,
                say_first: None,
            },
            &cb,
        );
        assert!(xml.contains("<Dial answerOnBridge=\"true\" timeout=\"25\""));
        assert!(xml.contains("callerId=\"+15550100201\""));
        assert!(xml.contains("record=\"record-from-answer-dual\""));
        assert!(xml.contains(
            "action=\"https://calls.example.com/v1/telephony/twilio/dial?site=demo&amp;tn=%2B15550100201\""
        ));
        assert!(xml.contains("statusCallbackEvent=\"initiated ringing answered completed\""));
        assert!(xml.contains(">+15550100100</Number></Dial></Response>"));
        let plain = dial(
            &DialPlan { number: &n, caller_id: None, record: false, timeout_secs: 25, say_first: None },
            &cb,
        );
        assert!(!plain.contains("callerId") && !plain.contains("record="));
        let vm = voicemail("We're closed <b>now</b> & back at 9", &cb);
        assert!(vm.contains("<Say>We&apos;re closed &lt;b&gt;now&lt;/b&gt; &amp; back at 9</Say><Record"));
        assert!(vm.contains("voicemail=1"));
        assert_eq!(escape_xml("<a&'\">\u{0}"), "&lt;a&amp;&apos;&quot;&gt;");
        assert!(reject().contains("<Reject"));
        assert!(error("bad", "a -- b <c>").contains("<!-- bad: a - - b &lt;c&gt; -->"));
    }
}
