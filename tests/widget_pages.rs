//! The widget on realistic pages (`tests/pages/`), driven by Playwright in Debian's Chromium:
//! what must change changes, in its own format, and what must not stays exactly as printed.

use ringtrace_tests::{check_page, page_with_widget, BrokenEdge, Edge, EdgeApi, Failure};
use serde_json::{json, Value};

/// The demo pool's numbers are +1 555 010 02xx: the digits a swap put in place of 0100.
fn tracking_suffix(text: &str) -> Option<String> {
    let at = text.find("010")?;
    let digits: String = text[at + 3..].chars().filter(char::is_ascii_digit).take(4).collect();
    digits.starts_with("02").then_some(digits)
}

fn clean(result: &Value) {
    assert_eq!(result["thrown"], json!([]), "nothing thrown into the page: {result}");
    // Chromium itself logs every failed HTTP request ("Failed to load resource: … 503");
    // no page can silence that. Anything else in the console would be the widget's.
    let console: Vec<&Value> = result["console"]
        .as_array()
        .map(|m| m.iter().filter(|m| !m.as_str().unwrap_or("").contains("Failed to load resource")).collect())
        .unwrap_or_default();
    assert!(console.is_empty(), "the console stays clean: {result}");
}

#[tokio::test]
async fn a_small_business_page_swaps_every_printing_and_nothing_else() {
    let edge = Edge::start().await;
    // `value`, `onclick` and `SRC` are asked for too: the widget refuses form values, handlers
    // and sources, and what is no attribute name (`a[b]`, `1x`).
    let page = page_with_widget(
        "plumber.html",
        &edge.base,
        r#"data-attributes="aria-label, data-phone value onclick SRC a[b] 1x""#,
    );
    let result = check_page(&page.url, 2500, None);
    clean(&result);
    let f = &result["facts"];
    let header = f["header"].as_str().unwrap_or("");
    let n = tracking_suffix(header).unwrap_or_else(|| panic!("header swapped: {f}"));
    // Each place in its own format.
    assert_eq!(header, format!("(555) 010-{n}"));
    assert_eq!(f["headerHref"], format!("tel:+1555010{n}"));
    assert_eq!(f["headerLabel"], format!("Call us at (555) 010-{n}"), "opted-in attribute");
    assert_eq!(f["copy"], format!("Speak to a plumber now on 555-010-{n}, or text 555.010.{n} any time."));
    assert_eq!(f["intl"], format!("From abroad: +1 555 010 {n}."));
    // Between neighbours that hold digits too (each item is a line of its own).
    assert_eq!(f["hours"], json!(["Open 7 days, 24 hours", format!("Call 555-010-{n}"), "Since 1987"]));
    assert_eq!(f["ctaHref"], format!("tel:555.010.{n}"));
    assert_eq!(f["ctaData"], format!("555010{n}"));
    assert_eq!(f["footer"], format!("Demo Plumbing · 1 Main St · (555) 010-{n}"));
    // Left alone: other numbers, look-alikes, opted-out regions, form fields, editors,
    // scripts, and attributes the site did not opt into.
    assert_eq!(f["other"], "Accounts: (555) 010-0199 · Fax 555-010-0101 · Ref 15550100100-7");
    assert_eq!(f["kept"], "Our old number (555) 010-0100 is kept here on purpose.");
    assert_eq!(
        (f["field"].as_str(), f["fieldAttr"].as_str()),
        (Some("(555) 010-0100"), Some("(555) 010-0100"))
    );
    assert_eq!(f["notes"], "Call (555) 010-0100");
    assert_eq!(f["pick"], "(555) 010-0100");
    assert_eq!(f["editor"], "Draft: (555) 010-0100");
    assert_eq!(f["jsonLd"], r#"{"telephone": "+1-555-010-0100"}"#);
    assert_eq!(f["footerTitle"], "(555) 010-0100", "title was not opted into");
    assert_eq!(result["edge"], json!(["/v1/lease"]), "one lease request per page view");
    // The visitor id is kept for the site's touch lifetime (90 days by default).
    assert_eq!(result["cookies"], json!([{"name": "ringtrace_vid", "days": 90}]));
    assert_eq!(result["storage"], json!(["ringtrace_vid", "ringtrace_vid_until"]));
}

#[tokio::test]
async fn numbers_split_across_inline_elements_are_swapped_piece_by_piece() {
    let edge = Edge::start().await;
    let page = page_with_widget("split.html", &edge.base, "");
    let result = check_page(&page.url, 2500, None);
    clean(&result);
    let f = &result["facts"];
    let bold = f["bold"].as_str().unwrap_or("");
    let n = tracking_suffix(bold).unwrap_or_else(|| panic!("split number swapped: {f}"));
    assert_eq!(bold, format!("Call <b>(555)</b> 010-{n} today"), "each piece keeps its element");
    let (a, b) = (&n[..2], &n[2..]);
    assert_eq!(f["spans"], format!(r#"<span class="area">555</span>-<span>010</span>-<span>{n}</span>"#));
    assert_eq!(
        f["link"],
        format!(r#"<a href="tel:555010{n}"><span>555</span>.<span>010</span>.<span>{n}</span></a>"#)
    );
    assert_eq!(f["styled"], format!("<em>+1</em> <strong>555 010 {a}{b}</strong>"));
    assert_eq!(f["decoy"], "<span>555</span>-010-0101 is someone else", "another number stays");
    assert_eq!(
        f["address"],
        format!("1 Main St, Springfield 12345<br>(555) 010-{n}<br>24/7"),
        "<br> ends a line"
    );
    assert_eq!(
        (f["cellA"].as_str(), f["cellB"].as_str()),
        (Some("555"), Some("010-0100")),
        "table cells are not one line"
    );
}

#[tokio::test]
async fn content_added_later_is_swapped_once_and_the_api_answers() {
    let edge = Edge::start().await;
    let page = page_with_widget("spa.html", &edge.base, "");
    let result = check_page(&page.url, 4000, None);
    clean(&result);
    let f = &result["facts"];
    let number = f["number"].as_str().unwrap_or("");
    assert!(number.starts_with("+155501002"), "ringtrace.number(): {f}");
    let n = &number[8..];
    assert_eq!(f["footer"], format!("Questions? (555) 010-{n}"), "a footer rendered after 2 s");
    assert_eq!(f["lateHref"], format!("tel:(555)%20010-{n}"));
    assert_eq!(f["chat"], format!("Agent: you can also reach us on 555-010-{n}."));
    assert_eq!(f["numberOfBusiness"], number, "ringtrace.number(business) in any format");
    assert_eq!(f["numberOfOther"], "+15550100199", "a number that is not swapped answers itself");
    // The clock re-rendered 30 times: no swap for those, and no loop on the widget's edits.
    assert_eq!(f["swaps"], 2, "one swap for the footer, one for the chat: {f}");
    assert_eq!(f["swapCounts"], json!([2, 1]));
    assert_eq!(f["globals"], json!(["ringtrace"]), "no global but ringtrace (and the page's own)");
    // One dataLayer event, at the first swap (the footer's), for Google Tag Manager.
    assert_eq!(
        f["layer"],
        json!([{"event": "ringtrace_number_swapped", "ringtrace_number": number, "ringtrace_replaces": "+15550100100"}])
    );
}

#[tokio::test]
async fn when_the_edge_fails_the_page_keeps_its_numbers_quietly() {
    for failure in [Failure::ServerError, Failure::Malformed, Failure::Slow, Failure::Hangup] {
        let edge = BrokenEdge::serve(failure);
        let page = page_with_widget("plumber.html", &edge.base, r#"data-attributes="aria-label data-phone""#);
        let result = check_page(&page.url, 2500, None);
        clean(&result);
        let f = &result["facts"];
        assert_eq!(f["header"], "(555) 010-0100", "{failure:?}");
        assert_eq!(f["headerHref"], "tel:+15550100100", "{failure:?}");
        assert_eq!(f["copy"], "Speak to a plumber now on 555-010-0100, or text 555.010.0100 any time.");
        assert_eq!(result["edge"], json!(["/v1/lease"]), "{failure:?}: asked once, then gave up");
        assert_eq!(
            (result["cookies"].clone(), result["storage"].clone()),
            (json!([]), json!([])),
            "nothing stored"
        );
    }
    // The edge entirely unreachable (the script itself cannot load).
    let page = page_with_widget("plumber.html", "http://127.0.0.1:9", "");
    let result = check_page(&page.url, 1000, None);
    assert_eq!(result["thrown"], json!([]));
    assert_eq!(result["facts"]["header"], "(555) 010-0100");
}

#[tokio::test]
async fn a_page_whose_csp_blocks_webassembly_keeps_its_number() {
    let edge = Edge::start().await;
    let page = page_with_widget("csp.html", &edge.base, "");
    let result = check_page(&page.url, 2500, None);
    assert_eq!(result["thrown"], json!([]), "nothing thrown: {result}");
    // Chromium reports the blocked compile itself (one line); the widget adds nothing.
    let console = result["console"].as_array().cloned().unwrap_or_default();
    assert!(console.len() <= 1, "at most the browser's own CSP report: {result}");
    assert!(console.iter().all(|m| m.as_str().unwrap_or("").contains("WebAssembly")), "{result}");
    let f = &result["facts"];
    assert_eq!(f["n"], "Call (555) 010-0100", "the page keeps its number");
    assert_eq!(f["number"], json!(null), "ringtrace.number(): no tracking number");
    assert_eq!(f["business"], "+15550100100", "an E.164 business number answers itself");
    assert_eq!(f["printed"], "+15550100100", "a printed business number answers itself too");
    assert_eq!(f["words"], json!(null));
    assert_eq!(result["edge"], json!([]), "no lease it could not show: WebAssembly is checked first");
    assert_eq!((result["cookies"].clone(), result["storage"].clone()), (json!([]), json!([])));
}

#[tokio::test]
async fn crawlers_get_no_number() {
    let edge = Edge::start().await;
    let page = page_with_widget("plumber.html", &edge.base, "");
    let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    let result = check_page(&page.url, 2000, Some(googlebot));
    clean(&result);
    assert_eq!(result["facts"]["header"], "(555) 010-0100");
    assert_eq!(result["edge"], json!([]), "no lease asked for");
}

#[tokio::test]
async fn two_business_numbers_on_one_page_each_get_their_own_tracking_number() {
    let edge = Edge::start().await;
    let mut setup = edge.demo_setup();
    setup["business_numbers"] = json!(["+1 555 010 0300", "+1 555 010 0400"]);
    let mut pool = setup["pool"].as_array().cloned().unwrap_or_default();
    pool.push(json!({"number": "+1 555 010 0401", "business_number": "+1 555 010 0400"}));
    pool.push(json!({"number": "+1 555 010 0301", "business_number": "+1 555 010 0300"}));
    pool.push(json!({"number": "+1 555 010 0302", "business_number": "+1 555 010 0300"}));
    setup["pool"] = json!(pool);
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let page = page_with_widget("two-lines.html", &edge.base, "");
    let result = check_page(&page.url, 2500, None);
    clean(&result);
    let f = &result["facts"];
    let sales = f["sales_number"].as_str().unwrap_or("");
    let service = f["service_number"].as_str().unwrap_or("");
    assert!(sales.starts_with("+155501002"), "sales from the main pool: {f}");
    assert!(service.starts_with("+155501003") && service != "+15550100300", "service from its pool: {f}");
    assert_eq!(f["sales"], format!("(555) 010-{}", &sales[8..]));
    assert_eq!(f["salesHref"], format!("tel:{sales}"));
    assert_eq!(f["service"], format!("555-010-{}", &service[8..]));
    assert_eq!(f["serviceHref"], format!("tel:+1-555-010-{}", &service[8..]));
    assert_eq!(f["other"], "Head office (not tracked): (555) 010-0500");
    assert_eq!(
        (&f["service_typed"], &f["unswapped"], &f["nonsense"]),
        (&json!(service), &json!("+15550100199"), &Value::Null)
    );
    assert_eq!(
        result["edge"],
        json!(["/v1/lease", "/v1/lease"]),
        "one lease per business number shown (not for one only in a script or split across cells)"
    );
    // A call to the service number reaches the service line.
    let (_, twiml) = ringtrace_tests::twilio_voice(&edge, "CAservice0002", "+15557650070", service).await;
    assert!(twiml.contains(">+15550100300</Number>"), "{twiml}");

    // The visitor's next page asks for both lines in its first request: one round trip.
    let result = check_page(&format!("{}?again=1", page.url), 4000, None);
    clean(&result);
    let sent = result["sent"].as_array().cloned().unwrap_or_default();
    let leases: Vec<Value> = sent
        .iter()
        .filter(|s| s["path"] == "/v1/lease")
        .map(|s| serde_json::from_str(s["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null))
        .collect();
    assert_eq!(leases.len(), 3, "two on the first page, one on the next: {result}");
    assert_eq!(leases[0].get("lines"), None, "a new visitor's first page knows of no other line");
    assert_eq!(leases[2]["lines"], json!(["+15550100300"]), "{}", leases[2]);
    assert_eq!(leases[2]["visitor"], leases[0]["visitor"]);
    let f = &result["facts"];
    let (sales, service) =
        (f["sales_number"].as_str().unwrap_or(""), f["service_number"].as_str().unwrap_or(""));
    assert!(sales.starts_with("+155501002") && service.starts_with("+155501003"), "{f}");
    assert_eq!(f["service"], format!("555-010-{}", &service[8..]));
    assert_eq!(f["sales"], format!("(555) 010-{}", &sales[8..]));
}

#[tokio::test]
async fn a_second_business_number_rendered_later_gets_its_own_tracking_number_then() {
    let edge = Edge::start().await;
    let mut setup = edge.demo_setup();
    setup["business_numbers"] = json!(["+1 555 010 0300"]);
    let mut pool = setup["pool"].as_array().cloned().unwrap_or_default();
    pool.push(json!({"number": "+1 555 010 0301", "business_number": "+1 555 010 0300"}));
    setup["pool"] = json!(pool);
    assert_eq!(edge.put_site("demo", &setup).await.status(), 200);
    let page = page_with_widget("two-lines-late.html", &edge.base, "");
    let result = check_page(&page.url, 3500, None);
    clean(&result);
    let f = &result["facts"];
    let sales = f["sales_number"].as_str().unwrap_or("");
    assert!(sales.starts_with("+155501002"), "sales from the main pool: {f}");
    assert_eq!(f["sales"], format!("(555) 010-{}", &sales[8..]));
    assert_eq!(f["service_number"], "+15550100301", "the service line's own pool: {f}");
    assert_eq!(f["service"], "555-010-0301", "swapped when it appeared, in its format");
    assert_eq!(f["serviceHref"], "tel:+1-555-010-0301");
    assert_eq!(
        result["edge"],
        json!(["/v1/lease", "/v1/lease"]),
        "the second lease only once the page showed the service line"
    );

    // The same through the site owner's own `ringtrace.swap(…)` call, which takes the
    // page's changes from the watcher: they must still get their lease.
    let page = page_with_widget("swap-api.html", &edge.base, "");
    let result = check_page(&page.url, 3500, None);
    clean(&result);
    let f = &result["facts"];
    assert_eq!(f["count"], 1, "the main number swapped by the call itself: {f}");
    assert!(tracking_suffix(f["mainRightAway"].as_str().unwrap_or("")).is_some(), "{f}");
    assert_eq!(f["svc"], "Service 555-010-0301", "then the service line's own number: {f}");
    assert_eq!(f["service_number"], "+15550100301");
    assert_eq!(f["bad"], 0, "a bad selector swaps nothing and throws nothing");
    assert_eq!(result["edge"], json!(["/v1/lease", "/v1/lease"]));
}

#[tokio::test]
async fn a_lease_that_ended_while_away_is_replaced_on_coming_back() {
    let edge = Edge::start().await;
    let page = page_with_widget("lapsed.html", &edge.base, "");
    let result = check_page(&page.url, 4000, None);
    clean(&result);
    assert_eq!(
        result["edge"],
        json!(["/v1/lease", "/v1/lease/release", "/v1/lease/renew", "/v1/lease"]),
        "renewing an ended lease takes a new one: {result}"
    );
    let f = &result["facts"];
    let shown = f["n"].as_str().unwrap_or("");
    let n = tracking_suffix(shown).unwrap_or_else(|| panic!("a tracking number is still shown: {f}"));
    assert_eq!(f["number"], format!("+1555010{n}"), "ringtrace.number() answers what is shown");
    // The new lease has the visitor's number back (it was cooling for them): nothing changed
    // on the page, so no second swap event.
    assert_eq!(f["swaps"].as_array().map(Vec::len), Some(1), "{f}");

    // The same, but the edge refuses the new lease: the business number goes back.
    let page = page_with_widget("lapsed-failing.html", &edge.base, "");
    let result = check_page(&page.url, 4000, None);
    assert_eq!(result["thrown"], json!([]), "{result}");
    let f = &result["facts"];
    assert!(tracking_suffix(f["during"].as_str().unwrap_or("")).is_some(), "swapped at first: {f}");
    assert_eq!(f["n"], "Call (555) 010-0100", "the business number again: {f}");
    assert_eq!(f["href"], "tel:+15550100100");
    assert_eq!(f["number"], json!(null), "no tracking number now");
    // The page's listeners hear of it: the business number is shown again.
    let swaps = f["swaps"].as_array().cloned().unwrap_or_default();
    assert_eq!(swaps.len(), 2, "the first swap and the business number back: {f}");
    assert_eq!(
        (&swaps[1]["number"], &swaps[1]["replaces"]),
        (&json!("+15550100100"), &json!("+15550100100"))
    );
    assert_eq!(result["edge"], json!(["/v1/lease", "/v1/lease/release", "/v1/lease/renew"]), "{result}");
}

#[tokio::test]
async fn a_test_override_shows_one_of_the_sites_numbers_without_leasing_it() {
    let edge = Edge::start().await;
    let page = page_with_widget("plumber.html", &edge.base, "");
    let url = format!("{}?ringtrace_number=%2B15550100205", page.url);
    let result = check_page(&url, 2000, None);
    clean(&result);
    assert_eq!(result["facts"]["header"], "(555) 010-0205");
    assert_eq!(result["facts"]["other"], "Accounts: (555) 010-0199 · Fax 555-010-0101 · Ref 15550100100-7");
    assert_eq!(result["edge"], json!(["/v1/widget/demo"]), "no lease taken");
    // A number that is not the site's cannot be put on its page through a link.
    let url = format!("{}?ringtrace_number=%2B19005550123", page.url);
    let result = check_page(&url, 2000, None);
    clean(&result);
    assert_eq!(result["facts"]["header"], "(555) 010-0100");
    assert_eq!(result["edge"], json!(["/v1/widget/demo"]));
}

#[tokio::test]
async fn coming_back_to_the_tab_renews_the_lease_and_keeps_the_number() {
    let edge = Edge::start().await;
    let page = page_with_widget("heartbeat.html", &edge.base, "");
    let result = check_page(&page.url, 3500, None);
    clean(&result);
    assert_eq!(result["edge"], json!(["/v1/lease", "/v1/lease/renew"]), "{result}");
    let shown = result["facts"]["n"].as_str().unwrap_or("");
    assert!(tracking_suffix(shown).is_some(), "the number stays swapped: {shown}");
}
