//! The foundation: repository, lifecycle commands and the git audit trail.

use crate::common::TestRepo;

#[test]
fn lifecycle_round_trip_shows_state_and_timeline() {
    let repo = TestRepo::new();
    let id = repo.declare(
        "2026-11-24T09:00:00Z",
        "Payments API outage",
        "high",
        "high",
        &[],
    );
    assert_eq!(id, "2026-11-24-payments-api-outage");
    repo.at(
        "2026-11-24T09:10:00Z",
        &["accept", &id, "--manager", "Alice Moreau"],
    )
    .ok();
    repo.at(
        "2026-11-24T10:00:00Z",
        &["hold", &id, "--reason", "waiting on carrier"],
    )
    .ok();
    repo.at("2026-11-24T10:30:00Z", &["resume", &id]).ok();
    repo.at(
        "2026-11-24T10:40:00Z",
        &["note", &id, "carrier replaced the card"],
    )
    .ok();
    let show = repo.run(&["show", &id, "--json"]).ok().json();
    assert_eq!(show["state"]["status"], "accepted");
    assert_eq!(show["state"]["priority"], "P1");
    assert_eq!(show["record"]["reporter"], "Sam Patel");
    assert_eq!(show["state"]["manager"], "Alice Moreau");
    let timeline: Vec<(String, String)> = show["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().to_string(),
                e["at"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        timeline,
        [
            ("declare", "2026-11-24T09:00:00Z"),
            ("accept", "2026-11-24T09:10:00Z"),
            ("hold", "2026-11-24T10:00:00Z"),
            ("resume", "2026-11-24T10:30:00Z"),
            ("note", "2026-11-24T10:40:00Z"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}
