//! `mim plan`: create and amend the response plan (`plan.md`), or print it.

use std::path::Path;

use anyhow::{Context as _, bail};

use crate::cli::PlanArgs;
use crate::context::Ctx;
use crate::diag::Diagnostics;
use crate::editor;
use crate::error::Error;
use crate::model::escalation;
use crate::model::plan::{self, Amendment, Audience, Plan, PlanSet, Stakeholder, record};
use crate::model::{Event, Incident};
use crate::state;
use crate::store::{self, Change};
use crate::term;
use crate::text;

/// Whether the flags change the plan (otherwise `mim plan` prints it).
pub fn amends(args: &PlanArgs) -> bool {
    args.edit
        || args.approach.is_some()
        || args.bridge.is_some()
        || args.internal_every.is_some()
        || args.client_every.is_some()
        || !args.workstreams.is_empty()
        || !args.done.is_empty()
        || !args.blocked.is_empty()
        || !args.reopen.is_empty()
        || !args.stakeholders.is_empty()
        || args.rebuild
}

/// `--edit`: the approach written in the editor, before the repository lock is taken
/// (so nobody waits while someone writes). The plan is checked to be amendable first,
/// so nobody writes in vain.
pub fn read_input(ctx: &Ctx, args: &PlanArgs) -> anyhow::Result<String> {
    amendments(args)?;
    let incident = ctx.load(args.id.as_deref())?;
    check_amendable(ctx, &incident)?;
    write_approach(&incident, incident.plan.as_ref())
}

fn check_amendable(ctx: &Ctx, incident: &Incident) -> anyhow::Result<()> {
    escalation::check_open(
        "amend the plan of",
        &incident.id,
        ctx.state(incident).status,
    )?;
    // Refuse an impossible --at before the user spends time in the editor.
    ctx.entry(
        incident,
        Event::Plan {
            change: String::new(),
            internal_every: None,
            client_every: None,
            set: None,
        },
    )?;
    Ok(())
}

/// Print or amend the plan; `edited` is the approach [`read_input`] got from the editor.
pub fn run(ctx: &Ctx, args: &PlanArgs, edited: Option<String>) -> anyhow::Result<()> {
    if args.rebuild {
        return rebuild(ctx, args);
    }
    let mut amendments = amendments(args)?;
    let incident = ctx.load(args.id.as_deref())?;
    let existing = incident.plan.clone();
    if !amends(args) {
        return print(ctx, &incident, existing.as_ref());
    }
    let state = ctx.state(&incident);
    check_amendable(ctx, &incident)?;
    check_stakeholders(ctx, &state, &amendments)?;
    if let Some(approach) = edited {
        amendments.insert(0, Amendment::Approach(approach));
    }
    let path = incident.plan_path();
    let shown = ctx.repo.relative(&path).to_path_buf();
    let before = existing.clone().unwrap_or_default();
    let (after_text, expected, file_changes) = amend_file(&incident, &state, &amendments)?;
    let (recorded_before, recorded_after, changes) =
        amend_recorded(&incident, &state, &before, &amendments)?;
    if changes.is_empty() && file_changes.is_empty() && existing.is_some() {
        eprintln!(
            "{}: the plan already says that; nothing changed",
            incident.id
        );
        return Ok(());
    }
    let changes = if changes.is_empty() {
        file_changes
    } else {
        changes
    };
    check_reread(&shown, &after_text, &expected)?;
    let change_text = change_text(&changes, existing.is_none());
    let event = plan_event(&change_text, &recorded_before, &recorded_after);
    let entry = ctx.entry(&incident, event)?;
    let mut change = Change::new();
    change.put(&path, after_text).event(&incident.dir, &entry);
    ctx.record(
        &incident.id,
        "plan",
        &format!("plan: {}", crate::text::clip(&change_text, 80)),
        &change,
    )?;
    warn_loose_cadence(ctx, &expected, &state);
    if !ctx.json {
        eprintln!("{}: {change_text}", incident.id);
    }
    if state.plan.unrecorded == 0 {
        warn_still_disagrees(&incident, &expected, &recorded_after);
    }
    Ok(())
}

/// Every `--stakeholder` names an audience the incident has (a client it affects).
fn check_stakeholders(
    ctx: &Ctx,
    state: &state::State,
    amendments: &[Amendment],
) -> anyhow::Result<()> {
    let clients: Vec<&str> = state.affected().map(|c| c.client.as_str()).collect();
    for a in amendments {
        if let Amendment::Stakeholder(s) = a {
            crate::comms::check_stakeholder(&ctx.repo.config, &clients, s)
                .context("--stakeholder")?;
        }
    }
    Ok(())
}

