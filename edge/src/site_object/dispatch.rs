//! The object's side of each [`Command`]: runs it on the site's ledger and answers (JSON,
//! or the calls as CSV). Errors are answered as the API's JSON errors; a platform failure
//! is thrown, so the edge's call to the object fails as it would for any failure of the
//! platform (and a caller's voice webhook is still forwarded, see `routes::telephony`).

use super::command::{Command, Query, TwimlAnswer, SITE_HEADER};
use super::{Ledger, SiteObject};
use crate::clock::EdgeClock;
use crate::config;
use crate::error::{Dialect, EdgeError};
use crate::outbound::EdgeCrm;
use serde::Serialize;
use shared::wire::{CallView, LeaseCommand, LeaseGrant, Released, SiteSummary};
use shared::{Clock, SiteLedger};
use worker::{console_warn, Request, Response, Result};

impl SiteObject {
    pub(super) async fn dispatch(&self, mut req: Request) -> Result<Response> {
        let site = req.headers().get(SITE_HEADER)?.unwrap_or_default();
        let store = self.store(site.clone())?;
        let ledger = SiteLedger::new(&site, &store, &EdgeClock);
        let authorization = req.headers().get("authorization")?;
        let token = shared::bearer_token(authorization.as_deref());
        let answer = async { self.run(&ledger, &site, token, Command::read(&mut req).await?).await }.await;
        // Whatever the answer, the live events the request kept go to the connected sockets.
        self.broadcast(&store);
        // Once per start of the object, for a site: the alarm covers the next retention run
        // (a site whose calls never set it still prunes).
        if !self.memory.retention_armed.get() && store.with_state(|_| ()).ok().flatten().is_some() {
            self.memory.retention_armed.set(true);
            self.schedule_deliveries(&ledger).await;
        }
        match answer {
            Ok(resp) => Ok(resp),
            Err(EdgeError::Platform(e)) => Err(e),
            Err(e) => e.answer(Dialect::Json),
        }
    }

