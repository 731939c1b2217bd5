//! The calls API answers only to the site's token.

use ringtrace_tests::{demo_call_event, Edge, EdgeApi};
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

    let resp =
        client.get(format!("{url}?per_page=0")).bearer_auth(&edge.demo_token).send().await.expect("get");
    assert_eq!(resp.status(), 400);
    let resp = client.get(edge.url("/v1/no/such/thing")).send().await.expect("get");
    assert_eq!(resp.status(), 404);
    let json: Value = resp.json().await.expect("JSON 404");
    assert_eq!(json["error"]["code"], "not_found");
}

#[tokio::test]
async fn reports_group_calls_and_sessions() {
    use ringtrace_tests::twilio_voice;
    let edge = Edge::start().await;
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

    let get = |query: &str| edge.report("demo", &edge.demo_token, &format!("?{query}"));
    let resp = get("group_by=source,campaign").await;
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

    let resp = reqwest::Client::new()
        .get(edge.url("/v1/sites/demo/report?group_by=source"))
        .send()
        .await
        .expect("report");
    assert_eq!(resp.status(), 401);
    for query in
        ["group_by=shoe_size", "group_by=source&from=2026-11-30&to=2026-11-01", "", "group_by=day&from=soon"]
    {
        let resp = get(query).await;
        assert_eq!(resp.status(), 400, "{query}");
        let err: Value = resp.json().await.expect("json error");
        assert!(err["error"]["message"].is_string());
    }
}

