//! What the dashboard reads: the overview, the pool report with its sizing, and the
//! attribution report.

use super::SiteLedger;
use crate::error::Result;
use crate::money::{Currency, SpendDimension};
use crate::reports::overview::Overview;
use crate::reports::overview::OverviewMoney;
use crate::reports::overview::OverviewQuery;
use crate::reports::report::ReportRow;
use crate::reports::report::{build_from_groups, spend_dimensions, ReportMoney};
use crate::store::SiteStore;
use crate::support::Clock;
use crate::support::Entropy;
use crate::wire::NumberState;
use crate::wire::PoolReport;
use crate::wire::ReportQuery;
use crate::wire::{ExtensionNumberState, LiveExtension};

/// Most live extensions the pool report lists per number.
const EXTENSION_LIST_LIMIT: usize = 100;

/// Most sessions the pool's sizing reads.
const REPORT_ROW_LIMIT: usize = 200_000;

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// The overview of `query`'s period against the period before, for the site's token.
    pub async fn overview(&self, token: Option<&str>, query: &OverviewQuery) -> Result<Overview> {
        let config = self.authorized_config(token).await?;
        let (q, default_value) = (config.qualify_secs, config.money.default_call_value);
        let period = self.store.call_summary(query.from, query.to, q, default_value).await?;
        let (from, to) = query.previous();
        let previous = self.store.call_summary(from, to, q, default_value).await?;
        let revenue = period.revenue;
        let mut overview = Overview::build(query, period, previous)?;
        // Spend and revenue: spend by the period's local dates, revenue of its calls.
        let (first, last) = Self::local_days(query.from, query.to, &query.tz);
        let spend = self.store.spend_groups(&[SpendDimension::Day], first, last)?;
        let (prev_first, prev_last) = Self::local_days(from, to, &query.tz);
        let previous_spend = self.store.spend_groups(&[], prev_first, prev_last)?;
        overview.money =
            Some(OverviewMoney::build(&overview, config.money.currency, &spend, &previous_spend, revenue));
        Ok(overview)
    }

    /// Each number's state and how well the pool fits the last `days` days of sessions.
    pub async fn pool_report(&self, token: Option<&str>, days: u32) -> Result<PoolReport> {
        let state = self.authorized(token).await?;
        let now = self.clock.now();
        let from = now.plus_secs(-i64::from(days) * 24 * 3600);
        let retention = state.config.retention_secs;
        let mut sessions = self.store.sessions_between(from, now.plus_secs(1), REPORT_ROW_LIMIT).await?;
        // The pool's sizing is about its numbers: extension sessions share theirs, and arrivals
        // without consent (no visitor) hold none of their own (their channel's lease does).
        sessions.retain(|l| l.extension.is_none() && !l.visitor.is_empty());
        let numbers = state
            .pool
            .numbers()
            .iter()
            .map(|n| {
                let holder = state.pool.holders_at(&n.number, now, retention);
                let (label, until) = match &holder {
                    Some(h) if !h.late => ("live", Some(h.holder.ends_at())),
                    Some(h) => ("cooling", Some(h.holder.ends_at().plus_secs(retention))),
                    None => ("idle", None),
                };
                NumberState {
                    number: n.number.e164().to_string(),
                    region: n.region.clone(),
                    state: label.into(),
                    until,
                    holder_source: holder.as_ref().map(|h| {
                        let s = &h.holder.source;
                        format!("{} / {} ({})", s.source, s.medium, s.channel.label())
                    }),
                    business_number: n.line.as_ref().map(|l| l.e164().to_string()),
                }
            })
            .collect();
        let size = u32::try_from(state.pool.numbers().len()).unwrap_or(u32::MAX);
        let rules = state.config.extension_rules();
        let mut extension_numbers = Vec::new();
        for e in &state.config.extensions.numbers {
            let live = self.store.extension_leases(&e.number, now, EXTENSION_LIST_LIMIT)?;
            let live_count = self.store.count_extensions_held(&e.number, now)?;
            let held = self.store.count_extensions_held(&e.number, now.plus_secs(-rules.retention_secs))?;
            extension_numbers.push(ExtensionNumberState {
                number: e.number.e164().to_string(),
                business_number: e.business_number.as_ref().map(|b| b.e164().to_string()),
                capacity: rules.capacity(),
                live: live_count,
                reserved: held.saturating_sub(live_count),
                live_extensions: live
                    .iter()
                    .map(|l| LiveExtension {
                        extension: l.extension.clone().unwrap_or_default(),
                        until: l.ends_at(),
                        holder_source: format!(
                            "{} / {} ({})",
                            l.source.source,
                            l.source.medium,
                            l.source.channel.label()
                        ),
                    })
                    .collect(),
            });
        }
        Ok(PoolReport {
            extension_numbers,
            numbers,
            exhaustion_events: state.pool.exhaustion_events(),
            days,
            sizing: crate::pool::analyse_sizing(&sessions, size, retention, from, now.plus_secs(1)),
        })
    }

    /// Calls and sessions in `[from, to)` grouped by `group_by`, with the spend of each group
    /// where the grouping has spend; and the site's currency.
    pub async fn report(
        &self,
        token: Option<&str>,
        query: &ReportQuery,
    ) -> Result<(Vec<ReportRow>, Currency)> {
        let (group_by, from, to) = (query.group_by.as_slice(), query.from, query.to);
        let config = self.authorized_config(token).await?;
        let default_value = config.money.default_call_value;
        let calls = self.store.call_groups(group_by, from, to, config.qualify_secs, default_value).await?;
        let sessions = self.store.session_groups(group_by, from, to).await?;
        let spend = match spend_dimensions(group_by) {
            Some(dims) => {
                let (first, last) = Self::local_days(from, to, &query.tz);
                Some(self.store.spend_groups(&dims, first, last)?)
            }
            None => None,
        };
        let money = ReportMoney { currency: config.money.currency, spend };
        Ok((build_from_groups(group_by, calls, sessions, &money), config.money.currency))
    }
}
