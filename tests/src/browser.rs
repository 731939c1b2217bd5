//! Debian's Chromium: driven through ChromeDriver (fantoccini), or through Playwright for one page.

use crate::process::{free_port, root, Group};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
