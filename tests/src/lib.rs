//! Harness for the cross-component suites: a real `wrangler dev` (local KV and SQLite
//! Durable Objects in a throw-away state folder) and a real headless Chromium. Every process
//! a test starts is stopped when its handle drops, panics included.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// A child process started in its own process group, so that it and everything it spawns
/// (wrangler → workerd, chromedriver → chromium) can be stopped together.
struct Group {
    child: Child,
    name: &'static str,
}

/// Process groups started and not yet stopped: what [`stop_all`] stops when a panic cannot
/// unwind (the benchmark binary is built with `panic = "abort"`, which runs no `Drop`).
static LIVE_GROUPS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// Stops every server this process started and has not stopped yet.
pub fn stop_all() {
    let groups = LIVE_GROUPS.lock().map(|mut g| std::mem::take(&mut *g)).unwrap_or_default();
    for id in groups {
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{id}")]).stderr(Stdio::null()).status();
    }
}

/// Makes a panic stop this process's servers first (for binaries that abort on panic).
pub fn stop_servers_on_panic() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        stop_all();
        default(info);
    }));
}

impl Group {
    fn spawn(name: &'static str, cmd: &mut Command) -> Group {
        cmd.process_group(0).stdin(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e} (run `make test`, which installs it)"));
        if let Ok(mut live) = LIVE_GROUPS.lock() {
            live.push(child.id());
        }
        Group { child, name }
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .args([sig, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.running() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of the group (children that ignored TERM) goes too.
        self.signal("-KILL");
        let _ = self.child.wait();
        if let Ok(mut live) = LIVE_GROUPS.lock() {
            live.retain(|id| *id != self.child.id());
        }
        let _ = self.name;
    }
}

/// `wrangler dev` serving the built product, with the demo site seeded.
pub struct Edge {
    pub base: String,
    /// The demo site's dashboard token (from edge/.dev.vars).
    pub demo_token: String,
    pub admin_token: String,
    /// The demo site's Twilio auth token: webhooks are signed with it.
    pub twilio_token: String,
    state: PathBuf,
    log: PathBuf,
    /// `--var` arguments, kept for a restart.
    vars: Vec<String>,
    process: Option<Group>,
}

/// `edge/wrangler.toml` without its `[build]` section, for the suites: the product is built
/// before they run, and wrangler dev's watcher must not rebuild and restart the worker in the
/// middle of a test when a source file's time changes. Written beside the original (paths in
/// it are relative), under a name git ignores; atomically, as suites start in parallel.
fn test_config() -> PathBuf {
    static WRITTEN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    WRITTEN.get_or_init(write_test_config).clone()
}

fn write_test_config() -> PathBuf {
    let edge = root().join("edge");
    let original = std::fs::read_to_string(edge.join("wrangler.toml")).expect("edge/wrangler.toml");
    let mut in_build = false;
    let kept: Vec<&str> = original
        .lines()
        .filter(|line| {
            let t = line.trim();
            if t.starts_with('[') {
                in_build = t == "[build]";
            }
            !in_build
        })
        .collect();
    let path = edge.join(".wrangler-test.toml");
    let tmp = edge.join(format!(".wrangler-test.toml.{}", std::process::id()));
    std::fs::write(&tmp, kept.join("\n")).expect("write the suites' wrangler config");
    std::fs::rename(&tmp, &path).expect("place the suites' wrangler config");
    path
}

/// `--var` arguments: signatures checked whatever a developer's .dev.vars says, CRM retries
/// quick, no proxy settings; then `overrides`.
fn worker_vars(overrides: &[(&str, &str)]) -> Vec<String> {
    let mut vars = vec![
        ("TWILIO_SIGNATURES", "on"),
        ("WEBHOOK_RETRY_BASE_MS", "300"),
        ("PUBLIC_URL", ""),
        ("TRUST_FORWARDED_HEADERS", "off"),
    ];
    for (k, v) in overrides {
        vars.retain(|(name, _)| name != k);
        vars.push((k, v));
    }
    vars.iter().flat_map(|(k, v)| ["--var".to_string(), format!("{k}:{v}")]).collect()
}

fn dev_var(name: &str) -> String {
    let vars = std::fs::read_to_string(root().join("edge/.dev.vars"))
        .expect("edge/.dev.vars exists (scripts/setup.sh creates it)");
    vars.lines()
        .find_map(|l| l.trim().strip_prefix(name)?.strip_prefix('=').map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("{name} is set in edge/.dev.vars"))
}

impl Edge {
    /// Starts wrangler dev on a free port with fresh local storage and seeds the demo site.
    pub async fn start() -> Edge {
        Edge::start_with(&[]).await
    }

    /// Like [`Edge::start`], with worker variables set (`("PUBLIC_URL", "https://…")`).
    /// A start that fails (another process took the free port between our check and
    /// wrangler's bind, with many suites starting at once) is tried again on a new port.
    pub async fn start_with(vars: &[(&str, &str)]) -> Edge {
        let mut attempt = 1;
        loop {
            let mut edge = Edge::spawn(vars);
            if edge.wait_healthy().await {
                edge.seed();
                return edge;
            }
            if attempt == 3 {
                panic!("wrangler dev did not become healthy; its log:\n{}", edge.log_tail());
            }
            eprintln!(
                "wrangler dev did not start (attempt {attempt}); trying another port:\n{}",
                edge.log_tail()
            );
            drop(edge);
            attempt += 1;
        }
    }

    fn spawn(vars: &[(&str, &str)]) -> Edge {
        let root = root();
        assert!(
            root.join("edge/build/index.js").exists() && root.join("dist/widget.js").exists(),
            "the product is not built: run `make test`, which builds it first"
        );
        let port = free_port();
        let unique = format!("{}-{port}", std::process::id());
        let mut edge = Edge {
            base: format!("http://127.0.0.1:{port}"),
            demo_token: dev_var("DEMO_API_TOKEN"),
            admin_token: dev_var("ADMIN_TOKEN"),
            twilio_token: dev_var("DEMO_TWILIO_AUTH_TOKEN"),
            state: std::env::temp_dir().join(format!("ringtrace-state-{unique}")),
            log: std::env::temp_dir().join(format!("ringtrace-wrangler-{unique}.log")),
            vars: worker_vars(vars),
            process: None,
        };
        edge.launch(port);
        edge
    }

    /// Starts `wrangler dev` on `port` over this edge's state folder, appending to its log.
    fn launch(&mut self, port: u16) {
        let log_file =
            std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("open wrangler log");
        let mut cmd = Command::new(root().join("node_modules/.bin/wrangler"));
        cmd.args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .arg("--config")
            .arg(test_config())
            .args(["--inspector-port", &free_port().to_string()])
            .arg("--persist-to")
            .arg(&self.state)
            .arg("--show-interactive-dev-session=false")
            .args(&self.vars)
            .current_dir(root().join("edge"))
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .stdout(log_file.try_clone().expect("clone log handle"))
            .stderr(log_file);
        self.base = format!("http://127.0.0.1:{port}");
        self.process = Some(Group::spawn("wrangler dev", &mut cmd));
    }

    /// Kills `wrangler dev` and its workerd at once (`SIGKILL`, as a crash or a lost machine
    /// would), then starts it again over the same stored state, on the same port if it is
    /// free. Requests in flight meanwhile fail.
    pub async fn crash_and_restart(&mut self) {
        if let Some(process) = self.process.take() {
            process.signal("-KILL");
            drop(process);
        }
        let mut port: u16 =
            self.base.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(free_port);
        for attempt in 1..=3 {
            self.launch(port);
            if self.wait_healthy().await {
                return;
            }
            eprintln!("wrangler dev did not restart (attempt {attempt}):\n{}", self.log_tail());
            drop(self.process.take());
            port = free_port();
        }
        panic!("wrangler dev did not restart; its log:\n{}", self.log_tail());
    }

    fn seed(&self) {
        let seeded = Command::new("node")
            .arg(root().join("scripts/seed-demo.mjs"))
            .arg(&self.base)
            .output()
            .expect("run node scripts/seed-demo.mjs");
        assert!(seeded.status.success(), "seeding failed: {}", String::from_utf8_lossy(&seeded.stderr));
    }

    /// Whether `/v1/health` answered before wrangler exited or two minutes passed.
    async fn wait_healthy(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(120);
        let client = reqwest::Client::new();
        loop {
            if let Ok(r) = client.get(format!("{}/v1/health", self.base)).send().await {
                if r.status().is_success() {
                    return true;
                }
            }
            let alive = self.process.as_mut().is_some_and(Group::running);
            if !alive || Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The end of wrangler's output, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Everything wrangler and the worker logged so far.
    pub fn log_tail_all(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// How many site Durable Objects have storage on disk (one SQLite file each).
    pub fn stored_site_objects(&self) -> usize {
        let dir = self.state.join("v3/do/ringtrace-SiteObject");
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .filter(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.ends_with(".sqlite") && name != "metadata.sqlite"
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        drop(self.process.take());
        let _ = std::fs::remove_dir_all(&self.state);
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Chromium flags that work on a machine with no network beyond loopback.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    // A person's browser does not set navigator.webdriver; the widget ignores those that do.
    "--disable-blink-features=AutomationControlled",
    // Nor does it say "HeadlessChrome", which the widget also takes for a crawler.
    "--user-agent=Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
];

/// ChromeDriver driving Debian's Chromium; each `session` is a fresh browser profile, i.e.
/// a new visitor.
pub struct Browser {
    url: String,
    profiles: Vec<PathBuf>,
    process: Option<Group>,
}

impl Browser {
    pub async fn start() -> Browser {
        let port = free_port();
        let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let mut cmd = Command::new(driver);
        cmd.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        let mut browser = Browser {
            url: format!("http://127.0.0.1:{port}"),
            profiles: Vec::new(),
            process: Some(Group::spawn("chromedriver", &mut cmd)),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = reqwest::Client::new();
        while client.get(format!("{}/status", browser.url)).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            assert!(browser.process.as_mut().is_some_and(Group::running), "chromedriver exited");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        browser
    }

    /// A new browser with an empty profile: no cookies, no storage — a first-time visitor.
    pub async fn session(&mut self) -> fantoccini::Client {
        let profile =
            std::env::temp_dir().join(format!("ringtrace-chromium-{}-{}", std::process::id(), free_port()));
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        self.profiles.push(profile);
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), serde_json::json!({ "binary": binary, "args": args }));
        fantoccini::ClientBuilder::native()
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("start a Chromium session")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        drop(self.process.take());
        for p in &self.profiles {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// Polls `check` until it yields a value or `secs` pass.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {secs}s waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Posts Twilio's voice webhook (form-encoded) for a call; returns the status and TwiML.
pub async fn twilio_voice(edge: &Edge, call_sid: &str, from: &str, to: &str) -> (u16, String) {
    let params = [
        ("CallSid", call_sid),
        ("AccountSid", "ACtest"),
        ("From", from),
        ("To", to),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
    ];
    twilio_post(edge, "/v1/telephony/twilio/voice", &params).await
}

/// POSTs a Twilio webhook signed as Twilio signs it (`X-Twilio-Signature` over the URL and
/// the sorted parameters, with the demo site's auth token).
pub async fn twilio_post(edge: &Edge, path_and_query: &str, params: &[(&str, &str)]) -> (u16, String) {
    let signature = twilio_signature_for(edge, path_and_query, params);
    let resp = twilio_request(edge, path_and_query, params, Some(&signature)).await;
    (resp.status().as_u16(), resp.text().await.unwrap_or_default())
}

/// The signature Twilio would send for this request.
pub fn twilio_signature_for(edge: &Edge, path_and_query: &str, params: &[(&str, &str)]) -> String {
    let owned: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    shared::twilio_signature(&edge.twilio_token, &edge.url(path_and_query), &owned)
}

/// A signed Twilio webhook to the edge at `base` (which may be down: then 0), signed with
/// `token`; the status.
pub async fn twilio_post_to(base: &str, token: &str, path_and_query: &str, params: &[(&str, &str)]) -> u16 {
    let owned: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let url = format!("{base}{path_and_query}");
    let signature = shared::twilio_signature(token, &url, &owned);
    let body: String =
        params.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
    let client =
        reqwest::Client::builder().timeout(std::time::Duration::from_secs(8)).build().expect("client");
    let sent = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", signature)
        .body(body)
        .send()
        .await;
    sent.map_or(0, |r| r.status().as_u16())
}

/// A form POST to a Twilio endpoint with the given signature header (or none).
pub async fn twilio_request(
    edge: &Edge,
    path_and_query: &str,
    params: &[(&str, &str)],
    signature: Option<&str>,
) -> reqwest::Response {
    let body: String =
        params.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
    // Twilio waits 15 s for an answer; a telephony answer must never wait on anything slow.
    let client =
        reqwest::Client::builder().timeout(std::time::Duration::from_secs(8)).build().expect("client");
    let mut req = client
        .post(edge.url(path_and_query))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(sig) = signature {
        req = req.header("x-twilio-signature", sig);
    }
    req.send().await.expect("post a Twilio webhook")
}

/// Percent-encodes a form value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The demo site's calls, as the calls API returns them.
pub async fn demo_calls(edge: &Edge) -> Vec<serde_json::Value> {
    let resp = reqwest::Client::new()
        .get(edge.url("/v1/sites/demo/calls"))
        .bearer_auth(&edge.demo_token)
        .send()
        .await
        .expect("get calls");
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.expect("calls JSON");
    body["calls"].as_array().cloned().unwrap_or_default()
}

/// A small HTTP server on a free loopback port for the suites' stand-ins (a customer's site,
/// a CRM, a broken edge): `handle` answers each connection, one at a time, until dropped.
struct LocalServer {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LocalServer {
    fn spawn(mut handle: impl FnMut(std::net::TcpStream) + Send + 'static) -> LocalServer {
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local server");
        let port = listener.local_addr().expect("address").port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    handle(stream);
                }
            }
        });
        LocalServer { port, stop, thread: Some(thread) }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A customer's website on another origin: serves one HTML page for every request, until
/// dropped. It stands for the site a widget is pasted on.
pub struct HostSite {
    pub url: String,
    _server: LocalServer,
}

impl HostSite {
    pub fn serve(html: String) -> HostSite {
        use std::io::{Read, Write};
        let server = LocalServer::spawn(move |mut stream| {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                html.len()
            );
            let _ = stream.write_all(response.as_bytes());
        });
        // `localhost`, not 127.0.0.1: another origin than the edge, as a customer's site is.
        HostSite { url: format!("http://localhost:{}/", server.port), _server: server }
    }
}

impl Edge {
    /// The demo site's setup as `make dev` seeds it (edge/demo/site.json with its token), to
    /// change and `put_site` again.
    pub fn demo_setup(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(root().join("edge/demo/site.json")).expect("edge/demo/site.json");
        let mut site: serde_json::Value = serde_json::from_str(&text).expect("site.json is JSON");
        site["api_token"] = serde_json::json!(self.demo_token);
        site
    }

    /// `PUT /v1/sites/{site}` with the admin token.
    pub async fn put_site(&self, site: &str, body: &serde_json::Value) -> reqwest::Response {
        reqwest::Client::new()
            .put(self.url(&format!("/v1/sites/{site}")))
            .bearer_auth(&self.admin_token)
            .json(body)
            .send()
            .await
            .expect("put site")
    }

    /// `POST /v1/lease` (as the widget sends it, `text/plain`); the answer's JSON.
    pub async fn lease(&self, body: &serde_json::Value) -> serde_json::Value {
        reqwest::Client::new()
            .post(self.url("/v1/lease"))
            .header("content-type", "text/plain;charset=UTF-8")
            .body(body.to_string())
            .send()
            .await
            .expect("lease")
            .json()
            .await
            .expect("lease JSON")
    }
}

/// One request a [`WebhookReceiver`] got.
#[derive(Debug, Clone)]
pub struct ReceivedHook {
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The status it was answered with.
    pub answered: u16,
}

impl ReceivedHook {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A site's CRM: records every webhook POSTed to it, answering 500 to the first `failures`
/// and 200 after, until dropped.
pub struct WebhookReceiver {
    pub url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<ReceivedHook>>>,
    _server: LocalServer,
}

impl WebhookReceiver {
    pub fn start(failures: usize) -> WebhookReceiver {
        WebhookReceiver::start_holding(failures, None)
    }

    /// Like [`WebhookReceiver::start`]; the first request is held this long before it is
    /// answered (a CRM that hangs).
    pub fn start_holding(failures: usize, hold_first: Option<std::time::Duration>) -> WebhookReceiver {
        use std::io::{BufRead, BufReader, Read, Write};
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = received.clone();
        let server = LocalServer::spawn(move |mut stream| {
            let Ok(clone) = stream.try_clone() else { return };
            let mut reader = BufReader::new(clone);
            let mut headers = Vec::new();
            let mut line = String::new();
            let _ = reader.read_line(&mut line); // request line
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.trim_end().split_once(':') {
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
            let length = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            if let Some(hold) = hold_first.filter(|_| log.lock().map(|l| l.is_empty()).unwrap_or(false)) {
                std::thread::sleep(hold);
            }
            let mut all = log.lock().expect("receiver log");
            let answered = if all.len() < failures { 500 } else { 200 };
            all.push(ReceivedHook { headers, body: String::from_utf8_lossy(&body).into_owned(), answered });
            drop(all);
            let reason = if answered == 200 { "OK" } else { "Internal Server Error" };
            let response =
                format!("HTTP/1.1 {answered} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = stream.write_all(response.as_bytes());
        });
        WebhookReceiver {
            url: format!("http://127.0.0.1:{}/hooks/ringtrace", server.port),
            received,
            _server: server,
        }
    }

    pub fn received(&self) -> Vec<ReceivedHook> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// `GET /v1/sites/demo/calls/{call_sid}`: the call with its events and deliveries.
pub async fn demo_call_detail(edge: &Edge, call_sid: &str) -> serde_json::Value {
    let resp = reqwest::Client::new()
        .get(edge.url(&format!("/v1/sites/demo/calls/{call_sid}")))
        .bearer_auth(&edge.demo_token)
        .send()
        .await
        .expect("get call detail");
    assert_eq!(resp.status(), 200, "call {call_sid} is recorded");
    resp.json().await.expect("call detail JSON")
}

/// How a [`BrokenEdge`] answers the widget's API calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 503 with a JSON error.
    ServerError,
    /// 200 with a body that is not the lease the widget expects.
    Malformed,
    /// Answers only after 5 s (the widget gives up at its timeout).
    Slow,
    /// Closes the connection without answering.
    Hangup,
}

/// The widget's files (from `dist/`) served by a server whose API is broken in one way: the
/// page must keep its numbers and its console must stay clean.
pub struct BrokenEdge {
    pub base: String,
    _server: LocalServer,
}

impl BrokenEdge {
    pub fn serve(failure: Failure) -> BrokenEdge {
        use std::io::{BufRead, BufReader, Write};
        let dist = root().join("dist");
        let server = LocalServer::spawn(move |mut stream| {
            let Ok(clone) = stream.try_clone() else { return };
            let mut reader = BufReader::new(clone);
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 2 {
                line.clear();
            }
            let cors = "access-control-allow-origin: *\r\n";
            let reply = |stream: &mut std::net::TcpStream, status: &str, kind: &str, body: &[u8]| {
                let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: {kind}\r\n{cors}content-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body);
            };
            if path.starts_with("/v1/") {
                match failure {
                    Failure::ServerError => reply(
                        &mut stream,
                        "503 Service Unavailable",
                        "application/json",
                        br#"{"error":{"code":"internal","message":"down"}}"#,
                    ),
                    Failure::Malformed => {
                        reply(&mut stream, "200 OK", "application/json", br#"{"number":42,"#)
                    }
                    Failure::Slow => {
                        // A thread per slow answer, so the page's other requests still flow.
                        std::thread::spawn(move || {
                            std::thread::sleep(std::time::Duration::from_secs(5));
                            let body =
                                br#"{"number":"+15550100299","replaces":"+15550100100","lease_id":"late"}"#;
                            let head = format!(
                                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{cors}content-length: {}\r\nconnection: close\r\n\r\n",
                                    body.len()
                                );
                            let _ = stream.write_all(head.as_bytes());
                            let _ = stream.write_all(body);
                        });
                    }
                    Failure::Hangup => drop(stream),
                }
                return;
            }
            let file = path.trim_start_matches('/').split('?').next().unwrap_or("").to_string();
            let kind = if file.ends_with(".wasm") { "application/wasm" } else { "text/javascript" };
            match std::fs::read(dist.join(&file)).ok().filter(|_| !file.contains("..")) {
                Some(bytes) => reply(&mut stream, "200 OK", kind, &bytes),
                None => reply(&mut stream, "404 Not Found", "text/plain", b"not found"),
            }
        });
        BrokenEdge { base: format!("http://127.0.0.1:{}", server.port), _server: server }
    }
}

/// One of the realistic pages in `tests/pages/`, with the widget's script tag (from
/// `edge_base`, with extra attributes such as `data-attributes="aria-label"`) pasted into its
/// head the way a site owner does.
pub fn page_with_widget(file: &str, edge_base: &str, attributes: &str) -> HostSite {
    let html = std::fs::read_to_string(root().join("tests/pages").join(file)).expect("read the page");
    let tag = format!(r#"<script async src="{edge_base}/widget.js" data-site="demo" {attributes}></script>"#);
    HostSite::serve(html.replace("{{WIDGET}}", &tag))
}

/// Opens `url` in Chromium through Playwright (`tests/pages/check.mjs`), waits `wait_ms`, and
/// returns `{facts, thrown, console, edge}`.
pub fn check_page(url: &str, wait_ms: u64, user_agent: Option<&str>) -> serde_json::Value {
    let mut cmd = Command::new("node");
    cmd.arg(root().join("tests/pages/check.mjs")).arg(url).arg(wait_ms.to_string());
    if let Some(ua) = user_agent {
        cmd.arg(ua);
    }
    let out = cmd.current_dir(root()).output().expect("run node tests/pages/check.mjs");
    assert!(out.status.success(), "check.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("check.mjs printed {stdout:?}: {e}"))
}
