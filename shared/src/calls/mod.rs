//! Calls, one way through: the events providers report → the progress they imply → the
//! stored record → its attribution to a visitor session; where a call goes (destination);
//! which calls the dashboard asks for (query); history imported from other tools; what a
//! call earned (value). Uses `support`, `traffic`, `money`, `pool` and `site`.

mod attribution;
mod destination;
mod erasure;
mod event;
mod identification;
mod import;
mod progress;
mod query;
mod record;
mod value;

pub use attribution::attribute;
pub use destination::{call_destination, caller_id_for, CallDestination};
pub use erasure::{caller_hash, is_erased_caller, visitor_subject, AuditEntry, Erased, ERASED_VISITOR};
pub use event::{keyed_digits, keyword_tags, CallEvent, CallStatus, EventKind, Leg, Recording, MAX_KEYS};
pub use identification::{
    crm_request, decide, decide_without_entry, entry_fits, CallContext, CrmClient, CrmReply, CrmRequest,
    Decision, Identification, IdentificationOutcome, CRM_TIMEOUT_MS, MAX_CRM_REPLY,
};
pub use import::{ImportBody, ImportResult, ImportedCall, MAX_IMPORT_BODY, MAX_IMPORT_CALLS};
pub use progress::{CallOutcome, CallProgress, CallTiming};
pub(crate) use query::SQL_ANSWERED;
pub use query::{
    CallQuery, CallRow, CallSort, ChannelFilter, KindFilter, SqlArg, StatusFilter, DEFAULT_PER_PAGE,
    MAX_EXPORT_ROWS, MAX_PER_PAGE, SQL_REVENUE, SQL_TRACKED,
};
pub use record::{
    identifiable_caller, Attribution, CallRecord, Candidate, IncomingCall, MaskedCall, UnattributedReason,
};
pub use value::{tags_of, CallPatch, MAX_CALL_PATCH_BODY};
