//! Call flows through the real edge: extension tracking (a shared number plus each visitor's
//! own extension, keyed by the caller) and caller identification against a CRM stand-in.
//! Every TwiML step is followed as Twilio follows it, signed as Twilio signs it.

use hmac::{Hmac, Mac};
use ringtrace_tests::{
    check_page, demo_call_detail, gather_action, page_with_widget, twilio_gather, twilio_post, twilio_voice,
    Edge, EdgeApi, IdentifyingCrm,
};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::{Duration, Instant};

const EXT: &str = "+15550100909";
const POOL: &str = "+15550100201";
const CALLER: &str = "+15557650101";
const CRM_SECRET: &str = "crm-identify-secret-0001";

/// The demo site with one pool number and one extension number behind it.
fn extension_site(edge: &Edge) -> Value {
    let mut s = edge.demo_setup();
    s["pool"] = json!([POOL]);
    s["extension_numbers"] = json!([{"number": EXT}]);
    s["exhaustion"] = json!("extension");
    s
}

async fn lease(edge: &Edge, visitor: &str, source: &str) -> Value {
    edge.lease(&json!({"site": "demo", "visitor": visitor, "utm_source": source, "utm_medium": "cpc"})).await
}

fn params<'a>(sid: &'a str, to: &'a str) -> [(&'a str, &'a str); 3] {
    [("CallSid", sid), ("From", CALLER), ("To", to)]
}

