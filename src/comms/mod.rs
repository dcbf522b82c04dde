//! Status communications: audiences and their recipients, update numbering, message
//! names and IDs, the template context, and composing one e-mail per audience. Pure:
//! the commands load files and pass `now`; nothing here reads the clock or the disk.

pub mod eml;
pub mod outbox;
pub mod update_file;

#[cfg(test)]
mod tests;

use anyhow::{Context as _, bail};
use chrono::Utc;
use serde::Serialize;

use crate::config::{Address, Config};
pub use crate::model::Audience;
use crate::model::{Event, Incident};
use crate::render::email::{Email, Mailbox, parse_address};
use crate::render::{Templates, markdown};
use crate::state::State;
use crate::time::Timestamp;
use crate::units::Duration;
use crate::view::{Common, UpdateView};

/// What a message is: status update number N, or the restoral notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Update(u32),
    Restoral,
}

impl Kind {
    /// The built-in template for this kind of message to `audience`.
    pub fn template(self, audience: Audience) -> String {
        match self {
            Kind::Update(_) => format!("update-{audience}.md"),
            Kind::Restoral => format!("restoral-{audience}.md"),
        }
    }

    fn tag(self) -> String {
        match self {
            Kind::Update(n) => format!("u{n}"),
            Kind::Restoral => "resolved".to_string(),
        }
    }
}

/// The audiences `mim update --audience all` writes to: the client only when the
/// incident has one.
pub fn all_update_audiences(has_client: bool) -> Vec<Audience> {
    let mut out = vec![Audience::Internal, Audience::Management];
    if has_client {
        out.push(Audience::Client);
    }
    out
}

/// To and Cc for `audience`, from `mim.yaml`: internal → `audiences.internal`;
/// management → `audiences.management` plus the client's `contacts.management`;
/// client → the client's `contacts.client`; end users → `contacts.end_users`.
pub fn recipients(
    config: &Config,
    client: Option<&str>,
    audience: Audience,
) -> anyhow::Result<(Vec<Mailbox>, Vec<Mailbox>)> {
    let contacts = client
        .and_then(|c| config.clients.get(c))
        .map(|c| &c.contacts);
    let needs_client = || -> anyhow::Result<()> {
        match client {
            None => bail!(
                "the {audience} audience needs a client, and this incident has none; \
                 use --audience internal or management"
            ),
            Some(c) if contacts.is_none() => {
                bail!("client `{c}` is not under `clients` in mim.yaml")
            }
            Some(_) => Ok(()),
        }
    };
    let (to, cc): (Vec<&Address>, Vec<&Address>) = match audience {
        Audience::Internal => (
            config.audiences.internal.to.iter().collect(),
            config.audiences.internal.cc.iter().collect(),
        ),
        Audience::Management => {
            let mut to: Vec<&Address> = config.audiences.management.to.iter().collect();
            to.extend(contacts.into_iter().flat_map(|c| c.management.iter()));
            (to, config.audiences.management.cc.iter().collect())
        }
        Audience::Client => {
            needs_client()?;
            (
                contacts.into_iter().flat_map(|c| c.client.iter()).collect(),
                Vec::new(),
            )
        }
        Audience::EndUsers => {
            needs_client()?;
            (
                contacts
                    .into_iter()
                    .flat_map(|c| c.end_users.iter())
                    .collect(),
                Vec::new(),
            )
        }
    };
    let to = mailboxes(&to)?;
    let cc = mailboxes(&cc)?;
    if to.is_empty() {
        bail!(
            "no recipients for the {audience} audience: {}",
            where_to_set(audience)
        );
    }
    Ok((to, cc))
}

/// Where in `mim.yaml` an audience's recipients are configured, for messages.
pub fn where_to_set(audience: Audience) -> &'static str {
    match audience {
        Audience::Internal => "set audiences.internal.to in mim.yaml",
        Audience::Management => {
            "set audiences.management.to or the client's contacts.management in mim.yaml"
        }
        Audience::Client => "set the client's contacts.client in mim.yaml",
        Audience::EndUsers => "set the client's contacts.end_users in mim.yaml",
    }
}

fn mailboxes(addresses: &[&Address]) -> anyhow::Result<Vec<Mailbox>> {
    addresses
        .iter()
        .map(|a| parse_address(a.as_str()).map_err(anyhow::Error::msg))
        .collect()
}

