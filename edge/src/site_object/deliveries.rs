//! The object's alarm: it ends calls whose caller hung up at a prompt (see
//! `SiteLedger::end_abandoned_calls`), POSTs the due CRM webhooks (signed, each within its
//! timeout) and conversions to GA4 and Meta (their secrets added as they are sent) and sets itself again for the next one; requests that may enqueue a delivery or
//! leave a caller at a prompt set it too, so neither ever delays the answer to the telephony
//! provider.

use super::{Ledger, SiteObject};
use crate::clock::{now, EdgeClock};
use crate::config;
use crate::outbound::{self, Failure};
use shared::{Delivery, DeliveryTarget};
use shared::{LeaseStore, SiteLedger};
use worker::{console_error, console_log, console_warn, Response, Result};

impl SiteObject {
    /// The alarm: delivers due CRM webhooks, then sets the alarm for the next one.
    pub(super) async fn deliver_due(&self) -> Result<Response> {
        let store = self.store(String::new())?;
        let Some(state) = store.load().await.map_err(|e| worker::Error::RustError(e.to_string()))? else {
            return Response::ok("no site");
        };
        let site = state.config.id.clone();
        let store = store.for_site(site.clone());
        let ledger = SiteLedger::new(&site, &store, &EdgeClock);
        let retry_base = config::webhook_retry_base_ms(&self.env);
        match ledger.expire_masking_sessions().await {
            Ok(0) => {}
            Ok(n) => console_warn!("site {site}: {n} masking sessions expired"),
            Err(e) => console_error!("site {site}: expiring masking sessions failed: {e}"),
        }
        // What is past the site's retention, a batch of each kind (again soon if more is left).
        match ledger.prune_retention().await {
            Ok(pruned) if pruned.is_empty() => {}
            Ok(p) => console_log!(
                "site {site}: retention removed {} calls, {} sessions, {} visitors' touches and the recordings of {} calls{}",
                p.calls,
                p.sessions,
                p.touches,
                p.recordings,
                if p.more { " (more to remove)" } else { "" }
            ),
            Err(e) => console_error!("site {site}: retention failed: {e}"),
        }
        // First the calls whose caller hung up at a prompt: their webhooks go out below.
        match ledger.end_abandoned_calls().await {
            Ok(0) => {}
            Ok(n) => console_warn!("site {site}: {n} callers hung up at a prompt before the dial"),
            Err(e) => console_error!("site {site}: ending calls left at a prompt failed: {e}"),
        }
        // Their ends go to the live stream now, not after the CRM deliveries below.
        self.broadcast(&store);
        // Batches until nothing is due (a receiver that answers quickly clears a backlog now).
        // At most two batches: each delivery may wait 10 s, and an alarm run must stay short.
        for _ in 0..2 {
            let (due, secrets) =
                ledger.due_deliveries().await.map_err(|e| worker::Error::RustError(e.to_string()))?;
            if due.is_empty() {
                break;
            }
            for delivery in due {
                let Some(secret) = secrets.of(delivery.target) else {
                    let why = match delivery.target {
                        DeliveryTarget::Crm => "the site no longer has a CRM webhook",
                        DeliveryTarget::Ga4 => "the site no longer sends conversions to GA4",
                        DeliveryTarget::Meta => "the site no longer sends conversions to Meta",
                    };
                    if let Err(e) = ledger.delivery_abandoned(delivery, why).await {
                        console_error!("site {site}: logging a delivery failed: {e}");
                    }
                    continue;
                };
                let id = delivery.id.clone();
                let logged = match delivery.target {
                    DeliveryTarget::Crm => {
                        let outcome = deliver(&delivery, secret).await;
                        if let Err(e) = &outcome {
                            console_warn!("site {site}: delivery {id} failed: {e}");
                        }
                        ledger.delivery_attempted(delivery, outcome, retry_base).await
                    }
                    target => {
                        let outcome = self.send_conversion(&delivery, target, secret).await;
                        match &outcome {
                            Err(e) => console_warn!("site {site}: delivery {id} failed: {e}"),
                            Ok((status, _)) if *status >= 300 => {
                                console_warn!("site {site}: delivery {id} answered {status}")
                            }
                            Ok(_) => {}
                        }
                        ledger.platform_attempted(delivery, outcome, retry_base).await
                    }
                };
                if let Err(e) = logged {
                    console_error!("site {site}: logging delivery {id} failed: {e}");
                }
            }
        }
        self.schedule_deliveries(&ledger).await;
        self.broadcast(&store);
        Response::ok("delivered")
    }

