//! `mim link`: link an incident to another — a duplicate, a related incident, its
//! parent — or remove the link; recorded on both incidents in one commit.

use serde_json::json;

use crate::cli::LinkArgs;
use crate::context::Ctx;
use crate::links;
use crate::model::{Event, Relation};
use crate::store::{self, Change};

pub fn run(ctx: &Ctx, args: &LinkArgs) -> anyhow::Result<()> {
    let (relation, other) = match (&args.duplicate_of, &args.related, &args.parent) {
        (Some(o), _, _) => (Relation::DuplicateOf, o),
        (_, Some(o), _) => (Relation::Related, o),
        (_, _, Some(o)) => (Relation::Parent, o),
        _ => unreachable!("clap requires one relation"),
    };
    let incident = ctx.load(args.id.as_deref())?;
    let other = ctx.load(Some(other))?;
    let parent_of = |id: &str| -> Option<String> {
        if !crate::repo::is_id(id) {
            return None;
        }
        let loaded = store::load(&ctx.repo, id).ok()?;
        let state = ctx.state(&loaded);
        state.linked(Relation::Parent).next().map(String::from)
    };
    links::check(
        &incident.id,
        &ctx.state(&incident),
        &other.id,
        &ctx.state(&other),
        relation,
        args.remove,
        &parent_of,
    )?;
    let entry = ctx.entry(
        &incident,
        Event::Link {
            relation,
            other: other.id.clone(),
            remove: args.remove,
        },
    )?;
    let back = ctx.entry(&other, links::reverse(relation, &incident.id, args.remove))?;
    let mut change = Change::new();
    change.event(&incident.dir, &entry).event(&other.dir, &back);
    let what = if args.remove {
        format!("no longer {} {}", relation.phrase(), other.id)
    } else {
        format!("{} {}", relation.phrase(), other.id)
    };
    ctx.record_incidents(&[&incident.id, &other.id], "link", &what, &change, ctx.now)?;
    if ctx.json {
        return ctx.print_json(&json!({
            "incident": incident.id,
            "entry": entry,
            "other": {"incident": other.id, "entry": back},
        }));
    }
    eprintln!("{}: {what} (recorded on both)", incident.id);
    Ok(())
}
