//! Export and NDJSON import of a site's data (`wire::export`): the site's object answers an
//! export a page at a time, so the edge can stream it without either holding all of it.

use super::SiteLedger;
use crate::error::{Error, Result};
use crate::store::SiteStore;
use crate::support::{check_call_id, parse_json, Clock, Entropy, Timestamp};
use crate::wire::{
    ExportCursor, ExportLine, ExportPage, ExportPart, ExportQuery, NdjsonImported, EXPORT_PAGE,
    EXPORT_VERSION, MAX_NDJSON_IMPORT,
};
use serde_json::{json, Value};

const DAY_MS: i64 = 86_400_000;

fn push(out: &mut String, line: &ExportLine) -> Result<()> {
    out.push_str(&serde_json::to_string(line).map_err(|e| Error::Storage(e.to_string()))?);
    out.push('\n');
    Ok(())
}

/// A cursor's `[ms, id]` key.
fn time_key(after: &Option<Vec<Value>>) -> Result<Option<(Timestamp, String)>> {
    let Some(key) = after else { return Ok(None) };
    match key.as_slice() {
        [Value::Number(ms), Value::String(id)] => Ok(ms.as_i64().map(|ms| (Timestamp(ms), id.clone()))),
        _ => Err(Error::invalid("export cursor: a time and an id")),
    }
}