#[tokio::test]
async fn three_visitors_on_one_number_and_an_extension_number_and_their_calls() {
    let edge = Edge::start().await;
    edge.put_site_ok("demo", &extension_site(&edge)).await;
    let a = lease(&edge, "visitor-ext-a1", "google").await;
    let b = lease(&edge, "visitor-ext-b1", "bing").await;
    let c = lease(&edge, "visitor-ext-c1", "facebook").await;
    assert_eq!((a["number"].as_str(), a.get("extension")), (Some(POOL), None), "{a}");
    let (eb, ec) = (b["extension"].as_str().unwrap_or(""), c["extension"].as_str().unwrap_or(""));
    assert_eq!((b["number"].as_str(), c["number"].as_str()), (Some(EXT), Some(EXT)));
    assert!(eb.len() == 3 && ec.len() == 3 && eb != ec, "two distinct 3-digit extensions: {b} {c}");
    assert_eq!(b["extension_label"], "ext.");
    // Returning: the same extension.
    assert_eq!(lease(&edge, "visitor-ext-b1", "bing").await["extension"], eb);

    // c calls and keys c's extension: credited to c.
    let sid = "CA00000000000000000000000000e0c1";
    let (status, twiml) = twilio_voice(&edge, sid, CALLER, EXT).await;
    assert_eq!(status, 200);
    assert!(
        twiml.contains("<Gather input=\"dtmf\" numDigits=\"3\" finishOnKey=\"\" timeout=\"5\" action=\""),
        "{twiml}"
    );
    let (status, dial) = twilio_gather(&edge, &twiml, &params(sid, EXT), Some(ec)).await;
    assert_eq!(status, 200);
    assert!(dial.contains(">+15550100100</Number>"), "{dial}");
    let call = &demo_call_detail(&edge, sid).await["call"];
    assert_eq!(
        (call["visitor"].as_str(), call["source"].as_str()),
        (Some("visitor-ext-c1"), Some("facebook"))
    );
    assert_eq!((call["extension"].as_str(), call["late"].as_bool()), (Some(ec), Some(false)));
    // The dial's callbacks name the extension number: the call ends as usual.
    let q = format!("?site=demo&tn={}", EXT.replace('+', "%2B"));
    let done = [("CallSid", sid), ("DialCallStatus", "completed"), ("DialCallDuration", "75")];
    assert_eq!(twilio_post(&edge, &format!("/v1/telephony/twilio/dial{q}"), &done).await.0, 200);
    assert_eq!(demo_call_detail(&edge, sid).await["call"]["talk_secs"], 75);

    // Wrong twice: asked once more, then the business number, unattributed.
    let sid = "CA00000000000000000000000000e0c2";
    let wrong = (0..1000).map(|n| format!("{n:03}")).find(|e| e != eb && e != ec).unwrap_or_default();
    let (_, twiml) = twilio_voice(&edge, sid, CALLER, EXT).await;
    let (_, again) = twilio_gather(&edge, &twiml, &params(sid, EXT), Some(&wrong)).await;
    assert!(gather_action(&again).is_some_and(|u| u.contains("attempt=2")), "{again}");
    let (_, dial) = twilio_gather(&edge, &again, &params(sid, EXT), Some(&wrong)).await;
    assert!(dial.contains(">+15550100100</Number>"), "never a lost call: {dial}");
    let call = &demo_call_detail(&edge, sid).await["call"];
    assert_eq!(
        (call["attributed"].as_bool(), call["unattributed_reason"].as_str()),
        (Some(false), Some("extension_unknown"))
    );

    // Nothing keyed (the Gather times out), twice.
    let sid = "CA00000000000000000000000000e0c3";
    let (_, twiml) = twilio_voice(&edge, sid, CALLER, EXT).await;
    let (_, again) = twilio_gather(&edge, &twiml, &params(sid, EXT), None).await;
    let (_, dial) = twilio_gather(&edge, &again, &params(sid, EXT), Some("")).await;
    assert!(dial.contains("<Dial"), "{dial}");
    assert_eq!(demo_call_detail(&edge, sid).await["call"]["unattributed_reason"], "extension_missing");

    // b leaves; a call right after is still b's, flagged late.
    let released = edge
        .post_release(json!({"site": "demo", "visitor": "visitor-ext-b1", "lease_id": b["lease_id"]}))
        .as_widget()
        .send()
        .await;
    assert_eq!(released.status(), 200);
    let sid = "CA00000000000000000000000000e0c4";
    let (_, twiml) = twilio_voice(&edge, sid, CALLER, EXT).await;
    twilio_gather(&edge, &twiml, &params(sid, EXT), Some(eb)).await;
    let call = &demo_call_detail(&edge, sid).await["call"];
    assert_eq!((call["visitor"].as_str(), call["late"].as_bool()), (Some("visitor-ext-b1"), Some(true)));

    // Voximplant-style: the scenario collected the extension itself.
    let url = edge.url(&format!(
        "/v1/route?dialed_number=%2B15550100909&ext={ec}&caller=%2B15557650199&call_id=vox-ext-1"
    ));
    let resp = reqwest::Client::new().get(url).bearer_auth(&edge.demo_token).send().await.expect("route");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap_or_default(), "+15550100100");
    assert_eq!(demo_call_detail(&edge, "vox-ext-1").await["call"]["visitor"], "visitor-ext-c1");
    // Another provider's events: `extension` on `started`.
    let started = json!({"call_id": "telnyx-ext-1", "event": "started", "to": EXT, "from": "+15557650198", "extension": ec});
    assert_eq!(edge.call_event("demo", &edge.demo_token, &started).await.status(), 200);
    assert_eq!(demo_call_detail(&edge, "telnyx-ext-1").await["call"]["visitor"], "visitor-ext-c1");

    // The Numbers page's data: the extension number with its live extensions.
    let pool: Value = edge.pool("demo", &edge.demo_token, "").await.json().await.expect("pool JSON");
    let ext = &pool["extension_numbers"][0];
    assert_eq!((ext["number"].as_str(), ext["capacity"].as_u64()), (Some(EXT), Some(1000)));
    assert_eq!(
        (ext["live"].as_u64(), ext["reserved"].as_u64()),
        (Some(1), Some(1)),
        "c live, b reserved: {ext}"
    );
    assert_eq!(ext["live_extensions"][0]["extension"], ec);
}

#[tokio::test]
async fn a_page_shows_the_extension_after_the_number_and_its_link_keys_it() {
    let edge = Edge::start().await;
    let mut site = extension_site(&edge);
    site["pool"] = json!([]); // every visitor gets an extension
    site["exhaustion"] = json!("share");
    site["extension_label"] = json!("ext.");
    edge.put_site_ok("demo", &site).await;
    let page = page_with_widget("extension.html", &edge.base, "");
    let result = check_page(&page.url, 2500, None);
    assert_eq!(result["thrown"], json!([]), "{result}");
    let f = &result["facts"];
    let header = f["header"].as_str().unwrap_or("");
    let ext = header.rsplit(' ').next().unwrap_or("").to_string();
    assert!(ext.len() == 3 && ext.bytes().all(|b| b.is_ascii_digit()), "{f}");
    assert_eq!(header, format!("(555) 010-0909 ext. {ext}"), "the page's format, then the extension");
    assert_eq!(f["href"], format!("tel:+15550100909,{ext}"), "a phone pauses, then keys it");
    assert_eq!(f["copy"], format!("Call us on 555-010-0909 ext. {ext} for a free quote."));
    assert_eq!(f["number"], format!("+15550100909,{ext}"));
    assert_eq!(f["swaps"][0]["number"], EXT);
    assert_eq!(f["swaps"][0]["extension"], ext.as_str());
    assert_eq!(f["layer"][0]["ringtrace_extension"], ext.as_str());
}

