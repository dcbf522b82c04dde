use std::path::Path;

use super::*;

fn ws(name: &str, owner: &str, vendor: Option<&str>) -> Amendment {
    Amendment::Workstream {
        name: name.into(),
        owner: owner.into(),
        vendor: vendor.map(String::from),
    }
}

/// Amend `text` and check that the result parses back to the plan `amend` promised.
fn amended(text: &str, amendments: &[Amendment]) -> (String, Plan, Vec<String>) {
    let before = parse(Path::new("plan.md"), text).unwrap();
    let (after, plan, changes) = amend(text, &before, amendments).unwrap();
    let reread =
        parse(Path::new("plan.md"), &after).unwrap_or_else(|d| panic!("{d}\n---\n{after}"));
    assert_eq!(reread, plan, "{after}");
    (after, plan, changes)
}

#[test]
fn a_new_plan_is_readable() {
    let (text, plan, changes) = amended(
        &new_file("2026-11-24-payments-api-outage"),
        &[
            Amendment::Approach("Fail over to DC2, then replace the card.".into()),
            Amendment::Bridge("https://meet.example/acme-p1".into()),
            Amendment::Cadence(Audience::Client, "30m".parse().unwrap()),
            ws("network", "Dana Lee", None),
            ws("carrier", "Sam Patel", Some("Carrier X")),
            Amendment::Stakeholder(
                Stakeholder::parse("cio@acme.example:client-management").unwrap(),
            ),
        ],
    );
    insta::assert_snapshot!(text, @r#"
    ---
    # Response plan for 2026-11-24-payments-api-outage, kept by `mim plan` and by hand: mim amends it line by line,
    # so comments, workstreams and sections you add here stay as you wrote them.
    bridge: "https://meet.example/acme-p1"
    cadence:
      client: 30m
    workstreams:
      - {name: network, owner: "Dana Lee", status: open}
      - {name: carrier, owner: "Sam Patel", vendor: "Carrier X", status: open}
    stakeholders:
      - {address: "cio@acme.example", kind: client-management}
    ---

    ## Restoration approach

    Fail over to DC2, then replace the card.
    "#);
    assert_eq!(plan.workstreams.len(), 2);
    assert_eq!(changes.len(), 6);
}

const HAND_EDITED: &str = "---
# kept by hand
bridge: \"tel:+44 20 7946 0000\"  
workstreams:
  - {name: network, owner: \"Dana Lee\", status: open}
  # Dana hands over to Lee at 14:00
  - name: database
    owner: Kim
    status: blocked   # block-style, written by hand
    reason: waiting on backups
# trailing comment
stakeholders: []
---

Intro written by a person.

## Restoration approach

Restart the cluster.

## Contacts

Carrier NOC: +44 20 7946 0001
";

#[test]
fn amendments_keep_what_people_wrote() {
    let (text, plan, _) = amended(
        HAND_EDITED,
        &[
            ws("carrier", "Sam Patel", Some("Carrier X")),
            Amendment::WorkstreamDone("network".into()),
            Amendment::Cadence(Audience::Internal, "15m".parse().unwrap()),
            Amendment::Stakeholder(Stakeholder::parse("Jo Bloggs <jo@msp.example>").unwrap()),
            Amendment::Approach("Fail over to DC2.".into()),
        ],
    );
    insta::assert_snapshot!(text, @r#"
    ---
    # kept by hand
    bridge: "tel:+44 20 7946 0000"  
    cadence:
      internal: 15m
    workstreams:
      - {name: network, owner: "Dana Lee", status: done}
      # Dana hands over to Lee at 14:00
      - name: database
        owner: Kim
        status: blocked   # block-style, written by hand
        reason: waiting on backups
      - {name: carrier, owner: "Sam Patel", vendor: "Carrier X", status: open}
    # trailing comment
    stakeholders:
      - {address: "Jo Bloggs <jo@msp.example>", kind: management}
    ---

    Intro written by a person.

    ## Restoration approach

    Fail over to DC2.

    ## Contacts

    Carrier NOC: +44 20 7946 0001
    "#);
    assert_eq!(plan.workstreams[1].status, WorkstreamStatus::Blocked);
}

#[test]
fn a_block_style_item_is_rewritten_alone() {
    let (text, _, changes) = amended(HAND_EDITED, &[Amendment::WorkstreamOpen("database".into())]);
    assert_eq!(changes, ["workstream database unblocked"]);
    assert!(
        text.contains(
            "  # Dana hands over to Lee at 14:00\n  - {name: database, owner: \"Kim\", status: open}\n# trailing comment\n"
        ),
        "{text}"
    );
}

#[test]
fn flow_style_values_are_rewritten_whole() {
    let text = "---\ncadence: {client: 1h}\nworkstreams: [{name: a, owner: b}]\n---\n";
    let (after, plan, _) = amended(
        text,
        &[
            Amendment::Cadence(Audience::Internal, "20m".parse().unwrap()),
            ws("c", "d", None),
        ],
    );
    assert_eq!(plan.cadence.client, Some("1h".parse().unwrap()));
    assert!(
        after.contains("cadence:\n  internal: 20m\n  client: 1h\n"),
        "{after}"
    );
    assert!(
        after.contains(
            "  - {name: a, owner: b, status: open}\n  - {name: c, owner: d, status: open}\n"
        ),
        "{after}"
    );
}

#[test]
fn nothing_changes_when_the_plan_already_says_it() {
    let (text, _, _) = amended(&new_file("x"), &[ws("network", "Dana", None)]);
    let before = parse(Path::new("plan.md"), &text).unwrap();
    let (again, _, changes) = amend(&text, &before, &[ws("network", "Dana", None)]).unwrap();
    assert!(changes.is_empty());
    assert_eq!(again, text);
}

#[test]
fn an_unknown_workstream_lists_the_known_ones() {
    let (text, plan, _) = amended(&new_file("x"), &[ws("network", "Dana", None)]);
    let err = amend(&text, &plan, &[Amendment::WorkstreamDone("dns".into())])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "there is no workstream `dns`: the plan's workstreams are network"
    );
}

#[test]
fn a_body_without_front_matter_or_headings_is_the_approach() {
    let plan = parse(Path::new("plan.md"), "Restart it.\n\nThen check.\n").unwrap();
    assert_eq!(plan.approach.as_deref(), Some("Restart it.\n\nThen check."));
    let (text, _, _) = amended("Restart it.\n", &[ws("a", "b", None)]);
    assert!(text.starts_with("---\nworkstreams:\n"), "{text}");
    assert!(text.ends_with("---\nRestart it.\n"), "{text}");
}

#[test]
fn hostile_text_stays_data() {
    let (_, plan, _) = amended(
        &new_file("x"),
        &[
            ws("db: {x}", "O'Neil \"#1\"\n- evil: yes", Some("a, b]")),
            Amendment::Bridge("# not a comment".into()),
        ],
    );
    assert_eq!(plan.workstreams[0].owner, "O'Neil \"#1\"\n- evil: yes");
    assert_eq!(plan.bridge.as_deref(), Some("# not a comment"));
}

#[test]
fn problems_have_line_and_column() {
    let err = parse(
        Path::new("incidents/x/plan.md"),
        "---\nbridge: x\nworkstreams:\n  - {name: a, owner: b, colour: red}\n---\n",
    )
    .unwrap_err();
    assert_eq!(err.0.len(), 1);
    assert_eq!(
        (err.0[0].line, err.0[0].file.display().to_string()),
        (4, "incidents/x/plan.md".into())
    );
    assert!(
        err.0[0].message.contains("unknown field `colour`"),
        "{}",
        err.0[0]
    );

    let err = parse(Path::new("plan.md"), "---\nbridge: x\n").unwrap_err();
    assert_eq!(err.0[0].line, 1);

    let err = parse(
        Path::new("plan.md"),
        "---\nworkstreams:\n  - {name: a, owner: b}\n  - {name: a, owner: c}\n---\n",
    )
    .unwrap_err();
    assert_eq!(err.0[0].line, 4);
    assert!(err.0[0].message.contains("listed twice"));

    let err = parse(
        Path::new("plan.md"),
        "---\ncadence:\n  internal: soon\n---\n",
    )
    .unwrap_err();
    assert_eq!(err.0[0].line, 3);
    assert!(
        err.0[0].message.contains("invalid duration `soon`"),
        "{}",
        err.0[0]
    );
}

#[test]
fn the_cadence_falls_back_to_the_priority() {
    let config = crate::config::Config::parse(
        Path::new("mim.yaml"),
        include_str!("../../default-mim.yaml"),
    )
    .unwrap();
    let p1 = config.targets("P1");
    let plan = Plan {
        cadence: Cadence {
            internal: None,
            client: Some("15m".parse().unwrap()),
        },
        ..Plan::default()
    };
    assert_eq!(
        crate::state::cadence(plan.cadence.client, Audience::Client, p1),
        Some(("15m".parse().unwrap(), CadenceSource::Plan))
    );
    assert_eq!(
        crate::state::cadence(plan.cadence.internal, Audience::Internal, p1),
        Some(("30m".parse().unwrap(), CadenceSource::Priority))
    );
    assert_eq!(
        crate::state::cadence(None, Audience::Internal, config.targets("P4")),
        None
    );
}

#[test]
fn a_comment_at_the_end_of_an_item_is_kept() {
    let text = "---\nworkstreams:\n  - {name: a, owner: b}  # Dana on leave after 14:00\n---\n";
    let (after, _, _) = amended(text, &[Amendment::WorkstreamDone("a".into())]);
    assert!(
        after.contains("  - {name: a, owner: b, status: done}  # Dana on leave after 14:00\n"),
        "{after}"
    );
}

#[test]
fn stakeholders_are_an_address_and_the_audience_they_follow() {
    let s = Stakeholder::parse("cfo@acme.example:client-management").unwrap();
    assert_eq!(
        (s.who.as_str(), s.kind),
        ("cfo@acme.example", Audience::ClientManagement)
    );
    let s = Stakeholder::parse("\"Duty, Night\" <duty@msp.example>").unwrap();
    assert_eq!(s.kind, Audience::Management, "management by default");
    assert_eq!(s.mailbox().unwrap().name.as_deref(), Some("Duty, Night"));
    for (bad, says) in [
        (
            "cfo@acme.example:clients",
            "unknown stakeholder kind `clients`",
        ),
        (
            "cfo@acme.example:client",
            "unknown stakeholder kind `client`",
        ),
        ("Dana Reyes", "invalid e-mail address"),
        ("Müller, Jörg <jm@acme.example>:internal", "double quotes"),
    ] {
        let err = Stakeholder::parse(bad).unwrap_err();
        assert!(err.contains(says), "{bad}: {err}");
    }
    let text = "---\nstakeholders:\n  - {address: \"cfo@acme.example\", kind: client-management}\n  - \"oncall@msp.example:internal\"\n  - Jo Bloggs\n  - duty@msp.example\n---\n";
    let plan = parse(Path::new("plan.md"), text).unwrap();
    let kinds: Vec<(&str, Audience, bool)> = plan
        .stakeholders
        .iter()
        .map(|s| (s.who.as_str(), s.kind, s.mailbox().is_some()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("cfo@acme.example", Audience::ClientManagement, true),
            ("oncall@msp.example", Audience::Internal, true),
            ("Jo Bloggs", Audience::Management, false),
            ("duty@msp.example", Audience::Management, true),
        ]
    );
    let bad = "---\nstakeholders:\n  - {address: \"cfo@acme\", kind: boss}\n---\n";
    let err = parse(Path::new("plan.md"), bad).unwrap_err().to_string();
    assert!(err.starts_with("plan.md:3:"), "{err}");
    assert!(err.contains("unknown stakeholder kind `boss`"), "{err}");
}

#[test]
fn a_stakeholder_given_again_with_another_kind_changes_its_line() {
    let first = Stakeholder::parse("Dana <dana@acme.example>").unwrap();
    let (text, _, _) = amended(&new_file("2026-11-24-x"), &[Amendment::Stakeholder(first)]);
    let again = Stakeholder::parse("dana@acme.example:client-management").unwrap();
    let (text, plan, changes) = amended(&text, &[Amendment::Stakeholder(again.clone())]);
    assert_eq!(
        changes,
        ["stakeholder dana@acme.example now receives client-management messages"]
    );
    assert!(
        text.contains(
            "stakeholders:\n  - {address: \"dana@acme.example\", kind: client-management}\n"
        ),
        "{text}"
    );
    assert_eq!(plan.stakeholders.len(), 1);
    let (_, _, changes) = amended(&text, &[Amendment::Stakeholder(again)]);
    assert!(changes.is_empty(), "{changes:?}");
}
