//! The edge's HTTP API as the suites call it: one typed helper for each request they repeat.

use crate::edge::Edge;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};
use std::fmt::Display;
use std::future::Future;

/// The requests the suites send, on an [`Edge`] (a fresh HTTP client for each request) or an
/// [`EdgeClient`] (one client a suite set up). Each helper sends exactly what a suite would
/// write by hand and hands back the answer unchecked, unless its name says otherwise.
///
/// The futures borrow nothing (each request is built before it is sent), so they outlive the
/// arguments and can run on other tasks.
pub trait EdgeApi {
    /// `path` (with its query) on the edge.
    fn url(&self, path: &str) -> String;
    /// The operator's `ADMIN_TOKEN`.
    fn admin_token(&self) -> &str;
    /// The HTTP client a request goes out on.
    fn http(&self) -> reqwest::Client;

    /// `method path` with the admin token.
    fn admin_request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http().request(method, self.url(path)).bearer_auth(self.admin_token())
    }

    /// `method /v1/sites/{site}{tail}` with a site's token.
    fn site_request(&self, method: Method, site: &str, tail: &str, token: &str) -> RequestBuilder {
        self.http().request(method, self.url(&format!("/v1/sites/{site}{tail}"))).bearer_auth(token)
    }

    /// `PUT /v1/sites/{site}` with the admin token: a site's whole setup, created or replaced.
    fn put_site(&self, site: &str, body: &Value) -> impl Future<Output = Response> + Send + use<Self> {
        send(self.admin_request(Method::PUT, &format!("/v1/sites/{site}")).json(body), "put site")
    }

    /// [`EdgeApi::put_site`], expecting a 200 with the site's summary (JSON), which it returns.
    fn put_site_ok(&self, site: &str, body: &Value) -> impl Future<Output = Value> + Send + use<Self> {
        let put = self.put_site(site, body);
        let shown = body.to_string();
        async move {
            let resp = put.await;
            assert_eq!(resp.status(), 200, "{shown}");
            resp.json().await.expect("json")
        }
    }

    /// `POST /v1/admin/sites` with the admin token.
    fn create_site(&self, body: &Value) -> impl Future<Output = Response> + Send + use<Self> {
        send(self.admin_request(Method::POST, "/v1/admin/sites").json(body), "create site")
    }

    /// Creates `site` (and expects its 201) with `size` pool numbers `{prefix}0000`, `{prefix}0001`…,
    /// business number `{prefix}0999`, the overflow policy to `{prefix}0998`, a budget of
    /// `per_minute` new leases a minute (high: the pool, not the rate limit, is what a burst
    /// meets) and, if given, the Twilio token its webhooks are signed with. Its token and pool.
    fn create_overflow_site(
        &self,
        site: &str,
        prefix: &str,
        size: usize,
        per_minute: u32,
        twilio_token: Option<&str>,
    ) -> impl Future<Output = (String, Vec<String>)> + Send + use<Self> {
        let pool: Vec<String> = (0..size).map(|i| format!("{prefix}{i:04}")).collect();
        let mut body = json!({"site": site, "business_number": format!("{prefix}0999"), "pool": pool,
                              "exhaustion": "overflow", "overflow_number": format!("{prefix}0998"),
                              "max_new_leases_per_minute": per_minute});
        if let Some(token) = twilio_token {
            body["twilio_auth_token"] = json!(token);
        }
        let created = self.create_site(&body);
        async move {
            let resp = created.await;
            assert_eq!(resp.status(), 201, "site {body}");
            let body: Value = resp.json().await.expect("json");
            (body["api_token"].as_str().expect("token").to_string(), pool)
        }
    }

    /// `GET /v1/sites/{site}/calls{query}`, `query` appended as given (`""`, `"?per_page=50"`).
    fn calls(
        &self,
        site: &str,
        token: &str,
        query: &str,
    ) -> impl Future<Output = Response> + Send + use<Self> {
        send(self.site_request(Method::GET, site, &format!("/calls{query}"), token), "get calls")
    }

    /// `GET /v1/sites/{site}/calls/{call_sid}`: the call with its events and deliveries.
    fn call_detail(
        &self,
        site: &str,
        token: &str,
        call_sid: &str,
    ) -> impl Future<Output = Response> + Send + use<Self> {
        send(self.site_request(Method::GET, site, &format!("/calls/{call_sid}"), token), "get call detail")
    }

    /// `GET /v1/sites/{site}/overview{query}`.
    fn overview(
        &self,
        site: &str,
        token: &str,
        query: &str,
    ) -> impl Future<Output = Response> + Send + use<Self> {
        send(self.site_request(Method::GET, site, &format!("/overview{query}"), token), "get overview")
    }

    /// `GET /v1/sites/{site}/report{query}`.
    fn report(
        &self,
        site: &str,
        token: &str,
        query: &str,
    ) -> impl Future<Output = Response> + Send + use<Self> {
        send(self.site_request(Method::GET, site, &format!("/report{query}"), token), "get report")
    }

    /// `GET /v1/sites/{site}/pool{query}`: the pool report.
    fn pool(
        &self,
        site: &str,
        token: &str,
        query: &str,
    ) -> impl Future<Output = Response> + Send + use<Self> {
        send(self.site_request(Method::GET, site, &format!("/pool{query}"), token), "get pool")
    }

    /// `GET /v1/sites/{site}/settings`.
    fn settings(&self, site: &str, token: &str) -> impl Future<Output = Response> + Send + use<Self> {
        send(self.site_request(Method::GET, site, "/settings", token), "get settings")
    }

    /// `PATCH /v1/sites/{site}/settings` with a JSON body.
    fn patch_settings(
        &self,
        site: &str,
        token: &str,
        body: &Value,
    ) -> impl Future<Output = Response> + Send + use<Self> {
        send(self.site_request(Method::PATCH, site, "/settings", token).json(body), "patch settings")
    }

    /// `POST /v1/sites/{site}/calls/events`: one provider-neutral call event.
    fn call_event(
        &self,
        site: &str,
        token: &str,
        body: &Value,
    ) -> impl Future<Output = Response> + Send + use<Self> {
        send(self.site_request(Method::POST, site, "/calls/events", token).json(body), "post event")
    }

    /// `POST /v1/lease` with `body` as given (JSON or not) and no header yet: see [`LeasePost`].
    fn post_lease(&self, body: impl Display) -> LeasePost {
        self.post_lease_path("/v1/lease", body)
    }

    /// `POST /v1/lease/renew`, like [`EdgeApi::post_lease`].
    fn post_renew(&self, body: impl Display) -> LeasePost {
        self.post_lease_path("/v1/lease/renew", body)
    }

    /// `POST /v1/lease/release`, like [`EdgeApi::post_lease`].
    fn post_release(&self, body: impl Display) -> LeasePost {
        self.post_lease_path("/v1/lease/release", body)
    }

    /// A POST to one of the lease endpoints (`/v1/lease`, `/v1/lease/renew`, `/v1/lease/release`).
    fn post_lease_path(&self, path: &str, body: impl Display) -> LeasePost {
        LeasePost(self.http().post(self.url(path)).body(body.to_string()))
    }

    /// `POST /v1/lease` as the widget sends it; the answer's JSON, which it must be.
    fn lease(&self, body: &Value) -> impl Future<Output = Value> + Send + use<Self> {
        self.post_lease(body).as_widget().json()
    }
}

