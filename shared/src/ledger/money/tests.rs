use super::*;
use crate::calls::{CallStatus, ImportBody, Leg};
use crate::ledger::testing::{run, setup};
use crate::money::Currency;
use crate::pool::Region;
use crate::reports::report::{Dimension, ReportRow};
use crate::store::{CallStore, LiveFeed, MemoryStore};
use crate::support::FixedClock;
use crate::traffic::Visit;
use crate::webhooks::DeliveryTarget;
use phone::PhoneNumber;

const TOKEN: &str = "demo-token-0123456789";
const TN: &str = "+15550100201";

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn money_site() -> crate::site::SiteSetup {
    crate::site::SiteSetup {
        default_call_value: Some(crate::site::AmountText("50".into())),
        qualified_talk_seconds: Some(60),
        ..setup(&[TN])
    }
}

/// (call id, day, source, medium, campaign, talk seconds, value, converted)
type Imported = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u32,
    Option<&'static str>,
    Option<bool>,
);

fn import(ledger: &SiteLedger<'_, MemoryStore, FixedClock>, calls: &[Imported]) {
    let rows: Vec<serde_json::Value> = calls
        .iter()
        .map(|(id, day, source, medium, campaign, talk, value, converted)| {
            let mut row = serde_json::json!({
                "call_id": id, "from": format!("+1555000{}", &id[2..]), "to": TN,
                "started_at": format!("{day}T15:00:00Z"), "source": source, "medium": medium,
                "answered": true, "talk_seconds": talk, "value": value, "converted": converted,
            });
            if !campaign.is_empty() {
                row["campaign"] = serde_json::json!(campaign);
            }
            row
        })
        .collect();
    let body = serde_json::json!({ "calls": rows }).to_string();
    let parsed =
        ImportBody::parse(body.as_bytes(), "demo", at("2026-12-01T00:00:00Z"), Currency::USD).unwrap();
    run(ledger.import_calls(Some(TOKEN), parsed)).unwrap();
}

