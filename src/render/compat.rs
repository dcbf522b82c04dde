//! E-mail template variables that were removed because their name did not say what they
//! measured, and what an override written against the old name should say instead
//! (`docs/templates.md` prints the same table). `mim validate` names each old variable
//! and its replacement; rendering an e-mail with one says it too.

/// One old variable and its replacement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// The old variable.
    pub old: &'static str,
    /// What to write instead.
    pub new: &'static str,
    /// Said after the suggestion when it needs a word more.
    pub note: &'static str,
}

/// E-mail variables that were removed because their name did not say what they measured.
pub static EMAIL_RENAMED: &[Change] = &[Change {
    old: "resolution.outage",
    new: "{{ reader.since_impact }}",
    note: "the same figure, from the impact start to the restoration; a sentence that says \"after the incident was reported\" wants `reader.since_reported`, one about this reader's own outage `reader.since_affected`",
}];

impl Change {
    /// `` `resolution.outage` was renamed: write `{{ reader.since_impact }}`; … ``
    pub fn renamed_message(&self, expr: &str) -> String {
        let mut text = format!("`{}` was renamed: write `{}`", expr.trim(), self.new);
        if !self.note.is_empty() {
            text.push_str("; ");
            text.push_str(self.note);
        }
        text
    }
}

/// The renamed variable `expr` (as written in a template) is, in template `template`, if
/// it is one: only the e-mails (`update-*`, `restoral-*`) had one.
pub fn renamed(template: &str, expr: &str) -> Option<&'static Change> {
    if !(template.starts_with("update-") || template.starts_with("restoral-")) {
        return None;
    }
    EMAIL_RENAMED.iter().find(|c| c.old == expr.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_outage_variable_is_found_in_the_emails_only() {
        let outage = renamed("restoral-client-management.md", " resolution.outage ")
            .expect("the outage of the restoral notices");
        assert!(
            outage.renamed_message("resolution.outage").starts_with(
                "`resolution.outage` was renamed: write `{{ reader.since_impact }}`; "
            )
        );
        assert!(
            outage
                .renamed_message("resolution.outage")
                .contains("`reader.since_reported`")
        );
        assert_eq!(renamed("update-client.md", "organization"), None);
        assert_eq!(renamed("pir-report.md", "resolution.outage"), None);
    }
}
