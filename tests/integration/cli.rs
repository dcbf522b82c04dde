//! The command line itself: man pages, completions, help text and argument parsing.

use crate::common::TestRepo;

#[test]
fn man_writes_a_page_per_subcommand_with_exit_status_and_environment() {
    let repo = TestRepo::empty();
    repo.run(&["man", "-o", "d"]).ok();
    let main = repo.read("d/mim.1");
    let declare = repo.read("d/mim-declare.1");
    assert!(repo.path("d/mim-pir-action.1").is_file());
    assert!(repo.path("d/mim-pir-action-add.1").is_file());
    for page in [&main, &declare] {
        assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
        assert!(page.contains(".SH ENVIRONMENT"));
        for var in ["MIM_USER", "MIM_NOW", "NO_COLOR", "EDITOR"] {
            assert!(page.contains(var), "{var} missing");
        }
    }
    let see_also = &main[main.find(".SH \"SEE ALSO\"").expect("SEE ALSO")..];
    for name in [
        "mim\\-declare",
        "mim\\-pir\\-action",
        "mim\\-site",
        "mim\\-schema",
    ] {
        assert!(
            see_also.contains(&format!(".BR {name} (1)")),
            "{name}: {see_also}"
        );
    }
    assert!(declare.contains(".BR mim (1)"));
    assert!(
        declare.contains("\\-\\-title"),
        "the page has the command's options"
    );
    // `mim man` prints the main page as before.
    assert_eq!(repo.run(&["man"]).ok().stdout, main);
}
