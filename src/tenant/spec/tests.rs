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
