//! A command is data: a program and its argv. Its Display is the shell line that bash
//! parses back into the very same argv, so what `--dry-run` prints is what runs.
//!
//! `Query` and `Change` wrap a `Cmd` to tell, by type, whether running it may alter the
//! host. Only the runner turns them into processes, and it refuses to run a `Change`
//! during a dry run.
//!
//! All three are `#[must_use]`: a command built and then dropped is a step that silently
//! never happens, which is always a bug.

use std::fmt;
use std::time::Duration;

use crate::exec::quote;

#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a command does nothing until the runner runs it"]
pub struct Cmd {
    pub program: String,
    pub args: Vec<String>,
    /// Variables handed to the child process only. They carry secret values, so they
    /// are never rendered: the argv names the key (`-e PASSWORD`) and docker reads the
    /// value from its own environment.
    pub secret_env: Vec<(String, String)>,
    /// How long the runner lets the process run before it kills it. `None` takes the
    /// runner's default for the command's kind (see `runner::QUERY_DEADLINE` and
    /// `runner::CHANGE_DEADLINE`). Not rendered: it is lanctl's limit, not part of the line.
    pub deadline: Option<Duration>,
    /// Why this command cannot run where it is meant to (a host-side step for a host that
    /// lanctl reaches only through docker's API). The runner refuses such a command with
    /// this line and exit 3, during a dry run too, since the plan could not run. Not
    /// rendered.
    pub refusal: Option<String>,
    /// What to say when the command is still running after this long (a `docker stop`
    /// that waits out a server's grace period): a wait the user would otherwise sit
    /// through in silence. Not rendered.
    pub slow: Option<(Duration, String)>,
}

impl Cmd {
    pub fn new(program: impl Into<String>) -> Self {
        Cmd { program: program.into(), args: Vec::new(), secret_env: Vec::new(), deadline: None, refusal: None, slow: None }
    }
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }
    /// Adds `flag value` when the value is present.
    pub fn opt(self, flag: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.arg(flag).arg(v),
            None => self,
        }
    }
    pub fn secret_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.secret_env.push((key.into(), value.into()));
        self
    }
    /// Overrides the runner's default deadline for this one command.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }
    /// Says `note` on stderr when the command still runs after `after`.
    pub fn slow_note(mut self, after: Duration, note: impl Into<String>) -> Self {
        self.slow = Some((after, note.into()));
        self
    }
    pub fn query(self) -> Query {
        Query(self)
    }
    pub fn change(self) -> Change {
        Change(self)
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quote::quote(&self.program))?;
        for a in &self.args {
            f.write_str(" ")?;
            f.write_str(&quote::quote(a))?;
        }
        Ok(())
    }
}

impl Cmd {
    /// The line as an error names it: each `--format` template lanctl writes is `…`, so a
    /// message stays short and shows what the user can act on; `-v` echoes the line whole.
    pub fn brief(&self) -> String {
        let mut out = quote::quote(&self.program);
        let mut after_format = false;
        for a in &self.args {
            out.push(' ');
            if after_format {
                out.push('…');
            } else if a.starts_with("--format=") {
                out.push_str("--format=…");
            } else {
                out.push_str(&quote::quote(a));
            }
            after_format = a == "--format";
        }
        out
    }
}

/// A command that only reads: it may run during `--dry-run`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a query does nothing until the runner runs it"]
pub struct Query(pub Cmd);

/// A command that changes the host: during `--dry-run` it is printed, never run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a change does nothing until the runner runs it"]
pub struct Change(pub Cmd);

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_quoted_line_and_hides_secret_env() {
        let c = Cmd::new("docker").args(["run", "-e", "PASSWORD", "--label", "a b"]).secret_env("PASSWORD", "hunter2");
        assert_eq!(c.to_string(), "docker run -e PASSWORD --label 'a b'");
        assert!(!c.to_string().contains("hunter2"));
    }

    #[test]
    fn deadline_is_kept_but_not_rendered() {
        let c = Cmd::new("docker").arg("ps");
        assert_eq!(c.deadline, None);
        let c = c.deadline(Duration::from_secs(5));
        assert_eq!(c.deadline, Some(Duration::from_secs(5)));
        assert_eq!(c.to_string(), "docker ps");
    }
}

#[cfg(test)]
mod brief_tests {
    use super::*;

    #[test]
    fn brief_leaves_out_format_templates_only() {
        let c = Cmd::new("docker").args(["ps", "--format", "{{json .}}", "--filter", "label=a b"]);
        assert_eq!(c.brief(), "docker ps --format … --filter 'label=a b'");
        assert_eq!(Cmd::new("docker").args(["inspect", "--format={{.Id}}", "x"]).brief(), "docker inspect --format=… x");
    }
}
