//! The live stream through the real edge: a dashboard's ticket, a real WebSocket accepted by
//! the site's Durable Object (hibernation API), and a call's events as Twilio's signed
//! webhooks arrive; reconnecting with the last seq; tickets that open only their site, once;
//! messages a client must not send.

use reqwest::Method;
use ringtrace_tests::{live_ticket, live_url, twilio_post, twilio_voice, Edge, EdgeApi, LiveSocket};
use serde_json::{json, Value};
use std::time::Duration;

const CALLER: &str = "+15557660101";

/// A visitor from a Google ad holds a number: the one a caller dials.
async fn leased_number(edge: &Edge, visitor: &str) -> String {
    let grant = edge
        .lease(&json!({"site": "demo", "visitor": visitor, "utm_source": "google", "utm_medium": "cpc",
                       "utm_campaign": "water-heaters", "utm_term": "tankless install",
                       "landing_page": "https://demo.example/water-heaters"}))
        .await;
    grant["number"].as_str().expect("a number").to_string()
}

/// The business answers (the dialled leg's status callback), then the call ends after `talk`
/// seconds (the dial's action), as Twilio reports them.
async fn answer_and_end(edge: &Edge, sid: &str, tn: &str, talk: &str) {
    let q = format!("?site=demo&tn={}", tn.replace('+', "%2B"));
    let child = format!("{}b", &sid[..sid.len() - 1]);
    let answered = [("CallSid", child.as_str()), ("ParentCallSid", sid), ("CallStatus", "in-progress")];
    assert_eq!(twilio_post(edge, &format!("/v1/telephony/twilio/status{q}"), &answered).await.0, 200);
    let done = [("CallSid", sid), ("DialCallStatus", "completed"), ("DialCallDuration", talk)];
    assert_eq!(twilio_post(edge, &format!("/v1/telephony/twilio/dial{q}"), &done).await.0, 200);
}

