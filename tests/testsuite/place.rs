//! `up --hosts h1,h2 --net NET`: a tenant of a network that several hosts share goes where
//! its name already is, else on `--host`, else on the host with the most free addresses;
//! a name never lives on two hosts of a network. Fake contexts: `default` is the fixture
//! host (ltfix-net, range 198.51.100.100-198.51.100.131, two tenants), h2 is the same fake
//! engine reached with `--context h2` over a fake ssh, whose ltfix-net has the slice
//! 198.51.100.140-198.51.100.171 and no tenant of the names asked.

use crate::common::*;
use crate::support::*;

fn two_hosts() -> Fake {
    lan_with(|f| {
        f.on("docker", "--context h2 network inspect*", 0, &network_with_range("198.51.100.140-198.51.100.171"));
        f.on_script(
            "docker",
            "--context h2 container inspect -- *",
            r#"echo '[]'; for n in "${@:6}"; do echo "Error: No such container: $n" >&2; done; exit 1"#,
        );
        fake_ssh(f);
        fake_context(f, "h2", "ssh://root@h2");
    })
}

fn up(names: &[&str], more: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["-n", "up"].iter().chain(names).map(|s| s.to_string()).collect();
    v.extend(["--image", "img", "--net", NET, "--hosts", "default,h2"].iter().chain(more).map(|s| s.to_string()));
    v
}

fn run_line(context: &str, name: &str, ip: &str) -> String {
    format!(
        "docker {context}run --detach --name {name} --hostname {name} --network ltfix-net --ip {ip} --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart unless-stopped \
         --label io.lanctl.tenant={name} --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={{\"image\":\"img\",\"env\":{{}},\"secrets\":[],\"ip_env\":[],\"labels\":{{}},\
         \"restart\":\"unless-stopped\",\"args\":[]}}' -- img"
    )
}

#[test]
fn a_new_tenant_goes_to_the_host_with_the_most_free_addresses() {
    let f = two_hosts();
    let done = Run::new(&f)
        .args(up(&["t1"], &[]))
        .stdout_unchecked()
        .stderr(
            "lanctl: host h2: placing t1 here: 32 free addresses on ltfix-net, the most of --hosts default,h2\n\
             lanctl: host h2: t1 would get 198.51.100.140 on ltfix-net\n",
        )
        .check();
    assert_eq!(
        done.stdout,
        format!(
            "{}\n# then wait up to 500 ms for running on 198.51.100.140 (up to 2 min for healthy if its image has a HEALTHCHECK)\n",
            run_line("--context h2 ", "t1", "198.51.100.140")
        )
    );
    // h2's LAN probe ran on h2.
    assert!(done.calls.iter().any(|c| c.argv[0] == "ssh" && c.argv.contains(&"arping".to_string())), "{:?}", done.calls);
}

#[test]
fn host_places_it_where_it_says() {
    let f = two_hosts();
    Run::new(&f)
        .args(["--host", "default"])
        .args(up(&["t1"], &[]))
        .stdout(format!(
            "{}\n# then wait up to 500 ms for running on 198.51.100.100 (up to 2 min for healthy if its image has a HEALTHCHECK)\n",
            run_line("", "t1", "198.51.100.100")
        ))
        .stderr(
            "lanctl: host default: placing t1 here: --host\n\
             lanctl: host default: t1 would get 198.51.100.100 on ltfix-net\n",
        )
        .check();
}

#[test]
fn a_name_on_another_host_of_the_network_is_refused_naming_that_host() {
    let f = two_hosts();
    Run::new(&f)
        .args(["--host", "h2"])
        .args(up(&["ltfix-run"], &[]))
        .code(2)
        .stderr(
            "lanctl: tenant ltfix-run of network ltfix-net is on host default, and a tenant name lives on one host of a \
             network, so it cannot also be on host h2; place it with --host default, or give it another name\n",
        )
        .check();
    // Without --host, the name keeps its host, though h2 has more free addresses.
    // (default's own up then finds it with another spec, as on one host.)
    Run::new(&f)
        .args(up(&["ltfix-run"], &[]))
        .code(2)
        .stderr(
            "lanctl: host default: placing ltfix-run here: ltfix-run is there already\n\
             lanctl: host default: tenant ltfix-run exists with another spec: image is , not img, restart is , not \
             unless-stopped; change it with `lanctl update ltfix-run ...` or remove it with `lanctl down ltfix-run`\n",
        )
        .check();
}

#[test]
fn bad_hosts_on_up_exit_2_before_anything_runs() {
    let f = two_hosts();
    for (args, says) in [
        (
            vec!["up", "t1", "--image", "img", "--hosts", "default,h2"],
            "lanctl: --hosts needs --net NET, the network the hosts share; name it\n",
        ),
        (
            vec!["--host", "h3", "up", "t1", "--image", "img", "--net", NET, "--hosts", "default,h2"],
            "lanctl: --host h3 is not in --hosts default,h2; add it there, or leave --host out\n",
        ),
        (
            vec!["up", "t1", "--image", "img", "--net", NET, "--hosts", "h2,h2"],
            "lanctl: --hosts names h2 twice; name each host once\n",
        ),
        (
            vec!["up", "t1", "--image", "img", "--net", NET, "--hosts=-oProxyCommand=x"],
            "lanctl: --hosts \"-oProxyCommand=x\" is not a docker context name; list them with `docker context ls`\n",
        ),
    ] {
        let done = Run::new(&f).args(&args).code(2).stderr(says).check();
        assert!(done.calls.is_empty(), "{args:?} ran {:?}", done.calls);
    }
}
