//! The DOM methods the widget calls whose web-sys bindings catch exceptions, bound without
//! the catch: they are only ever given selectors and names that cannot make them throw (the
//! widget's own selectors; attribute names checked by `tag_options`), and the exception
//! plumbing (a JS wrapper per method and its Wasm side) would cost the download.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node, NodeList, TreeWalker};

#[wasm_bindgen]
extern "C" {
    /// The page's objects, seen through the methods below.
    type Page;
    #[wasm_bindgen(method, js_name = closest)]
    fn closest(this: &Page, selector: &str) -> Option<Element>;
    #[wasm_bindgen(method, js_name = matches)]
    fn matches(this: &Page, selector: &str) -> bool;
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    fn query_selector_all(this: &Page, selector: &str) -> NodeList;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute(this: &Page, name: &str, value: &str);
    #[wasm_bindgen(method, js_name = createTreeWalker)]
    fn create_tree_walker(this: &Page, root: &Node, what_to_show: u32) -> TreeWalker;
    #[wasm_bindgen(method, js_name = nextNode)]
    fn next_node(this: &Page) -> Option<Node>;
}

fn page(object: &JsValue) -> &Page {
    object.unchecked_ref()
}

/// `element.closest(selector)`.
pub fn closest(element: &Element, selector: &str) -> Option<Element> {
    page(element).closest(selector)
}

/// `element.matches(selector)`.
pub fn matches(element: &Element, selector: &str) -> bool {
    page(element).matches(selector)
}

/// `element.querySelectorAll(selector)`.
pub fn query_selector_all(element: &Element, selector: &str) -> NodeList {
    page(element).query_selector_all(selector)
}

/// `element.setAttribute(name, value)`.
pub fn set_attribute(element: &Element, name: &str, value: &str) {
    page(element).set_attribute(name, value)
}

/// `document.createTreeWalker(root, whatToShow)`.
pub fn create_tree_walker(document: &Document, root: &Node, what_to_show: u32) -> TreeWalker {
    page(document).create_tree_walker(root, what_to_show)
}

/// `walker.nextNode()`.
pub fn next_node(walker: &TreeWalker) -> Option<Node> {
    page(walker).next_node()
}
