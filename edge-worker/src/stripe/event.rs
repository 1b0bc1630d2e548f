//! The Stripe event envelope and the few objects we act on, parsed from raw bytes only after
//! [`super::signature::verify_stripe_signature`] accepted them.
//!
//! Only the fields DriftLock uses are read; everything else in Stripe's large objects is skipped,
//! so new Stripe API versions do not break parsing. Both the pre-2025 and the current ("basil" and
//! later) shapes are understood: the billing period moved from the subscription to its items and
//! an invoice's subscription moved to `parent.subscription_details`.

use core::fmt;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

/// A verified webhook event: the envelope, with `data.object` kept as raw JSON so it can be
/// stored verbatim and decoded into the summary its type calls for.
#[derive(Debug, Deserialize)]
pub struct StripeEvent {
    /// `evt_...`: record it before acting, so a redelivery is recognised.
    pub id: String,
    /// The event type as Stripe spells it, e.g. `invoice.paid`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When Stripe created the event (Unix seconds); orders deliveries that arrive out of order.
    pub created: i64,
    /// False for test-mode events.
    pub livemode: bool,
    /// The API version the object is rendered in; `null` for some events.
    #[serde(default)]
    pub api_version: Option<String>,
    /// `data.object` and, for updates, `data.previous_attributes`.
    pub data: EventData,
}

/// The `data` member of an event.
#[derive(Debug, Deserialize)]
pub struct EventData {
    /// The object the event is about, as raw JSON.
    pub object: Box<RawValue>,
    /// For `*.updated` events, the fields that changed and their old values.
    #[serde(default)]
    pub previous_attributes: Option<Box<RawValue>>,
}

/// The event types DriftLock acts on; all others are acknowledged and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandledEventType {
    /// `checkout.session.completed`: a customer finished Checkout for an upgrade.
    CheckoutSessionCompleted,
    /// `customer.subscription.created`.
    SubscriptionCreated,
    /// `customer.subscription.updated` (plan change, renewal, cancel at period end, ...).
    SubscriptionUpdated,
    /// `customer.subscription.deleted`: the subscription ended.
    SubscriptionDeleted,
    /// `invoice.paid`.
    InvoicePaid,
    /// `invoice.payment_failed`.
    InvoicePaymentFailed,
    /// `invoice.finalized`.
    InvoiceFinalized,
    /// Any other type: answer 2xx and do nothing.
    Ignored,
}

impl HandledEventType {
#[cfg(test)]
    /// Every type we act on, e.g. to configure the webhook endpoint's `enabled_events`.
    pub const ALL: [HandledEventType; 7] = [
        Self::CheckoutSessionCompleted,
        Self::SubscriptionCreated,
        Self::SubscriptionUpdated,
        Self::SubscriptionDeleted,
        Self::InvoicePaid,
        Self::InvoicePaymentFailed,
        Self::InvoiceFinalized,
    ];

    /// Classifies a Stripe event type string (exact, case-sensitive, as Stripe sends it).
    pub fn from_type(event_type: &str) -> Self {
        match event_type {
            "checkout.session.completed" => Self::CheckoutSessionCompleted,
            "customer.subscription.created" => Self::SubscriptionCreated,
            "customer.subscription.updated" => Self::SubscriptionUpdated,
            "customer.subscription.deleted" => Self::SubscriptionDeleted,
            "invoice.paid" => Self::InvoicePaid,
            "invoice.payment_failed" => Self::InvoicePaymentFailed,
            "invoice.finalized" => Self::InvoiceFinalized,
            _ => Self::Ignored,
        }
    }

    /// The Stripe spelling, or `None` for [`HandledEventType::Ignored`].
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            Self::CheckoutSessionCompleted => "checkout.session.completed",
            Self::SubscriptionCreated => "customer.subscription.created",
            Self::SubscriptionUpdated => "customer.subscription.updated",
            Self::SubscriptionDeleted => "customer.subscription.deleted",
            Self::InvoicePaid => "invoice.paid",
            Self::InvoicePaymentFailed => "invoice.payment_failed",
            Self::InvoiceFinalized => "invoice.finalized",
            Self::Ignored => return None,
        })
    }
}

