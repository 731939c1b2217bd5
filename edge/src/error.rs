//! The one place errors become HTTP answers. Handlers return `Result<Response, EdgeError>`
//! and use `?`; the router answers an [`EdgeError`] in its endpoint's [`Dialect`].
//!
//! The body is always `{"error": {code, message, field?}}` (`shared::wire::ErrorBody`), with
//! the status `shared::Error::http_status()` names; the dialect decides only the wrapping
//! (CORS for the widget, TwiML for Twilio).

use crate::http::{twiml, with_cors};
use shared::wire::{ErrorBody, ErrorDetail};
use worker::{console_error, Request, Response};

/// Every way a request can fail at the edge or in the site's object.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    /// A caller's mistake or a storage failure, as the core names it.
    #[error(transparent)]
    Core(#[from] shared::Error),
    /// The platform failed (a binding, a JS call, a body that could not be read): logged and
    /// answered 500 `internal` as JSON in every dialect (no CORS header, no TwiML).
    #[error(transparent)]
    Platform(#[from] worker::Error),
    /// A path under `/v1/` that names no endpoint: 404 `not_found`, in every dialect.
    #[error("no such API endpoint")]
    NoEndpoint,
    /// The site's object refused with this status and error body: answered again in the
    /// endpoint's dialect (Twilio's webhooks turn it into TwiML).
    #[error("refused by the site's object ({status}): {}", body.error.message)]
    Refused { status: u16, body: ErrorBody },
    /// An answer the site's object made (its own refusal), sent on as it is.
    #[error("the site's object answered {}", .0.status_code())]
    Relayed(Response),
    /// An endpoint asked with a method it does not take: 405 `method_not_allowed`, with the
    /// methods it takes in `Allow`.
    #[error("this endpoint takes {allow}")]
    MethodNotAllowed { allow: String },
    /// A WebSocket endpoint asked without `Upgrade: websocket`: 426 `upgrade_required`.
    #[error("this endpoint is a WebSocket: connect with Upgrade: websocket")]
    UpgradeRequired,
}

/// A JSON (de)serialisation failure is the platform's, as `worker::Error` has always had it.
impl From<serde_json::Error> for EdgeError {
    fn from(e: serde_json::Error) -> Self {
        EdgeError::Platform(e.into())
    }
}

/// A phone number the caller gave that is not one: 400 `invalid_phone_number`.
impl From<shared::InvalidPhoneNumber> for EdgeError {
    fn from(e: shared::InvalidPhoneNumber) -> Self {
        EdgeError::Core(e.into())
    }
}

/// How a family of endpoints wraps its error answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The API's default: the JSON body with its status and `Cache-Control: no-store`.
    Json,
    /// The widget's endpoints, called from any site's pages: [`Dialect::Json`] plus
    /// `Access-Control-Allow-Origin: *` so the widget's script can read it. Except a 403 (the
    /// page's origin is not on the site's allow-list): without a CORS header the page's
    /// script cannot read the refusal, and keeps its own number.
    Cors,
    /// Twilio's webhooks: TwiML (what Twilio expects), the message in an XML comment and in
    /// an `x-ringtrace-error` header for its debugger; JSON for a client that asks for it.
    Twilio { wants_json: bool },
}

impl Dialect {
    /// Twilio's dialect for this request (JSON when its `Accept` names it).
    pub fn twilio(req: &Request) -> worker::Result<Self> {
        let wants_json = req.headers().get("accept")?.is_some_and(|a| a.contains("application/json"));
        Ok(Dialect::Twilio { wants_json })
    }
}

impl EdgeError {
    /// The answer to send for this error in `dialect`; internal details are logged, not sent.
    pub fn answer(self, dialect: Dialect) -> worker::Result<Response> {
        match self {
            EdgeError::Core(e) => {
                if let shared::Error::Storage(detail) = &e {
                    match dialect {
                        Dialect::Twilio { .. } => console_error!("telephony storage failure: {detail}"),
                        Dialect::Json | Dialect::Cors => console_error!("storage failure: {detail}"),
                    }
                }
                render(dialect, e.http_status(), &ErrorBody::from(&e))
            }
            EdgeError::Refused { status, body } => render(dialect, status, &body),
            // As a storage failure, so the caller sees the same `internal` answer.
            EdgeError::Platform(e) => EdgeError::Core(storage(e)).answer(Dialect::Json),
            EdgeError::NoEndpoint => not_found(),
            EdgeError::MethodNotAllowed { allow } => {
                let body = ErrorBody {
                    error: ErrorDetail {
                        code: "method_not_allowed".into(),
                        message: format!("this endpoint takes {allow}; see GET /v1/openapi.json"),
                        field: None,
                    },
                };
                let mut resp = render(Dialect::Json, 405, &body)?;
                if !allow.is_empty() {
                    resp.headers_mut().set("allow", &allow)?;
                }
                Ok(resp)
            }
            EdgeError::UpgradeRequired => {
                let body = ErrorBody {
                    error: ErrorDetail {
                        code: "upgrade_required".into(),
                        message: "this endpoint is a WebSocket: connect with Upgrade: websocket".into(),
                        field: None,
                    },
                };
                let mut resp = render(Dialect::Json, 426, &body)?;
                resp.headers_mut().set("upgrade", "websocket")?;
                Ok(resp)
            }
            EdgeError::Relayed(resp) => Ok(resp),
        }
    }
}

fn render(dialect: Dialect, status: u16, body: &ErrorBody) -> worker::Result<Response> {
    match dialect {
        Dialect::Json => {
            let mut resp = Response::from_json(body)?.with_status(status);
            resp.headers_mut().set("Cache-Control", "no-store")?;
            Ok(resp)
        }
        Dialect::Cors if status == 403 => render(Dialect::Json, status, body),
        Dialect::Cors => with_cors(render(Dialect::Json, status, body)?),
        Dialect::Twilio { wants_json: true } => Ok(Response::from_json(body)?.with_status(status)),
        Dialect::Twilio { wants_json: false } => {
            let mut resp = twiml(shared::twilio::error(&body.error.code, &body.error.message), status)?;
            // Header values must be visible ASCII; the body keeps the full message.
            let header: String =
                body.error.message.chars().filter(|c| c.is_ascii() && !c.is_control()).take(300).collect();
            resp.headers_mut().set("x-ringtrace-error", &header)?;
            Ok(resp)
        }
    }
}

/// 404 for a path that names no endpoint (no `Cache-Control`, as it always was).
fn not_found() -> worker::Result<Response> {
    let body = ErrorBody {
        error: ErrorDetail {
            code: "not_found".into(),
            message: "no such API endpoint; see README for the API".into(),
            field: None,
        },
    };
    Ok(Response::from_json(&body)?.with_status(404))
}

/// Maps a platform error into the core's storage error.
pub fn storage(e: impl std::fmt::Display) -> shared::Error {
    shared::Error::Storage(e.to_string())
}