/// Sends `req`. A read (GET) whose connection `wrangler dev`'s local proxy closed without an
/// answer (seen under the full suite's load, never the worker's own answer) is sent once more,
/// and says so; anything else is the suite's to judge.
async fn send(req: RequestBuilder, what: &'static str) -> Response {
    let again = req
        .try_clone()
        .filter(|r| r.try_clone().and_then(|r| r.build().ok()).is_some_and(|r| r.method() == Method::GET));
    match (req.send().await, again) {
        (Ok(resp), _) => resp,
        (Err(e), Some(again)) if e.is_request() || e.is_connect() => {
            eprintln!("{what}: the connection closed without an answer ({e}); asking again");
            again.send().await.expect(what)
        }
        (Err(e), _) => panic!("{what}: {e:?}"),
    }
}

impl EdgeApi for Edge {
    fn url(&self, path: &str) -> String {
        Edge::url(self, path)
    }

    fn admin_token(&self) -> &str {
        &self.admin_token
    }

    fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }
}

/// An edge's API over one HTTP client a suite set up (a timeout, a larger connection pool,
/// connections shared by a burst). It keeps the edge's address as it was when taken: after
/// [`Edge::crash_and_restart`] (which may move to another port) take a new one.
#[derive(Clone)]
pub struct EdgeClient {
    base: String,
    admin_token: String,
    http: reqwest::Client,
}

