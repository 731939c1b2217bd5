//! The data lifecycle (issue 20): a site's secrets sealed at rest in its object's SQLite,
//! and still used where they are needed.

use ringtrace_tests::{twilio_post_to, Edge, EdgeApi};
use serde_json::{json, Value};

/// The site's own Twilio auth token (not the deployment's): only it signs its webhooks.
const TOKEN: &str = "sealedsitetwiliotoken0123";

/// Python: `site_dbs(state, site)` yields each local Durable Object database under `state`
/// that holds site `site`, with its path and its `site_state` row (the scripts below use it).
const SITE_DBS: &str = r#"
import glob, json, sqlite3, sys
def site_dbs(state, site):
    for path in glob.glob(state + "/v3/do/ringtrace-SiteObject/*.sqlite"):
        db = sqlite3.connect(path)
        try:
            row = db.execute("SELECT json FROM site_state WHERE id = 1").fetchone()
        except sqlite3.OperationalError:
            continue
        if row is not None and json.loads(row[0])["config"]["id"] == site:
            yield path, db, json.loads(row[0])
"#;

/// Reads (and with a fourth argument `clear`, first rewrites) the `site_state` row of site
/// `argv[2]` in the local Durable Objects' SQLite under `argv[1]`: prints the stored
/// `twilio_auth_token`, and whether the token `argv[3]` appears in clear in any of the
/// object's files (the database, its WAL).
const STORED_SECRET: &str = r#"
state, site, token = sys.argv[1:4]
for path, db, stored in site_dbs(state, site):
    if sys.argv[4:] == ["clear"]:
        stored["config"]["twilio_auth_token"] = token
        db.execute("UPDATE site_state SET json = ? WHERE id = 1", (json.dumps(stored),))
        db.commit()
    db.close()
    raw = b"".join(open(f, "rb").read() for f in glob.glob(path + "*"))
    print(json.dumps({"stored": stored["config"].get("twilio_auth_token"), "clear": token.encode() in raw}))
"#;

/// What [`STORED_SECRET`] prints, run on the stopped edge's files (then restarted).
async fn stored_secret(edge: &mut Edge, site: &str, rewrite_in_clear: bool) -> Value {
    let mut out = None;
    edge.crash_edit_restart(|state| {
        let mut cmd = std::process::Command::new("python3");
        cmd.args(["-c", &format!("{SITE_DBS}{STORED_SECRET}")]).arg(state).args([site, TOKEN]);
        if rewrite_in_clear {
            cmd.arg("clear");
        }
        let run = cmd.output().expect("run python3");
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        out = Some(String::from_utf8_lossy(&run.stdout).trim().to_string());
    })
    .await;
    let out = out.expect("the script ran");
    serde_json::from_str(&out).unwrap_or_else(|_| panic!("one site row found: {out:?}"))
}

/// A signed voice webhook for a new call to `number`: its status.
async fn call(edge: &Edge, token: &str, sid: &str, number: &str) -> u16 {
    let params = [("CallSid", sid), ("From", "+15557000001"), ("To", number), ("CallStatus", "ringing")];
    twilio_post_to(&edge.url(""), token, "/v1/telephony/twilio/voice", &params).await
}

