//! Stand-ins on loopback ports: a customer's site, a CRM receiving webhooks, an edge that fails.

use crate::process::root;
use std::net::TcpListener;

/// A small HTTP server on a free loopback port for the suites' stand-ins (a customer's site,
/// a CRM, a broken edge): `handle` answers each connection until dropped — one at a time
/// ([`LocalServer::spawn`]) or each on its own thread ([`LocalServer::spawn_each`]).
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

    /// [`LocalServer::spawn`] for a server a browser talks to: each connection on its own
    /// thread, read for at most 10 s. Chromium may open a connection it sends nothing on (a
    /// preconnect); a server reading that one would keep the page's real requests waiting
    /// until the browser gives up.
    fn spawn_each(handle: impl Fn(std::net::TcpStream) + Send + Sync + 'static) -> LocalServer {
        let handle = std::sync::Arc::new(handle);
        LocalServer::spawn(move |stream| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                handle(stream);
            });
        })
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
        let server = LocalServer::spawn_each(move |mut stream| {
            let mut request = [0u8; 4096];
            if !matches!(stream.read(&mut request), Ok(n) if n > 0) {
                return;
            }
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

/// Reads one HTTP request from `stream`: its headers and body (at most 1 MiB, as text).
/// A request as a stand-in reads it: its target (path and query), headers and body.
type Request = (String, Vec<(String, String)>, String);

fn read_request(stream: &std::net::TcpStream) -> Option<Request> {
    use std::io::{BufRead, BufReader, Read};
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut headers = Vec::new();
    let mut line = String::new();
    let _ = reader.read_line(&mut line); // request line: `POST /path?query HTTP/1.1`
    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
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
    let mut body = vec![0u8; length.min(1 << 20)];
    let _ = reader.read_exact(&mut body);
    Some((target, headers, String::from_utf8_lossy(&body).into_owned()))
}

/// One request a [`WebhookReceiver`] got.
#[derive(Debug, Clone)]
pub struct ReceivedHook {
    /// The request's path and query (`/hooks/ringtrace`, `/mp/collect?measurement_id=…`).
    pub target: String,
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

/// A site's CRM (or an ad platform's endpoint: GA4, Meta): records every request POSTed to
/// it, answering 500 to the first `failures` and 200 after, until dropped.
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
        use std::io::Write;
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = received.clone();
        // One request at a time, in order: "the first request" and the failures count by it.
        let server = LocalServer::spawn(move |mut stream| {
            let Some((target, headers, body)) = read_request(&stream) else { return };
            if let Some(hold) = hold_first.filter(|_| log.lock().map(|l| l.is_empty()).unwrap_or(false)) {
                std::thread::sleep(hold);
            }
            let mut all = log.lock().expect("receiver log");
            let answered = if all.len() < failures { 500 } else { 200 };
            all.push(ReceivedHook { target, headers, body, answered });
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

/// A CRM answering caller-identification requests: `answer` gets each request's body and
/// says what to reply (status, body) and how long to wait first. Each connection is answered
/// on its own thread (a slow answer holds up no other call); every request is kept.
pub struct IdentifyingCrm {
    pub url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<ReceivedHook>>>,
    _server: LocalServer,
}

impl IdentifyingCrm {
    pub fn start(
        answer: impl Fn(&str) -> (u16, String, std::time::Duration) + Send + Sync + 'static,
    ) -> IdentifyingCrm {
        use std::io::Write;
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = received.clone();
        let server = LocalServer::spawn_each(move |mut stream| {
            let Some((target, headers, body)) = read_request(&stream) else { return };
            let (status, reply, wait) = answer(&body);
            if let Ok(mut all) = log.lock() {
                all.push(ReceivedHook { target, headers, body, answered: status });
            }
            std::thread::sleep(wait);
            let response = format!(
                "HTTP/1.1 {status} Status\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                reply.len()
            );
            let _ = stream.write_all(response.as_bytes());
        });
        IdentifyingCrm {
            url: format!("http://127.0.0.1:{}/identify", server.port),
            received,
            _server: server,
        }
    }

    pub fn received(&self) -> Vec<ReceivedHook> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
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
        let server = LocalServer::spawn_each(move |mut stream| {
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
