//! Requests the edge makes to others (a site's CRM): a POST with headers, raced against a
//! deadline, so a slow receiver costs at most that long. Used by the CRM webhooks (from the
//! site object's alarm) and by caller identification (inside a telephony webhook).

use futures_util::future::{select, Either};
use shared::{CrmClient, CrmReply, CrmRequest};
use worker::{Method, Request, RequestInit};

/// POSTs `body` to `url` with `headers`; the receiver's status and (with `read_body`) the
/// start of its body, `Err` with why when there was no answer within `timeout_ms`.
pub async fn post(
    url: &str,
    headers: &[(String, String)],
    body: &str,
    timeout_ms: u32,
    read_body: bool,
) -> Result<(u16, String), Failure> {
    let outgoing = worker::Headers::new();
    for (k, v) in headers {
        outgoing.set(k, v).map_err(|e| Failure::Unreachable(e.to_string()))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(outgoing).with_body(Some(body.to_string().into()));
    let req = Request::new_with_init(url, &init).map_err(|e| Failure::Unreachable(e.to_string()))?;
    let controller = worker::AbortController::default();
    let signal = controller.signal();
    let exchange = async {
        let mut resp = worker::Fetch::Request(req).send_with_signal(&signal).await?;
        let status = resp.status_code();
        let text = if read_body { start_of(&mut resp).await } else { String::new() };
        Ok::<_, worker::Error>((status, text))
    };
    let exchange = std::pin::pin!(exchange);
    let timer = std::pin::pin!(worker::Delay::from(std::time::Duration::from_millis(u64::from(timeout_ms))));
    match select(exchange, timer).await {
        Either::Left((Ok((status, text)), _)) => Ok((status, text)),
        Either::Left((Err(e), _)) => Err(Failure::Unreachable(e.to_string())),
        Either::Right(_) => {
            controller.abort();
            Err(Failure::TimedOut)
        }
    }
}

/// The start of an answer's body, at most `shared::MAX_CRM_REPLY` bytes, read as it streams in
/// (a receiver cannot make the object hold a huge body); lossy UTF-8.
async fn start_of(resp: &mut worker::Response) -> String {
    use futures_util::StreamExt;
    let mut bytes: Vec<u8> = Vec::new();
    if let Ok(mut stream) = resp.stream() {
        while let Some(Ok(chunk)) = stream.next().await {
            bytes.extend_from_slice(&chunk);
            if bytes.len() >= shared::MAX_CRM_REPLY {
                bytes.truncate(shared::MAX_CRM_REPLY);
                break;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    TimedOut,
    Unreachable(String),
}

/// The site's CRM, asked from inside a telephony webhook (caller identification).
pub struct EdgeCrm;

impl CrmClient for EdgeCrm {
    async fn send(&self, request: &CrmRequest) -> CrmReply {
        match post(&request.url, &request.headers, &request.body, request.timeout_ms, true).await {
            Ok((status, body)) => CrmReply::Answered { status, body },
            Err(Failure::TimedOut) => CrmReply::TimedOut,
            Err(Failure::Unreachable(why)) => CrmReply::Unreachable(why),
        }
    }
}