#[tokio::test]
async fn a_sites_twilio_token_is_sealed_at_rest_and_still_checks_its_webhooks() {
    let mut edge = Edge::start().await;
    let (_, pool) = edge.create_overflow_site("sealed", "+1555081", 3, 100, Some(TOKEN)).await;
    let api = edge.client_with(&reqwest::Client::new());
    let stored = stored_secret(&mut edge, "sealed", false).await;
    let sealed = stored["stored"].as_str().expect("a stored token");
    assert!(sealed.starts_with("sealed:v1:"), "{stored}");
    assert_eq!(stored["clear"], false, "the token is nowhere in the object's files in clear");
    // After a restart the object reads it sealed, opens it, and checks Twilio's signature
    // with it: a webhook signed with another token is refused.
    assert_eq!(call(&edge, TOKEN, "CAsealed000000000000000000000001", &pool[0]).await, 200);
    assert_eq!(
        call(&edge, "someoneelsestoken0123456", "CAsealed000000000000000000000002", &pool[0]).await,
        403
    );
    let (status, lease) =
        api.post_lease(json!({"site": "sealed", "visitor": "visitor-sealed-1"})).outcome().await;
    assert_eq!(status, 200, "{lease}");

    // A token stored in clear (before sealing existed) still works, and is sealed the first
    // time the site is read.
    let rewritten = stored_secret(&mut edge, "sealed", true).await;
    assert_eq!(rewritten["stored"], TOKEN, "rewritten in clear: {rewritten}");
    assert_eq!(call(&edge, TOKEN, "CAsealed000000000000000000000003", &pool[1]).await, 200);
    let migrated = stored_secret(&mut edge, "sealed", false).await;
    let resealed = migrated["stored"].as_str().expect("a stored token");
    assert!(resealed.starts_with("sealed:v1:") && resealed != sealed, "{migrated}");
    assert_eq!(call(&edge, TOKEN, "CAsealed000000000000000000000004", &pool[2]).await, 200);
    println!(
        "sealed at rest ({} characters stored), resealed after a clear value, webhooks checked",
        sealed.len()
    );
}

const CALLER: &str = "+15557650099";

