//! A generated corpus of malformed, truncated, oversized and hostile inputs against every
//! endpoint. Malformed ones (broken or truncated JSON, wrong types, bodies over the limit,
//! unknown fields where they would hide a typo, wrong tokens, forged signatures, other sites'
//! ids) must each get a 4xx with a JSON message; hostile values in otherwise valid requests
//! (SQL, HTML, Unicode tricks in free text) may be accepted as text but never a 5xx. Nothing
//! may panic in the worker, and no recorded call may disappear.

use futures_util::StreamExt;
use ringtrace_tests::{twilio_voice, Edge, EdgeApi};
use serde_json::{json, Value};

/// One request of the corpus.
struct Case {
    what: String,
    method: reqwest::Method,
    path: String,
    content_type: &'static str,
    token: Option<String>,
    /// `X-Twilio-Signature`, for Twilio's endpoints.
    signature: Option<String>,
    body: Vec<u8>,
    /// Must be refused (4xx); otherwise any answer but a 5xx is fine.
    malformed: bool,
}

const HOSTILE: &[&str] = &[
    "' OR '1'='1' --",
    "\"; DROP TABLE calls; --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "../../../../etc/passwd",
    "\u{202e}evil\u{202c}",
    "zero\u{200b}width\u{feff}",
    "nul\u{0}byte",
    "📞☎️🔥",
    "＋１ ５５５ ０１０ ０２０１",
    "%00%2e%2e%2f",
    "${jndi:ldap://x}",
    "{{7*7}}",
];

const JUNK: &[&str] =
    &["", "{", "}", "[]", "null", "0", "\"x\"", "{\"a\":}", "{{{{", "\u{0}", "{\"x\": 1", "[{}]"];

const WRONG_TYPES: &[&str] = &["123", "true", "[]", "{}", "1.5", "-1", "\"\\ud800\""];

/// Cases from a valid JSON body: junk, truncations, every field with wrong types, huge and
/// hostile values, an unknown field, the wrong content type.
fn json_cases(
    name: &str,
    (method, path, content_type): (reqwest::Method, &str, &'static str),
    token: Option<&str>,
    valid: &Value,
    strict_unknown: bool,
    required: &[&str],
) -> Vec<Case> {
    let case = |what: String, body: Vec<u8>, malformed: bool| Case {
        what: format!("{name}: {what}"),
        method: method.clone(),
        path: path.to_string(),
        content_type,
        token: token.map(str::to_string),
        signature: None,
        body,
        malformed,
    };
    let mut cases = Vec::new();
    for junk in JUNK {
        cases.push(case(format!("junk {junk:?}"), junk.as_bytes().to_vec(), true));
    }
    let text = valid.to_string();
    for cut in 1..10 {
        let at = text.len() * cut / 10;
        cases.push(case(format!("truncated at {at}"), text.as_bytes()[..at].to_vec(), true));
    }
    let fields: Vec<String> = valid.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let kind = |v: &Value| match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    };
    for field in &fields {
        let is_string = valid[field].is_string();
        let required = required.contains(&field.as_str());
        for wrong in WRONG_TYPES {
            let mut body = valid.clone();
            let surrogate = *wrong == "\"\\ud800\"";
            let text = if surrogate {
                // A lone UTF-16 surrogate: not a character, so not valid JSON text.
                body[field] = json!("__SURROGATE__");
                body.to_string().replace("\"__SURROGATE__\"", "\"\\ud800\"")
            } else {
                body[field] = serde_json::from_str(wrong).expect("a JSON value");
                body.to_string()
            };
            let other_type = kind(&body[field]) != kind(&valid[field]);
            cases.push(case(
                format!("{field} = {wrong}"),
                text.into_bytes(),
                // A value of another type is refused whether the field is required or not.
                surrogate || other_type,
            ));
        }
        if is_string {
            let mut huge = valid.clone();
            huge[field] = json!("9".repeat(1_100_000));
            cases.push(case(format!("{field} huge"), huge.to_string().into_bytes(), true));
            for hostile in HOSTILE {
                let mut body = valid.clone();
                body[field] = json!(hostile);
                cases.push(case(format!("{field} = {hostile:?}"), body.to_string().into_bytes(), false));
            }
        }
        let mut missing = valid.clone();
        if let Some(o) = missing.as_object_mut() {
            o.remove(field);
        }
        cases.push(case(format!("{field} missing"), missing.to_string().into_bytes(), required));
    }
    let mut unknown = valid.clone();
    unknown["sneaky_extra_field"] = json!("x");
    cases.push(case("an unknown field".into(), unknown.to_string().into_bytes(), strict_unknown));
    let mut wrong_type =
        case("content type text/html".into(), text.clone().into_bytes(), content_type == "application/json");
    wrong_type.content_type = "text/html";
    cases.push(wrong_type);
    cases.push(case("2 MB body".into(), vec![b' '; 2 * 1024 * 1024], true));
    if let Some(t) = token {
        for (what, other) in [
            ("no token", None),
            ("wrong token", Some("wrong-token-wrong-token-0000")),
            ("a token of another length", Some(&t[..t.len() / 2])),
        ] {
            let mut c = case(what.into(), text.clone().into_bytes(), true);
            c.token = other.map(str::to_string);
            cases.push(c);
        }
    }
    cases
}

