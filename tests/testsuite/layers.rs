//! The layer rule of ARCHITECTURE.md, checked on the source: a module imports only from
//! layers below its own (or from its own folder), never from a layer above it nor from a
//! sibling of the same rank, and no chain of imports between modules comes back to where
//! it started. Read from the `crate::` and `super::` paths of every file under `src/`, so
//! a new upward `use` fails this test before a reviewer has to find it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use what a lower rank holds; modules of one
/// rank know nothing of each other.
const LAYERS: &[&[&str]] = &[
    &["exec"],
    &["engine"],
    &["target"],
    &["lan", "state"],
    &["shim"],
    &["checks"],
    &["launch", "provision"],
    &["conflict", "export", "fleet", "net", "tenant"],
    &["cli"],
    &["input"],
];

fn rank(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top))
}

/// A source file's module path: `src/launch/converge.rs` is `launch::converge`,
/// `src/launch/mod.rs` is `launch`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its comments and string literals, so a path in prose or in a
/// message is not an import.
fn code_only(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_str = false;
        let mut prev = ' ';
        let mut kept = String::new();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !in_str && c == '/' && chars.get(i + 1) == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\\' && !(prev == '\'' && chars.get(i + 1) == Some(&'\'')) {
                in_str = !in_str;
            } else if !in_str {
                kept.push(c);
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
            i += 1;
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// Every module path a file names: `crate::a::b::{c, d::e}` names `a::b::c` and
/// `a::b::d::e`; `super::x` is resolved against the file's own module.
fn named_paths(code: &str, own: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let at_word = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_' || bytes[i - 1] == ':');
        if at_word && (rest.starts_with("crate::") || rest.starts_with("super::")) {
            let mut base: Vec<String> = if rest.starts_with("crate::") {
                i += 7;
                Vec::new()
            } else {
                // `super::` of `a::b` (a file, not a mod.rs) is `a`; chains climb further.
                let mut b = own.to_vec();
                while bytes[i..].iter().collect::<String>().starts_with("super::") {
                    b.pop();
                    i += 7;
                }
                b
            };
            let (paths, used) = read_path(&bytes[i..]);
            for p in paths {
                let mut full = base.clone();
                full.extend(p);
                found.push(full);
            }
            base.clear();
            i += used.max(1);
        } else {
            i += 1;
        }
    }
    found
}

/// Reads `a::b::{c, d::{e}}` from the start of `s`: the paths it names and the length read.
fn read_path(s: &[char]) -> (Vec<Vec<String>>, usize) {
    let mut i = 0;
    let mut prefix: Vec<String> = Vec::new();
    loop {
        let start = i;
        while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
            i += 1;
        }
        if i > start {
            prefix.push(s[start..i].iter().collect());
        }
        if s[i..].starts_with(&[':', ':']) {
            i += 2;
            if s.get(i) == Some(&'{') {
                i += 1;
                let mut out = Vec::new();
                loop {
                    while i < s.len() && (s[i].is_whitespace() || s[i] == ',') {
                        i += 1;
                    }
                    if i >= s.len() || s[i] == '}' {
                        return (out, i + 1);
                    }
                    let (inner, used) = read_path(&s[i..]);
                    for p in inner {
                        let mut full = prefix.clone();
                        full.extend(p);
                        out.push(full);
                    }
                    i += used.max(1);
                }
            }
            continue;
        }
        return (vec![prefix], i);
    }
}

/// The longest known module that `path` starts with.
fn resolve(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p))
}

struct Graph {
    edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

fn read_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(src, f)).collect();
    let mut edges = BTreeMap::new();
    for f in &files {
        let own = module_of(src, f);
        // A file `a/b.rs` is module `a::b`; `super` in it means `a`, so resolve against
        // the module itself (read_path pops one level per `super`).
        let code = code_only(&std::fs::read_to_string(f).unwrap());
        let mut to = BTreeSet::new();
        for p in named_paths(&code, &own) {
            if let Some(m) = resolve(&p, &modules) {
                if m != own && !own.starts_with(&m) {
                    to.insert(m);
                }
            }
        }
        edges.insert(own, to);
    }
    Graph { edges }
}

