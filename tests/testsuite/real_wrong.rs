//! Wrong answers and leftovers, against the real engine: concurrent identical `net create`s
//! make one network and all succeed; doctor passes on a host set up with lanctl; `net rm`
//! takes the host-access shim, its routes and (with --yes) its boot files with it.
//! Run with `cargo test --test testsuite real_wrong:: -- --include-ignored --test-threads 1`.

use crate::common::*;

/// The reserved range: hosts 32 to 47 of the env's /26 slot, one /28, so the shim has
/// exactly one route.
fn range(env: &RealEnv) -> String {
    format!("{}-{}", env.host(32), env.host(47))
}

/// The shim's address: the top host of the slot, outside the range.
fn shim_addr(env: &RealEnv) -> String {
    env.host(62)
}

/// The one route a shim of that range has: HOST32/28.
fn range_route(env: &RealEnv) -> String {
    format!("{}/28", env.host(32))
}

fn create_args(env: &RealEnv, net: &str) -> Vec<String> {
    env.macvlan_args(net, &range(env))
}

/// How many docker networks are called exactly `name`.
fn networks_named(name: &str) -> usize {
    sh_ok("docker", &["network", "ls", "--format", "{{.Name}}"]).lines().filter(|l| *l == name).count()
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn four_concurrent_identical_creates_make_one_network_and_all_succeed() {
    let env = RealEnv::new();
    let net = env.name("net");
    env.track_network(&net);
    let args = create_args(&env, &net);
    let outs: Vec<std::process::Output> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..4).map(|_| s.spawn(|| env.lanctl().args(&args).output().unwrap())).collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let codes: Vec<Option<i32>> = outs.iter().map(|o| o.status.code()).collect();
    assert_eq!(codes, [Some(0); 4], "{:?}", outs.iter().map(|o| lossy(&o.stderr)).collect::<Vec<_>>());
    assert_eq!(networks_named(&net), 1);
    let created = outs.iter().filter(|o| lossy(&o.stderr).contains(&format!("created macvlan network {net}"))).count();
    let nothing =
        outs.iter().filter(|o| lossy(&o.stderr).contains(&format!("network {net} already exists with this spec"))).count();
    assert_eq!((created, nothing), (1, 3));
}

