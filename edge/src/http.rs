//! HTTP plumbing the routes share: bounded request bodies, CORS, the admin's and a site's
//! bearer tokens, and TwiML answers.

mod auth;
mod body;
mod cors;
mod twiml;

pub use auth::{require_admin, SiteCaller};
pub use body::{json, read, Limit};
pub use cors::{preflight, with_cors, with_cors_for};
pub use twiml::twiml;