/// A cursor's `[day, source, medium, campaign]` key.
fn spend_key(after: &Option<Vec<Value>>) -> Result<Option<(i64, String, String, String)>> {
    let Some(key) = after else { return Ok(None) };
    match key.as_slice() {
        [Value::Number(day), Value::String(s), Value::String(m), Value::String(c)] => {
            Ok(day.as_i64().map(|d| (d, s.clone(), m.clone(), c.clone())))
        }
        _ => Err(Error::invalid("export cursor: a day, source, medium and campaign")),
    }
}

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// `GET …/export`: the page at `cursor` (`None`: the first, which starts with the header
    /// line). Each page is one part's next rows; a part read to its end hands on to the next.
    pub async fn export_page(
        &self,
        token: Option<&str>,
        pairs: &[(String, String)],
        cursor: Option<ExportCursor>,
    ) -> Result<ExportPage> {
        let config = self.authorized_config(token).await?;
        let query = ExportQuery::parse(pairs)?;
        let mut ndjson = String::new();
        let cursor = match cursor {
            Some(c) => c,
            None => {
                let header = ExportLine::Export {
                    version: EXPORT_VERSION,
                    site: self.site.to_string(),
                    from: query.from,
                    to: query.to,
                    currency: config.money.currency.code().to_string(),
                };
                push(&mut ndjson, &header)?;
                ExportCursor { part: ExportPart::Calls, after: None }
            }
        };
        let next_part = |part| Some(ExportCursor { part, after: None });
        let next = match cursor.part {
            ExportPart::Calls => {
                let calls =
                    self.store.export_calls(query.from, query.to, time_key(&cursor.after)?, EXPORT_PAGE)?;
                let full = calls.len() == EXPORT_PAGE;
                let last = calls.last().map(|c| vec![json!(c.started_at.millis()), json!(c.call_sid)]);
                for call in calls {
                    push(&mut ndjson, &ExportLine::Call { call: Box::new(call) })?;
                }
                if full {
                    Some(ExportCursor { part: ExportPart::Calls, after: last })
                } else {
                    next_part(ExportPart::Sessions)
                }
            }
            ExportPart::Sessions => {
                let sessions = self.store.export_sessions(
                    query.from,
                    query.to,
                    time_key(&cursor.after)?,
                    EXPORT_PAGE,
                )?;
                let full = sessions.len() == EXPORT_PAGE;
                let last = sessions.last().map(|(key, s)| vec![json!(s.started_at.millis()), json!(key)]);
                for (_, session) in sessions {
                    push(&mut ndjson, &ExportLine::Session { session: Box::new(session) })?;
                }
                if full {
                    Some(ExportCursor { part: ExportPart::Sessions, after: last })
                } else {
                    next_part(ExportPart::Spend)
                }
            }
            ExportPart::Spend => {
                // The days the range touches (spend is kept per day).
                let first_day = query.from.millis().div_euclid(DAY_MS);
                let end_day = (query.to.millis() - 1).div_euclid(DAY_MS) + 1;
                let days =
                    self.store.export_spend(first_day, end_day, spend_key(&cursor.after)?, EXPORT_PAGE)?;
                let full = days.len() == EXPORT_PAGE;
                let last = days
                    .last()
                    .map(|d| vec![json!(d.day), json!(d.source), json!(d.medium), json!(d.campaign)]);
                for spend in days {
                    push(&mut ndjson, &ExportLine::Spend { spend })?;
                }
                full.then_some(ExportCursor { part: ExportPart::Spend, after: last })
            }
        };
        Ok(ExportPage { ndjson, next })
    }

    /// `POST …/import` with NDJSON lines of an export (of this site or another): calls the
    /// site does not have are added (credited as they were), sessions and spend days are
    /// stored. Every line is checked first: a bad one refuses the request, nothing imported.
    pub async fn import_ndjson(&self, token: Option<&str>, body: &[u8]) -> Result<NdjsonImported> {
        let config = self.authorized_config(token).await?;
        if body.len() > MAX_NDJSON_IMPORT {
            return Err(Error::PayloadTooLarge(MAX_NDJSON_IMPORT));
        }
        let text = std::str::from_utf8(body).map_err(|_| Error::invalid("the body is not UTF-8 text"))?;
        let mut lines = Vec::new();
        for (i, raw) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let at = format!("line {}", i + 1);
            let line: ExportLine = parse_json(raw.as_bytes(), "export line")
                .map_err(|e| Error::invalid(format!("{at}: {e}")).at(at.clone()))?;
            match &line {
                ExportLine::Export { version, .. } if *version != EXPORT_VERSION => {
                    return Err(Error::invalid(format!(
                        "{at}: export version {version}; this edge reads {EXPORT_VERSION}"
                    ))
                    .at(at));
                }
                ExportLine::Call { call } => {
                    check_call_id(&call.call_sid)
                        .map_err(|e| Error::invalid(format!("{at}: {e}")).at(at.clone()))?;
                }
                ExportLine::Spend { spend } if spend.amount < 0 => {
                    return Err(Error::invalid(format!("{at}: a negative spend")).at(at));
                }
                _ => {}
            }
            lines.push(line);
        }
        // Spend amounts are minor units of the export's currency (a part without the header
        // line is taken to be in the site's).
        let site_currency = config.money.currency.code();
        let header_currency = lines.iter().find_map(|l| match l {
            ExportLine::Export { currency, .. } => Some(currency.as_str()),
            _ => None,
        });
        let has_spend = lines.iter().any(|l| matches!(l, ExportLine::Spend { .. }));
        if let Some(currency) =
            header_currency.filter(|c| has_spend && !c.eq_ignore_ascii_case(site_currency))
        {
            return Err(Error::invalid(format!(
                "the export's spend is in {currency}, this site's currency is {site_currency}"
            ))
            .at("currency"));
        }
        let mut done = NdjsonImported::default();
        let mut spend = Vec::new();
        for line in lines {
            match line {
                ExportLine::Export { .. } => {}
                ExportLine::Call { mut call } => {
                    if self.store.find_call(&call.call_sid).await?.is_some() {
                        done.skipped += 1;
                        continue;
                    }
                    call.site = self.site.to_string();
                    self.store.save_call(&call).await?;
                    done.calls += 1;
                }
                ExportLine::Session { session } => {
                    self.store.record_session(&session).await?;
                    done.sessions += 1;
                }
                ExportLine::Spend { spend: day } => spend.push(day),
            }
        }
        done.spend_days = u64::try_from(spend.len()).unwrap_or(u64::MAX);
        self.store.upsert_spend(&spend)?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::testing::{run, setup, visit};
    use crate::money::SpendDay;
    use crate::pool::Region;
    use crate::store::{MemoryStore, SpendStore};
    use crate::support::{FixedClock, Timestamp};

    const TOKEN: &str = "demo-token-0123456789";

    /// A site with `calls` calls (a visitor's lease each few), sessions and spend.
    fn site_with(store: &MemoryStore, clock: &FixedClock, calls: usize) {
        let ledger = SiteLedger::new("demo", store, clock);
        run(ledger.configure(setup(&["+15550100201", "+15550100202", "+15550100203"]))).expect("site");
        for i in 0..calls {
            if i % 100 == 0 {
                run(ledger.lease(format!("visitor-export-{i:05}"), &visit("google"), Region::default()))
                    .expect("lease");
            }
            let call = crate::calls::IncomingCall {
                call_sid: format!("CA{i:06}"),
                from: format!("+1555700{:04}", i % 10_000),
                to: phone::PhoneNumber::parse("+15550100201").expect("number"),
                // Ten calls share each millisecond: the cursor must not lose or repeat any.
                at: Timestamp(clock.now().millis() + i as i64 / 10),
            };
            run(ledger.record_call(call)).expect("call");
        }
        let spend = (0..3)
            .map(|d| SpendDay {
                day: 20_000 + d,
                channel: "paid search".into(),
                source: "google".into(),
                medium: "cpc".into(),
                campaign: format!("c{d}"),
                amount: 1_000 + d,
            })
            .collect::<Vec<_>>();
        store.upsert_spend(&spend).expect("spend");
    }

    fn export_all(store: &MemoryStore, clock: &FixedClock, pairs: &[(String, String)]) -> (String, usize) {
        let ledger = SiteLedger::new("demo", store, clock);
        let (mut text, mut pages, mut cursor) = (String::new(), 0, None);
        loop {
            let page = run(ledger.export_page(Some(TOKEN), pairs, cursor)).expect("page");
            text.push_str(&page.ndjson);
            pages += 1;
            match page.next {
                Some(next) => cursor = Some(next),
                None => return (text, pages),
            }
        }
    }

    #[test]
    fn an_export_read_page_by_page_imports_into_another_site_as_the_same_calls() {
        let (store, clock) = (MemoryStore::default(), FixedClock::at(1_795_000_000_000));
        site_with(&store, &clock, 1_234);
        let (text, pages) = export_all(&store, &clock, &[]);
        let lines: Vec<ExportLine> = text.lines().map(|l| serde_json::from_str(l).expect("a line")).collect();
        assert!(
            matches!(&lines[0], ExportLine::Export { site, currency, .. } if site == "demo" && currency == "USD")
        );
        let calls = lines.iter().filter(|l| matches!(l, ExportLine::Call { .. })).count();
        let sessions = lines.iter().filter(|l| matches!(l, ExportLine::Session { .. })).count();
        let spend = lines.iter().filter(|l| matches!(l, ExportLine::Spend { .. })).count();
        let stored_sessions = store.sessions.borrow().len();
        assert!(stored_sessions >= 3, "{stored_sessions}");
        assert_eq!((calls, sessions, spend), (1_234, stored_sessions, 3));
        assert_eq!(pages, 3 + 1 + 1, "three pages of calls, one of sessions, one of spend");

        // Into a new site, in parts split at line ends.
        let (other, other_clock) = (MemoryStore::default(), FixedClock::at(1_795_000_000_000));
        let ledger = SiteLedger::new("demo", &other, &other_clock);
        run(ledger.configure(setup(&["+15550100301"]))).expect("site");
        let all: Vec<&str> = text.lines().collect();
        let mut imported = NdjsonImported::default();
        for part in all.chunks(400) {
            let done = run(ledger.import_ndjson(Some(TOKEN), part.join("\n").as_bytes())).expect("imported");
            imported.calls += done.calls;
            imported.sessions += done.sessions;
            imported.spend_days += done.spend_days;
        }
        assert_eq!(
            (imported.calls, imported.sessions, imported.spend_days),
            (1_234, stored_sessions as u64, 3)
        );
        let mut before = store.calls.borrow().clone();
        let mut after = other.calls.borrow().clone();
        before.sort_by(|a, b| a.call_sid.cmp(&b.call_sid));
        after.sort_by(|a, b| a.call_sid.cmp(&b.call_sid));
        assert_eq!(before, after, "the same calls, credited the same");
        // Again: every call is skipped, none overwritten.
        let again = run(ledger.import_ndjson(Some(TOKEN), all[..10].join("\n").as_bytes())).expect("again");
        assert_eq!((again.calls, again.skipped), (0, 9));
    }

    #[test]
    fn a_bad_line_refuses_the_whole_import_naming_it() {
        let (store, clock) = (MemoryStore::default(), FixedClock::at(1_795_000_000_000));
        site_with(&store, &clock, 3);
        let (text, _) = export_all(&store, &clock, &[("from".into(), "2026-11-01".into())]);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let fresh = MemoryStore::default();
        let other = SiteLedger::new("demo", &fresh, &clock);
        run(other.configure(setup(&["+15550100301"]))).expect("site");
        let broken = format!(
            "{}\n{{\"type\": \"call\", \"call\": {{}}}}\n",
            text.lines().take(3).collect::<Vec<_>>().join("\n")
        );
        let e = run(other.import_ndjson(Some(TOKEN), broken.as_bytes())).expect_err("refused");
        assert_eq!(e.field(), Some("line 4"), "{e}");
        assert!(fresh.calls.borrow().is_empty(), "nothing imported");
        // Spend in another currency than the site's (the header says which) is refused,
        // however the lines are spaced.
        let (everything, _) = export_all(&store, &clock, &[]);
        assert!(everything.contains("\"type\":\"spend\""), "{everything}");
        let euros = everything
            .lines()
            .map(|l| {
                l.replace("\"currency\":\"USD\"", "\"currency\": \"EUR\"")
                    .replace("\"type\":\"spend\"", "\"type\": \"spend\"")
            })
            .collect::<Vec<_>>()
            .join("\n");
        let e = run(other.import_ndjson(Some(TOKEN), euros.as_bytes())).expect_err("another currency");
        assert_eq!(e.field(), Some("currency"), "{e}");
        assert!(fresh.calls.borrow().is_empty(), "nothing imported");
        let q = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        let backwards = [q("from", "2026-11-02"), q("to", "2026-11-01")].concat();
        for (pairs, field) in [(q("from", "soon"), "from"), (q("sort", "asc"), "sort"), (backwards, "to")] {
            let e = run(ledger.export_page(Some(TOKEN), &pairs, None)).expect_err("refused");
            assert_eq!(e.field(), Some(field), "{e}");
        }
        assert!(run(ledger.export_page(Some("wrong-token-0123456789"), &[], None)).is_err());
    }
}