/// Without the shared lock (each its own lock directory, as another tool would race),
/// the creates that lose to docker's "already exists" read the network back: same spec,
/// nothing to do.
#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn four_concurrent_creates_without_the_lock_still_all_succeed() {
    let env = RealEnv::new();
    let net = env.name("net");
    env.track_network(&net);
    let args = create_args(&env, &net);
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let outs: Vec<std::process::Output> = std::thread::scope(|s| {
        let runs: Vec<_> = dirs
            .iter()
            .map(|d| s.spawn(|| env.lanctl().env("LANCTL_LOCK_DIR", d.path()).args(&args).output().unwrap()))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let codes: Vec<Option<i32>> = outs.iter().map(|o| o.status.code()).collect();
    assert_eq!(codes, [Some(0); 4], "{:?}", outs.iter().map(|o| lossy(&o.stderr)).collect::<Vec<_>>());
    assert_eq!(networks_named(&net), 1);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn doctor_passes_on_a_host_set_up_with_lanctl() {
    let env = RealEnv::new();
    let net = env.name("net");
    env.track_network(&net);
    env.lanctl().args(create_args(&env, &net)).assert().success();
    // Engine 20.10 allows one macvlan network per parent: lanctl's own is that one.
    let out = env.lanctl().args(["--json", "doctor", "--driver", "macvlan", "--parent", env.parent()]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fails: Vec<String> =
        v["checks"].as_array().unwrap().iter().filter(|c| c["status"] == "fail").map(|c| c.to_string()).collect();
    assert_eq!((out.status.code(), fails), (Some(0), Vec::<String>::new()));
    let c = v["checks"].as_array().unwrap().iter().find(|c| c["id"] == "parent.networks.macvlan").unwrap().clone();
    assert_eq!(c["detail"], format!("lanctl network {net} (macvlan bridge) uses {}", env.parent()));
    if !kernel_supports_link_type("ipvlan") {
        // No --driver: macvlan works, so the missing ipvlan is a warning, and nothing
        // recommends it.
        let out = env.lanctl().args(["--json", "doctor", "--parent", env.parent()]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stdout));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let advice: Vec<String> = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["hint"].as_str().unwrap_or_default().contains("--driver ipvlan"))
            .map(|c| c.to_string())
            .collect();
        assert_eq!(advice, Vec::<String>::new());
    }
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn net_rm_takes_the_shim_its_routes_and_with_yes_its_boot_files() {
    let env = RealEnv::new();
    let net = env.name("net");
    let shim = env.link_name("s");
    env.track_network(&net);
    env.track_link(&shim);
    let config = tempfile::tempdir().unwrap();
    let lanctl = || {
        let mut c = env.lanctl();
        c.env("LANCTL_CONFIG_ROOT", config.path());
        c
    };
    lanctl().args(create_args(&env, &net)).assert().success();
    let addr = shim_addr(&env);
    let access = ["host-access", net.as_str(), "--ifname", shim.as_str(), "--address", addr.as_str(), "--no-probe"];
    lanctl().args(access).assert().success();
    let routes = sh_ok("ip", &["-4", "route", "show", "dev", &shim]);
    assert_eq!(routes.lines().map(str::trim).collect::<Vec<_>>(), [format!("{} scope link", range_route(&env))]);
    lanctl().args(access).args(["--persist", "ifupdown", "--write"]).assert().success();
    let file = config.path().join(format!("etc/network/interfaces.d/lanctl-{shim}"));
    assert!(file.exists());

    let out = lanctl().args(["net", "rm", &net]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        lossy(&out.stderr),
        format!(
            "lanctl: network {net}'s host-access shim comes back at every boot from {}; pass --yes to remove these files \
             too, or delete them first\n",
            file.display()
        )
    );
    assert_eq!(networks_named(&net), 1, "refused before any change");

    let out = lanctl().args(["--yes", "net", "rm", &net]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    assert_eq!(
        lossy(&out.stderr),
        format!(
            "lanctl: removed network {net}\nlanctl: removed the host-access shim {shim} ({addr}) and its \
             routes\nlanctl: removed {}\n",
            file.display()
        )
    );
    assert_eq!(networks_named(&net), 0);
    assert!(!sh("ip", &["link", "show", "dev", &shim]).status.success(), "the shim is gone");
    let left: Vec<String> = sh_ok("ip", &["-4", "route", "show", "table", "all"])
        .lines()
        .filter(|l| l.contains(&shim) || l.contains(&range_route(&env)))
        .map(str::to_string)
        .collect();
    assert_eq!(left, Vec::<String>::new(), "no route is left");
    assert!(!file.exists());
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn host_access_remove_after_the_network_is_gone() {
    let env = RealEnv::new();
    let net = env.name("net");
    let shim = env.link_name("s");
    env.track_network(&net);
    env.track_link(&shim);
    env.lanctl().args(create_args(&env, &net)).assert().success();
    let addr = shim_addr(&env);
    env.lanctl().args(["host-access", &net, "--ifname", &shim, "--address", &addr, "--no-probe"]).assert().success();
    // The network goes behind lanctl's back (as `net rm` before this fix left it).
    sh_ok("docker", &["network", "rm", &net]);
    let out = env.lanctl().args(["host-access", &net, "--remove", "--ifname", &shim]).output().unwrap();
    assert_eq!(
        (out.status.code(), lossy(&out.stderr)),
        (Some(0), format!("lanctl: removed the host-access shim {shim} ({addr}) and its routes\n"))
    );
    assert!(!sh("ip", &["link", "show", "dev", &shim]).status.success(), "the shim is gone");
}
