//! The widget's rules in a real browser (headless Chromium, `wasm-bindgen-test`): the number
//! matcher and formatter as compiled for the widget (no_std), and the DOM rules of a swap.

use ringtrace_widget::swap::swap_tree;
use shared::{replace_all, PhoneNumber};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Document, Element, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn n(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).expect("a valid number")
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
    let (from, to) = (n("+15550100100"), n("+15550100123"));
    for (before, after) in [
        ("(555) 010-0100", "(555) 010-0123"),
        ("555.010.0100", "555.010.0123"),
        ("+1 555 010 0100", "+1 555 010 0123"),
        ("1-555-010-0100", "1-555-010-0123"),
    ] {
        assert_eq!(replace_all(before, &from, &to).as_deref(), Some(after));
    }
    assert_eq!(replace_all("(555) 010-0101", &from, &to), None, "another number");
    let (uk, uk2) = (n("+44 20 7946 0958"), n("+44 20 7946 0000"));
    assert_eq!(replace_all("020 7946 0958", &uk, &uk2).as_deref(), Some("020 7946 0000"));
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
    let pairs = [(n("+15550100100"), n("+15550100123"))];
    let changed = swap_tree(&document(), &root, &pairs, &["aria-label".to_string()]);
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
    assert_eq!(swap_tree(&document(), &root, &pairs, &["aria-label".to_string()]), 0);
    root.remove();
}
