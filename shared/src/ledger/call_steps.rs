//! The steps a call passes before the dial, in this order: the extension (on an extension
//! number: the caller keys the extension the page showed, which names the session), caller
//! identification (the caller keys their customer number, the CRM is asked, the answer picks
//! the destination), business hours, the dial. Also the provider-neutral lookup
//! (`GET /v1/route`) that runs the same steps with what the provider collected.
//!
//! Nothing a caller keys can lose the call: a wrong or missing entry is asked for again, then
//! the call goes on to the default destination with the reason recorded.

use super::telephony::Announce;
use super::SiteLedger;
use crate::calls::{call_destination, caller_id_for, CallDestination};
use crate::calls::{crm_request, decide, decide_without_entry, entry_fits, CallContext, CrmClient, CrmReply};
use crate::calls::{keyed_digits, CallEvent, CallStatus, Decision, EventKind, Identification, Leg};
use crate::error::{Error, Result};
use crate::pool::extension_holder;
use crate::providers::twilio::{
    self, Callbacks, DialPlan, GatherPlan, GatherState, GatherStep, TwilioRequest,
};
use crate::site::{CallerIdentification, Destination, SiteConfig};
use crate::store::SiteStore;
use crate::support::{Clock, Entropy};
use crate::wire::{DialedLookup, IdentificationTest, LookupAnswer};
use phone::PhoneNumber;

/// A caller is asked for their extension this many times before the call goes on without it.
pub const EXTENSION_ATTEMPTS: u32 = 2;

/// Seconds a caller has to key an extension (a phone dialling it from a `tel:` link keys it a
/// couple of seconds after the answer).
const EXTENSION_TIMEOUT_SECS: u32 = 5;

/// What a caller hears before a prompt asked again.
const ASK_AGAIN: &str = "Sorry, that was not recognised.";

/// Past a prompt's own length and its wait for keys, how long before a caller who has not
/// answered it is taken to have hung up (Twilio asks the gather URL even with no keys, unless
/// the call ended).
const STEP_GRACE_SECS: i64 = 30;

