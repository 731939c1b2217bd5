//! The lease path through the real edge: the Durable Object hands out numbers, KV mirrors.

use ringtrace_tests::{demo_calls, twilio_voice, Edge};
use serde_json::{json, Value};

const POOL: [&str; 6] =
    ["+15550100201", "+15550100202", "+15550100203", "+15550100204", "+15550100205", "+15550100206"];

async fn lease(edge: &Edge, body: &Value) -> (u16, Value, Option<String>) {
    // The widget sends text/plain so browsers skip the CORS preflight; do the same.
    let resp = reqwest::Client::new()
        .post(edge.url("/v1/lease"))
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .expect("post lease");
    let cors =
        resp.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap_or("").to_string());
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null), cors)
}

#[tokio::test]
async fn visitors_get_distinct_numbers_and_keep_theirs() {
    let edge = Edge::start().await;
    let (status, first, cors) =
        lease(&edge, &json!({"site": "demo", "visitor": "visitor-one-0001", "utm_source": "google"})).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(cors.as_deref(), Some("*"), "the widget calls from other origins");
    let number = first["number"].as_str().expect("number").to_string();
    assert!(POOL.contains(&number.as_str()), "{number} is a demo pool number in E.164");
    assert_eq!(first["replaces"], "+15550100100");
    let expires = shared::Timestamp::parse_rfc3339(first["expires_at"].as_str().expect("expires_at"))
        .expect("RFC 3339");
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64;
    let minutes = (expires.millis() - now) as f64 / 60_000.0;
    assert!((14.0..=15.5).contains(&minutes), "demo lease lasts 15 minutes, got {minutes:.1}");

    let (_, again, _) = lease(&edge, &json!({"site": "demo", "visitor": "visitor-one-0001"})).await;
    assert_eq!(again["number"], first["number"], "a live lease keeps its number");

    let mut seen = vec![number];
    for i in 2..=6 {
        let (status, other, _) =
            lease(&edge, &json!({"site": "demo", "visitor": format!("visitor-{i:04}-xyz")})).await;
        assert_eq!(status, 200, "{other}");
        let n = other["number"].as_str().expect("number").to_string();
        assert!(!seen.contains(&n), "{n} handed to two live visitors");
        seen.push(n);
    }
    // Seventh visitor, six numbers all live: the page keeps its own number.
    let (status, body, cors) = lease(&edge, &json!({"site": "demo", "visitor": "visitor-seventh"})).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "pool_exhausted");
    assert_eq!(cors.as_deref(), Some("*"));
}

#[tokio::test]
async fn region_comes_from_request_cf_and_reaches_the_call() {
    let edge = Edge::start().await;
    // Miniflare lets a request carry its own `cf` object, as Cloudflare's network would set it.
    let resp = reqwest::Client::new()
        .post(edge.url("/v1/lease"))
        .header("MF-CF-Blob", r#"{"country":"GB","region":"England","city":"London","clientAcceptEncoding":"identity"}"#)
        .body(json!({"site": "demo", "visitor": "visitor-london-1", "utm_source": "newsletter", "utm_medium": "email"}).to_string())
        .send()
        .await
        .expect("lease");
    let grant: Value = resp.json().await.expect("json");
    let number = grant["number"].as_str().expect("number");
    let (status, _) = twilio_voice(&edge, "CAregion0001", "+447700900123", number).await;
    assert_eq!(status, 200);
    let calls = demo_calls(&edge).await;
    assert_eq!(calls[0]["region"], "London, England, GB");
    assert_eq!(calls[0]["country"], "GB");
    assert_eq!(calls[0]["medium"], "email");
}

#[tokio::test]
async fn bad_lease_requests_get_a_clear_4xx() {
    let edge = Edge::start().await;
    let cases: Vec<(String, u16, &str, &str)> = vec![
        (String::new(), 400, "invalid_request", "site"),
        ("{not json".into(), 400, "invalid_request", "not a valid lease request"),
        (json!({"visitor": "visitor-0001"}).to_string(), 400, "invalid_request", "site"),
        (json!({"site": "demo"}).to_string(), 400, "invalid_request", "visitor"),
        (json!({"site": "demo", "visitor": "x"}).to_string(), 400, "invalid_request", "visitor"),
        (json!({"site": "demo", "visitor": 12345678}).to_string(), 400, "invalid_request", "visitor"),
        (json!({"site": "../../etc", "visitor": "visitor-0001"}).to_string(), 400, "invalid_request", "site"),
        (
            json!({"site": "nosuchsite", "visitor": "visitor-0001"}).to_string(),
            404,
            "unknown_site",
            "nosuchsite",
        ),
        ("x".repeat(20_000), 400, "invalid_request", "16 KiB"),
    ];
    for (body, status, code, needle) in cases {
        let resp =
            reqwest::Client::new().post(edge.url("/v1/lease")).body(body.clone()).send().await.expect("post");
        assert_eq!(resp.status().as_u16(), status, "body {:.60}", body);
        let json: Value = resp.json().await.expect("errors are JSON");
        assert_eq!(json["error"]["code"], code, "body {:.60}", body);
        let message = json["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(needle), "{message:?} should mention {needle:?}");
    }
    // Asking for sites that do not exist stores nothing: only the demo site has storage.
    for i in 0..5 {
        let body = json!({"site": format!("probe-{i}"), "visitor": "visitor-0001"}).to_string();
        let resp = reqwest::Client::new().post(edge.url("/v1/lease")).body(body).send().await.expect("post");
        assert_eq!(resp.status(), 404);
        let resp = reqwest::Client::new()
            .get(edge.url(&format!("/v1/sites/probe-{i}/calls")))
            .bearer_auth("guess-guess-guess-guess")
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), 401);
    }
    assert_eq!(edge.stored_site_objects(), 1, "unknown site ids must not create storage");
    // None of that disturbed the demo site: a real visitor still gets a number.
    let (status, _, _) = lease(&edge, &json!({"site": "demo", "visitor": "visitor-after-junk"})).await;
    assert_eq!(status, 200);
}
