//! The typed client of the edge API (same origin) and the signed-in session.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::wire::{ErrorBody, IdentificationTest, IdentificationTestBody};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const SESSION_KEY: &str = "ringtrace_dashboard_session";

/// A site id and the API token that opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub site: String,
    pub token: String,
}

/// The tab's own storage: the token is forgotten when the tab closes.
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

impl Session {
    pub fn restore() -> Option<Session> {
        let raw = storage()?.get_item(SESSION_KEY).ok().flatten()?;
        serde_json::from_str(&raw).ok()
    }

    pub fn remember(&self) {
        if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(self)) {
            let _ = s.set_item(SESSION_KEY, &json);
        }
    }

    pub fn forget() {
        if let Some(s) = storage() {
            let _ = s.remove_item(SESSION_KEY);
        }
    }

    /// `/v1/sites/{site}{path}`.
    fn url(&self, path: &str) -> String {
        format!("/v1/sites/{}{path}", js_sys::encode_uri_component(&self.site))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The token does not open this site.
    Unauthorized,
    /// The edge refused the request and said why.
    Refused(String),
    /// The edge refused one field of the document sent (`lease_minutes`, `pool[2].region`).
    Field { field: String, message: String },
    /// The edge could not be reached or answered nonsense.
    Unreachable(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Unauthorized => f.write_str("That site id and token do not match."),
            ApiError::Refused(m) | ApiError::Field { message: m, .. } => f.write_str(m),
            ApiError::Unreachable(m) => write!(f, "Could not reach the ringtrace edge: {m}"),
        }
    }
}

fn js_err(e: JsValue) -> ApiError {
    ApiError::Unreachable(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// A request's body and its content type.
struct Body {
    content_type: &'static str,
    text: String,
}

impl Body {
    fn json(text: String) -> Option<Body> {
        Some(Body { content_type: "application/json", text })
    }
}

/// Sends a request with the session's token; the answer's status and text.
async fn send(
    session: &Session,
    method: &str,
    path: &str,
    body: Option<Body>,
) -> Result<(u16, String), ApiError> {
    let window = web_sys::window().ok_or_else(|| ApiError::Unreachable("no window".into()))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(js_err)?;
    headers.set("authorization", &format!("Bearer {}", session.token)).map_err(js_err)?;
    if let Some(body) = body {
        headers.set("content-type", body.content_type).map_err(js_err)?;
        init.set_body(&JsValue::from_str(&body.text));
    }
    init.set_headers(&headers);
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&session.url(path), &init))
        .await
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    let status = resp.status();
    let text = JsFuture::from(resp.text().map_err(js_err)?).await.map_err(js_err)?;
    Ok((status, text.as_string().unwrap_or_default()))
}

fn answer<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    match status {
        200 => serde_json::from_str::<T>(body).map_err(|e| ApiError::Unreachable(e.to_string())),
        401 => Err(ApiError::Unauthorized),
        _ => Err(serde_json::from_str::<ErrorBody>(body)
            .map(|b| match b.error.field {
                Some(field) => ApiError::Field { field, message: b.error.message },
                None => ApiError::Refused(b.error.message),
            })
            .unwrap_or_else(|_| ApiError::Unreachable(format!("HTTP {status}")))),
    }
}

/// `GET /v1/sites/{site}{path_and_query}` as JSON.
pub async fn get<T: DeserializeOwned>(session: &Session, path_and_query: &str) -> Result<T, ApiError> {
    let (status, body) = send(session, "GET", path_and_query, None).await?;
    answer(status, &body)
}

/// `PATCH /v1/sites/{site}{path}` with `body` as JSON; the answer as JSON.
pub async fn patch<T: DeserializeOwned>(
    session: &Session,
    path: &str,
    body: &impl Serialize,
) -> Result<T, ApiError> {
    let (status, text) = send(session, "PATCH", path, Body::json(json_body(body)?)).await?;
    answer(status, &text)
}

/// `POST /v1/sites/{site}{path}` with an empty body (an action: close a session); the answer
/// as JSON.
pub async fn post<T: DeserializeOwned>(session: &Session, path: &str) -> Result<T, ApiError> {
    let (status, text) = send(session, "POST", path, None).await?;
    answer(status, &text)
}

