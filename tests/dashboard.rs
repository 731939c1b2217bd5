//! The dashboard in Debian's Chromium (Playwright, `tests/pages/dashboard.mjs`) against
//! `wrangler dev` seeded with a few hundred calls across channels: signing in, the overview's
//! numbers against the API, filters changing the table, the URL and the CSV, sorting, a call's
//! attribution, settings saved and refused (extension numbers and caller identification among
//! them), the extension numbers on the Numbers page. Screenshots of every page at desktop and
//! phone widths land in `target/screenshots/`.

use ringtrace_tests::{root, Edge, EdgeApi};
use serde_json::Value;
use std::process::Command;

#[tokio::test]
async fn a_marketer_signs_in_reads_the_overview_filters_exports_and_opens_a_call() {
    let edge = Edge::start().await;
    assert_eq!(edge.import_calls("demo", &edge.demo_token, 300, 7)["imported"], 300);
    let shots = root().join("target/screenshots");
    let out = Command::new("node")
        .arg(root().join("tests/pages/dashboard.mjs"))
        .args([&edge.base, "demo", &edge.demo_token])
        .arg(&shots)
        .current_dir(root())
        .output()
        .expect("run node tests/pages/dashboard.mjs");
    assert!(out.status.success(), "dashboard.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let r: Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("JSON from dashboard.mjs");
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
