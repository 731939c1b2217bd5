//! The API contract (issue 20): the OpenAPI 3.1 document the edge serves at
//! `GET /v1/openapi.json` lists every route of the edge's router and nothing else.

use ringtrace_tests::{root, Edge};
use std::collections::BTreeSet;

/// `(method, path)` of every route `edge/src/router.rs` registers, paths in OpenAPI's form
/// (`:site` → `{site}`), but the `/v1/bench/*` baselines (served only with `BENCH_ROUTES=on`,
/// never in production) and the catch-all that answers unknown endpoints.
fn router_routes() -> BTreeSet<(String, String)> {
    let source = std::fs::read_to_string(root().join("edge/src/router.rs")).expect("router.rs");
    let mut routes = BTreeSet::new();
    for (i, _) in source.match_indices(".") {
        let rest = &source[i + 1..];
        let Some(method) = ["get", "post", "put", "patch", "delete", "options"]
            .into_iter()
            .find(|m| rest.starts_with(&format!("{m}(\"")) || rest.starts_with(&format!("{m}_async(\"")))
        else {
            continue;
        };
        let path = rest.split('"').nth(1).expect("a quoted path");
        if path.starts_with("/v1/bench/") {
            continue;
        }
        let path: Vec<String> = path
            .split('/')
            .map(|s| s.strip_prefix(':').map_or_else(|| s.to_string(), |p| format!("{{{p}}}")))
            .collect();
        routes.insert((method.to_string(), path.join("/")));
    }
    routes
}

fn document_routes(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "post", "put", "patch", "delete", "options", "head", "trace"]
                .contains(&method.as_str())
            {
                routes.insert((method.clone(), path.clone()));
            }
        }
    }
    routes
}

#[tokio::test]
async fn the_served_openapi_document_lists_every_route_and_nothing_else() {
    let edge = Edge::start().await;
    let resp = reqwest::get(edge.url("/v1/openapi.json")).await.expect("get");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap_or("").starts_with("application/json"));
    let doc: serde_json::Value = resp.json().await.expect("JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let in_router = router_routes();
    assert!(in_router.len() > 30, "the router's routes were read: {in_router:?}");
    let documented = document_routes(&doc);
    let undocumented: Vec<_> = in_router.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&in_router).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "in the router only: {undocumented:?}; in the document only: {unrouted:?}"
    );
    // Every operation has an id, and every error it documents is the shared error shape
    // (`{"error": {"code", "message", "field"}}`) or TwiML.
    for (method, path) in &documented {
        let op = &doc["paths"][path][method];
        assert!(op["operationId"].as_str().is_some_and(|id| !id.is_empty()), "{method} {path}");
        let responses = op["responses"].as_object().expect("responses");
        assert!(responses.keys().any(|s| s.starts_with('2') || s == "101"), "{method} {path}: no success");
        for (status, response) in responses.iter().filter(|(s, _)| s.starts_with('4') || s.starts_with('5')) {
            let response = match response["$ref"].as_str() {
                Some(r) => &doc["components"]["responses"][r.rsplit('/').next().unwrap_or("")],
                None => response,
            };
            let schemas: Vec<&str> = response["content"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(_, c)| c["schema"]["$ref"].as_str())
                .collect();
            assert!(
                schemas
                    .iter()
                    .any(|s| ["#/components/schemas/Error", "#/components/schemas/TwiML"].contains(s)),
                "{method} {path} {status}: {schemas:?}"
            );
        }
    }
    // A known path asked with another method: a JSON 405 naming the methods it takes.
    let client = reqwest::Client::new();
    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/v1/health", "GET"),
        (reqwest::Method::GET, "/v1/lease", "OPTIONS, POST"),
        (reqwest::Method::PUT, "/v1/sites/demo/settings", "GET, PATCH"),
        (reqwest::Method::from_bytes(b"QUERY").expect("a method"), "/v1/health", "GET"),
    ] {
        let resp = client.request(method.clone(), edge.url(path)).send().await.expect("request");
        assert_eq!(resp.status(), 405, "{method} {path}");
        assert_eq!(resp.headers().get("allow").and_then(|v| v.to_str().ok()), Some(allow), "{method} {path}");
        let body: serde_json::Value = resp.json().await.expect("a JSON error");
        assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
    }
    // Found by the fuzzer: instants RFC 3339 cannot write (an offset past year 0) are refused,
    // and a range ending at 9999-12-31 answers an RFC 3339 time, not milliseconds.
    let import = client
        .post(edge.url("/v1/sites/demo/calls/import"))
        .bearer_auth(&edge.demo_token)
        .json(
            &serde_json::json!({"calls": [{"call_id": "imp-old", "from": "+15557000001", "to": "+15550100201",
                                             "started_at": "0000-01-01T00:00:00+23:59"}]}),
        )
        .send()
        .await
        .expect("import");
    assert_eq!(import.status(), 400, "{}", import.text().await.unwrap_or_default());
    let report: serde_json::Value = client
        .get(edge.url("/v1/sites/demo/report?group_by=day&from=9999-12-01&to=9999-12-31"))
        .bearer_auth(&edge.demo_token)
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("json");
    assert!(report["to"].as_str().is_some_and(|t| t.starts_with("9999-12-31T")), "{report}");
    println!("{} operations documented, each a route of the router", documented.len());
}

