//! Number masking through the real edge: an order's customer and courier call each other
//! through proxy numbers (Twilio's voice webhook, signed as Twilio signs it, and the callbacks
//! our TwiML names followed as Twilio follows them), strangers and closed orders get the
//! site's closed policy, sessions expire through the site's alarm, and bad input is refused
//! with its field, nothing half-created.

use reqwest::Method;
use ringtrace_tests::{demo_call_detail, twilio_post, twilio_voice, Edge, EdgeApi, WebhookReceiver};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const MASKING: [&str; 3] = ["+15550100701", "+15550100702", "+15550100703"];
const CUSTOMER: &str = "+15557300101";
const COURIER: &str = "+15557300202";

/// `method /v1/sites/demo/masking/sessions{tail}` with the demo token (and a JSON body); the
/// status, the `Idempotent-Replayed` header and the JSON answer.
async fn masking(
    edge: &Edge,
    method: Method,
    tail: &str,
    body: Option<&Value>,
    key: Option<&str>,
) -> (u16, bool, Value) {
    let mut req = edge.site_request(method, "demo", &format!("/masking/sessions{tail}"), &edge.demo_token);
    if let Some(b) = body {
        req = req.json(b);
    }
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let resp = req.send().await.expect("masking request");
    let status = resp.status().as_u16();
    let replayed = resp.headers().get("idempotent-replayed").is_some();
    (status, replayed, resp.json().await.unwrap_or(Value::Null))
}

/// `GET /v1/route` for a call from `from` to `dialed`, asking for JSON or plain text.
async fn route(edge: &Edge, dialed: &str, call_id: &str, from: &str, json: bool) -> reqwest::Response {
    let enc = |n: &str| n.replace('+', "%2B");
    let url =
        edge.url(&format!("/v1/route?dialed_number={}&call_id={call_id}&from={}", enc(dialed), enc(from)));
    let mut req = edge.http().get(url).bearer_auth(&edge.demo_token);
    if json {
        req = req.header("accept", "application/json");
    }
    req.send().await.expect("a route lookup")
}

fn session(order: &str, customer: &str, courier: &str) -> Value {
    json!({"order_id": order, "ttl_minutes": 120, "participants": [
        {"number": customer, "name": "Ann Lee", "role": "customer"},
        {"number": courier, "name": "Sam", "role": "courier"}]})
}

fn proxy(view: &Value, role: &str) -> String {
    let p = view["participants"].as_array().expect("participants").iter().find(|p| p["role"] == role);
    p.and_then(|p| p["proxy_number"].as_str()).expect("a proxy number").to_string()
}

/// The value of `attribute="…"` on the first `<tag` of `twiml`, as Twilio reads it.
fn attribute(twiml: &str, tag: &str, attribute: &str) -> Option<String> {
    let at = &twiml[twiml.find(&format!("<{tag} "))?..];
    let at = &at[..at.find('>')?];
    let start = at.find(&format!(" {attribute}=\""))? + attribute.len() + 3;
    let end = start + at[start..].find('"')?;
    Some(at[start..end].replace("&amp;", "&"))
}

/// Follows a `<Dial>`'s callbacks as Twilio does once the callee hangs up after `talk` seconds:
/// the `<Number>`'s status callback, then the dial's action.
async fn finish_dial(edge: &Edge, twiml: &str, sid: &str, talk: &str) {
    let base = edge.url("");
    let status_url = attribute(twiml, "Number", "statusCallback").expect("a status callback");
    let action = attribute(twiml, "Dial", "action").expect("a dial action");
    let child = format!("{}c", &sid[..sid.len() - 1]);
    let status = [
        ("CallSid", child.as_str()),
        ("ParentCallSid", sid),
        ("CallStatus", "completed"),
        ("CallDuration", talk),
    ];
    assert_eq!(twilio_post(edge, status_url.trim_start_matches(&base), &status).await.0, 200);
    let done = [("CallSid", sid), ("DialCallStatus", "completed"), ("DialCallDuration", talk)];
    assert_eq!(twilio_post(edge, action.trim_start_matches(&base), &done).await.0, 200);
}

async fn masking_site(edge: &Edge, crm: Option<&WebhookReceiver>) {
    let mut setup = edge.demo_setup();
    setup["masking_numbers"] = json!(MASKING);
    setup["record_calls"] = json!(true);
    if let Some(crm) = crm {
        setup["crm_webhook"] = json!({"url": crm.url, "secret": "crm-secret-for-masking-01"});
    }
    edge.put_site_ok("demo", &setup).await;
}

