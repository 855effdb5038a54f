//! `lanctl completions SHELL` and `lanctl man [--dir DIR]`: shell completions and man
//! pages rendered from the clap definition itself, so they can never disagree with the
//! parser. Like `input`, this module sits at the top and knows `cli`.
//!
//! Completions are static (flags, subcommands, fixed values such as `--driver`, the values
//! `cli::suggest` lists), except that bash completes `--host`/`--context` with the names
//! `docker context ls` gives at the moment of the TAB, and `--preset` with the names
//! `lanctl presets` lists then: a line of the script clap writes is replaced, and a test
//! runs bash on the result. The dynamic completion of network and
//! tenant names needs clap_complete's unstable engine.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{man_extra, Cli};
use crate::exec::error::{Error, Result};
use crate::exec::out;

/// The completion script for `shell`, on stdout.
pub fn completions(shell: Shell) -> Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "lanctl", &mut buf);
    let script = String::from_utf8_lossy(&buf);
    out::print(&if shell == Shell::Bash { with_contexts(&script) } else { script.into_owned() });
    Ok(())
}

/// What bash offers after `--host` or `--context`: the docker CLI's context names
/// (`LANCTL_DOCKER` if set, as lanctl itself would run), instead of file names.
const CONTEXTS: &str =
    r#"COMPREPLY=($(compgen -W "$("${LANCTL_DOCKER:-docker}" context ls --format '{{.Name}}' 2>/dev/null)" -- "${cur}"))"#;

/// What bash offers after `--preset`: the names `lanctl presets` lists at the moment of
/// the TAB (the built-in ones and those of the presets directory), run as the word typed
/// runs lanctl; the built-in names clap wrote when that lists none (a bad user file).
fn presets(builtin: &str) -> String {
    format!(
        r#"COMPREPLY=($(compgen -W "$("${{COMP_WORDS[0]}}" presets 2>/dev/null | awk 'NR > 1 {{ print $1 }}' | grep . || echo {builtin})" -- "${{cur}}"))"#
    )
}

/// `script` with the file-name completion of `--host` and `--context` replaced by
/// [`CONTEXTS`], and the fixed names of `--preset` by [`presets`].
fn with_contexts(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let (mut after_host, mut after_preset) = (false, false);
    for line in script.split_inclusive('\n') {
        let trimmed = line.trim();
        let indent = &line[..line.len() - line.trim_start().len()];
        let builtin = trimmed.strip_prefix(r#"COMPREPLY=($(compgen -W ""#).and_then(|t| t.strip_suffix(r#"" -- "${cur}"))"#));
        if after_host && trimmed == r#"COMPREPLY=($(compgen -f "${cur}"))"# {
            out.push_str(&format!("{indent}{CONTEXTS}\n"));
        } else if let (true, Some(builtin)) = (after_preset, builtin) {
            out.push_str(&format!("{indent}{}\n", presets(builtin)));
        } else {
            out.push_str(line);
        }
        after_host = trimmed == "--host)" || trimmed == "--context)";
        after_preset = trimmed == "--preset)";
    }
    out
}

/// The top page on stdout, or every page (`lanctl.1`, `lanctl-up.1`, `lanctl-net-create.1`,
/// ...) written into `dir`. The top page ends with [`man_extra::TOP_PAGE`].
pub fn man(dir: Option<&Path>) -> Result<()> {
    let Some(dir) = dir else {
        out::print(&String::from_utf8_lossy(&top_page().map_err(|e| Error::failed(format!("cannot render the man page: {e}")))?));
        return Ok(());
    };
    write_pages(dir)
        .map_err(|e| Error::failed(format!("cannot write the man pages into {}: {e}; give a writable directory", dir.display())))
}

fn top_page() -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    buf.extend_from_slice(man_extra::TOP_PAGE.as_bytes());
    Ok(buf)
}

