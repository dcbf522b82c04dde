//! Status communications: audiences and their recipients ([`recipients`]), message names
//! and IDs, threads per audience, the template context, and composing one e-mail per
//! audience. Update numbers come from [`State::next_update_number_for`]. Pure, except
//! [`outbox`], which reads and lists an incident's `outbox/`: the commands load files and
//! pass `now`; nothing here reads the clock.

pub mod eml;
pub mod outbox;
mod recipients;
pub mod update_file;

pub use recipients::{Recipients, check_stakeholder, recipients_for, where_to_set};

#[cfg(test)]
mod tests;

use anyhow::Context as _;
use chrono::{NaiveDateTime, Utc};
use serde::Serialize;

use crate::config::Config;
use crate::facts::{Facts, Reader, RestoreFacts};
pub use crate::model::Audience;
use crate::model::Incident;
use crate::render::email::{Email, Mailbox};
use crate::render::view::{Common, UpdateView};
use crate::render::{Templates, markdown, plain};
use crate::state::State;
use crate::time::Timestamp;

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

/// The audiences `mim update --audience all` writes to: internal and management, and
/// for an incident with a client, the client and, when it has recipients (the client's
/// `contacts.management` or stakeholders), the client's management.
///
/// While the incident affects several clients these are [`Target`]s, one per client
/// affected (those whose service is back get it as a monitoring update); a client whose
/// management has no recipients gets no such message.
pub fn all_update_targets(
    config: &Config,
    incident: &Incident,
    state: &State,
    only: Option<&str>,
) -> anyhow::Result<Vec<Target>> {
    let mut audiences = vec![Audience::Internal, Audience::Management];
    if state.affected().next().is_some() {
        audiences.extend([Audience::Client, Audience::ClientManagement]);
    }
    let mut out = Vec::new();
    for target in targets(state, &audiences, only, true) {
        if target.audience == Audience::ClientManagement
            && recipients_for(
                config,
                incident,
                state,
                target.audience,
                target.client.as_deref(),
            )?
            .is_empty()
        {
            continue;
        }
        out.push(target);
    }
    Ok(out)
}

/// `20261124T093000Z`: an instant in UTC, for file names that sort in time order.
pub fn compact(at: &Timestamp) -> String {
    at.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string()
}

/// `20261124T093000Z`, or `20261124T093000Z.2` for the second file of its kind named at
/// that second (`seq` 2; 1 is the plain time): file names never collide, however many
/// commands run in one second. The sequence is chosen under the repository lock.
pub fn compact_seq(at: &Timestamp, seq: u32) -> String {
    match seq {
        0 | 1 => compact(at),
        n => format!("{}.{n}", compact(at)),
    }
}

/// The time and sequence of a name's first part (`20261124T093000Z` or
/// `20261124T093000Z.2`, see [`compact_seq`]); None for anything else.
pub fn parse_compact(text: &str) -> Option<(Timestamp, u32)> {
    let (at, seq) = match text.split_once('.') {
        // Only as mim writes it: 2 or more, no leading zero.
        Some((at, seq)) if !seq.starts_with('0') && seq.bytes().all(|b| b.is_ascii_digit()) => {
            (at, seq.parse().ok().filter(|n| *n >= 2)?)
        }
        Some(_) => return None,
        None => (text, 1),
    };
    if at.len() != 16 {
        return None;
    }
    let at = NaiveDateTime::parse_from_str(at, "%Y%m%dT%H%M%SZ")
        .ok()?
        .and_utc()
        .fixed_offset();
    Some((at, seq))
}

/// The name (without `.eml`) of a message in `outbox/`: `20261124T093000Z-u3-client`,
/// or, for one of several clients, `20261124T093000Z-u3-client+acme`; with `seq` 2 or
/// more, `20261124T093000Z.2-u3-client` (see [`compact_seq`]).
pub fn stem(
    at: &Timestamp,
    seq: u32,
    kind: Kind,
    audience: Audience,
    client: Option<&str>,
) -> String {
    let at = compact_seq(at, seq);
    match client {
        Some(key) => format!("{at}-{}-{audience}+{key}", kind.tag()),
        None => format!("{at}-{}-{audience}", kind.tag()),
    }
}

/// What a message's name says it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Stem {
    pub at: Timestamp,
    /// 1, or which of the messages of its kind named at that second it is.
    pub seq: u32,
    pub kind: Kind,
    pub audience: Audience,
    /// The one client it is for, when the incident affects several.
    pub client: Option<String>,
}

