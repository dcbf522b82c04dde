//! At 3 a.m.: the rough edges a tired incident manager hits (issue #27).

use crate::common::TestRepo;

#[test]
fn an_incident_is_found_by_part_of_its_slug_and_a_typo_gets_suggestions() {
    let repo = TestRepo::new();
    let citrix = repo.declare(
        "2026-11-24T09:00:00Z",
        "Citrix gateway down",
        "high",
        "high",
        &[],
    );
    let payroll = repo.declare(
        "2026-11-24T10:00:00Z",
        "Payroll export failing",
        "medium",
        "medium",
        &[],
    );
    // A part of the slug, not only its start, names an incident.
    let shown = repo.now("2026-11-24T11:00:00Z", &["show", "citrix"]).ok();
    assert!(shown.stdout.starts_with(&citrix), "{}", shown.stdout);
    let shown = repo.now("2026-11-24T11:00:00Z", &["show", "export"]).ok();
    assert!(shown.stdout.starts_with(&payroll), "{}", shown.stdout);
    // A typo: the closest IDs, and how many incidents are open.
    let miss = repo
        .now("2026-11-24T11:00:00Z", &["show", "citrx"])
        .fails(1);
    insta::assert_snapshot!(miss.stderr, @"error: no incident `citrx`; did you mean 2026-11-24-citrix-gateway-down? (2 incidents are open: `mim list --status open`)");
    let miss = repo
        .now("2026-11-24T11:00:00Z", &["show", "nothing-like-it"])
        .fails(1);
    assert!(
        miss.stderr
            .contains("no incident `nothing-like-it` (2 incidents are open"),
        "{}",
        miss.stderr
    );
}