    async fn run(
        &self,
        ledger: &Ledger<'_>,
        site: &str,
        token: Option<&str>,
        command: Command,
    ) -> std::result::Result<Response, EdgeError> {
        match command {
            Command::Configure(setup) => json(&SiteSummary::from(&ledger.configure(setup).await?)),
            Command::Lease(cmd) => self.lease(ledger, site, cmd).await,
            Command::Renew(r) => {
                let (lease, config) =
                    ledger.renew_with_cookies(&r.lease_id, &r.visitor, &r.ad_cookies()).await?;
                json(&LeaseGrant::new(&lease, &config))
            }
            Command::Release(r) => {
                let lease = ledger.release(&r.lease_id, &r.visitor).await?;
                json(&Released { lease_id: lease.id.clone(), ended_at: lease.ends_at() })
            }
            // These may enqueue CRM deliveries: the alarm is set whatever the outcome.
            Command::Twilio(request) => {
                let fallback_token = config::twilio_auth_token(&self.env);
                let check = shared::twilio::SignatureCheck {
                    fallback_token: fallback_token.as_deref(),
                    enforce: config::twilio_signatures_enforced(&self.env),
                };
                let twiml = ledger.twilio(&request, check, &EdgeCrm).await;
                self.schedule_deliveries(ledger).await;
                json(&TwimlAnswer { twiml: twiml? })
            }
            Command::Events(events) => {
                let call = ledger.call_events(token, events).await;
                self.schedule_deliveries(ledger).await;
                json(&CallView::from(&call?))
            }
            Command::LookupDialed(lookup) => {
                let answer = ledger.lookup_dialed(token, &lookup, &EdgeCrm).await;
                self.schedule_deliveries(ledger).await;
                json(&answer?)
            }
            Command::Import(document) => json(&ledger.import_document(token, document.as_bytes()).await?),
            Command::CreateSite(setup) => json(&shared::SiteSettings::of(&ledger.create(setup).await?)),
            Command::RotateToken { api_token } => {
                ledger.rotate_token(&api_token).await?;
                json(&serde_json::json!({"rotated": true}))
            }
            Command::AddNumber(entry) => json(&ledger.add_number(entry.into()).await?),
            Command::RemoveNumber(number) => json(&ledger.remove_number(&number).await?),
            Command::Authorize => {
                ledger.authorize(token).await?;
                json(&serde_json::json!({"ok": true}))
            }
            Command::Bench { kv_put, key } => {
                if kv_put {
                    crate::kv_mirror::KvMirror::new(&self.env)?.put_bench(key.as_deref()).await?;
                }
                json(&serde_json::json!({"ok": true}))
            }
            Command::Settings => json(&ledger.settings(token).await?),
            Command::TestIdentification(body) => {
                json(&ledger.test_identification(token, body.customer_id.as_deref(), &EdgeCrm).await?)
            }
            Command::UpdateSettings(patch) => json(&ledger.update_settings(token, patch.as_bytes()).await?),
            Command::CallDetail(call_sid) => json(&ledger.call_detail(token, &call_sid).await?),
            Command::Pool { days } => json(&ledger.pool_report(token, days).await?),
            // Queries are parsed here with the object's clock (the edge only checked them).
            Command::Overview(query) => {
                let query = shared::overview::OverviewQuery::parse(&query, EdgeClock.now())?;
                json(&ledger.overview(token, &query).await?)
            }
            Command::Report(query) => {
                let q = shared::wire::ReportQuery::parse(&query, EdgeClock.now())?;
                let (rows, currency) = ledger.report(token, &q).await?;
                json(&shared::wire::ReportPage {
                    group_by: q.group_by.clone(),
                    from: q.from,
                    to: q.to,
                    rows,
                    currency,
                })
            }
            Command::Calls(query) => calls(ledger, token, &query).await,
            // Masking sessions set the alarm for their expiry.
            Command::CreateMaskingSession { body, idempotency_key } => {
                let created =
                    ledger.create_masking_session(token, body.as_bytes(), idempotency_key.as_deref()).await;
                self.schedule_deliveries(ledger).await;
                let (view, replayed) = created?;
                let mut resp = Response::from_json(&view)?.with_status(201);
                if replayed {
                    resp.headers_mut().set("idempotent-replayed", "true")?;
                }
                Ok(resp)
            }
            Command::MaskingSessions(query) => {
                let query = shared::wire::SessionQuery::parse(&query)?;
                json(&ledger.masking_sessions(token, &query).await?)
            }
            Command::MaskingSession(id) => json(&ledger.masking_session_detail(token, &id).await?),
            Command::PatchMaskingSession { id, patch } => {
                let changed = ledger.patch_masking_session(token, &id, &patch).await;
                self.schedule_deliveries(ledger).await;
                json(&changed?)
            }
            Command::CloseMaskingSession(id) => json(&ledger.close_masking_session(token, &id).await?),
            Command::LiveTicket => json(&ledger.live_ticket(token).await?),
            Command::LiveCalls => json(&ledger.live_calls(token).await?),
            Command::UploadSpend { body, csv, replace } => {
                json(&ledger.upload_spend(token, body.as_bytes(), csv, replace).await?)
            }
            Command::Spend(query) => json(&ledger.spend_list(token, &query).await?),
            Command::DeleteSpend(query) => json(&ledger.delete_spend(token, &query).await?),
            // A change may queue a CRM webhook and conversions: the alarm is set either way.
            Command::PatchCall { call_sid, patch } => {
                let changed = ledger.update_call(token, &call_sid, &patch).await;
                self.schedule_deliveries(ledger).await;
                json(&changed?)
            }
            Command::EraseVisitor(visitor) => json(&ledger.erase_visitor(token, &visitor).await?),
            Command::EraseCaller(number) => json(&ledger.erase_caller(token, &number).await?),
            Command::Audit(query) => json(&ledger.audit(token, &query).await?),
            Command::ExportPage { query, cursor } => json(&ledger.export_page(token, &query, cursor).await?),
            Command::ImportNdjson(text) => json(&ledger.import_ndjson(token, text.as_bytes()).await?),
            Command::GoogleAdsExport(query) => {
                let csv = ledger.google_ads_export(token, &query).await?;
                let mut resp = Response::ok(csv)?;
                resp.headers_mut().set("content-type", "text/csv; charset=utf-8")?;
                resp.headers_mut()
                    .set("content-disposition", "attachment; filename=\"google-ads-conversions.csv\"")?;
                Ok(resp)
            }
        }
    }

    /// A lease; one granted over a rate limit (or with every extension taken) says so in
    /// `x-ringtrace-limited` (`ip`, `visitor`, `site`, `exhausted`).
    async fn lease(
        &self,
        ledger: &Ledger<'_>,
        site: &str,
        cmd: LeaseCommand,
    ) -> std::result::Result<Response, EdgeError> {
        let ip = cmd.client_ip.clone();
        let (grant, over) = ledger.answer_lease(cmd, &self.limiter).await?;
        let Some(over) = over else {
            return json(&grant);
        };
        if over == shared::Over::Exhausted {
            console_warn!(
                "site {site}: every number and extension of the line is taken; the page keeps its own"
            );
        } else {
            console_warn!("site {site}: lease over the {over:?} rate limit ({ip:?})");
        }
        let mut resp = Response::from_json(&grant)?;
        resp.headers_mut().set("x-ringtrace-limited", &format!("{over:?}").to_lowercase())?;
        Ok(resp)
    }
}

/// One page of the calls a query selects, or all of them as CSV (`format=csv`).
async fn calls(
    ledger: &Ledger<'_>,
    token: Option<&str>,
    query: &Query,
) -> std::result::Result<Response, EdgeError> {
    let query = shared::CallQuery::parse(query, EdgeClock.now())?;
    if !query.csv {
        return json(&ledger.query_calls(token, &query).await?);
    }
    let csv = ledger.export_calls(token, &query).await?;
    let mut resp = Response::ok(csv)?;
    resp.headers_mut().set("content-type", "text/csv; charset=utf-8")?;
    resp.headers_mut().set("content-disposition", "attachment; filename=\"ringtrace-calls.csv\"")?;
    Ok(resp)
}

fn json<T: Serialize>(body: &T) -> std::result::Result<Response, EdgeError> {
    Ok(Response::from_json(body)?)
}
