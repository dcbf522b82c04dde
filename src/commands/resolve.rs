//! `mim resolve`: service restored; the closure code and, for a workaround, the problem ticket.

use anyhow::bail;

use crate::cli::ResolveArgs;
use crate::commands::Ctx;
use crate::lifecycle::{self, Transition};
use crate::model::{Event, Verification};
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
    let state = incident.state();
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
    let what = if args.workaround {
        "restored by workaround"
    } else {
        "resolved"
    };
    ctx.record_event(&incident, &entry, &format!("{what} ({})", args.closure))?;
    eprintln!("{}: {} → resolved", incident.id, state.status);
    Ok(())
}