impl Edge {
    /// This edge's API over `http` (the same client: its settings and its connections).
    pub fn client_with(&self, http: &reqwest::Client) -> EdgeClient {
        EdgeClient { base: self.base.clone(), admin_token: self.admin_token.clone(), http: http.clone() }
    }
}

impl EdgeApi for EdgeClient {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn admin_token(&self) -> &str {
        &self.admin_token
    }

    fn http(&self) -> reqwest::Client {
        self.http.clone()
    }
}

/// A request to a lease endpoint, with the headers a suite sends beside the body. Without
/// any, it is what a script (not a page) sends: no content type, no origin.
pub struct LeasePost(RequestBuilder);

impl LeasePost {
    /// `Content-Type: text/plain;charset=UTF-8`, as the widget sends it: browsers skip the
    /// CORS preflight for it.
    pub fn as_widget(self) -> LeasePost {
        LeasePost(self.0.header("content-type", "text/plain;charset=UTF-8"))
    }

    /// The `Origin` of the page asking.
    pub fn origin(self, origin: &str) -> LeasePost {
        LeasePost(self.0.header("origin", origin))
    }

    /// The visitor's address, as Cloudflare sets it (`CF-Connecting-IP`).
    pub fn from_ip(self, ip: &str) -> LeasePost {
        LeasePost(self.0.header("cf-connecting-ip", ip))
    }

    /// Miniflare's `MF-CF-Blob`: the request's own `cf` object (country, region, city), as
    /// Cloudflare's network would set it.
    pub fn cf(self, blob: &str) -> LeasePost {
        LeasePost(self.0.header("MF-CF-Blob", blob))
    }

    /// Sends it; the answer, unread.
    pub async fn send(self) -> Response {
        self.0.send().await.expect("post a lease request")
    }

    /// Sends it; the answer, or why none came.
    pub async fn try_send(self) -> reqwest::Result<Response> {
        self.0.send().await
    }

    /// Sends it; the answer, read whole.
    pub async fn answer(self) -> Answer {
        Answer::read(self.send().await).await
    }

    /// Sends it; the status and [`Answer::body`], or `(0, Null)` when no answer came (the edge
    /// was down, or killed in the middle).
    pub async fn outcome(self) -> (u16, Value) {
        match self.0.send().await {
            Ok(resp) => {
                let answer = Answer::read(resp).await;
                (answer.status, answer.body())
            }
            Err(_) => (0, Value::Null),
        }
    }

    /// Sends it; the answer's JSON, which it must be.
    pub async fn json(self) -> Value {
        self.answer().await.json()
    }
}

/// An answer read whole: its status, headers and body.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    /// Reads `resp`'s body (empty if it broke off).
    pub async fn read(resp: Response) -> Answer {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        Answer { status, headers, bytes }
    }

    /// A header's value, if it is there and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The body's JSON, if it is JSON.
    pub fn try_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.bytes).ok()
    }

    /// The body's JSON, which it must be.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!("a {} answer that is not JSON ({e}): {:.300}", self.status, self.text())
        })
    }

    /// The body's JSON, or its text as a JSON string when it is not JSON (wrangler's own error
    /// pages are text): indexing either gives `Null` where a field is missing.
    pub fn body(&self) -> Value {
        self.try_json().unwrap_or_else(|| Value::String(self.text()))
    }
}

/// The demo site's calls, as the calls API returns them.
pub async fn demo_calls(edge: &Edge) -> Vec<Value> {
    let resp = edge.calls("demo", &edge.demo_token, "").await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("calls JSON");
    body["calls"].as_array().cloned().unwrap_or_default()
}

/// Posts one call event for the demo site and expects it accepted.
pub async fn demo_call_event(edge: &Edge, body: &Value) {
    let resp = edge.call_event("demo", &edge.demo_token, body).await;
    let status = resp.status();
    let answer = resp.text().await.unwrap_or_default();
    assert_eq!(status, 200, "{body} → {answer}");
}

/// `GET /v1/sites/demo/calls/{call_sid}`: the call with its events and deliveries.
pub async fn demo_call_detail(edge: &Edge, call_sid: &str) -> Value {
    let resp = edge.call_detail("demo", &edge.demo_token, call_sid).await;
    assert_eq!(resp.status(), 200, "call {call_sid} is recorded");
    resp.json().await.expect("call detail JSON")
}
