//! The settled index of `mim status` and `mim list` (`.git/mim/settled/`, a store of
//! [`super`]): each settled incident's list row. A settled incident has nothing for
//! `status` to show, and `list` prints its row as kept.

use serde::{Deserialize, Serialize};

use super::{Found, Index};
use crate::lifecycle::Status;
use crate::model::{Incident, Names};
use crate::repo::Repo;
use crate::state::State;
use crate::term::list::Row;
use crate::time;

/// The store's name in `.git/mim/`.
const NAME: &str = "settled";

/// The version of its values; one of another is ignored.
const FORMAT: u32 = 1;

/// The settled index of `repo`, if git can say (see [`Index::open`]).
pub fn open(repo: &Repo) -> Option<Index> {
    Index::open(repo, NAME, FORMAT, true)
}

/// The row of incident `id`, settled at `now`, as the index keeps it.
pub fn row(index: &Index, id: &str, now: time::Timestamp) -> Option<Row> {
    index
        .value::<RowRecord>(id, now)
        .map(|record| record.to_row(id))
}

/// Incident `incident` (in `state`, its clocks `clocks`) with its `row`, to keep when it
/// is settled (see [`super::since`]) and all `status` reads of it could be read: its
/// mail's ledger too (`ledger_read`), which `status` reports when it cannot be.
pub fn found(
    incident: &Incident,
    state: &State,
    clocks: &[crate::sla::Clock],
    row: &Row,
    ledger_read: bool,
) -> Option<Found> {
    let since = super::since(incident, state, clocks).filter(|_| ledger_read)?;
    Found::new(&incident.id, since, &RowRecord::from(row))
}

/// A row as kept (its ID is the entry's).
#[derive(Serialize, Deserialize)]
struct RowRecord {
    status: Status,
    priority: String,
    title: String,
    service: Vec<String>,
    client: Option<Vec<String>>,
    reported: String,
    manager: Option<String>,
}

impl RowRecord {
    fn from(row: &Row) -> RowRecord {
        RowRecord {
            status: row.status,
            priority: row.priority.clone(),
            title: row.title.clone(),
            service: row.service.iter().map(String::from).collect(),
            client: row
                .client
                .as_ref()
                .map(|c| c.iter().map(String::from).collect()),
            reported: row.reported.clone(),
            manager: row.manager.clone(),
        }
    }

    fn to_row(&self, id: &str) -> Row {
        Row {
            id: id.to_string(),
            status: self.status,
            priority: self.priority.clone(),
            title: self.title.clone(),
            service: Names::new(self.service.iter().cloned()),
            client: self.client.as_ref().map(|c| Names::new(c.iter().cloned())),
            reported: self.reported.clone(),
            manager: self.manager.clone(),
        }
    }
}

/// What `status` and `list` make of one incident: a row of the list, with what the
/// index keeps of it when it is settled.
pub fn row_of(incident: &Incident, state: &State) -> Row {
    Row {
        id: incident.id.clone(),
        status: state.status,
        service: Names::new(state.services.clone()),
        client: Some(Names::new(state.affected().map(|c| c.client.clone())))
            .filter(|n| !n.is_empty()),
        priority: state.priority.clone(),
        title: incident.record.title.clone(),
        reported: time::format(&incident.record.reported),
        manager: state.manager.clone(),
    }
}