/// Most calls that hung up at a prompt one alarm run closes.
const ABANDONED_BATCH: usize = 50;

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// A call has arrived (`events`: its start): the first step it must pass asks the caller,
    /// else it is routed to the business number.
    pub(super) async fn call_arrived(
        &self,
        config: &SiteConfig,
        events: Vec<CallEvent>,
        callbacks: &Callbacks,
    ) -> Result<String> {
        let started = events.first().cloned().ok_or_else(|| Error::invalid("no call to answer"))?;
        let first_step = if config.extensions.is_extension_number(&started.to) {
            Some(GatherStep::Extension)
        } else {
            config.caller_identification.as_ref().map(|_| GatherStep::Identification)
        };
        match first_step {
            Some(step) => {
                self.record_events_in(config, events, Announce::Hold).await?;
                self.ask(config, &started.call_sid, GatherState { step, attempt: 1 }, callbacks).await
            }
            None => self.route(config, events, &Destination::Business, callbacks).await,
        }
    }

    /// What the caller keyed at a step (Twilio's gather callback): the same step asked again,
    /// or the next step, or the dial.
    pub(super) async fn gathered(
        &self,
        config: &SiteConfig,
        req: &TwilioRequest,
        tracking: &PhoneNumber,
        callbacks: &Callbacks,
        crm: &impl CrmClient,
    ) -> Result<String> {
        let state = req
            .gather
            .ok_or_else(|| Error::invalid("missing query parameters step and attempt on the gather URL"))?;
        let params = twilio::Params(&req.params);
        let call_sid = twilio::VoiceWebhook::call_sid(&req.params)?;
        // `Digits` as a phone keys them; anything else a request carries is dropped.
        let keyed = params.get("Digits").and_then(keyed_digits);
        let from = params.get("From").map(|f| f.chars().take(64).collect::<String>());
        let now = self.clock.now();
        let started = CallEvent {
            call_sid: call_sid.clone(),
            provider: "twilio".into(),
            at: now,
            from: from.clone(),
            to: tracking.clone(),
            kind: EventKind::Started,
        };
        // The call as recorded (a gather for a call not seen yet starts it now).
        let call = self.store.find_call(&call_sid).await?;
        let started_at = call.as_ref().map_or(now, |c| c.started_at);
        match state.step {
            GatherStep::Extension => {
                let rules = config.extension_rules();
                let held = match &keyed {
                    Some(digits) => {
                        extension_holder(self.store, tracking, digits, started_at, &rules)?.is_some()
                    }
                    None => false,
                };
                if !held
                    && state.attempt < EXTENSION_ATTEMPTS
                    && config.extensions.is_extension_number(tracking)
                {
                    let again = GatherState { attempt: state.attempt + 1, ..state };
                    return self.ask(config, &call_sid, again, callbacks).await;
                }
                let keyed = CallEvent {
                    kind: EventKind::Extension { digits: keyed, attempts: state.attempt },
                    ..started.clone()
                };
                let events = vec![started, keyed];
                if config.caller_identification.is_some() {
                    self.record_events_in(config, events, Announce::Hold).await?;
                    let next = GatherState { step: GatherStep::Identification, attempt: 1 };
                    return self.ask(config, &call_sid, next, callbacks).await;
                }
                self.route(config, events, &Destination::Business, callbacks).await
            }
            GatherStep::Identification => {
                let Some(setup) = &config.caller_identification else {
                    // Switched off while the caller was at the prompt: the call goes on.
                    return self.route(config, vec![started], &Destination::Business, callbacks).await;
                };
                let entry = keyed.as_deref();
                if !entry_fits(setup, entry) && state.attempt < setup.attempts {
                    let again = GatherState { attempt: state.attempt + 1, ..state };
                    return self.ask(config, &call_sid, again, callbacks).await;
                }
                let caller = from.as_deref().unwrap_or("unknown");
                let (decision, crm_ms) =
                    self.identify(config, setup, entry, &call_sid, caller, tracking, crm).await?;
                let identification = Identification::of(setup, &decision, entry, state.attempt, crm_ms);
                let event = CallEvent { kind: EventKind::Identification(identification), ..started.clone() };
                self.route(config, vec![started, event], &decision.destination, callbacks).await
            }
        }
    }

    /// Asks the CRM about `entry` (when it fits and the mode asks one) and decides; with how
    /// long the CRM took. The call is read, not written, before the wait: what happens to it
    /// meanwhile (a callback, a replay) is recorded by then and kept.
    #[allow(clippy::too_many_arguments)]
    async fn identify(
        &self,
        config: &SiteConfig,
        setup: &CallerIdentification,
        entry: Option<&str>,
        call_sid: &str,
        caller: &str,
        tracking: &PhoneNumber,
        crm: &impl CrmClient,
    ) -> Result<(Decision, Option<u32>)> {
        let Some(entry) = entry.filter(|_| entry_fits(setup, entry)) else {
            return Ok((decide_without_entry(setup, entry), None));
        };
        let Some(endpoint) =
            setup.crm.as_ref().filter(|_| setup.mode != crate::site::IdentificationMode::Any)
        else {
            return Ok((decide(setup, &config.destinations, None), None));
        };
        let call = self.store.find_call(call_sid).await?;
        let source = call
            .as_ref()
            .and_then(|c| c.attribution.as_ref().map(|a| &a.source).or(c.static_source.as_ref()));
        let context =
            CallContext { site: self.site, call_id: call_sid, caller, tracking_number: tracking, source };
        let request = crm_request(&endpoint.url, &endpoint.secret, entry, &context, self.clock.now());
        let (reply, ms) = self.timed(crm, &request).await;
        Ok((decide(setup, &config.destinations, Some(&reply)), Some(ms)))
    }

    async fn timed(&self, crm: &impl CrmClient, request: &crate::calls::CrmRequest) -> (CrmReply, u32) {
        let sent = self.clock.now();
        let reply = crm.send(request).await;
        let ms = u32::try_from((self.clock.now().millis() - sent.millis()).max(0)).unwrap_or(u32::MAX);
        (reply, ms)
    }

    /// Routes the call: `chosen` (the business number unless a step chose otherwise) within
    /// business hours, recorded with `events` (the call's steps) and the forwarding; the
    /// CRM hears of the call now. Answers TwiML: the dial, voicemail or a hang-up.
    async fn route(
        &self,
        config: &SiteConfig,
        mut events: Vec<CallEvent>,
        chosen: &Destination,
        callbacks: &Callbacks,
    ) -> Result<String> {
        let started = events.first().cloned().ok_or_else(|| Error::invalid("no call to route"))?;
        let now = self.clock.now();
        let route = call_destination(config, &started.to, now, chosen);
        events.extend(forwarding_events(&route, &started));
        self.record_events_in(config, events, Announce::Now).await?;
        self.store.unhold_call(&started.call_sid).await?;
        Ok(match &route {
            CallDestination::Forward { to, .. } => {
                let caller_id = caller_id_for(config, &started.to);
                let plan = DialPlan {
                    number: to,
                    caller_id: caller_id.as_deref(),
                    record: config.record_calls,
                    timeout_secs: config.dial_timeout_secs,
                    say_first: None,
                };
                twilio::dial(&plan, callbacks)
            }
            CallDestination::Voicemail { greeting, .. } => twilio::voicemail(greeting, callbacks),
            CallDestination::Hangup => twilio::hangup(),
        })
    }

    /// TwiML asking for a step's entry (a second attempt starts with an apology); the call is
    /// marked as waiting at the prompt until the caller must have answered.
    async fn ask(
        &self,
        config: &SiteConfig,
        call_sid: &str,
        state: GatherState,
        callbacks: &Callbacks,
    ) -> Result<String> {
        let prompt = prompt_of(config, state);
        let now = self.clock.now();
        let patience = STEP_GRACE_SECS + i64::from(prompt.timeout_secs) + speaking_secs(&prompt.prompt);
        self.store.hold_call(call_sid, now, now.plus_secs(patience)).await?;
        let plan = GatherPlan {
            state,
            num_digits: prompt.num_digits,
            finish_on_key: prompt.finish_on_key,
            timeout_secs: prompt.timeout_secs,
            prompt: &prompt.prompt,
        };
        Ok(twilio::gather(&plan, callbacks))
    }

    /// Calls still waiting at a prompt past the time the caller had to answer it: the caller
    /// hung up (Twilio asks the gather URL after every prompt, keys or none, unless the call
    /// ended). Each is ended where it was held (missed) and the CRM hears of it, start and end.
    /// Run from the site's alarm; how many it ended.
    pub async fn end_abandoned_calls(&self) -> Result<usize> {
        let due = self.store.held_calls_due(self.clock.now(), ABANDONED_BATCH).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let config = self.config().await?;
        let mut ended = 0;
        for (call_sid, held_at) in due {
            let call = self.store.find_call(&call_sid).await?;
            let routed = call.as_ref().is_none_or(|c| {
                c.events
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::Forwarded { .. } | EventKind::Ended { .. }))
            });
            if let (Some(call), false) = (call, routed) {
                let end =
                    EventKind::Ended { leg: Leg::Caller, status: CallStatus::Completed, duration_secs: None };
                let hung_up = CallEvent {
                    call_sid: call.call_sid.clone(),
                    provider: "ringtrace".into(),
                    at: held_at,
                    from: None,
                    to: call.to.clone(),
                    kind: end,
                };
                self.record_events_in(&config, vec![hung_up], Announce::Now).await?;
                ended += 1;
            }
            self.store.unhold_call(&call_sid).await?;
        }
        Ok(ended)
    }

    /// A dialed-number lookup (`GET /v1/route`): where to forward the call, recorded as
    /// started; on an extension number `steps.extension` names the session, and
    /// `steps.customer_id` runs caller identification (its destination is the answer). A
    /// masking number is answered only to a client reading the JSON answer (`json`): a plain
    /// number to forward to, dialled with the caller's own caller ID, would unmask them.
    pub async fn lookup_dialed(
        &self,
        token: Option<&str>,
        lookup: &DialedLookup,
        crm: &impl CrmClient,
    ) -> Result<LookupAnswer> {
        let DialedLookup { call_id, from, dialed, steps, json } = lookup;
        let (call_id, from, json) = (call_id.as_str(), from.as_str(), *json);
        let config = self.authorized_config(token).await?;
        if config.masking.is_masking_number(dialed) && !json {
            return Err(Error::invalid(format!(
                "{} is a masking number: its answer carries the caller ID the callee must see; ask with Accept: application/json",
                dialed.e164()
            )));
        }
        let now = self.clock.now();
        let started = CallEvent {
            call_sid: call_id.to_string(),
            provider: "route".into(),
            at: now,
            from: Some(from.to_string()),
            to: dialed.clone(),
            kind: EventKind::Started,
        };
        if config.masking.is_masking_number(dialed) {
            return self.masked_lookup(&config, started).await;
        }
        let mut events = vec![started.clone()];
        if config.extensions.is_extension_number(dialed) || steps.extension.is_some() {
            let digits = steps.extension.as_deref().and_then(keyed_digits);
            events.push(CallEvent { kind: EventKind::Extension { digits, attempts: 1 }, ..started.clone() });
        }
        let mut chosen = Destination::Business;
        if let (Some(setup), Some(raw)) = (&config.caller_identification, &steps.customer_id) {
            // The call is recorded (and credited) first, so the CRM hears its source.
            self.record_events_in(&config, events, Announce::Hold).await?;
            events = vec![started.clone()];
            let entry = keyed_digits(raw);
            let (decision, crm_ms) =
                self.identify(&config, setup, entry.as_deref(), call_id, from, dialed, crm).await?;
            let identification = Identification::of(setup, &decision, entry.as_deref(), 1, crm_ms);
            events.push(CallEvent { kind: EventKind::Identification(identification), ..started.clone() });
            chosen = decision.destination;
        }
        let route = call_destination(&config, dialed, now, &chosen);
        events.extend(forwarding_events(&route, &started));
        self.record_events_in(&config, events, Announce::Now).await?;
        let (forward_to, after_hours, hangup) = match &route {
            CallDestination::Forward { to, after_hours } => {
                (Some(to.e164().to_string()), *after_hours, false)
            }
            CallDestination::Voicemail { after_hours, .. } => (None, *after_hours, false),
            CallDestination::Hangup => (None, false, true),
        };
        Ok(LookupAnswer {
            call_id: call_id.to_string(),
            forward_to,
            after_hours,
            hangup,
            caller_id: None,
            say: None,
        })
    }

    /// The Settings page's "send a test request": a sample identification request to the
    /// site's CRM as it is set up, with what it answered, how long it took and what a call
    /// would do with that.
    pub async fn test_identification(
        &self,
        token: Option<&str>,
        customer_id: Option<&str>,
        crm: &impl CrmClient,
    ) -> Result<IdentificationTest> {
        let config = self.authorized_config(token).await?;
        let setup = config
            .caller_identification
            .as_ref()
            .ok_or_else(|| Error::invalid("the site has no caller_identification to test; save it first"))?;
        let endpoint = setup.crm.as_ref().ok_or_else(|| {
            Error::invalid("caller_identification has no crm_url to send a test request to")
        })?;
        let sample = "1".repeat(setup.digits as usize);
        let raw = customer_id.filter(|c| !c.trim().is_empty()).unwrap_or(&sample);
        let entry = keyed_digits(raw)
            .filter(|e| e.len() == raw.trim().len() && e.bytes().all(|b| b.is_ascii_digit()));
        let entry = entry.ok_or_else(|| Error::invalid("customer_id must be digits").at("customer_id"))?;
        let tracking = config
            .owned_numbers()
            .into_iter()
            .next()
            .ok_or_else(|| Error::invalid("the site has no tracking number"))?;
        let context = CallContext {
            site: self.site,
            call_id: "test",
            caller: "+15550000000",
            tracking_number: &tracking,
            source: None,
        };
        let request = crm_request(&endpoint.url, &endpoint.secret, &entry, &context, self.clock.now());
        let (reply, ms) = self.timed(crm, &request).await;
        let decision = if entry_fits(setup, Some(&entry)) {
            decide(setup, &config.destinations, Some(&reply))
        } else {
            decide_without_entry(setup, Some(&entry))
        };
        let (status, answer, error) = match reply {
            CrmReply::Answered { status, body } => (Some(status), Some(body), None),
            CrmReply::TimedOut => {
                (None, None, Some(format!("no answer within {} s", crate::calls::CRM_TIMEOUT_MS / 1000)))
            }
            CrmReply::Unreachable(why) => (None, None, Some(why)),
        };
        Ok(IdentificationTest {
            url: endpoint.url.clone(),
            request: request.body,
            status,
            answer,
            error,
            ms,
            outcome: if decision.identified { "identified" } else { "unidentified" }.into(),
            reason: decision.reason,
            destination: decision.destination.name().to_string(),
        })
    }
}

