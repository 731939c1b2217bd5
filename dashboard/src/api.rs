//! The typed client of the edge API (same origin) and the signed-in session.

use js_sys::Promise;
use serde::{Deserialize, Serialize};
use shared::api::{CallView, CallsPage, ErrorBody};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const SESSION_KEY: &str = "ringtrace_dashboard_session";

/// A site id and the API token that opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub site: String,
    pub token: String,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The token does not open this site.
    Unauthorized,
    /// The edge answered with an error it explained.
    Refused(String),
    /// The edge could not be reached or answered nonsense.
    Unreachable(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Unauthorized => f.write_str("That site id and token do not match."),
            ApiError::Refused(m) => f.write_str(m),
            ApiError::Unreachable(m) => write!(f, "Could not reach the ringtrace edge: {m}"),
        }
    }
}

fn js_err(e: JsValue) -> ApiError {
    ApiError::Unreachable(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

async fn text_of(promise: Result<Promise, JsValue>) -> Result<String, ApiError> {
    let value = JsFuture::from(promise.map_err(js_err)?).await.map_err(js_err)?;
    value.as_string().ok_or_else(|| ApiError::Unreachable("body is not text".into()))
}

/// `GET /v1/sites/{site}/calls`, newest first.
pub async fn calls(session: &Session) -> Result<Vec<CallView>, ApiError> {
    let window = web_sys::window().ok_or_else(|| ApiError::Unreachable("no window".into()))?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    let headers = web_sys::Headers::new().map_err(js_err)?;
    headers.set("authorization", &format!("Bearer {}", session.token)).map_err(js_err)?;
    init.set_headers(&headers);
    let url = format!("/v1/sites/{}/calls?per_page=200", js_sys::encode_uri_component(&session.site));
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .map_err(js_err)?
        .dyn_into()
        .map_err(js_err)?;
    let status = resp.status();
    let body = text_of(resp.text()).await?;
    match status {
        200 => serde_json::from_str::<CallsPage>(&body)
            .map(|p| p.calls)
            .map_err(|e| ApiError::Unreachable(e.to_string())),
        401 | 404 => Err(ApiError::Unauthorized),
        _ => Err(serde_json::from_str::<ErrorBody>(&body)
            .map(|b| ApiError::Refused(b.error.message))
            .unwrap_or_else(|_| ApiError::Unreachable(format!("HTTP {status}")))),
    }
}