#[tokio::test]
async fn the_calls_list_filters_sorts_pages_and_exports_in_the_sites_database() {
    use serde_json::json;
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    // Three visitors from three sources; five calls: two from google (one answered for 95 s,
    // one a repeat caller), one from the newsletter with a voicemail, one from bing that rang
    // out, and one to a number nobody held (unattributed).
    let mut numbers = Vec::new();
    for (visitor, source, medium) in [
        ("visitor-list-01", "google", "cpc"),
        ("visitor-list-02", "newsletter", "email"),
        ("visitor-list-03", "bing", "cpc"),
    ] {
        let grant: Value = edge
            .lease(&json!({"site": "demo", "visitor": visitor, "utm_source": source, "utm_medium": medium,
                           "utm_campaign": "spring", "utm_term": format!("{source} term"),
                           "utm_content": "banner", "landing_page": format!("https://shop.example/{source}")}))
            .await;
        numbers.push(grant["number"].as_str().expect("number").to_string());
    }
    let idle = ["+15550100201", "+15550100202", "+15550100203", "+15550100204", "+15550100205"]
        .into_iter()
        .find(|n| !numbers.iter().any(|m| m == n))
        .expect("a number nobody holds");
    let calls = [
        ("CAlist01", "+15557000001", numbers[0].as_str()),
        ("CAlist02", "+15557000001", numbers[0].as_str()),
        ("CAlist03", "+15557000003", numbers[1].as_str()),
        ("CAlist04", "+15557000004", numbers[2].as_str()),
        ("CAlist05", "+15557000005", idle),
    ];
    for (sid, from, to) in calls {
        demo_call_event(&edge, &json!({"call_id": sid, "event": "started", "from": from, "to": to})).await;
    }
    demo_call_event(&edge, &json!({"call_id": "CAlist01", "event": "answered", "to": numbers[0]})).await;
    demo_call_event(
        &edge,
        &json!({"call_id": "CAlist01", "event": "ended", "to": numbers[0], "status": "completed",
                        "duration_seconds": 95}),
    )
    .await;
    demo_call_event(
        &edge,
        &json!({"call_id": "CAlist03", "event": "recording", "to": numbers[1], "voicemail": true,
                        "recording_url": "https://example.com/vm.mp3"}),
    )
    .await;
    demo_call_event(
        &edge,
        &json!({"call_id": "CAlist03", "event": "ended", "to": numbers[1], "status": "completed"}),
    )
    .await;
    demo_call_event(
        &edge,
        &json!({"call_id": "CAlist04", "event": "ended", "to": numbers[2], "status": "no-answer"}),
    )
    .await;

    let get = |query: String| edge.calls("demo", &edge.demo_token, &format!("?{query}"));
    let sids = |page: &Value| -> Vec<String> {
        let calls = page["calls"].as_array().unwrap_or_else(|| panic!("a page of calls: {page}"));
        calls.iter().map(|c| c["call_sid"].as_str().unwrap_or("").to_string()).collect()
    };
    let page = |query: &str| {
        let query = query.to_string();
        let get = &get;
        async move {
            let resp = get(query.clone()).await;
            assert_eq!(resp.status(), 200, "{query}");
            resp.json::<Value>().await.expect("json")
        }
    };
    let all = page("").await;
    assert_eq!(all["total"], 5);
    assert_eq!(sids(&all), ["CAlist05", "CAlist04", "CAlist03", "CAlist02", "CAlist01"], "newest first");
    for (query, expected) in [
        ("source=google", vec!["CAlist02", "CAlist01"]),
        ("channel=email", vec!["CAlist03"]),
        ("channel=paid%20search&campaign=spring", vec!["CAlist04", "CAlist02", "CAlist01"]),
        ("channel=unattributed", vec!["CAlist05"]),
        ("status=answered", vec!["CAlist01"]),
        ("status=voicemail", vec!["CAlist03"]),
        ("status=missed", vec!["CAlist04"]),
        ("status=live", vec!["CAlist05", "CAlist02"]),
        ("qualified=true", vec!["CAlist01"]),
        ("first_time=false", vec!["CAlist02"]),
        ("source=google&first_time=true", vec!["CAlist01"]),
        ("sort=talk_time&order=desc&per_page=1", vec!["CAlist01"]),
        ("sort=source&order=asc", vec!["CAlist04", "CAlist02", "CAlist01", "CAlist03", "CAlist05"]),
        ("per_page=2&page=2", vec!["CAlist03", "CAlist02"]),
        ("per_page=2&page=4", vec![]),
        ("source=x'%20OR%20'1'='1", vec![]),
    ] {
        let got = page(query).await;
        assert_eq!(sids(&got), expected, "{query}: {got}");
    }
    let paged = page("per_page=2&page=2").await;
    assert_eq!(
        (paged["total"].as_u64(), paged["page"].as_u64(), paged["per_page"].as_u64()),
        (Some(5), Some(2), Some(2))
    );

    // The CSV holds exactly what the filters select, every page of it.
    let resp = get("format=csv&channel=paid%20search&per_page=1".into()).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"].to_str().unwrap_or("").starts_with("text/csv"),
        "{:?}",
        resp.headers()
    );
    assert!(resp.headers()["content-disposition"].to_str().unwrap_or("").contains("attachment"));
    let csv = resp.text().await.expect("text");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("started_at,caller,tracking_number,channel,source"), "{csv}");
    assert_eq!(lines.len(), 4, "a header and the three paid-search calls: {csv}");
    assert!(lines[1..].iter().all(|l| l.contains(",paid search,")), "{csv}");
    assert!(lines.iter().any(|l| l.contains(",google,cpc,spring,") && l.contains(",true,95,")), "{csv}");

    for bad in
        ["chanel=email", "status=great", "sort=price", "format=xml", "page=0", "per_page=1000", "from=soon"]
    {
        let resp = get(bad.into()).await;
        assert_eq!(resp.status(), 400, "{bad}");
        let body: Value = resp.json().await.expect("JSON error");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{bad}: {body}");
    }
    let resp = client.get(edge.url("/v1/sites/demo/calls?format=csv")).send().await.expect("get");
    assert_eq!(resp.status(), 401, "the export needs the token too");

    // The overview of the last 30 days counts the same calls.
    let overview: Value =
        edge.overview("demo", &edge.demo_token, "?tz=America/Chicago").await.json().await.expect("json");
    assert_eq!(
        overview["totals"],
        json!({"calls": 5, "answered": 1, "qualified": 1, "first_time": 4, "unattributed": 1}),
        "a voicemail is not answered by the business: {overview}"
    );
    assert_eq!(overview["previous"]["calls"], 0);
    let days = overview["days"].as_array().expect("days");
    assert!((30..=31).contains(&days.len()), "every day of the period: {}", days.len());
    let mut by_channel = serde_json::Map::new();
    for day in days {
        for (channel, n) in day["by_channel"].as_object().expect("by_channel") {
            let sum = by_channel.get(channel).and_then(Value::as_u64).unwrap_or(0) + n.as_u64().unwrap_or(0);
            by_channel.insert(channel.clone(), json!(sum));
        }
    }
    assert_eq!(Value::Object(by_channel), json!({"paid search": 3, "email": 1, "unattributed": 1}));
    assert_eq!(
        overview["top_sources"],
        json!([{"name": "google", "calls": 2}, {"name": "bing", "calls": 1}, {"name": "newsletter", "calls": 1}])
    );
    assert_eq!(overview["top_campaigns"], json!([{"name": "spring", "calls": 4}]));
    for bad in ["tz=Nowhere/Town", "from=2026-11-10&to=2026-11-01", "days=7"] {
        let resp = edge.overview("demo", &edge.demo_token, &format!("?{bad}")).await;
        assert_eq!(resp.status(), 400, "{bad}");
    }

    // The report counts the same calls in SQLite: by medium (a JSON field), with the
    // voicemail not answered, the repeat caller not first-time, talk time averaged over the
    // answered call, and the three visitors' sessions beside them.
    let report = |group_by: &'static str| {
        let resp = edge.report("demo", &edge.demo_token, &format!("?group_by={group_by}"));
        async move {
            let resp = resp.await;
            assert_eq!(resp.status(), 200, "{group_by}");
            let body: Value = resp.json().await.expect("json");
            body["rows"].as_array().expect("rows").clone()
        }
    };
    let rows = report("medium").await;
    let row = |key: &str| {
        rows.iter().find(|r| r["key"] == json!([key])).cloned().unwrap_or_else(|| panic!("{key}: {rows:?}"))
    };
    let cpc = row("cpc");
    assert_eq!(
        [&cpc["calls"], &cpc["answered"], &cpc["qualified"], &cpc["first_time"], &cpc["sessions"]],
        [3, 1, 1, 2, 2],
        "{cpc}"
    );
    assert_eq!(cpc["avg_talk_secs"], 95.0);
    let email = row("email");
    assert_eq!([&email["calls"], &email["answered"], &email["sessions"]], [1, 0, 1], "{email}");
    let none = row("(none)");
    assert_eq!([&none["calls"], &none["sessions"]], [1, 0], "the unattributed call: {none}");
    assert_eq!(rows[0]["key"], json!(["cpc"]), "most calls first");
    // Two levels, one of them a stored column, the other a date: every call on today's row.
    let rows = report("channel,week").await;
    let calls: u64 = rows.iter().filter_map(|r| r["calls"].as_u64()).sum();
    let sessions: u64 = rows.iter().filter_map(|r| r["sessions"].as_u64()).sum();
    assert_eq!((calls, sessions), (5, 3), "{rows:?}");
    assert!(rows.iter().any(|r| r["key"][0] == "unattributed" && r["calls"] == 1), "{rows:?}");
    let paid = rows.iter().find(|r| r["key"][0] == "paid search").expect("paid search");
    assert_eq!((paid["calls"].as_u64(), paid["sessions"].as_u64()), (Some(3), Some(2)), "{paid}");
    assert!(paid["key"][1].as_str().unwrap_or("").contains("-W"), "an ISO week: {paid}");
    // Every other dimension read from the JSON: each call and session counted once, under words.
    for (group_by, row_key, counts) in [
        ("term", "google term", (2, 1)),
        ("content", "banner", (4, 3)),
        ("landing_page", "https://shop.example/google", (2, 1)),
        ("region", "", (0, 0)),
        ("day", "", (0, 0)),
    ] {
        let rows = report(group_by).await;
        let calls: u64 = rows.iter().filter_map(|r| r["calls"].as_u64()).sum();
        let sessions: u64 = rows.iter().filter_map(|r| r["sessions"].as_u64()).sum();
        assert_eq!((calls, sessions), (5, 3), "{group_by}: {rows:?}");
        assert!(
            rows.iter().all(|r| !r["key"][0].as_str().unwrap_or("{").starts_with('{')),
            "words: {rows:?}"
        );
        if !row_key.is_empty() {
            let row = rows.iter().find(|r| r["key"] == json!([row_key])).expect(group_by);
            assert_eq!(
                (row["calls"].as_u64(), row["sessions"].as_u64()),
                (Some(counts.0), Some(counts.1)),
                "{group_by}"
            );
        }
    }
    let rows = report("tracking_number").await;
    let on_first = rows.iter().find(|r| r["key"] == json!([numbers[0]])).expect("the first number");
    assert_eq!((on_first["calls"].as_u64(), on_first["sessions"].as_u64()), (Some(2), Some(1)));
}
