//! A site's allow-list of pages: lease requests from other websites' pages are refused
//! (and cannot be read by them), listed pages get their own origin back, and the owner
//! changes the list in the settings.

use ringtrace_tests::Edge;
use serde_json::{json, Value};

async fn lease(edge: &Edge, origin: Option<&str>, visitor: &str) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(edge.url("/v1/lease"))
        .header("content-type", "text/plain;charset=UTF-8")
        .body(json!({"site": "demo", "visitor": visitor}).to_string());
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    req.send().await.expect("lease")
}

#[tokio::test]
async fn only_the_pages_a_site_lists_may_use_its_numbers() {
    let edge = Edge::start().await;
    // The demo site lists http://localhost:* and http://127.0.0.1:*.
    let resp = lease(&edge, Some("http://127.0.0.1:5173"), "visitor-origin-01").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], "http://127.0.0.1:5173");
    assert_eq!(resp.headers()["vary"], "Origin");
    for stranger in ["https://competitor.example", "http://127.0.0.2:8080", "null"] {
        let resp = lease(&edge, Some(stranger), "visitor-origin-02").await;
        assert_eq!(resp.status(), 403, "{stranger}");
        assert!(resp.headers().get("access-control-allow-origin").is_none(), "the page cannot read it");
        let body: Value = resp.json().await.expect("JSON error");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    // Not a page's script (no Origin): held to the rate limits instead.
    assert_eq!(lease(&edge, None, "visitor-origin-03").await.status(), 200);
    // Renew and release are held to the list too.
    let grant: Value =
        lease(&edge, Some("http://localhost:3000"), "visitor-origin-04").await.json().await.expect("grant");
    let renew = reqwest::Client::new()
        .post(edge.url("/v1/lease/renew"))
        .header("content-type", "text/plain;charset=UTF-8")
        .header("origin", "https://competitor.example")
        .body(
            json!({"site": "demo", "visitor": "visitor-origin-04", "lease_id": grant["lease_id"]})
                .to_string(),
        )
        .send()
        .await
        .expect("renew");
    assert_eq!(renew.status(), 403);

    // The owner lists their shop instead; bad patterns are refused beside the field.
    let client = reqwest::Client::new();
    let patch = |body: Value| {
        client.patch(edge.url("/v1/sites/demo/settings")).bearer_auth(&edge.demo_token).json(&body).send()
    };
    let resp =
        patch(json!({"allowed_origins": ["https://shop.example", "shop.example"]})).await.expect("patch");
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.expect("json");
    assert_eq!(err["error"]["field"], "allowed_origins[1]");
    let resp = patch(json!({"allowed_origins": ["HTTPS://Shop.Example/", "https://*.shop.example"]}))
        .await
        .expect("patch");
    assert_eq!(resp.status(), 200);
    let saved: Value = resp.json().await.expect("json");
    assert_eq!(saved["allowed_origins"], json!(["https://shop.example", "https://*.shop.example"]));
    // The edge reads the list from KV, cached up to a minute at an edge location; locally it is
    // read again at once.
    ringtrace_tests::eventually(70, "the new list applies", || async {
        let resp = lease(&edge, Some("https://www.shop.example"), "visitor-origin-05").await;
        (resp.status() == 200).then_some(())
    })
    .await;
    assert_eq!(lease(&edge, Some("http://127.0.0.1:5173"), "visitor-origin-06").await.status(), 403);
}