/// plan.md amended: its new text, the plan it should read as, and the changes made.
fn amend_file(
    incident: &Incident,
    state: &state::State,
    amendments: &[Amendment],
) -> anyhow::Result<(String, Plan, Vec<String>)> {
    let existing = incident.plan.as_ref();
    // The text the incident was loaded from: plan.md is not read a second time.
    let before_text = match existing {
        Some(_) => incident.texts.plan.clone(),
        None => plan::new_file(&incident.id),
    };
    let before = existing.cloned().unwrap_or_default();
    plan::amend(&before_text, &before, amendments).map_err(|e| {
        match state.plan.disagreement(existing) {
            Some(_) => e.context(format!(
                "plan.md disagrees with the plan the timeline records: `mim plan {} --rebuild` writes it again",
                incident.id
            )),
            None => e,
        }
    })
}

/// What the timeline records: the change from the plan it knows (when it knows all of
/// it), so a plan.md that a merge left behind cannot take a change back. The plan
/// before, after, and the changes.
fn amend_recorded(
    incident: &Incident,
    state: &state::State,
    before: &Plan,
    amendments: &[Amendment],
) -> anyhow::Result<(Plan, Plan, Vec<String>)> {
    let mut recorded_before = state
        .plan
        .known()
        .cloned()
        .unwrap_or_else(|| before.clone());
    recorded_before.approach = before.approach.clone();
    let (recorded_after, changes) = plan::edit::apply_all(&recorded_before, amendments)
        .map_err(|e| {
            e.context(format!(
                "in the plan the timeline records; plan.md disagrees with it: `mim validate` says how, `mim plan {} --rebuild` writes it again",
                incident.id
            ))
        })?;
    Ok((recorded_before, recorded_after, changes))
}

/// The amended plan.md reads back as the plan it should say, or nothing is written.
fn check_reread(shown: &Path, after_text: &str, expected: &Plan) -> anyhow::Result<()> {
    match plan::parse(shown, after_text) {
        Ok(reread) if reread == *expected => Ok(()),
        _ => bail!(
            "{} is laid out in a way mim cannot amend safely; nothing written. Make the change by hand, \
             then record it with `mim note`",
            shown.display()
        ),
    }
}

/// The `plan` event's change: the changes, `created` first for a new plan.
fn change_text(changes: &[String], created: bool) -> String {
    let change_text = changes.join("; ");
    if !created {
        return change_text;
    }
    if change_text.is_empty() {
        "created".into()
    } else {
        format!("created: {change_text}")
    }
}

/// The `plan` event: the change, and what it set from the plan recorded `before`.
fn plan_event(change_text: &str, before: &Plan, after: &Plan) -> Event {
    Event::Plan {
        change: change_text.to_string(),
        // The cadence as data, so it is in force from now on (see `state::cadence`).
        internal_every: after
            .cadence
            .internal
            .filter(|d| before.cadence.internal != Some(*d)),
        client_every: after
            .cadence
            .client
            .filter(|d| before.cadence.client != Some(*d)),
        // And everything else it set in the front matter.
        set: Some(PlanSet::between(before, after)),
    }
}

/// A warning when plan.md still says other than what the timeline records.
fn warn_still_disagrees(incident: &Incident, expected: &Plan, recorded_after: &Plan) {
    let still = record::differences(expected, recorded_after);
    if !still.is_empty() {
        eprintln!(
            "warning: plan.md still disagrees with the plan the timeline records ({}); `mim plan {} --rebuild` writes it again",
            still.join("; "),
            incident.id
        );
    }
}

/// `mim plan ID --rebuild`: write plan.md's front matter again from the timeline. During
/// a merge the file is written for the merge commit (`git add`), not committed.
fn rebuild(ctx: &Ctx, args: &PlanArgs) -> anyhow::Result<()> {
    let id = ctx.resolve(args.id.as_deref())?;
    let incident = store::load_without_plan(&ctx.repo, &id).map_err(Error::Invalid)?;
    let state = ctx.state(&incident);
    let recorded = recorded_plan(&id, &state)?;
    let path = incident.plan_path();
    let shown = ctx.repo.relative(&path).to_path_buf();
    let text = crate::diag::read_optional(&ctx.repo.root, &path, &shown)
        .map_err(|d| Error::Invalid(Diagnostics(vec![d])))?;
    let base = match &text {
        None => plan::new_file(&id),
        Some(text) => rebuild_base(&id, &shown, text)?,
    };
    let file = plan::parse(&shown, &base).ok();
    let found = record::differences(file.as_ref().unwrap_or(&Plan::default()), recorded);
    let (after, keys) = plan::edit::rebuild(&base, file.as_ref(), recorded);
    let reread = plan::parse(&shown, &after).map_err(Error::Invalid)?;
    if !record::differences(&reread, recorded).is_empty() {
        bail!(
            "{} is laid out in a way mim cannot rebuild safely; nothing written",
            shown.display()
        );
    }
    if text.as_deref() == Some(after.as_str()) {
        eprintln!("{id}: plan.md agrees with the timeline; nothing to rebuild");
        return Ok(());
    }
    let summary = format!("plan.md rebuilt from the timeline ({})", keys.join(", "));
    let mut change = Change::new();
    change.put(&path, after);
    let merging = write_rebuilt(ctx, &id, &summary, &change)?;
    if !ctx.json {
        eprintln!("{id}: {summary}");
        for difference in &found {
            eprintln!("  was: {difference}");
        }
        if merging {
            eprintln!(
                "a merge is in progress: `git add {}`, then commit the merge",
                shown.display()
            );
        }
    }
    Ok(())
}

