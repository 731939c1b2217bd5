//! The lease path through the real edge: the Durable Object hands out numbers, KV mirrors.

use ringtrace_tests::{demo_calls, twilio_voice, Edge, EdgeApi};
use serde_json::{json, Value};

const POOL: [&str; 6] =
    ["+15550100201", "+15550100202", "+15550100203", "+15550100204", "+15550100205", "+15550100206"];

#[tokio::test]
async fn visitors_get_distinct_numbers_and_keep_theirs() {
    let edge = Edge::start().await;
    // As the widget sends it (text/plain, so browsers skip the CORS preflight).
    let answer = edge
        .post_lease(json!({"site": "demo", "visitor": "visitor-one-0001", "utm_source": "google"}))
        .as_widget()
        .answer()
        .await;
    let first = answer.body();
    assert_eq!(answer.status, 200, "{first}");
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("*"),
        "the widget calls from other origins"
    );
    let number = first["number"].as_str().expect("number").to_string();
    assert!(POOL.contains(&number.as_str()), "{number} is a demo pool number in E.164");
    assert_eq!(first["replaces"], "+15550100100");
    let expires = shared::Timestamp::parse_rfc3339(first["expires_at"].as_str().expect("expires_at"))
        .expect("RFC 3339");
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64;
    let minutes = (expires.millis() - now) as f64 / 60_000.0;
    assert!((14.0..=15.5).contains(&minutes), "demo lease lasts 15 minutes, got {minutes:.1}");

    let again = edge
        .post_lease(json!({"site": "demo", "visitor": "visitor-one-0001"}))
        .as_widget()
        .answer()
        .await
        .body();
    assert_eq!(again["number"], first["number"], "a live lease keeps its number");

    let mut seen = vec![number];
    for i in 2..=6 {
        let answer = edge
            .post_lease(json!({"site": "demo", "visitor": format!("visitor-{i:04}-xyz")}))
            .as_widget()
            .answer()
            .await;
        let other = answer.body();
        assert_eq!(answer.status, 200, "{other}");
        let n = other["number"].as_str().expect("number").to_string();
        assert!(!seen.contains(&n), "{n} handed to two live visitors");
        seen.push(n);
    }
    // Seventh visitor, six numbers all live: under the default "share" policy they get the
    // number renewed least recently (the first visitor's), flagged shared.
    let answer =
        edge.post_lease(json!({"site": "demo", "visitor": "visitor-seventh"})).as_widget().answer().await;
    let body = answer.body();
    assert_eq!(answer.status, 200, "{body}");
    assert_eq!(body["shared"], true);
    assert_eq!(body["number"], first["number"]);

    // The pool report sees six live numbers, one exhaustion, and recommends more numbers.
    let pool: Value = edge.pool("demo", &edge.demo_token, "").await.json().await.expect("json");
    let states: Vec<&str> =
        pool["numbers"].as_array().expect("numbers").iter().filter_map(|n| n["state"].as_str()).collect();
    assert_eq!(states, ["live"; 6]);
    assert_eq!(pool["exhaustion_events"], 1);
    assert_eq!(pool["sizing"]["sessions"], 7);
    assert_eq!(pool["sizing"]["exhausted_sessions"], 1);
    assert_eq!(pool["sizing"]["peak_concurrent"], 7);
    assert_eq!(pool["sizing"]["recommended_pool_size"], 7, "seven visitors were live at once");
    let resp = edge.pool("demo", &edge.demo_token, "?days=365").await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn region_comes_from_request_cf_and_reaches_the_call() {
    let edge = Edge::start().await;
    // Miniflare lets a request carry its own `cf` object, as Cloudflare's network would set it.
    let grant = edge
        .post_lease(json!({"site": "demo", "visitor": "visitor-london-1", "utm_source": "newsletter", "utm_medium": "email"}))
        .cf(r#"{"country":"GB","region":"England","city":"London","clientAcceptEncoding":"identity"}"#)
        .json()
        .await;
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
        ("x".repeat(20_000), 413, "payload_too_large", "16384 bytes"),
        // A visitor who did not consent is sent without an id; one sent anyway is refused.
        (
            json!({"site": "demo", "visitor": "visitor-0001", "consent": false}).to_string(),
            400,
            "invalid_request",
            "left out",
        ),
        (json!({"site": "demo", "consent": "no"}).to_string(), 400, "invalid_request", "consent"),
        (
            json!({"site": "demo", "visitor": "visitor-0001", "lines": ["+1 555"]}).to_string(),
            400,
            "invalid_phone_number",
            "+1 555",
        ),
    ];
    for (body, status, code, needle) in cases {
        let answer = edge.post_lease(&body).answer().await;
        assert_eq!(answer.status, status, "body {:.60}", body);
        let json = answer.json(); // errors are JSON
        assert_eq!(json["error"]["code"], code, "body {:.60}", body);
        let message = json["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(needle), "{message:?} should mention {needle:?}");
    }
    // Asking for sites that do not exist stores nothing: only the demo site has storage.
    for i in 0..5 {
        let body = json!({"site": format!("probe-{i}"), "visitor": "visitor-0001"}).to_string();
        assert_eq!(edge.post_lease(body).send().await.status(), 404);
        let resp = edge.calls(&format!("probe-{i}"), "guess-guess-guess-guess", "").await;
        assert_eq!(resp.status(), 401);
    }
    assert_eq!(edge.stored_site_objects(), 1, "unknown site ids must not create storage");
    // None of that disturbed the demo site: a real visitor still gets a number.
    let answer =
        edge.post_lease(json!({"site": "demo", "visitor": "visitor-after-junk"})).as_widget().answer().await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn numbers_match_the_visitors_region_then_the_home_region() {
    let edge = Edge::start().await;
    edge.put_site_ok("regional", &json!({
        "business_number": "+1 555 010 0400", "api_token": "regional-token-0123456789",
        "home_region": "US-NY",
        "pool": [{"number": "+15550100401", "region": "US-TX"}, {"number": "+15550100402", "region": "us-ny"},
                 {"number": "+442079460401", "region": "GB"}, "+15550100403"]
    })).await;
    let cf = |country: &str, code: &str| {
        format!(
            r#"{{"country":"{country}","regionCode":"{code}","region":"x","city":"y","clientAcceptEncoding":"identity"}}"#
        )
    };
    // A visitor to the regional site, from where Cloudflare's network says.
    let from_region = |visitor: &str, cf: String| {
        edge.post_lease(json!({"site": "regional", "visitor": visitor})).cf(&cf).json()
    };
    let texas = from_region("visitor-texas-01", cf("US", "TX")).await;
    assert_eq!(texas["number"], "+15550100401");
    let london = from_region("visitor-london-01", cf("GB", "ENG")).await;
    assert_eq!(london["number"], "+442079460401");
    let paris = from_region("visitor-paris-01", cf("FR", "IDF")).await;
    assert_eq!(paris["number"], "+15550100402", "no French number: the home region's");
    let texas2 = from_region("visitor-texas-02", cf("US", "TX")).await;
    assert_eq!(texas2["number"], "+15550100403", "Texas' number is taken: any free one");
}

#[tokio::test]
async fn renew_and_release_follow_the_page_and_touch_only_your_lease() {
    let edge = Edge::start().await;
    let api = edge.client_with(&reqwest::Client::new());
    let call = |path: &'static str, body: Value| {
        let post = api.post_lease_path(path, body);
        async move {
            let answer = post.answer().await;
            (answer.status, answer.body())
        }
    };
    let (_, grant) = call("/v1/lease", json!({"site": "demo", "visitor": "visitor-page-01"})).await;
    let id = grant["lease_id"].as_str().expect("lease id").to_string();
    let (status, renewed) =
        call("/v1/lease/renew", json!({"site": "demo", "visitor": "visitor-page-01", "lease_id": id})).await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(renewed["number"], grant["number"]);
    assert!(renewed["expires_at"].as_str() >= grant["expires_at"].as_str());

    // Another visitor cannot renew or end it, whatever they send.
    for path in ["/v1/lease/renew", "/v1/lease/release"] {
        let (status, err) =
            call(path, json!({"site": "demo", "visitor": "visitor-intruder", "lease_id": id})).await;
        assert_eq!((status, err["error"]["code"].as_str()), (404, Some("unknown_lease")), "{path}");
    }
    let (status, again) = call("/v1/lease", json!({"site": "demo", "visitor": "visitor-page-01"})).await;
    assert_eq!((status, &again["lease_id"]), (200, &grant["lease_id"]), "still live and theirs");

    let (status, released) =
        call("/v1/lease/release", json!({"site": "demo", "visitor": "visitor-page-01", "lease_id": id}))
            .await;
    assert_eq!(status, 200, "{released}");
    let (status, err) =
        call("/v1/lease/renew", json!({"site": "demo", "visitor": "visitor-page-01", "lease_id": id})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (410, Some("lease_ended")));
    // The released number cools: a new visitor gets another while one is free...
    let (_, other) = call("/v1/lease", json!({"site": "demo", "visitor": "visitor-page-02"})).await;
    assert_ne!(other["number"], grant["number"]);
    // ...and a call to it now is still credited to the visitor who had it, flagged late.
    let number = grant["number"].as_str().expect("number");
    twilio_voice(&edge, "CAlate00001", "+15557654321", number).await;
    let calls = demo_calls(&edge).await;
    assert_eq!(
        (calls[0]["visitor"].as_str(), calls[0]["late"].as_bool()),
        (Some("visitor-page-01"), Some(true))
    );
    // The visitor coming back within the retention window gets their number again.
    let (_, back) = call("/v1/lease", json!({"site": "demo", "visitor": "visitor-page-01"})).await;
    assert_eq!(back["number"], grant["number"]);

    for (body, status) in [
        (json!({"site": "demo", "visitor": "visitor-page-01"}), 400),
        (json!({"site": "demo", "visitor": "visitor-page-01", "lease_id": "no such lease"}), 400),
        (json!({"site": "demo", "visitor": "visitor-page-01", "lease_id": "15550100201-1"}), 404),
        (json!({"site": "ghost", "visitor": "visitor-page-01", "lease_id": "15550100201-1"}), 404),
    ] {
        let (got, err) = call("/v1/lease/renew", body.clone()).await;
        assert_eq!(got, status, "{body} → {err}");
        assert!(err["error"]["message"].is_string());
    }
}

#[tokio::test]
async fn two_hundred_concurrent_visitors_for_twenty_numbers_never_share_under_overflow() {
    let edge = Edge::start().await;
    let pool: Vec<String> = (0..20).map(|i| format!("+1555010{:04}", 500 + i)).collect();
    edge.put_site_ok(
        "busy",
        &json!({
            "business_number": "+1 555 010 0499", "api_token": "busy-token-0123456789", "pool": pool,
            "exhaustion": "overflow", "overflow_number": "+1 555 010 0599"
        }),
    )
    .await;
    let api = edge.client_with(&reqwest::Client::new());
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..200 {
        let post = api.post_lease(json!({"site": "busy", "visitor": format!("visitor-busy-{i:04}")}));
        requests.spawn(async move {
            let answer = post.answer().await;
            (answer.status, answer.body())
        });
    }
    let answers: Vec<(u16, Value)> = requests.join_all().await;
    assert!(
        answers.iter().all(|(s, _)| *s == 200),
        "no 5xx, no refusals: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    let mut pool_numbers: Vec<&str> = answers
        .iter()
        .filter(|(_, b)| b["overflow"] == false)
        .map(|(_, b)| b["number"].as_str().expect("number"))
        .collect();
    pool_numbers.sort();
    let before = pool_numbers.len();
    pool_numbers.dedup();
    assert_eq!(before, 20, "every pool number was lent");
    assert_eq!(pool_numbers.len(), 20, "no number live for two visitors");
    assert!(answers
        .iter()
        .filter(|(_, b)| b["overflow"] == true)
        .all(|(_, b)| b["number"] == "+15550100599"));
}

#[tokio::test]
async fn page_views_within_a_visit_are_answered_at_the_edge() {
    let edge = Edge::start().await;
    let api = edge.client_with(&reqwest::Client::new());
    let ask = |body: Value| {
        let post = api.post_lease(body);
        async move {
            let answer = post.answer().await;
            (answer.header("x-ringtrace-served-by").map(String::from), answer.json())
        }
    };
    let arrival = json!({"site": "demo", "visitor": "visitor-browse-1", "utm_source": "google", "utm_medium": "cpc",
                         "landing_page": "https://demo.example/"});
    let inside = json!({"site": "demo", "visitor": "visitor-browse-1", "referrer": "https://demo.example/",
                        "landing_page": "https://demo.example/pricing"});
    let (by, first) = ask(arrival.clone()).await;
    assert_eq!(by.as_deref(), Some("object"), "a new touch is recorded by the site's object");
    let (by, page) = ask(inside.clone()).await;
    assert_eq!(by.as_deref(), Some("edge"), "browsing the site is answered from the KV mirror");
    assert_eq!((&page["number"], &page["lease_id"]), (&first["number"], &first["lease_id"]));
    let (by, _) = ask(arrival).await;
    assert_eq!(by.as_deref(), Some("object"), "another ad click is a new touch");

    // Once released, the mirror forgets the lease and the object answers again.
    let release = json!({"site": "demo", "visitor": "visitor-browse-1", "lease_id": first["lease_id"]});
    let resp = api.post_release(release).send().await;
    assert_eq!(resp.status(), 200);
    let (by, again) = ask(inside).await;
    assert_eq!(by.as_deref(), Some("object"));
    assert_eq!(again["number"], first["number"], "coming back while cooling: the same number");
    assert_ne!(again["lease_id"], first["lease_id"]);
}

#[tokio::test]
async fn the_bench_baselines_answer_only_when_turned_on() {
    // Off (the tests' and production's default): unknown endpoints.
    let edge = Edge::start().await;
    for path in ["/v1/bench/kv", "/v1/bench/object"] {
        let resp = reqwest::get(edge.url(path)).await.expect("get");
        assert_eq!(resp.status(), 404, "{path}");
        let body: Value = resp.json().await.expect("a JSON error");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    drop(edge);
    let edge = Edge::start_with(&[("BENCH_ROUTES", "on")]).await;
    let client = reqwest::Client::new();
    let put = client.post(edge.url("/v1/bench/object-kv")).send().await.expect("post");
    assert_eq!(put.status(), 200);
    let read: Value = reqwest::get(edge.url("/v1/bench/kv")).await.expect("get").json().await.expect("json");
    assert_eq!(read["probe"].as_str().map(str::len), Some(320), "the object's put is read back: {read}");
    // A key of the client's own, as each visitor has theirs; a bad one is refused.
    let put = client.post(edge.url("/v1/bench/object-kv?key=0-12")).send().await.expect("post");
    assert_eq!(put.status(), 200);
    let read: Value =
        reqwest::get(edge.url("/v1/bench/kv?key=0-12")).await.expect("get").json().await.expect("json");
    assert_eq!(read["probe"].as_str().map(str::len), Some(320), "{read}");
    // The same read after receiving a page view's body.
    let body = r#"{"site":"bench","visitor":"bench-visitor-1"}"#;
    let read = client.post(edge.url("/v1/bench/kv?key=0-12")).body(body).send().await.expect("post");
    assert_eq!(read.status(), 200);
    let read: Value = read.json().await.expect("json");
    assert_eq!(read["probe"].as_str().map(str::len), Some(320), "{read}");
    let bad = reqwest::get(edge.url("/v1/bench/kv?key=No%21")).await.expect("get");
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.expect("a JSON error");
    assert_eq!(body["error"]["field"], "key");
    let object: Value =
        reqwest::get(edge.url("/v1/bench/object")).await.expect("get").json().await.expect("json");
    assert_eq!(object, json!({"ok": true}));
}

#[tokio::test]
async fn an_overflow_grant_replaces_a_mirrored_static_number_and_costs_no_write_otherwise() {
    let edge = Edge::start().await;
    let api = edge.client_with(&reqwest::Client::new());
    let site = json!({"site": "mirrorbook", "business_number": "+15550880999", "pool": ["+15550880001"],
                      "exhaustion": "overflow", "overflow_number": "+15550880998", "max_new_leases_per_minute": 1000,
                      "static_numbers": [{"number": "+15550880500", "utm_source": "google"}]});
    assert_eq!(api.create_site(&site).await.status(), 201);
    let ask = |body: Value| {
        let post = api.post_lease(body);
        async move {
            let answer = post.answer().await;
            (answer.header("x-ringtrace-served-by").map(String::from), answer.json())
        }
    };
    let arrive = |visitor: &str, source: &str| json!({"site": "mirrorbook", "visitor": visitor, "utm_source": source, "landing_page": "https://shop.example/"});
    let browse = |visitor: &str| json!({"site": "mirrorbook", "visitor": visitor, "referrer": "https://shop.example/", "landing_page": "https://shop.example/p2"});
    // A's static number is mirrored: A's page views are answered at the edge.
    let (_, stat) = ask(arrive("visitor-book-a", "google")).await;
    assert_eq!(stat["number"], "+15550880500");
    let (by, page) = ask(browse("visitor-book-a")).await;
    assert_eq!((by.as_deref(), &page["number"]), (Some("edge"), &stat["number"]));
    // B takes the pool's one number; A comes back from another ad and gets the overflow number,
    // which replaces the mirrored static one: A's next page is asked of the object.
    let (_, b) = ask(arrive("visitor-book-b", "facebook")).await;
    assert_eq!(b["number"], "+15550880001");
    let (_, over) = ask(arrive("visitor-book-a", "facebook")).await;
    assert_eq!(over["number"], "+15550880998");
    let (by, page) = ask(browse("visitor-book-a")).await;
    assert_eq!((by.as_deref(), &page["number"]), (Some("object"), &over["number"]));
    // A new visitor given the overflow number: nothing is written to KV for them (A's
    // overflow grant was, over the static one), and the object answers again.
    let (_, c) = ask(arrive("visitor-book-c", "facebook")).await;
    assert_eq!(c["number"], "+15550880998");
    let (by, page) = ask(browse("visitor-book-c")).await;
    assert_eq!((by.as_deref(), &page["number"]), (Some("object"), &c["number"]));
    let mirrored = edge.kv_keys("visitor:mirrorbook:");
    assert!(mirrored.contains(&"visitor:mirrorbook:visitor-book-a".to_string()), "{mirrored:?}");
    assert!(mirrored.contains(&"visitor:mirrorbook:visitor-book-b".to_string()), "{mirrored:?}");
    assert!(!mirrored.contains(&"visitor:mirrorbook:visitor-book-c".to_string()), "{mirrored:?}");
}
