//! A site's allow-list of pages: lease requests from other websites' pages are refused
//! (and cannot be read by them), listed pages get their own origin back, and the owner
//! changes the list in the settings.

use ringtrace_tests::{Edge, EdgeApi};
use serde_json::{json, Value};

#[tokio::test]
async fn only_the_pages_a_site_lists_may_use_its_numbers() {
    let edge = Edge::start().await;
    // A demo visitor's lease request as the widget sends it; the page's origin is added to it.
    let visitor = |id: &str| edge.post_lease(json!({"site": "demo", "visitor": id})).as_widget();
    // The demo site lists http://localhost:* and http://127.0.0.1:*.
    let resp = visitor("visitor-origin-01").origin("http://127.0.0.1:5173").send().await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], "http://127.0.0.1:5173");
    assert_eq!(resp.headers()["vary"], "Origin");
    for stranger in ["https://competitor.example", "http://127.0.0.2:8080", "null"] {
        let resp = visitor("visitor-origin-02").origin(stranger).send().await;
        assert_eq!(resp.status(), 403, "{stranger}");
        assert!(resp.headers().get("access-control-allow-origin").is_none(), "the page cannot read it");
        let body: Value = resp.json().await.expect("JSON error");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    // Not a page's script (no Origin): held to the rate limits instead.
    assert_eq!(visitor("visitor-origin-03").send().await.status(), 200);
    // Renew and release are held to the list too.
    let grant: Value = visitor("visitor-origin-04")
        .origin("http://localhost:3000")
        .send()
        .await
        .json()
        .await
        .expect("grant");
    let renew = edge
        .post_renew(json!({"site": "demo", "visitor": "visitor-origin-04", "lease_id": grant["lease_id"]}))
        .as_widget()
        .origin("https://competitor.example")
        .send()
        .await;
    assert_eq!(renew.status(), 403);

    // The owner lists their shop instead; bad patterns are refused beside the field.
    let patch = |body: Value| edge.patch_settings("demo", &edge.demo_token, &body);
    let resp = patch(json!({"allowed_origins": ["https://shop.example", "shop.example"]})).await;
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.expect("json");
    assert_eq!(err["error"]["field"], "allowed_origins[1]");
    let resp = patch(json!({"allowed_origins": ["HTTPS://Shop.Example/", "https://*.shop.example"]})).await;
    assert_eq!(resp.status(), 200);
    let saved: Value = resp.json().await.expect("json");
    assert_eq!(saved["allowed_origins"], json!(["https://shop.example", "https://*.shop.example"]));
    // The edge reads the list from KV, cached up to a minute at an edge location; locally it is
    // read again at once.
    ringtrace_tests::eventually(70, "the new list applies", || async {
        let resp = visitor("visitor-origin-05").origin("https://www.shop.example").send().await;
        (resp.status() == 200).then_some(())
    })
    .await;
    assert_eq!(visitor("visitor-origin-06").origin("http://127.0.0.1:5173").send().await.status(), 403);
}