async fn live_calls(edge: &Edge) -> Vec<Value> {
    let resp = edge
        .site_request(Method::GET, "demo", "/calls/live", &edge.demo_token)
        .send()
        .await
        .expect("calls/live");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("calls/live JSON");
    body["calls"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_call_is_on_the_stream_before_the_phone_rings_then_answered_and_ended() {
    let edge = Edge::start().await;
    let tn = leased_number(&edge, "visitor-live-01").await;
    let mut live = LiveSocket::demo(&edge, None).await;
    let hello = live.next(Duration::from_secs(5)).await.expect("hello");
    let start = hello["hello"]["seq"].as_u64().expect("the current seq");

    let sid = "CA0000000000000000000000000000l1v1";
    let (status, twiml) = twilio_voice(&edge, sid, CALLER, &tn).await;
    assert!(status == 200 && twiml.contains("<Dial"), "{twiml}");
    let incoming = live.next_event("call.incoming").await;
    assert_eq!(incoming["seq"].as_u64(), Some(start + 1), "{incoming}");
    let call = &incoming["call"];
    assert_eq!((call["call_sid"].as_str(), call["from"].as_str()), (Some(sid), Some(CALLER)));
    assert_eq!((call["source"].as_str(), call["campaign"].as_str()), (Some("google"), Some("water-heaters")));
    assert_eq!(call["keyword"], "tankless install");
    assert_eq!(call["landing_page"], "https://demo.example/water-heaters");
    assert_eq!(
        (incoming["caller"]["earlier_calls"].as_u64(), incoming["line"].as_str()),
        (Some(0), Some("+15550100100"))
    );
    let now_live = live_calls(&edge).await;
    assert!(now_live.iter().any(|c| c["call_sid"] == sid), "in progress: {now_live:?}");

    answer_and_end(&edge, sid, &tn, "42").await;
    let answered = live.next_event("call.answered").await;
    assert_eq!(answered["seq"].as_u64(), Some(start + 2));
    let ended = live.next_event("call.ended").await;
    assert_eq!(
        (ended["call"]["outcome"].as_str(), ended["call"]["talk_secs"].as_u64()),
        (Some("answered"), Some(42))
    );
    assert!(live_calls(&edge).await.iter().all(|c| c["call_sid"] != sid), "no longer in progress");

    // The same caller again: the card says they called before, and when.
    let again = "CA0000000000000000000000000000l1v2";
    twilio_voice(&edge, again, CALLER, &tn).await;
    let second = live.next_event("call.incoming").await;
    assert_eq!(second["caller"]["earlier_calls"], 1);
    assert_eq!(second["caller"]["last_call_at"], call["started_at"]);
    assert_eq!(second["call"]["repeat"], true);
    // A socket-level ping is answered without the object (auto-response).
    live.send_text("ping".into()).await;
    assert_eq!(live.next_text(Duration::from_secs(5)).await.as_deref(), Some("pong"));
    live.close().await;
}

#[tokio::test]
async fn a_client_that_reconnects_gets_what_it_missed_in_order_and_none_twice() {
    let edge = Edge::start().await;
    let tn = leased_number(&edge, "visitor-live-02").await;
    let mut first = LiveSocket::demo(&edge, None).await;
    let seen = first.next(Duration::from_secs(5)).await.unwrap()["hello"]["seq"].as_u64().unwrap();
    first.close().await;
    // Calls arrive while nobody is connected.
    for i in 0..3 {
        twilio_voice(&edge, &format!("CA00000000000000000000000000000rc{i}"), CALLER, &tn).await;
    }
    let mut back = LiveSocket::demo(&edge, Some(seen)).await;
    assert_eq!(back.next(Duration::from_secs(5)).await.unwrap()["hello"]["seq"].as_u64(), Some(seen + 3));
    let mut seqs = Vec::new();
    for _ in 0..3 {
        seqs.push(back.next_event("call.incoming").await["seq"].as_u64().unwrap());
    }
    assert_eq!(seqs, [seen + 1, seen + 2, seen + 3], "in order");
    // Then live: the next call's event, and nothing repeated.
    twilio_voice(&edge, "CA00000000000000000000000000000rc9", CALLER, &tn).await;
    assert_eq!(back.next_event("call.incoming").await["seq"].as_u64(), Some(seen + 4));
    assert_eq!(back.next(Duration::from_millis(800)).await, None, "none twice");
    // Asking with a message, on a socket opened without resume: what came before it opened,
    // once per socket.
    let mut fresh = LiveSocket::demo(&edge, None).await;
    assert_eq!(fresh.next(Duration::from_secs(5)).await.unwrap()["hello"]["seq"].as_u64(), Some(seen + 4));
    fresh.send_text(json!({"resume": seen + 1}).to_string()).await;
    let mut again = Vec::new();
    for _ in 0..3 {
        again.push(fresh.next(Duration::from_secs(5)).await.unwrap()["seq"].as_u64().unwrap());
    }
    assert_eq!(again, [seen + 2, seen + 3, seen + 4]);
    fresh.send_text(json!({"resume": seen}).to_string()).await;
    assert!(fresh.next(Duration::from_secs(5)).await.unwrap()["error"].is_string(), "one resume per socket");
    // A seq this site never sent: reset (the client reloads).
    let mut future = LiveSocket::demo(&edge, Some(seen + 1000)).await;
    future.next(Duration::from_secs(5)).await.expect("hello");
    assert_eq!(future.next(Duration::from_secs(5)).await, Some(json!({"reset": true})));
}

#[tokio::test]
async fn tickets_open_only_their_site_once_and_a_client_cannot_harm_the_stream() {
    let edge = Edge::start().await;
    // Another site with its own token.
    let mut other = edge.demo_setup();
    other["business_number"] = json!("+15550109900");
    other["pool"] = json!(["+15550109901"]);
    other["masking_numbers"] = json!([]);
    other["api_token"] = json!("other-site-token-0123456789");
    edge.put_site_ok("other", &other).await;
    let ticket = live_ticket(&edge, "other", "other-site-token-0123456789").await;
    assert_eq!(
        LiveSocket::open(&live_url(&edge, "demo", &ticket, None)).await.err(),
        Some(401),
        "another site's ticket"
    );
    assert!(LiveSocket::open(&live_url(&edge, "other", &ticket, None)).await.is_ok(), "its own site");
    assert_eq!(LiveSocket::open(&live_url(&edge, "other", &ticket, None)).await.err(), Some(401), "used");
    assert_eq!(
        LiveSocket::open(&live_url(&edge, "demo", "0123abcd", None)).await.err(),
        Some(401),
        "made up"
    );
    assert_eq!(LiveSocket::open(&live_url(&edge, "demo", "", None)).await.err(), Some(401), "none");
    assert_eq!(LiveSocket::open(&live_url(&edge, "nosuchsite", "0123abcd", None)).await.err(), Some(401));
    let bad_resume = live_ticket(&edge, "demo", &edge.demo_token).await;
    for bad in ["soon", "-1", "1.5"] {
        let url = live_url(&edge, "demo", &bad_resume, None) + "&resume=" + bad;
        assert_eq!(LiveSocket::open(&url).await.err(), Some(400), "resume={bad}");
    }
    assert!(
        LiveSocket::open(&live_url(&edge, "demo", &bad_resume, None)).await.is_ok(),
        "a refused resume keeps the ticket"
    );
    // A ticket needs the site's token; the stream needs an upgrade.
    let resp =
        edge.site_request(Method::POST, "demo", "/live/ticket", "not-the-token-00000").send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let plain = edge.http().get(edge.url("/v1/sites/demo/live?ticket=abc")).send().await.unwrap();
    assert_eq!(plain.status(), 426);

    // 1 MB from a client: its socket is closed (1009); the stream and the calls go on.
    let mut rude = LiveSocket::demo(&edge, None).await;
    rude.next(Duration::from_secs(5)).await.expect("hello");
    rude.send_text("x".repeat(1024 * 1024)).await;
    assert_eq!(rude.closed_with(Duration::from_secs(10)).await, Some(1009));
    let mut junk = LiveSocket::demo(&edge, None).await;
    junk.next(Duration::from_secs(5)).await.expect("hello");
    junk.send_text("{\"resume\": \"yesterday\"}".into()).await;
    assert!(junk.next(Duration::from_secs(5)).await.unwrap()["error"].is_string());
    let tn = leased_number(&edge, "visitor-live-03").await;
    let (status, twiml) = twilio_voice(&edge, "CA0000000000000000000000000000l1v3", CALLER, &tn).await;
    assert!(status == 200 && twiml.contains("<Dial"), "{twiml}");
    assert_eq!(
        junk.next_event("call.incoming").await["call"]["call_sid"],
        "CA0000000000000000000000000000l1v3"
    );
}
