//! Twilio's voice webhook through the real edge: TwiML back, the call recorded once.

use ringtrace_tests::{demo_calls, twilio_voice, Edge};
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
    assert!(twiml.contains("<Number>+15550100100</Number>"), "forwards to the business number: {twiml}");

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
    assert!(twiml.contains("<Number>+15550100100</Number>"), "{twiml}");
    let calls = demo_calls(&edge).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["attributed"], false);
    assert!(calls[0]["source"].is_null() && calls[0]["campaign"].is_null() && calls[0]["region"].is_null());

    // A number that is no site's: valid TwiML that rejects, nothing recorded.
    let (status, twiml) = twilio_voice(&edge, "CAstranger0001", "+15557654321", "+15559990000").await;
    assert_eq!(status, 200);
    assert!(twiml.contains("<Reject"), "{twiml}");
    assert_eq!(demo_calls(&edge).await.len(), 1);

    // Malformed webhooks: a JSON 400 naming the problem, nothing recorded.
    let client = reqwest::Client::new();
    for (body, needle) in [
        ("From=%2B15557654321&To=%2B15550100201", "CallSid"),
        ("CallSid=CA1&From=%2B15557654321", "To"),
        ("CallSid=CA1&From=%2B15557654321&To=not-a-number", "not-a-number"),
        ("CallSid=CA%3Cscript%3E&From=x&To=%2B15550100201", "CallSid"),
    ] {
        let resp = client.post(edge.url("/v1/telephony/twilio/voice")).body(body).send().await.expect("post");
        assert_eq!(resp.status(), 400, "{body}");
        let json: Value = resp.json().await.expect("json error");
        assert!(json["error"]["message"].as_str().unwrap_or("").contains(needle), "{json}");
    }
    assert_eq!(demo_calls(&edge).await.len(), 1);
}

#[tokio::test]
async fn a_call_is_credited_by_the_sites_attribution_model() {
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    let lease = |body: Value| {
        let client = client.clone();
        let url = edge.url("/v1/lease");
        async move { client.post(url).body(body.to_string()).send().await.expect("lease").json::<Value>().await }
    };
    // An ad click, then the same visitor back by typing the address: under the default model
    // (last non-direct touch) the ad keeps the credit.
    let first = lease(json!({"site": "demo", "visitor": "visitor-model-01", "utm_source": "google",
                             "utm_medium": "cpc", "utm_campaign": "spring",
                             "landing_page": "https://demo.example/"}))
    .await
    .expect("json");
    let again = lease(json!({"site": "demo", "visitor": "visitor-model-01",
                             "landing_page": "https://demo.example/"}))
    .await
    .expect("json");
    assert_eq!(again["number"], first["number"]);
    let number = first["number"].as_str().expect("number");
    twilio_voice(&edge, "CAmodel0001", "+15557654321", number).await;
    let calls = demo_calls(&edge).await;
    assert_eq!(calls[0]["channel"], "paid search");
    assert_eq!(calls[0]["source"], "google");
    assert_eq!(calls[0]["campaign"], "spring");

    // Switch the demo site to last touch: the typed-in visit now gets the credit.
    let mut site = edge.demo_setup();
    site["attribution_model"] = json!("last_touch");
    let resp = edge.put_site("demo", &site).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.expect("json")["attribution_model"], "last_touch");
    lease(json!({"site": "demo", "visitor": "visitor-model-01", "landing_page": "https://demo.example/"}))
        .await
        .expect("json");
    twilio_voice(&edge, "CAmodel0002", "+15557654321", number).await;
    let calls = demo_calls(&edge).await;
    assert_eq!(calls[0]["call_sid"], "CAmodel0002");
    assert_eq!(
        (calls[0]["channel"].as_str(), calls[0]["source"].as_str()),
        (Some("direct"), Some("(direct)"))
    );

    // An unknown model is refused with a message naming the field.
    site["attribution_model"] = json!("w_shaped");
    let resp = edge.put_site("demo", &site).await;
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.expect("json");
    assert!(err["error"]["message"].as_str().unwrap_or("").contains("attribution_model"), "{err}");
}

#[tokio::test]
async fn static_numbers_win_over_the_pool_and_calls_credit_the_rule() {
    let edge = Edge::start().await;
    let mut site = edge.demo_setup();
    site["static_numbers"] = json!([{"number": "+1 555 010 0777", "channel": "organic social"}]);
    let resp = edge.put_site("demo", &site).await;
    assert_eq!(resp.status(), 200);

    let grant: Value = edge
        .lease(
            &json!({"site": "demo", "visitor": "visitor-social-1", "referrer": "https://www.instagram.com/",
                     "landing_page": "https://demo.example/"}),
        )
        .await;
    assert_eq!(
        (grant["number"].as_str(), grant["static_number"].as_bool()),
        (Some("+15550100777"), Some(true))
    );

    let (status, twiml) = twilio_voice(&edge, "CAstatic0001", "+15557654321", "+15550100777").await;
    assert_eq!(status, 200);
    assert!(twiml.contains("<Number>+15550100100</Number>"), "static numbers forward too: {twiml}");
    let calls = demo_calls(&edge).await;
    assert_eq!(calls[0]["static_number"], true);
    assert_eq!(calls[0]["channel"], "organic social");
    assert!(calls[0]["visitor"].is_null(), "a static number belongs to no single session");

    site["static_numbers"] = json!([{"number": "+1 555 010 0778", "channel": "smoke signals"}]);
    let resp = edge.put_site("demo", &site).await;
    assert_eq!(resp.status(), 400);
}
