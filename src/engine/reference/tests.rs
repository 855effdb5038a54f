use super::*;

const H64: &str = "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

/// What a valid reference parses into: domain, path, tag, digest.
type Parts = (Option<String>, String, Option<String>, Option<String>);

fn p(domain: Option<&str>, path: &str, tag: Option<&str>, digest: Option<&str>) -> Parts {
    (domain.map(String::from), path.to_string(), tag.map(String::from), digest.map(String::from))
}

fn valid() -> Vec<(String, Parts)> {
    let sha = format!("sha256:{H64}");
    let sha = Some(sha.as_str());
    let sha512 = format!("sha512:{H64}{H64}");
    let (t128, upper, a237, b243) = ("t".repeat(128), H64.to_uppercase(), "a".repeat(237), "b".repeat(243));
    let s = |x: &str| x.to_string();
    vec![
        (s("ubuntu"), p(None, "ubuntu", None, None)),
        (s("docker.io/library/ubuntu:22.04"), p(Some("docker.io"), "library/ubuntu", Some("22.04"), None)),
        (s("flashphoner/webcallserver:latest"), p(None, "flashphoner/webcallserver", Some("latest"), None)),
        (s("lanctl-test/media:latest"), p(None, "lanctl-test/media", Some("latest"), None)),
        (s("localhost:5000/x/y:tag"), p(Some("localhost:5000"), "x/y", Some("tag"), None)),
        (s("[::1]:5000/x"), p(Some("[::1]:5000"), "x", None, None)),
        (s("[fe80::1]/x"), p(Some("[fe80::1]"), "x", None, None)),
        (s("127.0.0.1:5000/app"), p(Some("127.0.0.1:5000"), "app", None, None)),
        (s("registry.example.com/team/app:v1.2.3"), p(Some("registry.example.com"), "team/app", Some("v1.2.3"), None)),
        (s("my-registry.local:443/a/b/c"), p(Some("my-registry.local:443"), "a/b/c", None, None)),
        (s("localhost/x"), p(Some("localhost"), "x", None, None)),
        // Alone, `localhost` and `example.com` are Hub repositories, and `localhost:5000` is
        // repository `localhost` with tag `5000`: a registry needs a '/' after it.
        (s("localhost"), p(None, "localhost", None, None)),
        (s("example.com"), p(None, "example.com", None, None)),
        (s("localhost:5000"), p(None, "localhost", Some("5000"), None)),
        // Upper case is not a repository name, so docker reads the first component as a registry.
        (s("UPPER/case"), p(Some("UPPER"), "case", None, None)),
        // Looks like a host but is not one: docker reads the whole name as a path.
        (s("a_b.c/d"), p(None, "a_b.c/d", None, None)),
        (s("a__b"), p(None, "a__b", None, None)),
        (s("a--b"), p(None, "a--b", None, None)),
        (s("a.b_c-d/e"), p(None, "a.b_c-d/e", None, None)),
        (s("x:Tag_1.0-rc"), p(None, "x", Some("Tag_1.0-rc"), None)),
        (s("x:_"), p(None, "x", Some("_"), None)),
        (format!("x:{t128}"), p(None, "x", Some(&t128), None)),
        (format!("x@sha256:{H64}"), p(None, "x", None, sha)),
        (format!("x:tag@sha256:{H64}"), p(None, "x", Some("tag"), sha)),
        (format!("x@{sha512}"), p(None, "x", None, Some(&sha512))),
        // An image ID, as `docker run` takes it, and the same as a bare digest.
        (s(H64), p(None, "", None, sha)),
        (format!("sha256:{H64}"), p(None, "", None, sha)),
        // A short ID is a valid name; docker resolves it when no image has that name.
        (s("3f57d9401f8d"), p(None, "3f57d9401f8d", None, None)),
        // Upper-case hex is no digest, but it is a valid tag of repository `sha256`.
        (format!("sha256:{upper}"), p(None, "sha256", Some(&upper), None)),
        // Length as the registry counts it: `docker.io/library/` and 237 is 255.
        (a237.clone(), p(None, &a237, None, None)),
        (format!("example.com/{b243}"), p(Some("example.com"), &b243, None, None)),
        // The legacy Hub host counts as `docker.io`: `docker.io/a/` and 243 is 255.
        (format!("index.docker.io/a/{b243}"), p(Some("index.docker.io"), &format!("a/{b243}"), None, None)),
    ]
}

