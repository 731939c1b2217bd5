//! Asking the edge for a lease, with a hard timeout. JSON is built and read through the
//! browser's own `JSON` object rather than serde: that keeps the widget's download small.

use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestInit, Response, Window};

/// After this long without an answer the page keeps its own number.
const TIMEOUT_MS: i32 = 1500;

#[derive(Clone)]
pub struct Grant {
    /// Tracking number, E.164.
    pub number: String,
    /// Business number it replaces, E.164.
    pub replaces: String,
    pub lease_id: String,
}

fn set(obj: &Object, key: &str, value: &str) -> Result<(), JsValue> {
    Reflect::set(obj, &key.into(), &value.into()).map(|_| ())
}

fn get_string(obj: &JsValue, key: &str) -> Result<String, JsValue> {
    Reflect::get(obj, &key.into())?.as_string().ok_or(JsValue::NULL)
}

/// The body of `POST /v1/lease`: site, visitor, utm tags, referrer and landing page.
fn body(window: &Window, site: &str, visitor: &str) -> Result<String, JsValue> {
    let obj = Object::new();
    set(&obj, "site", site)?;
    set(&obj, "visitor", visitor)?;
    let location = window.location();
    let href = location.href()?;
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

/// POSTs `body` (JSON text) to the edge with a hard timeout; the answer's status and JSON.
async fn post(window: &Window, url: &str, body: &str) -> Result<(u16, JsValue), JsValue> {
    let controller = AbortController::new()?;
    let abort = Closure::once_into_js({
        let controller = controller.clone();
        move || controller.abort()
    });
    let timer =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), TIMEOUT_MS)?;
    let init = RequestInit::new();
    init.set_method("POST");
    // text/plain keeps this a "simple" CORS request: no preflight round trip.
    let headers = web_sys::Headers::new()?;
    headers.set("content-type", "text/plain;charset=UTF-8")?;
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(body));
    init.set_signal(Some(&controller.signal()));
    init.set_credentials(web_sys::RequestCredentials::Omit);
    let result = async {
        let resp: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await?.dyn_into()?;
        let json = JsFuture::from(resp.json()?).await?;
        Ok((resp.status(), json))
    }
    .await;
    window.clear_timeout_with_handle(timer);
    result
}

fn grant_of(json: &JsValue) -> Result<Grant, JsValue> {
    Ok(Grant {
        number: get_string(json, "number")?,
        replaces: get_string(json, "replaces")?,
        lease_id: get_string(json, "lease_id")?,
    })
}

/// A new lease (or the visitor's current one) for this page view.
pub async fn request(window: &Window, edge_base: &str, site: &str, visitor: &str) -> Result<Grant, JsValue> {
    let (status, json) = post(window, &format!("{edge_base}v1/lease"), &body(window, site, visitor)?).await?;
    if status != 200 {
        return Err(JsValue::NULL);
    }
    grant_of(&json)
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

pub async fn renew(window: &Window, edge_base: &str, body: &str) -> Result<Renewal, JsValue> {
    match post(window, &format!("{edge_base}v1/lease/renew"), body).await?.0 {
        200 => Ok(Renewal::Extended),
        404 | 410 => Ok(Renewal::Ended),
        _ => Err(JsValue::NULL),
    }
}
