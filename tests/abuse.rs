//! Abuse: a script from one address, and a farm of addresses, against a site's pool. Over the
//! rate limits they get the site's own number (200, a limited grant), never an error page, and
//! real visitors from other addresses still get numbers of their own.

use ringtrace_tests::Edge;
use serde_json::{json, Value};

/// `POST /v1/lease` as a browser at `ip` would send it (Cloudflare sets `CF-Connecting-IP`).
async fn lease_from(
    edge: &Edge,
    client: &reqwest::Client,
    ip: &str,
    visitor: &str,
) -> (u16, Option<String>, Value) {
    let resp = client
        .post(edge.url("/v1/lease"))
        .header("content-type", "text/plain;charset=UTF-8")
        .header("cf-connecting-ip", ip)
        .body(
            json!({"site": "demo", "visitor": visitor, "utm_source": "google", "utm_medium": "cpc"})
                .to_string(),
        )
        .send()
        .await
        .expect("lease");
    let status = resp.status().as_u16();
    let limited = resp.headers().get("x-ringtrace-limited").and_then(|v| v.to_str().ok()).map(str::to_string);
    (status, limited, resp.json().await.expect("lease JSON"))
}

#[tokio::test]
async fn a_script_or_a_farm_cannot_drain_the_pool() {
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    // One address, a fresh visitor id each time (cookies cleared): 40 page views.
    let mut taken = 0;
    for i in 0..40 {
        let (status, limited, grant) =
            lease_from(&edge, &client, "203.0.113.7", &format!("script-visitor-{i:04}")).await;
        assert_eq!(status, 200, "never an error page: {grant}");
        if grant["limited"] == true {
            assert_eq!(limited.as_deref(), Some("ip"));
            assert_eq!(grant["number"], "+15550100100", "the page keeps the business number: {grant}");
        } else {
            taken += 1;
        }
    }
    assert_eq!(taken, 3, "a third of the demo's 6 numbers");
    // Real visitors from other addresses: numbers of their own, none shared.
    for i in 0..3 {
        let (status, limited, grant) =
            lease_from(&edge, &client, &format!("198.51.100.{i}"), &format!("person-{i:04}")).await;
        assert_eq!((status, limited), (200, None));
        assert_eq!(
            (grant["limited"].clone(), grant["shared"].clone()),
            (json!(false), json!(false)),
            "{grant}"
        );
    }

    // A farm: 100 addresses at once, each a new visitor. The site's budget (20 a minute for 6
    // numbers) holds; every answer is a 200.
    let answers = futures_util::future::join_all((0..100).map(|i| {
        let (edge, client) = (&edge, &client);
        async move {
            lease_from(edge, client, &format!("10.9.{}.{}", i / 250, i % 250 + 1), &format!("farm-{i:04}"))
                .await
        }
    }))
    .await;
    assert!(answers.iter().all(|(status, _, _)| *status == 200), "no error page under a flood");
    let admitted = answers.iter().filter(|(_, _, g)| g["limited"] == false).count();
    let by_site = answers.iter().filter(|(_, l, _)| l.as_deref() == Some("site")).count();
    // The site's budget is 20 new leases a minute; 3 + 3 were taken above, in this minute.
    assert_eq!(admitted, 14, "the site's budget bounds a farm");
    assert_eq!(admitted + by_site, 100);
    println!("abuse: 1 address × 40 → 3 numbers; 100 addresses at once → {admitted} admitted, {by_site} limited; 0 errors");
}
