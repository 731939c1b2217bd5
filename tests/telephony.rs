//! Twilio's webhooks through the real edge: signatures checked, TwiML back, each call
//! recorded once and ending in the state its callbacks imply, whatever their order.

use ringtrace_tests::{
    demo_call_detail, demo_calls, twilio_post, twilio_request, twilio_signature_for, twilio_voice, Edge,
    EdgeApi,
};
use serde_json::{json, Value};

#[tokio::test]
async fn a_call_is_forwarded_attributed_and_recorded_once() {
    let edge = Edge::start().await;
    let grant: Value = edge
        .lease(
            &json!({"site": "demo", "visitor": "visitor-call-01", "utm_source": "google", "utm_medium": "cpc",
                   "utm_campaign": "spring", "utm_term": "burst pipe",
                   "landing_page": "https://demo.example/boilers?utm_source=google&gclid=xyz&ref=7"}),
        )
        .await;
    let number = grant["number"].as_str().expect("number");

    let (status, twiml) =
        twilio_voice(&edge, "CA00000000000000000000000000000001", "+15557654321", number).await;
    assert_eq!(status, 200);
    assert!(twiml.contains("<Dial"), "{twiml}");
    assert!(twiml.contains(">+15550100100</Number>"), "forwards to the business number: {twiml}");

    // Twilio retries: the same CallSid is still one call.
    let (status, _) = twilio_voice(&edge, "CA00000000000000000000000000000001", "+15557654321", number).await;
    assert_eq!(status, 200);
    let calls = demo_calls(&edge).await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call["to"], number);
    assert_eq!(call["from"], "+15557654321");
    assert_eq!((call["source"].as_str(), call["medium"].as_str()), (Some("google"), Some("cpc")));
    assert_eq!(call["campaign"], "spring");
    assert_eq!(call["keyword"], "burst pipe");
    assert_eq!(call["landing_page"], "https://demo.example/boilers?ref=7");
    assert_eq!(call["visitor"], "visitor-call-01");
    assert_eq!(call["repeat"], false, "a first-time caller");

    // The same person calls again: flagged repeat and linked to the first call.
    twilio_voice(&edge, "CA00000000000000000000000000000002", "+15557654321", number).await;
    let calls = demo_calls(&edge).await;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["call_sid"], "CA00000000000000000000000000000002");
    assert_eq!(calls[0]["repeat"], true);
    assert_eq!(calls[0]["first_call_sid"], "CA00000000000000000000000000000001");
}

#[tokio::test]
async fn unleased_numbers_and_strangers_are_handled() {
    let edge = Edge::start().await;
    // A pool number nobody holds: forwarded, recorded, unattributed (nulls).
    let (status, twiml) = twilio_voice(&edge, "CAunleased0001", "anonymous", "+15550100206").await;
    assert_eq!(status, 200);
    assert!(twiml.contains(">+15550100100</Number>"), "{twiml}");
    let calls = demo_calls(&edge).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["attributed"], false);
    assert!(calls[0]["source"].is_null() && calls[0]["campaign"].is_null() && calls[0]["region"].is_null());

    // A number that is no site's: valid TwiML that rejects, nothing recorded.
    let (status, twiml) = twilio_voice(&edge, "CAstranger0001", "+15557654321", "+15559990000").await;
    assert_eq!(status, 200);
    assert!(twiml.contains("<Reject"), "{twiml}");
    assert_eq!(demo_calls(&edge).await.len(), 1);

    // Malformed webhooks: a 400 in TwiML (what Twilio reads) naming the problem, or JSON for
    // a client that asks for it; nothing recorded.
    for (params, needle) in [
        (vec![("From", "+15557654321"), ("To", "+15550100201")], "CallSid"),
        (vec![("CallSid", "CA1"), ("From", "+15557654321")], "To"),
        (vec![("CallSid", "CA1"), ("From", "+15557654321"), ("To", "not-a-number")], "not-a-number"),
        (vec![("CallSid", "CA<script>"), ("From", "x"), ("To", "+15550100201")], "CallSid"),
    ] {
        let sig = twilio_signature_for(&edge, "/v1/telephony/twilio/voice", &params);
        let resp = twilio_request(&edge, "/v1/telephony/twilio/voice", &params, Some(&sig)).await;
        assert_eq!(resp.status(), 400, "{params:?}");
        assert!(resp.headers()["content-type"].to_str().unwrap_or("").starts_with("text/xml"));
        let body = resp.text().await.unwrap_or_default();
        assert!(body.contains("<Response>") && body.contains(needle), "{body}");
    }
    let client = reqwest::Client::new();
    let resp = client
        .post(edge.url("/v1/telephony/twilio/voice"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("From=%2B15557654321&To=%2B15550100201")
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 400);
    let json: Value = resp.json().await.expect("JSON error");
    assert!(json["error"]["message"].as_str().unwrap_or("").contains("CallSid"), "{json}");
    // A wrong content type and an oversized body.
    let resp = client
        .post(edge.url("/v1/telephony/twilio/voice"))
        .json(&json!({"CallSid": "CA1"}))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 415);
    let big = format!("CallSid=CA1&From=x&To=%2B15550100201&Pad={}", "a".repeat(70 * 1024));
    let resp = client
        .post(edge.url("/v1/telephony/twilio/voice"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 413);
    assert_eq!(demo_calls(&edge).await.len(), 1);
}