/// The next update number: one more than the highest recorded. Two clones that record
/// an update at the same time both take the same number; after the merge both stay
/// (they were sent as such), and the next update continues after the highest.
pub fn next_update_number(incident: &Incident) -> u32 {
    incident
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Update { number, .. } => Some(*number),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        + 1
}

/// `20261124T093000Z`: an instant in UTC, for file names that sort in time order.
pub fn compact(at: &Timestamp) -> String {
    at.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string()
}

/// The name (without `.eml`) of a message in `outbox/`: `20261124T093000Z-u3-client`.
pub fn stem(at: &Timestamp, kind: Kind, audience: Audience) -> String {
    format!("{}-{}-{audience}", compact(at), kind.tag())
}

/// The order in which an incident's messages were written, for finding the first one:
/// by time (the stem's prefix), then internal before management, client and end users,
/// so the thread starts where the provider's own people see it.
pub fn thread_order(stem: &str) -> (String, usize) {
    let stem = stem.trim_end_matches(".eml");
    let rank = [
        Audience::Internal,
        Audience::Management,
        Audience::Client,
        Audience::EndUsers,
    ]
    .iter()
    .position(|a| stem.ends_with(&format!("-{a}")))
    .unwrap_or(usize::MAX);
    (stem.split('-').next().unwrap_or_default().to_string(), rank)
}

/// A Message-ID (without angle brackets) that depends only on the message's name, the
/// incident and the sender's domain: `20261124T093000Z-u3-client.<id>@msp.example`.
pub fn message_id(stem: &str, incident_id: &str, from: &Mailbox) -> String {
    let domain = from
        .address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("mim.invalid");
    format!("{stem}.{incident_id}@{domain}")
}

/// `[P1][ACME Corp] Payments API outage — Update 3` (or `— Resolved`).
pub fn subject(priority: &str, client_name: Option<&str>, title: &str, kind: Kind) -> String {
    format!(
        "{} — {}",
        thread_topic(priority, client_name, title),
        match kind {
            Kind::Update(n) => format!("Update {n}"),
            Kind::Restoral => "Resolved".to_string(),
        }
    )
}

/// The subject without the update number: what every message of the incident shares.
pub fn thread_topic(priority: &str, client_name: Option<&str>, title: &str) -> String {
    match client_name {
        Some(client) => format!("[{priority}][{client}] {title}"),
        None => format!("[{priority}] {title}"),
    }
}

/// Time used against the restore target: working time in the priority's calendar from
/// reported to `end` (resolved, or now), less time on hold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RestoreClock {
    /// The target, e.g. `4h`.
    pub target: String,
    pub used: String,
    /// Working time left; `0m` once breached.
    pub remaining: String,
    /// Share of the target used, in whole percent (may pass 100).
    pub percent: u32,
    /// When the target is (or was) due, RFC 3339; none while an open hold stops the clock.
    pub due: Option<String>,
    pub breached: bool,
    /// `24x7` or the calendar's name.
    pub calendar: String,
}

/// The restore clock as the SLA engine counts it at `end`, for management updates;
/// the same numbers `mim check` reports.
pub fn restore_clock(config: &Config, incident: &Incident, state: &State) -> Option<RestoreClock> {
    let clock = crate::sla::evaluate_state(config, incident, state)
        .clocks
        .into_iter()
        .find(|c| c.rule == crate::sla::Rule::Restore)?;
    let name = config
        .calendar_name(&state.priority, incident.record.client.as_deref())?
        .to_string();
    let target = clock.target;
    let used = clock.elapsed;
    let percent = if target.secs() > 0 {
        u32::try_from(used.secs() * 100 / target.secs()).unwrap_or(u32::MAX)
    } else {
        100
    };
    Some(RestoreClock {
        target: target.to_string(),
        used: used.to_string(),
        remaining: Duration::from_secs((target.secs() - used.secs()).max(0)).to_string(),
        percent,
        due: clock.due.as_ref().map(crate::time::format),
        breached: clock.state == crate::sla::ClockState::Breached,
        calendar: name,
    })
}

/// The time zone messages to `audience` show times in: the client's calendar zone for
/// the client and end users, else the organisation's.
pub fn display_zone(config: &Config, client: Option<&str>, audience: Audience) -> String {
    let client_zone = client
        .and_then(|c| config.clients.get(c))
        .and_then(|c| c.calendar.as_deref())
        .and_then(|name| config.calendars.get(name))
        .map(|cal| cal.timezone.0);
    match client_zone {
        Some(tz) if audience.is_external() => tz.name().to_string(),
        _ => config.tz().name().to_string(),
    }
}

