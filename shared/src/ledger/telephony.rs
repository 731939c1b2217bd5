//! The site ledger's telephony side: call events recorded once and in any order (and the
//! call credited to its session), Twilio requests checked and answered with TwiML, and CRM
//! deliveries queued. The steps a call passes before the dial are in `call_steps.rs`.

use super::SiteLedger;
use crate::calls::CrmClient;
use crate::calls::{
    attribute, identifiable_caller, Attribution, CallRecord, IncomingCall, UnattributedReason,
};
use crate::calls::{CallEvent, CallProgress, EventKind};
use crate::conversions::ConversionMoment;
use crate::error::{Error, Result};
use crate::pool::extension_holder;
use crate::providers::twilio::SignatureCheck;
use crate::providers::twilio::TwilioRequest;
use crate::providers::twilio::{self, Callbacks, Hook};
use crate::providers::verify_twilio;
use crate::site::SiteConfig;
use crate::store::SiteStore;
use crate::support::{Clock, Entropy, Timestamp};
use crate::webhooks::{CALL_ENDED, CALL_STARTED, MASKED_CALL_ENDED, MASKED_CALL_STARTED};
use phone::PhoneNumber;

/// Distinct events one call keeps (a real call has fewer than ten).
pub const MAX_EVENTS_PER_CALL: usize = 50;

