//! `mim validate`: every file of every incident, every problem reported (not just the first).

use crate::cli::ValidateArgs;
use crate::context::Ctx;
use crate::error::Error;
use crate::text::plural;
use crate::validate::{self, Depth};

pub fn run(ctx: &Ctx, args: &ValidateArgs) -> anyhow::Result<()> {
    let depth = if args.deep { Depth::Deep } else { Depth::Files };
    let checked = validate::each(&ctx.repo, depth, |_, _| ())?;
    let count = checked.count;
    let problems: Vec<_> = checked.all_problems().collect();
    if ctx.json {
        ctx.print_json(&serde_json::json!({ "incidents": count, "problems": problems }))?;
    } else {
        for p in &problems {
            println!("{}", crate::text::for_terminal(&p.to_string()));
        }
        match problems.len() {
            0 => eprintln!("{}, no problems", plural(count, "incident")),
            n => eprintln!("{}, {}", plural(count, "incident"), plural(n, "problem")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Findings.into())
    }
}
