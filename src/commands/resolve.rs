//! `mim resolve`: service restored; the closure code and, for a workaround, the problem
//! ticket; restoral notices to internal, management, and the client, its management and
//! its end users, who read `--client-message` (or the standard wording), never `-m`.

use anyhow::bail;

use crate::cli::ResolveArgs;
use crate::comms::outbox::OUTBOX_DIR;
use crate::comms::{self, Audience, Composed};
use crate::config::ClosureKind;
use crate::context::Ctx;
use crate::error::Error;
use crate::lifecycle::{self, Transition};
use crate::model::{Entry, Event, Incident, Relation, Verification};
use crate::state::State;
use crate::store::{self, Change};
use crate::text;

/// Record the restoration, with the restoral notices in `outbox/`.
pub fn run(ctx: &Ctx, args: &ResolveArgs) -> anyhow::Result<()> {
    let summary = text::multi_line(&args.message);
    if summary.is_empty() {
        bail!("-m is empty: say how service was restored");
    }
    let workaround = check_closure(ctx, args)?;
    let problem = text::one_line_or_none(args.problem.as_deref());
    if workaround && problem.is_none() {
        bail!(
            "a workaround leaves the root cause open: give the problem ticket that tracks it with --problem REF"
        );
    }
    let incident = ctx.load(args.id.as_deref())?;
    let state = ctx.state(&incident);
    lifecycle::check(Transition::Resolve, &incident.id, state.status)?;
    if args.client_message.is_some() && state.affected().next().is_none() {
        bail!(
            "--client-message is what the client's people are told, and {} has no client",
            incident.id
        );
    }
    let clients: Vec<&str> = state.affected().map(|c| c.client.as_str()).collect();
    let client_message =
        ctx.client_message(args.client_message.as_ref(), &incident, &state, &clients)?;
    let verification = match (args.verified_by_client, args.verification_attempted) {
        (true, _) => Some(Verification::VerifiedByClient),
        (_, true) => Some(Verification::Attempted),
        _ => None,
    };
    let event = Event::Resolve {
        from: state.status,
        summary,
        closure: args.closure.clone(),
        workaround,
        problem,
        verification,
        client_message,
    };
    let entry = ctx.entry(&incident, event)?;
    let notices = restoral_notices(ctx, &incident, &state, &entry)?;
    let mut change = Change::new();
    change.event(&incident.dir, &entry);
    let mut files = Vec::new();
    for message in &notices {
        // Named free of any other message (see `Ctx::compose`).
        let path = incident.dir.join(OUTBOX_DIR).join(message.file_name());
        change.put(path, message.bytes.clone());
        files.push(message.file_name());
    }
    let subject = subject(args, workaround);
    ctx.record(&incident.id, entry.event.name(), &subject, &change)?;
    for path in ctx.outbox_paths(&incident, &files) {
        println!("{path}");
    }
    eprintln!("{}: {} → resolved", incident.id, state.status);
    open_children(ctx, &state);
    if args.send {
        crate::delivery::deliver(ctx, &incident, &files, false)?;
    }
    Ok(())
}

/// Whether the restoration is a workaround. The closure code says what became of the
/// root cause; `--workaround` must agree with it (a usage error otherwise).
fn check_closure(ctx: &Ctx, args: &ResolveArgs) -> anyhow::Result<bool> {
    match (ctx.repo.config.closure_kind(&args.closure), args.workaround) {
        (ClosureKind::Workaround, _) => Ok(true),
        (ClosureKind::Fix, true) => Err(Error::Usage(anyhow::anyhow!(
            "--closure {} says the root cause was removed, and --workaround says it is still open: \
             use --closure workaround (or another workaround code) for a workaround, or drop --workaround",
            args.closure
        ))
        .into()),
        (_, given) => Ok(given),
    }
}

/// The commit's subject: `resolved (fix)`, `restored by a workaround`.
fn subject(args: &ResolveArgs, workaround: bool) -> String {
    let what = if workaround {
        "restored by a workaround"
    } else {
        "resolved"
    };
    if args.closure == "workaround" {
        what.to_string()
    } else {
        format!("{what} ({})", args.closure)
    }
}

/// A parent resolved: say which of its children are still open (they are not resolved
/// with it). A child that cannot be read is named as such.
fn open_children(ctx: &Ctx, state: &crate::state::State) {
    let open: Vec<String> = state
        .linked(Relation::Child)
        .filter(|child| crate::repo::is_id(child))
        .filter_map(|child| match store::load(&ctx.repo, child) {
            Ok(incident) => {
                let s = ctx.state_now(&incident);
                (s.status.is_active()).then(|| format!("{child} ({})", s.status))
            }
            Err(_) => Some(format!("{child} (cannot be read)")),
        })
        .collect();
    if !open.is_empty() {
        eprintln!(
            "note: open child incidents, not resolved with it: {}",
            open.join(", ")
        );
    }
}

/// One restoral notice per audience that has recipients: internal, management, and for
/// an incident with a client, the client, its management and its end users. An audience
/// without recipients is left out with a note; any other failure is an error.
fn restoral_notices(
    ctx: &Ctx,
    incident: &Incident,
    state: &State,
    entry: &Entry,
) -> anyhow::Result<Vec<Composed>> {
    let audiences: Vec<Audience> = Audience::ALL
        .into_iter()
        .filter(|a| state.affected().next().is_some() || !a.is_external())
        .collect();
    // Of several clients, those whose service came back earlier had their notice then.
    let targets = comms::targets(state, &audiences, None, false);
    let (drafts, nobody) = comms::restoral_drafts(
        &ctx.repo.config,
        incident,
        std::slice::from_ref(entry),
        targets,
    )?;
    for target in nobody {
        eprintln!(
            "note: no restoral notice to {}: nobody is configured ({})",
            target.label(),
            comms::where_to_set(target.audience)
        );
    }
    ctx.compose(incident, state, &drafts)
}