/// How many examples Schemathesis generates per operation: `FUZZ_EXAMPLES`, 20 unless set
/// (`make bench` runs it longer).
fn examples() -> String {
    std::env::var("FUZZ_EXAMPLES")
        .ok()
        .filter(|n| n.parse::<u32>().is_ok_and(|n| n > 0))
        .unwrap_or_else(|| "20".into())
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_nor_an_answer_that_breaks_the_document() {
    use ringtrace_tests::EdgeApi;
    let fuzzer = root().join(".tools/schemathesis/bin/schemathesis");
    assert!(fuzzer.exists(), "Schemathesis is not installed: `make test` installs it (scripts/setup.sh)");
    let edge = Edge::start().await;
    // The fuzzed site (its token is the run's), with pool, extension and masking numbers so
    // every kind of operation has something to act on; the admin operations' own site.
    let created = edge
        .create_site(&serde_json::json!({
            "site": "fuzz", "business_number": "+15550170999",
            "pool": ["+15550170001", "+15550170002", "+15550170003"],
            "masking_numbers": ["+15550170101", "+15550170102"],
            "twilio_auth_token": edge.twilio_token,
        }))
        .await;
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.expect("json");
    let token = created["api_token"].as_str().expect("the site's token").to_string();
    let mut admin_site = edge.demo_setup();
    admin_site["pool"] = serde_json::json!(["+15550171001"]);
    admin_site["business_number"] = serde_json::json!("+15550171999");
    admin_site
        .as_object_mut()
        .expect("setup")
        .retain(|k, _| ["name", "business_number", "pool", "api_token"].contains(&k.as_str()));
    assert_eq!(edge.put_site("fuzz-admin", &admin_site).await.status(), 200);

    let workdir = std::env::temp_dir().join(format!("ringtrace-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).expect("a work folder");
    let started = std::time::Instant::now();
    let run = tokio::process::Command::new(&fuzzer)
        .arg("--config-file")
        .arg(root().join("tests/fuzz/schemathesis.toml"))
        .arg("run")
        .arg(edge.url("/v1/openapi.json"))
        .args(["--url", &edge.url(""), "--max-examples", &examples(), "--workers", "1"])
        // Rules a schema cannot state (a range's order, two different parties, a site with
        // caller identification set up) make valid-looking examples fail: not bugs.
        .args(["--exclude-checks", "positive_data_acceptance", "--no-color"])
        .env("FUZZ_TOKEN", &token)
        .env("ADMIN_TOKEN", &edge.admin_token)
        .current_dir(&workdir)
        .kill_on_drop(true)
        .output()
        .await
        .expect("run schemathesis");
    let _ = std::fs::remove_dir_all(&workdir);
    let out = String::from_utf8_lossy(&run.stdout);
    let summary: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("generated") || l.contains("passed") || l.contains("failed"))
        .collect();
    assert!(
        run.status.success(),
        "Schemathesis found failures:\n{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let log = edge.log_tail_all();
    for sign in ["panicked", "Uncaught", "RuntimeError: unreachable"] {
        assert!(!log.contains(sign), "{sign} in the worker log:\n{log}");
    }
    println!(
        "schemathesis, {} examples per operation, {:.0} s: {}",
        examples(),
        started.elapsed().as_secs_f64(),
        summary.last().map_or("", |l| l.trim())
    );
}
