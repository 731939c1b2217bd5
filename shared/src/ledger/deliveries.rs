//! CRM deliveries: queued with the call events they report, sent from the site's alarm,
//! retried with backoff, and logged per call.

use super::SiteLedger;
use crate::calls::CallRecord;
use crate::error::{Error, Result};
use crate::store::SiteStore;
use crate::support::Clock;
use crate::support::Entropy;
use crate::support::Timestamp;
use crate::webhooks::CALL_ENDED;
use crate::webhooks::CALL_STARTED;
use crate::webhooks::{Delivery, DeliveryTarget};
use crate::webhooks::{MASKED_CALL_ENDED, MASKED_CALL_STARTED};
use crate::wire::CallView;
use crate::wire::CrmPayload;

/// What sending a site's deliveries takes: the CRM's signing secret, GA4's API secret and
/// Meta's access token, as set now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliverySecrets {
    pub crm: Option<String>,
    pub ga4: Option<String>,
    pub meta: Option<String>,
}

impl DeliverySecrets {
    /// The secret a delivery to `target` is sent with.
    pub fn of(&self, target: DeliveryTarget) -> Option<&str> {
        match target {
            DeliveryTarget::Crm => self.crm.as_deref(),
            DeliveryTarget::Ga4 => self.ga4.as_deref(),
            DeliveryTarget::Meta => self.meta.as_deref(),
        }
    }
}

/// Most CRM deliveries one alarm run attempts (each may wait 10 s for its receiver).
pub const DELIVERY_BATCH: usize = 20;

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    pub(super) async fn enqueue(
        &self,
        record: &CallRecord,
        event: &str,
        url: &str,
        now: Timestamp,
    ) -> Result<()> {
        let payload = CrmPayload {
            event: event.to_string(),
            site: self.site.to_string(),
            occurred_at: now,
            call: CallView::from(record),
        };
        let body = serde_json::to_string(&payload).map_err(|e| Error::Storage(e.to_string()))?;
        self.store.enqueue_delivery(&Delivery::new(&record.call_sid, event, url, body, now)).await?;
        Ok(())
    }

    /// Deliveries due now, with the secrets to send them (a target's `None`: the site no
    /// longer has it set up, its deliveries are then given up).
    pub async fn due_deliveries(&self) -> Result<(Vec<Delivery>, DeliverySecrets)> {
        let config = self.config().await?;
        let mut due = Vec::new();
        for mut delivery in self.store.due_deliveries(self.clock.now(), DELIVERY_BATCH).await? {
            // A call's end is not sent while its start is still being retried.
            if delivery.event == CALL_ENDED || delivery.event == MASKED_CALL_ENDED {
                let started = self.store.deliveries_of(&delivery.call_sid).await?;
                let pending = started.iter().find(|d| {
                    (d.event == CALL_STARTED || d.event == MASKED_CALL_STARTED) && d.next_at.is_some()
                });
                if let Some(next) = pending.and_then(|d| d.next_at) {
                    delivery.next_at = Some(next.plus_secs(1));
                    self.store.save_delivery(&delivery).await?;
                    continue;
                }
            }
            due.push(delivery);
        }
        let secrets = DeliverySecrets {
            crm: config.crm_webhook.as_ref().map(|w| w.secret.clone()),
            ga4: config.money.ga4.as_ref().map(|g| g.api_secret.clone()),
            meta: config.money.meta.as_ref().map(|m| m.access_token.clone()),
        };
        Ok((due, secrets))
    }

    /// Gives a delivery up (the site removed its CRM webhook) and returns when the next
    /// pending delivery is due.
    pub async fn delivery_abandoned(
        &self,
        mut delivery: Delivery,
        reason: &str,
    ) -> Result<Option<Timestamp>> {
        delivery.give_up(self.clock.now(), reason);
        self.store.save_delivery(&delivery).await?;
        self.store.next_delivery_at().await
    }

    /// Logs a delivery attempt and returns when the next pending delivery is due.
    pub async fn delivery_attempted(
        &self,
        mut delivery: Delivery,
        outcome: std::result::Result<u16, String>,
        retry_base_ms: i64,
    ) -> Result<Option<Timestamp>> {
        delivery.record_attempt(self.clock.now(), outcome, retry_base_ms);
        self.store.save_delivery(&delivery).await?;
        self.store.next_delivery_at().await
    }

    /// Logs an attempt to an ad platform (its status and the start of its answer, see
    /// `Delivery::record_platform_attempt`) and returns when the next delivery is due.
    pub async fn platform_attempted(
        &self,
        mut delivery: Delivery,
        outcome: std::result::Result<(u16, String), String>,
        retry_base_ms: i64,
    ) -> Result<Option<Timestamp>> {
        delivery.record_platform_attempt(self.clock.now(), outcome, retry_base_ms);
        self.store.save_delivery(&delivery).await?;
        self.store.next_delivery_at().await
    }

    pub async fn next_delivery_at(&self) -> Result<Option<Timestamp>> {
        self.store.next_delivery_at().await
    }

    /// When the site's alarm must next run: the next CRM delivery due, the next call
    /// waiting at a prompt that must have answered by then (see `end_abandoned_calls`), or
    /// the next masking session to run out (see `expire_masking_sessions`).
    pub async fn next_alarm_at(&self) -> Result<Option<Timestamp>> {
        let delivery = self.store.next_delivery_at().await?;
        let held = self.store.next_held_at().await?;
        let expiry = self.store.next_masking_expiry()?;
        Ok(delivery.into_iter().chain(held).chain(expiry).min())
    }
}