/// When a call's `call.started` webhook is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Announce {
    /// When the call is created (most calls).
    OnCreate,
    /// Not yet: the call is at a step before the dial (the CRM hears of it with what the steps
    /// found, once it is routed).
    Hold,
    /// Now, if not queued before: the call has passed its steps.
    Now,
}

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// Records one provider event. The call is created by whichever of its events arrives
    /// first and credited to the session that held the number when it started; a repeated
    /// event changes nothing. Returns the call and whether this event was new.
    pub async fn record_event(&self, event: CallEvent) -> Result<(CallRecord, bool)> {
        let config = self.config().await?;
        self.record_events_in(&config, vec![event], Announce::OnCreate).await
    }

    /// Records the events of one call (what one request reports) with the site's settings
    /// already loaded: one read and one write of the call however many events; the pool is
    /// read only to credit a new call.
    pub(super) async fn record_events_in(
        &self,
        config: &SiteConfig,
        events: Vec<CallEvent>,
        announce: Announce,
    ) -> Result<(CallRecord, bool)> {
        let Some(first) = events.first().cloned() else {
            return Err(Error::invalid("no event to record"));
        };
        if events.iter().any(|e| e.call_sid != first.call_sid || e.to != first.to) {
            return Err(Error::invalid("one request reports events of one call"));
        }
        let keyed = events.iter().any(|e| matches!(e.kind, EventKind::Extension { .. }));
        let existing = self.store.find_call(&first.call_sid).await?;
        let created = existing.is_none();
        let mut record = match existing {
            Some(r) if r.to != first.to => {
                return Err(Error::Conflict(format!(
                    "call {} was to {}, not {}",
                    r.call_sid, r.to, first.to
                )));
            }
            Some(r) => r,
            // Only a new call must be to one of the site's numbers: late callbacks of a call
            // to a number removed since are still recorded.
            None if !config.owned_numbers().contains(&first.to) => {
                return Err(Error::invalid(format!(
                    "{} is not a tracking number of site {:?}",
                    first.to, self.site
                )));
            }
            None => self.new_call(&first).await?,
        };
        let was_final = record.status.is_some_and(|s| s.is_final());
        let converted_before = !created && record.converts(config.qualify_secs);
        let live_before = if created { None } else { super::live::LiveBefore::of(Some(&record)) };
        let mut changed = created;
        for event in events {
            // People's changes (value, note) have their own limit: they never crowd out the
            // provider's events.
            let reported =
                record.events.iter().filter(|e| !matches!(e.kind, EventKind::Updated { .. })).count();
            let full = reported >= MAX_EVENTS_PER_CALL;
            match record.events.iter_mut().find(|e| e.key() == event.key()) {
                Some(seen) => {
                    let merged = seen.clone().merge(event);
                    if merged != *seen {
                        *seen = merged;
                        changed = true;
                    }
                }
                None if full => {
                    return Err(Error::Conflict(format!(
                        "call {} already has {MAX_EVENTS_PER_CALL} events; no more are kept",
                        record.call_sid
                    )));
                }
                None => {
                    record.events.push(event);
                    changed = true;
                }
            }
        }
        if !changed && announce != Announce::Now {
            return Ok((record, false)); // a replay: nothing new
        }
        let progress = CallProgress::from_events(&record.events);
        let from_changed = progress.from.as_ref().is_some_and(|f| f != &record.from);
        let start_changed = progress.started_at.is_some_and(|s| s != record.started_at);
        if start_changed || from_changed || (changed && keyed) {
            // A late `started` event knows the real start (and caller), and a keyed extension
            // names the session: credit the call again.
            let at = progress.started_at.unwrap_or(record.started_at);
            let from = progress.from.clone().unwrap_or_else(|| record.from.clone());
            let fresh =
                self.credit(&record.call_sid, &from, &record.to, at, progress.extension.as_ref()).await?;
            record.started_at = at;
            record.from = from;
            record.attribution = fresh.attribution;
            record.extension = fresh.extension;
            record.unattributed_reason = fresh.unattributed_reason;
            record.repeat_of = fresh.repeat_of.filter(|first| first != &record.call_sid);
            record.masking = fresh.masking;
        }
        apply(&mut record, &progress, &config.keywords);
        if changed {
            self.store.save_call(&record).await?;
        }
        if let Some(hook) = &config.crm_webhook {
            let now = self.clock.now();
            let (started, ended) = if record.masking.is_some() {
                (MASKED_CALL_STARTED, MASKED_CALL_ENDED)
            } else {
                (CALL_STARTED, CALL_ENDED)
            };
            if (created && announce == Announce::OnCreate) || announce == Announce::Now {
                self.enqueue(&record, started, &hook.url, now).await?;
            }
            if !was_final && record.status.is_some_and(|s| s.is_final()) {
                self.enqueue(&record, ended, &hook.url, now).await?;
            }
        }
        if changed && !converted_before && record.converts(config.qualify_secs) {
            // The ad platforms learn of it from the alarm, never on the provider's path.
            self.send_conversions(config, &record, ConversionMoment::Converted, self.clock.now()).await?;
        }
        if changed {
            // The live stream is best effort: a failure to stream never fails the call (its
            // webhook, the CRM's deliveries); a client missing the event sees the call next time
            // it loads the calls.
            let _ = self.publish_live(config, live_before.as_ref(), &record).await;
        }
        Ok((record, changed))
    }

    async fn new_call(&self, event: &CallEvent) -> Result<CallRecord> {
        let from = event.from.clone().unwrap_or_else(|| "unknown".into());
        self.credit(&event.call_sid, &from, &event.to, event.start_estimate(), None).await
    }

    /// A call record credited to whoever held `to` at `at` (on an extension number: whoever
    /// held the `keyed` extension; `Some(None)`: nothing was keyed), with its repeat-caller link.
    async fn credit(
        &self,
        call_sid: &str,
        from: &str,
        to: &PhoneNumber,
        at: Timestamp,
        keyed: Option<&Option<String>>,
    ) -> Result<CallRecord> {
        let state = self.state().await?;
        let config = &state.config;
        let call =
            IncomingCall { call_sid: call_sid.to_string(), from: from.to_string(), to: to.clone(), at };
        let overflow = config.overflow_number.as_ref() == Some(to);
        if config.masking.is_masking_number(to) {
            // Between an order's parties: no session of a visitor, no marketing source, and
            // not a caller of the business's (no repeat-caller link).
            let mut record = attribute(self.site, call, &crate::pool::Pool::default(), 0, false);
            record.masking = Some(crate::masking::masked_call(self.store, from, to, call_sid, at)?);
            return Ok(record);
        }
        let mut record = if config.extensions.is_extension_number(to) {
            // The number is everyone's: only the extension names a session.
            let mut record = attribute(self.site, call, &crate::pool::Pool::default(), 0, false);
            match keyed {
                None => {} // not keyed yet
                Some(None) => record.unattributed_reason = Some(UnattributedReason::ExtensionMissing),
                Some(Some(digits)) => {
                    record.extension = Some(digits.clone());
                    match extension_holder(self.store, to, digits, at, &config.extension_rules())? {
                        Some((lease, late)) => record.attribution = Some(Attribution::of_lease(&lease, late)),
                        None => record.unattributed_reason = Some(UnattributedReason::ExtensionUnknown),
                    }
                }
            }
            record
        } else {
            attribute(self.site, call, &state.pool, config.retention_secs, overflow)
        };
        record.static_source =
            config.static_numbers.iter().find(|r| &r.number == to).map(|r| r.credited_source());
        if identifiable_caller(from) {
            let first = self.first_call_of(from).await?;
            record.repeat_of = first.map(|c| c.call_sid).filter(|sid| sid != call_sid);
        }
        Ok(record)
    }

    /// A Twilio webhook: checks its signature, records its events and answers TwiML: for a
    /// call arriving (the voice webhook) its first step (an extension prompt on an extension
    /// number, else caller identification when the site has it, else the dial); for a step's
    /// answer (the gather callback) the next step; for the call's progress nothing to do.
    pub async fn twilio(
        &self,
        req: &TwilioRequest,
        check: SignatureCheck<'_>,
        crm: &impl CrmClient,
    ) -> Result<String> {
        let config = self.config().await?;
        if check.enforce {
            let token = config.twilio_auth_token.as_deref().or(check.fallback_token).ok_or_else(|| {
                Error::Forbidden(format!(
                    "site {:?} has no twilio_auth_token to check X-Twilio-Signature with; set it with PUT /v1/sites/{}",
                    self.site, self.site
                ))
            })?;
            let presented = req.signature.as_deref().unwrap_or("");
            if !verify_twilio(token, &req.urls, &req.params, presented) {
                return Err(Error::Forbidden(if presented.is_empty() {
                    "missing X-Twilio-Signature".into()
                } else {
                    "X-Twilio-Signature does not match this request and the site's Twilio auth token".into()
                }));
            }
        }
        let now = self.clock.now();
        let tracking = match req.hook {
            Hook::Voice => twilio::VoiceWebhook::from_params(&req.params)?.to,
            _ => PhoneNumber::parse(req.tracking_number.as_deref().ok_or_else(|| {
                Error::invalid("missing query parameter tn (the tracking number) on the callback URL")
            })?)?,
        };
        let callbacks = Callbacks::new(&req.origin, self.site, &tracking);
        match req.hook {
            Hook::Voice => {
                let events = twilio::events(Hook::Voice, &req.params, &tracking, false, now)?;
                if config.masking.is_masking_number(&tracking) {
                    return self.masked_call_arrived(&config, events, &callbacks).await;
                }
                self.call_arrived(&config, events, &callbacks).await
            }
            Hook::Gather => self.gathered(&config, req, &tracking, &callbacks, crm).await,
            hook => {
                let events = twilio::events(hook, &req.params, &tracking, req.voicemail, now)?;
                if !events.is_empty() {
                    self.record_events_in(&config, events, Announce::OnCreate).await?;
                }
                Ok(if hook == Hook::Dial { twilio::hangup() } else { twilio::empty() })
            }
        }
    }

    /// Provider-neutral events (`POST /v1/sites/{site}/calls/events`), for the site's token.
    pub async fn call_events(&self, token: Option<&str>, events: Vec<CallEvent>) -> Result<CallRecord> {
        let config = self.authorized_config(token).await?;
        Ok(self.record_events_in(&config, events, Announce::OnCreate).await?.0)
    }
}

