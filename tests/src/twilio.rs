//! Twilio's webhooks as Twilio sends them: form-encoded and signed with the site's auth token.

use crate::edge::Edge;

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
    sign(&edge.twilio_token, &edge.url(path_and_query), params)
}

/// A signed Twilio webhook to the edge at `base` (which may be down: then 0), signed with
/// `token`; the status.
pub async fn twilio_post_to(base: &str, token: &str, path_and_query: &str, params: &[(&str, &str)]) -> u16 {
    let url = format!("{base}{path_and_query}");
    let signature = sign(token, &url, params);
    send_form(url, params, Some(&signature)).await.map_or(0, |r| r.status().as_u16())
}

/// A form POST to a Twilio endpoint with the given signature header (or none).
pub async fn twilio_request(
    edge: &Edge,
    path_and_query: &str,
    params: &[(&str, &str)],
    signature: Option<&str>,
) -> reqwest::Response {
    send_form(edge.url(path_and_query), params, signature).await.expect("post a Twilio webhook")
}

/// `X-Twilio-Signature` over the URL and the sorted parameters, with `token`.
fn sign(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let owned: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    shared::twilio_signature(token, url, &owned)
}

/// POSTs `params` form-encoded, as Twilio does, with the signature header if given.
async fn send_form(
    url: String,
    params: &[(&str, &str)],
    signature: Option<&str>,
) -> reqwest::Result<reqwest::Response> {
    let body: String =
        params.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
    // Twilio waits 15 s for an answer; a telephony answer must never wait on anything slow.
    let client =
        reqwest::Client::builder().timeout(std::time::Duration::from_secs(8)).build().expect("client");
    let mut req = client.post(url).header("content-type", "application/x-www-form-urlencoded");
    if let Some(sig) = signature {
        req = req.header("x-twilio-signature", sig);
    }
    req.body(body).send().await
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

/// The URL a `<Gather>` in `twiml` posts what the caller keys to (its `action`, as Twilio
/// reads it), if there is one.
pub fn gather_action(twiml: &str) -> Option<String> {
    let gather = &twiml[twiml.find("<Gather ")?..];
    let start = gather.find("action=\"")? + "action=\"".len();
    let end = start + gather[start..].find('"')?;
    Some(gather[start..end].replace("&amp;", "&"))
}

/// Follows the `<Gather>` of `twiml` as Twilio does: posts `params` plus the caller's keys
/// (`Digits`, left out when `None`) to its action URL, signed with the demo site's token, and
/// returns the status and TwiML of the answer.
pub async fn twilio_gather(
    edge: &Edge,
    twiml: &str,
    params: &[(&str, &str)],
    digits: Option<&str>,
) -> (u16, String) {
    let url = gather_action(twiml).unwrap_or_else(|| panic!("no <Gather action> in {twiml}"));
    let mut all: Vec<(&str, &str)> = params.to_vec();
    if let Some(d) = digits {
        all.push(("Digits", d));
    }
    let signature = sign(&edge.twilio_token, &url, &all);
    match send_form(url, &all, Some(&signature)).await {
        Ok(resp) => (resp.status().as_u16(), resp.text().await.unwrap_or_default()),
        Err(e) => panic!("posting the gather failed: {e}"),
    }
}

/// The value of `attribute="…"` on the first `<tag` of `twiml`.
pub fn twiml_attribute(twiml: &str, tag: &str, attribute: &str) -> Option<String> {
    let at = &twiml[twiml.find(&format!("<{tag} "))?..];
    let at = &at[..at.find('>')?];
    let start = at.find(&format!(" {attribute}=\""))? + attribute.len() + 3;
    let end = start + at[start..].find('"')?;
    Some(at[start..end].replace("&amp;", "&"))
}
