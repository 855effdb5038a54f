//! The README's "JSON output" table as a checker: each row's shape (`{key, key?, key:
//! {...}}`, `[...]`), parsed, against what a command printed. A key that is printed but not
//! written there fails, and so does a key written there without `?` that is missing; a
//! nested object or list of objects must have its keys written too.

use serde_json::Value;

#[derive(Debug)]
enum Shape {
    /// A value whose keys, if any, are not written: a string, number, bool or list of them.
    Leaf,
    Object(Vec<Field>),
    List(Box<Shape>),
}

#[derive(Debug)]
struct Field {
    key: String,
    optional: bool,
    shape: Shape,
}

/// The shape the README writes for `command` (the table's first cell without backticks).
fn documented(command: &str) -> Shape {
    let readme = include_str!("../../../README.md");
    let section = readme.split("\n## JSON output\n").nth(1).expect("README has a JSON output section");
    let section = section.split("\n## ").next().unwrap();
    // The first cell, without its backticks, names the command.
    let row = section
        .lines()
        .find(|l| l.split('|').nth(1).is_some_and(|cell| cell.trim().replace('`', "") == command))
        .unwrap_or_else(|| panic!("README's JSON output table has no row for `{command}`"));
    let shape = row.split('|').nth(2).unwrap().trim();
    let shape = shape.trim_end_matches(" per line").trim_matches('`');
    let mut p = Parser { s: shape.as_bytes(), at: 0 };
    let out = p.shape();
    assert_eq!(p.at, shape.len(), "README's shape for `{command}` has trailing text: {shape}");
    out
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn skip(&mut self) {
        while self.s.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.skip();
        let hit = self.s.get(self.at) == Some(&c);
        self.at += usize::from(hit);
        hit
    }
    fn shape(&mut self) -> Shape {
        if self.eat(b'[') {
            let inner = self.shape();
            assert!(self.eat(b']'), "unclosed [ at {}", self.at);
            return Shape::List(Box::new(inner));
        }
        if !self.eat(b'{') {
            return Shape::Leaf;
        }
        let mut fields = Vec::new();
        loop {
            self.skip();
            let start = self.at;
            while self.s.get(self.at).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                self.at += 1;
            }
            let key = String::from_utf8(self.s[start..self.at].to_vec()).unwrap();
            assert!(!key.is_empty(), "a key expected at {}", self.at);
            let optional = self.eat(b'?');
            let shape = if self.eat(b':') { self.shape() } else { Shape::Leaf };
            fields.push(Field { key, optional, shape });
            if self.eat(b'}') {
                return Shape::Object(fields);
            }
            assert!(self.eat(b','), "`,` or `}}` expected at {}", self.at);
        }
    }
}

/// Fails unless `value` (what `command` printed) has the README's shape for it.
pub fn assert_documented(command: &str, value: &Value) {
    let mut problems = Vec::new();
    conforms(&documented(command), value, "$", &mut problems);
    assert!(problems.is_empty(), "`{command} --json` and the README's JSON output table differ:\n{}", problems.join("\n"));
}

fn conforms(shape: &Shape, value: &Value, at: &str, problems: &mut Vec<String>) {
    match (shape, value) {
        (_, Value::Null) => {}
        (Shape::List(inner), Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                conforms(inner, item, &format!("{at}[{i}]"), problems);
            }
        }
        (Shape::Object(fields), Value::Object(map)) => {
            for key in map.keys() {
                if !fields.iter().any(|f| &f.key == key) {
                    problems.push(format!("{at}.{key} is printed but not in the README"));
                }
            }
            for f in fields {
                match map.get(&f.key) {
                    Some(v) => conforms(&f.shape, v, &format!("{at}.{}", f.key), problems),
                    None if f.optional => {}
                    None => problems
                        .push(format!("{at}.{} is in the README but not printed (mark it `?` if it may be left out)", f.key)),
                }
            }
        }
        (Shape::Leaf, Value::Object(_)) => problems.push(format!("{at} is an object whose keys the README does not write")),
        (Shape::Leaf, Value::Array(items)) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            problems.push(format!("{at} is a list of objects whose keys the README does not write"))
        }
        (Shape::Leaf, _) => {}
        (s, v) => problems.push(format!("{at} is {v}, the README says {s:?}")),
    }
}