/// An event decoded into what the webhook handler needs.
#[derive(Debug, Clone, PartialEq)]
pub enum HandledEvent {
    /// `checkout.session.completed`.
    CheckoutSessionCompleted(CheckoutSessionSummary),
    /// `customer.subscription.created|updated|deleted`; `kind` says which.
    Subscription {
        /// Which of the three subscription events this is.
        kind: HandledEventType,
        /// The subscription as of the event.
        subscription: SubscriptionSummary,
    },
    /// `invoice.paid|payment_failed|finalized`; `kind` says which.
    Invoice {
        /// Which of the three invoice events this is.
        kind: HandledEventType,
        /// The invoice as of the event.
        invoice: InvoiceSummary,
    },
    /// Anything else.
    Ignored,
}

/// The fields of a Checkout Session we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSessionSummary {
    /// `cs_...`.
    pub id: String,
    /// `cus_...`, when Checkout created or used a customer.
    pub customer: Option<String>,
    /// `sub_...` for subscription-mode sessions.
    pub subscription: Option<String>,
    /// What we passed as `client_reference_id` (the organization id).
    pub client_reference_id: Option<String>,
    /// `payment`, `setup` or `subscription`.
    pub mode: Option<String>,
    /// `complete`, `open` or `expired`.
    pub status: Option<String>,
    /// `paid`, `unpaid` or `no_payment_required`.
    pub payment_status: Option<String>,
    /// Metadata we attached when creating the session.
    pub metadata: BTreeMap<String, String>,
}

impl CheckoutSessionSummary {
    /// The organization this session belongs to: `client_reference_id`, else `metadata.org_id`.
    pub fn org_id_hint(&self) -> Option<&str> {
        self.client_reference_id
            .as_deref()
            .or_else(|| self.metadata.get("org_id").map(String::as_str))
    }
}

/// The fields of a Subscription we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSummary {
    /// `sub_...`.
    pub id: String,
    /// `cus_...`.
    pub customer: String,
    /// `active`, `past_due`, `canceled`, `trialing`, `incomplete`, ...
    pub status: String,
    /// The first item's price id (`price_...`): maps to one of our plans.
    pub price_id: Option<String>,
    /// Start of the current billing period (Unix seconds), from the subscription or its first item.
    pub current_period_start: Option<i64>,
    /// End of the current billing period (Unix seconds), from the subscription or its first item.
    pub current_period_end: Option<i64>,
    /// True when the subscription ends at the end of the current period.
    pub cancel_at_period_end: bool,
    /// When it was canceled, if it was.
    pub canceled_at: Option<i64>,
    /// Metadata we attached (`org_id`).
    pub metadata: BTreeMap<String, String>,
}

impl SubscriptionSummary {
    /// The organization from `metadata.org_id`, when we set it.
    pub fn org_id_hint(&self) -> Option<&str> {
        self.metadata.get("org_id").map(String::as_str)
    }
}

/// The fields of an Invoice we show and act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSummary {
    /// `in_...`.
    pub id: String,
    /// `cus_...`.
    pub customer: Option<String>,
    /// `sub_...`, from `subscription` (old API versions) or `parent.subscription_details`.
    pub subscription: Option<String>,
    /// Human invoice number, set once finalized.
    pub number: Option<String>,
    /// `draft`, `open`, `paid`, `uncollectible`, `void`.
    pub status: Option<String>,
    /// Amount due, in the currency's smallest unit.
    pub amount_due: i64,
    /// Amount paid, in the currency's smallest unit.
    pub amount_paid: i64,
    /// Three-letter ISO code, lowercase.
    pub currency: String,
    /// Stripe-hosted page for the invoice.
    pub hosted_invoice_url: Option<String>,
    /// When it was created (Unix seconds).
    pub created: i64,
    /// Subscription metadata copied onto the invoice (`org_id`), from `parent.subscription_details`.
    pub subscription_metadata: BTreeMap<String, String>,
}

