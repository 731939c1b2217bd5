//! Money: ad spend imported from a CSV, call values set through the API, the report's ROI
//! cells against a hand computation, the Google Ads conversions file parsed back, and GA4 /
//! Meta conversions sent from the site's alarm to local stand-ins (retried, hashed, and never
//! for a visitor without the platform's id or consent); bad input refused, naming the cell.

use reqwest::Method;
use ringtrace_tests::{
    eventually, twilio_post, twilio_voice, twiml_attribute, Edge, EdgeApi, WebhookReceiver,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const DAY: &str = "2026-11";

/// `PATCH …/settings` with `body`, asserting it is accepted.
async fn set(edge: &Edge, body: Value) -> Value {
    let resp = edge.patch_settings("demo", &edge.demo_token, &body).await;
    let status = resp.status().as_u16();
    let answer: Value = resp.json().await.unwrap_or_default();
    assert_eq!(status, 200, "settings {body}: {answer}");
    answer
}

/// `POST …/spend` with `body` as `content_type`: the status and answer.
async fn upload(edge: &Edge, content_type: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let resp = edge
        .site_request(Method::POST, "demo", "/spend", &edge.demo_token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("post spend");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

async fn get(edge: &Edge, tail: &str) -> (u16, String) {
    let resp = edge.site_request(Method::GET, "demo", tail, &edge.demo_token).send().await.expect("get");
    (resp.status().as_u16(), resp.text().await.unwrap_or_default())
}

async fn get_json(edge: &Edge, tail: &str) -> Value {
    let (status, text) = get(edge, tail).await;
    assert_eq!(status, 200, "{tail}: {text}");
    serde_json::from_str(&text).expect("JSON")
}

async fn patch_call(edge: &Edge, site: &str, token: &str, sid: &str, body: &str) -> (u16, Value) {
    let resp = edge
        .site_request(Method::PATCH, site, &format!("/calls/{sid}"), token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("patch call");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

/// A call to import: (id, day of November, source, medium, campaign, talk seconds, value,
/// converted).
type Imported<'a> = (&'a str, u32, &'a str, &'a str, &'a str, u32, Option<&'a str>, Option<bool>);

async fn import(edge: &Edge, calls: &[Imported<'_>]) {
    let rows: Vec<Value> = calls
        .iter()
        .map(|(id, day, source, medium, campaign, talk, value, converted)| {
            let mut row = json!({
                "call_id": id, "from": format!("+1555700{:04}", id.len() * 100 + *day as usize), "to": "+15550100201",
                "started_at": format!("{DAY}-{day:02}T15:00:00Z"), "source": source, "medium": medium,
                "answered": true, "talk_seconds": talk, "value": value, "converted": converted,
            });
            if !campaign.is_empty() {
                row["campaign"] = json!(campaign);
            }
            row
        })
        .collect();
    let resp = edge
        .site_request(Method::POST, "demo", "/calls/import", &edge.demo_token)
        .json(&json!({ "calls": rows }))
        .send()
        .await
        .expect("import");
    let status = resp.status().as_u16();
    let answer: Value = resp.json().await.unwrap_or_default();
    assert_eq!((status, answer["imported"].as_u64()), (200, Some(calls.len() as u64)), "{answer}");
}

fn row<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["key"] == json!([key])))
        .unwrap_or_else(|| panic!("no row {key} in {report}"))
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

#[tokio::test]
async fn spend_and_call_values_make_a_report_whose_roi_is_the_hand_computation() {
    let edge = Edge::start().await;
    set(&edge, json!({"currency": "USD", "default_call_value": "50", "qualified_talk_seconds": 60})).await;
    // Semicolons, a header in its own order, a quoted campaign, a week spread over its days.
    let csv = "Campaign;Date;date_to;Source;Medium;Spend;Currency\n\
               spring;2026-11-01;;google;cpc;100.00;USD\n\
               spring;2026-11-02;;Google;CPC;50;usd\n\
               \"re;target\";2026-11-01;2026-11-07;facebook;paid_social;70.00;\n\
               brand;2026-11-03;;bing;cpc;30;USD\n";
    let (status, change) = upload(&edge, "text/csv", csv).await;
    assert_eq!(status, 200, "{change}");
    assert_eq!((change["days"].as_u64(), change["total"].as_str()), (Some(10), Some("250.00")));
    import(
        &edge,
        &[
            ("CA1", 1, "google", "cpc", "spring", 120, Some("300"), None),
            ("CA2", 1, "google", "cpc", "spring", 30, None, None),
            ("CA3", 2, "google", "cpc", "spring", 90, None, None),
            ("CA4", 2, "facebook", "paid_social", "re;target", 200, None, Some(false)),
            ("CA5", 4, "facebook", "paid_social", "re;target", 61, None, None),
            ("CA6", 5, "google", "organic", "", 100, None, None),
            ("CA7", 8, "google", "organic", "", 10, None, None),
        ],
    )
    .await;
    let by_campaign = get_json(&edge, "/report?group_by=campaign&from=2026-11-01&to=2026-11-07").await;
    assert_eq!(by_campaign["currency"], "USD");
    // spring: 150 spent; 300 (CA1's value) + 0 (CA2: 30 s, not qualified) + 50 (CA3: the default).
    let spring = row(&by_campaign, "spring");
    assert_eq!((spring["calls"].as_u64(), spring["qualified"].as_u64()), (Some(3), Some(2)));
    assert_eq!(spring["spend"], "150.00");
    assert_eq!(spring["cost_per_call"], "50.00"); // 150 / 3
    assert_eq!(spring["cost_per_qualified_call"], "75.00"); // 150 / 2
    assert_eq!(spring["revenue"], "350.00");
    assert!(close(&spring["roas"], 350.0 / 150.0) && close(&spring["roi"], 200.0 / 150.0), "{spring}");
    // re;target: 70 spent; CA4 marked not converted (0), CA5 qualified (50).
    let retarget = row(&by_campaign, "re;target");
    assert_eq!(
        (retarget["spend"].as_str(), retarget["cost_per_call"].as_str()),
        (Some("70.00"), Some("35.00"))
    );
    assert_eq!(retarget["revenue"], "50.00");
    assert!(close(&retarget["roas"], 50.0 / 70.0) && close(&retarget["roi"], -20.0 / 70.0));
    // brand: spend without a call.
    let brand = row(&by_campaign, "brand");
    assert_eq!((brand["calls"].as_u64(), brand["spend"].as_str()), (Some(0), Some("30.00")));
    assert_eq!((&brand["cost_per_call"], &brand["cost_per_qualified_call"]), (&Value::Null, &Value::Null));
    assert!(close(&brand["roas"], 0.0) && close(&brand["roi"], -1.0));
    // The organic calls: no spend, so no cost and no return on it (null, not 0 or infinity).
    let organic = row(&by_campaign, "(none)");
    assert_eq!(
        (organic["spend"].clone(), organic["roi"].clone(), organic["revenue"].clone()),
        (Value::Null, Value::Null, json!("50.00"))
    );

    let by_day = get_json(&edge, "/report?group_by=day&from=2026-11-01&to=2026-11-08").await;
    let day = |d: &str| row(&by_day, d).clone();
    assert_eq!(
        (day("2026-11-01")["spend"].clone(), day("2026-11-01")["cost_per_call"].clone()),
        (json!("110.00"), json!("55.00"))
    );
    assert!(close(&day("2026-11-01")["roi"], (300.0 - 110.0) / 110.0));
    assert_eq!(
        (day("2026-11-03")["calls"].as_u64(), day("2026-11-03")["spend"].as_str()),
        (Some(0), Some("40.00"))
    );
    assert!(close(&day("2026-11-04")["roas"], 5.0), "50 earned on 10 spent");
    let quiet = day("2026-11-08");
    assert_eq!(
        (quiet["spend"].clone(), quiet["cost_per_call"].clone(), quiet["roi"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );

    // A marketer in Chicago asking for their 3 November gets that date's spend.
    let chicago = get_json(
        &edge,
        "/report?group_by=campaign&from=2026-11-03T06:00:00Z&to=2026-11-04T06:00:00Z&tz=America/Chicago",
    )
    .await;
    assert_eq!(
        (row(&chicago, "brand")["spend"].as_str(), row(&chicago, "re;target")["spend"].as_str()),
        (Some("30.00"), Some("10.00"))
    );

    let by_channel = get_json(&edge, "/report?group_by=channel&from=2026-11-01&to=2026-11-07").await;
    assert_eq!(row(&by_channel, "paid search")["spend"], "180.00", "google and bing cpc");
    let by_region = get_json(&edge, "/report?group_by=region&from=2026-11-01&to=2026-11-07").await;
    assert!(
        by_region["rows"].as_array().unwrap().iter().all(|r| r["spend"].is_null()),
        "spend is not kept by region"
    );

    let list = get_json(&edge, "/spend?from=2026-10-01&to=2026-11-30&group_by=month,campaign").await;
    assert_eq!(list["total"], "250.00");
    let spring_month =
        list["rows"].as_array().unwrap().iter().find(|r| r["key"] == json!(["2026-11", "spring"])).cloned();
    assert_eq!(spring_month.map(|r| r["spend"].clone()), Some(json!("150.00")));

    // The same upload again replaces, not adds.
    assert_eq!(upload(&edge, "text/csv", csv).await.0, 200);
    assert_eq!(
        get_json(&edge, "/spend?from=2026-11-01&to=2026-11-30&group_by=month").await["total"],
        "250.00"
    );

    let overview = get_json(&edge, "/overview?from=2026-11-01&to=2026-11-07&tz=UTC").await;
    let money = &overview["money"];
    assert_eq!(
        (money["spend"].as_str(), money["cost_per_call"].as_str()),
        (Some("250.00"), Some("41.67")),
        "{money}"
    ); // 250 / 6
    assert_eq!(money["revenue"], "450.00");
    assert_eq!(money["weeks"][0]["week"], "2026-W44");

    let deleted = edge
        .site_request(Method::DELETE, "demo", "/spend?from=2026-11-03&to=2026-11-03", &edge.demo_token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status().as_u16(), 200);
    assert_eq!(deleted.json::<Value>().await.unwrap()["days"], 2);
    assert_eq!(
        get_json(&edge, "/spend?from=2026-11-01&to=2026-11-30&group_by=month").await["total"],
        "210.00"
    );

    // A corrected export that replaces its range: facebook's campaign was renamed.
    let renamed =
        "date,date_to,source,medium,campaign,spend\n2026-11-01,2026-11-03,facebook,paid_social,re-target,9\n";
    let replace = |q: &'static str| {
        edge.site_request(Method::POST, "demo", q, &edge.demo_token)
            .header("content-type", "text/csv")
            .body(renamed)
            .send()
    };
    assert_eq!(replace("/spend?replace=maybe").await.unwrap().status().as_u16(), 400);
    assert_eq!(replace("/spend?replace=true").await.unwrap().status().as_u16(), 200);
    // 210 − facebook's 1 and 2 November under the old name (20) + 9.
    let after = get_json(&edge, "/spend?from=2026-11-01&to=2026-11-30&group_by=campaign").await;
    assert_eq!(after["total"], "199.00", "{after}");
    let campaign = |name: &str| {
        after["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == json!([name]))
            .map(|r| r["spend"].clone())
    };
    assert_eq!((campaign("re;target"), campaign("re-target")), (Some(json!("40.00")), Some(json!("9.00"))));

    // The amounts are dollars now: the currency cannot change under them.
    let resp = edge.patch_settings("demo", &edge.demo_token, &json!({"currency": "EUR"})).await;
    assert_eq!(resp.status().as_u16(), 409);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"]["field"], "currency");
}

#[tokio::test]
async fn bad_spend_and_bad_values_get_a_4xx_naming_the_row_and_field_and_nothing_is_kept() {
    let edge = Edge::start().await;
    let header = "date,date_to,source,campaign,spend,currency\n";
    let good = "2026-11-01,,google,a,1.00,USD\n";
    for (bad, field, says) in [
        ("2026-11-02,,google,\"a,1.00,USD\n", None, "never closed"),
        ("2026-11-02,,goo\"gle,a,1.00,USD\n", None, "quote inside"),
        ("2026-11-02,,google,a,\"1,50\",USD\n", Some("rows[1].spend"), "comma"),
        ("2026-11-02,,google,a,1.505,USD\n", Some("rows[1].spend"), "more than 2 decimals"),
        ("2026-11-02,,google,a,-4,USD\n", Some("rows[1].spend"), "negative"),
        ("2026-11-02,,google,a,4,XBT\n", Some("rows[1].currency"), "not a known currency"),
        ("2026-11-02,,google,a,4,EUR\n", Some("rows[1].currency"), "site's currency"),
        ("2026-13-02,,google,a,4,\n", Some("rows[1].date"), "not a date"),
        ("1999-01-01,,google,a,4,\n", Some("rows[1].date"), "out of range"),
        ("2026-11-09,2026-11-02,google,a,4,\n", Some("rows[1].date_to"), "before"),
        ("2026-11-02,,,a,4,\n", Some("rows[1].source"), "empty"),
    ] {
        let (status, answer) = upload(&edge, "text/csv", format!("{header}{good}{bad}")).await;
        assert_eq!(status, 400, "{bad}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(says) && message.contains("line 3"), "{bad}: {answer}");
        if let Some(field) = field {
            assert_eq!(answer["error"]["field"], field, "{bad}: {answer}");
        }
    }
    let (status, answer) =
        upload(&edge, "text/csv", "date,source,spend,clicks\n2026-11-01,google,1,3\n").await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("columns[3]")), "{answer}");
    let json_rows = json!({"rows": [{"date": "2026-11-01", "source": "google", "spend": 2}, {"date": "2026-11-02", "source": "google", "spend": "x"}]});
    let (status, answer) = upload(&edge, "application/json", json_rows.to_string()).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("rows[1].spend")), "{answer}");
    let huge = format!("{header}{}", good.repeat(2 * 1024 * 1024 / good.len() + 1));
    assert_eq!(upload(&edge, "text/csv", huge).await.0, 413);
    let many = format!("{header}{}", good.repeat(10_001));
    let (status, answer) = upload(&edge, "text/csv", many).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap_or("").contains("10000 rows"), "{answer}");
    assert_eq!(upload(&edge, "multipart/form-data; boundary=x", "x").await.0, 415);
    // Nothing of any refused upload was kept.
    assert_eq!(get_json(&edge, "/spend?from=2026-10-01&to=2026-11-30&group_by=month").await["total"], "0.00");
    let (status, _) = get(&edge, "/spend?from=2026-11-30&to=2026-11-01").await;
    assert_eq!(status, 400);
    let anonymous = edge
        .http()
        .post(edge.url("/v1/sites/demo/spend"))
        .body(format!("{header}{good}"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    // Values: on a call of this site only, in its currency, naming the field.
    import(&edge, &[("CAmine", 3, "google", "cpc", "a", 90, None, None)]).await;
    for (body, status, field) in [
        (r#"{"value": "12,50"}"#, 400, Some("value")),
        (r#"{"value": -1}"#, 400, Some("value")),
        (r#"{"value": "1.005"}"#, 400, Some("value")),
        (r#"{"converted": "yes"}"#, 400, Some("converted")),
        (r#"{"tags": ["ok", ""]}"#, 400, Some("tags[1]")),
        (r#"{"worth": 3}"#, 400, None),
        (r#"{}"#, 400, None),
        (r#"[1]"#, 400, None),
    ] {
        let (got, answer) = patch_call(&edge, "demo", &edge.demo_token, "CAmine", body).await;
        assert_eq!(got, status, "{body}: {answer}");
        if let Some(field) = field {
            assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
        }
    }
    let (status, answer) = patch_call(&edge, "demo", &edge.demo_token, "CAnot-here", r#"{"value": 5}"#).await;
    assert_eq!(status, 404, "{answer}");
    // Another site's token cannot reach this site's call, nor this token another site's.
    let other = json!({"name": "Other", "business_number": "+15550109900", "pool": ["+15550109901"], "api_token": "other-site-token-0123456789"});
    assert_eq!(edge.put_site("other", &other).await.status(), 200);
    assert_eq!(
        patch_call(&edge, "demo", "other-site-token-0123456789", "CAmine", r#"{"value": 5}"#).await.0,
        401
    );
    assert_eq!(
        patch_call(&edge, "other", "other-site-token-0123456789", "CAmine", r#"{"value": 5}"#).await.0,
        404
    );
    let detail = edge.call_detail("demo", &edge.demo_token, "CAmine").await.json::<Value>().await.unwrap();
    assert_eq!(detail["call"]["value"], Value::Null, "no refused change was kept");
    let (status, view) = patch_call(
        &edge,
        "demo",
        &edge.demo_token,
        "CAmine",
        r#"{"value": "99.5", "converted": true, "note": "paid", "tags": ["vip"]}"#,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(
        (view["value"].as_str(), view["currency"].as_str(), view["converted"].as_bool()),
        (Some("99.50"), Some("USD"), Some(true))
    );
    assert!(view["tags"].as_array().unwrap().contains(&json!("vip")));
    let detail = edge.call_detail("demo", &edge.demo_token, "CAmine").await.json::<Value>().await.unwrap();
    let updated: Vec<&Value> =
        detail["events"].as_array().unwrap().iter().filter(|e| e["type"] == "updated").collect();
    assert_eq!(updated.len(), 1, "the change is in the timeline: {detail}");
    assert_eq!(
        updated[0]["changes"],
        json!(["value 99.50 USD", "marked converted", "note changed", "tags vip"])
    );
}

/// A visitor leases a number with `extra` in the lease request, then calls it and talks
/// `talk` seconds (Twilio's voice webhook, then the `<Dial action>` callback the TwiML names).
async fn visit_and_call(edge: &Edge, visitor: &str, extra: Value, sid: &str, from: &str, talk: u32) {
    let mut body = json!({"site": "demo", "visitor": visitor, "utm_source": "google", "utm_medium": "cpc", "utm_campaign": "spring"});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    let grant = edge.lease(&body).await;
    let tn = grant["number"].as_str().expect("number").to_string();
    let (status, twiml) = twilio_voice(edge, sid, from, &tn).await;
    assert_eq!(status, 200, "{twiml}");
    let action = twiml_attribute(&twiml, "Dial", "action").expect("the TwiML names its Dial action");
    let path = action.strip_prefix(&edge.base).unwrap_or(&action).to_string();
    let talk = talk.to_string();
    let done = [("CallSid", sid), ("DialCallStatus", "completed"), ("DialCallDuration", talk.as_str())];
    assert_eq!(twilio_post(edge, &path, &done).await.0, 200);
}

#[tokio::test]
async fn the_google_ads_file_has_each_clicks_conversion_once_in_the_sites_zone() {
    let edge = Edge::start().await;
    set(
        &edge,
        json!({"time_zone": "America/Chicago", "default_call_value": "75", "qualified_talk_seconds": 60}),
    )
    .await;
    let page = |ids: &str| json!({"landing_page": format!("https://demo.example/?utm_source=google&{ids}")});
    visit_and_call(&edge, "visitor-gads-0001", page("gclid=Cj0KCQ_first"), "CAgads1", "+15557000001", 120)
        .await;
    // The same visitor calls again: the same click converts once.
    visit_and_call(&edge, "visitor-gads-0001", page("gclid=Cj0KCQ_first"), "CAgads2", "+15557000001", 200)
        .await;
    visit_and_call(&edge, "visitor-gads-0002", page("gbraid=0AAAAbraid"), "CAgads3", "+15557000002", 90)
        .await;
    visit_and_call(&edge, "visitor-gads-0003", page("gclid=Cj0KCQ_short"), "CAgads4", "+15557000003", 5)
        .await;
    visit_and_call(&edge, "visitor-gads-0004", json!({}), "CAgads5", "+15557000004", 300).await;
    let (status, csv) =
        get(&edge, "/exports/google-ads.csv?conversion_name=Phone%20call&qualified=true").await;
    assert_eq!(status, 200, "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "Parameters:TimeZone=America/Chicago");
    let columns: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(
        columns,
        [
            "Google Click ID",
            "Conversion Name",
            "Conversion Time",
            "Conversion Value",
            "Conversion Currency",
            "GBRAID",
            "WBRAID"
        ]
    );
    let rows: Vec<Vec<&str>> = lines[2..].iter().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "one row per converting click: {csv}");
    assert_eq!(
        (rows[0][0], rows[0][1], rows[0][3], rows[0][4]),
        ("Cj0KCQ_first", "Phone call", "75.00", "USD")
    );
    assert_eq!((rows[1][0], rows[1][5]), ("", "0AAAAbraid"));
    // The time is the call's, in Chicago's wall clock (yyyy-mm-dd hh:mm:ss).
    let detail = edge.call_detail("demo", &edge.demo_token, "CAgads1").await.json::<Value>().await.unwrap();
    let started = detail["call"]["started_at"].as_str().unwrap().to_string();
    let utc: jiff::Timestamp = started.parse().expect("an RFC 3339 time");
    let chicago = utc
        .to_zoned(jiff::tz::TimeZone::get("America/Chicago").unwrap())
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string();
    assert_eq!(rows[0][2], chicago);
    // Google Ads' scheduled upload from this URL sends Basic credentials: the site's id and
    // token. A wrong one is challenged, so a fetching client knows to send them.
    let basic = |user: &str, password: &str| {
        edge.http()
            .get(edge.url("/v1/sites/demo/exports/google-ads.csv"))
            .basic_auth(user, Some(password))
            .send()
    };
    let fetched = basic("demo", &edge.demo_token).await.unwrap();
    assert_eq!(fetched.status().as_u16(), 200);
    assert_eq!(fetched.text().await.unwrap(), csv, "the same file as with the bearer token");
    for (user, password) in [("demo", "wrong-token-0123456789"), ("other", edge.demo_token.as_str())] {
        let refused = basic(user, password).await.unwrap();
        assert_eq!(refused.status().as_u16(), 401, "{user}");
        let challenge = refused.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(challenge.starts_with("Basic realm="), "{user}: {challenge}");
    }
    let anonymous = edge.http().get(edge.url("/v1/sites/demo/exports/google-ads.csv")).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    // Basic is taken by the exports only.
    let calls = edge
        .http()
        .get(edge.url("/v1/sites/demo/calls"))
        .basic_auth("demo", Some(&edge.demo_token))
        .send()
        .await
        .unwrap();
    assert_eq!(calls.status().as_u16(), 401);

    // With qualified=false the short call counts too.
    let (_, all) = get(&edge, "/exports/google-ads.csv?qualified=false").await;
    assert_eq!(all.lines().count(), 5, "{all}");
    for bad in ["qualified=maybe", "from=2026-01-01&to=2026-12-01", "conversion_name=", "format=xml"] {
        let (status, answer) = get(&edge, &format!("/exports/google-ads.csv?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {answer}");
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn conversions_reach_ga4_and_meta_from_the_alarm_retried_hashed_and_only_with_consent() {
    let ga4 = WebhookReceiver::start(1); // fails once, then accepts
    let meta = WebhookReceiver::start(0);
    let origin = |url: &str| url.trim_end_matches("/hooks/ringtrace").to_string();
    let edge = Edge::start_with(&[
        ("GA4_ENDPOINT", &origin(&ga4.url)),
        ("META_ENDPOINT", &origin(&meta.url)),
        ("WEBHOOK_RETRY_BASE_MS", "300"),
    ])
    .await;
    let shown = set(
        &edge,
        json!({"default_call_value": "40", "ga4": {"measurement_id": "G-RINGTEST1", "api_secret": "ga4-secret-value"},
               "meta": {"pixel_id": "1234567890123", "access_token": "EAAGtestTokenValue0123456789"}}),
    )
    .await;
    assert_eq!(
        shown["ga4"],
        json!({"measurement_id": "G-RINGTEST1", "api_secret": null}),
        "secrets are write-only"
    );
    assert_eq!(shown["meta"]["access_token"], Value::Null);
    let cookies = json!({
        "landing_page": "https://demo.example/?utm_source=google&gclid=G1&fbclid=IwAR_click",
        "ga": "GA1.1.1234567890.1700000000", "fbp": "fb.1.1700000000000.424242"
    });
    visit_and_call(&edge, "visitor-conv-0001", cookies.clone(), "CAconv1", "+1 (555) 700-0011", 120).await;
    // One who refused ad storage, and one without any platform id: never sent.
    let refused = json!({"ad_storage": false, "ga": "GA1.1.99.99", "fbp": "fb.1.1.1", "landing_page": "https://demo.example/?gclid=G2"});
    visit_and_call(&edge, "visitor-conv-0002", refused, "CAconv2", "+15557000022", 120).await;
    visit_and_call(&edge, "visitor-conv-0003", json!({}), "CAconv3", "+15557000033", 120).await;

    let sent = eventually(30, "GA4 accepts the event after a retry", || async {
        let got = ga4.received();
        (got.iter().any(|r| r.answered == 200)).then_some(got)
    })
    .await;
    assert_eq!(sent.iter().map(|r| r.answered).collect::<Vec<_>>(), [500, 200], "retried after the 500");
    let hit = &sent[1];
    assert!(
        hit.target.starts_with("/mp/collect?measurement_id=G-RINGTEST1&api_secret=ga4-secret-value"),
        "{}",
        hit.target
    );
    let body: Value = serde_json::from_str(&hit.body).expect("GA4 body is JSON");
    assert_eq!(body["client_id"], "1234567890.1700000000");
    let event = &body["events"][0];
    assert_eq!(event["name"], "phone_call");
    let p = &event["params"];
    assert_eq!(
        (p["source"].as_str(), p["medium"].as_str(), p["campaign"].as_str()),
        (Some("google"), Some("cpc"), Some("spring"))
    );
    assert_eq!(
        (p["value"].as_f64(), p["currency"].as_str(), p["talk_secs"].as_u64()),
        (Some(40.0), Some("USD"), Some(120))
    );

    let to_meta = eventually(30, "Meta receives the event", || async {
        let got = meta.received();
        (!got.is_empty()).then_some(got)
    })
    .await;
    assert!(
        to_meta[0]
            .target
            .starts_with("/v21.0/1234567890123/events?access_token=EAAGtestTokenValue0123456789"),
        "{}",
        to_meta[0].target
    );
    let body: Value = serde_json::from_str(&to_meta[0].body).expect("Meta body is JSON");
    let e = &body["data"][0];
    assert_eq!(
        (e["event_name"].as_str(), e["action_source"].as_str(), e["event_id"].as_str()),
        (Some("Contact"), Some("phone_call"), Some("CAconv1"))
    );
    assert_eq!(e["user_data"]["ph"], json!([sha256_hex("15557000011")]), "E.164 digits, SHA-256");
    assert_eq!(e["user_data"]["fbp"], "fb.1.1700000000000.424242");
    assert!(e["user_data"]["fbc"].as_str().unwrap_or("").ends_with(".IwAR_click"), "{e}");

    // The call's page logs each attempt; the provider's answer never waited for them.
    let detail = edge.call_detail("demo", &edge.demo_token, "CAconv1").await.json::<Value>().await.unwrap();
    let ga4_log = detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["event"] == "ga4.phone_call")
        .cloned()
        .unwrap();
    assert_eq!(ga4_log["state"], "delivered");
    assert_eq!(
        ga4_log["attempts"].as_array().unwrap().iter().map(|a| a["status"].clone()).collect::<Vec<_>>(),
        [json!(500), json!(200)]
    );
    assert!(!ga4_log["url"].as_str().unwrap().contains("secret"), "the log shows no secret");

    // A value set later: GA4's value event and Meta's purchase, with the value.
    let (status, view) =
        patch_call(&edge, "demo", &edge.demo_token, "CAconv1", r#"{"value": "180.00"}"#).await;
    assert_eq!(status, 200, "{view}");
    let purchase = eventually(30, "Meta receives the purchase", || async {
        meta.received().into_iter().find(|r| r.body.contains("\"Purchase\""))
    })
    .await;
    let body: Value = serde_json::from_str(&purchase.body).unwrap();
    assert_eq!(
        (body["data"][0]["custom_data"]["value"].as_f64(), body["data"][0]["event_id"].as_str()),
        (Some(180.0), Some("CAconv1"))
    );
    eventually(30, "GA4 receives the value", || async {
        ga4.received().into_iter().find(|r| r.body.contains("phone_call_value") && r.answered == 200)
    })
    .await;
    // Nothing ever for the refused visitor or the one without ids.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    for got in [ga4.received(), meta.received()] {
        assert!(
            got.iter().all(|r| r.body.contains("CAconv1") || r.body.contains("1234567890.1700000000")),
            "only CAconv1: {got:?}"
        );
        assert!(!got.iter().any(|r| r.body.contains("99.99") || r.body.contains(&sha256_hex("15557000022"))));
    }
    let refused_log =
        edge.call_detail("demo", &edge.demo_token, "CAconv2").await.json::<Value>().await.unwrap();
    assert!(refused_log["deliveries"].as_array().unwrap().is_empty(), "{refused_log}");
    assert!(refused_log["attribution"]["source"].get("ad_ids").is_none(), "no id kept: {refused_log}");
}
