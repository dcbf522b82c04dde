//! Who a message is for: the one audience type of the e-mails, the update cadence, the
//! plan and the PIR. `internal` and `management` are the provider's own lists; `client`,
//! `client-management` and `end-users` are the client's contacts. A message never goes to
//! both sides.

use std::fmt;

use serde::{Serialize, Serializer};

/// Who a message is for. `EndUsers` only receive restoral notices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Audience {
    /// The provider's engineers and service desk (`audiences.internal`).
    Internal,
    /// The provider's own service management (`audiences.management`).
    Management,
    /// The client's IT contacts (`contacts.client`).
    Client,
    /// The client's management (`contacts.management`).
    ClientManagement,
    /// The client's end users (`contacts.end_users`).
    EndUsers,
}

impl Audience {
    pub const ALL: [Audience; 5] = [
        Audience::Internal,
        Audience::Management,
        Audience::Client,
        Audience::ClientManagement,
        Audience::EndUsers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Internal => "internal",
            Audience::Management => "management",
            Audience::Client => "client",
            Audience::ClientManagement => "client-management",
            Audience::EndUsers => "end-users",
        }
    }

    pub fn parse(text: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The client's people: they see plain language, the client's time zone, and nothing
    /// meant for the provider's own people.
    pub fn is_external(self) -> bool {
        matches!(
            self,
            Audience::Client | Audience::ClientManagement | Audience::EndUsers
        )
    }

    /// The audience whose update cadence a message to this one states: management
    /// messages state the internal cadence, messages to the client's people the client's.
    pub fn cadence_audience(self) -> Option<Audience> {
        Some(match self {
            Audience::Internal | Audience::Management => Audience::Internal,
            Audience::Client | Audience::ClientManagement | Audience::EndUsers => Audience::Client,
        })
    }

    /// Whether an `update` event recorded for `recorded` counts for this audience's
    /// cadence (`all`, written by old versions, counts for every audience).
    pub fn counts(self, recorded: &str) -> bool {
        recorded == "all" || recorded == self.as_str()
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
