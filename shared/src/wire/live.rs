//! The live stream (`GET /v1/sites/{site}/live?ticket=…&resume=…`, a WebSocket): what the
//! person answering the phone sees before "hello". Every event carries the site's increasing
//! `seq`; a client that reconnects with the last `seq` it saw gets what it missed (or
//! `{"reset": true}` when more than the site keeps), then live events.

use super::calls::CallView;
use crate::support::Timestamp;
use serde::{Deserialize, Serialize};

/// A call arrived (before the business phone rings): who, from which ad, to which line.
pub const CALL_INCOMING: &str = "call.incoming";
/// The business picked up.
pub const CALL_ANSWERED: &str = "call.answered";
/// The call is over (`call.outcome`, `call.talk_secs`).
pub const CALL_ENDED_LIVE: &str = "call.ended";
/// Something was added: a recording, a transcript and its tags, the customer id.
pub const CALL_UPDATED: &str = "call.updated";

/// Events a site keeps for clients that reconnect: the last 500, within 24 hours.
pub const LIVE_KEEP_EVENTS: u64 = 500;
pub const LIVE_KEEP_SECS: i64 = 24 * 3600;
/// Seconds a ticket opens the stream, once.
pub const LIVE_TICKET_SECS: i64 = 60;
/// Calls still ringing or talking this long after they started are not live any more (their
/// end was never reported): `GET …/calls/live` leaves them out, the dashboard drops them.
pub const LIVE_CALL_HORIZON_SECS: i64 = 4 * 3600;
/// Largest message a client may send (a resume is a few bytes); larger closes the socket.
pub const MAX_LIVE_MESSAGE: usize = 4 * 1024;

/// The caller's history with the business, when the call came.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerHistory {
    /// Tracked calls from this number before this one.
    pub earlier_calls: u64,
    /// When the last of them started.
    pub last_call_at: Option<Timestamp>,
}

/// One event of the live stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub seq: u64,
    pub at: Timestamp,
    /// `call.incoming`, `call.answered`, `call.ended` or `call.updated`.
    pub event: String,
    /// The call as the calls API shows it (attribution, customer id, masking, outcome…).
    pub call: CallView,
    pub caller: CallerHistory,
    /// The business number the call is for (the line the tracking number replaced); `null`
    /// for a masked call.
    pub line: Option<String>,
}

/// `POST /v1/sites/{site}/live/ticket`: a single-use ticket to open the stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTicket {
    pub ticket: String,
    pub expires_at: Timestamp,
}

/// `GET /v1/sites/{site}/calls/live`: calls in progress now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveCalls {
    pub calls: Vec<CallView>,
}

/// What a client may send on the stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveRequest {
    /// The last `seq` the client saw: what it missed comes next.
    pub resume: u64,
}
