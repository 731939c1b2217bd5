//! Tenant isolation: one site's token against every endpoint of another site, with good and
//! bad inputs, gets 401/403/404 and not one byte of the other site's data; nothing changes.

use ringtrace_tests::{twilio_voice, Edge, EdgeApi};
use serde_json::{json, Value};

#[tokio::test]
async fn a_sites_token_opens_nothing_of_another_site() {
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    // Site A, created through the admin API; the demo site is B, with a call of its own.
    let resp = edge
        .create_site(&json!({"site": "site-a", "business_number": "+15550100600", "pool": ["+15550100601"]}))
        .await;
    assert_eq!(resp.status(), 201);
    let a_token = resp.json::<Value>().await.expect("json")["api_token"].as_str().expect("token").to_string();
    let grant = edge
        .lease(&json!({"site": "demo", "visitor": "visitor-tenant-01", "utm_source": "secretsource"}))
        .await;
    let b_number = grant["number"].as_str().expect("number").to_string();
    let (status, _) = twilio_voice(&edge, "CAtenantB01", "+15557777777", &b_number).await;
    assert_eq!(status, 200);
    let b_settings = || async { edge.settings("demo", &edge.demo_token).await.text().await.expect("text") };
    let before = b_settings().await;

    // B's data that must never appear in an answer to A's token.
    let secrets =
        ["CAtenantB01", "+15557777777", "secretsource", "visitor-tenant-01", "+15550100100", "Demo Plumbing"];
    let event = json!({"call_id": "CAtenantA99", "event": "started", "from": "+15550000001", "to": b_number});
    let import = json!({"calls": [{"call_id": "CAtenantA98", "from": "+15550000002", "to": b_number,
                                   "started_at": "2026-11-01T10:00:00Z"}]});
    let get = |path: &str| client.get(edge.url(path));
    let requests: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("calls", get("/v1/sites/demo/calls")),
        ("calls csv", get("/v1/sites/demo/calls?format=csv")),
        ("calls, bad filter", get("/v1/sites/demo/calls?chanel=email")),
        ("a call", get("/v1/sites/demo/calls/CAtenantB01")),
        ("a call, bad id", get("/v1/sites/demo/calls/..%2F..")),
        ("overview", get("/v1/sites/demo/overview")),
        ("overview, bad tz", get("/v1/sites/demo/overview?tz=Nowhere/Town")),
        ("report", get("/v1/sites/demo/report?group_by=source")),
        ("report, bad dimension", get("/v1/sites/demo/report?group_by=shoe_size")),
        ("pool", get("/v1/sites/demo/pool")),
        ("pool, bad days", get("/v1/sites/demo/pool?days=9999")),
        ("settings", get("/v1/sites/demo/settings")),
        (
            "settings change",
            client.patch(edge.url("/v1/sites/demo/settings")).json(&json!({"lease_minutes": 1})),
        ),
        ("settings, bad body", client.patch(edge.url("/v1/sites/demo/settings")).json(&json!([1]))),
        (
            "caller identification test",
            client
                .post(edge.url("/v1/sites/demo/settings/caller-identification/test"))
                .json(&json!({"customer_id": "123456"})),
        ),
        ("call event", client.post(edge.url("/v1/sites/demo/calls/events")).json(&event)),
        ("call event, bad body", client.post(edge.url("/v1/sites/demo/calls/events")).json(&json!({"x": 1}))),
        ("import", client.post(edge.url("/v1/sites/demo/calls/import")).json(&import)),
        (
            "a call's value",
            client.patch(edge.url("/v1/sites/demo/calls/CAtenantB01")).json(&json!({"value": "1.00"})),
        ),
        (
            "a call's value, bad body",
            client.patch(edge.url("/v1/sites/demo/calls/CAtenantB01")).json(&json!({"value": "x"})),
        ),
        ("spend", get("/v1/sites/demo/spend")),
        ("spend, bad query", get("/v1/sites/demo/spend?group_by=shoe_size")),
        (
            "spend upload",
            client
                .post(edge.url("/v1/sites/demo/spend"))
                .header("content-type", "text/csv")
                .body("date,source,spend\n2026-11-01,google,1\n"),
        ),
        ("spend delete", client.delete(edge.url("/v1/sites/demo/spend?from=2026-11-01&to=2026-11-30"))),
        ("google ads export", get("/v1/sites/demo/exports/google-ads.csv")),
        ("google ads export, bad query", get("/v1/sites/demo/exports/google-ads.csv?qualified=maybe")),
        (
            "route lookup",
            get(&format!("/v1/route?dialed_number={}&key={a_token}", b_number.replace('+', "%2B"))),
        ),
        ("admin: rotate B's token", client.post(edge.url("/v1/admin/sites/demo/token"))),
        (
            "admin: add to B",
            client.post(edge.url("/v1/admin/sites/demo/numbers")).json(&json!({"number": "+15550100699"})),
        ),
        (
            "admin: remove from B",
            client
                .delete(edge.url(&format!("/v1/admin/sites/demo/numbers/{}", b_number.replace('+', "%2B")))),
        ),
        (
            "admin: provision B",
            client
                .put(edge.url("/v1/sites/demo"))
                .json(&json!({"business_number": "+15550100600", "pool": ["+15550100602"]})),
        ),
    ];
    let tried = requests.len();
    for (what, req) in requests {
        let resp = req.bearer_auth(&a_token).send().await.expect(what);
        let status = resp.status().as_u16();
        let body = resp.text().await.expect("body");
        assert!([401, 403, 404].contains(&status), "{what}: {status} {body}");
        for secret in secrets {
            assert!(!body.contains(secret), "{what} leaked {secret}: {body}");
        }
        let json: Value =
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("{what}: JSON error body: {body}"));
        assert!(json["error"]["message"].is_string(), "{what}: {body}");
    }
    println!(
        "tenant isolation: {tried} requests with site A's token against site B: all refused, 0 bytes of B"
    );
    // And nothing of B changed.
    assert_eq!(b_settings().await, before);
    let calls: Value = edge.calls("demo", &edge.demo_token, "").await.json().await.expect("json");
    assert_eq!(calls["total"], 1, "only B's own call: {calls}");
    // A's own token still works on A.
    let own = edge.calls("site-a", &a_token, "").await;
    assert_eq!(own.status(), 200);
}
