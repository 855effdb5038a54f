//! Reading the JSON that commands print: one document, or one value per line, with an
//! error that names the command it came from.

use serde::Deserialize;

use crate::exec::error::{Error, Result};

/// Parses a JSON document, naming the command it came from when it does not fit.
pub fn parse<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| {
        Error::failed(format!("cannot read the output of `{what}`: {e}"))
            .hint("report this as a lanctl bug, with that command's output and `docker version`")
    })
}

/// Parses one JSON value per line, as `docker ... --format '{{json .}}'` prints.
pub fn parse_lines<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<Vec<T>> {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| parse(what, l)).collect()
}