    /// Sets the object's alarm for the next due CRM delivery or call left at a prompt
    /// (deliveries never delay the answer to the telephony provider: they run in the alarm).
    pub(super) async fn schedule_deliveries(&self, ledger: &Ledger<'_>) {
        let retention = ledger.next_retention_at(config::retention_every_ms(&self.env));
        let next =
            ledger.next_alarm_at().await.and_then(|at| Ok(at.into_iter().chain(Some(retention?)).min()));
        match next {
            // Already set for then (most calls queue nothing new): nothing to write.
            Ok(Some(at)) if self.alarm_at.get() == Some(at.millis()) && at > now() => {}
            Ok(Some(at)) => {
                let delay = (at.millis() - now().millis()).max(0);
                match self.state.storage().set_alarm(delay).await {
                    Ok(()) => self.alarm_at.set(Some(at.millis())),
                    Err(e) => console_error!("setting the delivery alarm failed: {e}"),
                }
            }
            Ok(None) => {}
            Err(e) => console_error!("reading due deliveries failed: {e}"),
        }
    }
}

impl SiteObject {
    /// POSTs a conversion to GA4 or Meta, its secret added to the URL as each platform takes
    /// it (GA4's `api_secret`, Meta's `access_token`), to the deployment's origin for it.
    async fn send_conversion(
        &self,
        delivery: &Delivery,
        target: DeliveryTarget,
        secret: &str,
    ) -> std::result::Result<(u16, String), String> {
        let (default_origin, origin, key) = match target {
            DeliveryTarget::Ga4 => (shared::GA4_ORIGIN, config::ga4_origin(&self.env), "api_secret"),
            _ => (shared::META_ORIGIN, config::meta_origin(&self.env), "access_token"),
        };
        let path = delivery.url.strip_prefix(default_origin).unwrap_or(&delivery.url);
        let joiner = if path.contains('?') { '&' } else { '?' };
        // Secrets are letters, digits, `-`, `_` and `.` (checked when set): safe in a URL as they are.
        let url = format!("{}{path}{joiner}{key}={secret}", origin.trim_end_matches('/'));
        let headers = [
            ("content-type".to_string(), "application/json".to_string()),
            ("user-agent".to_string(), "ringtrace-conversions/1".to_string()),
        ];
        // The URL carries the secret: no text that leaves here (a failure's, the platform's
        // answer) keeps it, however the runtime or the platform quoted the URL.
        let scrub = |text: String| text.replace(&url, &delivery.url).replace(secret, "[secret]");
        match outbound::post(&url, &headers, &delivery.body, shared::DELIVERY_TIMEOUT_MS, true).await {
            Ok((status, answer)) => Ok((status, scrub(answer))),
            Err(Failure::TimedOut) => {
                Err(format!("no answer within {} s", shared::DELIVERY_TIMEOUT_MS / 1000))
            }
            Err(Failure::Unreachable(why)) => Err(scrub(why)),
        }
    }
}

/// POSTs one CRM webhook, signed; the receiver's status code, or why there was none.
async fn deliver(delivery: &Delivery, secret: &str) -> std::result::Result<u16, String> {
    let sent_at = now().millis() / 1000;
    let headers = [
        ("content-type", "application/json".to_string()),
        ("user-agent", "ringtrace-webhooks/1".to_string()),
        ("x-ringtrace-event", delivery.event.clone()),
        ("x-ringtrace-delivery", delivery.id.clone()),
        (
            "x-ringtrace-signature",
            shared::webhook_signature_header(secret, sent_at, delivery.body.as_bytes()),
        ),
    ]
    .map(|(k, v)| (k.to_string(), v));
    match outbound::post(&delivery.url, &headers, &delivery.body, shared::DELIVERY_TIMEOUT_MS, false).await {
        Ok((status, _)) => Ok(status),
        Err(Failure::TimedOut) => Err(format!("no answer within {} s", shared::DELIVERY_TIMEOUT_MS / 1000)),
        Err(Failure::Unreachable(why)) => Err(why),
    }
}