impl InvoiceSummary {
    /// The organization from the subscription metadata Stripe copies onto the invoice.
    pub fn org_id_hint(&self) -> Option<&str> {
        self.subscription_metadata.get("org_id").map(String::as_str)
    }
}

/// Why a verified body could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventError {
    /// The body is not a Stripe event envelope.
    BadEnvelope {
        /// What serde saw, with line and column.
        detail: String,
    },
    /// `data.object` does not have the shape its event type calls for.
    BadObject {
        /// The event type.
        event_type: String,
        /// What serde saw, with line and column.
        detail: String,
    },
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadEnvelope { detail } => {
                write!(f, "the webhook body is not a Stripe event: {detail}")
            }
            Self::BadObject { event_type, detail } => {
                write!(
                    f,
                    "the data.object of the {event_type} event has an unexpected shape: {detail}"
                )
            }
        }
    }
}

impl std::error::Error for EventError {}

impl StripeEvent {
    /// Parses the envelope from the raw, already verified body.
    pub fn parse(raw: &[u8]) -> Result<StripeEvent, EventError> {
        serde_json::from_slice(raw).map_err(|e| EventError::BadEnvelope {
            detail: e.to_string(),
        })
    }

    /// Which of our handled types this is.
    pub fn handled_type(&self) -> HandledEventType {
        HandledEventType::from_type(&self.event_type)
    }

    /// `data.object` as raw JSON text, e.g. to store with the event record.
    pub fn object_json(&self) -> &str {
        self.data.object.get()
    }

    /// The id of `data.object` (`sub_...`, `in_...`, `cs_...`), if it has one.
    pub fn object_id(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Id {
            id: Option<String>,
        }
        serde_json::from_str::<Id>(self.object_json())
            .ok()
            .and_then(|o| o.id)
    }

    /// Decodes `data.object` into the summary the event type calls for.
    pub fn handled(&self) -> Result<HandledEvent, EventError> {
        let kind = self.handled_type();
        let bad = |e: serde_json::Error| EventError::BadObject {
            event_type: self.event_type.clone(),
            detail: e.to_string(),
        };
        let json = self.object_json();
        Ok(match kind {
            HandledEventType::CheckoutSessionCompleted => {
                let w: wire::CheckoutSession = serde_json::from_str(json).map_err(bad)?;
                HandledEvent::CheckoutSessionCompleted(CheckoutSessionSummary {
                    id: w.id,
                    customer: w.customer.map(|c| c.0),
                    subscription: w.subscription.map(|s| s.0),
                    client_reference_id: w.client_reference_id,
                    mode: w.mode,
                    status: w.status,
                    payment_status: w.payment_status,
                    metadata: w.metadata.unwrap_or_default(),
                })
            }
            HandledEventType::SubscriptionCreated
            | HandledEventType::SubscriptionUpdated
            | HandledEventType::SubscriptionDeleted => {
                let w: wire::Subscription = serde_json::from_str(json).map_err(bad)?;
                let first = w.items.and_then(|l| l.data.into_iter().next());
                let (item_start, item_end, price_id) = match first {
                    Some(i) => (
                        i.current_period_start,
                        i.current_period_end,
                        i.price.map(|p| p.0),
                    ),
                    None => (None, None, None),
                };
                HandledEvent::Subscription {
                    kind,
                    subscription: SubscriptionSummary {
                        id: w.id,
                        customer: w.customer.0,
                        status: w.status,
                        price_id,
                        current_period_start: w.current_period_start.or(item_start),
                        current_period_end: w.current_period_end.or(item_end),
                        cancel_at_period_end: w.cancel_at_period_end.unwrap_or(false),
                        canceled_at: w.canceled_at,
                        metadata: w.metadata.unwrap_or_default(),
                    },
                }
            }
            HandledEventType::InvoicePaid
            | HandledEventType::InvoicePaymentFailed
            | HandledEventType::InvoiceFinalized => {
                let w: wire::Invoice = serde_json::from_str(json).map_err(bad)?;
                let details = w.parent.and_then(|p| p.subscription_details);
                let (parent_sub, sub_meta) = match details {
                    Some(d) => (d.subscription.map(|s| s.0), d.metadata.unwrap_or_default()),
                    None => (None, BTreeMap::new()),
                };
                HandledEvent::Invoice {
                    kind,
                    invoice: InvoiceSummary {
                        id: w.id,
                        customer: w.customer.map(|c| c.0),
                        subscription: w.subscription.map(|s| s.0).or(parent_sub),
                        number: w.number,
                        status: w.status,
                        amount_due: w.amount_due.unwrap_or(0),
                        amount_paid: w.amount_paid.unwrap_or(0),
                        currency: w.currency.unwrap_or_default(),
                        hosted_invoice_url: w.hosted_invoice_url,
                        created: w.created.unwrap_or(0),
                        subscription_metadata: sub_meta,
                    },
                }
            }
            HandledEventType::Ignored => HandledEvent::Ignored,
        })
    }
}