/// What breaks the layer rule: an import of a layer above, or of a sibling of one rank.
fn layer_breaks(g: &Graph) -> Vec<String> {
    let mut breaks = Vec::new();
    for (from, tos) in &g.edges {
        let Some(top) = from.first() else { continue };
        let Some(r) = rank(top) else { continue };
        for to in tos {
            let other = &to[0];
            if other == top {
                continue;
            }
            match rank(other) {
                Some(o) if o < r => {}
                Some(o) => breaks.push(format!(
                    "{} imports {} ({} {})",
                    from.join("::"),
                    to.join("::"),
                    if o == r { "a sibling of rank" } else { "a layer above, rank" },
                    o
                )),
                None => breaks.push(format!("{} imports {}, which no layer holds", from.join("::"), to.join("::"))),
            }
        }
    }
    breaks
}

/// Every cycle of imports between modules, each named once by the module it is found from.
fn cycles(g: &Graph) -> Vec<String> {
    let mut found = BTreeSet::new();
    for start in g.edges.keys() {
        // Depth-first from `start`, looking for a path back to it.
        let mut stack: Vec<(Vec<String>, Vec<Vec<String>>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in g.edges.get(&at).into_iter().flatten() {
                if next == start {
                    let mut ring: Vec<String> = path.iter().map(|m| m.join("::")).collect();
                    // One name per cycle: rotate so its smallest module comes first.
                    let min = (0..ring.len()).min_by_key(|&i| ring[i].clone()).unwrap();
                    ring.rotate_left(min);
                    ring.push(ring[0].clone());
                    found.insert(ring.join(" -> "));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    found.into_iter().collect()
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_imports_only_layers_below_it() {
    let breaks = layer_breaks(&read_graph(&src()));
    assert!(breaks.is_empty(), "the layer rule (ARCHITECTURE.md) is broken:\n{}", breaks.join("\n"));
}

#[test]
fn no_chain_of_imports_comes_back_to_its_start() {
    let rings = cycles(&read_graph(&src()));
    assert!(rings.is_empty(), "modules import each other in a circle:\n{}", rings.join("\n"));
}

#[test]
fn every_folder_of_src_is_a_layer_and_only_the_entry_files_are_flat() {
    let mut stray = Vec::new();
    for e in std::fs::read_dir(src()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if rank(&name).is_none() {
                stray.push(format!("src/{name}/ is in no layer"));
            }
        } else if !["lib.rs", "main.rs"].contains(&name.as_str()) {
            stray.push(format!("src/{name} is flat in src/"));
        }
    }
    assert!(stray.is_empty(), "{}", stray.join("\n"));
}

/// A module's name says which room it is, once: two modules of one name (`checks::docker`
/// beside `engine::docker`) make a reader open both to find the one meant. Unit-test
/// modules (`tests`) are the exception every folder may have.
#[test]
fn no_module_name_is_used_twice() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut by_name: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for f in &files {
        let path = module_of(&src(), f);
        match path.last().map(String::as_str) {
            None | Some("lib" | "main" | "tests") => {}
            Some(name) => by_name.entry(name.to_string()).or_default().push(path.join("::")),
        }
    }
    let twice: Vec<String> =
        by_name.into_iter().filter(|(_, paths)| paths.len() > 1).map(|(n, paths)| format!("{n}: {}", paths.join(", "))).collect();
    assert!(twice.is_empty(), "module names used more than once:\n{}", twice.join("\n"));
}

/// The checker itself: an upward import, a sibling's and a circle are each found, so the
/// tests above cannot pass by reading nothing.
#[test]
fn the_checker_finds_an_upward_import_a_sibling_and_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("exec/mod.rs", "pub mod cmd;\nuse crate::cli::Cli; // up\n");
    write("exec/cmd.rs", "use super::runner::Runner;\n");
    write("exec/runner.rs", "use crate::exec::{cmd::Cmd, out};\n");
    write("exec/out.rs", "// crate::tenant::up in a comment is no import\nconst S: &str = \"crate::tenant\";\n");
    write("lan/mod.rs", "use crate::state::pool::Pool;\n");
    write("state/pool.rs", "use crate::exec::cmd::Cmd;\n");
    write("cli/mod.rs", "use crate::exec::out;\n");
    let g = read_graph(src);
    assert_eq!(layer_breaks(&g), ["exec imports cli (a layer above, rank 8)", "lan imports state::pool (a sibling of rank 3)"]);
    assert_eq!(cycles(&g), ["exec::cmd -> exec::runner -> exec::cmd"]);
}