#[tokio::test]
async fn forged_or_missing_signatures_are_refused_and_nothing_is_recorded() {
    let edge = Edge::start().await;
    let params = [("CallSid", "CAforged0001"), ("From", "+15557654321"), ("To", "+15550100201")];
    let path = "/v1/telephony/twilio/voice";
    let good = twilio_signature_for(&edge, path, &params);
    let mut forged = good.clone();
    forged.replace_range(0..1, if good.starts_with('A') { "B" } else { "A" });
    for signature in [None, Some(forged.as_str()), Some("0/KCTR6DLpKmkAf8muzZqo1nDgQ=")] {
        let resp = twilio_request(&edge, path, &params, signature).await;
        assert_eq!(resp.status(), 403, "{signature:?}");
        let body = resp.text().await.unwrap_or_default();
        assert!(body.contains("X-Twilio-Signature"), "{body}");
    }
    // Signed for another URL (a replay against another endpoint) is refused too.
    let elsewhere = twilio_signature_for(&edge, "/v1/telephony/twilio/voice?x=1", &params);
    assert_eq!(twilio_request(&edge, path, &params, Some(&elsewhere)).await.status(), 403);
    assert!(demo_calls(&edge).await.is_empty(), "nothing recorded");
    // A real call; a status callback with a wrong signature cannot end it.
    assert_eq!(twilio_voice(&edge, "CAreal0001", "+15557654321", "+15550100201").await.0, 200);
    let status_path = "/v1/telephony/twilio/status?site=demo&tn=%2B15550100201";
    let status = [("CallSid", "CAchild"), ("ParentCallSid", "CAreal0001"), ("CallStatus", "busy")];
    let forged = twilio_signature_for(&edge, "/v1/telephony/twilio/voice", &status);
    assert_eq!(twilio_request(&edge, status_path, &status, Some(&forged)).await.status(), 403);
    assert_eq!(twilio_request(&edge, status_path, &status, None).await.status(), 403);
    let calls = demo_calls(&edge).await;
    assert_eq!((calls.len(), calls[0]["status"].as_str()), (1, Some("ringing")), "unchanged: {calls:?}");
    // X-Forwarded-Host is not trusted by default: a request Twilio signed for another host
    // cannot be replayed here by claiming that host.
    let public = "https://calls.example.com/v1/telephony/twilio/voice";
    let owned: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let sig = shared::twilio_signature(&edge.twilio_token, public, &owned);
    let forwarded = |edge: &Edge, sig: String| {
        reqwest::Client::new()
            .post(edge.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-host", "calls.example.com")
            .header("x-twilio-signature", sig)
            .body("CallSid=CAforged0001&From=%2B15557654321&To=%2B15550100201")
            .send()
    };
    assert_eq!(forwarded(&edge, sig.clone()).await.expect("post").status(), 403);
    drop(edge);

    // Behind a tunnel with PUBLIC_URL set: Twilio signed the public URL, and callbacks use it.
    let edge = Edge::start_with(&[("PUBLIC_URL", "https://calls.example.com")]).await;
    let resp = forwarded(&edge, sig).await.expect("post");
    assert_eq!(resp.status(), 200);
    let twiml = resp.text().await.unwrap_or_default();
    assert!(
        twiml.contains("https://calls.example.com/v1/telephony/twilio/status?site=demo"),
        "callbacks use the public origin: {twiml}"
    );
    assert_eq!(demo_calls(&edge).await.len(), 1);
}

/// Twilio's `Timestamp` parameter (RFC 2822), `secs` from now.
fn twilio_time(secs: i64) -> String {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let t = now + secs;
    let (days, rem) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        months[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Twilio's callbacks for one answered, recorded and transcribed call: the business's phone
/// rings 1 s after the call starts, is answered 6 s later, and they talk for 95 s.
fn lifecycle(sid: &str, tn: &str) -> Vec<(String, Vec<(&'static str, String)>)> {
    let q = format!("?site=demo&tn={}", tn.replace('+', "%2B"));
    let child = "CA0000000000000000000000000000c0de";
    let status = |s: &str, extra: Vec<(&'static str, String)>| {
        let mut p = vec![
            ("CallSid", child.to_string()),
            ("ParentCallSid", sid.to_string()),
            ("CallStatus", s.to_string()),
        ];
        p.extend(extra);
        (format!("/v1/telephony/twilio/status{q}"), p)
    };
    vec![
        status("initiated", vec![]),
        status("ringing", vec![("Timestamp", twilio_time(1))]),
        status("in-progress", vec![("Timestamp", twilio_time(6))]),
        status("completed", vec![("CallDuration", "95".into()), ("Timestamp", twilio_time(101))]),
        (
            format!("/v1/telephony/twilio/dial{q}"),
            vec![
                ("CallSid", sid.to_string()),
                ("DialCallStatus", "completed".into()),
                ("DialCallDuration", "95".into()),
            ],
        ),
        (
            format!("/v1/telephony/twilio/recording{q}"),
            vec![
                ("CallSid", sid.to_string()),
                ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/ACx/Recordings/RE1".into()),
                ("RecordingDuration", "95".into()),
                ("RecordingStatus", "completed".into()),
            ],
        ),
        (
            format!("/v1/telephony/twilio/transcription{q}"),
            vec![
                ("CallSid", sid.to_string()),
                (
                    "TranscriptionText",
                    "Hi, what's the price to install a new boiler? Is there a warranty?".into(),
                ),
                ("TranscriptionStatus", "completed".into()),
            ],
        ),
    ]
}

#[tokio::test]
async fn callbacks_replayed_ten_times_in_shuffled_order_make_one_correct_call() {
    let edge = Edge::start().await;
    let mut setup = edge.demo_setup();
    setup["keywords"] = json!(["price", "install", "warranty", "emergency"]);
    setup["record_calls"] = json!(true);
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let grant: Value = edge.lease(&json!({"site": "demo", "visitor": "visitor-storm-01", "utm_source": "bing", "utm_medium": "cpc"})).await;
    let tn = grant["number"].as_str().expect("number").to_string();
    let sid = "CA00000000000000000000000000005701";
    let (status, twiml) = twilio_voice(&edge, sid, "+15557650001", &tn).await;
    assert_eq!(status, 200);
    assert!(twiml.contains("record=\"record-from-answer-dual\""), "{twiml}");
    // Every callback (and the voice webhook) 10 times, in a seeded shuffled order.
    let mut hooks = lifecycle(sid, &tn);
    hooks.push((
        "/v1/telephony/twilio/voice".into(),
        vec![("CallSid", sid.to_string()), ("From", "+15557650001".into()), ("To", tn.clone())],
    ));
    let mut sends: Vec<usize> = (0..hooks.len() * 10).map(|i| i % hooks.len()).collect();
    let mut seed = 0x2545_f491_u64;
    for i in (1..sends.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        sends.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    for i in sends {
        let (path, params) = &hooks[i];
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (code, body) = twilio_post(&edge, path, &params).await;
        assert_eq!(code, 200, "{path}: {body}");
        assert!(body.contains("<Response"), "{body}");
    }
    let calls = demo_calls(&edge).await;
    assert_eq!(calls.len(), 1, "exactly one call: {calls:?}");
    let call = &calls[0];
    assert_eq!(call["status"], "completed");
    assert_eq!(call["answered"], true);
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["talk_secs"], 95, "the business leg's duration: ring time excluded");
    let ring = call["ring_secs"].as_u64().unwrap_or(99);
    assert!((5..=7).contains(&ring), "rang ~6 s (Twilio's timestamps, second precision): {ring}");
    assert_eq!(call["source"], "bing");
    assert_eq!(call["forwarded_to"], "+15550100100");
    assert_eq!(call["recordings"][0]["url"], "https://api.twilio.com/2010-04-01/Accounts/ACx/Recordings/RE1");
    assert_eq!(call["recordings"][0]["duration_secs"], 95);
    assert_eq!(call["tags"], json!(["price", "install", "warranty"]));
    let detail = demo_call_detail(&edge, sid).await;
    let kinds: Vec<&str> =
        detail["events"].as_array().expect("events").iter().filter_map(|e| e["type"].as_str()).collect();
    for kind in ["started", "routed", "ringing", "answered", "ended", "recording", "transcription"] {
        // Twilio's child-leg "completed" and the dial result are one event: the business leg ended.
        assert_eq!(kinds.iter().filter(|k| **k == kind).count(), 1, "{kind} once in {kinds:?}");
    }
}

#[tokio::test]
async fn a_missed_call_and_a_caller_who_hangs_up_end_in_their_states() {
    let edge = Edge::start().await;
    let tn = "+15550100203";
    let q = format!("?site=demo&tn={}", tn.replace('+', "%2B"));
    // No answer: the dial result arrives before the leg's own ringing callback.
    twilio_voice(&edge, "CAmissed0001", "+15557650002", tn).await;
    let dial = [("CallSid", "CAmissed0001"), ("DialCallStatus", "no-answer"), ("DialCallDuration", "0")];
    let (code, twiml) = twilio_post(&edge, &format!("/v1/telephony/twilio/dial{q}"), &dial).await;
    assert_eq!(code, 200);
    assert!(twiml.contains("<Hangup/>"), "{twiml}");
    let ringing = [("CallSid", "CAleg"), ("ParentCallSid", "CAmissed0001"), ("CallStatus", "ringing")];
    twilio_post(&edge, &format!("/v1/telephony/twilio/status{q}"), &ringing).await;
    // Busy.
    twilio_voice(&edge, "CAbusy0001", "+15557650003", tn).await;
    let busy = [("CallSid", "CAleg2"), ("ParentCallSid", "CAbusy0001"), ("CallStatus", "busy")];
    twilio_post(&edge, &format!("/v1/telephony/twilio/status{q}"), &busy).await;
    // The caller hangs up while the business's phone rings.
    twilio_voice(&edge, "CAhangup0001", "+15557650004", tn).await;
    for status in ["ringing", "canceled"] {
        let leg = [("CallSid", "CAleg3"), ("ParentCallSid", "CAhangup0001"), ("CallStatus", status)];
        assert_eq!(twilio_post(&edge, &format!("/v1/telephony/twilio/status{q}"), &leg).await.0, 200);
    }
    let calls = demo_calls(&edge).await;
    let by_sid = |sid: &str| calls.iter().find(|c| c["call_sid"] == sid).cloned().unwrap_or_default();
    let hung_up = by_sid("CAhangup0001");
    assert_eq!((hung_up["status"].as_str(), hung_up["outcome"].as_str()), (Some("canceled"), Some("missed")));
    let missed = by_sid("CAmissed0001");
    assert_eq!((missed["status"].as_str(), missed["answered"].as_bool()), (Some("no-answer"), Some(false)));
    assert_eq!(missed["outcome"], "missed");
    assert!(missed["talk_secs"].is_null());
    assert_eq!(by_sid("CAbusy0001")["status"], "busy");
    // A callback for a site that is not the number's, or without the tracking number.
    let wrong = [("CallSid", "CAx"), ("CallStatus", "completed")];
    let (code, _) =
        twilio_post(&edge, "/v1/telephony/twilio/status?site=demo&tn=%2B15559990000", &wrong).await;
    assert_eq!(code, 400);
    let (code, body) = twilio_post(&edge, "/v1/telephony/twilio/status?site=demo", &wrong).await;
    assert_eq!(code, 400);
    assert!(body.contains("tn"), "{body}");
    assert_eq!(demo_calls(&edge).await.len(), 3);
}