/// What a message in `outbox/` is, from its name (`stem` or `stem.eml`): when (with its
/// sequence, see [`compact_seq`]), which kind, for whom. None for a name mim did not
/// write. The one reader of message names: the ledger, validation and CI all use it.
pub fn parse_stem(name: &str) -> Option<Stem> {
    let stem = name.strip_suffix(".eml").unwrap_or(name);
    let (at, rest) = stem.split_once('-')?;
    let (tag, audience) = rest.split_once('-')?;
    let (audience, client) = match audience.split_once('+') {
        Some((audience, key)) if crate::config::is_key(key) => (audience, Some(key.to_string())),
        Some(_) => return None,
        None => (audience, None),
    };
    let (at, seq) = parse_compact(at)?;
    let kind = match tag {
        "resolved" => Kind::Restoral,
        _ => {
            let number = tag.strip_prefix('u')?;
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Kind::Update(number.parse().ok()?)
        }
    };
    Some(Stem {
        at,
        seq,
        kind,
        audience: Audience::parse(audience)?,
        client,
    })
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

/// `[P1][ACME Corp] Payments API outage — Update 3` (or `— Resolved`): the subject of a
/// message to `reader`. The client's IT contacts and end users read no priority code,
/// and their restoral notice says `Restored` (or `Restored on a workaround`).
pub fn subject(reader: &Facts, clients: Option<&str>, title: &str, kind: Kind) -> String {
    let what = match kind {
        Kind::Update(n) => format!("Update {n}"),
        Kind::Restoral if !reader.audience.is_external() => "Resolved".to_string(),
        Kind::Restoral if reader.workaround => "Restored on a workaround".to_string(),
        Kind::Restoral => "Restored".to_string(),
    };
    format!("{} — {what}", thread_topic(reader, clients, title))
}

/// The subject without the update number: what every message of the incident to one
/// reader shares. `clients` names the clients (every affected one, for the provider's
/// people; the reader's own, for the client's).
pub fn thread_topic(reader: &Facts, clients: Option<&str>, title: &str) -> String {
    let tags: String = [reader.priority.as_deref(), clients]
        .into_iter()
        .flatten()
        .map(|t| format!("[{t}]"))
        .collect();
    if tags.is_empty() {
        title.to_string()
    } else {
        format!("{tags} {title}")
    }
}

/// Everything an e-mail template may use: what every template sees, plus the audience,
/// the update, and the reader's facts ([`Facts`]): every time, duration and status the
/// message states comes from `reader`. Optional values are present as `none`, so a
/// template can test them (`{% if update.eta %}`) while a misspelt name is still an error.
#[derive(Clone, Debug, Serialize)]
pub struct MessageContext {
    #[serde(flatten)]
    pub common: Common,
    pub audience: Audience,
    /// The status update (update messages; none in restoral notices).
    pub update: Option<UpdateView>,
    /// The reader's restore clock: `reader.restore`, under the name older templates use.
    pub restore: Option<RestoreFacts>,
    /// What this reader is told: see [`Facts`].
    pub reader: Facts,
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
        MessageContext::new_for(config, incident, state, audience, at, None)
    }

    /// A message to `audience` about one of several affected clients (`client`): only
    /// that client's name, services, impact, restore clock and time zone are in it.
    pub fn new_for(
        config: &Config,
        incident: &Incident,
        state: &State,
        audience: Audience,
        at: Timestamp,
        client: Option<&str>,
    ) -> MessageContext {
        let reader = Facts::new(
            config,
            incident,
            state,
            &Reader::new(audience, client),
            None,
        );
        let mut common = Common::new(config, incident, state, reader.tz.clone(), at);
        if let Some(key) = client {
            common = common.for_client(config, state, key);
        }
        common.incident.adopt(&reader);
        let mut common = if audience.is_external() {
            common.client_facing()
        } else {
            common
        };
        // What the client's people are told of the restoration, with its typed times in
        // their zone: the reader's, under the names older templates use too.
        if let Some(r) = common
            .resolution
            .as_mut()
            .filter(|_| audience.is_external())
        {
            r.summary = reader.client_message.clone().unwrap_or_default();
            r.client_message = reader.client_message.clone();
        }
        MessageContext {
            common,
            audience,
            update: None,
            restore: reader.restore.clone(),
            reader,
        }
    }

    /// The same message, about status update `update` (signed by the organisation for the
    /// client's people), whose estimate of the restoration is `eta`. Clock times marked
    /// `{{ time("06:02") }}` in its text are shown in the reader's zone.
    pub fn with_update(mut self, mut update: UpdateView, eta: Option<Timestamp>) -> MessageContext {
        self.reader = self.reader.with_eta(eta);
        let zone: chrono_tz::Tz = self.reader.tz.parse().unwrap_or(chrono_tz::UTC);
        update.body = self.reader.localise(&update.body, zone);
        update.status_line = update
            .status_line
            .map(|line| self.reader.localise(&line, zone));
        update.eta = self.reader.eta.clone();
        update.next_at = self.reader.next_update_by.clone();
        self.update = Some(if self.audience.is_external() {
            update.client_facing(&self.common.org.name)
        } else {
            update
        });
        self
    }
}

