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
    let json: Value = resp.json().await.expect("json");
    assert_eq!(json["calls"], Value::Array(vec![]), "a new site has no calls yet");

    let resp = client.get(format!("{url}?limit=0")).bearer_auth(&edge.demo_token).send().await.expect("get");
    assert_eq!(resp.status(), 400);
    let resp = client.get(edge.url("/v1/no/such/thing")).send().await.expect("get");
    assert_eq!(resp.status(), 404);
    let json: Value = resp.json().await.expect("JSON 404");
    assert_eq!(json["error"]["code"], "not_found");
}
