//! The edge API's wire types, one file per resource: what the widget, the dashboard, CRMs
//! and providers send and get back. Uses every concept below it; nothing uses it but the
//! ledger, the store and the adapters.

mod calls;
mod errors;
mod export;
mod lease;
mod lifecycle;
mod live;
mod masking;
mod reports;
mod sites;

pub use calls::{
    calls_csv, CallDetail, CallEventBody, CallView, CallsPage, CrmPayload, DeliveryView, DialedLookup,
    LookupAnswer, LookupSteps,
};
pub use errors::{ErrorBody, ErrorDetail};
pub use export::{
    ExportCursor, ExportLine, ExportPage, ExportPart, ExportQuery, NdjsonImported, EXPORT_PAGE,
    EXPORT_VERSION, MAX_NDJSON_IMPORT,
};
pub use lease::{
    LeaseBody, LeaseCommand, LeaseGrant, LeaseRef, Released, LIMITED_LEASE_ID, MAX_LINES,
    UNCONSENTED_LEASE_ID,
};
pub use lifecycle::{AuditPage, AuditQuery, MAX_AUDIT_PAGE};
pub use live::{
    CallerHistory, LiveCalls, LiveEvent, LiveRequest, LiveTicket, CALL_ANSWERED, CALL_ENDED_LIVE,
    CALL_INCOMING, CALL_UPDATED, LIVE_CALL_HORIZON_SECS, LIVE_KEEP_EVENTS, LIVE_KEEP_SECS, LIVE_TICKET_SECS,
    MAX_LIVE_MESSAGE,
};
pub use masking::{
    check_session_id, ParticipantBody, ParticipantPatch, ParticipantView, SessionBody, SessionDetail,
    SessionPatch, SessionPayload, SessionQuery, SessionView, SessionsPage, MAX_SESSION_BODY,
};
pub use reports::{
    parse_pool_days, ExtensionNumberState, LiveExtension, NumberState, PoolReport, ReportPage, ReportQuery,
};
pub use sites::{IdentificationTest, IdentificationTestBody, NumberEntry, SiteSummary};