fn row<'a>(rows: &'a [ReportRow], key: &str) -> &'a ReportRow {
    rows.iter().find(|r| r.key == [key]).unwrap_or_else(|| panic!("no row {key}: {rows:?}"))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn every_roi_cell_is_the_hand_computation() {
    let (store, clock) = (MemoryStore::default(), FixedClock::at(at("2026-12-01T00:00:00Z").millis()));
    let ledger = SiteLedger::new("demo", &store, &clock);
    run(ledger.configure(money_site())).unwrap();
    let csv = "date,date_to,source,medium,campaign,spend\n\
               2026-11-01,,google,cpc,spring,100.00\n\
               2026-11-02,,google,cpc,spring,50.00\n\
               2026-11-01,2026-11-07,facebook,paid_social,retarget,70.00\n\
               2026-11-03,,bing,cpc,brand,30.00\n";
    let change = run(ledger.upload_spend(Some(TOKEN), csv.as_bytes(), true, false)).unwrap();
    assert_eq!((change.days, change.total.as_deref()), (10, Some("250.00")));
    import(
        &ledger,
        &[
            ("CA1", "2026-11-01", "google", "cpc", "spring", 120, Some("300"), None),
            ("CA2", "2026-11-01", "google", "cpc", "spring", 30, None, None),
            ("CA3", "2026-11-02", "google", "cpc", "spring", 90, None, None),
            ("CA4", "2026-11-02", "facebook", "paid_social", "retarget", 200, None, Some(false)),
            ("CA5", "2026-11-04", "facebook", "paid_social", "retarget", 61, None, None),
            ("CA6", "2026-11-05", "google", "organic", "", 100, None, None),
            ("CA7", "2026-11-08", "google", "organic", "", 10, None, None),
        ],
    );
    let report = |dims: &[Dimension], to: &str| {
        let query = crate::wire::ReportQuery {
            group_by: dims.to_vec(),
            from: at("2026-11-01T00:00:00Z"),
            to: at(to),
            tz: "UTC".into(),
        };
        run(ledger.report(Some(TOKEN), &query)).unwrap().0
    };
    let by_campaign = report(&[Dimension::Campaign], "2026-11-08T00:00:00Z");
    // spring: 150.00 spent; CA1 (300) + CA2 (short, nothing) + CA3 (qualified: the default 50).
    let spring = row(&by_campaign, "spring");
    assert_eq!((spring.calls, spring.qualified), (3, 2));
    assert_eq!(spring.spend.as_deref(), Some("150.00"));
    assert_eq!(spring.cost_per_call.as_deref(), Some("50.00")); // 150 / 3
    assert_eq!(spring.cost_per_qualified_call.as_deref(), Some("75.00")); // 150 / 2
    assert_eq!(spring.revenue.as_deref(), Some("350.00"));
    assert!(close(spring.roas, 350.0 / 150.0) && close(spring.roi, (350.0 - 150.0) / 150.0), "{spring:?}");
    // retarget: 70.00; CA4 marked not converted (0), CA5 qualified (50).
    let retarget = row(&by_campaign, "retarget");
    assert_eq!(
        (retarget.spend.as_deref(), retarget.cost_per_call.as_deref()),
        (Some("70.00"), Some("35.00"))
    );
    assert_eq!(retarget.revenue.as_deref(), Some("50.00"));
    assert!(close(retarget.roas, 50.0 / 70.0) && close(retarget.roi, -20.0 / 70.0));
    // brand: spend without a call.
    let brand = row(&by_campaign, "brand");
    assert_eq!(
        (brand.calls, brand.spend.as_deref(), brand.cost_per_call.as_deref()),
        (0, Some("30.00"), None)
    );
    assert_eq!((brand.cost_per_qualified_call.as_deref(), brand.revenue.as_deref()), (None, Some("0.00")));
    assert!(close(brand.roas, 0.0) && close(brand.roi, -1.0));
    // Organic calls: no spend, so no cost and no return on it.
    let none = row(&by_campaign, "(none)");
    assert_eq!((none.calls, none.spend.as_deref(), none.cost_per_call.as_deref()), (1, None, None));
    assert_eq!((none.revenue.as_deref(), none.roas, none.roi), (Some("50.00"), None, None));

    let by_day = report(&[Dimension::Day], "2026-11-09T00:00:00Z");
    let day = |d: &str| row(&by_day, d);
    assert_eq!(
        (day("2026-11-01").spend.as_deref(), day("2026-11-01").cost_per_call.as_deref()),
        (Some("110.00"), Some("55.00"))
    );
    assert_eq!(day("2026-11-01").revenue.as_deref(), Some("300.00"));
    assert!(close(day("2026-11-01").roi, (300.0 - 110.0) / 110.0));
    assert_eq!(
        (day("2026-11-02").spend.as_deref(), day("2026-11-02").cost_per_call.as_deref()),
        (Some("60.00"), Some("30.00"))
    );
    assert_eq!((day("2026-11-03").calls, day("2026-11-03").spend.as_deref()), (0, Some("40.00")));
    assert!(close(day("2026-11-03").roi, -1.0));
    assert!(close(day("2026-11-04").roas, 5.0), "50 earned on 10 spent");
    assert_eq!(day("2026-11-06").spend.as_deref(), Some("10.00"));
    let quiet = day("2026-11-08");
    assert_eq!(
        (quiet.calls, quiet.spend.as_deref(), quiet.cost_per_call.as_deref(), quiet.roi),
        (1, None, None, None)
    );
    assert_eq!(quiet.revenue.as_deref(), Some("0.00"), "10 s is not qualified");

    // A marketer in Chicago asking for their 3 November (06:00Z to 06:00Z the next day) gets
    // that date's spend, not the next UTC day's.
    let chicago = crate::wire::ReportQuery {
        group_by: vec![Dimension::Campaign],
        from: at("2026-11-03T06:00:00Z"),
        to: at("2026-11-04T06:00:00Z"),
        tz: "America/Chicago".into(),
    };
    let their_day = run(ledger.report(Some(TOKEN), &chicago)).unwrap().0;
    assert_eq!(row(&their_day, "brand").spend.as_deref(), Some("30.00"));
    assert_eq!(row(&their_day, "retarget").spend.as_deref(), Some("10.00"));

    let by_channel = report(&[Dimension::Channel], "2026-11-08T00:00:00Z");
    let paid_search = row(&by_channel, "paid search");
    assert_eq!((paid_search.spend.as_deref(), paid_search.calls), (Some("180.00"), 3), "google and bing cpc");
    let by_week = report(&[Dimension::Week, Dimension::Source], "2026-11-08T00:00:00Z");
    let w44 = by_week.iter().find(|r| r.key == ["2026-W44", "google"]).unwrap();
    assert_eq!(w44.spend.as_deref(), Some("100.00"), "Sunday 1 November is in week 44");
    let by_region = report(&[Dimension::Region], "2026-11-08T00:00:00Z");
    assert!(by_region.iter().all(|r| r.spend.is_none() && r.roi.is_none()), "spend is not kept by region");

    let list = run(ledger.spend_list(
        Some(TOKEN),
        &crate::support::parse_urlencoded("from=2026-11-01&to=2026-11-30&group_by=campaign"),
    ))
    .unwrap();
    assert_eq!(list.total, "250.00");
    assert_eq!(list.rows[0].key, ["spring"]);
    let deleted =
        run(ledger
            .delete_spend(Some(TOKEN), &crate::support::parse_urlencoded("from=2026-11-03&to=2026-11-03")))
        .unwrap();
    assert_eq!(deleted.days, 2, "facebook's and bing's 3 November");
    let overview_q = crate::reports::overview::OverviewQuery::parse(
        &crate::support::parse_urlencoded("from=2026-11-01&to=2026-11-07&tz=UTC"),
        clock.now(),
    )
    .unwrap();
    let overview = run(ledger.overview(Some(TOKEN), &overview_q)).unwrap();
    let money = overview.money.unwrap();
    // 250 − 40 deleted; 6 calls (CA1–CA6) in the week.
    assert_eq!((money.spend.as_deref(), money.cost_per_call.as_deref()), (Some("210.00"), Some("35.00")));
    assert_eq!(money.revenue, "450.00");
    assert_eq!(money.weeks.iter().map(|w| w.week.as_str()).collect::<Vec<_>>(), ["2026-W44", "2026-W45"]);
    assert_eq!((money.weeks[0].calls, money.weeks[0].cost_per_call.as_deref()), (2, Some("55.00")));
}

