//! Where calls go: business hours in the site's time zone, after-hours numbers and
//! voicemail, several business numbers, and dialed-number lookups (`GET /v1/route`).

use ringtrace_tests::{demo_call_detail, demo_calls, twilio_post, twilio_voice, Edge, EdgeApi};
use serde_json::{json, Value};

/// The local hour now at a fixed UTC offset (zones without daylight saving, so the test
/// holds on any date).
fn local_hour(offset_hours: i64) -> i64 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    ((secs as i64 / 3600) + offset_hours).rem_euclid(24)
}

/// Opening hours every day from an hour before to two hours after `hour`.
fn open_around(hour: i64) -> Value {
    let range = format!("{:02}:00-{:02}:00", (hour + 23) % 24, (hour + 2) % 24);
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    Value::Object(days.iter().map(|d| (d.to_string(), json!([range.clone()]))).collect())
}

#[tokio::test]
async fn business_hours_follow_the_sites_time_zone() {
    let edge = Edge::start().await;
    let tokyo_hour = local_hour(9); // Asia/Tokyo: UTC+9 all year
    let mut setup = edge.demo_setup();
    setup["after_hours"] = json!({"forward_to": "+1 555 010 0400"});
    // Open now in Tokyo …
    setup["business_hours"] = json!({"time_zone": "Asia/Tokyo", "weekly": open_around(tokyo_hour)});
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let (_, twiml) = twilio_voice(&edge, "CAtokyo0001", "+15557650010", "+15550100201").await;
    assert!(twiml.contains(">+15550100100</Number>"), "open: the business number: {twiml}");
    // … the same clock hours in Phoenix (UTC-7, 16 hours behind Tokyo) are closed now.
    setup["business_hours"] = json!({"time_zone": "America/Phoenix", "weekly": open_around(tokyo_hour)});
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let (_, twiml) = twilio_voice(&edge, "CAphoenix0001", "+15557650011", "+15550100201").await;
    assert!(twiml.contains(">+15550100400</Number>"), "closed: the after-hours number: {twiml}");
    // Closed without an after-hours number: the greeting and a voicemail, transcribed.
    setup["after_hours"] = json!({"voicemail_greeting": "Demo Plumbing is closed. Leave a message!"});
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let (_, twiml) = twilio_voice(&edge, "CAvoicemail01", "+15557650012", "+15550100201").await;
    assert!(twiml.contains("<Say>Demo Plumbing is closed. Leave a message!</Say><Record"), "{twiml}");
    assert!(twiml.contains("transcribe=\"true\"") && !twiml.contains("<Dial"), "{twiml}");
    // The caller leaves a message: the Record action, the recording and its transcript.
    let q = "?site=demo&tn=%2B15550100201";
    let url = "https://api.twilio.com/2010-04-01/Accounts/ACx/Recordings/REvm";
    let action = [("CallSid", "CAvoicemail01"), ("RecordingUrl", url), ("RecordingDuration", "14")];
    let (code, hangup) = twilio_post(&edge, &format!("/v1/telephony/twilio/dial{q}"), &action).await;
    assert_eq!(code, 200);
    assert!(hangup.contains("<Hangup/>"), "{hangup}");
    let rec = [
        ("CallSid", "CAvoicemail01"),
        ("RecordingUrl", url),
        ("RecordingDuration", "14"),
        ("RecordingStatus", "completed"),
    ];
    assert_eq!(
        twilio_post(&edge, &format!("/v1/telephony/twilio/recording{q}&voicemail=1"), &rec).await.0,
        200
    );
    let text = [
        ("CallSid", "CAvoicemail01"),
        ("TranscriptionText", "Hi, I need a quote on a water heater install"),
        ("TranscriptionStatus", "completed"),
    ];
    assert_eq!(twilio_post(&edge, &format!("/v1/telephony/twilio/transcription{q}"), &text).await.0, 200);
    let calls = demo_calls(&edge).await;
    let by_sid = |sid: &str| calls.iter().find(|c| c["call_sid"] == sid).cloned().unwrap_or_default();
    assert_eq!(
        (by_sid("CAtokyo0001")["after_hours"].as_bool(), by_sid("CAphoenix0001")["after_hours"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(by_sid("CAphoenix0001")["forwarded_to"], "+15550100400");
    let voicemail = by_sid("CAvoicemail01");
    assert!(voicemail["forwarded_to"].is_null());
    assert_eq!(
        (voicemail["status"].as_str(), voicemail["outcome"].as_str()),
        (Some("completed"), Some("missed"))
    );
    assert_eq!(
        (voicemail["voicemail"].as_bool(), voicemail["recordings"][0]["duration_secs"].as_u64()),
        (Some(true), Some(14))
    );
    assert!(voicemail["transcript"].as_str().unwrap_or("").contains("water heater"));
    // Bad hours are refused with the field named.
    setup["business_hours"] = json!({"time_zone": "Mars/Olympus", "weekly": {"mon": ["09:00-17:00"]}});
    let resp = edge.put_site("demo", &setup).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert!(body["error"]["message"].as_str().unwrap_or("").contains("Mars/Olympus"), "{body}");
}

#[tokio::test]
async fn each_tracking_number_forwards_to_the_number_it_replaced() {
    let edge = Edge::start().await;
    let mut setup = edge.demo_setup();
    setup["business_numbers"] = json!(["+1 555 010 0300"]);
    setup["pool"] = json!([
        "+1 555 010 0201",
        {"number": "+1 555 010 0202", "business_number": "+1 555 010 0300"}
    ]);
    setup["caller_id"] = json!("tracking_number");
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let (_, sales) = twilio_voice(&edge, "CAsales0001", "+15557650020", "+15550100201").await;
    assert!(sales.contains(">+15550100100</Number>"), "{sales}");
    assert!(sales.contains("callerId=\"+15550100201\""), "the business sees the tracking number: {sales}");
    let (_, service) = twilio_voice(&edge, "CAservice0001", "+15557650021", "+15550100202").await;
    assert!(service.contains(">+15550100300</Number>"), "{service}");
    setup["pool"] = json!([{"number": "+1 555 010 0202", "business_number": "+1 555 010 0999"}]);
    assert_eq!(edge.put_site("demo", &setup).await.status(), 400);
}

#[tokio::test]
async fn a_dialed_number_lookup_answers_the_forward_number_and_records_the_call() {
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    let grant: Value = edge.lease(&json!({"site": "demo", "visitor": "visitor-vox-01", "utm_source": "newsletter", "utm_medium": "email"})).await;
    let tn = grant["number"].as_str().expect("number");
    let lookup = |query: String, key: Option<&str>| {
        let mut req = client.get(edge.url(&format!("/v1/route?{query}")));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        req.send()
    };
    let q = format!("dialed_number={}&caller=%2B15557650030&call_id=vox-1", tn.replace('+', "%2B"));
    let resp = lookup(q.clone(), Some(&edge.demo_token)).await.expect("lookup");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-ringtrace-call-id"], "vox-1");
    assert_eq!(resp.text().await.unwrap_or_default(), "+15550100100", "plain text: the number to forward to");
    // Asked again (a retry), still one call; the key may come as a query parameter.
    let resp = lookup(format!("{q}&key={}", edge.demo_token), None).await.expect("lookup");
    assert_eq!(resp.status(), 200);
    // An unencoded `+` (a space once decoded) still reads as the number.
    let resp =
        lookup(format!("dialed_number={tn}&call_id=vox-1"), Some(&edge.demo_token)).await.expect("lookup");
    assert_eq!(resp.status(), 200);
    let detail = demo_call_detail(&edge, "vox-1").await;
    assert_eq!(detail["call"]["source"], "newsletter");
    assert_eq!(detail["call"]["status"], "ringing");
    assert_eq!(demo_calls(&edge).await.len(), 1);
    for (query, key, status) in [
        (q.clone(), Some("wrong-key-0123456789"), 401),
        (q.clone(), None, 401),
        ("dialed_number=12&call_id=x".to_string(), Some(edge.demo_token.as_str()), 400),
        ("call_id=x".to_string(), Some(edge.demo_token.as_str()), 400),
        // Not a tracking number: answered like a wrong key (numbers are not enumerable).
        ("dialed_number=%2B15559990000".to_string(), Some(edge.demo_token.as_str()), 401),
        (format!("{q}x%3Cy"), Some(edge.demo_token.as_str()), 400),
    ] {
        let resp = lookup(query.clone(), key).await.expect("lookup");
        assert_eq!(resp.status(), status, "{query} {key:?}");
        let body: Value = resp.json().await.expect("JSON error");
        assert!(body["error"]["message"].is_string(), "{body}");
    }
    assert_eq!(demo_calls(&edge).await.len(), 1);
}
