//! The widget with `data-consent="required"` in Chromium: before consent a source-level number
//! and nothing stored or sent that identifies the visitor; each consent signal (the widget's
//! API, Google Consent Mode, the IAB TCF v2 API) upgrades the page to a number of the
//! visitor's own; withdrawal deletes what was stored and gives the lease back. Calls to the
//! source-level number are credited to the visitor's channel, flagged `consent: false`.

use ringtrace_tests::{check_page, demo_calls, page_with_widget, twilio_voice, Edge};
use serde_json::{json, Value};

/// The request bodies the page sent to `path`, parsed.
fn bodies(result: &Value, path: &str) -> Vec<Value> {
    let sent = result["sent"].as_array().cloned().unwrap_or_default();
    sent.iter()
        .filter(|s| s["path"] == path)
        .map(|s| serde_json::from_str(s["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null))
        .collect()
}

/// The three phases of `tests/pages/consent.html` with the consent signal `signal` (api, mode,
/// tcf): before consent, after it, after withdrawal. Returns the source-level number shown
/// before consent, and what the page reported.
fn phases(signal: &str, edge: &Edge) -> (String, Value) {
    let page = page_with_widget("consent.html", &edge.base, r#"data-consent="required""#);
    let result = check_page(&format!("{}?signal={signal}", page.url), 5000, None);
    assert_eq!(result["thrown"], json!([]), "{result}");
    let f = &result["facts"];
    let (before, after, withdrawn) = (&f["before"], &f["after"], &f["withdrawn"]);
    // Before consent: a pool number, shown in the page's format; nothing stored, no id sent.
    let source_level = before["number"].as_str().unwrap_or("").to_string();
    assert!(source_level.starts_with("+155501002"), "a source-level number before consent: {f}");
    assert_eq!(before["text"], format!("(555) 010-{}", &source_level[8..]));
    assert_eq!(before["consent"], false);
    assert!(!before["cookie"].as_str().unwrap_or("").contains("ringtrace"), "{before}");
    assert_eq!(before["storage"], json!([]));
    let leases = bodies(&result, "/v1/lease");
    assert_eq!(leases.len(), 3, "before, after consent, after withdrawal: {result}");
    assert_eq!(leases[0]["consent"], false);
    assert!(leases[0].get("visitor").is_none() && leases[0].get("ga").is_none(), "{}", leases[0]);
    // After consent: the visitor's own number, a visitor id kept and sent.
    let own = after["number"].as_str().unwrap_or("");
    assert!(own.starts_with("+155501002") && own != source_level, "a number of the visitor's own: {f}");
    assert_eq!(after["text"], format!("(555) 010-{}", &own[8..]));
    assert_eq!(after["consent"], true);
    assert!(after["cookie"].as_str().unwrap_or("").contains("ringtrace_vid="), "{after}");
    assert_eq!(after["storage"], json!(["ringtrace_vid", "ringtrace_vid_until"]));
    let visitor = leases[1]["visitor"].as_str().unwrap_or("");
    assert!(visitor.len() == 32 && leases[1].get("consent").is_none(), "{}", leases[1]);
    // Withdrawn: the lease given back, the storage deleted, the source-level number again.
    let released = bodies(&result, "/v1/lease/release");
    assert_eq!(released.len(), 1, "{result}");
    assert_eq!(released[0]["visitor"], visitor);
    assert_eq!(withdrawn["number"], source_level.as_str(), "{f}");
    assert_eq!(withdrawn["consent"], false);
    assert!(!withdrawn["cookie"].as_str().unwrap_or("").contains("ringtrace"), "{withdrawn}");
    assert_eq!(withdrawn["storage"], json!([]));
    assert_eq!(leases[2]["consent"], false);
    assert!(leases[2].get("visitor").is_none());
    assert_eq!(result["cookies"], json!([]), "no ringtrace cookie left: {result}");
    (source_level, result)
}

#[tokio::test]
async fn the_consent_api_upgrades_the_number_and_withdrawal_clears_what_was_kept() {
    let edge = Edge::start().await;
    let (source_level, result) = phases("api", &edge);
    let swaps = &result["facts"]["swaps"];
    let after = result["facts"]["after"]["number"].as_str().unwrap_or("?");
    assert!(
        swaps
            .as_array()
            .is_some_and(|s| s.iter().any(|d| d["number"] == after && d["replaces"] == "+15550100100")),
        "the upgrade is a swap event like any other: {swaps}"
    );
    // A call to the source-level number: credited to the visitors' channel, no visitor.
    let (status, _) = twilio_voice(&edge, "CAconsent0001", "+15557650101", &source_level).await;
    assert_eq!(status, 200);
    let calls = demo_calls(&edge).await;
    let call = calls.iter().find(|c| c["call_sid"] == "CAconsent0001").expect("the call is recorded");
    assert_eq!(
        (&call["consent"], &call["channel"], &call["visitor"]),
        (&json!(false), &json!("direct"), &Value::Null)
    );
    assert_eq!(call["source"], "(no consent)");
}

#[tokio::test]
async fn google_consent_mode_and_the_tcf_api_each_give_and_withdraw_consent() {
    let edge = Edge::start().await;
    let (mode, result) = phases("mode", &edge);
    // Consent Mode granted analytics but not ad storage: the GA cookie is not sent.
    let upgrade = &bodies(&result, "/v1/lease")[1];
    assert_eq!(upgrade["ad_storage"], false, "{upgrade}");
    assert!(upgrade.get("ga").is_none(), "{upgrade}");
    let (tcf, _) = phases("tcf", &edge);
    assert_eq!(mode, tcf, "direct visitors without consent share their channel's number");
}

#[tokio::test]
async fn consent_mode_defaults_follow_the_visitors_region() {
    let edge = Edge::start().await;
    let page = page_with_widget("consent-region.html", &edge.base, r#"data-consent="required""#);
    // Denied in Spain and France: a visitor in Texas gets the global default, granted, once
    // the edge said where they are.
    let result = check_page(&format!("{}?deny=ES,FR", page.url), 3000, None);
    assert_eq!(result["thrown"], json!([]), "{result}");
    let f = &result["facts"];
    assert_eq!(f["consent"], true, "{result}");
    let leases = bodies(&result, "/v1/lease");
    assert_eq!(leases.len(), 2, "{result}");
    assert_eq!(leases[0]["consent"], false, "until the edge placed the visitor");
    assert!(leases[1]["visitor"].is_string() && leases[1]["ad_storage"].is_null(), "{}", leases[1]);
    assert_eq!(f["storage"], json!(["ringtrace_vid", "ringtrace_vid_until"]));
    // Denied in Texas: the visitor stays without consent.
    let result = check_page(&format!("{}?deny=US-TX,ES", page.url), 3000, None);
    let f = &result["facts"];
    assert_eq!((&f["consent"], &f["storage"]), (&json!(false), &json!([])), "{result}");
    assert_eq!(bodies(&result, "/v1/lease").len(), 1, "{result}");
    assert!(f["number"].as_str().is_some_and(|n| n.starts_with("+155501002")), "a source-level number: {f}");
}
