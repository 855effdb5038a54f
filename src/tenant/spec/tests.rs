use super::*;
use crate::cli::{TenantEnvArgs, UpArgs};

fn up(name: &str, preset: Option<&str>, env: &[&str]) -> UpArgs {
    let _ = name;
    UpArgs {
        names: vec![name.into()],
        count: None,
        prefix: None,
        parallel: None,
        net: None,
        preset: preset.map(String::from),
        ip: None,
        env: TenantEnvArgs {
            image: None,
            env: env.iter().map(|s| s.to_string()).collect(),
            env_file: None,
            ip_env: vec![],
            pull: None,
        },
        labels: vec![],
        restart: "unless-stopped".into(),
        no_probe: false,
        args: vec![],
    }
}

fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
}

#[test]
fn names_must_be_container_names_and_hostnames() {
    assert!(valid_tenant_name("room-1"));
    assert!(valid_tenant_name(&"a".repeat(63)));
    assert!(!valid_tenant_name(&"a".repeat(64)));
    for bad in ["", "-a", "a-", "a_b", "a.b", "a b", "ä"] {
        assert!(!valid_tenant_name(bad), "{bad:?}");
    }
}

#[test]
fn wcs_preset_passes_secrets_by_key_and_warns_when_unset() {
    let r = up_request(&up("room-1", Some("wcs"), &[]), &env_of(&[("PASSWORD", "hunter2")])).unwrap();
    assert_eq!(r.spec.image, "flashphoner/webcallserver:latest");
    assert_eq!(r.spec.ip_env.iter().collect::<Vec<_>>(), ["EXTERNAL_IP", "LOCAL_IP"]);
    assert_eq!(r.spec.secrets.iter().collect::<Vec<_>>(), ["PASSWORD"]);
    assert_eq!(r.secrets, vec![("PASSWORD".to_string(), "hunter2".to_string())]);
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].starts_with("LICENSE is not set"));
    assert!(!r.spec.to_label().contains("hunter2"));
}

#[test]
fn explicit_flags_override_the_preset() {
    let mut a = up("room-1", Some("wcs"), &["LOCAL_IP=203.0.113.9", "PASSWORD=literal"]);
    a.env.image = Some("my/wcs:1".into());
    let r = up_request(&a, &env_of(&[("PASSWORD", "hunter2"), ("LICENSE", "l")])).unwrap();
    assert_eq!(r.spec.image, "my/wcs:1");
    assert_eq!(r.spec.ip_env.iter().collect::<Vec<_>>(), ["EXTERNAL_IP"]);
    assert_eq!(r.spec.env.get("LOCAL_IP").unwrap(), "203.0.113.9");
    assert_eq!(r.spec.env.get("PASSWORD").unwrap(), "literal");
    assert_eq!(r.spec.secrets.iter().collect::<Vec<_>>(), ["LICENSE"]);
}

#[test]
fn rejects_bad_input_with_usage_errors() {
    let lookup = env_of(&[]);
    let cases: Vec<(UpArgs, &str)> = vec![
        (up("room-1", None, &[]), "no image to run"),
        (up("room-1", Some("nope"), &[]), "--preset nope is unknown"),
        (up("room-1", Some("wcs"), &["1BAD=x"]), "-e \"1BAD\" is not a variable name"),
    ];
    for (a, want) in cases {
        let e = up_request(&a, &lookup).err().expect("must fail");
        assert_eq!(e.exit, crate::error::Exit::Usage);
        assert!(e.to_string().contains(want), "{e} should contain {want}");
    }
    let mut a = up("room-1", Some("wcs"), &[]);
    a.ip = Some("300.1.1.1".into());
    assert!(up_request(&a, &lookup).err().unwrap().to_string().starts_with("--ip 300.1.1.1 is not an IPv4 address"));
    let mut a = up("room-1", Some("wcs"), &[]);
    a.labels = vec!["io.lanctl.tenant=x".into()];
    assert!(up_request(&a, &lookup).err().unwrap().to_string().contains("lanctl's own prefix"));
    let mut a = up("room-1", Some("wcs"), &[]);
    a.restart = "sometimes".into();
    assert!(up_request(&a, &lookup).err().unwrap().to_string().contains("restart policy"));
}

#[test]
fn env_file_values_are_secrets_and_unset_keys_warn() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("env");
    std::fs::write(&f, "# comment\nTOKEN=abc\n\nFROM_ENV\n").unwrap();
    let mut a = up("room-1", None, &["GONE"]);
    a.env.image = Some("img".into());
    a.env.env_file = Some(f);
    let r = up_request(&a, &env_of(&[("FROM_ENV", "e")])).unwrap();
    assert_eq!(r.spec.secrets.iter().collect::<Vec<_>>(), ["FROM_ENV", "TOKEN"]);
    assert!(r.spec.env.is_empty());
    assert_eq!(r.warnings, vec!["GONE is not set in lanctl's environment; the tenant starts without it".to_string()]);
}

#[test]
fn differences_compare_secrets_by_presence() {
    let a = TenantSpec { image: "i".into(), secrets: ["PASSWORD".to_string()].into(), ..Default::default() };
    let b = a.clone();
    assert!(a.differences(&b).is_empty());
    let c = TenantSpec { image: "j".into(), ..Default::default() };
    assert_eq!(a.differences(&c), vec!["image is i, not j".to_string(), "secrets passed are [PASSWORD], not []".to_string()]);
}
