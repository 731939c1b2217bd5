//! The site's CRM hears about calls: signed webhooks at call start and end, retried with
//! backoff when the CRM fails, with a delivery log per call.

use hmac::{Hmac, Mac};
use ringtrace_tests::{demo_call_detail, twilio_post, twilio_voice, Edge, EdgeApi, WebhookReceiver};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::Duration;

const SECRET: &str = "crm-secret-for-tests-0001";

/// Checks `X-Ringtrace-Signature: t=…,v1=…` independently of the product's code.
fn signed(header: &str, body: &str) -> bool {
    let (mut t, mut v1) = (None, None);
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = Some(x.to_string()),
            Some(("v1", x)) => v1 = Some(x.to_string()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()) else { return false };
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let fresh = t.parse::<u64>().is_ok_and(|t| {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        now.abs_diff(t) < 300
    });
    hex == v1 && fresh
}

#[tokio::test]
async fn call_start_and_end_reach_the_crm_signed_and_retried() {
    let edge = Edge::start().await;
    let crm = WebhookReceiver::start(2); // fails twice, then accepts
    let mut setup = edge.demo_setup();
    setup["crm_webhook"] = json!({"url": crm.url, "secret": SECRET});
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let grant: Value = edge.lease(&json!({"site": "demo", "visitor": "visitor-crm-01", "utm_source": "google", "utm_medium": "cpc", "utm_campaign": "winter"})).await;
    let tn = grant["number"].as_str().expect("number").to_string();
    let sid = "CA0000000000000000000000000000c4e1";
    let started = std::time::Instant::now();
    let (status, _) = twilio_voice(&edge, sid, "+15557650050", &tn).await;
    assert_eq!(status, 200, "the telephony answer does not wait for the CRM");
    // call.started fails twice (retried after ~0.3 s, then ~0.6 s) and is then accepted.
    let wait_for = |accepted: usize| {
        let crm = &crm;
        async move {
            while started.elapsed() < Duration::from_secs(30) {
                let received = crm.received();
                if received.iter().filter(|r| r.answered == 200).count() >= accepted {
                    return received;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            crm.received()
        }
    };
    let first = wait_for(1).await;
    let answered: Vec<u16> = first.iter().map(|r| r.answered).collect();
    assert_eq!(answered, [500, 500, 200], "retried after two failures");
    assert!(first.iter().all(|r| r.header("x-ringtrace-event") == Some("call.started")));
    // The call ends: call.ended follows.
    let q = format!("?site=demo&tn={}", tn.replace('+', "%2B"));
    let dial = [("CallSid", sid), ("DialCallStatus", "completed"), ("DialCallDuration", "42")];
    assert_eq!(twilio_post(&edge, &format!("/v1/telephony/twilio/dial{q}"), &dial).await.0, 200);
    let received = wait_for(2).await;
    let accepted: Vec<_> = received.iter().filter(|r| r.answered == 200).collect();
    assert_eq!(accepted.len(), 2, "start and end delivered: {received:?}");
    assert_eq!(received.iter().filter(|r| r.answered == 500).count(), 2, "two failures before");
    for hook in &received {
        let sig = hook.header("x-ringtrace-signature").unwrap_or("");
        assert!(signed(sig, &hook.body), "signature {sig} verifies over timestamp + body");
    }
    assert!(
        !signed(
            accepted[0].header("x-ringtrace-signature").unwrap_or(""),
            &accepted[0].body.replace("winter", "summer")
        ),
        "a changed body fails"
    );
    let bodies: Vec<Value> =
        accepted.iter().map(|r| serde_json::from_str(&r.body).expect("JSON body")).collect();
    let events: Vec<&str> = bodies.iter().filter_map(|b| b["event"].as_str()).collect();
    assert!(events.contains(&"call.started") && events.contains(&"call.ended"), "{events:?}");
    let ended = bodies.iter().find(|b| b["event"] == "call.ended").expect("ended");
    assert_eq!(ended["call"]["campaign"], "winter");
    assert_eq!(ended["call"]["talk_secs"], 42);
    assert_eq!(ended["call"]["status"], "completed");

    // The delivery log shows every attempt.
    let detail = demo_call_detail(&edge, sid).await;
    let deliveries = detail["deliveries"].as_array().cloned().unwrap_or_default();
    assert_eq!(deliveries.len(), 2, "{detail}");
    for d in &deliveries {
        assert_eq!(d["state"], "delivered", "{d}");
    }
    let statuses: Vec<Vec<u64>> = deliveries
        .iter()
        .map(|d| {
            d["attempts"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x["status"].as_u64()).collect())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(statuses, [vec![500, 500, 200], vec![200]], "started (retried), then ended");
    // The webhook's secret never comes back from the API.
    let resp = edge.put_site("demo", &setup).await;
    assert!(!resp.text().await.unwrap_or_default().contains(SECRET));
}

#[tokio::test]
async fn a_crm_that_hangs_never_holds_up_a_call_and_is_retried() {
    let edge = Edge::start().await;
    // The CRM holds the first request for 15 s: well past the edge's 10 s delivery timeout
    // (whose timer can fire late on a loaded machine).
    let crm = WebhookReceiver::start_holding(0, Some(Duration::from_secs(15)));
    let mut setup = edge.demo_setup();
    setup["crm_webhook"] = json!({"url": crm.url, "secret": SECRET});
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let sid = "CA0000000000000000000000000000510e";
    // The harness's client gives up after 8 s: a voice webhook that waited on the CRM fails.
    let (status, twiml) = twilio_voice(&edge, sid, "+15557650060", "+15550100202").await;
    assert_eq!(status, 200);
    assert!(twiml.contains("<Dial"), "{twiml}");
    let q = "?site=demo&tn=%2B15550100202";
    let ringing = [("CallSid", "CAleg"), ("ParentCallSid", sid), ("CallStatus", "ringing")];
    assert_eq!(twilio_post(&edge, &format!("/v1/telephony/twilio/status{q}"), &ringing).await.0, 200);
    let started = std::time::Instant::now();
    let mut deliveries = Vec::new();
    while started.elapsed() < Duration::from_secs(40) {
        let detail = demo_call_detail(&edge, sid).await;
        deliveries = detail["deliveries"].as_array().cloned().unwrap_or_default();
        if deliveries.first().is_some_and(|d| d["state"] == "delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let attempts = deliveries.first().and_then(|d| d["attempts"].as_array().cloned()).unwrap_or_default();
    assert_eq!(attempts.len(), 2, "{deliveries:?}");
    assert!(attempts[0]["error"].as_str().unwrap_or("").contains("no answer within 10 s"), "{attempts:?}");
    assert_eq!(attempts[1]["status"], 200);
}
