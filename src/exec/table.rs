//! Plain aligned tables for human output.

/// Renders rows under a header, columns padded to their widest cell.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  ", w = *w));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// Renders rows that may come from several hosts (`--all-hosts`): with `with_host`, a
/// HOST column comes first, and each row's host leads its cells.
pub fn render_by_host(header: &[&str], rows: Vec<(Option<String>, Vec<String>)>, with_host: bool) -> String {
    let header: Vec<&str> = with_host.then_some("HOST").into_iter().chain(header.iter().copied()).collect();
    let rows: Vec<Vec<String>> = rows.into_iter().map(|(host, cells)| host.into_iter().chain(cells).collect()).collect();
    render(&header, &rows)
}

#[cfg(test)]
mod tests {
    #[test]
    fn aligns_columns() {
        let t = super::render(&["NAME", "IP"], &[vec!["a".into(), "1.2.3.4".into()], vec!["long-name".into(), "x".into()]]);
        assert_eq!(t, "NAME       IP\na          1.2.3.4\nlong-name  x\n");
    }

    #[test]
    fn the_host_column_comes_first_only_from_every_host() {
        let row = |host: Option<&str>| (host.map(String::from), vec!["a".to_string(), "1.2.3.4".to_string()]);
        let t = super::render_by_host(&["NAME", "IP"], vec![row(Some("default")), row(Some("h2"))], true);
        assert_eq!(t, "HOST     NAME  IP\ndefault  a     1.2.3.4\nh2       a     1.2.3.4\n");
        assert_eq!(super::render_by_host(&["NAME", "IP"], Vec::new(), true), "HOST  NAME  IP\n");
        assert_eq!(super::render_by_host(&["NAME", "IP"], vec![row(None)], false), "NAME  IP\na     1.2.3.4\n");
    }
}