/// The plan the timeline records in full, which `--rebuild` writes; refused when it
/// records none, or not all of it.
fn recorded_plan<'s>(id: &str, state: &'s state::State) -> anyhow::Result<&'s Plan> {
    let Some(recorded) = state.plan.known() else {
        if state.plan.events == 0 {
            bail!(
                "{id}: its timeline records no plan change, so there is nothing to rebuild plan.md from"
            );
        }
        bail!(
            "{id}: {} of the {} plan changes in its timeline were recorded by an older mim, without \
             what they set; plan.md is the only record of those, so mim cannot rebuild it: edit it by hand",
            state.plan.unrecorded,
            state.plan.events
        );
    };
    Ok(recorded)
}

/// The plan.md text to rebuild on: the file, or our side of a merge conflict in its
/// front matter (refused when both sides changed the body too).
fn rebuild_base(id: &str, shown: &Path, text: &str) -> anyhow::Result<String> {
    let Some((ours, theirs)) = plan::edit::conflict_sides(text) else {
        return Ok(text.to_string());
    };
    if plan::edit::Doc::new(&ours).body() != plan::edit::Doc::new(&theirs).body() {
        bail!(
            "{}: both sides of the merge changed its body (the restoration approach) as well: \
             resolve the conflict there by hand, then run `mim plan {id} --rebuild` for the front matter",
            shown.display()
        );
    }
    Ok(ours)
}

/// Write the rebuilt plan.md: committed, or during a merge only written for the merge
/// commit. Whether a merge is in progress.
fn write_rebuilt(ctx: &Ctx, id: &str, summary: &str, change: &Change) -> anyhow::Result<bool> {
    let merging = crate::git::commit_of(&ctx.repo.root, "MERGE_HEAD").is_some();
    if merging {
        let message = ctx.message(id, "plan-rebuild", summary)?;
        ctx.apply(
            change,
            &store::Commit {
                enabled: false,
                message,
            },
        )?;
    } else {
        ctx.record(id, "plan-rebuild", summary, change)?;
    }
    Ok(merging)
}

/// The flags as amendments, checked before anything is loaded.
fn amendments(args: &PlanArgs) -> anyhow::Result<Vec<Amendment>> {
    let mut out = Vec::new();
    if let Some(a) = &args.approach {
        out.push(Amendment::Approach(approach_text(a)?));
    }
    if let Some(b) = &args.bridge {
        out.push(Amendment::Bridge(text::required("--bridge", b)?));
    }
    for (audience, every, flag) in [
        (Audience::Internal, args.internal_every, "--internal-every"),
        (Audience::Client, args.client_every, "--client-every"),
    ] {
        if let Some(d) = every {
            if d.secs() <= 0 {
                bail!("{flag} must be longer than zero");
            }
            out.push(Amendment::Cadence(audience, d));
        }
    }
    for w in &args.workstreams {
        out.push(workstream(w)?);
    }
    for name in &args.done {
        out.push(Amendment::WorkstreamDone(text::name(
            "--workstream-done",
            name,
        )?));
    }
    if !args.blocked.is_empty() {
        let reason = text::required("--reason", args.reason.as_deref().unwrap_or_default())?;
        for name in &args.blocked {
            out.push(Amendment::WorkstreamBlocked {
                name: text::name("--workstream-blocked", name)?,
                reason: reason.clone(),
            });
        }
    }
    for name in &args.reopen {
        out.push(Amendment::WorkstreamOpen(text::name(
            "--workstream-open",
            name,
        )?));
    }
    for s in &args.stakeholders {
        let s = text::name("--stakeholder", s)?;
        let s = Stakeholder::parse(&s).map_err(|e| anyhow::anyhow!("--stakeholder: {e}"))?;
        out.push(Amendment::Stakeholder(s));
    }
    Ok(out)
}

