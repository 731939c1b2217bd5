//! CORS for the widget's endpoints, which are called from any site's pages. The widget sends
//! `text/plain` so browsers skip the preflight, but a preflight is answered too.

use worker::{Response, Result};

/// Readable by any page's script, and never cached.
pub fn with_cors(mut resp: Response) -> Result<Response> {
    let h = resp.headers_mut();
    h.set("Access-Control-Allow-Origin", "*")?;
    h.set("Cache-Control", "no-store")?;
    Ok(resp)
}

/// [`with_cors`] for one page's origin (`*` for any): the answer then varies with `Origin`.
pub fn with_cors_for(resp: Response, allow: &str) -> Result<Response> {
    let mut resp = with_cors(resp)?;
    if allow != "*" {
        resp.headers_mut().set("Access-Control-Allow-Origin", allow)?;
        resp.headers_mut().set("Vary", "Origin")?;
    }
    Ok(resp)
}

pub fn preflight() -> Result<Response> {
    let mut resp = Response::empty()?.with_status(204);
    let h = resp.headers_mut();
    h.set("Access-Control-Allow-Origin", "*")?;
    h.set("Access-Control-Allow-Methods", "POST, OPTIONS")?;
    h.set("Access-Control-Allow-Headers", "content-type")?;
    h.set("Access-Control-Max-Age", "86400")?;
    Ok(resp)
}
