//! The widget's rules in a real browser (headless Chromium, `wasm-bindgen-test`): the
//! known-number matcher as compiled for the widget (no_std), the DOM rules of a swap, and the
//! functions `widget.js` calls, with the arguments it passes.

use phone::{swap_text, Shown, Where};
use ringtrace_widget::{line_of, shows, swap};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Document, Element, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Every printing of `from` in `text` written as `to` (numbers as the edge sends them).
fn replace_all(text: &str, from: &str, to: &str) -> Option<String> {
    let pair = (Shown::from_dialled(from).expect("a number"), Shown::from_dialled(to).expect("a number"));
    swap_text(text, &[pair], Where::Text { label: "ext." })
}

fn document() -> Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// A fresh element in the page's body with `html` inside.
fn fixture(html: &str) -> Element {
    let doc = document();
    let root = doc.create_element("div").expect("div");
    root.set_inner_html(html);
    doc.body().expect("body").append_child(&root).expect("append");
    root
}

fn text(root: &Element, selector: &str) -> String {
    root.query_selector(selector).ok().flatten().and_then(|e| e.text_content()).unwrap_or_default()
}

#[wasm_bindgen_test]
fn the_matcher_keeps_each_format_in_the_browser_build() {
    let (from, to) = ("+15550100100", "+15550100123");
    for (before, after) in [
        ("(555) 010-0100", "(555) 010-0123"),
        ("555.010.0100", "555.010.0123"),
        ("+1 555 010 0100", "+1 555 010 0123"),
        ("1-555-010-0100", "1-555-010-0123"),
    ] {
        assert_eq!(replace_all(before, from, to).as_deref(), Some(after));
    }
    assert_eq!(replace_all("(555) 010-0101", from, to), None, "another number");
    let (uk, uk2) = ("+442079460958", "+442079460000");
    assert_eq!(replace_all("020 7946 0958", uk, uk2).as_deref(), Some("020 7946 0000"));
    assert_eq!(replace_all("+44 (0)20 7946 0958", uk, uk2).as_deref(), Some("+44 (0)20 7946 0000"));
}

