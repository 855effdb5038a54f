//! Line diffs for failure messages: what a test expected against what it got.

/// A unified-style diff of two texts by lines: ` ` both, `-` expected only, `+` actual only.
/// Lines are shown escaped (`{:?}` without the quotes) so that trailing spaces, tabs and a
/// missing final newline are visible.
pub fn lines(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.split_inclusive('\n').collect();
    let a: Vec<&str> = actual.split_inclusive('\n').collect();
    let mut out = String::new();
    for (tag, line) in edit_script(&e, &a) {
        let shown = format!("{line:?}");
        out += &format!("{tag} {}\n", &shown[1..shown.len() - 1]);
    }
    out
}

/// The longest-common-subsequence edit script: small inputs only (test output).
fn edit_script<'a>(e: &[&'a str], a: &[&'a str]) -> Vec<(char, &'a str)> {
    let (n, m) = (e.len(), a.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if e[i] == a[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut script) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && e[i] == a[j] {
            script.push((' ', e[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            script.push(('-', e[i]));
            i += 1;
        } else {
            script.push(('+', a[j]));
            j += 1;
        }
    }
    script
}