/// The events that record where a call went: the forwarding (to a number, or to voicemail;
/// after hours or not) and, for a hang-up, the call's end.
pub(super) fn forwarding_events(route: &CallDestination, started: &CallEvent) -> Vec<CallEvent> {
    let (forward_to, after_hours) = match route {
        CallDestination::Forward { to, after_hours } => (Some(to.clone()), *after_hours),
        CallDestination::Voicemail { after_hours, .. } => (None, *after_hours),
        CallDestination::Hangup => (None, false),
    };
    let mut events =
        vec![CallEvent { kind: EventKind::Forwarded { forward_to, after_hours }, ..started.clone() }];
    if *route == CallDestination::Hangup {
        let end = EventKind::Ended { leg: Leg::Caller, status: CallStatus::Completed, duration_secs: None };
        events.push(CallEvent { kind: end, ..started.clone() });
    }
    events
}

/// What a step's prompt asks: keys, how a shorter entry ends, the wait, the words.
struct Prompt<'a> {
    num_digits: u32,
    finish_on_key: &'a str,
    timeout_secs: u32,
    prompt: String,
}

fn prompt_of(config: &SiteConfig, state: GatherState) -> Prompt<'_> {
    let (num_digits, finish_on_key, timeout_secs, words) = match (state.step, &config.caller_identification) {
        (GatherStep::Identification, Some(setup)) => {
            (setup.digits, "#", setup.timeout_secs, setup.prompt.as_str())
        }
        _ => (
            u32::from(config.extensions.digits),
            "",
            EXTENSION_TIMEOUT_SECS,
            config.extensions.prompt.as_str(),
        ),
    };
    let prompt = if state.attempt > 1 { format!("{ASK_AGAIN} {words}") } else { words.to_string() };
    Prompt { num_digits, finish_on_key, timeout_secs, prompt }
}

