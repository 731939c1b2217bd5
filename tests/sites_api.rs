//! Site provisioning: the admin API the dev seed and production both use.

use ringtrace_tests::{demo_calls, Edge, EdgeApi};
use serde_json::{json, Value};

#[tokio::test]
async fn provisioning_needs_the_admin_token_and_validates() {
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    let site = json!({"business_number": "+1 555 010 0300", "pool": ["+15550100301"], "api_token": "shop-token-0123456789"});
    let resp = client.put(edge.url("/v1/sites/shop")).json(&site).send().await.expect("put");
    assert_eq!(resp.status(), 401);
    let resp = client
        .put(edge.url("/v1/sites/shop"))
        .bearer_auth("not-the-admin")
        .json(&site)
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), 401);

    let bad = [
        (
            json!({"business_number": "+15550100300", "pool": [], "api_token": "shop-token-0123456789"}),
            "pool",
        ),
        (
            json!({"business_number": "call us", "pool": ["+15550100301"], "api_token": "shop-token-0123456789"}),
            "call us",
        ),
        (
            json!({"business_number": "+15550100300", "pool": ["+15550100301"], "api_token": "short"}),
            "api_token",
        ),
        (json!({"pool": ["+15550100301"]}), "business_number"),
        // A demo tracking number cannot be another site's too.
        (
            json!({"business_number": "+15550100300", "pool": ["+15550100201"], "api_token": "shop-token-0123456789"}),
            "another site",
        ),
    ];
    for (body, needle) in bad {
        let resp = edge.put_site("shop", &body).await;
        let status = resp.status().as_u16();
        let json: Value = resp.json().await.expect("JSON error");
        assert!(status == 400 || status == 409, "{status} for {body}");
        assert!(
            json["error"]["message"].as_str().unwrap_or("").contains(needle),
            "{json} should mention {needle}"
        );
    }

    let resp = edge.put_site("shop", &site).await;
    assert_eq!(resp.status(), 200);
    let summary: Value = resp.json().await.expect("json");
    assert_eq!(summary["business_number"], "+15550100300");
    assert!(
        summary.get("api_token").is_none() && !summary.to_string().contains("shop-token"),
        "token never echoed"
    );

    // Re-seeding the demo site keeps what it recorded: nothing a caller sends erases data.
    let (status, _) =
        ringtrace_tests::twilio_voice(&edge, "CAkeep0001", "+15557654321", "+15550100201").await;
    assert_eq!(status, 200);
    edge.seed_demo();
    assert_eq!(demo_calls(&edge).await.len(), 1);
}
