//! What the fake service remembers: contacts, sent messages, events and quota usage.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use serde_json::{json, Map, Value};

use crate::seed::Seed;
use crate::util::IdGen;

/// What kind of message the server accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// `POST /webhook/mail/send`, one per recipient.
    Email,
    /// `POST /webhook/mail/send-direct`, one per sent recipient.
    DirectEmail,
    /// `POST /webhook/whatsapp_message/send`, one per recipient.
    WhatsApp,
    /// `POST /webhook/otp/send`, one per address or number.
    Otp,
}

/// One message the server accepted for delivery, for assertions in tests.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SentMessage {
    /// Which endpoint accepted it.
    pub kind: MessageKind,
    /// The recipient: an email address or a WhatsApp number.
    pub to: String,
    /// The message id reported to the client (none for direct emails and OTPs).
    pub message_id: Option<String>,
    /// The whole JSON request body it came from.
    pub request: Value,
}

/// Daily and monthly email quotas (not enforced).
pub(crate) const MAIL_PER_DAY_LIMIT: u64 = 1000;
pub(crate) const MAIL_PER_MONTH_LIMIT: u64 = 30_000;
pub(crate) const WHATSAPP_PER_MONTH_LIMIT: u64 = 10_000;

/// A contact as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Contact {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) subscribed: bool,
    pub(crate) user_group: Option<String>,
    pub(crate) user_id: Option<String>,
    pub(crate) mailing_lists: BTreeMap<String, bool>,
    pub(crate) custom: BTreeMap<String, Value>,
}

impl Contact {
    pub(crate) fn new(id: String, email: String) -> Self {
        Contact {
            id,
            email,
            first_name: None,
            last_name: None,
            source: None,
            subscribed: true,
            user_group: None,
            user_id: None,
            mailing_lists: BTreeMap::new(),
            custom: BTreeMap::new(),
        }
    }

    /// The wire shape: every standard property (null when unset) plus custom properties.
    pub(crate) fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in &self.custom {
            m.insert(k.clone(), v.clone());
        }
        m.insert("id".into(), json!(self.id));
        m.insert("email".into(), json!(self.email));
        m.insert("firstName".into(), json!(self.first_name));
        m.insert("lastName".into(), json!(self.last_name));
        m.insert("source".into(), json!(self.source));
        m.insert("subscribed".into(), json!(self.subscribed));
        m.insert("userGroup".into(), json!(self.user_group));
        m.insert("userId".into(), json!(self.user_id));
        m.insert("mailingLists".into(), json!(self.mailing_lists));
        Value::Object(m)
    }

    /// Applies a validated patch.
    pub(crate) fn apply(&mut self, patch: &ContactPatch) {
        fn set(slot: &mut Option<String>, p: &Patch<String>) {
            match p {
                Patch::Keep => {}
                Patch::Clear => *slot = None,
                Patch::Set(v) => *slot = Some(v.clone()),
            }
        }
        set(&mut self.first_name, &patch.first_name);
        set(&mut self.last_name, &patch.last_name);
        set(&mut self.source, &patch.source);
        set(&mut self.user_group, &patch.user_group);
        set(&mut self.user_id, &patch.user_id);
        if let Some(s) = patch.subscribed {
            self.subscribed = s;
        }
        match &patch.mailing_lists {
            Patch::Keep => {}
            Patch::Clear => self.mailing_lists.clear(),
            Patch::Set(lists) => {
                for (id, on) in lists {
                    self.mailing_lists.insert(id.clone(), *on);
                }
            }
        }
        for (k, v) in &patch.custom {
            match v {
                Some(v) => {
                    self.custom.insert(k.clone(), v.clone());
                }
                None => {
                    self.custom.remove(k);
                }
            }
        }
    }
}

/// A change to one property.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

/// Validated contact properties from a create or update body (identity fields aside).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ContactPatch {
    pub(crate) first_name: Patch<String>,
    pub(crate) last_name: Patch<String>,
    pub(crate) source: Patch<String>,
    pub(crate) user_group: Patch<String>,
    pub(crate) user_id: Patch<String>,
    pub(crate) subscribed: Option<bool>,
    pub(crate) mailing_lists: Patch<Vec<(String, bool)>>,
    /// `None` clears the property.
    pub(crate) custom: Vec<(String, Option<Value>)>,
}

/// Contacts in creation order, indexed by email (case-insensitive) and user id.
#[derive(Debug, Default)]
pub(crate) struct Contacts {
    by_seq: BTreeMap<u64, Contact>,
    by_email: HashMap<String, u64>,
    by_user_id: HashMap<String, u64>,
    next_seq: u64,
}

impl Contacts {
    pub(crate) fn seq_by_email(&self, email: &str) -> Option<u64> {
        self.by_email.get(&email.to_lowercase()).copied()
    }

    pub(crate) fn seq_by_user_id(&self, user_id: &str) -> Option<u64> {
        self.by_user_id.get(user_id).copied()
    }

    pub(crate) fn get(&self, seq: u64) -> Option<&Contact> {
        self.by_seq.get(&seq)
    }

