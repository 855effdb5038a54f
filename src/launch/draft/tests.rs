use super::*;
use crate::exec::error::Exit;
use crate::launch::env::{parse_flag, read_file};

fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
}

/// A draft as `lanctl up NAME [--preset P] -e ...` gives it.
fn draft(preset: Option<&str>, env: &[&str], lookup: &dyn Fn(&str) -> Option<String>) -> TenantDraft {
    TenantDraft {
        origin: Origin::Cli,
        name: "room-1".into(),
        net: None,
        preset: preset.map(String::from),
        image: None,
        ip: Vec::new(),
        slaac: false,
        outside_range: false,
        env: env.iter().map(|e| parse_flag("-e", e, lookup).unwrap()).collect(),
        env_file: None,
        labels: vec![],
        restart: "unless-stopped".into(),
        args: vec![],
        ready: None,
    }
}

#[test]
fn wcs_preset_passes_secrets_by_key_and_warns_once_when_unset() {
    let lookup = env_of(&[("PASSWORD", "hunter2")]);
    let r = draft(Some("wcs"), &[], &lookup).lower(&lookup, &Presets::builtin()).unwrap();
    assert_eq!(r.spec.image, "flashphoner/webcallserver:latest");
    assert_eq!(r.spec.ip_env.iter().collect::<Vec<_>>(), ["EXTERNAL_IP", "LOCAL_IP"]);
    assert_eq!(r.spec.secrets.iter().collect::<Vec<_>>(), ["PASSWORD"]);
    assert_eq!(r.secrets, vec![("PASSWORD".to_string(), "hunter2".to_string())]);
    assert_eq!(
        r.warnings,
        ["LICENSE not set in lanctl's environment: without PASSWORD there is no SSH into the container; \
          without LICENSE, activate the license in the web UI"]
    );
    assert!(!r.spec.to_label().contains("hunter2"));
    let none = env_of(&[]);
    let r = draft(Some("wcs"), &[], &none).lower(&none, &Presets::builtin()).unwrap();
    assert_eq!(r.warnings.len(), 1, "both keys missing is one warning: {:?}", r.warnings);
    assert!(r.warnings[0].starts_with("PASSWORD and LICENSE not set"), "{:?}", r.warnings);
}

#[test]
fn explicit_flags_override_the_preset() {
    let lookup = env_of(&[("PASSWORD", "hunter2"), ("LICENSE", "l")]);
    let mut d = draft(Some("wcs"), &["LOCAL_IP=198.51.100.9", "PASSWORD=literal"], &lookup);
    d.image = Some("my/wcs:1".into());
    let r = d.lower(&lookup, &Presets::builtin()).unwrap();
    assert_eq!(r.spec.image, "my/wcs:1");
    assert_eq!(r.spec.ip_env.iter().collect::<Vec<_>>(), ["EXTERNAL_IP"]);
    assert_eq!(r.spec.env.get("LOCAL_IP").unwrap(), "198.51.100.9");
    assert_eq!(r.spec.env.get("PASSWORD").unwrap(), "literal");
    assert_eq!(r.spec.secrets.iter().collect::<Vec<_>>(), ["LICENSE"]);
}

