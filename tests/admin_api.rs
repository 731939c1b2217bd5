//! The operator's admin API: sites created with a generated token shown once, tokens rotated,
//! tracking numbers added and removed — each for the `ADMIN_TOKEN` alone.

use ringtrace_tests::{twilio_voice, Edge, EdgeApi};
use serde_json::{json, Value};

#[tokio::test]
async fn the_operator_creates_a_site_rotates_its_token_and_manages_its_numbers() {
    let edge = Edge::start().await;
    let client = reqwest::Client::new();
    let site = json!({"site": "acme", "name": "Acme Heating", "business_number": "+1 555 010 0500",
                      "pool": ["+15550100501", {"number": "+15550100502", "region": "US-TX"}],
                      "twilio_auth_token": edge.twilio_token});

    // Only the admin token opens the admin API.
    for token in [None, Some("not-the-admin"), Some(edge.demo_token.as_str())] {
        let mut req = client.post(edge.url("/v1/admin/sites")).json(&site);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("post");
        assert_eq!(resp.status(), 401, "{token:?}");
    }

    let resp = edge.create_site(&site).await;
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.expect("json");
    let token = created["api_token"].as_str().expect("a token").to_string();
    assert!(token.starts_with("rt_") && token.len() == 67, "{token}");
    assert_eq!(created["settings"]["pool"].as_array().map(Vec::len), Some(2));
    let calls = |token: &str| edge.calls("acme", token, "");
    assert_eq!(calls(&token).await.status(), 200, "the token opens the site");
    assert_eq!(calls(&edge.demo_token).await.status(), 401, "another site's does not");

    // Creating again never overwrites the site or its token.
    let resp = edge.create_site(&site).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(calls(&token).await.status(), 200);
    for (body, field) in [
        (json!({"site": "Bad Id!", "business_number": "+15550100500", "pool": ["+15550100503"]}), "site"),
        (
            json!({"site": "acme2", "business_number": "+15550100500", "pool": ["+15550100503"],
                "api_token": "my-own-token-0123456789"}),
            "api_token",
        ),
        (json!({"site": "acme2", "business_number": "+15550100500", "pool": ["+15550100201"]}), "pool[0]"),
        (
            json!({"site": "acme2", "business_number": "+15550100500", "pool": ["+15550100503"],
                "lease_minute": 5}),
            "lease_minute",
        ),
    ] {
        let resp = edge.create_site(&body).await;
        let status = resp.status().as_u16();
        let answer: Value = resp.json().await.expect("JSON error");
        assert!(status == 400 || status == 409, "{status} {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }

    // Rotating: the new token works at once, the old one no longer.
    let resp =
        edge.admin_request(reqwest::Method::POST, "/v1/admin/sites/acme/token").send().await.expect("rotate");
    assert_eq!(resp.status(), 200);
    let rotated: Value = resp.json().await.expect("json");
    let new_token = rotated["api_token"].as_str().expect("token").to_string();
    assert_ne!(new_token, token);
    assert_eq!(calls(&token).await.status(), 401, "the old token stops");
    assert_eq!(calls(&new_token).await.status(), 200);
    let resp = edge
        .admin_request(reqwest::Method::POST, "/v1/admin/sites/nobody/token")
        .send()
        .await
        .expect("rotate");
    assert_eq!(resp.status(), 404);

    // Numbers: added (it routes to the site), refused with the field, removed (it stops).
    let numbers = "/v1/admin/sites/acme/numbers";
    let resp = edge
        .admin_request(reqwest::Method::POST, numbers)
        .json(&json!({"number": "+1 555 010 0503", "region": "us-ca"}))
        .send()
        .await
        .expect("add");
    assert_eq!(resp.status(), 201);
    let settings: Value = resp.json().await.expect("json");
    assert_eq!(
        settings["pool"][2],
        json!({"number": "+15550100503", "region": "US-CA", "business_number": null})
    );
    let (status, twiml) = twilio_voice(&edge, "CAadmin001", "+15557654321", "+15550100503").await;
    assert_eq!(status, 200);
    assert!(twiml.contains("+15550100500"), "forwards to acme: {twiml}");
    for (body, status, field) in [
        (json!({"number": "+15550100503"}), 400, "number"),
        (json!({"number": "+15550100201"}), 409, "number"),
        (json!({"number": "+15550100504", "region": "Texas"}), 400, "region"),
        (json!({"number": "not a number"}), 400, "number"),
        (json!({"numbr": "+15550100504"}), 400, "numbr"),
    ] {
        let resp = edge.admin_request(reqwest::Method::POST, numbers).json(&body).send().await.expect("add");
        assert_eq!(resp.status().as_u16(), status, "{body}");
        let answer: Value = resp.json().await.expect("JSON error");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let resp = edge
        .admin_request(reqwest::Method::DELETE, &format!("{numbers}/%2B15550100503"))
        .send()
        .await
        .expect("rm");
    assert_eq!(resp.status(), 200);
    let settings: Value = resp.json().await.expect("json");
    assert_eq!(settings["pool"].as_array().map(Vec::len), Some(2));
    let (_, twiml) = twilio_voice(&edge, "CAadmin002", "+15557654321", "+15550100503").await;
    assert!(!twiml.contains("+15550100500"), "a removed number no longer reaches acme: {twiml}");
    let resp = edge
        .admin_request(reqwest::Method::DELETE, &format!("{numbers}/+15550100599"))
        .send()
        .await
        .expect("rm");
    assert_eq!(resp.status(), 404);
    let resp =
        edge.admin_request(reqwest::Method::DELETE, &format!("{numbers}/call-us")).send().await.expect("rm");
    assert_eq!(resp.status(), 400);
    // The calls made so far are still there: removing a number erases nothing.
    let page: Value = calls(&new_token).await.json().await.expect("json");
    assert_eq!(page["total"], 1);
}