/// Checks `X-Ringtrace-Signature: t=…,v1=…` independently of the product's code.
fn signed(header: &str, body: &str) -> bool {
    let parts: Vec<(&str, &str)> = header.split(',').filter_map(|p| p.split_once('=')).collect();
    let get = |k: &str| parts.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
    let (Some(t), Some(v1)) = (get("t"), get("v1")) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(CRM_SECRET.as_bytes()) else { return false };
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    hex == v1
}

/// The demo site asking callers for a 6-digit customer number and the CRM at `crm_url`.
fn identifying_site(edge: &Edge, mode: &str, crm_url: &str) -> Value {
    let mut s = edge.demo_setup();
    s["destinations"] = json!({"gold": "+15550100500"});
    s["caller_identification"] = json!({
        "digits": 6, "mode": mode, "crm_url": crm_url, "crm_secret": CRM_SECRET,
        "identified": "gold", "unidentified": "business", "attempts": 2
    });
    s
}

/// A call to the demo pool that keys `digits` at the identification prompt: the final TwiML
/// and how long the keyed answer took.
async fn identified_call(edge: &Edge, sid: &str, digits: &str) -> (String, Duration) {
    let to = "+15550100202";
    let (status, twiml) = twilio_voice(edge, sid, CALLER, to).await;
    assert_eq!(status, 200);
    assert!(twiml.contains("numDigits=\"6\" finishOnKey=\"#\""), "{twiml}");
    let started = Instant::now();
    let (status, next) =
        twilio_gather(edge, &twiml, &[("CallSid", sid), ("From", CALLER), ("To", to)], Some(digits)).await;
    assert_eq!(status, 200, "{next}");
    (next, started.elapsed())
}

