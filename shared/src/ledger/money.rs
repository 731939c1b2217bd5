//! The site ledger's money: spend uploads, lists and deletes; a call's value, conversion, note
//! and tags; the conversions its calls send to GA4 and Meta; the Google Ads conversions file.

use super::SiteLedger;
use crate::calls::{CallEvent, CallPatch, CallQuery, CallRecord, EventKind, MAX_EXPORT_ROWS};
use crate::conversions::{conversion_deliveries, google_ads_csv, ConversionMoment, GoogleAdsQuery};
use crate::error::{Error, Result};
use crate::money::{day_number, parse_spend_upload, SpendChange, SpendList, SpendQuery};
use crate::site::SiteConfig;
use crate::store::SiteStore;
use crate::support::{Clock, Entropy, Timestamp};
use crate::webhooks::{Delivery, CALL_UPDATED_EVENT};
use crate::wire::{CallView, CrmPayload};

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// Today's day number (days since 1970-01-01, UTC).
    fn today(&self) -> i64 {
        self.clock.now().millis().div_euclid(86_400_000)
    }

    /// `POST …/spend`: every row checked in the site's currency, then every day written, or
    /// nothing (the first error names its row and column).
    pub async fn upload_spend(&self, token: Option<&str>, body: &[u8], csv: bool) -> Result<SpendChange> {
        let config = self.authorized_config(token).await?;
        let currency = config.money.currency;
        let days = parse_spend_upload(body, csv, currency, self.today())?;
        self.store.upsert_spend(&days)?;
        let total: i64 = days.iter().map(|d| d.amount).sum();
        let first = days.iter().map(|d| d.day).min();
        let last = days.iter().map(|d| d.day).max();
        Ok(SpendChange {
            days: u64::try_from(days.len()).unwrap_or(u64::MAX),
            total: Some(currency.format(total)),
            from: first.map(|d| crate::money::date_of_day(d).to_string()),
            to: last.map(|d| crate::money::date_of_day(d).to_string()),
        })
    }

    /// `GET …/spend`: spend of the range grouped.
    pub async fn spend_list(&self, token: Option<&str>, pairs: &[(String, String)]) -> Result<SpendList> {
        let config = self.authorized_config(token).await?;
        let query = SpendQuery::parse(pairs, self.today(), false)?;
        let groups = self.store.spend_groups(&query.group_by, query.from, query.to)?;
        Ok(SpendList::build(&query, config.money.currency, groups))
    }

    /// `DELETE …/spend?from&to`: removes the range's spend.
    pub async fn delete_spend(&self, token: Option<&str>, pairs: &[(String, String)]) -> Result<SpendChange> {
        self.authorized_config(token).await?;
        let query = SpendQuery::parse(pairs, self.today(), true)?;
        let days = self.store.delete_spend(query.from, query.to)?;
        Ok(SpendChange {
            days,
            total: None,
            from: Some(crate::money::date_of_day(query.from).to_string()),
            to: Some(crate::money::date_of_day(query.to - 1).to_string()),
        })
    }

    /// `PATCH …/calls/{id}`: sets what the patch names, as an event of the call's timeline;
    /// the CRM hears `call.updated`, the live stream an update, and the ad platforms a value
    /// (or a conversion) when one is new.
    pub async fn update_call(
        &self,
        token: Option<&str>,
        call_sid: &str,
        patch: &CallPatch,
    ) -> Result<CallView> {
        let config = self.authorized_config(token).await?;
        let mut call = self
            .store
            .find_call(call_sid)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no call {call_sid:?} on this site")))?;
        let q = config.qualify_secs;
        let before = super::live::LiveBefore::of(Some(&call));
        let (converted_before, value_before) = (call.converts(q), call.value);
        let changes = patch.apply(&mut call, config.money.currency, &config.keywords)?;
        if changes.is_empty() {
            return Ok(CallView::of(&call, q));
        }
        if call.events.len() >= super::MAX_EVENTS_PER_CALL {
            return Err(Error::Conflict(format!(
                "call {call_sid} already has {} events; no more changes are kept",
                super::MAX_EVENTS_PER_CALL
            )));
        }
        let now = self.clock.now();
        call.events.push(CallEvent {
            call_sid: call.call_sid.clone(),
            provider: "api".into(),
            at: now,
            from: None,
            to: call.to.clone(),
            kind: EventKind::Updated { changes },
        });
        self.store.save_call(&call).await?;
        if let Some(hook) = &config.crm_webhook {
            let updates = call.events.iter().filter(|e| matches!(e.kind, EventKind::Updated { .. })).count();
            let payload = CrmPayload {
                event: CALL_UPDATED_EVENT.into(),
                site: self.site.into(),
                occurred_at: now,
                call: CallView::of(&call, q),
            };
            let body = serde_json::to_string(&payload).map_err(|e| Error::Storage(e.to_string()))?;
            let delivery = Delivery {
                id: format!("{}/{CALL_UPDATED_EVENT}/{updates}", call.call_sid),
                ..Delivery::new(&call.call_sid, CALL_UPDATED_EVENT, &hook.url, body, now)
            };
            self.store.enqueue_delivery(&delivery).await?;
        }
        if !converted_before && call.converts(q) {
            self.send_conversions(&config, &call, ConversionMoment::Converted, now).await?;
        } else if call.value.is_some() && call.value != value_before && call.converts(q) {
            self.send_conversions(&config, &call, ConversionMoment::Valued, now).await?;
        }
        let _ = self.publish_live(&config, before.as_ref(), &call).await;
        Ok(CallView::of(&call, q))
    }

    /// Queues the call's conversion for the site's ad platforms: once per call for a
    /// conversion; a value sent again replaces the one queued (or sent) before.
    pub(super) async fn send_conversions(
        &self,
        config: &SiteConfig,
        call: &CallRecord,
        moment: ConversionMoment,
        now: Timestamp,
    ) -> Result<()> {
        let queued = conversion_deliveries(call, config, moment, now);
        if queued.is_empty() {
            return Ok(());
        }
        let existing = self.store.deliveries_of(&call.call_sid).await?;
        for delivery in queued {
            match existing.iter().find(|d| d.id == delivery.id) {
                Some(sent) if moment == ConversionMoment::Valued => {
                    let mut again = sent.clone();
                    again.resend(delivery.body, now);
                    self.store.save_delivery(&again).await?;
                }
                Some(_) => {}
                None => {
                    self.store.enqueue_delivery(&delivery).await?;
                }
            }
        }
        Ok(())
    }

    /// `GET …/exports/google-ads.csv`: converting calls with a Google click id.
    pub async fn google_ads_export(&self, token: Option<&str>, pairs: &[(String, String)]) -> Result<String> {
        let config = self.authorized_config(token).await?;
        let query = GoogleAdsQuery::parse(pairs, self.clock.now(), &config.money.time_zone)?;
        let range = [
            ("from".to_string(), query.from.to_rfc3339()),
            ("to".to_string(), query.to.to_rfc3339()),
            ("kind".to_string(), "tracked".to_string()),
        ];
        let calls_query = CallQuery::parse(&range, self.clock.now())?;
        let (calls, _) =
            self.store.query_calls(&calls_query, config.qualify_secs, 0, MAX_EXPORT_ROWS).await?;
        Ok(google_ads_csv(&calls, &config, &query))
    }

    /// The spend days of a local period `[from, to)` in `zone` (the overview's).
    pub(super) fn local_days(from: Timestamp, to: Timestamp, zone: &str) -> (i64, i64) {
        let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let day = |ms: i64| {
            jiff::Timestamp::from_millisecond(ms)
                .map(|t| day_number(t.to_zoned(tz.clone()).date()))
                .unwrap_or(0)
        };
        (day(from.millis()), day(to.millis() - 1) + 1)
    }
}

#[cfg(test)]
mod tests;