fn ev(sid: &str, kind: EventKind, at: Timestamp) -> CallEvent {
    CallEvent {
        call_sid: sid.into(),
        provider: "api".into(),
        at,
        from: Some("+15557654321".into()),
        to: PhoneNumber::parse(TN).unwrap(),
        kind,
    }
}

fn qualified_call(ledger: &SiteLedger<'_, MemoryStore, FixedClock>, sid: &str, at: Timestamp) {
    run(ledger.record_event(ev(sid, EventKind::Started, at))).unwrap();
    run(ledger.record_event(ev(sid, EventKind::Answered, at.plus_secs(5)))).unwrap();
    let end =
        EventKind::Ended { leg: Leg::Business, status: CallStatus::Completed, duration_secs: Some(120) };
    run(ledger.record_event(ev(sid, end, at.plus_secs(125)))).unwrap();
}

fn events(store: &MemoryStore, sid: &str) -> Vec<String> {
    run(store.deliveries_of(sid)).unwrap().into_iter().map(|d| d.id).collect()
}

#[test]
fn values_reach_the_timeline_the_crm_the_live_stream_and_the_ad_platforms() {
    let (store, clock) = (MemoryStore::default(), FixedClock::at(at("2026-11-20T15:00:00Z").millis()));
    let ledger = SiteLedger::new("demo", &store, &clock);
    let site: crate::site::SiteSetup = serde_json::from_value(serde_json::json!({
        "business_number": "+15550100100", "pool": [TN], "api_token": TOKEN,
        "crm_webhook": {"url": "https://crm.example/hook", "secret": "crm-secret-0123456789"},
        "ga4": {"measurement_id": "G-TEST123", "api_secret": "ga4-secret-1"},
        "meta": {"pixel_id": "1234567890", "access_token": "EAABEAABEAABEAABEAABEAAB"},
        "default_call_value": "50"
    }))
    .unwrap();
    run(ledger.configure(site)).unwrap();
    let visit = Visit {
        utm_source: Some("google".into()),
        utm_medium: Some("cpc".into()),
        landing_page: Some("https://a.example/?gclid=GCLID1".into()),
        ga: Some("GA1.1.111.222".into()),
        fbp: Some("fb.1.1700000000000.9".into()),
        ..Visit::default()
    };
    run(ledger.lease("visitor-0001".into(), &visit, Region::default())).unwrap();
    qualified_call(&ledger, "CA1", clock.now());
    let ids = events(&store, "CA1");
    for id in ["CA1/call.started", "CA1/call.ended", "CA1/ga4.phone_call", "CA1/meta.Contact"] {
        assert!(ids.contains(&id.to_string()), "{id} in {ids:?}");
    }
    let ga4 = run(store.deliveries_of("CA1"))
        .unwrap()
        .into_iter()
        .find(|d| d.target == DeliveryTarget::Ga4)
        .unwrap();
    assert!(
        ga4.body.contains("\"client_id\":\"111.222\"") && ga4.body.contains("\"value\":50.0"),
        "{}",
        ga4.body
    );
    let (_, secrets) = run(ledger.due_deliveries()).unwrap();
    assert_eq!((secrets.of(DeliveryTarget::Ga4), secrets.meta.is_some()), (Some("ga4-secret-1"), true));

    let live_before = store.live_events_after(0, 1000).unwrap().len();
    let patch = CallPatch::parse(br#"{"value": "180.00", "note": "sold a boiler"}"#).unwrap();
    let view = run(ledger.update_call(Some(TOKEN), "CA1", &patch)).unwrap();
    assert_eq!(
        (view.value.as_deref(), view.currency.as_deref(), view.note.as_deref()),
        (Some("180.00"), Some("USD"), Some("sold a boiler"))
    );
    let detail = run(ledger.call_detail(Some(TOKEN), "CA1")).unwrap();
    let updated: Vec<&Vec<String>> = detail
        .events
        .iter()
        .filter_map(|e| if let EventKind::Updated { changes } = &e.kind { Some(changes) } else { None })
        .collect();
    assert_eq!(updated, [&vec!["value 180.00 USD".to_string(), "note changed".into()]]);
    let ids = events(&store, "CA1");
    for id in ["CA1/call.updated/1", "CA1/ga4.phone_call_value", "CA1/meta.Purchase"] {
        assert!(ids.contains(&id.to_string()), "{id} in {ids:?}");
    }
    let live = store.live_events_after(0, 1000).unwrap();
    assert_eq!(live[live_before..].iter().map(|e| e.event.as_str()).collect::<Vec<_>>(), ["call.updated"]);
    assert_eq!(live.last().unwrap().call.value.as_deref(), Some("180.00"));

    // A new value is sent again (the same delivery, its body replaced); a note alone is not.
    clock.advance_secs(60);
    run(ledger.update_call(Some(TOKEN), "CA1", &CallPatch::parse(br#"{"value": 200}"#).unwrap())).unwrap();
    let purchase =
        run(store.deliveries_of("CA1")).unwrap().into_iter().find(|d| d.id == "CA1/meta.Purchase").unwrap();
    assert!(purchase.body.contains("\"value\":200.0"), "{}", purchase.body);
    let count = events(&store, "CA1").len();
    run(ledger.update_call(
        Some(TOKEN),
        "CA1",
        &CallPatch::parse(br#"{"note": "boiler and tank"}"#).unwrap(),
    ))
    .unwrap();
    assert_eq!(events(&store, "CA1").len(), count + 1, "only the CRM hears of a note");

    // Once a value went out, a new one is not sent again (GA4 would add them up).
    let (due, _) = run(ledger.due_deliveries()).unwrap();
    for d in due {
        run(ledger.platform_attempted(d, Ok((200, String::new())), 1000)).unwrap();
    }
    run(ledger.update_call(Some(TOKEN), "CA1", &CallPatch::parse(br#"{"value": 260}"#).unwrap())).unwrap();
    let sent =
        run(store.deliveries_of("CA1")).unwrap().into_iter().find(|d| d.id == "CA1/meta.Purchase").unwrap();
    assert_eq!(sent.state, crate::webhooks::DeliveryState::Delivered);
    assert!(sent.body.contains("\"value\":200.0"), "the value sent stays the one sent: {}", sent.body);

    // The same value again changes nothing at all.
    let before = run(store.find_call("CA1")).unwrap().unwrap().events.len();
    run(ledger.update_call(Some(TOKEN), "CA1", &CallPatch::parse(br#"{"value": "260.00"}"#).unwrap()))
        .unwrap();
    assert_eq!(run(store.find_call("CA1")).unwrap().unwrap().events.len(), before);

    let err = run(ledger.update_call(Some(TOKEN), "CAother", &patch)).unwrap_err();
    assert_eq!(err.http_status(), 404);
    assert_eq!(
        run(ledger.update_call(Some("wrong-token-000000000"), "CA1", &patch)).unwrap_err(),
        Error::Unauthorized
    );
}

/// A site sending conversions to GA4 only.
fn ga4_site() -> crate::site::SiteSetup {
    serde_json::from_value(serde_json::json!({
        "business_number": "+15550100100", "pool": [TN], "api_token": TOKEN,
        "ga4": {"measurement_id": "G-TEST123", "api_secret": "ga4-secret-1"}
    }))
    .unwrap()
}

#[test]
fn a_value_alone_makes_a_conversion_and_the_currency_stays_while_money_is_stored() {
    let (store, clock) = (MemoryStore::default(), FixedClock::at(at("2026-11-20T15:00:00Z").millis()));
    let ledger = SiteLedger::new("demo", &store, &clock);
    run(ledger.configure(ga4_site())).unwrap();
    let visit = Visit { utm_source: Some("google".into()), ga: Some("GA1.1.5.6".into()), ..Visit::default() };
    run(ledger.lease("visitor-0003".into(), &visit, Region::default())).unwrap();
    run(ledger.record_event(ev("CA5", EventKind::Started, clock.now()))).unwrap();
    assert!(events(&store, "CA5").is_empty(), "not a conversion yet");
    // A sale recorded days later on a call that never qualified: a conversion, dated now.
    clock.advance_secs(5 * 86_400);
    run(ledger.update_call(Some(TOKEN), "CA5", &CallPatch::parse(br#"{"value": "75"}"#).unwrap())).unwrap();
    let sent = run(store.deliveries_of("CA5")).unwrap();
    assert_eq!(sent.iter().map(|d| d.event.as_str()).collect::<Vec<_>>(), ["ga4.phone_call"]);
    assert!(sent[0].body.contains("\"value\":75.0"), "{}", sent[0].body);
    assert!(
        sent[0].body.contains(&format!("\"timestamp_micros\":{}", clock.now().millis() * 1000)),
        "{}",
        sent[0].body
    );

    let change = |body: &str| run(ledger.update_settings(Some(TOKEN), body.as_bytes()));
    let refused = change(r#"{"currency": "EUR"}"#).unwrap_err();
    assert_eq!((refused.http_status(), refused.field()), (409, Some("currency")), "{refused}");
    assert!(refused.to_string().contains("USD"), "{refused}");
    assert_eq!(change(r#"{"currency": "usd"}"#).unwrap().currency, "USD", "the same currency is no change");
    run(ledger.update_call(Some(TOKEN), "CA5", &CallPatch::parse(br#"{"value": null}"#).unwrap())).unwrap();
    assert_eq!(change(r#"{"currency": "EUR"}"#).unwrap().currency, "EUR", "nothing stored: free to change");
}

#[test]
fn cookies_a_tag_set_after_the_lease_reach_the_call_through_the_heartbeat() {
    let (store, clock) = (MemoryStore::default(), FixedClock::at(at("2026-11-20T15:00:00Z").millis()));
    let ledger = SiteLedger::new("demo", &store, &clock);
    run(ledger.configure(ga4_site())).unwrap();
    let visit = Visit { utm_source: Some("google".into()), ..Visit::default() };
    let (lease, _) = run(ledger.lease("visitor-0004".into(), &visit, Region::default())).unwrap();
    let renew = |body: serde_json::Value| {
        let r = crate::wire::LeaseRef::parse(body.to_string().as_bytes()).unwrap();
        run(ledger.renew_with_cookies(&r.lease_id, &r.visitor, &r.ad_cookies())).unwrap();
    };
    let base = serde_json::json!({"site": "demo", "visitor": "visitor-0004", "lease_id": lease.id});
    // A refusal on the heartbeat keeps nothing; then the cookies GA4's tag set meanwhile.
    renew(serde_json::json!({"ga": "GA1.1.9.8", "ad_storage": false}).as_object().unwrap().iter().fold(
        base.clone(),
        |mut b, (k, v)| {
            b[k] = v.clone();
            b
        },
    ));
    qualified_call(&ledger, "CA7", clock.now());
    assert!(events(&store, "CA7").is_empty(), "no client id kept from a refusal");
    clock.advance_secs(60);
    let mut with_cookie = base;
    with_cookie["ga"] = serde_json::json!("GA1.1.9.8");
    renew(with_cookie);
    qualified_call(&ledger, "CA8", clock.now());
    assert_eq!(events(&store, "CA8"), ["CA8/ga4.phone_call"]);
}

#[test]
fn a_visitor_who_refused_ad_storage_is_never_sent() {
    let (store, clock) = (MemoryStore::default(), FixedClock::at(at("2026-11-20T15:00:00Z").millis()));
    let ledger = SiteLedger::new("demo", &store, &clock);
    run(ledger.configure(ga4_site())).unwrap();
    let visit = Visit {
        utm_source: Some("google".into()),
        landing_page: Some("https://a.example/?gclid=GCLID1".into()),
        ga: Some("GA1.1.111.222".into()),
        ad_storage_denied: true,
        ..Visit::default()
    };
    run(ledger.lease("visitor-0002".into(), &visit, Region::default())).unwrap();
    qualified_call(&ledger, "CA9", clock.now());
    assert!(events(&store, "CA9").is_empty());
    let call = run(store.find_call("CA9")).unwrap().unwrap();
    assert!(call.attribution.unwrap().source.ad_ids.is_empty(), "no click id kept either");
    let csv = run(ledger
        .google_ads_export(Some(TOKEN), &crate::support::parse_urlencoded("from=2026-11-01&to=2026-11-30")))
    .unwrap();
    assert_eq!(csv.lines().count(), 2, "header lines only: {csv}");
}
