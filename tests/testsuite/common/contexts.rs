//! Fake docker contexts: other hosts that are the same fake engine, reached with
//! `--context NAME`, and a fake `ssh` that stands in for a remote login shell.

use super::Fake;

/// `docker context inspect NAME` of a context whose docker endpoint is `endpoint`, in the
/// shape docker prints it.
pub fn context_json(name: &str, endpoint: &str) -> String {
    format!(
        r#"[{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{endpoint}","SkipTLSVerify":false}}}},"TLSMaterial":{{}},"Storage":{{"MetadataPath":"x","TLSPath":"y"}}}}]"#
    )
}

/// A fake `ssh` that runs what follows `--`, joined by spaces as ssh sends it, with
/// `sh -c`, as the remote login shell does: the remote `ip` and `arping` it starts are the
/// fake ones, and lanctl's quoting for the remote shell is exercised for real.
pub fn fake_ssh(f: &Fake) {
    f.add_program("ssh");
    f.on_script("ssh", "*", r#"while [[ $1 != -- ]]; do shift; done; shift; exec sh -c "$*""#);
}

/// Context `name` with the docker endpoint `endpoint`, answered by the same fake engine:
/// `docker context inspect` says the endpoint, and a call with `--context NAME` asks the
/// fake again without it. A test's rules for that context must come first.
pub fn fake_context(f: &Fake, name: &str, endpoint: &str) {
    f.on("docker", &format!("context inspect -- {name}"), 0, &context_json(name, endpoint));
    f.on_script("docker", &format!("--context {name} *"), r#"shift 2; exec "$0" "$@""#);
}
