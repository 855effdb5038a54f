//! What a failed `docker run` said, cause first.
//!
//! docker's error comes wrapped: `docker: Error response from daemon: ` before it, a line
//! of help after it, and the failed line itself is some 500 characters of flags and
//! labels. The user needs the cause and what to do; `-v` shows the line, just before it ran.

use crate::exec::error::Error;

/// The words for a `docker run` that failed: `docker run: CAUSE; OUTCOME; HINT`, where
/// `outcome` says what became of the tenant. A failure that is not docker's answer (a
/// deadline, a docker that cannot be started) keeps its own message, hint last.
pub fn describe(e: &Error, outcome: &str) -> String {
    let Some(f) = &e.failure else {
        return format!("{outcome}: {}", e.msg);
    };
    let said = cause(&f.stderr);
    let said = if said.is_empty() {
        match f.status {
            Some(code) => format!("it failed with exit {code} and said nothing"),
            None => "it was killed by a signal".to_string(),
        }
    } else {
        said
    };
    format!("docker run: {said}; {outcome}; {}", hint(&f.stderr))
}

/// docker's own words without the wrapping: the daemon's error lines when there are any
/// (pull progress and "Unable to find image" are context, not the cause), else every
/// line but the pointer to `--help`.
fn cause(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("See 'docker") && !l.starts_with("Run 'docker"))
        .collect();
    const DAEMON: &str = "Error response from daemon: ";
    let daemon: Vec<&str> = lines.iter().filter_map(|l| l.split_once(DAEMON).map(|(_, cause)| cause)).collect();
    let chosen: Vec<&str> =
        if daemon.is_empty() { lines.iter().map(|l| l.strip_prefix("docker: ").unwrap_or(l)).collect() } else { daemon };
    chosen.iter().map(|l| l.trim_end_matches('.')).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(": ")
}

/// What to do: an image that is not here and could not be pulled has its own remedy;
/// anything else, docker has just said.
fn hint(stderr: &str) -> &'static str {
    const IMAGE: [&str; 10] = [
        "Unable to find image",
        "No such image",
        "pull access denied",
        "manifest unknown",
        "manifest for ",
        "repository does not exist",
        "failed to resolve reference",
        "error pulling image",
        "toomanyrequests",
        "Get \"http",
    ];
    if IMAGE.iter().any(|m| stderr.contains(m)) {
        "load or pull the image, or give --image"
    } else {
        "fix what docker says and retry (-v shows the docker command)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::error::Failure;

    fn failed(stderr: &str) -> Error {
        Error::command(Failure { line: "docker run --detach --name a -- img".into(), status: Some(125), stderr: stderr.into() })
    }

    #[test]
    fn a_pull_failure_leads_with_the_daemon_s_words_and_the_image_hint() {
        let e = failed(
            "Unable to find image 'nope:latest' locally\n\
             docker: Error response from daemon: pull access denied for nope, repository does not exist or may require \
             'docker login': denied: requested access to the resource is denied.\n\
             See 'docker run --help'.\n",
        );
        assert_eq!(
            describe(&e, "it was not created"),
            "docker run: pull access denied for nope, repository does not exist or may require 'docker login': denied: \
             requested access to the resource is denied; it was not created; load or pull the image, or give --image"
        );
        let e = failed(
            "docker: Error response from daemon: No such image: nope:latest.\n\nRun 'docker run --help' for more information\n",
        );
        assert_eq!(
            describe(&e, "it was not created"),
            "docker run: No such image: nope:latest; it was not created; load or pull the image, or give --image"
        );
    }

    #[test]
    fn other_failures_keep_docker_s_words_and_point_at_them() {
        let e = failed("docker: Error response from daemon: failed to create the macvlan port: operation not supported.\n");
        assert_eq!(
            describe(&e, "it was not created"),
            "docker run: failed to create the macvlan port: operation not supported; it was not created; \
             fix what docker says and retry (-v shows the docker command)"
        );
        let e = failed("docker: invalid reference format.\nSee 'docker run --help'.\n");
        assert!(describe(&e, "x").starts_with("docker run: invalid reference format; x; fix what"));
        assert_eq!(
            describe(&failed(""), "it was not created"),
            "docker run: it failed with exit 125 and said nothing; it was not created; \
             fix what docker says and retry (-v shows the docker command)"
        );
        let e =
            Error::failed("`docker run x` did not finish within 10 min and was stopped; check that the docker daemon responds");
        assert_eq!(
            describe(&e, "it was not created"),
            "it was not created: `docker run x` did not finish within 10 min and was stopped; check that the docker daemon responds"
        );
    }
}
