//! The calls API answers only to the site's token.

use ringtrace_tests::Edge;
use serde_json::Value;

#[tokio::test]
async fn calls_need_the_sites_bearer_token() {
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    let url = edge.url("/v1/sites/demo/calls");
    let requests = [
        client.get(&url),
        client.get(&url).bearer_auth("wrong-token-wrong-token"),
        client.get(&url).header("authorization", edge.demo_token.clone()), // no "Bearer "
        client.get(edge.url("/v1/sites/other/calls")).bearer_auth(&edge.demo_token),
    ];
    for req in requests {
        let resp = req.send().await.expect("get");
        assert_eq!(resp.status(), 401);
        let json: Value = resp.json().await.expect("JSON error");
        assert_eq!(json["error"]["code"], "unauthorized");
    }
    let resp = client.get(&url).bearer_auth(&edge.demo_token).send().await.expect("get");
    assert_eq!(resp.status(), 200);
    // The scheme is case-insensitive (RFC 7235), as some HTTP clients send it lowercase.
    let lower = format!("bearer {}", edge.demo_token);
    let resp = client.get(&url).header("authorization", lower).send().await.expect("get");
    assert_eq!(resp.status(), 200);
    let json: Value = resp.json().await.expect("json");
    assert_eq!(json["calls"], Value::Array(vec![]), "a new site has no calls yet");

    let resp = client.get(format!("{url}?limit=0")).bearer_auth(&edge.demo_token).send().await.expect("get");
    assert_eq!(resp.status(), 400);
    let resp = client.get(edge.url("/v1/no/such/thing")).send().await.expect("get");
    assert_eq!(resp.status(), 404);
    let json: Value = resp.json().await.expect("JSON 404");
    assert_eq!(json["error"]["code"], "not_found");
}

#[tokio::test]
async fn reports_group_calls_and_sessions() {
    use ringtrace_tests::{twilio_voice, Edge};
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    let mut numbers = Vec::new();
    for (visitor, source) in
        [("visitor-rep-01", "google"), ("visitor-rep-02", "google"), ("visitor-rep-03", "bing")]
    {
        let grant: Value = edge.lease(&serde_json::json!({"site": "demo", "visitor": visitor, "utm_source": source, "utm_medium": "cpc",
                                     "utm_campaign": "spring"})).await;
        numbers.push(grant["number"].as_str().expect("number").to_string());
    }
    twilio_voice(&edge, "CArep0001", "+15557654321", &numbers[0]).await;
    twilio_voice(&edge, "CArep0002", "+15557654322", &numbers[0]).await;

    let get = |query: &str, token: Option<&str>| {
        let mut req = client.get(edge.url(&format!("/v1/sites/demo/report?{query}")));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let resp = get("group_by=source,campaign", Some(&edge.demo_token)).await.expect("report");
    assert_eq!(resp.status(), 200);
    let report: Value = resp.json().await.expect("json");
    let rows = report["rows"].as_array().expect("rows");
    let google =
        rows.iter().find(|r| r["key"] == serde_json::json!(["google", "spring"])).expect("google row");
    assert_eq!((google["calls"].as_u64(), google["sessions"].as_u64()), (Some(2), Some(2)));
    assert_eq!(google["conversion_rate"].as_f64(), Some(1.0));
    assert_eq!(google["first_time"].as_u64(), Some(2));
    let bing = rows.iter().find(|r| r["key"] == serde_json::json!(["bing", "spring"])).expect("bing row");
    assert_eq!((bing["calls"].as_u64(), bing["sessions"].as_u64()), (Some(0), Some(1)));

    let resp = get("group_by=source", None).await.expect("report");
    assert_eq!(resp.status(), 401);
    for query in
        ["group_by=shoe_size", "group_by=source&from=2026-11-30&to=2026-11-01", "", "group_by=day&from=soon"]
    {
        let resp = get(query, Some(&edge.demo_token)).await.expect("report");
        assert_eq!(resp.status(), 400, "{query}");
        let err: Value = resp.json().await.expect("json error");
        assert!(err["error"]["message"].is_string());
    }
}
