//! `mim resolve`: service restored; the closure code and, for a workaround, the problem
//! ticket; restoral notices to internal, management, the client and its end users.

use anyhow::bail;

use crate::cli::ResolveArgs;
use crate::commands::Ctx;
use crate::comms::outbox::{self, OUTBOX_DIR};
use crate::comms::{self, Audience, Composed, Draft, Kind, MessageContext};
use crate::lifecycle::{self, Transition};
use crate::model::{Entry, Event, Incident, Verification};
use crate::render::Templates;
use crate::store::Change;
use crate::text;

pub fn run(ctx: &Ctx, args: &ResolveArgs) -> anyhow::Result<()> {
    let config = &ctx.repo.config;
    let summary = text::multi_line(&args.message);
    if summary.is_empty() {
        bail!("-m is empty: say how service was restored");
    }
    if !config.closure_codes.contains_key(&args.closure) {
        let codes: Vec<String> = config
            .closure_codes
            .iter()
            .map(|(code, what)| format!("  {code:<18} {what}"))
            .collect();
        bail!(
            "unknown closure code `{}`; the codes in mim.yaml are:\n{}",
            args.closure.escape_debug(),
            codes.join("\n")
        );
    }
    let problem = args
        .problem
        .as_deref()
        .map(text::one_line)
        .filter(|p| !p.is_empty());
    if args.workaround && problem.is_none() {
        bail!(
            "a workaround leaves the root cause open: give the problem ticket that tracks it with --problem REF"
        );
    }
    let incident = ctx.load(args.id.as_deref())?;
    let state = ctx.state(&incident);
    lifecycle::check(Transition::Resolve, &incident.id, state.status)?;
    let verification = match (args.verified_by_client, args.verification_attempted) {
        (true, _) => Some(Verification::VerifiedByClient),
        (_, true) => Some(Verification::Attempted),
        _ => None,
    };
    let event = Event::Resolve {
        from: state.status,
        summary,
        closure: args.closure.clone(),
        workaround: args.workaround,
        problem,
        verification,
    };
    let entry = ctx.entry(&incident, event)?;
    let notices = restoral_notices(ctx, &incident, &entry)?;
    let what = if args.workaround {
        "restored by a workaround"
    } else {
        "resolved"
    };
    let mut change = Change::new();
    change.event(&incident.dir, &entry);
    let mut files = Vec::new();
    for message in &notices {
        change.put(
            incident.dir.join(OUTBOX_DIR).join(message.file_name()),
            message.bytes.clone(),
        );
        files.push(message.file_name());
    }
    ctx.record(
        &incident.id,
        entry.event.name(),
        &if args.closure == "workaround" {
            what.to_string()
        } else {
            format!("{what} ({})", args.closure)
        },
        &change,
    )?;
    let rel = ctx.repo.relative(&incident.dir).join(OUTBOX_DIR);
    for f in &files {
        println!("{}", rel.join(f).display());
    }
    eprintln!("{}: {} → resolved", incident.id, state.status);
    if args.send {
        ctx.deliver(&incident, &files)?;
    }
    Ok(())
}

/// One restoral notice per audience that has recipients: internal, management, and for
/// an incident with a client, the client and its end users. Audiences without
/// recipients are skipped with a note.
fn restoral_notices(
    ctx: &Ctx,
    incident: &Incident,
    entry: &Entry,
) -> anyhow::Result<Vec<Composed>> {
    let config = &ctx.repo.config;
    let mut resolved = incident.clone();
    resolved.entries.push(entry.clone());
    let state = crate::state::derive(config, &resolved, entry.at);
    let client = incident.record.client.as_deref();
    let mut audiences = vec![Audience::Internal, Audience::Management];
    if client.is_some() {
        audiences.extend([Audience::Client, Audience::EndUsers]);
    }
    let mut drafts = Vec::new();
    for audience in audiences {
        if let Err(e) = comms::recipients(config, client, audience) {
            eprintln!("note: no restoral notice to {audience}: {e:#}");
            continue;
        }
        drafts.push(Draft {
            kind: Kind::Restoral,
            audience,
            at: entry.at,
            context: MessageContext::new(config, &resolved, &state, audience, entry.at),
        });
    }
    let templates = Templates::new(Some(ctx.repo.templates_dir()));
    let root = outbox::thread_root(incident)?;
    comms::compose(config, &templates, incident, &drafts, root)
}