/// The wire shapes: only the fields we read, everything optional that Stripe may send as null.
mod wire {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer};

    pub type Metadata = Option<BTreeMap<String, String>>;

    /// An expandable reference: Stripe sends either `"cus_..."` or the expanded `{"id": ...}`.
    #[derive(Debug)]
    pub struct Ref(pub String);

    impl<'de> Deserialize<'de> for Ref {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            #[derive(Deserialize)]
            #[serde(untagged)]
            enum Either {
                Id(String),
                Object { id: String },
            }
            Ok(match Either::deserialize(d)? {
                Either::Id(id) | Either::Object { id } => Ref(id),
            })
        }
    }

    #[derive(Deserialize)]
    pub struct CheckoutSession {
        pub id: String,
        pub customer: Option<Ref>,
        pub subscription: Option<Ref>,
        pub client_reference_id: Option<String>,
        pub mode: Option<String>,
        pub status: Option<String>,
        pub payment_status: Option<String>,
        #[serde(default)]
        pub metadata: Metadata,
    }

    #[derive(Deserialize)]
    pub struct Subscription {
        pub id: String,
        pub customer: Ref,
        pub status: String,
        #[serde(default)]
        pub items: Option<List<SubscriptionItem>>,
        #[serde(default)]
        pub current_period_start: Option<i64>,
        #[serde(default)]
        pub current_period_end: Option<i64>,
        #[serde(default)]
        pub cancel_at_period_end: Option<bool>,
        #[serde(default)]
        pub canceled_at: Option<i64>,
        #[serde(default)]
        pub metadata: Metadata,
    }

    #[derive(Deserialize)]
    pub struct List<T> {
        pub data: Vec<T>,
    }

    #[derive(Deserialize)]
    pub struct SubscriptionItem {
        #[serde(default)]
        pub price: Option<Ref>,
        #[serde(default)]
        pub current_period_start: Option<i64>,
        #[serde(default)]
        pub current_period_end: Option<i64>,
    }

    #[derive(Deserialize)]
    pub struct Invoice {
        pub id: String,
        #[serde(default)]
        pub customer: Option<Ref>,
        #[serde(default)]
        pub subscription: Option<Ref>,
        #[serde(default)]
        pub parent: Option<InvoiceParent>,
        #[serde(default)]
        pub number: Option<String>,
        #[serde(default)]
        pub status: Option<String>,
        #[serde(default)]
        pub amount_due: Option<i64>,
        #[serde(default)]
        pub amount_paid: Option<i64>,
        #[serde(default)]
        pub currency: Option<String>,
        #[serde(default)]
        pub hosted_invoice_url: Option<String>,
        #[serde(default)]
        pub created: Option<i64>,
    }

    #[derive(Deserialize)]
    pub struct InvoiceParent {
        #[serde(default)]
        pub subscription_details: Option<SubscriptionDetails>,
    }

    #[derive(Deserialize)]
    pub struct SubscriptionDetails {
        #[serde(default)]
        pub subscription: Option<Ref>,
        #[serde(default)]
        pub metadata: Metadata,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "11111111-1111-4111-8111-111111111111";
    // Event envelopes around objects from Stripe's OpenAPI fixtures (tests/fixtures/generate.mjs).
    const CHECKOUT: &str = include_str!("../../tests/fixtures/checkout_session_completed.json");
    const SUB_UPDATED: &str =
        include_str!("../../tests/fixtures/customer_subscription_updated.json");
    const SUB_DELETED: &str =
        include_str!("../../tests/fixtures/customer_subscription_deleted.json");
    const INVOICE_PAID: &str = include_str!("../../tests/fixtures/invoice_paid.json");
    const INVOICE_FAILED: &str = include_str!("../../tests/fixtures/invoice_payment_failed.json");
    const PLAN_CREATED: &str = include_str!("../../tests/fixtures/plan_created.json");

    fn parse(raw: &str) -> StripeEvent {
        StripeEvent::parse(raw.as_bytes()).unwrap()
    }

    #[test]
    fn type_strings_round_trip() {
        for t in HandledEventType::ALL {
            assert_eq!(HandledEventType::from_type(t.as_str().unwrap()), t);
        }
        assert_eq!(
            HandledEventType::from_type("plan.created"),
            HandledEventType::Ignored
        );
        assert_eq!(
            HandledEventType::from_type("INVOICE.PAID"),
            HandledEventType::Ignored
        );
        assert_eq!(HandledEventType::Ignored.as_str(), None);
    }

    #[test]
    fn a_completed_checkout_names_the_org_customer_and_subscription() {
        let e = parse(CHECKOUT);
        assert_eq!(e.id, "evt_test_checkout_completed");
        assert_eq!(e.created, 1764410000);
        assert!(!e.livemode);
        assert_eq!(e.api_version.as_deref(), Some("2025-10-29.clover"));
        assert_eq!(e.handled_type(), HandledEventType::CheckoutSessionCompleted);
        let HandledEvent::CheckoutSessionCompleted(s) = e.handled().unwrap() else {
            panic!()
        };
        assert!(s.id.starts_with("cs_test_"));
        assert_eq!(s.customer.as_deref(), Some("cus_QXg1o8vcGmoR32"));
        assert_eq!(
            s.subscription.as_deref(),
            Some("sub_1Pgc6rB7WZ01zgkWNy0Cn5nw")
        );
        assert_eq!(s.mode.as_deref(), Some("subscription"));
        assert_eq!(s.org_id_hint(), Some(ORG));
        assert_eq!(s.metadata.get("plan").map(String::as_str), Some("standard"));
        assert_eq!(e.object_id().as_deref(), Some(s.id.as_str()));
    }

    #[test]
    fn subscription_events_read_the_period_from_the_first_item() {
        let e = parse(SUB_UPDATED);
        let HandledEvent::Subscription {
            kind,
            subscription: s,
        } = e.handled().unwrap()
        else {
            panic!()
        };
        assert_eq!(kind, HandledEventType::SubscriptionUpdated);
        assert_eq!(s.id, "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw");
        assert_eq!(s.customer, "cus_QXg1o8vcGmoR32");
        assert_eq!(s.status, "active");
        assert_eq!(
            s.price_id.as_deref(),
            Some("price_1PgafmB7WZ01zgkW6dKueIc5")
        );
        // The fixture's item carries the (current API) period fields.
        assert_eq!(s.current_period_start, Some(1896570518));
        assert_eq!(s.current_period_end, Some(976287773));
        assert!(!s.cancel_at_period_end);
        assert_eq!(s.org_id_hint(), Some(ORG));
        assert!(e
            .data
            .previous_attributes
            .as_ref()
            .unwrap()
            .get()
            .contains("cancel_at_period_end"));

        let d = parse(SUB_DELETED);
        let HandledEvent::Subscription {
            kind,
            subscription: s,
        } = d.handled().unwrap()
        else {
            panic!()
        };
        assert_eq!(kind, HandledEventType::SubscriptionDeleted);
        assert_eq!(s.status, "canceled");
    }

    #[test]
    fn older_api_versions_with_period_on_the_subscription_still_parse() {
        let raw = r#"{"id":"evt_1","type":"customer.subscription.created","created":1,"livemode":true,
            "data":{"object":{"id":"sub_1","customer":{"id":"cus_9","object":"customer"},"status":"trialing",
            "current_period_start":100,"current_period_end":200,"items":{"data":[]},"metadata":null}}}"#;
        let HandledEvent::Subscription {
            kind,
            subscription: s,
        } = parse(raw).handled().unwrap()
        else {
            panic!()
        };
        assert_eq!(kind, HandledEventType::SubscriptionCreated);
        assert_eq!(s.customer, "cus_9"); // expanded reference
        assert_eq!(
            (s.current_period_start, s.current_period_end),
            (Some(100), Some(200))
        );
        assert_eq!(s.price_id, None);
        assert!(s.metadata.is_empty());
    }

    #[test]
    fn invoices_find_their_subscription_under_parent() {
        let HandledEvent::Invoice { kind, invoice: i } = parse(INVOICE_PAID).handled().unwrap()
        else {
            panic!()
        };
        assert_eq!(kind, HandledEventType::InvoicePaid);
        assert_eq!(i.id, "in_1Pgc6tB7WZ01zgkWu9fdqL6I");
        assert_eq!(
            i.subscription.as_deref(),
            Some("sub_1Pgc6rB7WZ01zgkWNy0Cn5nw")
        );
        assert_eq!(i.status.as_deref(), Some("paid"));
        assert_eq!((i.amount_due, i.amount_paid), (4900, 4900));
        assert_eq!(i.currency, "usd");
        assert_eq!(i.number.as_deref(), Some("DL-0001"));
        assert_eq!(i.org_id_hint(), Some(ORG));

        let HandledEvent::Invoice { kind, invoice: i } = parse(INVOICE_FAILED).handled().unwrap()
        else {
            panic!()
        };
        assert_eq!(kind, HandledEventType::InvoicePaymentFailed);
        assert_eq!(i.amount_paid, 0);

        let finalized = INVOICE_PAID.replace("\"invoice.paid\"", "\"invoice.finalized\"");
        let HandledEvent::Invoice { kind, .. } = parse(&finalized).handled().unwrap() else {
            panic!()
        };
        assert_eq!(kind, HandledEventType::InvoiceFinalized);
    }

    #[test]
    fn other_events_are_ignored_without_reading_their_object() {
        let e = parse(PLAN_CREATED);
        assert_eq!(e.event_type, "plan.created");
        assert_eq!(e.api_version, None);
        assert_eq!(e.handled_type(), HandledEventType::Ignored);
        assert_eq!(e.handled().unwrap(), HandledEvent::Ignored);
        assert!(e.object_json().starts_with('{'));
    }

    #[test]
    fn bodies_that_are_not_events_are_errors_not_panics() {
        for raw in [
            "",
            "null",
            "[]",
            "{}",
            r#"{"id":"evt_1","type":"invoice.paid"}"#,
            "\u{0}",
            r#"{"id":1}"#,
        ] {
            assert!(
                matches!(
                    StripeEvent::parse(raw.as_bytes()),
                    Err(EventError::BadEnvelope { .. })
                ),
                "{raw:?}"
            );
        }
        let wrong = r#"{"id":"evt_1","type":"invoice.paid","created":1,"livemode":false,"data":{"object":{"object":"invoice"}}}"#;
        let err = parse(wrong).handled().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the data.object of the invoice.paid event"),
            "{err}"
        );
    }
}