/// clap_mangen's `generate_to`, with the top page of [`top_page`].
fn write_pages(dir: &Path) -> std::io::Result<()> {
    clap_mangen::generate_to(Cli::command(), dir)?;
    std::fs::write(dir.join("lanctl.1"), top_page()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// What bash completes for `words` (the word under the cursor last) with the generated
    /// script sourced and a fake docker on PATH that knows two contexts.
    fn bash_completes(words: &[&str]) -> Vec<String> {
        bash_completes_with(words, &[])
    }

    /// [`bash_completes`] with more variables set for bash.
    fn bash_completes_with(words: &[&str], vars: &[(&str, &str)]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let mut buf = Vec::new();
        clap_complete::generate(Shell::Bash, &mut Cli::command(), "lanctl", &mut buf);
        std::fs::write(dir.path().join("lanctl.bash"), with_contexts(&String::from_utf8(buf).unwrap())).unwrap();
        let docker = dir.path().join("docker");
        std::fs::write(
            &docker,
            "#!/bin/sh\n[ \"$*\" = \"context ls --format {{.Name}}\" ] || exit 9\nprintf 'default\\nh2\\n'\n",
        )
        .unwrap();
        std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
        // The lanctl the word typed runs: its presets table, as `lanctl presets` prints it,
        // with a user preset; `BAD_PRESETS` makes it fail as a bad user file does.
        let lanctl = dir.path().join("lanctl");
        std::fs::write(
            &lanctl,
            "#!/bin/sh\n[ \"$*\" = presets ] || exit 9\n[ -z \"$BAD_PRESETS\" ] || exit 2\n\
             printf 'NAME SOURCE\\ncamgw /etc/lanctl/presets.d/camgw.preset\\nwcs built-in:presets/wcs.preset\\n'\n",
        )
        .unwrap();
        std::fs::set_permissions(&lanctl, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.path().join("a-file"), "").unwrap();
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let script = format!(
            "source lanctl.bash; COMP_WORDS=({}); COMP_CWORD={}; _lanctl lanctl \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            quoted.join(" "),
            words.len() - 1
        );
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(script)
            .current_dir(dir.path())
            .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
            .env_remove("LANCTL_DOCKER")
            .envs(vars.iter().copied())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().lines().filter(|l| !l.is_empty()).map(String::from).collect()
    }

    #[test]
    fn bash_completes_contexts_and_fixed_values_not_file_names() {
        assert_eq!(bash_completes(&["lanctl", "--context", ""]), ["default", "h2"]);
        assert_eq!(bash_completes(&["lanctl", "--host", "h"]), ["h2"]);
        assert_eq!(bash_completes(&["lanctl", "up", "--host", ""]), ["default", "h2"]);
        assert_eq!(bash_completes(&["lanctl", "up", "x", "--restart", "u"]), ["unless-stopped"]);
        // `--preset` offers what `lanctl presets` lists now, user presets too.
        assert_eq!(bash_completes(&["lanctl", "up", "x", "--preset", ""]), ["camgw", "wcs"]);
        assert_eq!(bash_completes(&["lanctl", "up", "x", "--preset", "c"]), ["camgw"]);
        // A lanctl that lists none (a bad user file): the built-in names.
        assert_eq!(bash_completes_with(&["lanctl", "up", "x", "--preset", "w"], &[("BAD_PRESETS", "1")]), ["wcs", "wowza"]);
        assert_eq!(bash_completes(&["lanctl", "net", "create", "lan", "--mode", "l3"]), ["l3", "l3s"]);
        assert_eq!(bash_completes(&["lanctl", "update", "x", "--restart", "on"]), ["on-failure"]);
    }

    /// Every `"LANCTL_..."`, `"DOCKER_..."` and `"SOURCE_DATE_..."` literal under src/ (the
    /// names lanctl reads).
    fn variables_in_the_source() -> Vec<String> {
        fn walk(dir: &Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
                if entry.is_dir() {
                    walk(&entry, found);
                } else if entry.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&entry).unwrap();
                    for (i, _) in text
                        .match_indices("\"LANCTL_")
                        .chain(text.match_indices("\"DOCKER_"))
                        .chain(text.match_indices("\"SOURCE_DATE_"))
                    {
                        let name: String = text[i + 1..].chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
                        if !found.contains(&name) {
                            found.push(name);
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
        found.sort();
        found
    }

    #[test]
    fn every_variable_lanctl_reads_is_in_the_man_page_and_the_readme() {
        let vars = variables_in_the_source();
        for want in ["LANCTL_DOCKER", "LANCTL_LOCK_DIR", "LANCTL_PROBE", "DOCKER_HOST", "DOCKER_CONTEXT"] {
            assert!(vars.iter().any(|v| v == want), "{want} not found in {vars:?}");
        }
        let page = String::from_utf8(top_page().unwrap()).unwrap().replace("\\-", "-").replace("\\fB", "").replace("\\fR", "");
        let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
        let missing: Vec<&String> = vars.iter().filter(|v| !page.contains(v.as_str()) || !readme.contains(v.as_str())).collect();
        assert!(missing.is_empty(), "undocumented (man page ENVIRONMENT and README): {missing:?}");
        for section in [".SH ENVIRONMENT", ".SH \"EXIT STATUS\"", ".SH FILES", ".SH EXAMPLES", ".SH \"SEE ALSO\""] {
            assert!(page.contains(section), "{section} missing");
        }
    }

    /// Every subcommand and long flag of `--help` is named in the README and in its man page.
    #[test]
    fn readme_help_and_man_pages_agree() {
        let dir = tempfile::tempdir().unwrap();
        man(Some(dir.path())).unwrap();
        let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
        let mut missing = Vec::new();
        fn visit(cmd: &clap::Command, path: &str, words: &str, dir: &Path, readme: &str, missing: &mut Vec<String>) {
            let page = std::fs::read_to_string(dir.join(format!("{path}.1"))).unwrap_or_default().replace("\\-", "-");
            if path != "lanctl" && !readme.contains(words) {
                missing.push(format!("README: {words}"));
            }
            for arg in cmd.get_arguments().filter(|a| !a.is_hide_set() && !a.is_global_set() || path == "lanctl") {
                let Some(long) = arg.get_long() else { continue };
                if long == "help" || long == "version" {
                    continue;
                }
                if !page.contains(&format!("--{long}")) {
                    missing.push(format!("{path}.1: --{long}"));
                }
                if !readme.contains(&format!("--{long}")) {
                    missing.push(format!("README: {path} --{long}"));
                }
            }
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                let (name, sub_words) = (sub.get_name(), format!("{words} {}", sub.get_name()));
                visit(sub, &format!("{path}-{name}"), &sub_words, dir, readme, missing);
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        visit(&cmd, "lanctl", "lanctl", dir.path(), &readme, &mut missing);
        assert!(missing.is_empty(), "not documented: {missing:#?}");
    }

    #[test]
    fn the_preset_suggestions_are_the_presets() {
        let all = crate::launch::preset::Presets::builtin();
        let names: Vec<&str> = all.0.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(crate::cli::suggest::PRESET.0, names.as_slice());
    }

    #[test]
    fn the_export_suggestions_are_the_formats() {
        let names: Vec<&str> = crate::export::Format::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(crate::cli::suggest::EXPORT_FORMAT.0, names.as_slice());
    }

    #[test]
    fn every_subcommand_gets_a_page() {
        let dir = tempfile::tempdir().unwrap();
        man(Some(dir.path())).unwrap();
        let mut pages: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        pages.sort();
        for want in ["lanctl.1", "lanctl-up.1", "lanctl-net.1", "lanctl-net-create.1", "lanctl-host-access.1", "lanctl-apply.1"] {
            assert!(pages.iter().any(|p| p == want), "{want} missing from {pages:?}");
        }
        let up = std::fs::read_to_string(dir.path().join("lanctl-up.1")).unwrap();
        assert!(up.contains("outside\\-range"), "the page documents the flags");
    }
}
