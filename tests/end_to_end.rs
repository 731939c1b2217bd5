//! The whole loop in a real browser: the widget swaps the number on the demo page, a Twilio
//! webhook calls it, the call is attributed and shows in the dashboard.

use fantoccini::{Client, Locator};
use ringtrace_tests::{demo_calls, eventually, twilio_voice, Browser, Edge, EdgeApi, HostSite};

const BUSINESS_HEADER: &str = "(555) 010-0100";

async fn text(page: &Client, css: &str) -> String {
    page.find(Locator::Css(css)).await.expect(css).text().await.expect("text")
}

/// Opens the demo page and waits until the widget has swapped the header's number.
async fn visit(page: &Client, url: &str) -> String {
    page.goto(url).await.expect("open demo page");
    eventually(15, "the widget to swap the number", || async {
        let t = text(page, "#header-phone").await;
        (t != BUSINESS_HEADER).then_some(t)
    })
    .await
}

#[tokio::test]
async fn number_swaps_call_is_attributed_and_shows_in_dashboard() {
    let edge = Edge::start().await;
    let mut browser = Browser::start().await;
    let page = browser.session().await;

    // The ad platforms' tags set their cookies on the site (GA4's `_ga`, Meta's `_fbp`): the
    // widget passes them, with the ad click's id, for conversions sent back later.
    page.goto(&edge.url("/v1/health")).await.expect("open the site's origin");
    page.execute("document.cookie = '_ga=GA1.1.987654321.1700000000; path=/'; document.cookie = '_fbp=fb.1.1700000000000.555; path=/'", vec![])
        .await
        .expect("set the ad platforms' cookies");
    visit(&page, &edge.url("/?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=Cj0KCQ_e2e")).await;
    let grant_number = {
        // Every occurrence now shows one pool number, each in its original format.
        let header = text(&page, "#header-phone").await;
        let digits: String = header.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(digits.len(), 10, "header shows a national number: {header}");
        let (area, mid, last) = (&digits[..3], &digits[3..6], &digits[6..]);
        assert!(digits.starts_with("55501002"), "{header} is a demo pool number");
        assert_eq!(header, format!("({area}) {mid}-{last}"));
        assert_eq!(text(&page, "#body-phone").await, format!("{area}.{mid}.{last}"));
        assert_eq!(text(&page, "#intl-phone").await, format!("+1 {area} {mid} {last}"));
        assert_eq!(text(&page, "#footer-phone").await, format!("+1 {area} {mid} {last}"));
        assert_eq!(text(&page, "#call-link").await, format!("Tap to call ({area}) {mid}-{last}"));
        let link = page.find(Locator::Css("#call-link")).await.expect("link");
        assert_eq!(
            link.attr("href").await.expect("href").as_deref(),
            Some(format!("tel:+1{digits}").as_str())
        );
        // The widget keeps to itself: no globals of its own on the host page.
        let leaked = page
            // `typeof` also sees top-level `let`/`const`, which are not properties of `window`.
            .execute("return [typeof wasm_bindgen, typeof start, typeof __wbg_init]", vec![])
            .await
            .expect("inspect globals");
        assert_eq!(leaked, serde_json::json!(["undefined", "undefined", "undefined"]), "globals leaked");
        let source = page.source().await.expect("page source");
        assert!(!source.contains("010-0100") && !source.contains("+15550100100"), "no original number left");
        format!("+1{digits}")
    };

    let (status, twiml) =
        twilio_voice(&edge, "CAe2e00000000000000000000000000001", "+15557654321", &grant_number).await;
    assert_eq!(status, 200);
    assert!(twiml.contains(">+15550100100</Number>"), "{twiml}");
    let calls = demo_calls(&edge).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["to"], grant_number.as_str());
    assert_eq!(calls[0]["source"], "google");
    assert_eq!(calls[0]["medium"], "cpc");
    assert_eq!(calls[0]["campaign"], "spring");
    assert_eq!(calls[0]["region"], "Austin, Texas, US", "wrangler dev's fallback request.cf");
    let detail = ringtrace_tests::demo_call_detail(&edge, "CAe2e00000000000000000000000000001").await;
    let ids = &detail["attribution"]["source"]["ad_ids"];
    assert_eq!(
        (ids["gclid"].as_str(), ids["ga_client_id"].as_str(), ids["fbp"].as_str()),
        (Some("Cj0KCQ_e2e"), Some("987654321.1700000000"), Some("fb.1.1700000000000.555")),
        "the click id and the ad cookies reach the call: {detail}"
    );

    // The visitor's lease, as the edge knows it (asking again returns the live lease).
    let visitor =
        page.execute("return localStorage.getItem('ringtrace_vid')", vec![]).await.expect("visitor id");
    let visitor = visitor.as_str().expect("the widget keeps a visitor id").to_string();
    let lease: serde_json::Value = edge.lease(&serde_json::json!({"site": "demo", "visitor": visitor})).await;
    assert_eq!(lease["number"], grant_number.as_str(), "the page's lease is the visitor's live lease");

    // The dashboard, signed in with the demo token, lists that call. Leaving the demo page
    // releases its lease (sendBeacon on pagehide).
    page.goto(&edge.url("/dashboard/")).await.expect("open dashboard");
    let renew_body =
        serde_json::json!({"site": "demo", "visitor": visitor, "lease_id": lease["lease_id"]}).to_string();
    eventually(10, "the lease to be released when the page was left", || async {
        let resp = edge.post_renew(&renew_body).try_send().await.ok()?;
        (resp.status() == 410).then_some(())
    })
    .await;
    let token_input = eventually(20, "the sign-in form", || async {
        page.find(Locator::Css("input[name=token]")).await.ok()
    })
    .await;
    token_input.send_keys(&edge.demo_token).await.expect("type token");
    page.find(Locator::Css("button[type=submit]")).await.expect("submit").click().await.expect("click");
    eventually(20, "the overview after signing in", || async {
        page.find(Locator::Css(".stats")).await.ok()
    })
    .await;
    page.find(Locator::Css("nav.tabs a[href^='#/calls']"))
        .await
        .expect("Calls tab")
        .click()
        .await
        .expect("click");
    let row = eventually(20, "the call row in the dashboard", || async {
        page.find(Locator::Css("tr[data-call-sid='CAe2e00000000000000000000000000001']")).await.ok()
    })
    .await;
    let row_text = row.text().await.expect("row text");
    let (area, rest) = (&grant_number[2..5], &grant_number[5..]);
    let readable_number = format!("({area}) {}-{}", &rest[..3], &rest[3..]);
    for expected in [
        readable_number.as_str(),
        "(555) 765-4321",
        "paid search",
        "google / cpc",
        "spring",
        "Austin, Texas, US",
    ] {
        assert!(row_text.contains(expected), "dashboard row {row_text:?} lacks {expected:?}");
    }

    // A second visitor, in a fresh browser profile, gets another number.
    let second = browser.session().await;
    let other_header = visit(&second, &edge.url("/?utm_source=facebook&utm_medium=paid_social")).await;
    let other_digits: String = other_header.chars().filter(char::is_ascii_digit).collect();
    assert_ne!(format!("+1{other_digits}"), grant_number, "two live visitors never share a number");

    // And the first visitor, reloading, keeps theirs.
    let again = visit(&page, &edge.url("/")).await;
    assert_eq!(again.chars().filter(char::is_ascii_digit).collect::<String>(), &grant_number[2..]);

    page.close().await.expect("close first browser");
    second.close().await.expect("close second browser");
}