/// Cases for a `GET` with a query: bad values for each parameter, unknown parameters,
/// hostile text, huge values, wrong tokens.
fn query_cases(
    name: &str,
    path: &str,
    token: Option<&str>,
    params: &[(&str, &str)],
    free_text: &[&str],
) -> Vec<Case> {
    let case = |what: String, query: String, malformed: bool, token: Option<&str>| Case {
        what: format!("{name}: {what}"),
        method: reqwest::Method::GET,
        path: format!("{path}?{query}"),
        content_type: "application/json",
        token: token.map(str::to_string),
        signature: None,
        body: Vec::new(),
        malformed,
    };
    let enc = |s: &str| ringtrace_tests::encode(s);
    let mut cases = Vec::new();
    for (key, _) in params {
        for bad in ["", "-1", "99999999999999999999", "2026-13-45", "abc", "%zz", "1e9", "null"] {
            let free = free_text.contains(key);
            cases.push(case(
                format!("{key}={bad}"),
                format!("{key}={}", enc(bad)),
                !free && !bad.is_empty(),
                token,
            ));
        }
        cases.push(case(
            format!("{key} huge"),
            format!("{key}={}", "9".repeat(20_000)),
            !free_text.contains(key),
            token,
        ));
        for hostile in HOSTILE {
            cases.push(case(
                format!("{key}={hostile:?}"),
                format!("{key}={}", enc(hostile)),
                !free_text.contains(key),
                token,
            ));
        }
    }
    cases.push(case("unknown parameter".into(), "shoe_size=42".into(), true, token));
    if token.is_some() {
        cases.push(case("no token".into(), String::new(), true, None));
        cases.push(case("wrong token".into(), String::new(), true, Some("wrong-token-wrong-token-0000")));
    }
    cases
}

fn form_cases(hook: &str) -> Vec<Case> {
    let case = |what: String, body: String, signature: Option<&str>| Case {
        what: format!("twilio {hook}: {what}"),
        method: reqwest::Method::POST,
        path: format!("/v1/telephony/twilio/{hook}?site=demo&tn=%2B15550100201"),
        content_type: "application/x-www-form-urlencoded",
        token: None,
        signature: signature.map(str::to_string),
        body: body.into_bytes(),
        malformed: true,
    };
    let valid =
        "CallSid=CAcorpus000000000000000000000001&From=%2B15557654321&To=%2B15550100201&CallStatus=ringing";
    let mut cases = vec![
        case("unsigned".into(), valid.into(), None),
        case("forged signature".into(), valid.into(), Some("forged")),
        case("empty".into(), String::new(), None),
        case("huge".into(), format!("{valid}&x={}", "a".repeat(100_000)), None),
        case("binary".into(), "\u{0}\u{1}\u{2}".into(), Some("AAAA")),
    ];
    for cut in 1..6 {
        cases.push(case(format!("truncated {cut}"), valid[..valid.len() * cut / 6].into(), Some("x")));
    }
    for hostile in HOSTILE {
        cases.push(case(
            format!("From={hostile:?}"),
            valid.replace("%2B15557654321", &ringtrace_tests::encode(hostile)),
            Some("x"),
        ));
    }
    cases
}