#[wasm_bindgen_test]
fn a_swap_changes_what_it_must_and_nothing_else() {
    let root = fixture(
        r#"<p id="plain">Call (555) 010-0100 now</p>
           <p id="split">Call <b>(555)</b> 010-0100</p>
           <a id="tel" href="tel:(555)%20010-0100" aria-label="Call 555-010-0100" title="555-010-0100">x</a>
           <p id="other">Fax (555) 010-0101</p>
           <div data-ringtrace-noswap><p id="kept">(555) 010-0100</p></div>
           <div contenteditable="true" id="editable">(555) 010-0100</div>
           <div contenteditable="false" id="not-editable">(555) 010-0100</div>
           <input id="field" value="(555) 010-0100">
           <script id="script">var phone = "(555) 010-0100";</script>
           <table><tr><td id="a">555</td><td id="b">010-0100</td></tr></table>"#,
    );
    let pairs = "+15550100100 +15550100123";
    let changed = swap(&root, pairs, "aria-label", "ext.");
    assert_eq!(text(&root, "#plain"), "Call (555) 010-0123 now");
    assert_eq!(text(&root, "#split b"), "(555)", "each piece stays in its element");
    assert_eq!(text(&root, "#split"), "Call (555) 010-0123");
    let link = root.query_selector("#tel").ok().flatten().expect("link");
    assert_eq!(link.get_attribute("href").as_deref(), Some("tel:(555)%20010-0123"), "escapes kept");
    assert_eq!(link.get_attribute("aria-label").as_deref(), Some("Call 555-010-0123"), "opted in");
    assert_eq!(link.get_attribute("title").as_deref(), Some("555-010-0100"), "not opted in");
    assert_eq!(text(&root, "#not-editable"), "(555) 010-0123", "contenteditable=false is page copy");
    // Left alone.
    assert_eq!(text(&root, "#other"), "Fax (555) 010-0101");
    assert_eq!(text(&root, "#kept"), "(555) 010-0100");
    assert_eq!(text(&root, "#editable"), "(555) 010-0100");
    assert_eq!(text(&root, "#script"), r#"var phone = "(555) 010-0100";"#);
    assert_eq!((text(&root, "#a"), text(&root, "#b")), ("555".into(), "010-0100".into()));
    let field: HtmlInputElement =
        root.query_selector("#field").ok().flatten().expect("input").unchecked_into();
    assert_eq!(field.value(), "(555) 010-0100");
    assert_eq!(changed, 5, "plain, split, not-editable, href and aria-label: one per place");
    // A second pass finds nothing left to do.
    assert_eq!(swap(&root, pairs, "aria-label", "ext."), 0);
    root.remove();
}

#[wasm_bindgen_test]
fn printings_with_prefixes_and_longer_digit_strings_in_the_page() {
    let root = fixture(
        r#"<p id="uk">Ring <b>+44 (0)20</b> 7946 0958 or 0044 20 7946 0958</p>
           <p id="order">Order 25550100100, ref 555-010-0100-22</p>
           <p id="two">555-010-0100 or 555.010.0100 ext. 9</p>
           <p id="dash"><span>555</span>&#8211;<span>010</span>&#8211;<span>0100</span></p>
           <a id="escaped" href="tel:%2B1%20555%20010%200100">call</a>"#,
    );
    let pairs = "+15550100100 +15550100123 +442079460958 +442079460000";
    assert_eq!(swap(&root, pairs, "", "ext."), 4, "each line once per pair found in it, and the link");
    assert_eq!(text(&root, "#uk"), "Ring +44 (0)20 7946 0000 or 0044 20 7946 0000");
    assert_eq!(text(&root, "#uk b"), "+44 (0)20", "each piece keeps its digits");
    assert_eq!(text(&root, "#order"), "Order 25550100100, ref 555-010-0100-22", "longer numbers stay");
    assert_eq!(text(&root, "#two"), "555-010-0123 or 555.010.0123 ext. 9");
    assert_eq!(text(&root, "#dash"), "555\u{2013}010\u{2013}0123", "dashes between elements join the line");
    let href = root.query_selector("#escaped").ok().flatten().and_then(|e| e.get_attribute("href"));
    assert_eq!(href.as_deref(), Some("tel:%2B1%20555%20010%200123"));
    root.remove();
}

#[wasm_bindgen_test]
fn two_business_numbers_swap_in_one_pass_and_bad_pairs_are_ignored() {
    let root = fixture(r#"<p id="a">Sales (555) 010-0300</p><p id="b">Service 555-010-0400</p>"#);
    // A pair that does not parse is dropped; the others still apply.
    let pairs = "+15550100300 +15550100301 nonsense +1 +15550100400 +15550100401";
    assert_eq!(swap(&root, pairs, "", "ext."), 2);
    assert_eq!(text(&root, "#a"), "Sales (555) 010-0301");
    assert_eq!(text(&root, "#b"), "Service 555-010-0401");
    // Putting the business numbers back is a swap the other way.
    assert_eq!(swap(&root, "+15550100301 +15550100300 +15550100401 +15550100400", "", "ext."), 2);
    assert_eq!(text(&root, "#a"), "Sales (555) 010-0300");
    assert_eq!(swap(&root, "", "", "ext."), 0, "no pairs: nothing to do");
    root.remove();
}

#[wasm_bindgen_test]
fn an_extension_is_shown_after_the_number_and_keyed_by_tel_links() {
    let root = fixture(
        r#"<p id="plain">Call (555) 010-0100 today</p>
           <p id="split">Call <b>(555)</b> 010-0100</p>
           <a id="tel" href="tel:+15550100100">call</a>
           <a id="encoded" href="tel:(555)%20010-0100">call</a>
           <p id="label" aria-label="Call 555-010-0100">x</p>"#,
    );
    let pairs = "+15550100100 +15550100909,042";
    assert_eq!(swap(&root, pairs, "aria-label", "ext."), 5, "two texts, two links, one attribute");
    assert_eq!(
        text(&root, "#plain"),
        "Call (555) 010-0909 ext. 042 today",
        "the page's format, then the extension"
    );
    assert_eq!(text(&root, "#split"), "Call (555) 010-0909 ext. 042");
    assert_eq!(text(&root, "#split b"), "(555)", "each piece stays in its element");
    let href = |id: &str| root.query_selector(id).ok().flatten().and_then(|e| e.get_attribute("href"));
    assert_eq!(href("#tel").as_deref(), Some("tel:+15550100909,042"), "a phone pauses, then keys it");
    assert_eq!(href("#encoded").as_deref(), Some("tel:(555)%20010-0909,042"), "its format and escapes kept");
    let label = root.query_selector("#label").ok().flatten().and_then(|e| e.get_attribute("aria-label"));
    assert_eq!(label.as_deref(), Some("Call 555-010-0909 ext. 042"));
    assert_eq!(swap(&root, pairs, "aria-label", "ext."), 0, "nothing left to do");
    // The visitor's lease moves to a pool number: the extension goes with the old number.
    assert_eq!(swap(&root, "+15550100909,042 +15550100203", "aria-label", "ext."), 5);
    assert_eq!(text(&root, "#plain"), "Call (555) 010-0203 today");
    assert_eq!(href("#tel").as_deref(), Some("tel:+15550100203"));
    assert_eq!(href("#encoded").as_deref(), Some("tel:(555)%20010-0203"));
    // Another label, another extension.
    assert_eq!(swap(&root, "+15550100203 +15550100909,117", "", "доб."), 4);
    assert_eq!(text(&root, "#plain"), "Call (555) 010-0909 доб. 117 today");
    root.remove();
}

#[wasm_bindgen_test]
fn a_change_is_looked_at_along_its_whole_line() {
    let root =
        fixture(r#"<p id="line">Call <b id="bold">(555)</b> <span>010-0100</span></p><div id="box"></div>"#);
    let bold = root.query_selector("#bold").ok().flatten().expect("b");
    let text_node = bold.first_child().expect("text");
    let line = line_of(&text_node).expect("a line");
    assert_eq!(line.unchecked_ref::<Element>().id(), "line", "from text inside an inline element");
    let block = root.query_selector("#box").ok().flatten().expect("div");
    assert_eq!(line_of(&block).map(|l| l.unchecked_into::<Element>().id()), Some("box".into()));
    root.remove();
}

#[wasm_bindgen_test]
fn a_page_shows_a_number_where_a_swap_would_replace_it_and_the_check_writes_nothing() {
    let root = fixture(
        r#"<p>Sales (555) 010-0300</p><a href="tel:+1-555-010-0400">Call service</a>
           <script>var other = "(555) 010-0500";</script>
           <div data-ringtrace-noswap>(555) 010-0700</div>
           <p title="(555) 010-0800">Hover me</p>
           <svg><text>(555) 010-0900</text></svg>
           <table><tr><td>555</td><td>010-0600</td></tr></table>"#,
    );
    let before = root.inner_html();
    assert!(shows(&root, "+15550100300", ""), "in the text");
    assert!(shows(&root, "+15550100400", ""), "in a tel: link, written in another format");
    assert!(!shows(&root, "+15550100500", ""), "only in a script");
    assert!(!shows(&root, "+15550100700", ""), "only where the site said never to swap");
    assert!(!shows(&root, "+15550100800", ""), "in an attribute not opted into");
    assert!(shows(&root, "+15550100800", "title"), "in an opted-in attribute");
    assert!(!shows(&root, "+15550100600", ""), "split across table cells");
    assert!(!shows(&root, "not a number", ""));
    let svg = root.query_selector("svg").ok().flatten().expect("svg");
    assert!(!shows(&svg, "+15550100900", ""), "an SVG root is asked without error");
    assert_eq!(root.inner_html(), before, "asking changed nothing");
    root.remove();
}