/// Copies what the events imply onto the stored call.
fn apply(record: &mut CallRecord, p: &CallProgress, keywords: &[String]) {
    record.status = p.status;
    record.answered_at = p.answered_at;
    record.ended_at = p.ended_at;
    record.ring_secs = p.ring_secs;
    record.talk_secs = p.talk_secs;
    record.outcome = p.outcome;
    record.forwarded_to.clone_from(&p.forwarded_to);
    record.after_hours = p.after_hours;
    record.recordings.clone_from(&p.recordings);
    record.transcript.clone_from(&p.transcript);
    record.tags = crate::calls::tags_of(p.transcript.as_deref(), keywords, &record.labels);
    record.customer_id = p.identification.as_ref().and_then(|i| i.customer_id.clone());
    record.identification.clone_from(&p.identification);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::{CallStatus, Leg};
    use crate::ledger::testing::{run, setup, NO_CRM};
    use crate::pool::Region;
    use crate::providers::twilio::SignatureCheck;
    use crate::providers::twilio::TwilioRequest;
    use crate::providers::{twilio_signature, twilio_url_candidates};
    use crate::store::CallStore;
    use crate::store::MemoryStore;
    use crate::support::FixedClock;
    use crate::traffic::Visit;
    use crate::webhooks::{CrmWebhookSetup, DeliveryState};
    use crate::SiteSetup;

    const TN: &str = "+15550100201";

    fn site() -> SiteSetup {
        SiteSetup {
            keywords: vec!["price".into(), "install".into(), "warranty".into()],
            crm_webhook: Some(CrmWebhookSetup {
                url: "https://crm.example/hook".into(),
                secret: Some("crm-secret-0123456789".into()),
            }),
            twilio_auth_token: Some("twiliotoken123".into()),
            ..setup(&[TN, "+15550100202"])
        }
    }

    fn ev(kind: EventKind, secs: i64) -> CallEvent {
        CallEvent {
            call_sid: "CA1".into(),
            provider: "api".into(),
            at: Timestamp(1_795_000_000_000 + secs * 1000),
            from: Some("+15550009999".into()),
            to: PhoneNumber::parse(TN).unwrap(),
            kind,
        }
    }

    fn lifecycle() -> Vec<CallEvent> {
        vec![
            ev(EventKind::Started, 0),
            ev(EventKind::Ringing, 1),
            ev(EventKind::Answered, 6),
            ev(
                EventKind::Ended {
                    leg: Leg::Business,
                    status: CallStatus::Completed,
                    duration_secs: Some(80),
                },
                86,
            ),
            ev(
                EventKind::Recording {
                    url: "https://rec.example/RE1".into(),
                    duration_secs: Some(80),
                    voicemail: false,
                },
                90,
            ),
            ev(EventKind::Transcription { text: "Hi, what's the price to install one?".into() }, 120),
        ]
    }

    #[test]
    fn replayed_and_shuffled_events_make_exactly_one_correct_call() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_795_000_000_000 - 60_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        let (lease, _) = run(ledger.lease(
            "v1".into(),
            &Visit { utm_source: Some("google".into()), utm_medium: Some("cpc".into()), ..Visit::default() },
            Region::default(),
        ))
        .unwrap();
        assert_eq!(lease.number.e164(), TN);
        clock.advance_secs(200);
        // Each event ten times, ended before started, in a scrambled order.
        let events = lifecycle();
        let mut order: Vec<usize> = (0..events.len() * 10).map(|i| (i * 7 + 3) % events.len()).collect();
        order.reverse();
        for i in order {
            run(ledger.record_event(events[i].clone())).unwrap();
        }
        let calls = store.all_calls();
        assert_eq!(calls.len(), 1, "one call per call id");
        let c = &calls[0];
        assert_eq!(c.events.len(), events.len(), "each event stored once");
        assert_eq!((c.status, c.answered_at.is_some()), (Some(CallStatus::Completed), true));
        assert_eq!((c.ring_secs, c.talk_secs), (Some(6), Some(80)));
        assert_eq!(c.started_at, events[0].at, "the start event's time, whatever arrived first");
        assert_eq!(c.attribution.as_ref().map(|a| a.source.source.as_str()), Some("google"));
        assert_eq!(c.tags, ["price", "install"]);
        assert_eq!(c.recordings.len(), 1);
        let deliveries = run(store.deliveries_of("CA1")).unwrap();
        let kinds: Vec<&str> = deliveries.iter().map(|d| d.event.as_str()).collect();
        assert_eq!(kinds, [CALL_STARTED, CALL_ENDED], "one start and one end webhook");
        assert!(deliveries[0].body.contains("\"call_sid\":\"CA1\""));
    }

    #[test]
    fn events_for_numbers_of_other_sites_are_refused() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        let mut e = ev(EventKind::Started, 0);
        e.to = PhoneNumber::parse("+15550100999").unwrap();
        assert_eq!(run(ledger.record_event(e)).unwrap_err().http_status(), 400);
        assert!(store.all_calls().is_empty());
        assert_eq!(
            run(ledger.call_events(Some("wrong-token-0123456789"), lifecycle())).unwrap_err(),
            Error::Unauthorized
        );
    }

    fn twilio_request(params: &[(&str, &str)], signed_with: Option<&str>) -> TwilioRequest {
        let url = "https://calls.example.com/v1/telephony/twilio/voice";
        let params: Vec<(String, String)> =
            params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        TwilioRequest {
            hook: Hook::Voice,
            urls: twilio_url_candidates(url, None, None, None),
            signature: signed_with.map(|t| twilio_signature(t, url, &params)),
            params,
            tracking_number: None,
            voicemail: false,
            gather: None,
            origin: "https://calls.example.com".into(),
        }
    }

    const ENFORCE: SignatureCheck<'static> = SignatureCheck { fallback_token: None, enforce: true };

    #[test]
    fn twilio_requests_must_be_signed_with_the_sites_token() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        let params = [("CallSid", "CAsig"), ("From", "+15550009999"), ("To", TN)];
        for forged in [None, Some("another-token")] {
            let err = run(ledger.twilio(&twilio_request(&params, forged), ENFORCE, &NO_CRM)).unwrap_err();
            assert_eq!(err.http_status(), 403);
        }
        assert!(store.all_calls().is_empty(), "nothing recorded");
        let twiml =
            run(ledger.twilio(&twilio_request(&params, Some("twiliotoken123")), ENFORCE, &NO_CRM)).unwrap();
        assert!(twiml.contains("<Number statusCallbackEvent=\"initiated ringing answered completed\""));
        assert!(twiml.contains(">+15550100100</Number>"));
        assert!(twiml.contains("status?site=demo&amp;tn=%2B15550100201"));
        let off = SignatureCheck { fallback_token: None, enforce: false };
        assert!(run(ledger.twilio(&twilio_request(&params, None), off, &NO_CRM)).is_ok(), "the dev switch");
        let calls = store.all_calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].forwarded_to.as_ref().map(|n| n.e164()), Some("+15550100100"));
    }

    #[test]
    fn each_tracking_number_forwards_to_the_business_number_it_replaced() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let mut s = site();
        s.business_numbers = vec!["+15550100300".into()];
        s.pool = vec![
            crate::PoolEntrySetup::Number(TN.into()),
            crate::PoolEntrySetup::Detailed {
                number: "+15550100202".into(),
                region: None,
                business_number: Some("+1 555 010 0300".into()),
            },
        ];
        run(ledger.configure(s.clone())).unwrap();
        assert_eq!(
            store.owner("+15550100202").map(|r| r.business_number.e164().to_string()).as_deref(),
            Some("+15550100300")
        );
        let params = [("CallSid", "CAservice"), ("From", "+15550009999"), ("To", "+15550100202")];
        let twiml =
            run(ledger.twilio(&twilio_request(&params, Some("twiliotoken123")), ENFORCE, &NO_CRM)).unwrap();
        assert!(twiml.contains(">+15550100300</Number>"), "{twiml}");
        s.pool.push(crate::PoolEntrySetup::Detailed {
            number: "+15550100203".into(),
            region: None,
            business_number: Some("+15550100999".into()),
        });
        assert!(run(ledger.configure(s)).unwrap_err().to_string().contains("+15550100999"));
    }

    #[test]
    fn after_hours_calls_go_to_voicemail_or_the_after_hours_number() {
        let store = MemoryStore::default();
        // Wednesday 18 Nov 2026 11:06:40 UTC = 05:06 in Chicago: closed.
        let clock = FixedClock::at(1_795_000_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let mut s = site();
        s.business_hours = Some(crate::BusinessHoursSetup {
            time_zone: "America/Chicago".into(),
            weekly: [("wed".to_string(), vec!["08:00-17:00".to_string()])].into_iter().collect(),
            closed_dates: Vec::new(),
        });
        run(ledger.configure(s.clone())).unwrap();
        let params = [("CallSid", "CAnight"), ("From", "+15550009999"), ("To", TN)];
        let twiml =
            run(ledger.twilio(&twilio_request(&params, Some("twiliotoken123")), ENFORCE, &NO_CRM)).unwrap();
        assert!(twiml.contains("<Say>") && twiml.contains("<Record"), "{twiml}");
        assert!(!twiml.contains("<Dial"));
        s.after_hours = Some(crate::site::AfterHoursSetup {
            forward_to: Some("+15550100400".into()),
            voicemail_greeting: None,
        });
        run(ledger.configure(s)).unwrap();
        let params = [("CallSid", "CAnight2"), ("From", "+15550009999"), ("To", TN)];
        let twiml =
            run(ledger.twilio(&twilio_request(&params, Some("twiliotoken123")), ENFORCE, &NO_CRM)).unwrap();
        assert!(twiml.contains(">+15550100400</Number>"), "{twiml}");
        clock.advance_secs(4 * 3600); // 09:06 in Chicago: open
        let params = [("CallSid", "CAday"), ("From", "+15550009999"), ("To", TN)];
        let twiml =
            run(ledger.twilio(&twilio_request(&params, Some("twiliotoken123")), ENFORCE, &NO_CRM)).unwrap();
        assert!(twiml.contains(">+15550100100</Number>"), "{twiml}");
        let night = run(store.find_call("CAnight2")).unwrap().unwrap();
        assert!(night.after_hours);
    }

    #[test]
    fn crm_deliveries_retry_and_keep_their_log() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        run(ledger.record_event(ev(EventKind::Started, 0))).unwrap();
        let (due, secrets) = run(ledger.due_deliveries()).unwrap();
        assert_eq!((due.len(), secrets.crm.as_deref()), (1, Some("crm-secret-0123456789")));
        let next = run(ledger.delivery_attempted(due[0].clone(), Ok(503), 1000)).unwrap();
        assert_eq!(next, Some(Timestamp(1000)));
        assert!(run(ledger.due_deliveries()).unwrap().0.is_empty(), "not due before its backoff");
        clock.advance_secs(1);
        let (due, _) = run(ledger.due_deliveries()).unwrap();
        assert_eq!(run(ledger.delivery_attempted(due[0].clone(), Ok(200), 1000)).unwrap(), None);
        let detail = run(ledger.call_detail(Some("demo-token-0123456789"), "CA1")).unwrap();
        assert_eq!(detail.deliveries[0].state, DeliveryState::Delivered);
        assert_eq!(
            detail.deliveries[0].attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
            [Some(503), Some(200)]
        );
    }

    #[test]
    fn the_deployments_token_serves_sites_without_their_own() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let mut s = site();
        s.twilio_auth_token = Some(String::new()); // removes the site's own token
        run(ledger.configure(s.clone())).unwrap();
        let params = [("CallSid", "CAfallback"), ("From", "+15550009999"), ("To", TN)];
        let fallback = SignatureCheck { fallback_token: Some("accounttoken42"), enforce: true };
        assert!(
            run(ledger.twilio(&twilio_request(&params, Some("accounttoken42")), fallback, &NO_CRM)).is_ok()
        );
        assert_eq!(
            run(ledger.twilio(&twilio_request(&params, None), ENFORCE, &NO_CRM)).unwrap_err().http_status(),
            403
        );
        s.twilio_auth_token = Some("twiliotoken123".into());
        run(ledger.configure(s)).unwrap();
        let err = run(ledger.twilio(&twilio_request(&params, Some("accounttoken42")), fallback, &NO_CRM))
            .unwrap_err();
        assert_eq!(err.http_status(), 403, "the site's own token wins over the deployment's");
    }

    #[test]
    fn a_voicemail_after_hours_ends_missed_with_its_recording_and_tags() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_795_000_000_000); // 05:06 in Chicago
        let ledger = SiteLedger::new("demo", &store, &clock);
        let mut s = site();
        s.business_hours = Some(crate::BusinessHoursSetup {
            time_zone: "America/Chicago".into(),
            weekly: [("wed".to_string(), vec!["08:00-17:00".to_string()])].into_iter().collect(),
            closed_dates: Vec::new(),
        });
        run(ledger.configure(s)).unwrap();
        let voice = [("CallSid", "CAvm"), ("From", "+15550009999"), ("To", TN)];
        run(ledger.twilio(&twilio_request(&voice, Some("twiliotoken123")), ENFORCE, &NO_CRM)).unwrap();
        let off = SignatureCheck { fallback_token: None, enforce: false };
        let hook = |hook: Hook, params: &[(&str, &str)], voicemail: bool| TwilioRequest {
            hook,
            tracking_number: Some(TN.into()),
            voicemail,
            ..twilio_request(params, None)
        };
        clock.advance_secs(40);
        let rec = [
            ("CallSid", "CAvm"),
            ("RecordingUrl", "https://api.twilio.com/r/RE7"),
            ("RecordingDuration", "21"),
        ];
        assert!(run(ledger.twilio(&hook(Hook::Dial, &rec, false), off, &NO_CRM))
            .unwrap()
            .contains("<Hangup/>"));
        run(ledger.twilio(&hook(Hook::Recording, &rec, true), off, &NO_CRM)).unwrap();
        let text = [("CallSid", "CAvm"), ("TranscriptionText", "Please call back about a warranty repair")];
        run(ledger.twilio(&hook(Hook::Transcription, &text, false), off, &NO_CRM)).unwrap();
        let call = run(store.find_call("CAvm")).unwrap().unwrap();
        assert_eq!(
            (call.status, call.outcome),
            (Some(CallStatus::Completed), Some(crate::CallOutcome::Missed))
        );
        assert!(call.after_hours && call.forwarded_to.is_none());
        assert!(call.recordings.iter().any(|r| r.voicemail && r.duration_secs == Some(21)));
        assert_eq!(call.tags, ["warranty"]);
        let deliveries = run(store.deliveries_of("CAvm")).unwrap();
        assert!(deliveries.iter().any(|d| d.event == CALL_ENDED), "the CRM hears the end");
    }

    #[test]
    fn a_call_keeps_a_bounded_number_of_events() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        run(ledger.record_event(ev(EventKind::Started, 0))).unwrap();
        let mut last = Ok((run(store.find_call("CA1")).unwrap().unwrap(), true));
        for i in 0..MAX_EVENTS_PER_CALL {
            last = run(ledger.record_event(ev(EventKind::Transcription { text: format!("part {i}") }, 1)));
        }
        assert_eq!(last.unwrap_err().http_status(), 409);
        assert_eq!(run(store.find_call("CA1")).unwrap().unwrap().events.len(), MAX_EVENTS_PER_CALL);
    }

    #[test]
    fn a_calls_end_waits_for_its_start_to_be_delivered() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        run(ledger.record_event(ev(EventKind::Started, 0))).unwrap();
        let (due, _) = run(ledger.due_deliveries()).unwrap();
        run(ledger.delivery_attempted(due[0].clone(), Ok(500), 10_000)).unwrap();
        let end = EventKind::Ended { leg: Leg::Business, status: CallStatus::Busy, duration_secs: None };
        run(ledger.record_event(ev(end, 3))).unwrap();
        let (due, _) = run(ledger.due_deliveries()).unwrap();
        assert!(due.is_empty(), "call.ended held back while call.started is retried");
        clock.advance_secs(10);
        let (due, _) = run(ledger.due_deliveries()).unwrap();
        assert_eq!(due.iter().map(|d| d.event.as_str()).collect::<Vec<_>>(), [CALL_STARTED]);
        run(ledger.delivery_attempted(due[0].clone(), Ok(200), 10_000)).unwrap();
        clock.advance_secs(2);
        let (due, _) = run(ledger.due_deliveries()).unwrap();
        assert_eq!(due.iter().map(|d| d.event.as_str()).collect::<Vec<_>>(), [CALL_ENDED]);
    }
}
