use super::*;

#[test]
fn names_must_be_container_names_and_hostnames() {
    assert!(valid_tenant_name("room-1"));
    assert!(valid_tenant_name(&"a".repeat(63)));
    assert!(!valid_tenant_name(&"a".repeat(64)));
    for bad in ["", "-a", "a-", "a_b", "a.b", "a b", "ä", "--help"] {
        assert!(!valid_tenant_name(bad), "{bad:?}");
    }
}

#[test]
fn differences_compare_secrets_by_presence() {
    let a = TenantSpec { image: "i".into(), secrets: ["PASSWORD".to_string()].into(), ..Default::default() };
    let b = a.clone();
    assert!(a.differences(&b).is_empty());
    let c = TenantSpec { image: "j".into(), ..Default::default() };
    assert_eq!(a.differences(&c), vec!["image is i, not j".to_string(), "secrets passed are [PASSWORD], not []".to_string()]);
}

#[test]
fn differences_name_each_key() {
    let a = TenantSpec {
        image: "i".into(),
        env: [("A".to_string(), "1".to_string()), ("B".to_string(), "2".to_string())].into(),
        ip_env: ["LOCAL_IP".to_string()].into(),
        labels: [("team".to_string(), "video".to_string())].into(),
        restart: "unless-stopped".into(),
        ..Default::default()
    };
    let b = TenantSpec {
        env: [("A".to_string(), "1".to_string()), ("C".to_string(), "3".to_string())].into(),
        ip_env: Default::default(),
        labels: [("team".to_string(), "audio".to_string())].into(),
        restart: "always".into(),
        args: vec!["-v".into(), "--x".into()],
        ..a.clone()
    };
    assert_eq!(
        a.differences(&b),
        [
            "env B is 2, not unset",
            "env C is unset, not 3",
            "ip-env is [LOCAL_IP], not []",
            "label team is video, not audio",
            "restart is unless-stopped, not always",
            "arguments are [], not [-v --x]",
        ]
    );
}

#[test]
fn a_readiness_check_differs_only_once_one_was_recorded() {
    let old = TenantSpec { image: "i".into(), ..Default::default() };
    let want = TenantSpec { ready: Some("tcp:8443".into()), ..old.clone() };
    // A tenant made before lanctl kept its check records none: no difference, no recreate.
    assert!(old.differences(&want).is_empty());
    let kept = TenantSpec { ready: Some("tcp:80".into()), ..old.clone() };
    assert_eq!(kept.differences(&want), ["readiness check is tcp:80, not tcp:8443"]);
    assert_eq!(kept.differences(&old), ["readiness check is tcp:80, not the image's"]);
    assert!(want.differences(&want).is_empty());
}