#[tokio::test]
async fn a_thousand_bad_inputs_get_clear_4xx_answers_and_nothing_breaks() {
    let edge = Edge::start().await;
    let demo = edge.demo_token.clone();
    let admin = edge.admin_token.clone();
    // A call recorded before the corpus: it must still be there after.
    let grant =
        edge.lease(&json!({"site": "demo", "visitor": "visitor-corpus-keep", "utm_source": "google"})).await;
    let number = grant["number"].as_str().expect("number").to_string();
    assert_eq!(twilio_voice(&edge, "CAcorpuskeep", "+15557654321", &number).await.0, 200);

    let post = reqwest::Method::POST;
    let mut cases: Vec<Case> = Vec::new();
    let lease = json!({"site": "demo", "visitor": "visitor-corpus-0001", "utm_source": "google", "utm_medium": "cpc",
                       "utm_campaign": "spring", "landing_page": "https://demo-plumbing.example/", "referrer": "https://www.google.com/"});
    cases.extend(json_cases(
        "lease",
        (post.clone(), "/v1/lease", "text/plain"),
        None,
        &lease,
        false,
        &["site", "visitor"],
    ));
    let lease_ref = json!({"site": "demo", "visitor": "visitor-corpus-keep", "lease_id": grant["lease_id"]});
    for path in ["/v1/lease/renew", "/v1/lease/release"] {
        cases.extend(json_cases(
            path,
            (post.clone(), path, "text/plain"),
            None,
            &lease_ref,
            false,
            &["site", "visitor", "lease_id"],
        ));
    }
    let event = json!({"call_id": "CAcorpusevent1", "event": "started", "from": "+15550000001", "to": number,
                       "at": "2026-11-20T10:00:00Z"});
    cases.extend(json_cases(
        "call event",
        (post.clone(), "/v1/sites/demo/calls/events", "application/json"),
        Some(&demo),
        &event,
        true,
        &["call_id", "event", "to"],
    ));
    let import = json!({"calls": [{"call_id": "CAcorpusimport1", "from": "+15550000002", "to": number, "started_at": "2026-11-01T10:00:00Z", "source": "google"}]});
    cases.extend(json_cases(
        "import",
        (post.clone(), "/v1/sites/demo/calls/import", "application/json"),
        Some(&demo),
        &import,
        true,
        &["calls"],
    ));
    let settings = json!({"lease_minutes": 20, "name": "Demo Plumbing", "keywords": ["price"], "business_number": "+15550100100"});
    cases.extend(json_cases(
        "settings",
        (reqwest::Method::PATCH, "/v1/sites/demo/settings", "application/json"),
        Some(&demo),
        &settings,
        true,
        // A change names only what it changes: no field is required.
        &[],
    ));
    cases.extend(json_cases(
        "identification test",
        (post.clone(), "/v1/sites/demo/settings/caller-identification/test", "application/json"),
        Some(&demo),
        &json!({"customer_id": "123456"}),
        true,
        &[],
    ));
    let site = json!({"site": "corpus", "business_number": "+15550100800", "pool": ["+15550100801"], "lease_minutes": 15});
    cases.extend(json_cases(
        "admin create",
        (post.clone(), "/v1/admin/sites", "application/json"),
        Some(&admin),
        &site,
        true,
        &["site", "business_number", "pool"],
    ));
    let entry = json!({"number": "+15550100899", "region": "US-TX"});
    cases.extend(json_cases(
        "admin add number",
        (post.clone(), "/v1/admin/sites/demo/numbers", "application/json"),
        Some(&admin),
        &entry,
        true,
        &["number"],
    ));
    let put = json!({"business_number": "+15550100700", "pool": ["+15550100701"], "api_token": "corpus-token-0123456789"});
    cases.extend(json_cases(
        "admin put",
        (reqwest::Method::PUT, "/v1/sites/corpus-put", "application/json"),
        Some(&admin),
        &put,
        true,
        &["business_number", "pool"],
    ));

    let calls_params = [
        ("from", ""),
        ("to", ""),
        ("channel", ""),
        ("source", ""),
        ("campaign", ""),
        ("status", ""),
        ("qualified", ""),
        ("first_time", ""),
        ("sort", ""),
        ("order", ""),
        ("page", ""),
        ("per_page", ""),
        ("format", ""),
    ];
    cases.extend(query_cases(
        "calls",
        "/v1/sites/demo/calls",
        Some(&demo),
        &calls_params,
        &["source", "campaign"],
    ));
    cases.extend(query_cases(
        "overview",
        "/v1/sites/demo/overview",
        Some(&demo),
        &[("from", ""), ("to", ""), ("tz", "")],
        &[],
    ));
    cases.extend(query_cases(
        "report",
        "/v1/sites/demo/report",
        Some(&demo),
        &[("group_by", ""), ("from", ""), ("to", "")],
        &[],
    ));
    cases.extend(query_cases("pool", "/v1/sites/demo/pool", Some(&demo), &[("days", "")], &[]));
    cases.extend(query_cases("widget", "/v1/widget/demo", None, &[("number", "")], &[]));
    cases.extend(query_cases(
        "route",
        "/v1/route",
        Some(&demo),
        &[("dialed_number", ""), ("caller", ""), ("call_id", ""), ("ext", ""), ("customer_id", "")],
        &["caller"],
    ));
    for hook in ["voice", "status", "dial", "recording", "transcription", "gather", "nonsense"] {
        cases.extend(form_cases(hook));
    }
    // Ids in paths: other sites, unknown calls, hostile ids, for every dashboard endpoint.
    for id in
        ["other", "DEMO", "d%C3%A9mo", "..%2F..%2Fetc", "a".repeat(300).as_str(), "%00", "demo%20", "<b>"]
    {
        for tail in
            ["/calls", "/overview", "/report?group_by=source", "/pool", "/settings", "/calls/CAcorpuskeep"]
        {
            cases.push(Case {
                what: format!("site id {id:?}{tail}"),
                method: reqwest::Method::GET,
                path: format!("/v1/sites/{id}{tail}"),
                content_type: "application/json",
                token: Some(demo.clone()),
                signature: None,
                body: Vec::new(),
                malformed: true,
            });
        }
    }
    for sid in ["CA%00", "x".repeat(200).as_str(), "..%2F..", "%3Cscript%3E", "CAnotthere"] {
        cases.push(Case {
            what: format!("call id {sid:?}"),
            method: reqwest::Method::GET,
            path: format!("/v1/sites/demo/calls/{sid}"),
            content_type: "application/json",
            token: Some(demo.clone()),
            signature: None,
            body: Vec::new(),
            malformed: true,
        });
    }

    let client =
        reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build().expect("client");
    let tried = cases.len();
    let answers: Vec<(String, bool, u16, String)> = futures_util::stream::iter(cases)
        .map(|c| {
            let client = &client;
            let edge = &edge;
            async move {
                let mut req = client
                    .request(c.method.clone(), edge.url(&c.path))
                    .header("content-type", c.content_type)
                    .header("accept", "application/json")
                    .body(c.body);
                if let Some(t) = &c.token {
                    req = req.bearer_auth(t);
                }
                if let Some(sig) = &c.signature {
                    req = req.header("x-twilio-signature", sig);
                }
                let resp = req.send().await.unwrap_or_else(|e| panic!("{}: no answer: {e}", c.what));
                let status = resp.status().as_u16();
                (c.what, c.malformed, status, resp.text().await.unwrap_or_default())
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut refused = 0;
    let mut accepted = 0;
    for (what, malformed, status, body) in &answers {
        assert!(*status < 500, "{what}: {status} {body}");
        if *status >= 400 {
            refused += 1;
            let json: Value = serde_json::from_str(body)
                .unwrap_or_else(|_| panic!("{what}: {status} without a JSON body: {body:.200}"));
            let message = json["error"]["message"].as_str().unwrap_or("");
            assert!(!message.is_empty(), "{what}: {body:.200}");
        } else {
            accepted += 1;
            assert!(!malformed, "{what} was accepted ({status}): {body:.300}");
        }
    }
    let log = edge.log_tail_all();
    for sign in ["panicked at", "RuntimeError", "unreachable executed"] {
        assert!(!log.contains(sign), "the worker log shows {sign:?}:\n{}", edge.log_tail());
    }
    // Nothing sent made the recorded call disappear.
    let calls: Value = edge
        .client_with(&client)
        .call_detail("demo", &edge.demo_token, "CAcorpuskeep")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(calls["call"]["call_sid"], "CAcorpuskeep");
    let malformed = answers.iter().filter(|a| a.1).count();
    println!("bad input: {tried} requests tried ({malformed} malformed, {} hostile-but-valid); {refused} refused with a 4xx and a JSON message, {accepted} accepted as text; 0 5xx, 0 panics", tried - malformed);
    assert!(tried >= 1000, "at least 1,000 inputs: {tried}");
}