/// `NAME:OWNER[:VENDOR]`; the vendor may itself contain colons.
fn workstream(spec: &str) -> anyhow::Result<Amendment> {
    let mut parts = spec.splitn(3, ':').map(text::one_line);
    let name = parts.next().unwrap_or_default();
    let owner = parts.next().unwrap_or_default();
    let vendor = parts.next().filter(|v| !v.is_empty());
    if name.is_empty() || owner.is_empty() {
        bail!(
            "--workstream `{}`: expected NAME:OWNER or NAME:OWNER:VENDOR, like \"network:Dana Lee\" or \"carrier:Sam Patel:Carrier X\"",
            spec.escape_debug()
        );
    }
    Ok(Amendment::Workstream {
        name: text::name("--workstream NAME", &name)?,
        owner: text::name("--workstream OWNER", &owner)?,
        vendor: vendor
            .map(|v| text::name("--workstream VENDOR", &v))
            .transpose()?,
    })
}

/// The approach as Markdown; headings of level 1 and 2 would end its section of plan.md.
fn approach_text(raw: &str) -> anyhow::Result<String> {
    let text = text::multi_line(raw);
    if text.trim().is_empty() {
        bail!("the approach is empty: nothing written");
    }
    if text
        .lines()
        .any(|l| matches!(plan::edit::heading_level(l), Some(1 | 2)))
    {
        bail!(
            "the approach cannot contain `#` or `##` headings: they would end its section of plan.md; use `###` or **bold**"
        );
    }
    Ok(text)
}

/// Ask for the approach in the editor, starting from the current one.
fn write_approach(incident: &Incident, plan: Option<&Plan>) -> anyhow::Result<String> {
    let mut initial = plan
        .and_then(|p| p.approach.clone())
        .map(|a| format!("{a}\n"))
        .unwrap_or_default();
    initial.push_str(&format!(
        "\n# The restoration approach for {} ({}), in Markdown.\n\
         # Lines starting with '#' are ignored; an empty approach aborts and writes nothing.\n",
        incident.id,
        text::one_line(&incident.record.title)
    ));
    let written = editor::edit(&initial)?;
    text::check("the approach written in the editor", &written)?;
    if written.trim().is_empty() {
        bail!("aborting: the approach is empty; nothing written");
    }
    approach_text(&written)
}

/// A planned cadence looser than a contract's target is allowed (the client may have
/// agreed to it) but worth a warning. With several clients, the client cadence is
/// compared with each affected client's own contract (its priority, and its
/// `clients.C.priorities`).
fn warn_loose_cadence(ctx: &Ctx, plan: &Plan, state: &state::State) {
    let config = &ctx.repo.config;
    for (audience, name, planned) in [
        (Audience::Internal, "internal", plan.cadence.internal),
        (Audience::Client, "client", plan.cadence.client),
    ] {
        let Some(p) = planned else { continue };
        let mut readers: Vec<(String, String, Option<String>)> = Vec::new();
        if audience == Audience::Client && state.per_client() {
            // A client whose service is back has no client cadence running.
            for c in state.affected().filter(|c| c.restored().is_none()) {
                readers.push((
                    c.priority.clone(),
                    config.client_name(&c.client),
                    Some(c.client.clone()),
                ));
            }
        } else {
            readers.push((
                state.priority.clone(),
                String::new(),
                state.sole_client().map(str::to_string),
            ));
        }
        for (priority, who, client) in readers {
            let targets = config.client_targets(&priority, client.as_deref());
            let target = state::cadence(None, audience, targets.as_deref()).map(|(d, _)| d);
            if let Some(t) = target.filter(|t| p > *t) {
                let whose = if who.is_empty() {
                    format!("{priority}'s")
                } else {
                    format!("{who}'s {priority}")
                };
                eprintln!(
                    "warning: the plan's {name} cadence ({p}) is longer than {whose} target update_{name} ({t})"
                );
            }
        }
    }
}

fn print(ctx: &Ctx, incident: &Incident, plan: Option<&Plan>) -> anyhow::Result<()> {
    let state = ctx.state_now(incident);
    if ctx.json {
        return ctx.print_json(&term::incident::plan_json(&ctx.repo.config, &state, plan));
    }
    match plan {
        Some(p) => print!(
            "{}",
            text::for_terminal(&term::incident::plan_text(&ctx.repo.config, &state, p))
        ),
        None => eprintln!(
            "{} has no response plan yet; start one with `mim plan {} --workstream \"NAME:OWNER\" --bridge URL --approach TEXT`",
            incident.id, incident.id
        ),
    }
    Ok(())
}
