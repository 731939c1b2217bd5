//! Outbound webhooks to a site's CRM (and the ad platforms' conversion events): the
//! deliveries (one per call event, retried with backoff) and their `X-Ringtrace-Signature`. Uses `support` only.

mod crm;
mod signing;

pub(crate) use crm::{checked_secret, checked_url};
pub use crm::{
    Attempt, CrmWebhook, CrmWebhookSetup, Delivery, DeliveryState, DeliveryTarget, CALL_ENDED, CALL_STARTED,
    CALL_UPDATED_EVENT, DEFAULT_RETRY_BASE_MS, DELIVERY_TIMEOUT_MS, MASKED_CALL_ENDED, MASKED_CALL_STARTED,
    MASKING_SESSION_CLOSED, MAX_RETRY_DELAY_MS, RETRY_WINDOW_SECS,
};
pub use signing::{verify_webhook, webhook_signature, webhook_signature_header};
