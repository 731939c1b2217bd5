use super::*;
use crate::calls::{Attribution, CallOutcome};
use crate::pool::Region;
use crate::site::SiteSetup;
use crate::traffic::{TrafficSource, Visit};

fn config(ga4: bool, meta: bool) -> SiteConfig {
    let mut setup: SiteSetup = serde_json::from_value(json!({
        "business_number": "+15550100100", "pool": ["+15550100201"], "api_token": "demo-token-0123456789",
        "currency": "EUR", "default_call_value": "40"
    }))
    .unwrap();
    if ga4 {
        setup.ga4 = Some(crate::site::Ga4Setup {
            measurement_id: "G-TEST123".into(),
            api_secret: Some("secret-abc".into()),
        });
    }
    if meta {
        setup.meta = Some(crate::site::MetaSetup {
            pixel_id: "1234567890".into(),
            access_token: Some("EAAB".repeat(8)),
        });
    }
    SiteConfig::from_setup("demo", setup).unwrap()
}

fn call(visit: Visit, talk: u32) -> CallRecord {
    let incoming = crate::IncomingCall {
        call_sid: "CAconv".into(),
        from: "+1 (555) 765-4321".into(),
        to: phone::PhoneNumber::parse("+15550100201").unwrap(),
        at: Timestamp(1_795_000_000_000),
    };
    CallRecord {
        attribution: Some(Attribution {
            lease_id: "l".into(),
            visitor: "v".into(),
            source: TrafficSource::from_visit(&visit),
            region: Region::default(),
            late: false,
            unconsented: false,
            candidates: vec![],
        }),
        outcome: Some(CallOutcome::Answered),
        talk_secs: Some(talk),
        ..crate::attribute("demo", incoming, &crate::Pool::default(), 0, false)
    }
}

fn ad_visit() -> Visit {
    Visit {
        utm_source: Some("google".into()),
        utm_medium: Some("cpc".into()),
        utm_campaign: Some("spring".into()),
        landing_page: Some("https://a.example/?gclid=G1&fbclid=F1".into()),
        ga: Some("GA1.1.111.222".into()),
        fbp: Some("fb.1.1700000000000.42".into()),
        ..Visit::default()
    }
}

#[test]
fn ga4_and_meta_events_carry_what_each_platform_matches_on() {
    let c = call(ad_visit(), 120);
    let sent = conversion_deliveries(&c, &config(true, true), ConversionMoment::Converted, Timestamp(0));
    assert_eq!(sent.iter().map(|d| d.event.as_str()).collect::<Vec<_>>(), ["ga4.phone_call", "meta.Contact"]);
    let ga4: Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(ga4["client_id"], "111.222");
    assert_eq!(ga4["events"][0]["name"], "phone_call");
    let p = &ga4["events"][0]["params"];
    assert_eq!(
        (p["source"].as_str(), p["medium"].as_str(), p["campaign"].as_str()),
        (Some("google"), Some("cpc"), Some("spring"))
    );
    assert_eq!(
        (p["value"].as_f64(), p["currency"].as_str(), p["talk_secs"].as_u64()),
        (Some(40.0), Some("EUR"), Some(120))
    );
    assert_eq!(sent[0].url, "https://www.google-analytics.com/mp/collect?measurement_id=G-TEST123");
    assert!(!sent[0].url.contains("secret") && !sent[1].url.contains("EAAB"), "secrets are added when sent");
    let meta: Value = serde_json::from_str(&sent[1].body).unwrap();
    let e = &meta["data"][0];
    assert_eq!(
        (e["event_name"].as_str(), e["action_source"].as_str(), e["event_id"].as_str()),
        (Some("Contact"), Some("phone_call"), Some("CAconv"))
    );
    // sha256("15557654321"): the caller's E.164 digits.
    let expected: String = Sha256::digest(b"15557654321").iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(e["user_data"]["ph"][0], expected);
    assert_eq!(e["user_data"]["fbc"], "fb.1.1795000000000.F1");
    assert_eq!(e["custom_data"]["value"], 40.0);
    assert_eq!(ga4["timestamp_micros"], 1_795_000_000_000_000i64, "a conversion is dated by its call");
    let week_later = c.started_at.plus_secs(7 * 86_400);
    let valued = conversion_deliveries(&c, &config(true, true), ConversionMoment::Valued, week_later);
    assert_eq!(
        valued.iter().map(|d| d.event.as_str()).collect::<Vec<_>>(),
        ["ga4.phone_call_value", "meta.Purchase"]
    );
    let purchase: Value = serde_json::from_str(&valued[1].body).unwrap();
    assert_eq!(
        purchase["data"][0]["event_time"],
        week_later.millis() / 1000,
        "a value is dated when it was set"
    );
}