/// Everything an e-mail template may use: what every template sees, plus the audience,
/// the update and the restore clock. Optional values are present as `none`, so a
/// template can test them (`{% if update.eta %}`) while a misspelt name is still an error.
#[derive(Clone, Debug, Serialize)]
pub struct MessageContext {
    #[serde(flatten)]
    pub common: Common,
    pub audience: Audience,
    /// The status update (update messages; none in restoral notices).
    pub update: Option<UpdateView>,
    pub restore: Option<RestoreClock>,
}

impl MessageContext {
    /// A message to `audience` at `at` about `incident` in `state`, without an update;
    /// times are shown in the audience's time zone.
    pub fn new(
        config: &Config,
        incident: &Incident,
        state: &State,
        audience: Audience,
        at: Timestamp,
    ) -> MessageContext {
        let tz = display_zone(config, incident.record.client.as_deref(), audience);
        MessageContext {
            common: Common::new(config, incident, state, tz, at),
            audience,
            update: None,
            restore: restore_clock(config, incident, state),
        }
    }
}

/// One message to compose: what it is, for whom, and when.
#[derive(Clone, Debug)]
pub struct Draft {
    pub kind: Kind,
    pub audience: Audience,
    pub at: Timestamp,
    pub context: MessageContext,
}

impl Draft {
    pub fn stem(&self) -> String {
        stem(&self.at, self.kind, self.audience)
    }
}

/// A composed message and its file name in `outbox/`.
#[derive(Clone, Debug)]
pub struct Composed {
    pub stem: String,
    /// The message as written to `outbox/` and piped to sendmail.
    pub bytes: Vec<u8>,
}

impl Composed {
    pub fn file_name(&self) -> String {
        format!("{}.eml", self.stem)
    }
}

/// Render and assemble the messages of one command. `thread_root` is the Message-ID of
/// the incident's first message when there is one already; otherwise the first of
/// `drafts` in file-name order becomes it. Every other message answers the root.
pub fn compose(
    config: &Config,
    templates: &Templates,
    incident: &Incident,
    drafts: &[Draft],
    thread_root: Option<String>,
) -> anyhow::Result<Vec<Composed>> {
    let mut from = parse_address(config.organization.email.as_str()).map_err(anyhow::Error::msg)?;
    if from.name.is_none() {
        from.name = Some(config.organization.name.clone());
    }
    let client = incident.record.client.as_deref();
    // Without a root yet, the first new message by file name (= time) order becomes it,
    // as `outbox::thread_root` will find it next time.
    let root = thread_root.or_else(|| {
        drafts
            .iter()
            .map(Draft::stem)
            .min_by_key(|stem| thread_order(stem))
            .map(|stem| message_id(&stem, &incident.id, &from))
    });
    let mut out = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let stem = draft.stem();
        let id = message_id(&stem, &incident.id, &from);
        let (to, cc) = recipients(config, client, draft.audience)?;
        let name = draft.kind.template(draft.audience);
        let text = templates.render(&name, &draft.context)?;
        let inc = &draft.context.common.incident;
        let subject = subject(&inc.priority, inc.client.as_deref(), &inc.title, draft.kind);
        let html = markdown::html_document(&subject, &markdown::to_html(&text));
        let (in_reply_to, references) = match &root {
            Some(r) if *r != id => (Some(r.clone()), vec![r.clone()]),
            _ => (None, Vec::new()),
        };
        let email = Email {
            from: from.clone(),
            to,
            cc,
            subject,
            date: draft.at,
            message_id: id,
            in_reply_to,
            references,
            text,
            html,
            extra_headers: vec![
                (
                    "Thread-Topic".to_string(),
                    thread_topic(&inc.priority, inc.client.as_deref(), &inc.title),
                ),
                ("X-Mim-Incident".to_string(), incident.id.clone()),
                ("X-Mim-Audience".to_string(), draft.audience.to_string()),
            ],
        };
        let bytes = email
            .to_bytes()
            .with_context(|| format!("composing the {} message", draft.audience))?;
        out.push(Composed { stem, bytes });
    }
    Ok(out)
}
