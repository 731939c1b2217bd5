//! The calls API over the site's store: record a call, list, export and import calls, and
//! show one call with its deliveries.

use super::SiteLedger;
use crate::calls::CallEvent;
use crate::calls::CallQuery;
use crate::calls::CallRecord;
use crate::calls::EventKind;
use crate::calls::ImportResult;
use crate::calls::IncomingCall;
use crate::calls::MAX_EXPORT_ROWS;
use crate::error::{Error, Result};
use crate::store::SiteStore;
use crate::support::Clock;
use crate::support::Entropy;
use crate::wire::calls_csv;
use crate::wire::CallDetail;
use crate::wire::CallView;
use crate::wire::CallsPage;
use crate::wire::DeliveryView;

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// Records a call once per `call_sid`, credited to the session that held the number
    /// when it started. Returns the stored record and whether this request created it.
    pub async fn record_call(&self, call: IncomingCall) -> Result<(CallRecord, bool)> {
        let existed = self.store.find_call(&call.call_sid).await?.is_some();
        let event = CallEvent {
            call_sid: call.call_sid,
            provider: "api".into(),
            at: call.at,
            from: Some(call.from),
            to: call.to,
            kind: EventKind::Started,
        };
        let (record, _) = self.record_event(event).await?;
        Ok((record, !existed))
    }

    /// One page of the calls `query` selects, for a caller holding the site's API token.
    pub async fn query_calls(&self, token: Option<&str>, query: &CallQuery) -> Result<CallsPage> {
        let config = self.authorized_config(token).await?;
        let (calls, total) =
            self.store.query_calls(query, config.qualify_secs, query.offset(), query.per_page).await?;
        Ok(CallsPage {
            calls: calls.iter().map(|c| CallView::of(c, config.qualify_secs)).collect(),
            total,
            page: query.page,
            per_page: query.per_page,
        })
    }

    /// Calls brought over from another tool (already checked: [`crate::calls::ImportBody`]), for the
    /// site's token. A call id the site has is skipped; a caller's earlier call makes a repeat.
    pub async fn import_calls(&self, token: Option<&str>, calls: Vec<CallRecord>) -> Result<ImportResult> {
        self.authorized_config(token).await?;
        let mut result = ImportResult { imported: 0, skipped: 0 };
        for mut call in calls {
            if self.store.find_call(&call.call_sid).await?.is_some() {
                result.skipped += 1;
                continue;
            }
            if crate::calls::identifiable_caller(&call.from) {
                let first = self.first_call_of(&call.from).await?;
                call.repeat_of = first.filter(|f| f.started_at < call.started_at).map(|f| f.call_sid);
            }
            self.store.save_call(&call).await?;
            result.imported += 1;
        }
        Ok(result)
    }

    /// `POST …/calls/import`: the document read with the site's currency, then imported.
    pub async fn import_document(&self, token: Option<&str>, document: &[u8]) -> Result<ImportResult> {
        let config = self.authorized_config(token).await?;
        let calls =
            crate::calls::ImportBody::parse(document, self.site, self.clock.now(), config.money.currency)?;
        self.import_calls(token, calls).await
    }

    /// Every call `query` selects (up to [`MAX_EXPORT_ROWS`], from its first page on) as CSV.
    pub async fn export_calls(&self, token: Option<&str>, query: &CallQuery) -> Result<String> {
        let config = self.authorized_config(token).await?;
        let (calls, _) = self.store.query_calls(query, config.qualify_secs, 0, MAX_EXPORT_ROWS).await?;
        Ok(calls_csv(&calls.iter().map(|c| CallView::of(c, config.qualify_secs)).collect::<Vec<_>>()))
    }

    /// One call with its full attribution, timeline and CRM deliveries.
    pub async fn call_detail(&self, token: Option<&str>, call_sid: &str) -> Result<CallDetail> {
        let config = self.authorized_config(token).await?;
        let record = self
            .store
            .find_call(call_sid)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no call {call_sid:?} on this site")))?;
        let deliveries = self.store.deliveries_of(call_sid).await?;
        Ok(CallDetail {
            call: CallView::of(&record, config.qualify_secs),
            attribution: record.attribution.clone(),
            events: record.events.clone(),
            deliveries: deliveries.iter().map(DeliveryView::from).collect(),
        })
    }
}