    /// Stores a new contact; the caller checked that its email and user id are free.
    pub(crate) fn insert(&mut self, contact: Contact) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.index(seq, &contact);
        self.by_seq.insert(seq, contact);
        seq
    }

    /// Replaces a contact, keeping the indexes right; the caller checked uniqueness.
    pub(crate) fn replace(&mut self, seq: u64, contact: Contact) {
        if let Some(old) = self.by_seq.remove(&seq) {
            self.unindex(&old);
        }
        self.index(seq, &contact);
        self.by_seq.insert(seq, contact);
    }

    pub(crate) fn remove(&mut self, seq: u64) -> Option<Contact> {
        let old = self.by_seq.remove(&seq)?;
        self.unindex(&old);
        Some(old)
    }

    pub(crate) fn to_json(&self) -> Vec<Value> {
        self.by_seq.values().map(Contact::to_json).collect()
    }

    fn index(&mut self, seq: u64, c: &Contact) {
        self.by_email.insert(c.email.to_lowercase(), seq);
        if let Some(u) = &c.user_id {
            self.by_user_id.insert(u.clone(), seq);
        }
    }

    fn unindex(&mut self, c: &Contact) {
        self.by_email.remove(&c.email.to_lowercase());
        if let Some(u) = &c.user_id {
            self.by_user_id.remove(u);
        }
    }
}

/// A transactional email, remembered for the status endpoint.
#[derive(Debug, Clone)]
pub(crate) struct MailRecord {
    pub(crate) message_id: String,
    pub(crate) email: String,
    pub(crate) name: Option<String>,
    pub(crate) subject: Option<String>,
    pub(crate) content: Option<String>,
    pub(crate) transactional_id: Option<String>,
    pub(crate) open_tracking: bool,
    pub(crate) scheduled_at: Option<String>,
    pub(crate) created: SystemTime,
}

/// A WhatsApp message, remembered for the status endpoint.
#[derive(Debug, Clone)]
pub(crate) struct WhatsAppRecord {
    pub(crate) uuid: String,
    pub(crate) message_id: String,
    pub(crate) conversation_id: String,
    pub(crate) kind: String,
    pub(crate) to: String,
    pub(crate) content: Value,
    pub(crate) from_number: String,
    pub(crate) contact_id: i64,
    pub(crate) email: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) first_name: Option<String>,
    pub(crate) created: SystemTime,
}

/// Everything the fake service remembers, behind one lock.
#[derive(Debug)]
pub(crate) struct State {
    /// The seeded mailing lists and custom fields.
    pub(crate) seed: Seed,
    pub(crate) ids: IdGen,
    pub(crate) contacts: Contacts,
    pub(crate) mails: HashMap<String, MailRecord>,
    pub(crate) whatsapps: HashMap<String, WhatsAppRecord>,
    pub(crate) sent: Vec<SentMessage>,
    pub(crate) events: Vec<Value>,
    pub(crate) mail_usage_day: u64,
    pub(crate) mail_usage_month: u64,
    pub(crate) whatsapp_usage: u64,
    whatsapp_contact_ids: HashMap<String, i64>,
}

impl State {
    pub(crate) fn new(seed: Seed) -> Self {
        State {
            seed,
            ids: IdGen::new(),
            contacts: Contacts::default(),
            mails: HashMap::new(),
            whatsapps: HashMap::new(),
            sent: Vec::new(),
            events: Vec::new(),
            mail_usage_day: 0,
            mail_usage_month: 0,
            whatsapp_usage: 0,
            whatsapp_contact_ids: HashMap::new(),
        }
    }

    /// Counts `n` emails against the quotas.
    pub(crate) fn count_mail(&mut self, n: u64) {
        self.mail_usage_day += n;
        self.mail_usage_month += n;
    }

    pub(crate) fn mail_quotas(&self) -> Value {
        json!({
            "MAX_SEND_MAIL_PER_DAY": {"limit": MAIL_PER_DAY_LIMIT, "usage": self.mail_usage_day},
            "MAX_SEND_MAIL_PER_MONTH_TRANSACTIONAL": {"limit": MAIL_PER_MONTH_LIMIT, "usage": self.mail_usage_month},
        })
    }

    pub(crate) fn whatsapp_quotas(&self) -> Value {
        json!({
            "MAX_WHATSAPP_SEND_PER_MONTH": {"limit": WHATSAPP_PER_MONTH_LIMIT, "usage": self.whatsapp_usage},
        })
    }

    /// The integer id of the WhatsApp contact with this number, allocated on first use.
    pub(crate) fn whatsapp_contact_id(&mut self, number: &str) -> i64 {
        let next = self.whatsapp_contact_ids.len() as i64 + 1001;
        *self
            .whatsapp_contact_ids
            .entry(number.to_owned())
            .or_insert(next)
    }

    /// A fresh email message id in the usual `<…@…>` Message-ID shape.
    pub(crate) fn new_mail_id(&mut self) -> String {
        format!("<{}@mock.cocoonmail.test>", self.ids.uuid())
    }

    /// A fresh WhatsApp message id (`wamid.` and 40 hexadecimal digits).
    pub(crate) fn new_whatsapp_id(&mut self) -> String {
        format!("wamid.HBgL{}", self.ids.hex(40))
    }
}
