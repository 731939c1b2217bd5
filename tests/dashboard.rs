//! The dashboard in Debian's Chromium (Playwright, `tests/pages/dashboard.mjs`) against
//! `wrangler dev` seeded with a few hundred calls across channels: signing in, the overview's
//! numbers against the API, filters changing the table, the URL and the CSV, sorting, a call's
//! attribution, settings saved and refused (extension numbers and caller identification among
//! them), the extension numbers on the Numbers page; and number masking as an operator sees it
//! (the Orders page, masked calls, the masking settings); live calls as the person answering
//! sees them (screen pops in two tabs, the Live page, a dropped connection caught up); and
//! money (`tests/pages/money.mjs`): a spend upload previewed with its bad cell marked, then
//! imported, the report's cost and return per campaign against a hand computation, a call's
//! value saved, the overview's spend cards.
//! Screenshots of every page at desktop and phone widths land in `target/screenshots/`.

use reqwest::Method;
use ringtrace_tests::{root, twilio_post, twilio_voice, twiml_attribute, Edge, EdgeApi};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// Runs `tests/pages/dashboard.mjs` against `edge` (with `extra` arguments: `orders` for the
/// masking run) and returns the JSON it printed last.
fn drive_dashboard(edge: &Edge, extra: &[&str]) -> Value {
    let out = Command::new("node")
        .arg(root().join("tests/pages/dashboard.mjs"))
        .args([&edge.base, "demo", &edge.demo_token])
        .arg(root().join("target/screenshots"))
        .args(extra)
        .current_dir(root())
        .output()
        .expect("run node tests/pages/dashboard.mjs");
    assert!(out.status.success(), "dashboard.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("JSON from dashboard.mjs")
}

#[tokio::test]
async fn a_marketer_signs_in_reads_the_overview_filters_exports_and_opens_a_call() {
    let edge = Edge::start().await;
    assert_eq!(edge.import_calls("demo", &edge.demo_token, 300, 7)["imported"], 300);
    let shots = root().join("target/screenshots");
    let r = drive_dashboard(&edge, &[]);
    assert_eq!(r["thrown"], serde_json::json!([]), "nothing thrown in the dashboard: {r}");
    // The browser logs each refused request: the wrong token's 401 and the three refused saves'
    // 400s. Nothing else.
    let logged: Vec<&str> =
        r["console"].as_array().map(|c| c.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let refused_saves = logged.iter().filter(|m| m.contains("status of 400")).count();
    let other: Vec<&&str> =
        logged.iter().filter(|m| !m.contains("status of 401") && !m.contains("status of 400")).collect();
    assert!(other.is_empty() && refused_saves == 3, "a clean console: {logged:?}");

    assert_eq!(r["wrongToken"], "That site id and token do not match.");

    // The overview's cards are the API's numbers.
    let totals = &r["overviewApi"]["body"]["totals"];
    let calls = totals["calls"].as_u64().expect("calls");
    assert!(calls >= 250, "most seeded calls fall in the last 30 days: {totals}");
    for (card, key) in [
        ("Calls", "calls"),
        ("Answered", "answered"),
        ("Qualified", "qualified"),
        ("First-time callers", "first_time"),
    ] {
        assert_eq!(r["cards"][card], totals[key].to_string(), "{card}: {r}");
    }
    let share = (totals["unattributed"].as_u64().unwrap_or(0) as f64 * 100.0 / calls as f64).round();
    assert_eq!(r["cards"]["Unattributed"], format!("{share}%"));

    // Filters from a shared link: only answered paid-search calls, one page of them.
    let f = &r["filtered"];
    assert_eq!(f["api"]["query"]["channel"], "paid search");
    assert_eq!(f["api"]["query"]["status"], "answered");
    let total = f["api"]["body"]["total"].as_u64().expect("total");
    assert!(total > 20, "enough answered paid-search calls to page: {total}");
    assert_eq!(f["rows"].as_u64(), Some(total.min(50)));
    assert_eq!(f["channels"], serde_json::json!(["paid search"]));
    assert_eq!(f["statuses"], serde_json::json!(["answered"]));
    let qualified_on_page = f["api"]["body"]["calls"]
        .as_array()
        .map_or(0, |c| c.iter().filter(|c| c["qualified"] == true).count());
    assert!(qualified_on_page > 0, "some answered calls qualify: {f}");
    assert_eq!(f["qualified"].as_u64(), Some(qualified_on_page as u64), "the Qualified column is the API's");
    assert_eq!(f["pager"], format!("Page 1 of {} · {total} calls", total.div_ceil(50)));
    // The export holds every filtered call, not just the page.
    assert_eq!(r["csv"]["lines"].as_u64(), Some(total + 1), "a header and {total} rows: {r}");
    assert_eq!(r["csv"]["paidSearchAnswered"], true);
    // Changing a filter in the page changes the URL and the table.
    assert!(r["email"]["hash"].as_str().unwrap_or("").contains("channel=email"));
    let email = r["email"]["api"].as_u64().expect("email total");
    assert!(r["email"]["pager"].as_str().unwrap_or("").ends_with(&format!("{email} calls")), "{r}");
    // Sorted by talk time, longest first.
    let secs: Vec<u32> = r["sortedTalk"]
        .as_array()
        .expect("talk times")
        .iter()
        .filter_map(|t| {
            let (m, s) = t.as_str()?.split_once(':')?;
            Some(m.parse::<u32>().ok()? * 60 + s.parse::<u32>().ok()?)
        })
        .collect();
    assert!(secs.len() > 5 && secs.windows(2).all(|w| w[0] >= w[1]), "longest first: {secs:?}");

    // A call's detail: its attribution, as the API has it.
    let d = &r["detail"];
    assert!(d["hash"].as_str().unwrap_or("").starts_with("#/calls/CAseed"), "{d}");
    let text = d["attribution"].as_str().unwrap_or("");
    assert!(text.contains("paid search"), "{text}");
    let source = d["api"]["source"].as_str().unwrap_or("?");
    assert!(text.contains(&format!("{source} / cpc")), "{text}");
    assert!(r["tag"].as_str().unwrap_or("").contains(r#"data-site="demo""#));

    // The report shows the API's groups, most qualified calls first.
    let api_rows = r["report"]["api"]["body"]["rows"].as_array().expect("report rows");
    let shown = r["report"]["rows"].as_array().expect("shown rows");
    assert_eq!(shown.len(), api_rows.len());
    let qualified: Vec<u64> = shown.iter().filter_map(|row| row[3].as_str()?.parse().ok()).collect();
    assert!(qualified.windows(2).all(|w| w[0] >= w[1]), "sorted by qualified: {qualified:?}");
    let top = &api_rows
        .iter()
        .max_by_key(|row| (row["qualified"].as_u64(), std::cmp::Reverse(row["key"].to_string())))
        .expect("a row");
    assert_eq!(shown[0][0], top["key"][0], "{r}");

    // Every pool number, with its calls in the period and the sizing advice.
    let numbers = r["numbers"]["rows"].as_array().expect("number rows");
    assert_eq!(numbers.len(), r["numbers"]["api"]["body"]["numbers"].as_array().map_or(0, Vec::len));
    assert_eq!(numbers.len(), 6, "the demo pool");
    let per_number: u64 = numbers.iter().filter_map(|n| n[6].as_str()?.parse::<u64>().ok()).sum();
    assert_eq!(per_number, calls, "each call counted on its number");
    assert!(r["numbers"]["advice"].as_str().unwrap_or("").len() > 40, "{r}");
    // Settings: refused values are explained beside their field and change nothing; saved ones
    // are what the edge now has.
    let s = &r["settings"];
    assert!(s["untouchedBefore"].is_object(), "{s}");
    assert_eq!(s["untouchedBefore"], s["untouchedAfter"], "saving an untouched form changes nothing");
    assert!(s["leaseError"].as_str().unwrap_or("").contains("between 1 and 1440"), "{s}");
    assert_eq!(s["leaseInvalid"], "true");
    assert!(s["alert"].as_str().unwrap_or("").starts_with("Not saved."), "{s}");
    assert!(s["regionError"].as_str().unwrap_or("").contains("\"Texas\" is not a region code"), "{s}");
    assert_eq!(s["regionInvalid"], "true");
    assert_eq!(s["leaseErrorGone"], true, "a fixed field loses its message");
    assert!(s["saved"].as_str().unwrap_or("").starts_with("Saved."), "{s}");
    assert_eq!(s["reloaded"]["lease"], "20");
    assert_eq!(s["reloaded"]["keywords"], "estimate\nemergency, after hours", "one keyword per line");
    assert_eq!(s["reloaded"]["region"], "US-TX");
    assert_eq!(s["reloaded"]["statics"], serde_json::json!(["+15550100301"]));
    let stored: Value = edge.settings("demo", &edge.demo_token).await.json().await.expect("settings JSON");
    assert_eq!(stored["lease_minutes"], 20);
    assert_eq!(stored["pool"][0]["region"], "US-TX");
    let rule = &stored["static_numbers"][0];
    assert_eq!((&rule["channel"], &rule["utm_source"]), (&"paid social".into(), &"facebook".into()));
    assert_eq!(stored["twilio_auth_token_set"], true, "the Twilio token was kept");
    // Extension numbers and caller identification: an extension label with a digit is refused
    // beside its field and nothing of that save is stored; saved with a good one, they survive
    // a reload and are what the edge has.
    assert!(s["labelError"].as_str().unwrap_or("").contains("without digits"), "{s}");
    assert_eq!(s["labelInvalid"], "true");
    assert!(s["labelAlert"].as_str().unwrap_or("").starts_with("Not saved."), "{s}");
    let refused = &s["refusedReload"];
    assert_eq!(refused["extensionNumbers"], serde_json::json!([]), "nothing of a refused save: {s}");
    assert_eq!((&refused["label"], &refused["digits"]), (&"ext.".into(), &"3".into()), "{s}");
    assert_eq!(
        (&refused["identification"], &refused["destinations"]),
        (&false.into(), &serde_json::json!([]))
    );
    assert!(s["stepsSaved"].as_str().unwrap_or("").starts_with("Saved."), "{s}");
    let shown = &s["stepsReloaded"];
    assert_eq!(shown["extensionNumbers"], serde_json::json!(["+15550100909"]), "{s}");
    assert_eq!(
        (&shown["digits"], &shown["label"], &shown["exhaustion"]),
        (&"4".into(), &"ext.".into(), &"extension".into())
    );
    assert_eq!(shown["identification"], true, "{s}");
    assert_eq!((&shown["identificationDigits"], &shown["mode"]), (&"6".into(), &"any".into()));
    assert_eq!(shown["identified"], "gold", "the named destination is offered and kept: {s}");
    assert_eq!(shown["destinations"], serde_json::json!([["gold", "+15550100500"]]));
    assert_eq!(
        stored["extension_numbers"],
        serde_json::json!([{"number": "+15550100909", "business_number": null}])
    );
    assert_eq!((&stored["extension_digits"], &stored["extension_label"]), (&4.into(), &"ext.".into()));
    assert_eq!(stored["exhaustion"], "extension");
    let identification = &stored["caller_identification"];
    assert_eq!(
        (&identification["mode"], &identification["digits"], &identification["identified"]),
        (&"any".into(), &6.into(), &"gold".into()),
        "{stored}"
    );
    assert_eq!(stored["destinations"], serde_json::json!({"gold": "+15550100500"}));
    // The Numbers page lists the extension number: 10^4 extensions at 4 digits, as the API has it.
    let ext = &s["extensionNumbers"];
    let api = &ext["api"][0];
    assert_eq!((&api["number"], &api["capacity"]), (&"+15550100909".into(), &10_000.into()), "{ext}");
    let row = &ext["rows"][0];
    assert_eq!(ext["rows"].as_array().map(Vec::len), Some(1), "{ext}");
    assert_eq!(row[0], "+15550100909");
    assert_eq!(row[2], "main", "it replaces the main business number");
    for (column, key) in [(3, "capacity"), (4, "live"), (5, "reserved")] {
        assert_eq!(row[column].as_str(), Some(api[key].to_string().as_str()), "{key}: {ext}");
    }
    for page in [
        "settings-desktop",
        "settings-phone",
        "settings-error-desktop",
        "sign-in-desktop",
        "overview-desktop",
        "overview-phone",
        "calls-desktop",
        "calls-phone",
        "call-phone",
        "numbers-extensions-desktop",
    ] {
        assert!(shots.join(format!("dashboard-{page}.png")).exists(), "screenshot {page}");
    }
}

const CUSTOMER: &str = "+15557300101";
const COURIER: &str = "+15557300202";

/// The national digits of a +1 number however a page shows it (`+1 555 010 0701`,
/// `(555) 010-0701` → `5550100701`).
fn digits(shown: &Value) -> String {
    let all: String = shown.as_str().unwrap_or("").chars().filter(char::is_ascii_digit).collect();
    all.strip_prefix('1').filter(|_| all.len() == 11).unwrap_or(&all).to_string()
}

/// Opens a session for `order` through the masking API (its 201 view).
async fn open_session(edge: &Edge, order: &str, customer: &str, courier: &str) -> Value {
    let body = json!({"order_id": order, "ttl_minutes": 120, "participants": [
        {"number": customer, "name": "Ann Lee", "role": "customer"},
        {"number": courier, "name": "Sam", "role": "courier"}]});
    let resp = edge
        .site_request(Method::POST, "demo", "/masking/sessions", &edge.demo_token)
        .json(&body)
        .send()
        .await
        .expect("open a session");
    assert_eq!(resp.status(), 201, "{order}");
    resp.json().await.expect("the session's JSON")
}

#[tokio::test]
async fn an_operator_sees_masked_orders_reveals_a_number_opens_and_closes_sessions_and_sets_masking() {
    let edge = Edge::start().await;
    let mut setup = edge.demo_setup();
    setup["record_calls"] = json!(true);
    edge.put_site_ok("demo", &setup).await;
    let first = open_session(&edge, "A-2001", CUSTOMER, COURIER).await;
    let second = open_session(&edge, "A-2002", "+15557300303", "+15557300404").await;
    let proxy = |view: &Value, role: &str| -> String {
        let p = view["participants"].as_array().and_then(|p| p.iter().find(|p| p["role"] == role));
        p.and_then(|p| p["proxy_number"].as_str()).expect("a proxy number").to_string()
    };
    // The customer of A-2001 calls their proxy; the courier answers, they talk 42 s, and
    // Twilio reports the recording.
    let sid = "CA0000000000000000000000000000da01";
    let (status, twiml) = twilio_voice(&edge, sid, CUSTOMER, &proxy(&first, "customer")).await;
    assert!(status == 200 && twiml.contains(&format!(">{COURIER}</Number>")), "{twiml}");
    let base = edge.url("");
    let callback = |attr: &str, tag: &str| {
        twiml_attribute(&twiml, tag, attr)
            .unwrap_or_else(|| panic!("{tag} {attr} in {twiml}"))
            .trim_start_matches(&base)
            .to_string()
    };
    let child = "CA0000000000000000000000000000da0c";
    let answered =
        [("CallSid", child), ("ParentCallSid", sid), ("CallStatus", "completed"), ("CallDuration", "42")];
    assert_eq!(twilio_post(&edge, &callback("statusCallback", "Number"), &answered).await.0, 200);
    let done = [("CallSid", sid), ("DialCallStatus", "completed"), ("DialCallDuration", "42")];
    assert_eq!(twilio_post(&edge, &callback("action", "Dial"), &done).await.0, 200);
    let recording_url = "https://api.twilio.com/2010-04-01/Accounts/ACx/Recordings/REda01";
    let recording = [
        ("CallSid", sid),
        ("RecordingUrl", recording_url),
        ("RecordingDuration", "42"),
        ("RecordingStatus", "completed"),
    ];
    assert_eq!(twilio_post(&edge, &callback("recordingStatusCallback", "Dial"), &recording).await.0, 200);

    let r = drive_dashboard(&edge, &["orders"]);
    assert_eq!(r["thrown"], json!([]), "nothing thrown in the dashboard: {r}");
    // The browser logs the two refused saves' 400s. Nothing else.
    let logged: Vec<&str> =
        r["console"].as_array().map(|c| c.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    assert!(
        logged.len() == 2 && logged.iter().all(|m| m.contains("status of 400")),
        "a clean console: {logged:?}"
    );
    let o = &r["orders"];

    // Both sessions, newest first as the API lists them, each party with its proxy number and
    // its real number hidden but for its start and its last two digits.
    assert!(o["hash"].as_str().unwrap_or("").starts_with("#/orders"), "{o}");
    let rows = o["rows"].as_array().expect("rows");
    let listed: Vec<&Value> = o["api"]["sessions"].as_array().expect("sessions").iter().collect();
    assert_eq!(rows.len(), 2, "{o}");
    assert_eq!(o["api"]["total"], 2);
    for (row, view) in rows.iter().zip(&listed) {
        assert_eq!((&row["id"], &row["order"]), (&view["session_id"], &view["order_id"]), "{row}");
        let created = if view["order_id"] == "A-2001" { &first } else { &second };
        assert_eq!(row["id"], created["session_id"]);
        assert_eq!((row["state"].as_str(), row["stateText"].as_str()), (Some("open"), Some("open")));
        assert!(row["timeLeft"].as_str().is_some_and(|t| t.ends_with(" left")), "{row}");
        assert_eq!(row["closedAt"], Value::Null);
        assert_eq!(row["closeButton"], true);
        assert_eq!(row["expanded"], "false");
        let parties = row["participants"].as_array().expect("participants");
        assert_eq!(parties.len(), 2, "{row}");
        for (shown, party) in parties.iter().zip(created["participants"].as_array().expect("parties")) {
            let role = party["role"].as_str().expect("a role");
            assert_eq!((&shown["role"], &shown["roleText"]), (&party["role"], &party["role"]), "{row}");
            assert_eq!(shown["name"], party["name"]);
            assert_eq!(digits(&shown["proxy"]), digits(&json!(proxy(created, role))), "{row}");
            assert_eq!(shown["pressed"], "false");
            let real = party["number"].as_str().expect("a number");
            let hidden = shown["number"].as_str().unwrap_or("");
            assert_eq!(hidden, format!("+1 555 ••• ••{}", &real[real.len() - 2..]), "{row}");
        }
    }
    assert_eq!(rows.iter().find(|r| r["order"] == "A-2001").map(|r| &r["calls"]), Some(&json!("1")));
    assert_eq!(rows.iter().find(|r| r["order"] == "A-2002").map(|r| &r["calls"]), Some(&json!("0")));
    assert_eq!(o["realNumbersInPage"], json!([]), "no real number in the page before one is asked for");
    // Revealed: the whole number, which was nowhere in the page before; the others stay hidden.
    assert_eq!(o["hiddenText"], "+1 555 ••• ••01");
    assert_eq!(o["revealed"], "+1 555 730 0101");
    assert_eq!(o["revealedWasInPage"], false);
    assert_eq!(o["othersStillHidden"], 3);

    // Opened: the session's call, customer to courier, with its recording.
    let opened = &o["opened"];
    assert_eq!(opened["id"], first["session_id"]);
    assert_eq!(opened["expanded"], "true");
    let id = first["session_id"].as_str().expect("an id");
    assert!(opened["hash"].as_str().unwrap_or("").contains(&format!("session={id}")), "{opened}");
    let calls = opened["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 1, "{opened}");
    assert_eq!(calls[0]["sid"], sid);
    assert_eq!(calls[0]["roles"], "customer → courier");
    assert_eq!(calls[0]["audio"], json!([recording_url]), "{opened}");
    assert_eq!(opened["api"]["calls"][0]["call_sid"], sid);
    assert!(opened["facts"].as_str().unwrap_or("").contains(id), "{opened}");

    // Closed through its button once the operator confirmed; the opened row stays open.
    let second_id = second["session_id"].as_str().expect("an id");
    assert_eq!(o["confirm"]["type"], "confirm");
    assert!(o["confirm"]["message"].as_str().unwrap_or("").contains("A-2002"), "{o}");
    assert_eq!(o["closeStatus"], 200);
    let closed_row = o["afterClose"].as_array().and_then(|r| r.iter().find(|r| r["id"] == second_id));
    let closed_row = closed_row.expect("the closed session is listed");
    assert_eq!(closed_row["state"], "closed");
    assert!(
        closed_row["stateText"].as_str().unwrap_or("").contains("closed by the business"),
        "{closed_row}"
    );
    assert!(closed_row["closedAt"].as_str().unwrap_or("").starts_with("Closed at "), "{closed_row}");
    assert_eq!((&closed_row["timeLeft"], &closed_row["closeButton"]), (&Value::Null, &json!(false)));
    assert_eq!(o["stillOpened"], true);
    let stored: Value = edge
        .site_request(Method::GET, "demo", &format!("/masking/sessions/{second_id}"), &edge.demo_token)
        .send()
        .await
        .expect("the closed session")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        (&stored["state"], &stored["closed_reason"]),
        (&json!("closed"), &json!("closed")),
        "{stored}"
    );
    // Filtered to closed sessions: only that one; with an order id no closed session has, none.
    let closed = &o["closed"];
    assert!(closed["hash"].as_str().unwrap_or("").contains("state=closed"), "{closed}");
    let ids: Vec<&Value> = closed["rows"].as_array().expect("rows").iter().map(|r| &r["id"]).collect();
    assert_eq!(ids, [&json!(second_id)], "{closed}");
    assert_eq!(closed["api"], 1);
    let none = &o["none"];
    assert!(none["hash"].as_str().unwrap_or("").contains("order_id=A-2001"), "{none}");
    assert_eq!((&none["api"], &none["rows"]), (&json!(0), &json!(0)));
    assert!(none["text"].as_str().unwrap_or("").starts_with("No sessions match these filters"), "{none}");

    // The Calls page, masked calls only: the call, tagged with its order, credited to no channel.
    let c = &o["calls"];
    assert!(c["hash"].as_str().unwrap_or("").contains("kind=masked"), "{c}");
    assert_eq!(c["api"], 1);
    let masked = c["rows"].as_array().expect("rows");
    assert_eq!(masked.len(), 1, "{c}");
    assert_eq!(
        (&masked[0]["sid"], &masked[0]["kind"], &masked[0]["masked"]),
        (&json!(sid), &json!("masked"), &json!(true))
    );
    assert_eq!(masked[0]["tag"], "masked · order A-2001 · customer → courier", "{c}");
    assert!(masked[0]["tagHref"].as_str().unwrap_or("").contains(&format!("session={id}")), "{c}");
    assert_eq!(masked[0]["channel"], "—");
    // The call's page names its order and who called whom; the order leads to the open session.
    let call = &o["call"];
    assert!(call["hash"].as_str().unwrap_or("").starts_with(&format!("#/calls/{sid}")), "{call}");
    assert_eq!((&call["order"], &call["roles"]), (&json!("A-2001"), &json!("customer → courier")));
    assert!(call["back"]["hash"].as_str().unwrap_or("").contains(&format!("session={id}")), "{call}");
    assert_eq!(call["back"]["rows"], json!(["A-2001"]));

    // Settings: the demo's three masking numbers; a session time of 0 refused beside its field,
    // a masking number refused as the forward-to; the fixed values saved and kept.
    let s = &o["settings"];
    let numbers: Vec<String> =
        s["before"]["numbers"].as_array().expect("numbers").iter().map(digits).collect();
    assert_eq!(numbers, ["5550100701", "5550100702", "5550100703"], "{s}");
    assert_eq!(s["before"]["rowNumbers"].as_array().map(Vec::len), Some(3), "{s}");
    assert_eq!(s["before"]["closed"], "say");
    assert!(s["ttlError"].as_str().unwrap_or("").contains("43200"), "{s}");
    assert_eq!((&s["ttlInvalid"], &s["ttlErrorBeside"]), (&json!("true"), &json!(true)), "{s}");
    assert!(s["alert"].as_str().unwrap_or("").starts_with("Not saved."), "{s}");
    assert!(s["forwardError"].as_str().unwrap_or("").contains("masking numbers"), "{s}");
    assert_eq!(s["forwardInvalid"], "true");
    assert_eq!(s["ttlErrorGone"], true, "a fixed field loses its message");
    assert!(s["saved"].as_str().unwrap_or("").starts_with("Saved."), "{s}");
    let shown = &s["reloaded"];
    assert_eq!((&shown["ttl"], &shown["closed"]), (&json!("90"), &json!("forward")), "{s}");
    assert_eq!(shown["say"], "This order is closed. Connecting you to our team.");
    assert_eq!(digits(&shown["forwardTo"]), "5550100400");
    assert_eq!(shown["numbers"], s["before"]["numbers"], "the numbers kept");
    let stored: Value = edge.settings("demo", &edge.demo_token).await.json().await.expect("settings JSON");
    assert_eq!(stored["masking_ttl_minutes"], 90, "{stored}");
    assert_eq!(
        stored["masking_closed"],
        json!({"say": "This order is closed. Connecting you to our team.", "forward_to": "+15550100400"})
    );
    assert_eq!(stored["masking_numbers"], json!(["+15550100701", "+15550100702", "+15550100703"]));
    let shots = root().join("target/screenshots");
    for page in ["orders-desktop", "orders-phone", "calls-masked-desktop", "settings-masking-error-desktop"] {
        assert!(shots.join(format!("dashboard-{page}.png")).exists(), "screenshot {page}");
    }
}

/// The calls the live run's browser asks for, by number: the call, its caller, the business
/// leg Twilio dials. The second is the first caller again.
const LIVE_CALLS: [(&str, &str, &str); 3] = [
    ("CA0000000000000000000000000000ld01", "+15557660111", "CA0000000000000000000000000000ld0b"),
    ("CA0000000000000000000000000000ld02", "+15557660111", "CA0000000000000000000000000000ld0c"),
    ("CA0000000000000000000000000000ld03", "+15557660333", "CA0000000000000000000000000000ld0d"),
];

/// Does what `live.mjs` asks (`{"ask": "incoming" | "answer" | "end" | "no-answer", "call": n}`)
/// as Twilio would, to the tracking number `tn`; the call's id and caller.
async fn live_step(edge: &Edge, tn: &str, ask: &Value) -> Value {
    let n = ask["call"].as_u64().and_then(|n| usize::try_from(n).ok()).expect("a call number");
    let (sid, from, leg) = LIVE_CALLS[n - 1];
    let q = format!("?site=demo&tn={}", tn.replace('+', "%2B"));
    let dial = |status: &'static str, secs: &'static str| {
        [("CallSid", sid), ("DialCallStatus", status), ("DialCallDuration", secs)]
    };
    match ask["ask"].as_str() {
        Some("incoming") => {
            let (status, twiml) = twilio_voice(edge, sid, from, tn).await;
            assert!(status == 200 && twiml.contains("<Dial"), "{twiml}");
        }
        Some("answer") => {
            let answered = [("CallSid", leg), ("ParentCallSid", sid), ("CallStatus", "in-progress")];
            assert_eq!(twilio_post(edge, &format!("/v1/telephony/twilio/status{q}"), &answered).await.0, 200);
        }
        Some("end") => {
            let done = dial("completed", "42");
            assert_eq!(twilio_post(edge, &format!("/v1/telephony/twilio/dial{q}"), &done).await.0, 200);
        }
        Some("no-answer") => {
            let missed = dial("no-answer", "0");
            assert_eq!(twilio_post(edge, &format!("/v1/telephony/twilio/dial{q}"), &missed).await.0, 200);
        }
        other => panic!("live.mjs asked for {other:?}"),
    }
    json!({"sid": sid, "from": from})
}

/// Kills a process group when dropped (node and the Chromium it started), panics included.
struct KillGroup(Option<u32>);

impl Drop for KillGroup {
    fn drop(&mut self) {
        if let Some(id) = self.0 {
            let _ =
                Command::new("kill").args(["-KILL", "--", &format!("-{id}")]).stderr(Stdio::null()).status();
        }
    }
}

/// Runs `tests/pages/live.mjs` against `edge`, posting the webhooks it asks for to `tn`, and
/// returns what it printed last (`{"result": …}`).
async fn drive_live(edge: &Edge, tn: &str) -> Value {
    let mut child = tokio::process::Command::new("node")
        .arg(root().join("tests/pages/live.mjs"))
        .args([&edge.base, "demo", &edge.demo_token])
        .arg(root().join("target/screenshots"))
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .expect("run node tests/pages/live.mjs");
    let group = KillGroup(child.id());
    let mut stdin = child.stdin.take().expect("node's stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("node's stdout")).lines();
    let mut stderr = child.stderr.take().expect("node's stderr");
    let errors = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let talk = async {
        while let Some(line) = lines.next_line().await.expect("read live.mjs") {
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                eprintln!("live.mjs: {line}");
                continue;
            };
            if message.get("ask").is_some() {
                let answer = live_step(edge, tn, &message).await;
                stdin.write_all(format!("{answer}\n").as_bytes()).await.expect("answer live.mjs");
                stdin.flush().await.expect("answer live.mjs");
            } else if let Some(result) = message.get("result") {
                return Some(result.clone());
            }
        }
        None
    };
    let result = tokio::time::timeout(Duration::from_secs(240), talk).await;
    drop(stdin);
    let exit = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    drop(group);
    let stderr = errors.await.unwrap_or_default();
    let result = match result {
        Ok(Some(result)) => result,
        Ok(None) => panic!("live.mjs printed no result: {stderr}"),
        Err(_) => panic!("live.mjs did not finish in 240 s: {stderr}"),
    };
    assert!(result["error"].is_null(), "live.mjs failed: {}\n{result}\n{stderr}", result["error"]);
    assert!(
        exit.as_ref().is_ok_and(|s| s.as_ref().is_ok_and(|s| s.success())),
        "live.mjs exited with {exit:?}: {stderr}"
    );
    result
}

/// `mm:ss` in seconds.
fn mmss(shown: &Value) -> u64 {
    let (m, s) = shown.as_str().and_then(|t| t.split_once(':')).expect("mm:ss");
    m.parse::<u64>().expect("minutes") * 60 + s.parse::<u64>().expect("seconds")
}

#[tokio::test]
async fn calls_pop_up_in_every_tab_and_the_live_page_follows_them_through_a_dropped_connection() {
    let edge = Edge::start().await;
    // A visitor from the Google ad holds a number: the one the callers dial.
    let grant = edge
        .lease(&json!({"site": "demo", "visitor": "visitor-dashboard-live", "utm_source": "google",
                       "utm_medium": "cpc", "utm_campaign": "water-heaters", "utm_term": "tankless install",
                       "landing_page": "https://demo.example/water-heaters"}))
        .await;
    let tn = grant["number"].as_str().expect("a number").to_string();
    let r = drive_live(&edge, &tn).await;
    let [(sid1, _, _), (sid2, _, _), (sid3, _, _)] = LIVE_CALLS;
    assert_eq!(r["sids"], json!([sid1, sid2, sid3]));
    assert_eq!(r["thrown"], json!([]), "nothing thrown in the dashboard: {r}");
    assert_eq!(r["console"], json!([]), "a clean console in both tabs: {r}");

    // Signed in, two tabs: the Live page's connection is live, nothing rings, the alerts are
    // off until someone turns them on.
    let start = &r["start"];
    assert_eq!((&start["status"], &start["hash"]), (&json!("live"), &json!("#/live")), "{start}");
    assert_eq!(start["toggles"], json!({"notify": "false", "sound": "false"}));
    assert_eq!(start["popsOnOverview"], json!([]));

    // The first call rings: a card in both tabs, the Overview tab staying where it was, with
    // the ad that brought the caller and that they never called before.
    let ringing = &r["ringing"];
    assert_eq!(ringing["overview"], ringing["live"], "both tabs show the same card: {ringing}");
    assert!(!ringing["overviewHash"].as_str().unwrap_or("").contains("live"), "{ringing}");
    let card = &ringing["overview"];
    let expected = json!({
        "state": "ringing", "label": "Incoming call", "caller": "(555) 766-0111",
        "firstTime": true, "repeat": false, "kind": "First-time caller", "earlierCalls": null,
        "customer": null, "line": "to (555) 010-0100", "channel": "paid search",
        "source": "google / cpc", "campaign": "water-heaters", "keyword": "tankless install",
        "landingPage": "https://demo.example/water-heaters", "masked": false,
        "open": format!("#/calls/{sid1}"), "dismiss": true,
    });
    assert_eq!(card, &expected, "the ringing card");
    assert!(r["popMs"].as_u64().is_some_and(|ms| ms < 5_000), "the card within seconds: {r}");
    // The Live page lists it, its timer running from the call's start.
    let live = &r["liveRinging"];
    let row = &live["row"];
    assert_eq!(
        row,
        &json!({"state": "ringing", "timer": row["timer"], "caller": "(555) 766-0111", "firstTime": true,
                "repeat": false, "earlierCalls": null, "customer": null, "source": "google / cpc",
                "channel": "paid search", "campaign": "water-heaters", "line": "(555) 010-0100"}),
        "the call in progress"
    );
    // Read every 250 ms for 4 s from the call's first second: a second more each second.
    let ticks: Vec<u64> = live["ticks"].as_array().expect("the timer's readings").iter().map(mmss).collect();
    let (first, last) = (ticks[0], ticks[ticks.len() - 1]);
    assert!(first <= 1 && (2..=4).contains(&(last - first)), "a running timer: {ticks:?}");
    assert!(ticks.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1), "one second at a time: {ticks:?}");
    assert_eq!((&live["rows"], &live["heading"]), (&json!(1), &json!("In progress (1)")), "{live}");

    // Answered: the card says so, the Live page's row talks; then over after 42 s of talk.
    let answered = &r["answered"];
    assert_eq!(
        (&answered["overview"]["state"], &answered["overview"]["label"]),
        (&json!("answered"), &json!("Answered"))
    );
    assert_eq!(answered["row"]["state"], "talking", "{answered}");
    let ended = &r["ended"];
    assert_eq!(
        (&ended["overview"]["state"], &ended["overview"]["label"]),
        (&json!("ended"), &json!("Call ended"))
    );
    assert_eq!(
        ended["recent"],
        json!({"outcome": "answered", "outcomeText": "answered", "talkTime": "0:42", "campaign": "water-heaters"}),
        "{ended}"
    );
    assert_eq!(ended["inProgress"], 0, "no longer in progress: {ended}");

    // The same caller again: a repeat caller, with the earlier call counted; nobody answers.
    let repeat = &r["repeat"];
    for shown in [&repeat["overview"], &repeat["row"]] {
        assert_eq!((&shown["repeat"], &shown["firstTime"]), (&json!(true), &json!(false)), "{repeat}");
        assert_eq!(shown["earlierCalls"], "1 earlier call", "{repeat}");
    }
    assert!(repeat["overview"]["kind"].as_str().unwrap_or("").contains(" · last on "), "{repeat}");
    let missed = &r["missed"];
    assert_eq!(
        (&missed["overview"]["state"], &missed["overview"]["label"]),
        (&json!("missed"), &json!("Missed call"))
    );
    assert_eq!(
        (&missed["recent"]["outcome"], &missed["recent"]["talkTime"]),
        (&json!("missed"), &json!("—"))
    );
    assert_eq!(missed["recentOrder"], json!([sid2, sid1]), "newest first");

    // The answered call's card left by itself 8 s after the end; the missed one stayed; a
    // card dismissed in one tab stays in the other.
    let stayed = r["endedCardStayedMs"].as_u64().expect("ms");
    assert!((6_500..=11_000).contains(&stayed), "an ended call's card stays about 8 s: {stayed} ms");
    assert_eq!(r["afterExpiry"], json!({"live": [sid2], "overview": [sid2]}));
    assert_eq!(r["dismissed"], json!({"overview": [], "live": [sid2]}));

    // Offline: the page says so; a call rings and is missed meanwhile, unseen.
    assert_eq!(r["beforeDrop"], json!({"status": "live", "sockets": [1, 1]}), "one socket per tab so far");
    assert_eq!(r["offline"]["status"], "offline");
    assert!(r["offline"]["label"].as_str().unwrap_or("").contains("Offline"), "{r}");
    let away = &r["whileOffline"];
    assert!(!away.to_string().contains(sid3) && away["recent"] == 0, "nothing of it while offline: {away}");
    // Back online: caught up, once. One missed card in each tab, one recent row, nothing in
    // progress, the dismissed and expired cards not back.
    let back = &r["reconnected"];
    assert_eq!(back["status"], "live");
    assert_eq!(back["cards"], json!({"overview": 1, "live": 1}), "one card per tab: {back}");
    assert_eq!(
        (&back["card"]["state"], &back["card"]["caller"]),
        (&json!("missed"), &json!("(555) 766-0333"))
    );
    assert_eq!(
        (&back["card"]["firstTime"], &back["card"]["campaign"]),
        (&json!(true), &json!("water-heaters"))
    );
    assert_eq!((&back["recentRows"], &back["inProgress"]), (&json!(1), &json!(0)), "{back}");
    assert_eq!(back["recentOrder"], json!([sid3, sid2, sid1]), "each call once: {back}");
    assert_eq!(back["recent"]["outcome"], "missed");
    assert_eq!(back["pops"]["overview"], json!([sid3]), "the dismissed card not back: {back}");
    let on_live: Vec<&Value> = back["pops"]["live"].as_array().expect("cards").iter().collect();
    assert!(on_live.contains(&&json!(sid3)) && !on_live.contains(&&json!(sid1)), "{back}");
    // What the sockets carried: the drop closed each tab's socket; the next one resumed from
    // the last seq seen and replayed the missed call's events; no event reached a tab twice.
    for (tab, sockets) in r["sockets"].as_object().expect("sockets") {
        let sockets = sockets.as_array().expect("a tab's sockets");
        assert!(sockets.len() >= 2, "{tab} reconnected: {sockets:?}");
        let (first, last) = (&sockets[0], &sockets[sockets.len() - 1]);
        assert!(first["closed"].is_u64() && !first.to_string().contains(sid3), "{tab}: {first}");
        assert!(last["url"].as_str().unwrap_or("").contains("&resume="), "{tab} resumed: {last}");
        let hello = last["hello"].as_u64().expect("hello");
        let of_sid3: Vec<&Value> =
            last["events"].as_array().expect("events").iter().filter(|e| e[2] == sid3).collect();
        let names: Vec<&Value> = of_sid3.iter().map(|e| &e[1]).collect();
        assert_eq!(names, [&json!("call.incoming"), &json!("call.ended")], "{tab}: {last}");
        assert!(of_sid3.iter().all(|e| e[0].as_u64().is_some_and(|seq| seq <= hello)), "replayed: {last}");
        let seqs: Vec<u64> = sockets
            .iter()
            .flat_map(|s| s["seqs"].as_array().into_iter().flatten())
            .filter_map(Value::as_u64)
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{tab}: each event once, in order: {seqs:?}");
    }
    // The edge agrees: nothing in progress.
    let resp =
        edge.site_request(Method::GET, "demo", "/calls/live", &edge.demo_token).send().await.expect("live");
    let now: Value = resp.json().await.expect("JSON");
    assert_eq!(now["calls"], json!([]), "{now}");
    eprintln!("the live dashboard run took {} ms: {}", r["ms"], r["steps"]);
    let shots = root().join("target/screenshots");
    for shot in [
        "live-empty",
        "live-ringing",
        "live-talking",
        "live-recent",
        "live-offline",
        "live-reconnected",
        "screen-pop-ringing",
        "screen-pop-answered",
        "screen-pop-ended",
        "screen-pop-repeat",
        "screen-pop-missed",
        "screen-pop-reconnected",
        "screen-pop-phone",
    ] {
        assert!(shots.join(format!("dashboard-{shot}.png")).exists(), "screenshot {shot}");
    }
}

/// A call the money run imports: id, days before today, source, medium, campaign, talk
/// seconds, value.
type ValuedCall = (&'static str, i64, &'static str, &'static str, &'static str, u32, Option<&'static str>);

/// The calls the money run imports. The first came from a Google ad click.
const VALUED_CALLS: [ValuedCall; 4] = [
    ("CAmoney01", 10, "google", "cpc", "spring-sale", 120, Some("120.00")),
    ("CAmoney02", 5, "google", "cpc", "spring-sale", 200, Some("60.00")),
    ("CAmoney03", 3, "google", "cpc", "spring-sale", 30, None),
    ("CAmoney04", 5, "facebook", "paid_social", "retarget", 100, Some("40.00")),
];

/// The spend the run imports: (days before today, source, campaign, cents).
const SPEND: [(i64, &str, &str, i64); 3] = [
    (10, "google", "spring-sale", 10_000),
    (5, "google", "spring-sale", 5_000),
    (10, "bing", "brand-terms", 3_000),
];

/// Cents as the edge writes amounts (`1250` → `12.50`).
fn cents(n: i64) -> String {
    format!("{}.{:02}", n / 100, n % 100)
}

/// `total / count` rounded half away from zero, as a cost per call is.
fn per_call(total: i64, count: i64) -> i64 {
    (2 * total + count) / (2 * count)
}

/// Runs `tests/pages/money.mjs` against `edge` with `plan` and returns the JSON it printed last.
fn drive_money(edge: &Edge, plan: &Value) -> Value {
    let out = Command::new("node")
        .arg(root().join("tests/pages/money.mjs"))
        .args([&edge.base, "demo", &edge.demo_token])
        .arg(root().join("target/screenshots"))
        .arg(plan.to_string())
        .current_dir(root())
        .output()
        .expect("run node tests/pages/money.mjs");
    assert!(out.status.success(), "money.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("JSON from money.mjs")
}

#[tokio::test]
async fn a_marketer_imports_spend_and_reads_what_each_call_cost_and_returned() {
    let edge = Edge::start().await;
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let day = |back: i64| today.checked_sub(jiff::Span::new().days(back)).expect("a date");
    let settings: Value = edge.settings("demo", &edge.demo_token).await.json().await.expect("settings");
    assert_eq!(settings["currency"], "USD", "the demo site's currency");
    let threshold = settings["qualified_talk_seconds"].as_u64().expect("the qualified talk time");
    let calls: Vec<Value> = VALUED_CALLS
        .iter()
        .enumerate()
        .map(|(i, (id, back, source, medium, campaign, talk, value))| {
            let landing = if i == 0 {
                "https://demo.example/spring?gclid=TeSt-GclId-123"
            } else {
                "https://demo.example/"
            };
            json!({"call_id": id, "from": format!("+1555730{:04}", i + 1), "to": "+15550100201",
                   "started_at": format!("{}T15:00:00Z", day(*back)), "source": source, "medium": medium,
                   "campaign": campaign, "landing_page": landing, "answered": true, "talk_seconds": talk,
                   "value": value, "converted": (i == 0).then_some(true)})
        })
        .collect();
    let resp = edge
        .site_request(Method::POST, "demo", "/calls/import", &edge.demo_token)
        .json(&json!({ "calls": calls }))
        .send()
        .await
        .expect("import calls");
    assert_eq!(resp.status(), 200);
    let header = "date,source,medium,campaign,spend";
    let rows: Vec<String> = SPEND
        .iter()
        .map(|(back, source, campaign, c)| format!("{},{source},cpc,{campaign},{}", day(*back), cents(*c)))
        .collect();
    // The second row's amount has a third decimal: a cent cannot be split.
    let mut bad = rows.clone();
    bad[1] = bad[1].replace(&cents(SPEND[1].3), "50.005");
    let plan = json!({"bad": format!("{header}\n{}\n", bad.join("\n")), "good": format!("{header}\n{}\n", rows.join("\n")),
                      "valued": "CAmoney03", "clicked": "CAmoney01", "deleteDay": day(SPEND[1].0).to_string()});
    let r = drive_money(&edge, &plan);
    assert_eq!(r["thrown"], json!([]), "nothing thrown in the dashboard: {r}");
    // The browser logs the refused value's 400, and nothing else.
    let logged: Vec<&str> =
        r["console"].as_array().map(|c| c.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    assert!(logged.len() == 1 && logged[0].contains("status of 400"), "a clean console: {logged:?}");

    // The bad cell is marked where it is — row 2, the spend column — with its message under it;
    // nothing else is, and Import is off.
    let bad = &r["bad"];
    let invalid = bad["invalid"].as_array().expect("invalid cells");
    assert_eq!(invalid.len(), 1, "one bad cell: {bad}");
    let cell = &invalid[0];
    assert_eq!(
        (&cell["tag"], &cell["row"], &cell["column"], &cell["value"]),
        (&json!("td"), &json!("1"), &json!("spend"), &json!("50.005"))
    );
    let message = cell["error"].as_str().unwrap_or("");
    assert!(message.contains("more than 2 decimals"), "the message under the cell: {cell}");
    assert_eq!((&cell["describedBy"], &cell["title"]), (&cell["error"], &cell["error"]), "{cell}");
    assert_eq!(bad["problems"], json!([format!("Row 2 (line 3), spend: {message}")]), "{bad}");
    assert_eq!(bad["importDisabled"], true);
    assert_eq!(bad["summary"], "3 rows · 1 problem: fix it to import");

    // Fixed: three rows, three days, 180.00 to import; imported as written, as CSV.
    let total: i64 = SPEND.iter().map(|s| s.3).sum();
    let good = &r["good"];
    assert_eq!((&good["invalid"], &good["importDisabled"]), (&json!([]), &json!(false)), "{good}");
    assert_eq!(good["summary"], format!("3 rows · 3 days · {} USD to import", cents(total)));
    assert!(good["file"].as_str().is_some_and(|f| f.starts_with("spend.csv")), "chosen as a file: {good}");
    let upload = &r["upload"];
    assert_eq!(
        (&upload["status"], &upload["type"], &upload["sent"]),
        (&json!(200), &json!("text/csv"), &plan["good"])
    );
    assert_eq!((&upload["body"]["days"], &upload["body"]["total"]), (&json!(3), &json!(cents(total))));
    assert_eq!(r["imported"], format!("Imported 3 days of spend: {} USD.", cents(total)));
    // The Spend table: each month and campaign's spend, as summed by hand, and the total.
    let mut by_month: std::collections::BTreeMap<(String, String), i64> = Default::default();
    for (back, _, campaign, c) in SPEND {
        let d = day(back);
        *by_month.entry((format!("{:04}-{:02}", d.year(), d.month()), campaign.to_string())).or_default() +=
            c;
    }
    let table = &r["spendTable"];
    assert_eq!(table["head"], json!(["Month", "Campaign", "Spend (USD)"]));
    let mut shown: Vec<Value> = table["rows"].as_array().expect("spend rows").clone();
    shown.sort_by_key(Value::to_string);
    let mut expected: Vec<Value> = by_month.iter().map(|((m, c), n)| json!([m, c, cents(*n)])).collect();
    expected.sort_by_key(Value::to_string);
    assert_eq!(shown, expected, "{table}");
    assert_eq!((&table["total"], &table["previewGone"]), (&json!(cents(total)), &json!(true)));
    // The Google Ads file: the converted call from the ad click, with its value, byte for byte.
    let ads = r["googleAds"]["text"].as_str().unwrap_or("");
    assert!(ads.starts_with("Parameters:TimeZone="), "no byte-order mark: {ads:?}");
    assert!(
        ads.lines().any(|l| l.starts_with("TeSt-GclId-123,Phone call,") && l.ends_with(",120.00,USD")),
        "{ads}"
    );

    // The report by campaign: spend, costs and returns as computed by hand.
    let qualified = |campaign: &str| {
        VALUED_CALLS.iter().filter(|c| c.4 == campaign && u64::from(c.5) >= threshold).count() as i64
    };
    let count = |campaign: &str| VALUED_CALLS.iter().filter(|c| c.4 == campaign).count() as i64;
    // A call's value; else the site's default value if it qualified (the first is converted,
    // and has a value).
    let amount = |v: &str| (v.parse::<f64>().expect("an amount") * 100.0).round() as i64;
    let default_value = settings["default_call_value"].as_str().map_or(0, amount);
    let revenue = |campaign: &str| -> i64 {
        VALUED_CALLS
            .iter()
            .filter(|c| c.4 == campaign)
            .map(|c| match c.6 {
                Some(v) => amount(v),
                None if u64::from(c.5) >= threshold => default_value,
                None => 0,
            })
            .sum()
    };
    let spent = |campaign: &str| SPEND.iter().filter(|s| s.2 == campaign).map(|s| s.3).sum::<i64>();
    let rows = r["report"]["rows"].as_array().expect("report rows");
    let row = |key: &str| {
        &rows.iter().find(|row| row["key"] == key).unwrap_or_else(|| panic!("no {key}: {r}"))["cells"]
    };
    let spring = row("spring-sale");
    let (spend, calls, back) = (spent("spring-sale"), count("spring-sale"), revenue("spring-sale"));
    assert_eq!(spring["spend"]["text"], cents(spend), "{spring}");
    assert_eq!(spring["cost-per-call"]["text"], cents(per_call(spend, calls)));
    assert_eq!(spring["cost-per-qualified"]["text"], cents(per_call(spend, qualified("spring-sale"))));
    assert_eq!(spring["revenue"]["text"], cents(back));
    let roi = ((back - spend) as f64 * 100.0 / spend as f64).round() as i64;
    assert_eq!(spring["roi"]["text"], if roi >= 0 { format!("+{roi}%") } else { format!("−{}%", -roi) });
    assert_eq!(spring["roas"]["text"], format!("{:.2}×", back as f64 / spend as f64));
    // No spend for retarget: it says so, with why, never 0; its revenue is still counted.
    let retarget = row("retarget");
    for column in ["spend", "cost-per-call", "cost-per-qualified", "roas", "roi"] {
        let cell = &retarget[column];
        assert_eq!(
            (&cell["text"], &cell["undefined"]),
            (&json!("no spend"), &json!(true)),
            "{column}: {retarget}"
        );
        assert!(cell["title"].as_str().is_some_and(|t| t.contains("No ad spend")), "{column}: {cell}");
    }
    assert_eq!(retarget["revenue"]["text"], cents(revenue("retarget")));
    // Spend without a call: no cost per call, in words.
    let brand = row("brand-terms");
    assert_eq!(brand["spend"]["text"], cents(spent("brand-terms")));
    assert_eq!(
        (&brand["cost-per-call"]["text"], &brand["roi"]["text"]),
        (&json!("no calls"), &json!("−100%"))
    );
    let heads: Vec<&str> =
        r["report"]["head"].as_array().expect("heads").iter().filter_map(|h| h[1].as_str()).collect();
    assert!(heads.contains(&"Spend (USD)") && heads.contains(&"Cost / call (USD)"), "{heads:?}");
    // Its CSV: the same figures, an undefined one empty.
    let csv: Vec<&str> = r["reportCsv"].as_array().expect("csv").iter().filter_map(Value::as_str).collect();
    assert!(
        csv[0].ends_with(",spend,cost_per_call,cost_per_qualified_call,revenue,roas,roi,currency"),
        "{csv:?}"
    );
    assert!(csv.iter().any(|l| l.starts_with("retarget,") && l.ends_with(",,,,40.00,,,USD")), "{csv:?}");

    // The call's value: "12,50" refused beside its field; 90 saved, shown and in the timeline.
    assert_eq!(r["valueLabel"], "Value (USD)");
    let refused = &r["refusedValue"];
    assert_eq!((&refused["status"], &refused["invalid"]), (&json!(400), &json!("true")), "{refused}");
    assert!(refused["error"].as_str().unwrap_or("").contains("comma"), "{refused}");
    assert_eq!(
        r["patch"]["sent"],
        json!({"value": "90", "converted": true, "note": "Booked a boiler service"})
    );
    let valued = &r["valued"];
    assert_eq!(valued["saved"], "Saved.");
    assert_eq!(
        (&valued["facts"]["Value"], &valued["facts"]["Converted"]),
        (&json!("90.00 USD"), &json!("yes")),
        "{valued}"
    );
    assert_eq!(
        valued["inputs"],
        json!({"value": "90.00", "converted": "yes", "note": "Booked a boiler service"})
    );
    assert_eq!(valued["errorGone"], true);
    let timeline = valued["timeline"].as_array().expect("timeline");
    assert!(
        timeline.iter().any(|e| e
            .as_str()
            .unwrap_or("")
            .contains("Updated: value 90.00 USD, marked converted, note changed")),
        "{timeline:?}"
    );
    let detail = edge.call_detail("demo", &edge.demo_token, "CAmoney03").await;
    let stored: Value = detail.json().await.expect("the call's JSON");
    let call = &stored["call"];
    assert_eq!(
        (&call["value"], &call["currency"], &call["converted"]),
        (&json!("90.00"), &json!("USD"), &json!(true))
    );
    assert_eq!(call["note"], "Booked a boiler service");
    assert_eq!(r["adIds"]["Google click id (gclid)"], "TeSt-GclId-123", "{r}");

    // The overview: the period's spend, cost per call and revenue (the new value included).
    let all_calls = VALUED_CALLS.len() as i64;
    // CAmoney03 is worth 90.00 now, whatever it counted before.
    let before = if u64::from(VALUED_CALLS[2].5) >= threshold { default_value } else { 0 };
    let earned: i64 = ["spring-sale", "retarget"].iter().map(|c| revenue(c)).sum::<i64>() - before + 9_000;
    let cards = &r["overview"]["cards"];
    assert_eq!(cards["Spend"]["value"], format!("{} USD", cents(total)), "{cards}");
    assert_eq!(cards["Spend"]["change"], "no spend in the 30 days before");
    assert_eq!(cards["Cost per call"]["value"], format!("{} USD", cents(per_call(total, all_calls))));
    assert_eq!(cards["Revenue"]["value"], format!("{} USD", cents(earned)));
    // Cost per call by week: a week's spend over its calls; a week without spend is a gap.
    let week_of = |d: jiff::civil::Date| {
        let w = d.iso_week_date();
        format!("{:04}-W{:02}", w.year(), w.week())
    };
    let weeks = r["overview"]["weeks"].as_array().expect("weeks");
    assert!(weeks.len() >= 5, "the 30 days' weeks: {weeks:?}");
    for w in weeks {
        let name = w["week"].as_str().unwrap_or("");
        let spend: i64 = SPEND.iter().filter(|s| week_of(day(s.0)) == name).map(|s| s.3).sum();
        let calls = VALUED_CALLS.iter().filter(|c| week_of(day(c.1)) == name).count() as i64;
        let title = w["title"].as_str().unwrap_or("");
        if spend == 0 {
            assert_eq!(
                (w["kind"].as_str(), title),
                (Some("gap"), format!("{name}: no spend").as_str()),
                "{w}"
            );
        } else {
            assert_eq!(w["kind"], "cost", "{w}");
            let expected =
                format!("{name}: {} USD per call ({} USD, ", cents(per_call(spend, calls)), cents(spend));
            assert!(title.starts_with(&expected), "{title} should start with {expected}");
        }
    }
    // A day's spend deleted, once confirmed: the total loses exactly it.
    let deleted = &r["deleted"];
    let gone = day(SPEND[1].0).to_string();
    assert!(
        r["deleteConfirm"].as_str().is_some_and(|m| m.contains(&format!("from {gone} to {gone}"))),
        "{r}"
    );
    assert_eq!((&deleted["query"]["from"], &deleted["query"]["to"]), (&json!(gone), &json!(gone)));
    assert_eq!((&deleted["status"], &deleted["body"]["days"]), (&json!(200), &json!(1)), "{deleted}");
    assert_eq!(deleted["said"], format!("Deleted 1 day of spend, {gone} to {gone}."));
    assert_eq!(deleted["total"], cents(total - SPEND[1].3));
    assert_eq!(r["settingsCurrency"], "USD");
    let shots = root().join("target/screenshots");
    for page in [
        "spend-preview-error",
        "spend-imported",
        "report-money",
        "call-value",
        "overview-money",
        "settings-money",
    ] {
        assert!(shots.join(format!("dashboard-{page}.png")).exists(), "screenshot {page}");
    }
}
