//! Who receives a message: per audience, from `mim.yaml` and the response plan's
//! stakeholders. The provider's lists (`audiences.internal`, `audiences.management`) and
//! the client's contacts never meet in one message.

use anyhow::bail;

use crate::address::Mailbox;
use crate::config::Config;
use crate::model::Audience;
use crate::model::Incident;
use crate::model::plan::Stakeholder;
use crate::state::State;

/// To and Cc of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recipients {
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
}

impl Recipients {
    pub fn is_empty(&self) -> bool {
        self.to.is_empty() && self.cc.is_empty()
    }
}

/// To and Cc for `audience` of `incident`:
///
/// - internal: `audiences.internal.to` / `.cc`, plus `internal` stakeholders (Cc);
/// - management: `audiences.management.to` / `.cc`, plus `management` stakeholders (Cc);
/// - client: the client's `contacts.client`;
/// - client management: the client's `contacts.management`, plus `client-management`
///   stakeholders (Cc);
/// - end users: the client's `contacts.end_users`.
///
/// `client` is the client the message is about: the incident's, or one of its several
/// clients' (`state` says which it affects); none for the provider's own audiences. Of
/// the plan's client-management stakeholders an incident of several clients sends it
/// only that client's contacts.
///
/// Empty when nobody is configured; an error for a client audience of an incident
/// without a client, and for a stakeholder on the wrong side (see [`check_stakeholder`]).
pub fn recipients_for(
    config: &Config,
    incident: &Incident,
    state: &State,
    audience: Audience,
    client: Option<&str>,
) -> anyhow::Result<Recipients> {
    let contacts = match (audience.is_external(), client) {
        (false, _) => None,
        (true, None) => bail!(
            "the {audience} audience needs a client, and this incident has none; \
             use --audience internal or management"
        ),
        (true, Some(c)) => match config.clients.get(c) {
            Some(client) => Some(&client.contacts),
            None => bail!("client `{c}` is not under `clients` in mim.yaml"),
        },
    };
    let (to, cc): (&[Mailbox], &[Mailbox]) = match (audience, contacts) {
        (Audience::Internal, _) => (&config.audiences.internal.to, &config.audiences.internal.cc),
        (Audience::Management, _) => (
            &config.audiences.management.to,
            &config.audiences.management.cc,
        ),
        (Audience::Client, Some(c)) => (&c.client, &[]),
        (Audience::ClientManagement, Some(c)) => (&c.management, &[]),
        (Audience::EndUsers, Some(c)) => (&c.end_users, &[]),
        (_, None) => unreachable!("client audiences have contacts"),
    };
    let mut out = Recipients {
        to: to.to_vec(),
        cc: cc.to_vec(),
    };
    // Every client the incident names, taken off or not.
    let all: Vec<&str> = state.clients.iter().map(|c| c.client.as_str()).collect();
    for s in stakeholders(incident, audience) {
        let Some(mailbox) = s.mailbox() else { continue };
        check_stakeholder(config, &all, s)?;
        if all.len() > 1 && audience.is_external() {
            // Whose contact it is decides which client's messages it follows.
            let whose = config.client_contact(&mailbox).map(|(key, _)| key);
            if whose != client {
                continue;
            }
        }
        out.cc.push(mailbox);
    }
    Ok(tidy(out))
}

fn stakeholders(incident: &Incident, audience: Audience) -> impl Iterator<Item = &Stakeholder> {
    incident
        .plan
        .iter()
        .flat_map(|p| p.stakeholders.iter())
        .filter(move |s| s.kind == audience)
}

/// Each address once (To before Cc), and a To for a message with only Cc.
fn tidy(r: Recipients) -> Recipients {
    let mut seen: Vec<Mailbox> = Vec::new();
    let mut once = |list: Vec<Mailbox>| -> Vec<Mailbox> {
        let mut out = Vec::new();
        for m in list {
            if !seen.iter().any(|s| s.same_address(&m)) {
                seen.push(m.clone());
                out.push(m);
            }
        }
        out
    };
    let to = once(r.to);
    let cc = once(r.cc);
    if to.is_empty() {
        return Recipients { to: cc, cc: to };
    }
    Recipients { to, cc }
}

/// Where in `mim.yaml` (or the plan) an audience's recipients are configured, for messages.
pub fn where_to_set(audience: Audience) -> &'static str {
    match audience {
        Audience::Internal => "set audiences.internal.to in mim.yaml",
        Audience::Management => "set audiences.management.to in mim.yaml",
        Audience::Client => "set the client's contacts.client in mim.yaml",
        Audience::ClientManagement => {
            "set the client's contacts.management in mim.yaml, or add a stakeholder with `mim plan --stakeholder ADDR:client-management`"
        }
        Audience::EndUsers => "set the client's contacts.end_users in mim.yaml",
    }
}

/// The provider's list in `mim.yaml` that names `mailbox`, if one does.
pub fn provider_list(config: &Config, mailbox: &Mailbox) -> Option<&'static str> {
    let a = &config.audiences;
    [
        ("audiences.internal", &a.internal.to, &a.internal.cc),
        ("audiences.management", &a.management.to, &a.management.cc),
    ]
    .into_iter()
    .find(|(_, to, cc)| to.iter().chain(cc.iter()).any(|m| m.same_address(mailbox)))
    .map(|(name, _, _)| name)
}

/// A stakeholder must be on the side of the line their kind is: a client's contact is
/// never one of the provider's own people, and the provider's lists never follow the
/// client's management messages. `client-management` needs an incident with a client.
pub fn check_stakeholder(config: &Config, clients: &[&str], s: &Stakeholder) -> anyhow::Result<()> {
    let Some(mailbox) = s.mailbox() else {
        return Ok(());
    };
    let who = &mailbox.address;
    if s.kind.is_external() {
        if clients.is_empty() {
            bail!(
                "stakeholder {who} is to receive client-management messages, but this incident has no client"
            );
        }
        match config.client_contact(&mailbox) {
            Some((key, list)) if !clients.contains(&key) => bail!(
                "stakeholder {who} is a contact of client {key} ({list} in mim.yaml), not of this incident's client"
            ),
            None if clients.len() > 1 => bail!(
                "stakeholder {who} is to receive client-management messages, but this incident affects \
                 several clients and {who} is a contact of none of them: add it to that client's \
                 `contacts` in mim.yaml, so it receives only that client's messages"
            ),
            _ => {}
        }
        if let Some(list) = provider_list(config, &mailbox) {
            bail!(
                "stakeholder {who} is one of the provider's own recipients ({list} in mim.yaml), \
                 so it never receives the client's messages: give it as {who}:internal or {who}:management"
            );
        }
    } else if let Some((key, list)) = config.client_contact(&mailbox) {
        bail!(
            "stakeholder {who} is a contact of client {key} ({list} in mim.yaml), so it never receives \
             the provider's {} messages: give it as {who}:client-management",
            s.kind
        );
    }
    Ok(())
}