/// Every value that reaches docker's argv, hostile or malformed: exit 2 with one line.
#[test]
fn hostile_and_bad_values_are_usage_errors() {
    let none = env_of(&[]);
    type Edit = fn(&mut TenantDraft);
    let cases: Vec<(Edit, &str)> = vec![
        (|d| d.preset = None, "no image to run; give --image IMAGE or --preset wcs"),
        (
            |d| d.preset = Some("nope".into()),
            "--preset \"nope\" is unknown; use one of janus, jvb, livekit, mediamtx, wcs, wowza",
        ),
        (|d| d.image = Some("--volume=/:/host".into()), "--image \"--volume=/:/host\" is not an image reference"),
        (|d| d.image = Some("--privileged".into()), "--image \"--privileged\" is not an image reference"),
        (|d| d.image = Some("Bad Image!!".into()), "--image \"Bad Image!!\" is not an image reference"),
        (|d| d.image = Some(String::new()), "--image \"\" is not an image reference"),
        (|d| d.name = "--help".into(), "tenant name \"--help\" is invalid"),
        (|d| d.name = "a\nb".into(), "tenant name \"a\\nb\" is invalid"),
        (|d| d.net = Some("-x".into()), "--net \"-x\" is not a network name"),
        (|d| d.restart = "on-failure:abc".into(), "--restart \"on-failure:abc\" is not a docker restart policy"),
        (|d| d.restart = "no:3".into(), "--restart \"no:3\" is not a docker restart policy"),
        (|d| d.restart = "-d".into(), "--restart \"-d\" is not a docker restart policy"),
        (|d| d.ip = vec!["300.1.1.1".into()], "--ip \"300.1.1.1\" is not an IP address"),
        (|d| d.ip = vec!["-1".into()], "--ip \"-1\" is not an IP address"),
        (|d| d.ip = vec!["2001:db8::5::1".into()], "--ip \"2001:db8::5::1\" is not an IP address"),
        (|d| d.ip = vec!["fe80::5".into()], "--ip fe80::5 is a link-local, multicast, loopback or unspecified IPv6 address"),
        (|d| d.ip = vec!["ff02::1:ff00:5".into()], "--ip ff02::1:ff00:5 is a link-local, multicast"),
        (|d| d.ip = vec!["::".into()], "--ip :: is a link-local, multicast"),
        (
            |d| d.ip = vec!["2001:db8::5".into(), "2001:db8::6".into()],
            "--ip is given twice for IPv6 (2001:db8::5 and 2001:db8::6); give it once per family",
        ),
        (
            |d| d.ip = vec!["198.51.100.5".into(), "198.51.100.6".into()],
            "--ip is given twice for IPv4 (198.51.100.5 and 198.51.100.6); give it once per family",
        ),
        (|d| d.labels = vec![("io.lanctl.tenant".into(), "x".into())], "--label io.lanctl.tenant uses lanctl's own prefix"),
        (|d| d.labels = vec![("-x".into(), "y".into())], "--label \"-x\" is not a label key"),
        (|d| d.labels = vec![("k".into(), "a\nb".into())], "--label k: the value holds a newline"),
        (|d| d.outside_range = true, "--outside-range needs --ip; give the address to use"),
    ];
    for (edit, want) in cases {
        let mut d = draft(Some("wcs"), &[], &none);
        edit(&mut d);
        let e = d.clone().lower(&none, &Presets::builtin()).err().unwrap_or_else(|| panic!("{d:?} must fail"));
        assert_eq!(e.exit, Exit::Usage, "{e}");
        assert!(e.to_string().starts_with(want), "{e}\nshould start with\n{want}");
        assert_eq!(e.to_string().lines().count(), 1, "{e}");
    }
}

#[test]
fn ip_once_per_family_says_which_by_its_value() {
    let none = env_of(&[]);
    let mut d = draft(Some("wcs"), &[], &none);
    d.ip = vec!["2001:db8::5".into(), "198.51.100.5".into()];
    let t = d.lower(&none, &Presets::builtin()).unwrap();
    assert_eq!((t.ip, t.ip6), (Some("198.51.100.5".parse().unwrap()), Some("2001:db8::5".parse().unwrap())));
}

#[test]
fn a_fleet_draft_names_its_fields() {
    let none = env_of(&[]);
    let mut d = draft(None, &[], &none);
    d.origin = Origin::Fleet;
    d.image = Some("--privileged".into());
    let e = d.lower(&none, &Presets::builtin()).unwrap_err().to_string();
    assert!(e.starts_with("\"image\" \"--privileged\" is not an image reference"), "{e}");
}

#[test]
fn env_file_keys_are_secrets_docker_reads_and_unset_keys_warn() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("env");
    std::fs::write(&f, "# comment\nTOKEN=abc\n\nFROM_ENV\n").unwrap();
    let file = read_file(&f).unwrap();
    let lookup = env_of(&[]);
    let mut d = draft(None, &["GONE"], &lookup);
    d.image = Some("img".into());
    d.env = file.keys.iter().cloned().map(EnvItem::File).chain(d.env).collect();
    d.env_file = Some(file);
    let r = d.lower(&lookup, &Presets::builtin()).unwrap();
    assert_eq!(r.spec.secrets.iter().collect::<Vec<_>>(), ["FROM_ENV", "TOKEN"]);
    assert!(r.secrets.is_empty(), "docker reads the file's values itself");
    assert!(r.spec.env.is_empty());
    assert_eq!(r.warnings, vec!["GONE is not set in lanctl's environment; the tenant starts without it".to_string()]);
}