#[test]
fn valid_references_parse_into_their_parts_and_display_as_given() {
    for (input, want) in valid() {
        let r = parse(&input).unwrap_or_else(|e| panic!("{input:?} refused: {e}"));
        let got = p(r.domain(), r.path(), r.tag(), r.digest());
        assert_eq!(got, want, "{input}");
        assert_eq!((r.to_string().as_str(), r.as_str()), (input.as_str(), input.as_str()));
        assert_eq!(r.is_id(), want.1.is_empty(), "{input}");
    }
}

fn invalid() -> Vec<(String, String)> {
    let s = |x: &str| x.to_string();
    let dash = s("it starts with '-', so docker would read it as an option");
    let space = s("it contains whitespace or a control character");
    let lower = s("its repository name must be lower case");
    let comp = |c: &str| {
        format!("repository name component {c} is not lower-case letters and digits joined by '.', '_', '__' or dashes")
    };
    let host = |h: &str| format!("registry {h} is not a host name or [IPv6] address with an optional :port");
    let tag = |t: &str| format!("tag {t} must start with a letter, digit or '_' and hold only those, '.' and '-'");
    vec![
        (s(""), s("it is empty")),
        (s("--volume=/:/host"), dash.clone()),
        (s("--privileged"), dash.clone()),
        (s("-v"), dash.clone()),
        (s("-"), dash),
        (s("Bad Image!!"), space.clone()),
        (s(" ubuntu"), space.clone()),
        (s("ubuntu\n"), space.clone()),
        (s("ubu\tntu"), space),
        (s("UPPER"), lower.clone()),
        (s("foo/Bar"), lower.clone()),
        (s("Ubuntu:22.04"), lower),
        (s("a..b"), comp("a..b")),
        (s("a___b"), comp("a___b")),
        (s("a._b"), comp("a._b")),
        (s("a-"), comp("a-")),
        (s(".a"), comp(".a")),
        (s("ubüntu"), comp("ubüntu")),
        (s("x!/y"), comp("x!")),
        (s("/x"), s("repository name /x has an empty component")),
        (s("x/"), s("repository name x/ has an empty component")),
        (s("x//y"), s("repository name x//y has an empty component")),
        (s("localhost:5000/"), s("it has no repository name")),
        (s(":tag"), s("it has no repository name")),
        (format!("@sha256:{H64}"), s("it has no repository name")),
        (s("localhost:50a0/x"), host("localhost:50a0")),
        (s("a-.com/x"), host("a-.com")),
        (s("[::1/x"), host("[::1")),
        (s("[]:5000/x"), host("[]:5000")),
        // Docker leaves out IPv6 zones.
        (s("[fe80::1%2]:5000/x"), host("[fe80::1%2]:5000")),
        (s("[::g]/x"), host("[::g]")),
        (s("x:"), s("its tag after ':' is empty")),
        (s("x:.tag"), tag(".tag")),
        (s("x:-tag"), tag("-tag")),
        (format!("x:{}", "t".repeat(129)), s("its tag is 129 characters, more than 128")),
        (s("x@"), s("its digest after '@' is empty")),
        (s("x@abc"), s("digest abc has no algorithm; write it as sha256:<64 hex digits>")),
        (format!("x@sha256:{}", &H64[1..]), format!("sha256 digest {} is not 64 lower-case hex digits", &H64[1..])),
        (
            format!("x@sha256:{}", H64.to_uppercase()),
            format!("sha256 digest {} is not 64 lower-case hex digits", H64.to_uppercase()),
        ),
        (format!("x@md5:{}", &H64[..32]), s("digest algorithm md5 is not sha256, sha384 or sha512")),
        (format!("x@sha256:{H64}@sha256:{H64}"), s("it has more than one '@'")),
        ("a".repeat(238), s("its name is 256 characters as the registry counts it, more than 255")),
        (format!("a/{}", "b".repeat(244)), s("its name is 256 characters as the registry counts it, more than 255")),
        (format!("example.com/{}", "b".repeat(244)), s("its name is 256 characters as the registry counts it, more than 255")),
    ]
}

#[test]
fn invalid_references_are_refused_with_their_reason() {
    for (input, reason) in invalid() {
        assert_eq!(parse(&input), Err(reason), "{input:?}");
    }
}