/// A customer's page on another origin with `body` and the widget pasted in its head, the
/// way a site owner does; anything thrown into the page is recorded in `window.__errors`.
fn customer_site(edge: &Edge, site: &str, body: &str) -> HostSite {
    HostSite::serve(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
           <script>window.__errors = [];
             addEventListener('error', e => __errors.push(String(e.message)));
             addEventListener('unhandledrejection', e => __errors.push(String(e.reason)));</script>
           <script async src="{}/widget.js" data-site="{site}"></script></head>
           <body>{body}</body></html>"#,
        edge.base
    ))
}

async fn thrown(page: &Client) -> serde_json::Value {
    page.execute("return window.__errors", vec![]).await.expect("read errors")
}

#[tokio::test]
async fn the_widget_works_pasted_on_another_origin_and_fails_quietly() {
    let edge = Edge::start().await;
    let mut browser = Browser::start().await;
    let body = r#"<p id="n">Call (555) 010-0100</p><a id="l" href="tel:555-010-0100">call</a>
                  <p id="other">Fax (555) 010-0101</p>
                  <div data-ringtrace-noswap><span id="kept">(555) 010-0100</span></div>
                  <textarea id="ta">(555) 010-0100</textarea>"#;

    // A known site: the widget's wasm and the lease are fetched cross-origin and the page
    // swaps, except where it must not.
    let shop = customer_site(&edge, "demo", body);
    let page = browser.session().await;
    page.goto(&shop.url).await.expect("open the customer's page");
    let swapped = eventually(15, "the swap on another origin", || async {
        let t = text(&page, "#n").await;
        (t != "Call (555) 010-0100").then_some(t)
    })
    .await;
    assert!(swapped.starts_with("Call (555) 010-02"), "{swapped}");
    let href = page.find(Locator::Css("#l")).await.expect("link").attr("href").await.expect("href");
    let digits: String = swapped.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(href, Some(format!("tel:{}-{}-{}", &digits[..3], &digits[3..6], &digits[6..])));
    assert_eq!(text(&page, "#other").await, "Fax (555) 010-0101", "a different number stays");
    assert_eq!(text(&page, "#kept").await, "(555) 010-0100", "data-ringtrace-noswap is respected");
    let textarea =
        page.find(Locator::Css("#ta")).await.expect("textarea").prop("value").await.expect("value");
    assert_eq!(textarea.as_deref(), Some("(555) 010-0100"), "form fields are never touched");
    assert_eq!(thrown(&page).await, serde_json::json!([]));
    page.close().await.expect("close");

    // An unknown site: the lease fails (404); every number stays as printed, nothing thrown.
    let misconfigured = customer_site(&edge, "no-such-site", body);
    let page = browser.session().await;
    page.goto(&misconfigured.url).await.expect("open the customer's page");
    // Give the widget ample time to load, ask, and (wrongly) swap.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(text(&page, "#n").await, "Call (555) 010-0100");
    let href = page.find(Locator::Css("#l")).await.expect("link").attr("href").await.expect("href");
    assert_eq!(href.as_deref(), Some("tel:555-010-0100"));
    assert_eq!(thrown(&page).await, serde_json::json!([]), "nothing thrown into the host page");
    page.close().await.expect("close");
}
