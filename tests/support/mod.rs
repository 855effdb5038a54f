//! A fake host for lanctl's integration tests: the fake docker answers with a lanctl
//! network (`ltfix-net`, range 198.51.100.100-198.51.100.131) holding one running
//! tenant at .113 and one stopped tenant at .114, captured from a real engine.
#![allow(dead_code)]

use crate::common::*;

pub const NET: &str = "ltfix-net";
pub const RUNNING_ID: &str = "0e3125603c4c";
pub const STOPPED_ID: &str = "1c35fe27769f";

/// Both fixture containers as one `docker container inspect` answer.
pub fn both_containers() -> String {
    let read =
        |f: &str| -> Vec<serde_json::Value> { serde_json::from_str(&std::fs::read_to_string(fixture(f)).unwrap()).unwrap() };
    let mut all = read("docker-container-inspect-stopped.json");
    all.extend(read("docker-container-inspect-running.json"));
    serde_json::to_string(&all).unwrap()
}

/// The fixture network with another reserved range.
pub fn network_with_range(range: &str) -> String {
    std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json"))
        .unwrap()
        .replace("198.51.100.100-198.51.100.131", range)
}

/// The running fixture tenant as a full lanctl tenant, with network and spec labels.
pub fn running_tenant_with_spec(spec_json: &str) -> String {
    let mut v: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-container-inspect-running.json")).unwrap()).unwrap();
    let labels = v[0]["Config"]["Labels"].as_object_mut().unwrap();
    labels.insert("io.lanctl.network".into(), NET.into());
    labels.insert("io.lanctl.spec".into(), spec_json.into());
    serde_json::to_string(&v).unwrap()
}

/// The running fixture container renamed and without lanctl's labels.
pub fn plain_container(name: &str) -> String {
    let mut v: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-container-inspect-running.json")).unwrap()).unwrap();
    v[0]["Name"] = format!("/{name}").into();
    v[0]["Config"]["Labels"] = serde_json::json!({"other": "x"});
    serde_json::to_string(&v).unwrap()
}

/// A fake host with the fixture network; names not listed are absent containers.
pub fn lan() -> Fake {
    lan_with(|_| {})
}

/// Like [`lan`], with rules of the test's own that win over the defaults (the fake takes
/// the first rule that matches).
pub fn lan_with(rules: impl FnOnce(&Fake)) -> Fake {
    let f = Fake::new();
    f.add_program("arping");
    rules(&f);
    f.on_file("docker", "version*", 0, fixture("docker-version.json"));
    f.on_file("docker", "info*", 0, fixture("docker-info.json"));
    f.on_file("docker", "network ls*", 0, fixture("docker-network-ls.jsonl"));
    f.on_file("docker", "network inspect*", 0, fixture("docker-network-inspect-macvlan.json"));
    f.on_file("docker", "ps --all*", 0, fixture("docker-ps-a.jsonl"));
    f.on("docker", &format!("container inspect -- {STOPPED_ID}* {RUNNING_ID}*"), 0, &both_containers());
    f.on_file("docker", &format!("container inspect -- {STOPPED_ID}*"), 0, fixture("docker-container-inspect-stopped.json"));
    f.on_file("docker", "container inspect -- ltfix-run", 0, fixture("docker-container-inspect-running.json"));
    f.on_file("docker", "container inspect -- ltfix-stop", 0, fixture("docker-container-inspect-stopped.json"));
    f.on_script(
        "docker",
        "container inspect -- *",
        r#"echo '[]'; for n in "${@:4}"; do echo "Error: No such container: $n" >&2; done; exit 1"#,
    );
    f.on("ip", "-j addr show", 0, "[]");
    f.on("ip", "-j -d addr show", 0, "[]");
    f
}

/// lanctl in the fake host, with the fake arping as its LAN probe.
pub fn lanctl(f: &Fake) -> assert_cmd::Command {
    let mut c = f.lanctl();
    c.env("LANCTL_ARPING", f.program_path("arping"));
    c
}

/// The calls that change the host, as argv vectors without the program name.
pub fn changes(f: &Fake) -> Vec<Vec<String>> {
    const READS: [&str; 6] = ["version", "info", "ps", "inspect", "ls", "-j"];
    f.calls()
        .into_iter()
        .filter(|c| c[0] == "docker" || c[0] == "ip")
        .filter(|c| !c[1..].iter().take(2).any(|a| READS.contains(&a.as_str())))
        .filter(|c| !(c[0] == "ip" && c.iter().any(|a| a == "netns" || a == "-n")))
        .collect()
}

/// The lines of a dry run, each parsed back into an argv by bash.
pub fn dry_argvs(stdout: &[u8]) -> Vec<Vec<String>> {
    lossy(stdout).lines().map(argv_of_line).collect()
}
