//! `casebook case …`: add, show, list, update and delete case files.

use casebook::error::Result;
use casebook::store::read::parse_id;

use super::args::{CaseCommand, Cli};
use super::{open, output, read_json_arg};

pub(super) fn case_command(cli: &Cli, cmd: &CaseCommand) -> Result<()> {
    match cmd {
        CaseCommand::Add { json } => {
            let input = read_json_arg(json)?;
            let mut store = open(cli)?;
            println!("{}", store.add_case(&input)?);
        }
        CaseCommand::Show { id, json } => {
            let id = parse_id(id)?;
            let store = open(cli)?;
            output::case_file(&store.case(&id)?, *json);
        }
        CaseCommand::List { filter, limit, offset, json } => {
            let filter = filter.filter();
            filter.check()?;
            let store = open(cli)?;
            let rows = store.list_cases(&filter, *offset, *limit)?;
            output::summaries(&rows, *json);
        }
        CaseCommand::Update { id, json } => {
            let id = parse_id(id)?;
            let input = read_json_arg(json)?;
            let mut store = open(cli)?;
            let n = store.update_case(&id, &input)?;
            eprintln!("{n} field(s) changed");
        }
        CaseCommand::Delete { id } => {
            let id = parse_id(id)?;
            let mut store = open(cli)?;
            store.delete_case(&id)?;
            eprintln!("case deleted");
        }
    }
    Ok(())
}
