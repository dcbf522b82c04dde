//! `mim site`: status pages and feeds per client, parsed as a browser and a feed reader
//! would, and checked for what must never reach a client.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{TestRepo, isolate};

fn html(path: &Path) -> scraper::Html {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = scraper::Html::parse_document(&text);
    assert!(
        doc.errors.is_empty(),
        "{} does not parse cleanly as HTML5: {:?}",
        path.display(),
        doc.errors
    );
    doc
}

fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&scraper::Selector::parse(css).unwrap())
        .collect()
}

fn feed(path: &Path) -> atom_syndication::Feed {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse::<atom_syndication::Feed>()
        .unwrap_or_else(|e| panic!("{} is not an Atom feed: {e}\n{text}", path.display()))
}

/// Every file under `dir`, concatenated.
fn all_text(dir: &Path) -> String {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/acme-msp")
}

fn example_mim(now: &str, args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(crate::common::mim_bin());
    isolate(&mut cmd, home.path());
    cmd.env("MIM_NOW", now)
        .arg("-C")
        .arg(example())
        .args(args)
        .output()
        .unwrap()
}

/// The body of every update file of `incident` in the example for `audience`.
fn example_update_bodies(incident: &str, audience: &str) -> Vec<String> {
    let dir = example().join("incidents").join(incident).join("updates");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            // An incident of several clients has acme's own: `…-client+acme.md`.
            let name = p.to_string_lossy();
            name.ends_with(&format!("-{audience}.md"))
                || name.ends_with(&format!("-{audience}+acme.md"))
        })
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.rsplit("---\n").next().unwrap().trim().to_string()
        })
        .collect()
}

/// A `list --json` row's client is one name, or a list of them.
fn affects_acme(row: &serde_json::Value) -> bool {
    row["client"] == "acme"
        || row["client"]
            .as_array()
            .is_some_and(|list| list.iter().any(|c| c == "acme"))
}

#[test]
fn the_example_site_shows_acme_only_what_is_acmes() {
    let out = tempfile::tempdir().unwrap();
    let now = "2026-11-24T09:00:00Z";
    let run = example_mim(now, &["site", "-o", out.path().to_str().unwrap()]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let acme = out.path().join("acme");
    for file in ["index.html", "feed.xml"] {
        assert!(acme.join(file).is_file(), "{file} missing");
    }
    assert!(out.path().join("index.html").is_file());

    // One entry per acme incident that the page shows: neither proposed nor rejected.
    let list = example_mim(now, &["list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let shown: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            affects_acme(i) && !["proposed", "rejected"].contains(&i["status"].as_str().unwrap())
        })
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    let others: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !affects_acme(i))
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!shown.is_empty() && !others.is_empty());
    let feed = feed(&acme.join("feed.xml"));
    let mut ids: Vec<String> = feed.entries().iter().map(|e| e.id().to_string()).collect();
    ids.sort();
    let mut expected: Vec<String> = shown
        .iter()
        .map(|i| format!("urn:mim:incident:{i}"))
        .collect();
    expected.sort();
    assert_eq!(ids, expected);

    let doc = html(&acme.join("index.html"));
    let articles: Vec<&str> = select(&doc, "article")
        .iter()
        .filter_map(|a| a.value().id())
        .collect();
    for id in &shown {
        assert!(
            articles.contains(&id.as_str())
                || select(&doc, "tr")
                    .iter()
                    .any(|r| r.value().id() == Some(id)),
            "{id} not on the page"
        );
    }
    html(&out.path().join("index.html"));

    let text = all_text(&acme);
    for other in &others {
        assert!(!text.contains(other.as_str()), "{other} is on acme's pages");
    }
    assert!(
        !text.contains("Globex"),
        "another client's name on acme's pages"
    );
    for name in [
        "Alice Moreau",
        "Priya Shah",
        "Tom Okafor",
        "Dana Lee",
        "Dana Reyes",
        "Raj Singh",
    ] {
        assert!(!text.contains(name), "{name} is on acme's pages");
    }
    for id in &shown {
        // An update to `all` gives every audience the same words; the rest must not show.
        let client = example_update_bodies(id, "client");
        for audience in ["internal", "management"] {
            for body in example_update_bodies(id, audience) {
                if client.contains(&body) {
                    continue;
                }
                assert!(
                    !text.contains(&body),
                    "{audience} update text on acme's pages: {body}"
                );
            }
        }
        for body in client {
            let first_words: String = body
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(text.contains(&first_words), "client update missing: {body}");
        }
    }
}

const DECLARED: &str = "2026-11-24T09:00:00Z";

fn two_clients() -> TestRepo {
    let repo = TestRepo::new();
    let config = mim::DEFAULT_CONFIG.replace(
        "\naudiences:",
        "  globex:\n    name: Globex Retail\n    contacts:\n      client: [desk@globex.example]\n\naudiences:",
    );
    assert_ne!(config, mim::DEFAULT_CONFIG);
    repo.config(&config);
    repo
}

