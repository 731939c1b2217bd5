//! Asking the edge for a lease, with a hard timeout. JSON is built and read through the
//! browser's own `JSON` object rather than serde: that keeps the widget's download small.

use crate::config::Config;
use alloc::string::String;
use alloc::vec::Vec;
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestInit, Response, Window};

#[derive(Clone)]
pub struct Grant {
    /// Tracking number, E.164.
    pub number: String,
    /// Business number it replaces, E.164.
    pub replaces: String,
    /// `None` for a test override: nothing to renew or release.
    pub lease_id: Option<String>,
    /// The site's other business numbers with tracking numbers of their own.
    pub others: Vec<String>,
    /// For the site's main business number (asked without `business_number`).
    pub main: bool,
    /// How long to keep the visitor's id (the site's setting), in seconds.
    pub visitor_lifetime_secs: i64,
}

impl Grant {
    /// `?ringtrace_number=`: one of the site's own tracking numbers to show in place of the
    /// business number it stands in for, for a site owner checking their setup. The edge
    /// must confirm it is the site's (nobody can show their own number through a link).
    /// Nothing is leased.
    pub async fn test_override(window: &Window, number: &str, config: &Config) -> Result<Grant, JsValue> {
        let query = js_sys::encode_uri_component(number).as_string().unwrap_or_default();
        let url = config.url(&crate::cat(&["v1/widget/", &config.site, "?number=", &query]));
        let (status, json) = send(window, config, &url, None).await?;
        if status != 200 {
            config.debug("the test number is not one of this site's tracking numbers");
            return Err(JsValue::NULL);
        }
        let grant = Grant {
            number: get_string(&json, "number")?,
            replaces: get_string(&json, "replaces")?,
            lease_id: None,
            others: Vec::new(),
            main: true,
            visitor_lifetime_secs: 0,
        };
        config.debug(&crate::cat(&["test override: showing ", &grant.number]));
        Ok(grant)
    }
}

fn set(obj: &Object, key: &str, value: &str) -> Result<(), JsValue> {
    Reflect::set(obj, &key.into(), &value.into()).map(|_| ())
}

fn get_string(obj: &JsValue, key: &str) -> Result<String, JsValue> {
    Reflect::get(obj, &key.into())?.as_string().ok_or(JsValue::NULL)
}

/// The body of `POST /v1/lease`: site, visitor, utm tags, referrer and landing page, and
/// which business number (when not the main one).
fn body(window: &Window, site: &str, visitor: &str, business: Option<&str>) -> Result<String, JsValue> {
    let obj = Object::new();
    set(&obj, "site", site)?;
    set(&obj, "visitor", visitor)?;
    if let Some(b) = business {
        set(&obj, "business_number", b)?;
    }
    let location = window.location();
    // The page's address without its fragment (which may hold tokens, and is not a source).
    let href = crate::cat(&[&location.origin()?, &location.pathname()?, &location.search()?]);
    let params = web_sys::UrlSearchParams::new_with_str(&location.search()?)?;
    for tag in ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"] {
        if let Some(v) = params.get(tag) {
            set(&obj, tag, &v)?;
        }
    }
    if let Some(doc) = window.document() {
        let referrer = doc.referrer();
        if !referrer.is_empty() {
            set(&obj, "referrer", &referrer)?;
        }
    }
    set(&obj, "landing_page", &href)?;
    JSON::stringify(&obj)?.as_string().ok_or(JsValue::NULL)
}

/// POSTs `body` (JSON text; GET without one) to the edge with the configured timeout; the
/// answer's status and JSON.
async fn send(
    window: &Window,
    config: &Config,
    url: &str,
    body: Option<&str>,
) -> Result<(u16, JsValue), JsValue> {
    let controller = AbortController::new()?;
    // Kept until the request ends, then dropped: one closure per request, freed.
    let abort = Closure::once({
        let controller = controller.clone();
        move || controller.abort()
    });
    let timer = window.set_timeout_with_callback_and_timeout_and_arguments_0(
        abort.as_ref().unchecked_ref(),
        config.timeout_ms,
    )?;
    let init = RequestInit::new();
    if let Some(body) = body {
        init.set_method("POST");
        // text/plain keeps this a "simple" CORS request: no preflight round trip.
        let headers = web_sys::Headers::new()?;
        headers.set("content-type", "text/plain;charset=UTF-8")?;
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(body));
    }
    init.set_signal(Some(&controller.signal()));
    init.set_credentials(web_sys::RequestCredentials::Omit);
    let result = async {
        let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await?.dyn_into()?;
        let json = JsFuture::from(resp.json()?).await?;
        Ok((resp.status(), json))
    }
    .await;
    window.clear_timeout_with_handle(timer);
    drop(abort);
    result
}

/// A new lease (or the visitor's current one) for this page view, for the site's main
/// business number or `business`.
pub async fn request(
    window: &Window,
    config: &Config,
    visitor: &str,
    business: Option<&str>,
) -> Result<Grant, JsValue> {
    let body = body(window, &config.site, visitor, business)?;
    let (status, json) = send(window, config, &config.url("v1/lease"), Some(&body)).await?;
    if status != 200 {
        config.debug("no tracking number from the edge: the page keeps its number");
        return Err(JsValue::NULL);
    }
    let grant = Grant {
        number: get_string(&json, "number")?,
        replaces: get_string(&json, "replaces")?,
        lease_id: Some(get_string(&json, "lease_id")?),
        others: Reflect::get(&json, &"other_business_numbers".into())
            .ok()
            .and_then(|v| v.dyn_into::<js_sys::Array>().ok())
            .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
            .unwrap_or_default(),
        main: business.is_none(),
        visitor_lifetime_secs: Reflect::get(&json, &"visitor_lifetime_secs".into())
            .ok()
            .and_then(|v| v.as_f64())
            .map_or(0, |v| v as i64),
    };
    config.debug(&crate::cat(&["showing ", &grant.number, " in place of ", &grant.replaces]));
    Ok(grant)
}

/// `{"site", "visitor", "lease_id"}`: the body of renew and release.
pub fn lease_ref(site: &str, visitor: &str, lease_id: &str) -> Result<String, JsValue> {
    let obj = Object::new();
    set(&obj, "site", site)?;
    set(&obj, "visitor", visitor)?;
    set(&obj, "lease_id", lease_id)?;
    JSON::stringify(&obj)?.as_string().ok_or(JsValue::NULL)
}

/// What a heartbeat learned about the lease.
pub enum Renewal {
    Extended,
    /// The lease ended (expired while the page was hidden, or unknown): ask for a new one.
    Ended,
}

pub async fn renew(window: &Window, config: &Config, body: &str) -> Result<Renewal, JsValue> {
    match send(window, config, &config.url("v1/lease/renew"), Some(body)).await?.0 {
        200 => Ok(Renewal::Extended),
        404 | 410 => Ok(Renewal::Ended),
        _ => Err(JsValue::NULL),
    }
}
