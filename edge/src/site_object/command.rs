//! What the edge asks of a site's object: one typed [`Command`], written by the stub and
//! matched by the dispatcher, so no path is spelled at both ends. It travels as a request to
//! the object: `POST` to [`Command::path`] (for logs and traces) with the command as JSON.

use crate::error::storage;
use serde::{Deserialize, Serialize};
use shared::twilio::TwilioRequest;
use shared::wire::{
    DialedLookup, ExportCursor, IdentificationTestBody, LeaseCommand, LeaseRef, NumberEntry, SessionPatch,
};
use shared::{CallEvent, CallPatch, Error, PhoneNumber, SiteSetup};
use worker::Request;

/// Header carrying the site id from the edge to its object (the object's id is a hash).
pub const SITE_HEADER: &str = "x-ringtrace-site";

/// A request's query string as its decoded pairs, parsed by the object (with its own clock).
pub type Query = Vec<(String, String)>;

/// One thing the site's object does. Commands for the site's owner (the dashboard's, events,
/// dialed-number lookups) carry the caller's token beside them, in `Authorization`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// `PUT /v1/sites/{site}`: the site's whole setup.
    Configure(SiteSetup),
    /// A number for this visitor.
    Lease(LeaseCommand),
    Renew(LeaseRef),
    Release(LeaseRef),
    /// A Twilio webhook; answered with a [`TwimlAnswer`].
    Twilio(TwilioRequest),
    /// Provider-neutral call events.
    Events(Vec<CallEvent>),
    /// A dialed-number lookup; answered with a `shared::wire::LookupAnswer`.
    LookupDialed(DialedLookup),
    /// Call history from another tool: the JSON text the edge checked (the object parses it
    /// again with the site's id and its clock). Text, not a value, so a document is read at
    /// the object as deep as the edge read it.
    Import(String),
    /// The admin creates the site (an id in use is refused).
    CreateSite(SiteSetup),
    RotateToken {
        api_token: String,
    },
    AddNumber(NumberEntry),
    RemoveNumber(PhoneNumber),
    /// Whether the caller's token opens the site (`{"ok": true}`, or the site's refusal).
    Authorize,
    /// Nothing, answered `{"ok": true}` (`kv_put`: after one KV put, of `bench:probe` or
    /// `bench:probe:{key}`): the platform's own cost of a Durable Object round trip, a
    /// baseline for `make bench` (`routes::bench`).
    Bench {
        kv_put: bool,
        #[serde(default)]
        key: Option<String>,
    },
    Settings,
    /// A sample caller-identification request to the site's CRM (the Settings page's test).
    TestIdentification(IdentificationTestBody),
    /// A settings patch: the JSON text of an object of the settings to change (text, as
    /// for `Import`: the site's token is checked before any depth limit of the patch).
    UpdateSettings(String),
    CallDetail(String),
    Pool {
        days: u32,
    },
    Overview(Query),
    Report(Query),
    Calls(Query),
    /// Opens a masking session: the body's JSON text (checked at the edge for shape; the
    /// object checks it against the site and fingerprints it for the `Idempotency-Key`).
    CreateMaskingSession {
        body: String,
        idempotency_key: Option<String>,
    },
    MaskingSessions(Query),
    MaskingSession(String),
    PatchMaskingSession {
        id: String,
        patch: SessionPatch,
    },
    CloseMaskingSession(String),
    /// A single-use ticket to open the live stream.
    LiveTicket,
    /// Calls ringing or talking now.
    LiveCalls,
    /// A spend upload's text (`csv`: CSV, else JSON), checked against the site's currency.
    UploadSpend {
        body: String,
        csv: bool,
        /// The upload replaces its sources' spend over its dates.
        replace: bool,
    },
    Spend(Query),
    DeleteSpend(Query),
    PatchCall {
        call_sid: String,
        patch: CallPatch,
    },
    GoogleAdsExport(Query),
    /// Erasure of a visitor's personal data (their id), of a caller's (their number).
    EraseVisitor(String),
    EraseCaller(String),
    Audit(Query),
    /// A page of the site's export (`None`: the first), for the query given.
    ExportPage {
        query: Query,
        cursor: Option<ExportCursor>,
    },
    /// An NDJSON import (lines of an export).
    ImportNdjson(String),
}

impl Command {
    /// The path of the request carrying the command: its name, so logs and traces say what
    /// the object was asked. The dispatcher reads the command from the body, not from this.
    pub fn path(&self) -> &'static str {
        match self {
            Command::Configure(_) => "/configure",
            Command::Lease(_) => "/lease",
            Command::Renew(_) => "/renew",
            Command::Release(_) => "/release",
            Command::Twilio(_) => "/twilio",
            Command::Events(_) => "/events",
            Command::LookupDialed(_) => "/route",
            Command::Import(_) => "/import",
            Command::CreateSite(_) => "/admin/create",
            Command::RotateToken { .. } => "/admin/token",
            Command::AddNumber(_) => "/admin/numbers/add",
            Command::RemoveNumber(_) => "/admin/numbers/remove",
            Command::Authorize => "/authorize",
            Command::Bench { .. } => "/bench",
            Command::Settings => "/settings",
            Command::TestIdentification(_) => "/settings/identification-test",
            Command::UpdateSettings(_) => "/settings/update",
            Command::CallDetail(_) => "/call",
            Command::Pool { .. } => "/pool",
            Command::Overview(_) => "/overview",
            Command::Report(_) => "/report",
            Command::Calls(_) => "/calls",
            Command::CreateMaskingSession { .. } => "/masking/create",
            Command::MaskingSessions(_) => "/masking/sessions",
            Command::MaskingSession(_) => "/masking/session",
            Command::PatchMaskingSession { .. } => "/masking/patch",
            Command::CloseMaskingSession(_) => "/masking/close",
            Command::LiveTicket => "/live/ticket",
            Command::LiveCalls => "/calls/live",
            Command::UploadSpend { .. } => "/spend/upload",
            Command::Spend(_) => "/spend",
            Command::DeleteSpend(_) => "/spend/delete",
            Command::PatchCall { .. } => "/calls/patch",
            Command::GoogleAdsExport(_) => "/exports/google-ads",
            Command::EraseVisitor(_) => "/erase/visitor",
            Command::EraseCaller(_) => "/erase/caller",
            Command::Audit(_) => "/audit",
            Command::ExportPage { .. } => "/export",
            Command::ImportNdjson(_) => "/import/ndjson",
        }
    }

    /// The command a request to the object carries (what `SiteStub::send` wrote).
    pub async fn read(req: &mut Request) -> shared::Result<Self> {
        let bytes = req.bytes().await.map_err(storage)?;
        serde_json::from_slice(&bytes).map_err(|e| Error::invalid(format!("body: {e}")))
    }
}

/// The object's answer to a [`Command::Twilio`].
#[derive(Serialize, Deserialize)]
pub struct TwimlAnswer {
    pub twiml: String,
}