/// One message to compose: what it is, for whom, and when.
#[derive(Clone, Debug)]
pub struct Draft {
    pub kind: Kind,
    pub audience: Audience,
    /// The client it is about (the client's people's messages).
    pub client: Option<String>,
    /// That client's own message, one of several clients': named, numbered and
    /// threaded on its own.
    pub own: bool,
    pub at: Timestamp,
    /// Which message of its name at that second (see [`compact_seq`]): 1 unless one of
    /// that name is in `outbox/` already.
    pub seq: u32,
    pub context: MessageContext,
}

impl Draft {
    /// A message to `target` at `at`.
    pub fn new(kind: Kind, target: &Target, at: Timestamp, context: MessageContext) -> Draft {
        Draft {
            kind,
            audience: target.audience,
            client: target.client.clone(),
            own: target.own,
            at,
            seq: 1,
            context,
        }
    }

    pub fn stem(&self) -> String {
        let own = self.client.as_deref().filter(|_| self.own);
        stem(&self.at, self.seq, self.kind, self.audience, own)
    }
}

/// Whom one message goes to: an audience, and for the client's people of an incident
/// that affects several clients, the one client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub audience: Audience,
    /// The client the message is about: none for the provider's own people.
    pub client: Option<String>,
    /// One of several clients' own message (see [`Draft::own`]).
    pub own: bool,
}

impl Target {
    /// `client`, or `client+acme` for one of several clients: as in the message's name.
    pub fn label(&self) -> String {
        match (&self.client, self.own) {
            (Some(key), true) => format!("{}+{key}", self.audience),
            _ => self.audience.to_string(),
        }
    }

    /// The client of the client's own message, as [`State::updates_for`] takes it.
    pub fn own_client(&self) -> Option<&str> {
        self.client.as_deref().filter(|_| self.own)
    }
}

/// The restoral notices that `entries` (a resolve, or one client's early restoration,
/// recorded at the first one's time) give `targets`: about the incident as it is once
/// they are recorded. The targets nobody is configured to receive come back apart.
pub fn restoral_drafts(
    config: &Config,
    incident: &Incident,
    entries: &[crate::model::Entry],
    targets: Vec<Target>,
) -> anyhow::Result<(Vec<Draft>, Vec<Target>)> {
    let Some(at) = entries.first().map(|e| e.at) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut after = incident.clone();
    after.entries.extend(entries.iter().cloned());
    let state = crate::state::derive(config, &after, at);
    let (mut drafts, mut nobody) = (Vec::new(), Vec::new());
    for target in targets {
        let audience = target.audience;
        if recipients_for(config, incident, &state, audience, target.client.as_deref())?.is_empty()
        {
            nobody.push(target);
            continue;
        }
        let context =
            MessageContext::new_for(config, &after, &state, audience, at, target.own_client());
        drafts.push(Draft::new(Kind::Restoral, &target, at, context));
    }
    Ok((drafts, nobody))
}

