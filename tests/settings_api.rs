//! The site owner's settings API: read without secrets, changed field by field with the
//! site's own token, bad values refused with the field they are about.

use ringtrace_tests::{twilio_voice, Edge, EdgeApi};
use serde_json::{json, Value};

#[tokio::test]
async fn owners_read_and_change_their_settings() {
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    let url = edge.url("/v1/sites/demo/settings");
    let refused = [
        client.get(&url),
        client.get(&url).bearer_auth("wrong-token-wrong-token"),
        client.get(&url).bearer_auth(&edge.admin_token),
        client.get(edge.url("/v1/sites/other/settings")).bearer_auth(&edge.demo_token),
        client.patch(&url).bearer_auth("wrong-token-wrong-token").json(&json!({"lease_minutes": 5})),
    ];
    for req in refused {
        let resp = req.send().await.expect("request");
        assert_eq!(resp.status(), 401);
        let body: Value = resp.json().await.expect("JSON error");
        assert_eq!(body["error"]["code"], "unauthorized");
    }

    let get = || async {
        let resp = edge.settings("demo", &edge.demo_token).await;
        assert_eq!(resp.status(), 200);
        resp.text().await.expect("text")
    };
    let shown = get().await;
    let token_hash = shared::hash_token(&edge.demo_token);
    for secret in [edge.twilio_token.as_str(), edge.demo_token.as_str(), token_hash.as_str()] {
        assert!(!shown.contains(secret), "a secret was sent back: {shown}");
    }
    let before: Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(before["twilio_auth_token_set"], true);
    assert_eq!(before["pool"].as_array().map(Vec::len), Some(6));
    assert_eq!(before["lease_minutes"], 15);

    let patch = |body: Value| edge.patch_settings("demo", &edge.demo_token, &body);
    let resp =
        patch(json!({"lease_minutes": 25, "keywords": ["Estimate", "emergency"], "record_calls": true}))
            .await;
    assert_eq!(resp.status(), 200);
    let saved: Value = resp.json().await.expect("json");
    assert_eq!(saved["lease_minutes"], 25);
    assert_eq!(saved["keywords"], json!(["estimate", "emergency"]));
    let after: Value = serde_json::from_str(&get().await).expect("json");
    assert_eq!(after, saved, "the change was stored");
    assert_eq!(after["pool"], before["pool"], "fields left out are kept");
    // The Twilio token was left out, so it was kept: signed webhooks still verify.
    let (status, twiml) = twilio_voice(&edge, "CAsettings01", "+15557654321", "+15550100201").await;
    assert_eq!(status, 200, "{twiml}");
    assert!(twiml.contains("record=\"record-from-answer"), "recording is now on: {twiml}");

    let bad = [
        (json!({"lease_minutes": 0}), 400, Some("lease_minutes")),
        (json!({"lease_minutes": "ten"}), 400, Some("lease_minutes")),
        (json!({"pool": [{"number": "+15550100201", "region": "Texas"}]}), 400, Some("pool[0].region")),
        (json!({"pool": ["+15550100201", "not a number"]}), 400, Some("pool[1].number")),
        (
            json!({"business_hours": {"time_zone": "UTC", "weekly": {"mon": ["9-5"]}}}),
            400,
            Some("business_hours.weekly.mon"),
        ),
        (
            json!({"crm_webhook": {"url": "http://crm.example/hook", "secret": "0123456789abcdef"}}),
            400,
            Some("crm_webhook.url"),
        ),
        (json!({"api_token": "a-new-token-of-my-choosing"}), 400, Some("api_token")),
        (json!({"lease_minuts": 30}), 400, Some("lease_minuts")),
        (json!(["lease_minutes"]), 400, None),
    ];
    for (body, status, field) in bad {
        let resp = patch(body.clone()).await;
        assert_eq!(resp.status().as_u16(), status, "{body}");
        let answer: Value = resp.json().await.expect("JSON error");
        assert_eq!(answer["error"]["field"].as_str(), field, "{body}: {answer}");
        assert!(!answer["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    let resp = client.patch(&url).bearer_auth(&edge.demo_token).body("{}").send().await.expect("patch");
    assert_eq!(resp.status(), 415, "JSON only");
    let huge = json!({"name": "x".repeat(300 * 1024)});
    assert_eq!(patch(huge).await.status(), 413);
    let unchanged: Value = serde_json::from_str(&get().await).expect("json");
    assert_eq!(unchanged, saved, "refused changes changed nothing");

    // A pool number removed here stops routing to the site; one added starts.
    let mut pool = saved["pool"].as_array().expect("pool").clone();
    pool.pop();
    pool.push(json!({"number": "+15550100299", "region": "US-TX"}));
    let resp = patch(json!({"pool": pool})).await;
    assert_eq!(resp.status(), 200);
    let (status, twiml) = twilio_voice(&edge, "CAsettings02", "+15557654321", "+15550100299").await;
    assert_eq!(status, 200);
    assert!(twiml.contains("+15550100100"), "the new number forwards to the business: {twiml}");
}