#[test]
fn a_client_page_has_only_client_updates_and_the_window_limits_history() {
    let repo = two_clients();
    // Resolved long ago: in the history only with a long enough window.
    let old = repo.active_p1("2026-08-01T09:00:00Z", "2026-08-01T09:05:00Z");
    repo.at(
        "2026-08-01T11:00:00Z",
        &[
            "resolve",
            &old,
            "-m",
            "Restarted.",
            "--closure",
            "no-fault-found",
        ],
    )
    .ok();
    let id = repo.active_p1(DECLARED, "2026-11-24T09:05:00Z");
    repo.at(
        "2026-11-24T09:10:00Z",
        &[
            "update",
            &id,
            "--audience",
            "internal",
            "-m",
            "Internal-only: blame the 3am change by Bob",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T09:11:00Z",
        &[
            "update",
            &id,
            "--audience",
            "management",
            "-m",
            "Management-only: penalty clause at risk",
        ],
    )
    .ok();
    repo.at(
        "2026-11-24T09:12:00Z",
        &[
            "update",
            &id,
            "--audience",
            "client",
            "-m",
            "We are restoring <b>payments</b> now.",
            "--status-line",
            "Down: payments failing",
            "--eta",
            "2026-11-24 12:00",
        ],
    )
    .ok();
    let globex = repo.declare(
        "2026-11-24T09:20:00Z",
        "Globex tills offline",
        "high",
        "high",
        &["--client", "globex"],
    );
    repo.at("2026-11-24T09:25:00Z", &["accept", &globex]).ok();
    let rejected = repo.declare(
        "2026-11-24T09:30:00Z",
        "Not a major one",
        "high",
        "high",
        &["--client", "acme"],
    );
    repo.at(
        "2026-11-24T09:35:00Z",
        &["reject", &rejected, "--reason", "a single user"],
    )
    .ok();
    let proposed = repo.declare(
        "2026-11-24T09:40:00Z",
        "Just proposed",
        "high",
        "high",
        &["--client", "acme"],
    );

    let site = repo.path("public");
    repo.now("2026-11-24T10:00:00Z", &["site", "-o", "public"])
        .ok();
    let acme = site.join("acme");
    let text = all_text(&acme);
    let doc = html(&acme.join("index.html"));
    let active: Vec<&str> = select(&doc, "article.active")
        .iter()
        .filter_map(|a| a.value().id())
        .collect();
    assert_eq!(active, [id.as_str()]);
    assert!(text.contains("Down: payments failing"));
    assert!(
        text.contains("We are restoring &lt;b&gt;payments&lt;/b&gt; now."),
        "user HTML is escaped"
    );
    assert!(!text.contains("<b>payments</b>"));
    for secret in [
        "Internal-only",
        "Management-only",
        "Sam Patel",
        "Alice Moreau",
        "Globex",
        &globex,
        &rejected,
        &proposed,
        &old,
    ] {
        assert!(!text.contains(secret), "{secret} is on acme's pages");
    }
    let feed_ids: Vec<String> = feed(&acme.join("feed.xml"))
        .entries()
        .iter()
        .map(|e| e.id().to_string())
        .collect();
    assert_eq!(feed_ids, [format!("urn:mim:incident:{id}")]);
    let globex_text = all_text(&site.join("globex"));
    assert!(
        globex_text.contains(&globex)
            && !globex_text.contains(&id)
            && !globex_text.contains("ACME")
    );

    // A longer window brings the old incident into acme's history and feed.
    repo.now(
        "2026-11-24T10:00:00Z",
        &["site", "-o", "public", "--days", "120", "--client", "acme"],
    )
    .ok();
    let doc = html(&acme.join("index.html"));
    let history: Vec<&str> = select(&doc, "tr")
        .iter()
        .filter_map(|r| r.value().id())
        .collect();
    assert_eq!(history, [old.as_str()]);
    assert_eq!(feed(&acme.join("feed.xml")).entries().len(), 2);

    // The overview has every incident on the site, and never proposed or rejected ones.
    let overview = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(overview.contains(&id) && overview.contains(&globex));
    assert!(!overview.contains(&rejected) && !overview.contains(&proposed));

    let unknown = repo
        .run(&["site", "-o", "public", "--client", "initech"])
        .fails(2);
    assert!(
        unknown.stderr.contains("acme, globex"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn a_components_history_counts_only_the_time_it_was_down() {
    let repo = TestRepo::new();
    let id = repo.active_p1("2026-11-23T06:08:00Z", "2026-11-23T06:15:00Z");
    let resolve = |at: &str| {
        repo.at(
            at,
            &["resolve", &id, "--closure", "permanent-fix", "-m", "Fixed."],
        )
        .ok();
    };
    resolve("2026-11-23T07:30:00Z");
    repo.at(
        "2026-11-23T08:00:00Z",
        &["reopen", &id, "--reason", "It failed again"],
    )
    .ok();
    resolve("2026-11-23T09:00:00Z");
    let facts = repo
        .now("2026-11-23T10:00:00Z", &["--json", "facts", &id])
        .ok()
        .json();
    let client = facts["readers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["audience"] == "client")
        .unwrap_or_else(|| panic!("{facts}"))
        .clone();
    assert_eq!(
        client["down"],
        serde_json::json!([
            {"from": "2026-11-23T06:08:00Z", "until": "2026-11-23T07:30:00Z"},
            {"from": "2026-11-23T08:00:00Z", "until": "2026-11-23T09:00:00Z"},
        ])
    );
    // The day's bar says 1h22m + 1h, not the 2h52m from the impact to the last restore.
    repo.now("2026-11-23T10:00:00Z", &["site", "-o", "public"])
        .ok();
    let text = all_text(&repo.path("public").join("acme"));
    assert!(text.contains("2026-11-23: down 2h22m"), "{text}");
    assert!(!text.contains("down 2h52m"), "{text}");
}
