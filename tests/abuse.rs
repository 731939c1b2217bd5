//! Abuse: a script from one address, and a farm of addresses, against a site's pool. Over the
//! rate limits they get the site's own number (200, a limited grant), never an error page, and
//! real visitors from other addresses still get numbers of their own.

use ringtrace_tests::{Edge, EdgeApi};
use serde_json::json;

#[tokio::test]
async fn a_script_or_a_farm_cannot_drain_the_pool() {
    let edge = Edge::start().await;
    let api = edge.client_with(&reqwest::Client::new());
    // A page view from a Google ad, by a browser at `ip` (Cloudflare sets `CF-Connecting-IP`):
    // the status, the limit it met (`X-Ringtrace-Limited`) and the grant.
    let visit = |ip: &str, visitor: &str| {
        let post = api
            .post_lease(
                json!({"site": "demo", "visitor": visitor, "utm_source": "google", "utm_medium": "cpc"}),
            )
            .as_widget()
            .from_ip(ip);
        async move {
            let answer = post.answer().await;
            (answer.status, answer.header("x-ringtrace-limited").map(str::to_string), answer.json())
        }
    };
    // One address, a fresh visitor id each time (cookies cleared): 40 page views.
    let mut taken = 0;
    for i in 0..40 {
        let (status, limited, grant) = visit("203.0.113.7", &format!("script-visitor-{i:04}")).await;
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
        let (status, limited, grant) = visit(&format!("198.51.100.{i}"), &format!("person-{i:04}")).await;
        assert_eq!((status, limited), (200, None));
        assert_eq!(
            (grant["limited"].clone(), grant["shared"].clone()),
            (json!(false), json!(false)),
            "{grant}"
        );
    }

    // A farm: 100 addresses at once, each a new visitor. The site's budget (20 a minute for 6
    // numbers) holds; every answer is a 200.
    let answers = futures_util::future::join_all(
        (0..100).map(|i| visit(&format!("10.9.{}.{}", i / 250, i % 250 + 1), &format!("farm-{i:04}"))),
    )
    .await;
    assert!(answers.iter().all(|(status, _, _)| *status == 200), "no error page under a flood");
    let admitted = answers.iter().filter(|(_, _, g)| g["limited"] == false).count();
    let by_site = answers.iter().filter(|(_, l, _)| l.as_deref() == Some("site")).count();
    // The site's budget is 20 new leases a minute; 3 + 3 were taken above, in this minute.
    assert_eq!(admitted, 14, "the site's budget bounds a farm");
    assert_eq!(admitted + by_site, 100);
    println!("abuse: 1 address × 40 → 3 numbers; 100 addresses at once → {admitted} admitted, {by_site} limited; 0 errors");
}