#[test]
fn nothing_is_sent_without_the_platforms_id_or_consent() {
    let no_ids =
        Visit { ga: None, fbp: None, landing_page: Some("https://a.example/?gclid=G1".into()), ..ad_visit() };
    assert!(conversion_deliveries(
        &call(no_ids, 120),
        &config(true, true),
        ConversionMoment::Converted,
        Timestamp(0)
    )
    .is_empty());
    let refused = Visit { ad_storage_denied: true, ..ad_visit() };
    assert!(conversion_deliveries(
        &call(refused, 120),
        &config(true, true),
        ConversionMoment::Converted,
        Timestamp(0)
    )
    .is_empty());
    assert!(conversion_deliveries(
        &call(ad_visit(), 120),
        &config(false, false),
        ConversionMoment::Converted,
        Timestamp(0)
    )
    .is_empty());
    let mut masked = call(ad_visit(), 120);
    masked.masking = Some(crate::calls::MaskedCall::default());
    assert!(conversion_deliveries(&masked, &config(true, true), ConversionMoment::Converted, Timestamp(0))
        .is_empty());
}

#[test]
fn the_google_ads_file_follows_googles_template() {
    use crate::conversions::{google_ads_csv, GoogleAdsQuery};
    let mut cfg = config(false, false);
    cfg.money.time_zone = "America/Chicago".into();
    let mut first = call(ad_visit(), 120);
    first.value = Some(crate::money::Money { minor: 12_000, currency: cfg.money.currency });
    let mut again = call(ad_visit(), 300);
    again.call_sid = "CAagain".into();
    again.started_at = first.started_at.plus_secs(3600);
    let mut short = call(Visit { landing_page: Some("https://a.example/?gclid=G2".into()), ..ad_visit() }, 5);
    short.call_sid = "CAshort".into();
    let mut braid =
        call(Visit { landing_page: Some("https://a.example/?wbraid=W9".into()), ..ad_visit() }, 90);
    braid.call_sid = "CAbraid".into();
    braid.started_at = braid.started_at.plus_secs(60);
    let pairs =
        crate::support::parse_urlencoded("from=2026-11-01&to=2026-11-30&conversion_name=Phone%20call");
    let q = GoogleAdsQuery::parse(&pairs, Timestamp(1_796_000_000_000), "America/Chicago").unwrap();
    let csv = google_ads_csv(&[again, first, short, braid], &cfg, &q);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "Parameters:TimeZone=America/Chicago");
    assert_eq!(
        lines[1],
        "Google Click ID,Conversion Name,Conversion Time,Conversion Value,Conversion Currency,GBRAID,WBRAID"
    );
    // 1_795_000_000_000 ms is 2026-11-18 11:06:40 UTC, 05:06:40 in Chicago.
    assert_eq!(lines[2], "G1,Phone call,2026-11-18 05:06:40,120.00,EUR,,");
    assert_eq!(lines[3], ",Phone call,2026-11-18 05:07:40,40.00,EUR,,W9");
    assert_eq!(lines.len(), 4, "the click's second call and the short call are left out: {csv}");
    for bad in ["qualified=maybe", "conversion_name=", "from=2026-01-01&to=2026-11-30", "colour=red"] {
        let pairs = crate::support::parse_urlencoded(bad);
        assert_eq!(
            GoogleAdsQuery::parse(&pairs, Timestamp(1_796_000_000_000), "UTC").unwrap_err().http_status(),
            400,
            "{bad}"
        );
    }
}