/// `method` on `/v1/sites/demo{path}` with the demo site's token: status and JSON body.
async fn site_call(edge: &Edge, method: reqwest::Method, path: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .request(method, edge.url(&format!("/v1/sites/demo{path}")))
        .bearer_auth(&edge.demo_token)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Everything the dashboard can show of the site's calls, as one text.
async fn everything_shown(edge: &Edge, sid: &str) -> String {
    let mut all = String::new();
    for path in [
        "/calls".to_string(),
        format!("/calls/{sid}"),
        "/calls?format=csv".into(),
        "/report?group_by=source,medium,campaign".into(),
        "/report?group_by=keyword,landing_page,region".into(),
        "/overview".into(),
    ] {
        let (status, body) = site_call(edge, reqwest::Method::GET, &path).await;
        assert_eq!(status, 200, "{path}: {body}");
        all.push_str(&body.to_string());
    }
    all
}

#[tokio::test]
async fn an_erased_caller_and_visitor_leave_no_trace_in_calls_reports_or_exports() {
    let edge = Edge::start().await;
    let mut setup = edge.demo_setup();
    setup["record_calls"] = json!(true);
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let visitor = "visitor-erase-0001";
    let grant: Value = edge
        .lease(&json!({"site": "demo", "visitor": visitor, "utm_source": "google", "utm_medium": "cpc",
                        "utm_campaign": "spring", "referrer": "https://www.google.com/search?q=jane+doe+plumber",
                        "landing_page": "https://shop.example/boilers?gclid=Cj0KCQerasedclick&email=jane%40example.com"}))
        .await;
    let tn = grant["number"].as_str().expect("number").to_string();
    let sid = "CA00000000000000000000000000e1a5e1";
    let q = format!("?site=demo&tn={}", tn.replace('+', "%2B"));
    assert_eq!(ringtrace_tests::twilio_voice(&edge, sid, CALLER, &tn).await.0, 200);
    let media: [(String, Vec<(&str, &str)>); 2] = [
        (
            format!("/v1/telephony/twilio/recording{q}"),
            vec![
                ("CallSid", sid),
                ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/ACx/Recordings/REerased1"),
                ("RecordingDuration", "40"),
                ("RecordingStatus", "completed"),
            ],
        ),
        (
            format!("/v1/telephony/twilio/transcription{q}"),
            vec![
                ("CallSid", sid),
                ("TranscriptionText", "Hi, this is Jane Doe about a boiler"),
                ("TranscriptionStatus", "completed"),
            ],
        ),
    ];
    for (path, params) in &media {
        assert_eq!(ringtrace_tests::twilio_post(&edge, path, params).await.0, 200, "{path}");
    }
    let before = everything_shown(&edge, sid).await;
    let traces =
        ["5557650099", "REerased1", "Jane Doe", visitor, "Cj0KCQerasedclick", "jane%40example", "jane+doe"];
    for trace in ["5557650099", "REerased1", "Jane Doe", visitor] {
        assert!(before.contains(trace), "{trace} shown before the erasure");
    }

    // The caller: by number in any format the API takes (here percent-encoded E.164).
    let (status, caller) = site_call(&edge, reqwest::Method::DELETE, "/callers/%2B15557650099").await;
    assert_eq!(status, 200, "{caller}");
    assert_eq!(caller["erased"]["calls"], 1, "{caller}");
    let hash = caller["subject"].as_str().expect("subject").to_string();
    assert!(hash.starts_with("erased:") && !hash.contains("5557650099"), "{caller}");
    let (status, erased_visitor) =
        site_call(&edge, reqwest::Method::DELETE, &format!("/visitors/{visitor}")).await;
    assert_eq!(status, 200, "{erased_visitor}");
    assert_eq!(erased_visitor["erased"]["calls"], 1, "{erased_visitor}");
    assert_eq!(erased_visitor["erased"]["touches"], 1, "{erased_visitor}");
    assert!(erased_visitor["erased"]["sessions"].as_u64().is_some_and(|n| n >= 1), "{erased_visitor}");

    let after = everything_shown(&edge, sid).await;
    for trace in traces {
        assert!(!after.contains(trace), "{trace} still shown after the erasure: {after}");
    }
    assert!(after.contains(&hash), "the call keeps the caller's hash: {after}");
    let (_, report) = site_call(&edge, reqwest::Method::GET, "/report?group_by=source,campaign").await;
    assert!(report.to_string().contains("spring"), "still credited to its campaign: {report}");

    // Idempotent, and audited each time, newest first; the log names hashes, not people.
    let (status, twice) = site_call(&edge, reqwest::Method::DELETE, &format!("/visitors/{visitor}")).await;
    assert_eq!((status, &twice["erased"]["calls"]), (200, &json!(0)), "{twice}");
    // The same number calls again: a repeat caller, its first call the erased one.
    let again = "CA00000000000000000000000000e1a5e2";
    assert_eq!(ringtrace_tests::twilio_voice(&edge, again, CALLER, &tn).await.0, 200);
    let (_, detail) = site_call(&edge, reqwest::Method::GET, &format!("/calls/{again}")).await;
    let call = if detail.get("call").is_some() { &detail["call"] } else { &detail };
    assert_eq!((&call["repeat"], &call["first_call_sid"]), (&json!(true), &json!(sid)), "{detail}");

    let (status, audit) = site_call(&edge, reqwest::Method::GET, "/audit").await;
    assert_eq!(status, 200, "{audit}");
    let actions: Vec<&str> =
        audit["entries"].as_array().expect("entries").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["erase_visitor", "erase_visitor", "erase_caller"], "{audit}");
    assert!(!audit.to_string().contains(visitor) && !audit.to_string().contains("5557650099"), "{audit}");
    let (_, page) = site_call(&edge, reqwest::Method::GET, "/audit?limit=1").await;
    assert_eq!(page["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["next_before"], audit["entries"][0]["seq"], "{page}");

    // Bad input: a clear 400 naming the field; no token: 401.
    for (path, field) in [("/callers/not-a-number", "number"), ("/visitors/x", "visitor_id")] {
        let (status, body) = site_call(&edge, reqwest::Method::DELETE, path).await;
        assert_eq!((status, body["error"]["field"].as_str()), (400, Some(field)), "{path}: {body}");
    }
    let (status, body) = site_call(&edge, reqwest::Method::GET, "/audit?limit=0").await;
    assert_eq!((status, body["error"]["field"].as_str()), (400, Some("limit")), "{body}");
    let anonymous = reqwest::Client::new()
        .delete(edge.url(&format!("/v1/sites/demo/visitors/{visitor}")))
        .send()
        .await
        .expect("delete");
    assert_eq!(anonymous.status(), 401);
}

/// Moves the demo site's recorded data back in time, as a clock moved forward would see it:
/// call `argv[2]` by `argv[3]` days, call `argv[4]` by `argv[5]` days, every session by
/// `argv[6]` days and every visitor's touches by `argv[7]` days (the columns retention reads).
const AGE_DATA: &str = r#"
state = sys.argv[1]
old_call, old_days, mid_call, mid_days, session_days, touch_days = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
day = 86400000
done = 0
for path, db, _ in site_dbs(state, "demo"):
    db.execute("UPDATE calls SET started_at = started_at - ? WHERE call_sid = ?", (old_days * day, old_call))
    db.execute("UPDATE calls SET started_at = started_at - ? WHERE call_sid = ?", (mid_days * day, mid_call))
    db.execute("UPDATE sessions SET started_at = started_at - ?", (session_days * day,))
    db.execute("UPDATE visitors SET updated_at = updated_at - ?", (touch_days * day,))
    db.commit()
    done += 1
print(done)
"#;

#[tokio::test]
async fn the_sites_object_prunes_what_is_past_its_retention_from_its_alarm() {
    let mut edge = Edge::start_with(&[("RETENTION_EVERY_SECS", "2")]).await;
    let mut setup = edge.demo_setup();
    setup["record_calls"] = json!(true);
    setup["retention"] = json!({"calls_days": 730, "sessions_days": 400, "recordings_days": 30});
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let (status, settings) = site_call(&edge, reqwest::Method::GET, "/settings").await;
    assert_eq!((status, &settings["retention"]["recordings_days"]), (200, &json!(30)), "{settings}");
    let mut calls = Vec::new();
    for (i, visitor) in ["visitor-ret-0001", "visitor-ret-0002"].into_iter().enumerate() {
        let grant: Value =
            edge.lease(&json!({"site": "demo", "visitor": visitor, "utm_source": "bing"})).await;
        let tn = grant["number"].as_str().expect("number").to_string();
        let sid = format!("CA00000000000000000000000000ae0{i:03}");
        assert_eq!(ringtrace_tests::twilio_voice(&edge, &sid, "+15557650111", &tn).await.0, 200);
        let q = format!("?site=demo&tn={}", tn.replace('+', "%2B"));
        let params = [
            ("CallSid", sid.as_str()),
            ("RecordingUrl", "https://api.twilio.com/x/Recordings/REret"),
            ("RecordingDuration", "30"),
            ("RecordingStatus", "completed"),
        ];
        let path = format!("/v1/telephony/twilio/recording{q}");
        assert_eq!(ringtrace_tests::twilio_post(&edge, &path, &params).await.0, 200);
        calls.push(sid);
    }
    // Two years and a bit for the first call (past 730 days), two months for the second
    // (past its recordings' 30), 401 days for every session, 91 for every visitor's touches
    // (past the 90-day touch lifetime).
    edge.crash_edit_restart(|state| {
        let out = std::process::Command::new("python3")
            .args(["-c", &format!("{SITE_DBS}{AGE_DATA}")])
            .arg(state)
            .args([&calls[0], "731", &calls[1], "60", "401", "91"])
            .output()
            .expect("run python3");
        assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "1", "{out:?}");
    })
    .await;
    // The object's first request after its start sets its alarm for the next run (2 s here).
    let gone = ringtrace_tests::eventually(30, "the first call pruned", || async {
        let (status, body) = site_call(&edge, reqwest::Method::GET, &format!("/calls/{}", calls[0])).await;
        (status == 404).then_some(body)
    })
    .await;
    assert_eq!(gone["error"]["code"], "not_found", "{gone}");
    let (status, detail) = site_call(&edge, reqwest::Method::GET, &format!("/calls/{}", calls[1])).await;
    assert_eq!(status, 200, "the recent call is kept: {detail}");
    assert!(!detail.to_string().contains("REret"), "its recording is past 30 days: {detail}");
    let log = edge.log_tail_all();
    let line = log.lines().find(|l| l.contains("retention removed")).unwrap_or_default();
    assert!(
        line.contains("1 calls") && line.contains("2 sessions") && line.contains("the recordings of 1 calls"),
        "{line}"
    );
    // The visitors' touches went too: a new visit of the first visitor is their only touch.
    assert!(line.contains("2 visitors' touches"), "{line}");
}

#[tokio::test]
async fn an_export_imported_into_a_new_site_reproduces_its_calls() {
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    // History brought from another tool, and a call tracked here.
    let history: Vec<Value> = (0..30)
        .map(|i| json!({"call_id": format!("hist-{i:03}"), "from": format!("+1555710{i:04}"), "to": "+15550100201",
                        "started_at": format!("2026-11-{:02}T10:00:00Z", 1 + i % 28), "source": "google", "medium": "cpc",
                        "campaign": format!("c{}", i % 3), "answered": i % 2 == 0, "talk_seconds": 60 + i}))
        .collect();
    let imported = client
        .post(edge.url("/v1/sites/demo/calls/import"))
        .bearer_auth(&edge.demo_token)
        .json(&json!({"calls": history}))
        .send()
        .await
        .expect("import");
    assert_eq!(imported.status(), 200);
    let grant: Value =
        edge.lease(&json!({"site": "demo", "visitor": "visitor-export-01", "utm_source": "bing"})).await;
    let tn = grant["number"].as_str().expect("number").to_string();
    assert_eq!(
        ringtrace_tests::twilio_voice(&edge, "CA00000000000000000000000000e0e0e1", CALLER, &tn).await.0,
        200
    );

    // The export, as Basic credentials (a scheduled backup) fetch it.
    let resp = client
        .get(edge.url("/v1/sites/demo/export"))
        .basic_auth("demo", Some(&edge.demo_token))
        .send()
        .await
        .expect("export");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap_or("").starts_with("application/x-ndjson"));
    let text = resp.text().await.expect("body");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("each line JSON")).collect();
    assert_eq!(lines[0]["type"], "export", "{}", lines[0]);
    let calls = lines.iter().filter(|l| l["type"] == "call").count();
    assert_eq!(calls, 31, "every call");
    assert!(lines.iter().any(|l| l["type"] == "session"), "the visitor's session");

    // Into a new site: the same calls, credited the same.
    let created = edge
        .create_site(&json!({"site": "moved", "business_number": "+15550180999", "pool": ["+15550180001"]}))
        .await;
    assert_eq!(created.status(), 201);
    let token =
        created.json::<Value>().await.expect("json")["api_token"].as_str().expect("token").to_string();
    let import = client
        .post(edge.url("/v1/sites/moved/calls/import"))
        .bearer_auth(&token)
        .header("content-type", "application/x-ndjson")
        .body(text.clone())
        .send()
        .await
        .expect("import");
    assert_eq!(import.status(), 200);
    let done: Value = import.json().await.expect("json");
    assert_eq!((&done["calls"], &done["skipped"]), (&json!(31), &json!(0)), "{done}");
    let list = |site: &'static str, token: String| {
        let client = client.clone();
        let url = edge.url(&format!("/v1/sites/{site}/calls?from=2026-10-01&per_page=200"));
        async move {
            let page: Value =
                client.get(url).bearer_auth(token).send().await.expect("calls").json().await.expect("json");
            let mut calls: Vec<(String, String, String)> = page["calls"]
                .as_array()
                .expect("calls")
                .iter()
                .map(|c| (c["call_sid"].to_string(), c["source"].to_string(), c["campaign"].to_string()))
                .collect();
            calls.sort();
            calls
        }
    };
    let (before, after) = (list("demo", edge.demo_token.clone()).await, list("moved", token.clone()).await);
    assert_eq!(before.len(), 31);
    assert_eq!(before, after);

    // Bad input: a clear 400; no token: 401 asking for Basic credentials.
    let bad = client
        .get(edge.url("/v1/sites/demo/export?from=soon"))
        .bearer_auth(&edge.demo_token)
        .send()
        .await
        .expect("get");
    assert_eq!(bad.status(), 400);
    let none = client.get(edge.url("/v1/sites/demo/export")).send().await.expect("get");
    assert_eq!(none.status(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    let broken = client
        .post(edge.url("/v1/sites/moved/calls/import"))
        .bearer_auth(&token)
        .header("content-type", "application/x-ndjson")
        .body("{\"type\": \"call\"}\nnot json\n")
        .send()
        .await
        .expect("import");
    assert_eq!(broken.status(), 400);
    let body: Value = broken.json().await.expect("a JSON error");
    assert_eq!(body["error"]["field"], "line 1", "{body}");
}
