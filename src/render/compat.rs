//! Template variables that changed, and what an override written against the old names
//! should say instead: the PIR report's when the e-mails and the PIR report came to share
//! one view model, and the e-mails' one duration whose name did not say what it measured
//! when every figure came to be a reader's fact. `docs/templates.md` prints the same tables.

/// One old variable and its replacement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// The old variable. `timeline[].when` is an attribute of each item of `timeline`,
    /// written with whatever loop variable the template uses (`e.when`).
    pub old: &'static str,
    /// What to write instead; `{item}` stands for the template's loop variable.
    pub new: &'static str,
    /// Said after the suggestion when it needs a word more.
    pub note: &'static str,
}

/// The templates whose variables changed.
pub const CHANGED_TEMPLATES: &[&str] = &["pir-report.md", "pir-report.html"];

const AFTER_RESOLVE: &str =
    "`resolution` is none until the incident is resolved, so test `{% if resolution %}` first";

/// Variables that were renamed or moved: using the old name is an undefined value.
pub static RENAMED: &[Change] = &[
    Change {
        old: "organization",
        new: "{{ org.name }}",
        note: "",
    },
    Change {
        old: "timezone",
        new: "{{ tz }}",
        note: "",
    },
    Change {
        old: "generated_at",
        new: "{{ now | datetime }}",
        note: "",
    },
    Change {
        old: "incident.resolved",
        new: "{{ incident.resolved_at | datetime }}",
        note: "`incident.resolved_at` is none while the incident is not resolved",
    },
    Change {
        old: "incident.closed",
        new: "{{ incident.closed_at | datetime }}",
        note: "`incident.closed_at` is none until the incident is closed",
    },
    Change {
        old: "incident.restoration",
        new: "{{ resolution.summary }}",
        note: AFTER_RESOLVE,
    },
    Change {
        old: "incident.closure",
        new: "{{ resolution.closure }}",
        note: AFTER_RESOLVE,
    },
    Change {
        old: "incident.closure_text",
        new: "{{ resolution.closure_text }}",
        note: AFTER_RESOLVE,
    },
    Change {
        old: "incident.workaround",
        new: "{{ resolution.workaround }}",
        note: AFTER_RESOLVE,
    },
    Change {
        old: "incident.problem",
        new: "{{ resolution.problem }}",
        note: AFTER_RESOLVE,
    },
    Change {
        old: "timeline[].when",
        new: "{{ {item}.at | datetime }}",
        note: "",
    },
    Change {
        old: "actions[].closed",
        new: "on {{ {item}.closed_at | datetime }} by {{ {item}.closed_by }}{% if {item}.note %}: {{ {item}.note }}{% endif %}",
        note: "`{item}.closed_at` is none while the action is open",
    },
];

/// E-mail variables that were removed because their name did not say what they measured.
pub static EMAIL_RENAMED: &[Change] = &[Change {
    old: "resolution.outage",
    new: "{{ reader.since_impact }}",
    note: "the same figure, from the impact start to the restoration; a sentence that says \"after the incident was reported\" wants `reader.since_reported`, one about this reader's own outage `reader.since_affected`",
}];

/// Variables that kept their name but now hold an RFC 3339 time instead of one formatted
/// for people: an old override still renders, with `2026-11-24T09:00:00Z` where it
/// showed `2026-11-24 09:00 UTC`. Found where a template prints one bare.
pub static RETYPED: &[Change] = &[
    Change {
        old: "incident.reported",
        new: "{{ incident.reported | datetime }}",
        note: "",
    },
    Change {
        old: "pir.started_at",
        new: "{{ pir.started_at | datetime }}",
        note: "",
    },
    Change {
        old: "reviews[].held_at",
        new: "{{ {item}.held_at | datetime }}",
        note: "",
    },
];

impl Change {
    /// Whether `expr` (as written in a template: `incident.closure`, `e.when`) is this
    /// old variable.
    pub fn matches(&self, expr: &str) -> bool {
        let expr = expr.trim();
        match self.old.split_once("[].") {
            None => expr == self.old,
            Some((_, attr)) => expr
                .strip_suffix(attr)
                .and_then(|head| head.strip_suffix('.'))
                .is_some_and(is_identifier),
        }
    }

    /// What to write instead of `expr`, with the template's loop variable filled in.
    pub fn suggestion(&self, expr: &str) -> String {
        self.fill(self.new, expr)
    }

    fn fill(&self, text: &str, expr: &str) -> String {
        let item = expr.trim().split('.').next().unwrap_or_default();
        text.replace("{item}", item)
    }

    /// `` `incident.closure` was renamed: write `{{ resolution.closure }}`; … ``
    pub fn renamed_message(&self, expr: &str) -> String {
        let mut text = format!(
            "`{}` was renamed: write `{}`",
            expr.trim(),
            self.suggestion(expr)
        );
        if !self.note.is_empty() {
            text.push_str("; ");
            text.push_str(&self.fill(self.note, expr));
        }
        text
    }

    /// `` `incident.reported` is now an RFC 3339 time …: write `{{ … | datetime }}` … ``
    pub fn retyped_message(&self, expr: &str) -> String {
        format!(
            "`{}` is now an RFC 3339 time like `2026-11-24T09:00:00Z`: write `{}` to show it as before, like `2026-11-24 09:00 UTC`",
            expr.trim(),
            self.suggestion(expr)
        )
    }
}

/// The renamed variable `expr` is, in template `template`, if it is one.
pub fn renamed(template: &str, expr: &str) -> Option<&'static Change> {
    let table = if CHANGED_TEMPLATES.contains(&template) {
        RENAMED
    } else if template.starts_with("update-") || template.starts_with("restoral-") {
        EMAIL_RENAMED
    } else {
        return None;
    };
    table.iter().find(|c| c.matches(expr))
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_names_are_found_with_any_loop_variable() {
        let when = renamed("pir-report.md", "e.when").expect("timeline item");
        assert_eq!(
            when.renamed_message("e.when"),
            "`e.when` was renamed: write `{{ e.at | datetime }}`"
        );
        let closed = renamed("pir-report.html", " action.closed ").expect("action item");
        assert!(
            closed
                .renamed_message("action.closed")
                .contains("{{ action.closed_by }}"),
        );
        let moved = renamed("pir-report.md", "incident.closure").expect("moved");
        assert!(
            moved
                .renamed_message("incident.closure")
                .starts_with("`incident.closure` was renamed: write `{{ resolution.closure }}`; ")
        );
        assert_eq!(renamed("pir-report.md", "incident.closure_texts"), None);
        assert_eq!(renamed("pir-report.md", "a.b.when"), None);
        assert_eq!(renamed("pir-report.md", "when"), None);
        // The e-mails kept their names but one: nothing to suggest for the others.
        assert_eq!(renamed("update-client.md", "organization"), None);
        let outage = renamed("restoral-client-management.md", "resolution.outage")
            .expect("the outage of the restoral notices");
        assert!(
            outage
                .renamed_message("resolution.outage")
                .contains("`reader.since_reported`")
        );
    }

    #[test]
    fn retyped_messages_say_how_to_show_the_time_as_before() {
        let held = RETYPED
            .iter()
            .find(|c| c.matches("r.held_at"))
            .expect("review item");
        assert_eq!(
            held.retyped_message("r.held_at"),
            "`r.held_at` is now an RFC 3339 time like `2026-11-24T09:00:00Z`: write `{{ r.held_at | datetime }}` to show it as before, like `2026-11-24 09:00 UTC`"
        );
    }
}