#[tokio::test]
async fn customer_and_courier_call_each_other_through_proxies_and_strangers_hear_the_order_is_closed() {
    let edge = Edge::start().await;
    let crm = WebhookReceiver::start(0);
    masking_site(&edge, Some(&crm)).await;
    let body = session("A-1001", CUSTOMER, COURIER);
    let (status, replayed, view) = masking(&edge, Method::POST, "", Some(&body), Some("order-A-1001")).await;
    assert_eq!((status, replayed, view["state"].as_str()), (201, false, Some("open")), "{view}");
    let id = view["session_id"].as_str().expect("an id").to_string();
    let (cp, kp) = (proxy(&view, "customer"), proxy(&view, "courier"));
    assert!(MASKING.contains(&cp.as_str()) && MASKING.contains(&kp.as_str()));
    // A retry with the same key and body: the same session, said to be a replay.
    let (status, replayed, again) = masking(&edge, Method::POST, "", Some(&body), Some("order-A-1001")).await;
    assert_eq!((status, replayed, again["session_id"].as_str()), (201, true, Some(id.as_str())));
    let (status, _, err) =
        masking(&edge, Method::POST, "", Some(&session("A-1002", CUSTOMER, COURIER)), Some("order-A-1001"))
            .await;
    assert_eq!(status, 422, "{err}");

    // The customer calls their proxy: the courier's phone shows the courier's own proxy.
    let sid = "CA0000000000000000000000000000ma01";
    let (status, twiml) = twilio_voice(&edge, sid, CUSTOMER, &cp).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(twiml.contains(&format!(">{COURIER}</Number>")), "{twiml}");
    assert_eq!(attribute(&twiml, "Dial", "callerId").as_deref(), Some(kp.as_str()), "{twiml}");
    assert!(attribute(&twiml, "Dial", "record").is_some(), "the site records calls: {twiml}");
    assert!(!twiml.contains(CUSTOMER), "the customer's number is never in the TwiML: {twiml}");
    finish_dial(&edge, &twiml, sid, "42").await;
    // And back: the customer sees the customer's proxy.
    let back = "CA0000000000000000000000000000ma02";
    let (_, twiml) = twilio_voice(&edge, back, COURIER, &kp).await;
    assert!(twiml.contains(&format!(">{CUSTOMER}</Number>")), "{twiml}");
    assert_eq!(attribute(&twiml, "Dial", "callerId").as_deref(), Some(cp.as_str()));
    assert!(!twiml.contains(COURIER), "{twiml}");
    // A third number on the customer's proxy: the closed policy, no one reached.
    let stranger = "CA0000000000000000000000000000ma03";
    let (_, twiml) = twilio_voice(&edge, stranger, "+15557300999", &cp).await;
    assert!(twiml.contains("<Say>This order is closed.</Say><Hangup/>"), "{twiml}");
    assert!(!twiml.contains(COURIER) && !twiml.contains(CUSTOMER));

    // The calls are the session's and in the site's log as masked calls.
    let call = &demo_call_detail(&edge, sid).await["call"];
    assert_eq!(call["masking"]["order_id"], "A-1001", "{call}");
    assert_eq!(
        (call["masking"]["from_role"].as_str(), call["masking"]["to_role"].as_str()),
        (Some("customer"), Some("courier"))
    );
    assert_eq!((call["talk_secs"].as_u64(), call["forwarded_to"].as_str()), (Some(42), Some(COURIER)));
    assert_eq!(demo_call_detail(&edge, stranger).await["call"]["masking"]["connected"], false);
    let (_, _, detail) = masking(&edge, Method::GET, &format!("/{id}"), None, None).await;
    let listed: Vec<&str> =
        detail["calls"].as_array().unwrap().iter().filter_map(|c| c["call_sid"].as_str()).collect();
    assert_eq!(listed, [back, sid], "{detail}");
    assert_eq!(detail["call_count"], 2);
    let count = |resp: Value| resp["total"].as_u64();
    let masked = edge.calls("demo", &edge.demo_token, "?kind=masked").await.json().await.unwrap();
    assert_eq!(count(masked), Some(3));
    let tracked = edge.calls("demo", &edge.demo_token, "?kind=tracked").await.json().await.unwrap();
    assert_eq!(count(tracked), Some(0));
    let overview: Value = edge.overview("demo", &edge.demo_token, "").await.json().await.unwrap();
    assert_eq!(overview["totals"]["calls"], 0, "masked calls are not marketing calls: {overview}");
    let csv = edge.calls("demo", &edge.demo_token, "?format=csv").await.text().await.unwrap();
    assert!(csv.lines().next().unwrap().contains(",kind,order_id,masking_session,from_role,to_role,"));
    assert!(csv.contains(&format!("masked,A-1001,{id},customer,courier")), "{csv}");

    // The CRM hears of masked calls under their own names.
    let deadline = Instant::now() + Duration::from_secs(20);
    let events = loop {
        let events: Vec<String> = crm
            .received()
            .iter()
            .filter_map(|h| serde_json::from_str::<Value>(&h.body).ok())
            .filter_map(|b| b["event"].as_str().map(str::to_string))
            .collect();
        if events.iter().filter(|e| e.as_str() == "masked_call.ended").count() >= 2
            || Instant::now() > deadline
        {
            break events;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(events.iter().all(|e| e.starts_with("masked_call.")), "{events:?}");
    assert_eq!(events.iter().filter(|e| e.as_str() == "masked_call.started").count(), 3, "{events:?}");

    // Closed by the business: the pair no longer connects, the session cannot change.
    let (status, _, closed) = masking(&edge, Method::POST, &format!("/{id}/close"), None, None).await;
    assert_eq!(
        (status, closed["state"].as_str(), closed["closed_reason"].as_str()),
        (200, Some("closed"), Some("closed"))
    );
    let (_, twiml) = twilio_voice(&edge, "CA0000000000000000000000000000ma04", CUSTOMER, &cp).await;
    assert!(twiml.contains("<Hangup/>") && !twiml.contains(COURIER), "{twiml}");
    let (status, _, err) =
        masking(&edge, Method::PATCH, &format!("/{id}"), Some(&json!({"ttl_minutes": 30})), None).await;
    assert_eq!(status, 409, "{err}");
    let (_, _, closed_list) = masking(&edge, Method::GET, "?state=closed&order_id=A-1001", None, None).await;
    assert_eq!(closed_list["total"], 1);
    // The CRM hears that the session closed, and why.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let closed =
            crm.received().iter().filter_map(|h| serde_json::from_str::<Value>(&h.body).ok()).find(|b| {
                b["event"] == "masking_session.closed" && b["session"]["session_id"] == id.as_str()
            });
        if let Some(body) = closed {
            assert_eq!(body["session"]["closed_reason"], "closed", "{body}");
            break;
        }
        assert!(Instant::now() < deadline, "no masking_session.closed webhook");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The order can open again, on the same numbers.
    let (status, _, reopened) = masking(&edge, Method::POST, "", Some(&body), None).await;
    assert_eq!(status, 201, "{reopened}");
}

#[tokio::test]
async fn two_customers_sharing_a_proxy_each_reach_their_own_courier() {
    let edge = Edge::start().await;
    masking_site(&edge, None).await;
    let (c1, c2, k1, k2) = ("+15557310001", "+15557310002", "+15557320001", "+15557320002");
    let (_, _, s1) = masking(&edge, Method::POST, "", Some(&session("B-1", c1, k1)), None).await;
    let (_, _, s2) = masking(&edge, Method::POST, "", Some(&session("B-2", c2, k2)), None).await;
    let (p1, p2) = (proxy(&s1, "customer"), proxy(&s2, "customer"));
    assert_eq!(p1, p2, "one proxy number serves both customers");
    let (_, to1) = twilio_voice(&edge, "CA0000000000000000000000000000mb01", c1, &p1).await;
    let (_, to2) = twilio_voice(&edge, "CA0000000000000000000000000000mb02", c2, &p2).await;
    assert!(to1.contains(&format!(">{k1}</Number>")) && !to1.contains(k2), "{to1}");
    assert!(to2.contains(&format!(">{k2}</Number>")) && !to2.contains(k1), "{to2}");
    // The same courier on two orders gets two proxies: each names its own customer.
    let (_, _, s3) = masking(&edge, Method::POST, "", Some(&session("B-3", "+15557310003", k1)), None).await;
    let (k1a, k1b) = (proxy(&s1, "courier"), proxy(&s3, "courier"));
    assert_ne!(k1a, k1b);
    let (_, back) = twilio_voice(&edge, "CA0000000000000000000000000000mb03", k1, &k1b).await;
    assert!(back.contains(">+15557310003</Number>"), "{back}");
    // The neutral lookup connects the same way, with the caller ID to show.
    let resp = route(&edge, &p1, "route-mb-1", c1, true).await;
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(
        (answer["forward_to"].as_str(), answer["caller_id"].as_str()),
        (Some(k1), Some(k1a.as_str())),
        "{answer}"
    );
    // As plain text (the default) the answer would be a number to dial with the caller's own
    // caller ID: refused, nothing recorded.
    let plain = route(&edge, &p2, "route-mb-2", c2, false).await;
    assert_eq!(plain.status(), 400);
    assert!(plain.text().await.unwrap().contains("Accept: application/json"));
    assert_eq!(edge.call_detail("demo", &edge.demo_token, "route-mb-2").await.status(), 404);
    // The shared proxy leaves the masking numbers: the sessions on it close (number_removed).
    let others: Vec<&str> = MASKING.iter().copied().filter(|n| *n != p1).collect();
    let patch = edge
        .site_request(Method::PATCH, "demo", "/settings", &edge.demo_token)
        .json(&json!({"masking_numbers": others}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 200);
    let (_, _, shown) =
        masking(&edge, Method::GET, &format!("/{}", s2["session_id"].as_str().unwrap()), None, None).await;
    assert_eq!(
        (shown["state"].as_str(), shown["closed_reason"].as_str()),
        (Some("closed"), Some("number_removed"))
    );
}

#[tokio::test]
async fn a_session_expires_through_the_sites_alarm_with_no_traffic() {
    let edge = Edge::start().await;
    masking_site(&edge, None).await;
    let mut body = session("C-1", CUSTOMER, COURIER);
    body["ttl_minutes"] = json!(1);
    let (status, _, view) = masking(&edge, Method::POST, "", Some(&body), None).await;
    assert_eq!(status, 201, "{view}");
    let cp = proxy(&view, "customer");
    // Nothing reaches the site for the minute: the object's alarm closes the session.
    let deadline = Instant::now() + Duration::from_secs(100);
    while !edge.log_tail_all().contains("1 masking sessions expired") {
        assert!(Instant::now() < deadline, "the alarm expired no session: {}", edge.log_tail());
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let (_, _, shown) =
        masking(&edge, Method::GET, &format!("/{}", view["session_id"].as_str().unwrap()), None, None).await;
    assert_eq!((shown["state"].as_str(), shown["closed_reason"].as_str()), (Some("closed"), Some("expired")));
    assert_eq!(shown["closed_at"], view["expires_at"], "closed when its time ran out");
    let (_, twiml) = twilio_voice(&edge, "CA0000000000000000000000000000mc01", CUSTOMER, &cp).await;
    assert!(twiml.contains("This order is closed.") && !twiml.contains(COURIER), "{twiml}");
}

#[tokio::test]
async fn bad_sessions_get_a_4xx_naming_their_field_and_nothing_is_half_created() {
    let edge = Edge::start().await;
    masking_site(&edge, None).await;
    let p = |n: &str, r: &str| json!({"number": n, "role": r});
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"order_id": "D", "participants": [p(CUSTOMER, "customer")]}), 400, "participants"),
        (
            json!({"order_id": "D", "participants": [p(CUSTOMER, "a"), p(COURIER, "b"), p("+15557300303", "c")]}),
            400,
            "participants",
        ),
        (
            json!({"order_id": "D", "participants": [p(CUSTOMER, "a"), p(CUSTOMER, "b")]}),
            400,
            "participants[1].number",
        ),
        (
            json!({"order_id": "D", "participants": [p(CUSTOMER, "a"), p("+15550100201", "b")]}),
            400,
            "participants[1].number",
        ),
        (
            json!({"order_id": "D", "participants": [p(MASKING[0], "a"), p(COURIER, "b")]}),
            400,
            "participants[0].number",
        ),
        (
            json!({"order_id": "D", "participants": [p("not a number", "a"), p(COURIER, "b")]}),
            400,
            "participants[0].number",
        ),
        (
            json!({"order_id": "D", "participants": [p(CUSTOMER, ""), p(COURIER, "b")]}),
            400,
            "participants[0].role",
        ),
        (json!({"order_id": "", "participants": [p(CUSTOMER, "a"), p(COURIER, "b")]}), 400, "order_id"),
        (
            json!({"order_id": "D", "participants": [p(CUSTOMER, "a"), p(COURIER, "b")], "ttl_minutes": 0}),
            400,
            "ttl_minutes",
        ),
        (
            json!({"order_id": "D", "participants": [p(CUSTOMER, "a"), p(COURIER, "b")], "ttl_minutes": 43201}),
            400,
            "ttl_minutes",
        ),
        (
            json!({"order_id": "D", "participants": [p(CUSTOMER, "a"), p(COURIER, "b")], "color": "red"}),
            400,
            "",
        ),
    ];
    for (body, status, field) in cases {
        let (got, _, err) = masking(&edge, Method::POST, "", Some(&body), None).await;
        assert_eq!(got, status, "{body} → {err}");
        assert!(err["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{err}");
        if !field.is_empty() {
            assert_eq!(err["error"]["field"], field, "{body} → {err}");
        }
    }
    let (status, _, err) = masking(&edge, Method::POST, "", Some(&json!([1, 2])), None).await;
    assert_eq!(status, 400, "{err}");
    let raw = edge
        .site_request(Method::POST, "demo", "/masking/sessions", &edge.demo_token)
        .header("content-type", "application/json")
        .body("{\"order_id\":")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let (_, _, none) = masking(&edge, Method::GET, "", None, None).await;
    assert_eq!(none["total"], 0, "nothing was created: {none}");

    // Unknown sessions, ids of the wrong shape, a closed session's change.
    let unknown = "/MS0123456789abcdef0123456789abcdef";
    assert_eq!(masking(&edge, Method::GET, unknown, None, None).await.0, 404);
    assert_eq!(masking(&edge, Method::GET, "/MS-not-an-id", None, None).await.0, 404);
    assert_eq!(masking(&edge, Method::POST, &format!("{unknown}/close"), None, None).await.0, 404);
    assert_eq!(masking(&edge, Method::PATCH, unknown, Some(&json!({"ttl_minutes": 5})), None).await.0, 404);
    assert_eq!(masking(&edge, Method::GET, "?state=maybe", None, None).await.0, 400);
    let (_, _, s) = masking(&edge, Method::POST, "", Some(&session("D-1", CUSTOMER, COURIER)), None).await;
    let id = s["session_id"].as_str().unwrap().to_string();
    let (status, _, err) =
        masking(&edge, Method::PATCH, &format!("/{id}"), Some(&json!({"ttl_minutes": 0})), None).await;
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("ttl_minutes")));
    let rename = json!({"participants": [{"role": "courier", "name": "Sam Q."}], "ttl_minutes": 30});
    let (status, _, renamed) = masking(&edge, Method::PATCH, &format!("/{id}"), Some(&rename), None).await;
    assert_eq!(
        (status, renamed["participants"][1]["name"].as_str(), renamed["ttl_minutes"].as_u64()),
        (200, Some("Sam Q."), Some(30))
    );
    let (status, _, err) =
        masking(&edge, Method::POST, "", Some(&session("D-1", "+15557300404", "+15557300505")), None).await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (409, Some("order_id")),
        "one open session per order"
    );
    assert_eq!(masking(&edge, Method::POST, &format!("/{id}/close"), None, None).await.0, 200);
    assert_eq!(
        masking(&edge, Method::PATCH, &format!("/{id}"), Some(&json!({"ttl_minutes": 5})), None).await.0,
        409
    );
    // Another token: 401, whatever the input.
    let other = edge
        .site_request(Method::POST, "demo", "/masking/sessions", "not-the-demo-token-000")
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 401);

    // One courier, many customers, 3 numbers: three open sessions, then each a 409 saying what
    // the pool needs, and nothing stored for them.
    let mut tasks = Vec::new();
    for i in 0..300 {
        let edge_url = edge.url("");
        let token = edge.demo_token.clone();
        let http = edge.http();
        tasks.push(tokio::spawn(async move {
            let body = session(&format!("E-{i}"), &format!("+1555740{i:04}"), "+15557309999");
            let resp = http
                .post(format!("{edge_url}/v1/sites/demo/masking/sessions"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            201 => created += 1,
            409 => {
                assert_eq!(body["error"]["field"], "participants[1].number", "{body}");
                assert!(body["error"]["message"].as_str().unwrap().contains("at least 4 numbers"), "{body}");
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(created, 3);
    let (_, _, open) = masking(&edge, Method::GET, "?state=open", None, None).await;
    assert_eq!(open["total"], 3, "{open}");
}