/// `POST /v1/sites/{site}{path}` with `text` as `content_type` (an upload: a spend CSV sent
/// as the marketer wrote it); the answer as JSON.
pub async fn post_text<T: DeserializeOwned>(
    session: &Session,
    path: &str,
    content_type: &'static str,
    text: String,
) -> Result<T, ApiError> {
    let (status, answer_text) = send(session, "POST", path, Some(Body { content_type, text })).await?;
    answer(status, &answer_text)
}

/// `DELETE /v1/sites/{site}{path_and_query}`; the answer as JSON.
pub async fn delete<T: DeserializeOwned>(session: &Session, path_and_query: &str) -> Result<T, ApiError> {
    let (status, text) = send(session, "DELETE", path_and_query, None).await?;
    answer(status, &text)
}

/// `body` as the JSON text a request sends.
fn json_body(body: &impl Serialize) -> Result<String, ApiError> {
    // Through a `Value`, whose keys are written sorted: the same bytes for the same document,
    // whatever order a body type declares its fields in.
    Ok(serde_json::to_value(body)
        .map_err(|e| ApiError::Refused(format!("The request could not be written: {e}")))?
        .to_string())
}

/// `POST /v1/sites/{site}/settings/caller-identification/test`: a sample request to the CRM
/// the *saved* caller identification asks, and what a call would do with its answer.
pub async fn test_identification(
    session: &Session,
    body: &IdentificationTestBody,
) -> Result<IdentificationTest, ApiError> {
    let path = "/settings/caller-identification/test";
    let (status, text) = send(session, "POST", path, Body::json(json_body(body)?)).await?;
    answer(status, &text)
}

/// Fetches `path_and_query` (a CSV export) and saves it as `file_name` in the browser.
pub async fn download(session: &Session, path_and_query: &str, file_name: &str) -> Result<(), ApiError> {
    let (status, body) = send(session, "GET", path_and_query, None).await?;
    if status != 200 {
        return answer::<()>(status, &body);
    }
    save_text(&body, file_name)
}

/// As [`download`], the file saved byte for byte: for a file another system reads (Google
/// Ads' upload template starts with its `Parameters:` line, not a byte-order mark).
pub async fn download_exact(
    session: &Session,
    path_and_query: &str,
    file_name: &str,
) -> Result<(), ApiError> {
    let (status, body) = send(session, "GET", path_and_query, None).await?;
    if status != 200 {
        return answer::<()>(status, &body);
    }
    save_file(&body, file_name)
}

/// Saves `text` as a CSV file named `file_name` in the browser, for a spreadsheet.
pub fn save_text(text: &str, file_name: &str) -> Result<(), ApiError> {
    // A byte-order mark, so spreadsheets read the file as UTF-8 (names, keywords, accents).
    save_file(&format!("\u{feff}{text}"), file_name)
}

/// Saves `text` as it is, as a CSV file named `file_name`.
fn save_file(text: &str, file_name: &str) -> Result<(), ApiError> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js_err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_err)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| ApiError::Unreachable("no document".into()))?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(js_err)?.unchecked_into();
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    // Not revoked at once: some browsers read the URL after `click()` returns. It lives as long
    // as the tab, like the file the marketer just saved.
    Ok(())
}

/// `ws:` for a page served over `http:`, `wss:` over `https:`.
fn socket_scheme(protocol: &str) -> &'static str {
    if protocol.eq_ignore_ascii_case("https:") {
        "wss:"
    } else {
        "ws:"
    }
}

/// The WebSocket URL of `/v1/sites/{site}{path_and_query}`: on the API's origin (the page's
/// own, as for every request here), `ws://` or `wss://` as the page is served.
pub fn socket_url(session: &Session, path_and_query: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = socket_scheme(&location.protocol().ok()?);
    Some(format!("{scheme}//{}{}", location.host().ok()?, session.url(path_and_query)))
}

/// Query string pairs, encoded.
pub fn query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            format!(
                "{}={}",
                js_sys::encode_uri_component(k).as_string().unwrap_or_default(),
                js_sys::encode_uri_component(v).as_string().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_stream_is_secure_when_the_page_is() {
        assert_eq!(socket_scheme("https:"), "wss:");
        assert_eq!(socket_scheme("http:"), "ws:");
    }
}