/// About how long a text-to-speech voice takes to say `words` (some 12 characters a second).
fn speaking_secs(words: &str) -> i64 {
    i64::try_from(words.chars().count() / 12).unwrap_or(60) + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::{IdentificationOutcome, UnattributedReason};
    use crate::ledger::testing::{run, setup, visit, ScriptedCrm, NO_CRM};
    use crate::pool::{ExhaustionPolicy, Region};
    use crate::providers::twilio::{Hook, SignatureCheck};
    use crate::providers::{twilio_signature, twilio_url_candidates};
    use crate::site::{CallerIdentificationSetup, ExtensionNumberSetup, IdentificationMode, SiteSetup};
    use crate::store::MemoryStore;
    use crate::store::{CallStore, LeaseStore};
    use crate::support::FixedClock;
    use crate::webhooks::{CrmWebhookSetup, CALL_STARTED};
    use crate::wire::LeaseGrant;
    use crate::wire::LookupSteps;

    const TOKEN: &str = "twiliotoken123";
    const POOL: &str = "+15550100201";
    const EXT: &str = "+15550100909";
    const ENFORCE: SignatureCheck<'static> = SignatureCheck { fallback_token: None, enforce: true };

    fn site() -> SiteSetup {
        SiteSetup {
            exhaustion: Some(ExhaustionPolicy::Extension),
            extension_numbers: vec![ExtensionNumberSetup::Number(EXT.into())],
            twilio_auth_token: Some(TOKEN.into()),
            crm_webhook: Some(CrmWebhookSetup {
                url: "https://crm.example/hook".into(),
                secret: Some("crm-secret-0123456789".into()),
            }),
            ..setup(&[POOL])
        }
    }

    fn with_identification(mode: IdentificationMode) -> SiteSetup {
        SiteSetup {
            destinations: [("gold".to_string(), "+15550100500".to_string())].into_iter().collect(),
            caller_identification: Some(CallerIdentificationSetup {
                digits: 6,
                mode,
                crm_url: Some("https://crm.example/identify".into()),
                crm_secret: Some("crm-identify-secret-0123".into()),
                identified: Some("gold".into()),
                ..CallerIdentificationSetup::default()
            }),
            ..site()
        }
    }

    /// A signed Twilio request to `url` (as Twilio would post it to a URL our TwiML named).
    fn signed(url: &str, hook: Hook, params: &[(&str, &str)]) -> TwilioRequest {
        let params: Vec<(String, String)> =
            params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let query: Vec<(String, String)> =
            url.split_once('?').map(|(_, q)| crate::support::parse_urlencoded(q)).unwrap_or_default();
        let value = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        TwilioRequest {
            hook,
            urls: twilio_url_candidates(url, None, None, None),
            signature: Some(twilio_signature(TOKEN, url, &params)),
            params,
            tracking_number: value("tn"),
            voicemail: false,
            gather: (hook == Hook::Gather)
                .then(|| GatherState::parse(value("step").as_deref(), value("attempt").as_deref()).ok())
                .flatten(),
            origin: "https://calls.example.com".into(),
        }
    }

    fn voice(call_sid: &str, to: &str) -> TwilioRequest {
        let params = [("CallSid", call_sid), ("From", "+15550009999"), ("To", to), ("CallStatus", "ringing")];
        signed("https://calls.example.com/v1/telephony/twilio/voice", Hook::Voice, &params)
    }

    /// The action URL of the `<Gather>` in `twiml`, as Twilio reads it.
    fn gather_action(twiml: &str) -> String {
        let at = twiml.find("<Gather ").expect("a Gather");
        let rest = &twiml[at..];
        let start = rest.find("action=\"").expect("an action") + 8;
        let end = rest[start..].find('"').unwrap() + start;
        rest[start..end].replace("&amp;", "&")
    }

    /// Follows a `<Gather>` as Twilio would: posts what the caller keyed to its action.
    fn key(twiml: &str, call_sid: &str, to: &str, digits: Option<&str>) -> TwilioRequest {
        let url = gather_action(twiml);
        let mut params = vec![("CallSid", call_sid), ("From", "+15550009999"), ("To", to)];
        if let Some(d) = digits {
            params.push(("Digits", d));
        }
        signed(&url, Hook::Gather, &params)
    }

    fn grant(ledger: &SiteLedger<'_, MemoryStore, FixedClock>, visitor: &str) -> LeaseGrant {
        let (lease, config) = run(ledger.lease(visitor.into(), &visit("google"), Region::default())).unwrap();
        LeaseGrant::new(&lease, &config)
    }

    #[test]
    fn three_visitors_on_one_number_and_one_extension_number_get_a_number_and_two_extensions() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_795_000_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        let a = grant(&ledger, "visitor-a");
        let b = grant(&ledger, "visitor-b");
        let c = grant(&ledger, "visitor-c");
        assert_eq!((a.number.as_str(), a.extension.as_deref()), (POOL, None));
        assert_eq!((b.number.as_str(), c.number.as_str()), (EXT, EXT));
        let (eb, ec) = (b.extension.clone().unwrap(), c.extension.clone().unwrap());
        assert!(eb.len() == 3 && ec.len() == 3 && eb != ec, "{eb} {ec}");
        assert_eq!((b.extension_label.as_deref(), b.replaces.as_str()), (Some("ext."), "+15550100100"));
        let json = serde_json::to_value(&b).unwrap();
        assert_eq!(json["extension"], eb.as_str(), "a string: leading zeros count");
        assert!(serde_json::to_value(&a).unwrap().get("extension").is_none(), "absent otherwise");
        // Returning: the same extension; renewing and releasing work on it.
        clock.advance_secs(60);
        assert_eq!(grant(&ledger, "visitor-b").extension, Some(eb.clone()));
        let (renewed, _) = run(ledger.renew(&b.lease_id, "visitor-b")).unwrap();
        assert_eq!(renewed.extension, Some(eb.clone()));
        assert_eq!(run(ledger.renew(&b.lease_id, "visitor-c")).unwrap_err().http_status(), 404);
        run(ledger.release(&b.lease_id, "visitor-b")).unwrap();
        clock.advance_secs(3 * 24 * 3600);
        assert_eq!(grant(&ledger, "visitor-b").extension, Some(eb), "days later, still theirs");
        let pool = run(store.load()).unwrap().unwrap().pool;
        assert!(pool.exhaustion_events() >= 2, "the pool counted its exhaustion");
        assert!(
            store.sessions.borrow().values().any(|l| l.extension.is_some()),
            "extension leases are sessions"
        );
    }

    #[test]
    fn a_site_with_only_extension_numbers_gives_every_visitor_an_extension() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let s = SiteSetup { pool: Vec::new(), exhaustion: None, ..site() };
        run(ledger.configure(s)).unwrap();
        for v in 0..5 {
            let g = grant(&ledger, &format!("visitor-{v}"));
            assert_eq!((g.number.as_str(), g.extension.map(|e| e.len())), (EXT, Some(3)));
        }
        assert!(store.owner(EXT).is_some(), "calls to it are routed to the site");
    }

    #[test]
    fn the_keyed_extension_credits_its_session_and_wrong_or_missing_keys_still_reach_the_business() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_795_000_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        grant(&ledger, "visitor-a"); // takes the pool number
        let b = grant(&ledger, "visitor-b");
        let ext = b.extension.clone().unwrap();
        clock.advance_secs(30);

        let twiml = run(ledger.twilio(&voice("CAext1", EXT), ENFORCE, &NO_CRM)).unwrap();
        assert!(
            twiml.contains("<Gather input=\"dtmf\" numDigits=\"3\" finishOnKey=\"\" timeout=\"5\" action=\""),
            "{twiml}"
        );
        assert!(
            twiml.contains("step=extension&amp;attempt=1")
                && twiml.contains("<Say>Please enter your extension.</Say>")
        );
        assert!(
            twiml.contains("<Redirect method=\"POST\">"),
            "a platform that falls through gets the same URL"
        );
        let call = run(store.find_call("CAext1")).unwrap().unwrap();
        assert!(call.attribution.is_none() && call.unattributed_reason.is_none(), "not keyed yet");
        assert!(run(store.deliveries_of("CAext1")).unwrap().is_empty(), "the CRM hears of it once routed");
        let dial = run(ledger.twilio(&key(&twiml, "CAext1", EXT, Some(&ext)), ENFORCE, &NO_CRM)).unwrap();
        assert!(dial.contains(">+15550100100</Number>"), "{dial}");
        let call = run(store.find_call("CAext1")).unwrap().unwrap();
        let a = call.attribution.clone().expect("credited");
        assert_eq!(
            (a.visitor.as_str(), a.late, call.extension.as_deref()),
            ("visitor-b", false, Some(ext.as_str()))
        );
        let started = run(store.deliveries_of("CAext1")).unwrap();
        assert!(started
            .iter()
            .any(|d| d.event == CALL_STARTED && d.body.contains(&format!("\"extension\":\"{ext}\""))));

        // Wrong twice: asked again, then the business number, unattributed.
        let twiml = run(ledger.twilio(&voice("CAext2", EXT), ENFORCE, &NO_CRM)).unwrap();
        let wrong = if ext == "999" { "998" } else { "999" };
        let again = run(ledger.twilio(&key(&twiml, "CAext2", EXT, Some(wrong)), ENFORCE, &NO_CRM)).unwrap();
        assert!(again.contains("attempt=2") && again.contains("not recognised"), "{again}");
        let dial = run(ledger.twilio(&key(&again, "CAext2", EXT, Some(wrong)), ENFORCE, &NO_CRM)).unwrap();
        assert!(dial.contains(">+15550100100</Number>"), "{dial}");
        let call = run(store.find_call("CAext2")).unwrap().unwrap();
        assert_eq!(
            (call.attribution.is_none(), call.unattributed_reason),
            (true, Some(UnattributedReason::ExtensionUnknown))
        );

        // Nothing keyed, twice (and junk that is no key at all is nothing).
        let twiml = run(ledger.twilio(&voice("CAext3", EXT), ENFORCE, &NO_CRM)).unwrap();
        let again = run(ledger.twilio(&key(&twiml, "CAext3", EXT, None), ENFORCE, &NO_CRM)).unwrap();
        let dial =
            run(ledger.twilio(&key(&again, "CAext3", EXT, Some("<script>")), ENFORCE, &NO_CRM)).unwrap();
        assert!(dial.contains("<Dial"));
        let call = run(store.find_call("CAext3")).unwrap().unwrap();
        assert_eq!(call.unattributed_reason, Some(UnattributedReason::ExtensionMissing));

        // Oversized keys are cut, never an error: the call goes on.
        let twiml = run(ledger.twilio(&voice("CAext4", EXT), ENFORCE, &NO_CRM)).unwrap();
        let long = "1".repeat(5000);
        let again = run(ledger.twilio(&key(&twiml, "CAext4", EXT, Some(&long)), ENFORCE, &NO_CRM)).unwrap();
        assert!(again.contains("<Gather"), "asked again");

        // Late: the visitor left; a call two days later is still theirs, flagged late.
        run(ledger.release(&b.lease_id, "visitor-b")).unwrap();
        clock.advance_secs(2 * 24 * 3600);
        let twiml = run(ledger.twilio(&voice("CAext5", EXT), ENFORCE, &NO_CRM)).unwrap();
        run(ledger.twilio(&key(&twiml, "CAext5", EXT, Some(&ext)), ENFORCE, &NO_CRM)).unwrap();
        let a = run(store.find_call("CAext5")).unwrap().unwrap().attribution.unwrap();
        assert_eq!((a.visitor.as_str(), a.late), ("visitor-b", true));

        // A forged gather (another token) is refused before anything is recorded.
        let mut forged = key(&twiml, "CAext6", EXT, Some(&ext));
        forged.signature = Some("bm90IGEgc2lnbmF0dXJl".into());
        assert_eq!(run(ledger.twilio(&forged, ENFORCE, &NO_CRM)).unwrap_err().http_status(), 403);
        assert!(run(store.find_call("CAext6")).unwrap().is_none());
    }

    #[test]
    fn caller_identification_routes_on_the_crms_answer_and_keeps_the_customer_id() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_795_000_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(with_identification(IdentificationMode::Check))).unwrap();
        grant(&ledger, "visitor-a");
        let yes = ScriptedCrm::answering(200, r#"{"status": "ok", "destination": true}"#);

        let twiml = run(ledger.twilio(&voice("CAid1", POOL), ENFORCE, &yes)).unwrap();
        assert!(twiml.contains("numDigits=\"6\" finishOnKey=\"#\" timeout=\"5\""), "{twiml}");
        assert!(twiml.contains("step=identification&amp;attempt=1"));
        // Too short: asked again; then the right length.
        let again = run(ledger.twilio(&key(&twiml, "CAid1", POOL, Some("123")), ENFORCE, &yes)).unwrap();
        assert!(again.contains("attempt=2"), "{again}");
        assert!(yes.sent.borrow().is_empty(), "no CRM request for an entry of the wrong length");
        let dial = run(ledger.twilio(&key(&again, "CAid1", POOL, Some("123456")), ENFORCE, &yes)).unwrap();
        assert!(dial.contains(">+15550100500</Number>"), "the gold line: {dial}");
        let sent = yes.sent.borrow()[0].clone();
        let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
        assert_eq!((body["idContact"].as_str(), body["call_id"].as_str()), (Some("123456"), Some("CAid1")));
        assert_eq!(body["attribution"]["source"], "google", "the CRM hears the caller's source");
        let call = run(store.find_call("CAid1")).unwrap().unwrap();
        let id = call.identification.clone().unwrap();
        assert_eq!(
            (call.customer_id.as_deref(), id.outcome, id.attempts),
            (Some("123456"), IdentificationOutcome::Identified, 2)
        );
        assert_eq!(id.destination, "gold");
        assert_eq!(call.forwarded_to.map(|n| n.e164().to_string()).as_deref(), Some("+15550100500"));
        let started = run(store.deliveries_of("CAid1")).unwrap();
        assert!(started[0].body.contains("\"customer_id\":\"123456\""), "{}", started[0].body);

        // A slow CRM: the caller is unidentified after the budget and still dialled.
        let slow = ScriptedCrm {
            takes: Some((&clock, 3)),
            ..ScriptedCrm { reply: CrmReply::TimedOut, sent: Default::default(), takes: None }
        };
        let twiml = run(ledger.twilio(&voice("CAid2", POOL), ENFORCE, &slow)).unwrap();
        let dial = run(ledger.twilio(&key(&twiml, "CAid2", POOL, Some("654321")), ENFORCE, &slow)).unwrap();
        assert!(dial.contains(">+15550100100</Number>"), "{dial}");
        let id = run(store.find_call("CAid2")).unwrap().unwrap().identification.unwrap();
        assert_eq!(
            (id.outcome, id.reason.as_deref(), id.crm_ms),
            (IdentificationOutcome::Unidentified, Some("crm_timeout"), Some(3000))
        );

        // Nothing keyed, twice: unidentified, no CRM request.
        let none = ScriptedCrm::answering(200, r#"{"status": "ok", "destination": true}"#);
        let twiml = run(ledger.twilio(&voice("CAid3", POOL), ENFORCE, &none)).unwrap();
        let again = run(ledger.twilio(&key(&twiml, "CAid3", POOL, None), ENFORCE, &none)).unwrap();
        run(ledger.twilio(&key(&again, "CAid3", POOL, None), ENFORCE, &none)).unwrap();
        let call = run(store.find_call("CAid3")).unwrap().unwrap();
        assert_eq!(
            (call.customer_id, call.identification.unwrap().reason.as_deref()),
            (None, Some("no_entry"))
        );
        assert!(none.sent.borrow().is_empty());
    }

    #[test]
    fn a_named_destination_from_the_crm_and_an_unknown_one() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_795_000_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(with_identification(IdentificationMode::Destination))).unwrap();
        for (sid, answer, dialled, reason) in [
            ("CAd1", r#"{"status":"ok","destination":"gold"}"#, Some("+15550100500"), None),
            (
                "CAd2",
                r#"{"status":"ok","destination":"platinum"}"#,
                Some("+15550100100"),
                Some("unknown_destination"),
            ),
            ("CAd3", r#"{"status":"ok","destination":"hangup"}"#, None, None),
        ] {
            let crm = ScriptedCrm::answering(200, answer);
            let twiml = run(ledger.twilio(&voice(sid, POOL), ENFORCE, &crm)).unwrap();
            let next = run(ledger.twilio(&key(&twiml, sid, POOL, Some("123456")), ENFORCE, &crm)).unwrap();
            match dialled {
                Some(n) => assert!(next.contains(&format!(">{n}</Number>")), "{next}"),
                None => assert!(next.contains("<Hangup/>") && !next.contains("<Dial"), "{next}"),
            }
            let call = run(store.find_call(sid)).unwrap().unwrap();
            assert_eq!(call.identification.unwrap().reason.as_deref(), reason);
            if dialled.is_none() {
                assert_eq!(call.outcome, Some(crate::CallOutcome::Missed), "a hang-up ends the call");
            }
        }
    }

    #[test]
    fn an_extension_then_identification_and_the_neutral_lookup() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_795_000_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(with_identification(IdentificationMode::Any))).unwrap();
        grant(&ledger, "visitor-a");
        let b = grant(&ledger, "visitor-b");
        let ext = b.extension.clone().unwrap();
        let twiml = run(ledger.twilio(&voice("CAboth", EXT), ENFORCE, &NO_CRM)).unwrap();
        let ask_id = run(ledger.twilio(&key(&twiml, "CAboth", EXT, Some(&ext)), ENFORCE, &NO_CRM)).unwrap();
        assert!(ask_id.contains("step=identification"), "extension, then identification: {ask_id}");
        let dial =
            run(ledger.twilio(&key(&ask_id, "CAboth", EXT, Some("777777")), ENFORCE, &NO_CRM)).unwrap();
        assert!(dial.contains(">+15550100500</Number>"), "mode any: identified, the gold line");
        let call = run(store.find_call("CAboth")).unwrap().unwrap();
        assert_eq!(call.attribution.map(|a| a.visitor), Some("visitor-b".into()));
        assert_eq!(call.customer_id.as_deref(), Some("777777"));

        // The same through GET /v1/route.
        let token = Some("demo-token-0123456789");
        let steps = LookupSteps { extension: Some(ext.clone()), customer_id: Some("123456".into()) };
        let lookup = |call_id: &str, steps: &LookupSteps| DialedLookup {
            call_id: call_id.into(),
            from: "+15550008888".into(),
            dialed: PhoneNumber::parse(EXT).unwrap(),
            steps: steps.clone(),
            json: false,
        };
        let answer = run(ledger.lookup_dialed(token, &lookup("vox-1", &steps), &NO_CRM)).unwrap();
        assert_eq!(answer.forward_to.as_deref(), Some("+15550100500"));
        let call = run(store.find_call("vox-1")).unwrap().unwrap();
        assert_eq!(
            (call.extension.as_deref(), call.attribution.map(|a| a.visitor)),
            (Some(ext.as_str()), Some("visitor-b".into()))
        );
        let unknown = LookupSteps { extension: Some("5".into()), customer_id: None };
        run(ledger.lookup_dialed(token, &lookup("vox-2", &unknown), &NO_CRM)).unwrap();
        assert_eq!(
            run(store.find_call("vox-2")).unwrap().unwrap().unattributed_reason,
            Some(UnattributedReason::ExtensionUnknown)
        );
    }

    #[test]
    fn a_caller_who_hangs_up_at_a_prompt_ends_missed_and_the_crm_hears_of_it() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_795_000_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        grant(&ledger, "visitor-a");
        let b = grant(&ledger, "visitor-b");
        run(ledger.twilio(&voice("CAgone", EXT), ENFORCE, &NO_CRM)).unwrap();
        let twiml = run(ledger.twilio(&voice("CAstays", EXT), ENFORCE, &NO_CRM)).unwrap();
        let due = run(ledger.next_alarm_at()).unwrap().expect("the alarm is set");
        assert!(due > clock.now() && due <= clock.now().plus_secs(60), "{due:?}");
        clock.advance_secs(10);
        // One keys their extension in time; the other never answers the prompt.
        run(ledger.twilio(&key(&twiml, "CAstays", EXT, b.extension.as_deref()), ENFORCE, &NO_CRM)).unwrap();
        assert_eq!(run(ledger.end_abandoned_calls()).unwrap(), 0, "not due yet");
        clock.advance_secs(60);
        assert_eq!(run(ledger.end_abandoned_calls()).unwrap(), 1);
        let gone = run(store.find_call("CAgone")).unwrap().unwrap();
        assert_eq!(
            (gone.status, gone.outcome),
            (Some(crate::calls::CallStatus::Completed), Some(crate::CallOutcome::Missed))
        );
        assert_eq!(gone.ended_at, Some(gone.started_at), "ended where it was held");
        let events: Vec<String> =
            run(store.deliveries_of("CAgone")).unwrap().into_iter().map(|d| d.event).collect();
        assert_eq!(events, [CALL_STARTED, crate::webhooks::CALL_ENDED]);
        let stays = run(store.find_call("CAstays")).unwrap().unwrap();
        assert_eq!(stays.status, Some(crate::calls::CallStatus::Ringing), "routed, still going");
        assert_eq!(
            run(ledger.next_alarm_at()).unwrap(),
            run(store.next_delivery_at()).unwrap(),
            "no call left waiting"
        );
        assert_eq!(run(ledger.end_abandoned_calls()).unwrap(), 0, "once");
    }

    #[test]
    fn when_every_extension_is_taken_the_page_keeps_its_number_and_visitors_keep_theirs() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_795_000_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let s = SiteSetup { pool: Vec::new(), exhaustion: None, ..site() };
        run(ledger.configure(s)).unwrap();
        let limiter = std::cell::RefCell::new(crate::pool::RateLimiter::default());
        let ask = |visitor: &str, ip: &str| {
            run(ledger.lease_within(
                visitor.into(),
                &visit("google"),
                Region::default(),
                None,
                &limiter,
                Some(ip),
            ))
            .unwrap()
        };
        let (first, over) = ask("visitor-first", "1.1.1.1");
        assert!(first.extension.is_some() && over.is_none());
        // Fill the number's thousand extensions from as many addresses (no per-address limit).
        for i in 0..999 {
            let (g, over) = ask(&format!("visitor-{i:04}"), &format!("10.0.{}.{}", i / 256, i % 256));
            assert!(g.extension.is_some(), "{i}: {g:?} {over:?}");
            clock.advance_secs(4); // under the site's budget
        }
        let (full, over) = ask("visitor-late", "2.2.2.2");
        assert_eq!((full.limited, full.number.as_str(), full.extension), (true, "+15550100100", None));
        assert_eq!(over, Some(crate::pool::Over::Exhausted));
        assert!(run(store.load()).unwrap().unwrap().pool.exhaustion_events() >= 1, "counted");
        // A visitor holding an extension keeps it, however many times they ask, from one address.
        for _ in 0..20 {
            let (again, over) = ask("visitor-first", "1.1.1.1");
            assert_eq!((again.extension, over), (first.extension.clone(), None));
        }
    }

    #[test]
    fn the_test_request_shows_the_crms_answer() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_795_000_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(with_identification(IdentificationMode::Check))).unwrap();
        let token = Some("demo-token-0123456789");
        let crm = ScriptedCrm::answering(200, r#"{"status":"ok","destination":false}"#);
        let t = run(ledger.test_identification(token, None, &crm)).unwrap();
        assert_eq!(
            (t.status, t.outcome.as_str(), t.reason.as_deref()),
            (Some(200), "unidentified", Some("not_found"))
        );
        assert!(t.request.contains("\"idContact\":\"111111\""));
        assert_eq!(
            run(ledger.test_identification(token, Some("12ab"), &crm)).unwrap_err().http_status(),
            400
        );
        assert_eq!(
            run(ledger.test_identification(Some("wrong-token-0123456789"), None, &crm))
                .unwrap_err()
                .http_status(),
            401
        );
    }
}
