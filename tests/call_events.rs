//! Provider-neutral call events (`POST /v1/sites/{site}/calls/events`): any provider or PBX
//! reports calls; replays and out-of-order events end as one correct call.

use reqwest::Method;
use ringtrace_tests::{demo_call_detail, demo_call_event, demo_calls, Answer, Edge, EdgeApi};
use serde_json::{json, Value};

#[tokio::test]
async fn a_pbx_reports_a_call_out_of_order_and_twice() {
    let edge = Edge::start().await;
    let grant: Value = edge.lease(&json!({"site": "demo", "visitor": "visitor-pbx-01", "utm_source": "facebook", "utm_medium": "paid_social"})).await;
    let tn = grant["number"].as_str().expect("number");
    let t0 = "2026-11-23T10:00:00Z";
    let ended = json!({"call_id": "pbx-0001", "event": "ended", "to": tn, "status": "completed",
                       "at": "2026-11-23T10:02:10Z", "duration_seconds": 120,
                       "recording_url": "https://pbx.example/rec/0001.mp3", "recording_duration_seconds": 120});
    let started =
        json!({"call_id": "pbx-0001", "event": "started", "to": tn, "from": "+15557650040", "at": t0});
    let answered =
        json!({"call_id": "pbx-0001", "event": "answered", "to": tn, "at": "2026-11-23T10:00:10Z"});
    for body in [&ended, &answered, &ended, &started, &answered, &started] {
        demo_call_event(&edge, body).await;
    }
    let calls = demo_calls(&edge).await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call["started_at"], "2026-11-23T10:00:00Z", "the started event's time");
    assert_eq!(call["from"], "+15557650040");
    assert_eq!((call["status"].as_str(), call["answered"].as_bool()), (Some("completed"), Some(true)));
    assert_eq!((call["ring_secs"].as_u64(), call["talk_secs"].as_u64()), (Some(10), Some(120)));
    assert_eq!(call["recordings"][0]["url"], "https://pbx.example/rec/0001.mp3");
    let detail = demo_call_detail(&edge, "pbx-0001").await;
    assert_eq!(
        detail["events"].as_array().map(Vec::len),
        Some(4),
        "started, answered, ended, recording: {detail}"
    );
}

#[tokio::test]
async fn bad_events_are_refused_with_a_message() {
    let edge = Edge::start().await;
    let ok = json!({"call_id": "pbx-1", "event": "started", "to": "+15550100201"});
    for (body, status, needle) in [
        (json!({"call_id": "pbx-1", "event": "exploded", "to": "+15550100201"}), 400, "exploded"),
        (json!({"call_id": "pbx-1", "event": "started", "to": "555"}), 400, "555"),
        (json!({"call_id": "pbx-1", "event": "started", "to": "+15559990000"}), 400, "not a tracking number"),
        (json!({"call_id": "", "event": "started", "to": "+15550100201"}), 400, "call_id"),
        (
            json!({"call_id": "pbx-1", "event": "ended", "to": "+15550100201", "status": "ringing"}),
            400,
            "status",
        ),
        (
            json!({"call_id": "pbx-1", "event": "started", "to": "+15550100201", "colour": "red"}),
            400,
            "colour",
        ),
        (json!({"call_id": 7, "event": "started", "to": "+15550100201"}), 400, "call_id"),
        (
            json!({"call_id": "pbx-1", "event": "recording", "to": "+15550100201", "recording_url": "http://x"}),
            400,
            "https",
        ),
    ] {
        let answer = Answer::read(edge.call_event("demo", &edge.demo_token, &body).await).await;
        let (code, answer) = (answer.status, answer.body());
        assert_eq!(code, status, "{body} → {answer}");
        assert!(
            answer["error"]["message"].as_str().unwrap_or("").contains(needle),
            "{answer} should mention {needle}"
        );
    }
    let resp = edge.call_event("demo", "wrong-token-0123456789", &ok).await;
    assert_eq!(resp.status(), 401);
    let resp = edge
        .site_request(Method::POST, "demo", "/calls/events", &edge.demo_token)
        .header("content-type", "text/plain")
        .body(ok.to_string())
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 415);
    let resp = edge
        .site_request(Method::POST, "demo", "/calls/events", &edge.demo_token)
        .header("content-type", "application/json")
        .body(format!("{{\"call_id\":\"pbx-1\",\"event\":\"transcription\",\"to\":\"+15550100201\",\"transcript\":\"{}\"}}", "a".repeat(70_000)))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 413);
    assert!(demo_calls(&edge).await.is_empty(), "nothing recorded");
}