#[tokio::test]
async fn caller_identification_against_a_crm_routes_on_its_answer() {
    let edge = Edge::start().await;
    // The CRM knows 111111 (a gold customer) and 222222 (silver: no such destination); 333333
    // is slow (5 s), 444444 makes it fail, 555555 gets nonsense, anything else is unknown.
    let crm = IdentifyingCrm::start(|body| {
        let id = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| v["idContact"].as_str().map(str::to_string));
        let quick = Duration::ZERO;
        match id.as_deref() {
            Some("111111") => (200, r#"{"status": "ok", "destination": "gold"}"#.into(), quick),
            Some("222222") => (200, r#"{"status": "ok", "destination": "silver"}"#.into(), quick),
            Some("333333") => {
                (200, r#"{"status": "ok", "destination": "gold"}"#.into(), Duration::from_secs(5))
            }
            Some("444444") => (500, r#"{"error": "down"}"#.into(), quick),
            Some("555555") => (200, "<html>not json".into(), quick),
            _ => (200, r#"{"status": "ok", "destination": false}"#.into(), quick),
        }
    });
    edge.put_site_ok("demo", &identifying_site(&edge, "destination", &crm.url)).await;
    let cases: [(&str, &str, &str, &str, Option<&str>); 6] = [
        ("CA000000000000000000000000000d01", "111111", "+15550100500", "identified", None),
        ("CA000000000000000000000000000d02", "999999", "+15550100100", "unidentified", Some("not_found")),
        (
            "CA000000000000000000000000000d03",
            "222222",
            "+15550100100",
            "unidentified",
            Some("unknown_destination"),
        ),
        ("CA000000000000000000000000000d04", "333333", "+15550100100", "unidentified", Some("crm_timeout")),
        (
            "CA000000000000000000000000000d05",
            "444444",
            "+15550100100",
            "unidentified",
            Some("crm_status_500"),
        ),
        ("CA000000000000000000000000000d06", "555555", "+15550100100", "unidentified", Some("crm_malformed")),
    ];
    for (sid, digits, dialled, outcome, reason) in cases {
        let (twiml, took) = identified_call(&edge, sid, digits).await;
        assert!(twiml.contains(&format!(">{dialled}</Number>")), "{digits}: {twiml}");
        if digits == "333333" {
            assert!(took < Duration::from_millis(3500), "a slow CRM costs at most its budget: {took:?}");
        }
        let call = &demo_call_detail(&edge, sid).await["call"];
        let id = &call["identification"];
        assert_eq!(
            (id["outcome"].as_str(), id["reason"].as_str()),
            (Some(outcome), reason),
            "{digits}: {call}"
        );
        assert_eq!(id["attempts"], 1);
        assert!(id["crm_ms"].as_u64().is_some(), "{id}");
        let customer = (outcome == "identified").then_some(digits);
        assert_eq!(call["customer_id"].as_str(), customer);
    }
    // What the CRM got: both spellings of the id, the call, signed like the webhooks.
    let got = crm.received();
    assert_eq!(got.len(), 6, "one request per call");
    let first: Value = serde_json::from_str(&got[0].body).expect("JSON");
    assert_eq!((first["id_contact"].as_str(), first["idContact"].as_str()), (Some("111111"), Some("111111")));
    assert_eq!(
        (first["call_id"].as_str(), first["site"].as_str()),
        (Some("CA000000000000000000000000000d01"), Some("demo"))
    );
    assert_eq!(got[0].header("user-agent"), Some("ringtrace"));
    assert!(got.iter().all(|r| signed(r.header("x-ringtrace-signature").unwrap_or(""), &r.body)));

    // An entry of the wrong length is asked for again (no CRM request), then counted.
    let sid = "CA000000000000000000000000000d07";
    let (_, twiml) = twilio_voice(&edge, sid, CALLER, "+15550100202").await;
    let p = [("CallSid", sid), ("From", CALLER), ("To", "+15550100202")];
    let (_, again) = twilio_gather(&edge, &twiml, &p, Some("12")).await;
    assert!(
        gather_action(&again).is_some_and(|u| u.contains("step=identification") && u.contains("attempt=2"))
    );
    let (_, dial) = twilio_gather(&edge, &again, &p, Some("111111")).await;
    assert!(dial.contains(">+15550100500</Number>"), "{dial}");
    assert_eq!(demo_call_detail(&edge, sid).await["call"]["identification"]["attempts"], 2);
    assert_eq!(crm.received().len(), 7);

    // A CRM that refuses connections: unidentified, the call still goes through.
    let mut closed = identifying_site(&edge, "check", "http://127.0.0.1:9/identify");
    closed["caller_identification"]["crm_secret"] = json!(null);
    edge.put_site_ok("demo", &closed).await;
    let sid = "CA000000000000000000000000000d08";
    let (twiml, _) = identified_call(&edge, sid, "111111").await;
    assert!(twiml.contains(">+15550100100</Number>"), "{twiml}");
    let id = &demo_call_detail(&edge, sid).await["call"]["identification"];
    assert_eq!(id["reason"], "crm_unreachable", "{id}");

    // The Settings page's test request reaches the CRM and shows its answer.
    edge.put_site_ok("demo", &identifying_site(&edge, "check", &crm.url)).await;
    let resp = edge
        .site_request(reqwest::Method::POST, "demo", "/settings/caller-identification/test", &edge.demo_token)
        .json(&json!({"customer_id": "999999"}))
        .send()
        .await
        .expect("test request");
    assert_eq!(resp.status(), 200);
    let t: Value = resp.json().await.expect("JSON");
    assert_eq!(
        (t["status"].as_u64(), t["outcome"].as_str(), t["reason"].as_str()),
        (Some(200), Some("unidentified"), Some("not_found")),
        "{t}"
    );
}

#[tokio::test]
async fn bad_call_flow_input_is_refused_with_its_field_or_still_reaches_the_business() {
    let edge = Edge::start().await;
    let token = edge.demo_token.clone();
    // Every new setting is checked, its field named.
    for (patch, field) in [
        (json!({"extension_digits": 6}), "extension_digits"),
        (json!({"extension_label": "ext 1"}), "extension_label"),
        (json!({"extension_retention_hours": 0}), "extension_retention_hours"),
        (json!({"extension_numbers": [{"number": "call me"}]}), "extension_numbers[0].number"),
        (json!({"extension_numbers": ["+15550100201"]}), "extension_numbers[0]"),
        (json!({"exhaustion": "extension"}), "exhaustion"),
        (json!({"destinations": {"business": "+15550100500"}}), "destinations.business"),
        (json!({"caller_identification": {"digits": 0}}), "caller_identification.digits"),
        (json!({"caller_identification": {"digits": 6, "mode": "check"}}), "caller_identification.crm_url"),
        (
            json!({"caller_identification": {"digits": 6, "crm_url": "https://crm.example", "crm_secret": "short"}}),
            "caller_identification.crm_secret",
        ),
        (
            json!({"caller_identification": {"digits": 6, "identified": "platinum"}}),
            "caller_identification.identified",
        ),
    ] {
        let resp = edge.patch_settings("demo", &token, &patch).await;
        assert_eq!(resp.status(), 400, "{patch}");
        let body: Value = resp.json().await.expect("JSON error");
        assert_eq!(body["error"]["field"], field, "{patch}: {body}");
    }
    let unknown = edge
        .patch_settings("demo", &token, &json!({"caller_identification": {"digits": 6, "mod": "any"}}))
        .await;
    assert_eq!(unknown.status(), 400);

    edge.put_site_ok("demo", &extension_site(&edge)).await;
    let ext = lease(&edge, "visitor-bad-b1", "bing").await; // the pool number
    assert_eq!(ext["number"], POOL);
    let sid = "CA00000000000000000000000000bad1";
    let (_, twiml) = twilio_voice(&edge, sid, CALLER, EXT).await;
    let action = gather_action(&twiml).expect("a gather");
    // Keys that are not digits, and 5,000 of them: no extension of anyone's, so the first
    // prompt is asked again; never an error.
    for junk in ["<script>alert(1)</script>", &"7".repeat(5000)] {
        let (status, again) = twilio_gather(&edge, &twiml, &params(sid, EXT), Some(junk)).await;
        assert_eq!(status, 200, "{again}");
        assert!(gather_action(&again).is_some_and(|u| u.contains("step=extension&attempt=2")), "{again}");
    }
    // A gather callback naming another site: refused (its signature is the demo site's), or
    // forwarded; the demo call is not touched.
    let other = action.replace("site=demo", "site=another");
    let signature =
        ringtrace_tests::twilio_signature_for(&edge, other.trim_start_matches(&edge.base), &params(sid, EXT));
    let resp = ringtrace_tests::twilio_request(
        &edge,
        other.trim_start_matches(&edge.base),
        &params(sid, EXT),
        Some(&signature),
    )
    .await;
    let (status, body) = (resp.status().as_u16(), resp.text().await.unwrap_or_default());
    assert_eq!(status, 404, "no such site, and the number is not its: refused, not routed: {body}");
    let call = &demo_call_detail(&edge, sid).await;
    assert_eq!(call["call"]["status"], "ringing", "the demo call is untouched: {call}");
    assert!(call["call"]["extension"].is_null() && call["call"]["forwarded_to"].is_null(), "{call}");
    // A gather URL with its step mangled still reaches the business.
    let mangled = action.replace("step=extension", "step=teleport").replace(&edge.base, "");
    let signature = ringtrace_tests::twilio_signature_for(&edge, &mangled, &params(sid, EXT));
    let resp = ringtrace_tests::twilio_request(&edge, &mangled, &params(sid, EXT), Some(&signature)).await;
    let (status, body) = (resp.status().as_u16(), resp.text().await.unwrap_or_default());
    assert!(status == 200 && body.contains(">+15550100100</Number>"), "{status} {body}");
    // Bad lookups: an extension or customer id that is not digits.
    for q in ["ext=12a", "customer_id=abc", &format!("ext={}", "1".repeat(40))] {
        let url = edge.url(&format!("/v1/route?dialed_number=%2B15550100909&{q}"));
        let resp = reqwest::Client::new().get(url).bearer_auth(&token).send().await.expect("route");
        assert_eq!(resp.status(), 400, "{q}");
    }
    assert!(!edge.log_tail_all().contains("panicked"), "no panic in the worker");
}

#[tokio::test]
async fn a_caller_who_hangs_up_at_the_prompt_is_ended_by_the_sites_alarm() {
    let edge = Edge::start().await;
    edge.put_site_ok("demo", &extension_site(&edge)).await;
    let sid = "CA00000000000000000000000000a1a1";
    let (status, twiml) = twilio_voice(&edge, sid, CALLER, EXT).await;
    assert!(status == 200 && twiml.contains("<Gather"), "{twiml}");
    assert_eq!(demo_call_detail(&edge, sid).await["call"]["status"], "ringing");
    // Twilio would have asked the gather URL within the prompt and its 5 s wait; nothing came,
    // so the caller hung up. The site's alarm ends the call some 40 s later.
    let started = Instant::now();
    let call = loop {
        let call = demo_call_detail(&edge, sid).await["call"].clone();
        if call["status"] != "ringing" || started.elapsed() > Duration::from_secs(120) {
            break call;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    assert_eq!(
        (call["status"].as_str(), call["outcome"].as_str()),
        (Some("completed"), Some("missed")),
        "{call}"
    );
    assert!(started.elapsed() < Duration::from_secs(90), "ended by the alarm: {:?}", started.elapsed());
}
