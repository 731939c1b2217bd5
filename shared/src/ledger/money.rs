//! The site ledger's money: spend uploads, lists and deletes; a call's value, conversion, note
//! and tags; the conversions its calls send to GA4 and Meta; the Google Ads conversions file.

use super::SiteLedger;
use crate::calls::{CallEvent, CallPatch, CallQuery, CallRecord, EventKind};
use crate::conversions::{conversion_deliveries, google_ads_csv, ConversionMoment, GoogleAdsQuery};
use crate::error::{Error, Result};
use crate::money::{day_number, parse_spend_upload, SpendChange, SpendList, SpendQuery};
use crate::site::SiteConfig;
use crate::store::SiteStore;
use crate::support::{Clock, Entropy, Timestamp};
use crate::webhooks::{Delivery, DeliveryState, CALL_UPDATED_EVENT};
use crate::wire::{CallView, CrmPayload};

/// Calls read per query by the Google Ads export.
const EXPORT_PAGE: u32 = 5_000;

/// Most changes a call keeps in its timeline (apart from the telephony events' own limit).
pub const MAX_UPDATES_PER_CALL: usize = 100;

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// Today's day number (days since 1970-01-01, UTC).
    fn today(&self) -> i64 {
        self.clock.now().millis().div_euclid(86_400_000)
    }

    /// `POST …/spend`: every row checked in the site's currency, then every day written, or
    /// nothing (the first error names its row and column). `replace`: the upload stands for
    /// all the spend of its sources over its dates (an ad platform's corrected export): their
    /// other days and campaigns in that range go.
    pub async fn upload_spend(
        &self,
        token: Option<&str>,
        body: &[u8],
        csv: bool,
        replace: bool,
    ) -> Result<SpendChange> {
        let config = self.authorized_config(token).await?;
        let currency = config.money.currency;
        let days = parse_spend_upload(body, csv, currency, self.today())?;
        if replace {
            let mut sources: Vec<String> = days.iter().map(|d| d.source.clone()).collect();
            sources.sort();
            sources.dedup();
            if let (Some(first), Some(last)) =
                (days.iter().map(|d| d.day).min(), days.iter().map(|d| d.day).max())
            {
                self.store.delete_spend_of(first, last + 1, &sources)?;
            }
        }
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
        let updates = call.events.iter().filter(|e| matches!(e.kind, EventKind::Updated { .. })).count();
        if updates >= MAX_UPDATES_PER_CALL {
            return Err(Error::Conflict(format!(
                "call {call_sid} was changed {MAX_UPDATES_PER_CALL} times already; no more changes are kept"
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
            let payload = CrmPayload {
                event: CALL_UPDATED_EVENT.into(),
                site: self.site.into(),
                occurred_at: now,
                call: CallView::of(&call, q),
            };
            let body = serde_json::to_string(&payload).map_err(|e| Error::Storage(e.to_string()))?;
            let delivery = Delivery {
                id: format!("{}/{CALL_UPDATED_EVENT}/{}", call.call_sid, updates + 1),
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
    /// conversion; a value set again replaces one still queued, and is not sent twice (GA4
    /// would add both values up; Meta drops a second purchase of the same call).
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
                Some(pending)
                    if moment == ConversionMoment::Valued && pending.state == DeliveryState::Pending =>
                {
                    let mut again = pending.clone();
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
            ("order".to_string(), "asc".to_string()),
        ];
        let calls_query = CallQuery::parse(&range, self.clock.now())?;
        // Oldest first, a page at a time, keeping only calls with a Google click: every call of
        // the range is read (a busy site's 90 days are more than one export of the calls list),
        // and only the few the file is made of are held.
        let mut clicked = Vec::new();
        let mut offset = 0u64;
        loop {
            let (page, total) =
                self.store.query_calls(&calls_query, config.qualify_secs, offset, EXPORT_PAGE).await?;
            let read = u64::try_from(page.len()).unwrap_or(0);
            clicked.extend(
                page.into_iter()
                    .filter(|c| c.attribution.as_ref().is_some_and(|a| a.source.ad_ids.has_google_click())),
            );
            offset += read;
            if read < u64::from(EXPORT_PAGE) || offset >= total {
                break;
            }
        }
        Ok(google_ads_csv(&clicked, &config, &query))
    }

    /// The spend days of a period `[from, to)` in `zone` (the marketer's: the overview's and
    /// the report's): the dates it covers there.
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
