//! The settled index (`.git/mim/settled`) of `mim status` and `mim list`: it keeps the
//! closed and rejected incidents with every clock stopped, and a run that uses it says,
//! byte for byte, what a run without it says, after every kind of change: an incident's
//! files edited, deleted or added (committed or not), a link, `mim.yaml`, an earlier
//! "now", a mim command on a settled incident, HEAD moved back, a corrupt file.

use crate::check_cache::{commit_all, dir_of, repository};
use crate::common::{Run, TestRepo};

const INDEX: &str = ".git/mim/settled";

/// "Now": after everything the incidents record.
const NOW: &str = "2026-12-10T09:00:00Z";

/// What `status` and `list` are asked, in text and JSON.
const LOOKS: [&[&str]; 6] = [
    &["status"],
    &["--json", "status"],
    &["list"],
    &["--json", "list"],
    &["list", "--status", "closed"],
    &["list", "--status", "open"],
];

fn look(repo: &TestRepo, now: &str, args: &[&str]) -> Run {
    repo.now(now, args)
}

/// The IDs the index holds (each file: a header, the month's tree, then a line per
/// incident starting with its ID).
fn indexed(repo: &TestRepo) -> Vec<String> {
    let mut ids = Vec::new();
    for file in std::fs::read_dir(repo.path(INDEX)).expect("the index is written") {
        let path = file.unwrap().path();
        if path.extension().is_some() {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert!(lines.next().unwrap().starts_with("mim-settled "));
        lines.next().expect("the month's tree");
        ids.extend(lines.map(|l| l.split('\t').next().unwrap().to_string()));
    }
    ids.sort();
    ids
}

/// Every look at `now` through the index (twice: the second reads what the first
/// kept) says what it says with no index at all.
#[track_caller]
fn same(repo: &TestRepo, now: &str, what: &str) {
    for args in LOOKS {
        let first = look(repo, now, args);
        let second = look(repo, now, args);
        let _ = std::fs::remove_dir_all(repo.path(INDEX));
        let fresh = look(repo, now, args);
        for (which, run) in [("first", &first), ("second", &second)] {
            assert_eq!(
                (run.code, run.stdout.as_str(), run.stderr.as_str()),
                (fresh.code, fresh.stdout.as_str(), fresh.stderr.as_str()),
                "{which} `mim {}` through the index after {what}",
                args.join(" ")
            );
        }
    }
}

#[test]
fn the_settled_incidents_are_kept_and_every_look_says_what_a_fresh_read_says() {
    let (repo, ids) = repository();
    every_change(&repo, &ids);
}

#[test]
fn in_the_monthly_layout_too_and_across_the_migration() {
    let (repo, ids) = repository();
    same(&repo, NOW, "nothing");
    repo.run(&["migrate"]).ok();
    assert!(repo.read("mim.yaml").contains("layout: monthly"));
    same(&repo, NOW, "the migration");
    every_change(&repo, &ids);
    // A copy of a settled incident left in the flat layout: HEAD has it twice.
    let dir = dir_of(&repo, &ids.closed);
    let copy = format!("incidents/{}", ids.closed);
    std::fs::create_dir_all(repo.path(&copy)).unwrap();
    for name in ["incident.yaml", "timeline.yaml"] {
        let text = repo.read(&format!("{dir}/{name}"));
        repo.write(
            &format!("{copy}/{name}"),
            &text.replace("Printer", "Scanner"),
        );
    }
    same(&repo, NOW, "an untracked copy in the other layout");
    commit_all(&repo, "a copy");
    same(&repo, NOW, "a committed copy in the other layout");
    // The copy mim read (the monthly one) removed: the flat copy is read, not the row
    // kept of the other.
    repo.git(&["rm", "--quiet", "-r", &dir]);
    commit_all(&repo, "the monthly copy removed");
    let run = look(&repo, NOW, &["list"]);
    assert!(run.stdout.contains("Scanner"), "{}", run.stdout);
    same(&repo, NOW, "the copy mim read removed");
}

/// Every kind of change, with a look through the index after each.
fn every_change(repo: &TestRepo, ids: &crate::check_cache::Ids) {
    same(repo, NOW, "nothing");
    // The closed and the rejected incident are kept, the open one is not.
    let mut settled = vec![ids.closed.clone(), ids.rejected.clone()];
    settled.sort();
    assert_eq!(indexed(repo), settled);

    // The closed incident's title, edited and not committed, then committed.
    let record = format!("{}/incident.yaml", dir_of(repo, &ids.closed));
    let text = repo.read(&record);
    repo.write(
        &record,
        &text.replacen("Printer queue stuck", "Printer queue jammed", 1),
    );
    assert!(look(repo, NOW, &["list"]).stdout.contains("jammed"));
    same(repo, NOW, "an uncommitted edit");
    commit_all(repo, "a hand edit");
    assert!(look(repo, NOW, &["list"]).stdout.contains("jammed"));
    same(repo, NOW, "a committed edit");

    // A settled incident's timeline deleted, not committed: with no events, the
    // rejected incident is a proposal again, on the morning's list.
    let timeline = format!("{}/timeline.yaml", dir_of(repo, &ids.rejected));
    let kept = repo.read(&timeline);
    std::fs::remove_file(repo.path(&timeline)).unwrap();
    let run = look(repo, NOW, &["status"]);
    assert!(run.stdout.contains(&ids.rejected), "{}", run.stdout);
    same(repo, NOW, "a deleted file");
    repo.write(&timeline, &kept);
    same(repo, NOW, "the file back");

    // An untracked file mim reads, and a symbolic link, in the settled incidents.
    let plan = format!("{}/plan.md", dir_of(repo, &ids.rejected));
    let had_plan = repo.path(&plan).exists();
    if !had_plan {
        repo.write(&plan, "---\nnot: [closed\n");
        same(repo, NOW, "an untracked plan");
        std::fs::remove_file(repo.path(&plan)).unwrap();
    }
    #[cfg(unix)]
    {
        let link = repo.path(&format!("{}/outbox", dir_of(repo, &ids.closed)));
        let moved = link.with_extension("kept");
        std::fs::rename(&link, &moved).unwrap();
        std::os::unix::fs::symlink(&moved, &link).unwrap();
        same(repo, NOW, "a symbolic link");
        std::fs::remove_file(&link).unwrap();
        std::fs::rename(&moved, &link).unwrap();
    }
    same(repo, NOW, "the links gone");

    // A mail ledger that cannot be read, committed: `status` reports it, even when
    // `list` (which does not read mail) looked first.
    let log = format!("{}/outbox/sent.log", dir_of(repo, &ids.closed));
    let kept_log = std::fs::read(repo.path(&log)).unwrap_or_default();
    let mut broken = kept_log.clone();
    broken.extend_from_slice(b"\xff\xfe not text\n");
    std::fs::write(repo.path(&log), &broken).unwrap();
    commit_all(repo, "a broken ledger");
    look(repo, NOW, &["list"]).ok();
    let run = look(repo, NOW, &["status"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    same(repo, NOW, "an unreadable mail ledger");
    std::fs::write(repo.path(&log), &kept_log).unwrap();
    commit_all(repo, "the ledger mended");
    look(repo, NOW, &["list"]).ok();
    same(repo, NOW, "the ledger mended");

    // mim.yaml, and an earlier "now", when the closed incident was still open.
    let config = repo.read("mim.yaml");
    repo.write("mim.yaml", &format!("{config}\n# a comment\n"));
    same(repo, NOW, "mim.yaml edited");
    repo.write("mim.yaml", &config);
    same(repo, "2026-11-24T10:00:00Z", "an earlier now");
    same(repo, NOW, "now again");

    // A corrupt index is ignored and written again.
    look(repo, NOW, &["list"]).ok();
    for file in std::fs::read_dir(repo.path(INDEX)).unwrap() {
        let path = file.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace('\t', " ").replace("Z", "garbage")).unwrap();
    }
    same(repo, NOW, "a corrupt index");

    // A mim command on a settled incident, and HEAD moved back before it.
    repo.at(
        "2026-12-10T08:00:00Z",
        &["note", &ids.closed, "The vendor confirmed the fix."],
    )
    .ok();
    same(repo, NOW, "a note");
    same(repo, "2026-12-10T07:59:00Z", "a note after now");
    let run = look(repo, NOW, &["--json", "list"]);
    assert!(run.stdout.contains(&ids.closed), "{}", run.stdout);
    repo.git(&["reset", "--quiet", "--hard", "HEAD~1"]);
    same(repo, NOW, "HEAD moved back");
    let mut settled = vec![ids.closed.clone(), ids.rejected.clone()];
    settled.sort();
    assert_eq!(indexed(repo), settled);
}
