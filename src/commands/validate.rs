//! `mim validate`: every file of every incident, every problem reported (not just the first).

use crate::commands::Ctx;
use crate::error::Exit;
use crate::text::plural;
use crate::validate;

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let validate::Checked {
        count, problems, ..
    } = validate::all(&ctx.repo)?;
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
        Err(Exit(1).into())
    }
}
