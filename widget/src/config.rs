//! The widget's settings: its script tag's `data-*` attributes and the page URL's test flags.
//!
//! `<script async src=".../widget.js" data-site="demo" data-timeout="1500"
//!  data-attributes="aria-label title data-phone" data-debug></script>`

use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::JsValue;
use web_sys::{Element, Window};

/// Default wait for the edge before the page keeps its own number.
const DEFAULT_TIMEOUT_MS: i32 = 1500;

#[derive(Clone)]
pub struct Config {
    pub site: String,
    /// Where `widget.js` came from, ending in `/`: the edge API lives there.
    pub edge_base: String,
    /// How long to wait for the edge (`data-timeout`, 100–10000 ms).
    pub timeout_ms: i32,
    /// Attributes the site owner wants swapped too (`data-attributes`).
    pub attributes: Vec<String>,
    /// `data-debug` or `?ringtrace_debug`: say in the console what the widget does.
    pub debug: bool,
    /// `?ringtrace_number=+1555…`: show this number without leasing one.
    pub override_number: Option<String>,
}

impl Config {
    pub fn read(window: &Window, script: &Element, edge_base: String) -> Option<Config> {
        let site = script.get_attribute("data-site").filter(|s| !s.is_empty())?;
        let timeout_ms = script
            .get_attribute("data-timeout")
            .and_then(|t| t.trim().parse::<i32>().ok())
            .map_or(DEFAULT_TIMEOUT_MS, |t| t.clamp(100, 10_000));
        let attributes = script
            .get_attribute("data-attributes")
            .map(|a| {
                a.split([' ', ','])
                    .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                    // Never form values, links, sources or event handlers.
                    .filter(|n| {
                        let n = n.to_ascii_lowercase();
                        !(["value", "href", "src", "srcset", "action", "style"].contains(&n.as_str())
                            || n.starts_with("on"))
                    })
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let params =
            window.location().search().ok().and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok());
        let param = |name: &str| params.as_ref().and_then(|p| p.get(name));
        Some(Config {
            site,
            edge_base,
            timeout_ms,
            attributes,
            debug: script.has_attribute("data-debug") || param("ringtrace_debug").is_some(),
            override_number: param("ringtrace_number").filter(|n| !n.is_empty()),
        })
    }

    /// In debug mode, one line in the console about what the widget did.
    pub fn debug(&self, what: &str) {
        if self.debug {
            web_sys::console::info_1(&JsValue::from_str(&crate::cat(&["ringtrace: ", what])));
        }
    }

    pub fn url(&self, path: &str) -> String {
        crate::cat(&[&self.edge_base, path])
    }
}