/// The messages for `audiences`: one per audience, except that while the incident
/// affects several clients, each audience of the client's people gets one message per
/// client (`restored`: every client affected, those whose service is back too; else
/// those still down), or just for `only`.
pub fn targets(
    state: &State,
    audiences: &[Audience],
    only: Option<&str>,
    restored: bool,
) -> Vec<Target> {
    let clients: Vec<&str> = match only {
        Some(key) => vec![key],
        None => state.clients_to_tell(restored),
    };
    let mut out = Vec::new();
    for &audience in audiences {
        if !audience.is_external() {
            // The provider's messages are about the incident; with one client, about it.
            out.push(Target {
                audience,
                client: state.sole_client().map(str::to_string),
                own: false,
            });
        } else if !state.writes_per_client() {
            out.push(Target {
                audience,
                client: only.or(state.sole_client()).map(str::to_string),
                own: false,
            });
        } else {
            out.extend(clients.iter().map(|key| Target {
                audience,
                client: Some(key.to_string()),
                own: true,
            }));
        }
    }
    out
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

/// The messages an incident's new message answers: the earlier messages to the same
/// audience about the same client, in the order they were recorded, without the
/// withdrawn ones. Each audience has its own thread, so nobody is sent a reply to a
/// message they never received.
#[derive(Clone, Debug, Default)]
pub struct Threads(Vec<Threaded>);

#[derive(Clone, Debug)]
struct Threaded {
    audience: Audience,
    client: Option<String>,
    id: String,
}

/// The most Message-IDs a `References` header lists: the thread's first, then the latest.
const MAX_REFERENCES: usize = 20;

impl Threads {
    /// Add a message (in the order they were recorded).
    pub fn push(&mut self, audience: Audience, client: Option<String>, id: String) {
        self.0.push(Threaded {
            audience,
            client,
            id,
        });
    }

    /// `(In-Reply-To, References)` for a new message to `audience` about `client`: the
    /// latest earlier message, and the thread from its first message on. The
    /// provider's people have one thread whatever the clients; each client's people
    /// their own.
    pub fn headers(
        &self,
        audience: Audience,
        client: Option<&str>,
    ) -> (Option<String>, Vec<String>) {
        let earlier: Vec<&str> = self
            .0
            .iter()
            .filter(|t| {
                t.audience == audience && (!audience.is_external() || t.client.as_deref() == client)
            })
            .map(|t| t.id.as_str())
            .collect();
        let mut references: Vec<String> = earlier.iter().map(|id| id.to_string()).collect();
        if references.len() > MAX_REFERENCES {
            references.drain(1..references.len() - (MAX_REFERENCES - 1));
        }
        (earlier.last().map(|id| id.to_string()), references)
    }
}

/// Render and assemble the messages of one command; each answers the earlier messages
/// of its own audience in `threads`. A message that cannot be rendered or assembled is
/// an error: nothing is skipped.
pub fn compose(
    config: &Config,
    templates: &Templates,
    incident: &Incident,
    state: &State,
    drafts: &[Draft],
    threads: &Threads,
) -> anyhow::Result<Vec<Composed>> {
    let mut from = config.organization.email.clone();
    if from.name.is_none() {
        from.name = Some(config.organization.name.clone());
    }
    let mut out = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let client = draft.client.as_deref();
        let stem = draft.stem();
        let id = message_id(&stem, &incident.id, &from);
        let Recipients { to, cc } =
            recipients_for(config, incident, state, draft.audience, client)?;
        if to.is_empty() {
            anyhow::bail!(
                "no recipients for the {} audience: {}",
                draft.audience,
                where_to_set(draft.audience)
            );
        }
        let name = draft.kind.template(draft.audience);
        let text = templates.render(&name, &draft.context)?;
        let inc = &draft.context.common.incident;
        let reader = &draft.context.reader;
        let clients = inc.client.as_deref();
        let subject = subject(reader, clients, &inc.title, draft.kind);
        let html = markdown::html_document(
            &subject,
            &markdown::to_html(&text),
            &templates.brand,
            &incident.id,
        );
        let (in_reply_to, references) = threads.headers(draft.audience, client);
        let mut extra_headers = vec![
            (
                "Thread-Topic".to_string(),
                thread_topic(reader, clients, &inc.title),
            ),
            ("X-Mim-Incident".to_string(), incident.id.clone()),
            ("X-Mim-Audience".to_string(), draft.audience.to_string()),
        ];
        if let Some(client) = client {
            extra_headers.push(("X-Mim-Client".to_string(), client.to_string()));
        }
        let email = Email {
            from: from.clone(),
            to,
            cc,
            subject,
            date: draft.at,
            message_id: id,
            in_reply_to,
            references,
            text: plain::to_text(&text),
            html,
            extra_headers,
        };
        let bytes = email
            .to_bytes()
            .with_context(|| format!("composing the {} message", draft.audience))?;
        out.push(Composed { stem, bytes });
    }
    Ok(out)
}
