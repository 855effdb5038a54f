//! Several hosts in one run, against fake contexts: `default` is the fixture host itself;
//! h2 (`ssh://root@h2`) is the same fake engine reached with `--context h2` (a rule drops
//! the option and asks the fake again, unless a test gives h2 answers of its own), and a
//! fake `ssh` runs the remote command with `sh -c`, as the remote login shell does.

use crate::common::*;
use crate::support::*;

/// The fixture host as `default`, and h2 over ssh; `h2_rules` come first, so they answer
/// what h2 alone says.
fn two_hosts(h2_rules: impl FnOnce(&Fake)) -> Fake {
    lan_with(|f| {
        h2_rules(f);
        fake_ssh(f);
        fake_context(f, "h2", "ssh://root@h2");
        fake_context(f, "h3", "tcp://198.51.100.9:2376");
    })
}

/// h2 has no networks at all.
fn empty_h2(f: &Fake) {
    f.on("docker", "--context h2 network ls *", 0, "");
}

/// Neither host has a network in the subnet: h2 none at all, default not the fixture's.
fn fresh_hosts(f: &Fake) {
    empty_h2(f);
    without_fixture_network(f);
}

fn create(range: &str, more: &[&str]) -> Vec<String> {
    net_create("ltmh", &["--driver", "macvlan"], &[&["--ip-range", range], more].concat())
}

fn create_line(context: &str, parent: &str, block: &str, slice: &str) -> String {
    format!(
        "docker {context}network create --driver macvlan --opt parent={parent} --opt macvlan_mode=bridge --subnet \
         198.51.100.0/24 --gateway 198.51.100.1 --ip-range {block} --label io.lanctl.managed=true --label \
         io.lanctl.range={slice} --label io.lanctl.reservation=198.51.100.140-198.51.100.171 -- ltmh"
    )
}

fn default_line() -> String {
    create_line("", "ltfixp", "198.51.100.144/29", "198.51.100.140-198.51.100.155")
}

fn h2_line() -> String {
    create_line("--context h2 ", "eth1", "198.51.100.160/29", "198.51.100.156-198.51.100.171")
}

/// A change sent to h2 as the fake logs it: the call with `--context h2`, then the same
/// call the fake makes of itself without it.
fn on_h2(line: &str) -> [String; 2] {
    [line.to_string(), line.replace("--context h2 ", "")]
}

const SPLIT: [&str; 7] = ["--hosts", "default,h2", "--parent", "ltfixp", "--parent", "h2=eth1", "--skip-checks"];

#[test]
fn a_dry_run_prints_each_hosts_create_with_its_slice_in_the_order_of_hosts() {
    let f = two_hosts(fresh_hosts);
    let done = Run::new(&f)
        .arg("-n")
        .args(create("198.51.100.140-198.51.100.171", &SPLIT))
        .stdout(format!("{}\n{}\n", default_line(), h2_line()))
        .check();
    // h2's endpoint was read once, and its host-side read (its own addresses) went over ssh.
    let ssh: Vec<String> = done.calls.iter().filter(|c| c.argv[0] == "ssh").map(|c| c.argv[1..].join(" ")).collect();
    assert_eq!(ssh, ["-T -o BatchMode=yes root@h2 -- ip -j addr show"]);
    let inspects = done.calls.iter().filter(|c| c.argv[1..3] == ["context", "inspect"]).count();
    assert_eq!(inspects, 1);
}

#[test]
fn a_run_creates_the_network_on_every_host_and_names_each() {
    let f = two_hosts(fresh_hosts);
    Run::new(&f)
        .args(create("198.51.100.140-198.51.100.171", &SPLIT))
        .stderr(
            "lanctl: host default: created macvlan network ltmh on ltfixp (slice 198.51.100.140-198.51.100.155 of \
             198.51.100.140-198.51.100.171)\n\
             lanctl: host h2: created macvlan network ltmh on eth1 (slice 198.51.100.156-198.51.100.171 of \
             198.51.100.140-198.51.100.171)\n",
        )
        .change_lines([vec![default_line()], on_h2(&h2_line()).to_vec()].concat())
        .check();
}

#[test]
fn explicit_slices_are_what_each_host_gets() {
    let f = two_hosts(fresh_hosts);
    let slices = ["--slice", "h2=198.51.100.164-198.51.100.171", "--slice", "default=198.51.100.140-198.51.100.147"];
    let args: Vec<&str> = SPLIT.iter().copied().chain(slices).collect();
    Run::new(&f)
        .arg("-n")
        .args(create("198.51.100.140-198.51.100.171", &args))
        .stdout(format!(
            "{}\n{}\n",
            create_line("", "ltfixp", "198.51.100.140/30", "198.51.100.140-198.51.100.147"),
            create_line("--context h2 ", "eth1", "198.51.100.164/30", "198.51.100.164-198.51.100.171")
        ))
        .check();
}

#[test]
fn a_slice_overlapping_another_hosts_network_is_refused_before_any_create() {
    // h2 is the fixture engine too: it has ltfix-net with 198.51.100.100-198.51.100.131.
    let f = two_hosts(|_| {});
    Run::new(&f)
        .args(create("198.51.100.120-198.51.100.151", &SPLIT))
        .code(2)
        .stderr(slice_overlaps_fixture("198.51.100.120-198.51.100.135", "default", "h2"))
        .check();
    // Each host is read: a slice for h2 inside default's ltfix-net is refused the same way.
    let slices = ["--slice", "default=198.51.100.140-198.51.100.151", "--slice", "h2=198.51.100.120-198.51.100.131"];
    let args: Vec<&str> = SPLIT.iter().copied().chain(slices).collect();
    Run::new(&f)
        .args(create("198.51.100.120-198.51.100.151", &args))
        .code(2)
        .stderr(slice_overlaps_fixture("198.51.100.120-198.51.100.131", "h2", "default"))
        .check();
}

#[test]
fn hosts_of_one_is_one_slice_that_is_the_whole_reservation() {
    let f = two_hosts(empty_h2);
    Run::new(&f)
        .args(create("198.51.100.100-198.51.100.131", &["--hosts", "h2", "--parent", "eth1", "--skip-checks"]))
        .stderr(
            "lanctl: host h2: created macvlan network ltmh on eth1 (slice 198.51.100.100-198.51.100.131 of \
             198.51.100.100-198.51.100.131)\n",
        )
        .change_lines(on_h2(
            "docker --context h2 network create --driver macvlan --opt parent=eth1 --opt macvlan_mode=bridge --subnet \
             198.51.100.0/24 --gateway 198.51.100.1 --ip-range 198.51.100.112/28 --label io.lanctl.managed=true --label \
             io.lanctl.range=198.51.100.100-198.51.100.131 --label io.lanctl.reservation=198.51.100.100-198.51.100.131 -- \
             ltmh",
        ))
        .check();
}

#[test]
fn a_host_that_cannot_run_host_side_steps_stops_the_run_before_any_create() {
    let f = two_hosts(fresh_hosts);
    Run::new(&f)
        .args(create("198.51.100.140-198.51.100.171", &["--hosts", "default,h3", "--parent", "ltfixp", "--skip-checks"]))
        .code(3)
        .stderr(
            "lanctl: host h3: `ip -j addr show` must run on host h3, but its context reaches docker only \
             (tcp://198.51.100.9:2376); give h3 an ssh endpoint (`docker context update h3 --docker host=ssh://USER@HOST`) \
             or run lanctl on that host\n",
        )
        .check();
}

#[test]
fn bad_host_options_exit_2_before_anything_runs() {
    let r = "198.51.100.140-198.51.100.171";
    let cases: &[(&[&str], &str)] = &[
        (&["--hosts", "default,h2,default", "--parent", "p"], "--hosts names default twice; name each host once"),
        (&["--hosts", "h2,-x", "--parent", "p"], "--hosts \"-x\" is not a docker context name; list them with `docker context ls`"),
        (&["--hosts", "h2,,h3", "--parent", "p"], "--hosts \"\" is not a docker context name; list them with `docker context ls`"),
        (&["--parent", "p", "--slice", "h2=198.51.100.140-198.51.100.150"], "--slice h2=198.51.100.140-198.51.100.150 needs --hosts; name the hosts with --hosts H1,H2"),
        (&["--parent", "p", "--parent", "q"], "--parent is given 2 times for one host; give one, or name the hosts with --hosts and give --parent HOST=IF"),
        (&["--hosts", "h2,h3", "--parent", "h4=p"], "--parent h4=p names host \"h4\", which is not in --hosts h2,h3; name a host of --hosts"),
        (&["--hosts", "h2,h3", "--parent", "h2=p", "--parent", "h2=q"], "--parent names host h2 twice; give each host one parent"),
        (&["--hosts", "h2,h3", "--parent", "p", "--parent", "q"], "--parent q is a second parent for every host; give one plain --parent, and HOST=IF for the others"),
        (&["--hosts", "h2,h3", "--parent", "h2=p"], "--parent has none for host h3; give --parent h3=IF, or one plain --parent for all hosts"),
        (&["--hosts", "h2,h3", "--parent", "h3=-p", "--parent", "p"], "--parent \"-p\" is not an interface name"),
        (&["--hosts", "h2,h3", "--parent", "p", "--slice", "h2"], "--slice h2 is not HOST=START-END; write it like h2=192.168.23.116-192.168.23.131"),
        (&["--hosts", "h2,h3", "--parent", "p", "--slice", "h2=x"], "--slice h2=x: x is not a range; write START-END with START <= END"),
        (&["--hosts", "h2,h3", "--parent", "p", "--slice", "h2=198.51.100.150-198.51.100.140"], "--slice h2=198.51.100.150-198.51.100.140: 198.51.100.150-198.51.100.140 is not a range"),
        (&["--hosts", "h2,h3", "--parent", "p", "--slice", "h2=2001:db8::10-2001:db8::20"], "--slice h2=2001:db8::10-2001:db8::20 is IPv6; IPv6 networks are not supported yet\n"),
        (&["--hosts", "h2,h3", "--parent", "p", "--slice", "h9=198.51.100.140-198.51.100.150"], "--slice h9=198.51.100.140-198.51.100.150 names host \"h9\", which is not in --hosts h2,h3"),
        (&["--hosts", "h2,h3", "--parent", "p", "--slice", "h2=198.51.100.130-198.51.100.150"], "--slice h2=198.51.100.130-198.51.100.150 is not inside --ip-range 198.51.100.140-198.51.100.171; give a part of it"),
        (
            &["--hosts", "h2,h3", "--parent", "p", "--slice", "h2=198.51.100.140-198.51.100.150", "--slice", "h3=198.51.100.150-198.51.100.160"],
            "--slice h3=198.51.100.150-198.51.100.160 overlaps --slice h2=198.51.100.140-198.51.100.150; give each host addresses of its own",
        ),
        (
            &["--hosts", "h2,h3", "--parent", "p", "--slice", "h2=198.51.100.140-198.51.100.150", "--slice", "h2=198.51.100.151-198.51.100.160"],
            "--slice names host h2 twice; give each host one slice",
        ),
        (&["--hosts", "h2,h3", "--parent", "p", "--slice", "h2=198.51.100.140-198.51.100.150"], "--slice has none for host h3; give every host of --hosts a slice, or none for an even split"),
    ];
    for (more, says) in cases {
        let f = two_hosts(|_| {});
        let done = Run::new(&f).args(create(r, more)).code(2).stderr_unchecked().check();
        assert!(
            done.stderr.starts_with(&format!("lanctl: {says}")) && done.stderr.lines().count() == 1,
            "{more:?}: {}",
            done.stderr
        );
        assert!(done.calls.is_empty(), "{more:?} ran {:?}", done.calls);
    }
    let f = two_hosts(|_| {});
    let small: Vec<String> = create("198.51.100.140-198.51.100.141", &["--hosts", "h1,h2,h3", "--parent", "p"]);
    Run::new(&f)
        .args(small)
        .code(2)
        .stderr("lanctl: --ip-range 198.51.100.140-198.51.100.141 has 2 addresses, fewer than the 3 hosts; give a larger range or fewer hosts\n")
        .check();
    Run::new(&f)
        .args(["--host", "h2"])
        .args(create(r, &["--hosts", "h2,h3", "--parent", "p"]))
        .code(2)
        .stderr("lanctl: --host and --hosts both name hosts; name them all with --hosts and leave --host out\n")
        .check();
}

#[test]
fn checks_run_on_each_host_through_its_transport_and_name_it() {
    // default's first listing (the read of every network's subnet) leaves ltfix-net out,
    // so ltmh overlaps nothing there; the checks' listing that follows shows it on ltfixp.
    let state = tempfile::tempdir().unwrap();
    let once = shell_quote(state.path().join("listed").to_str().unwrap());
    let full = shell_quote(fixture("docker-network-ls.jsonl").to_str().unwrap());
    let f = two_hosts(|f| {
        empty_h2(f);
        f.on_script(
            "docker",
            "network ls --no-trunc --format *",
            &format!("if [[ -e {once} ]]; then cat {full}; else touch {once}; grep -v {NET} {full}; fi"),
        );
        f.on("docker", &format!("network inspect -- {OTHER_IDS}"), 0, "[]");
    });
    let shared = "parent.networks.macvlan: macvlan network ltfix-net already uses ltfixp, and docker before 28.0 allows \
                  one macvlan network per parent; use ltfix-net, remove it, put the new network on a VLAN such as \
                  ltfixp.10, or upgrade docker";
    let done = Run::new(&f)
        .arg("-n")
        .args(create("198.51.100.140-198.51.100.171", &["--hosts", "default,h2", "--parent", "ltfixp"]))
        .stdout(format!(
            "{}\n{}\n",
            default_line(),
            create_line("--context h2 ", "ltfixp", "198.51.100.160/29", "198.51.100.156-198.51.100.171")
        ))
        // Only default has ltfix-net on ltfixp; h2's checks find nothing to say.
        .stderr(format!(
            "lanctl: host default: warning: check failed: {shared}\nlanctl: check failed: host default: {shared} (the \
             plan above would not run here; pass --skip-checks to plan anyway)\n"
        ))
        // The kernel's files are this machine's (the fake ssh runs `cat` here).
        .ignoring_stderr_lines("lanctl: host default: warning: kernel.")
        .ignoring_stderr_lines("lanctl: host h2: warning: kernel.")
        .code(3)
        .check();
    let ssh: Vec<String> = done.calls.iter().filter(|c| c.argv[0] == "ssh").map(|c| c.argv[6..].join(" ")).collect();
    for remote in [
        "ip -j -d link show dev ltfixp",
        "ip -j addr show dev ltfixp",
        "systemd-detect-virt --vm",
        "cat -- /proc/sys/kernel/osrelease",
    ] {
        assert!(ssh.iter().any(|s| s == remote), "{remote} did not run on h2 over ssh: {ssh:?}");
    }
    // And h2's engine was asked through its context.
    assert!(done.calls.iter().any(|c| c.argv.len() > 3 && c.argv[1..4] == ["--context", "h2", "info"]));
}

#[test]
fn a_host_whose_network_differs_stops_the_run_before_any_host_is_changed() {
    // default's ltfix-net has the spec asked but no reservation label: a one-host network.
    let f = two_hosts(empty_h2);
    let slices = ["--slice", "default=198.51.100.100-198.51.100.131", "--slice", "h2=198.51.100.132-198.51.100.163"];
    let more: Vec<&str> =
        ["--hosts", "h2,default", "--parent", "ltfixp", "--aux-address", "router2=198.51.100.2", "--skip-checks"]
            .into_iter()
            .chain(slices)
            .collect();
    let mut args = create("198.51.100.100-198.51.100.163", &more);
    args[2] = NET.to_string();
    Run::new(&f)
        .args(args)
        .code(2)
        .stderr(
            "lanctl: host default: network ltfix-net already exists with another spec: reservation is none, not \
             198.51.100.100-198.51.100.163; remove it with `lanctl net rm ltfix-net` first, or use another name\n",
        )
        .check();
}

#[test]
fn net_show_and_net_ls_say_a_slice_of_a_shared_reservation() {
    let f = lan_with(|f| {
        let mut v: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap()).unwrap();
        v[0]["Labels"]["io.lanctl.reservation"] = "198.51.100.100-198.51.100.163".into();
        f.on("docker", "network inspect*", 0, &serde_json::to_string(&v).unwrap());
    });
    Run::new(&f)
        .args(["net", "show", NET])
        .stdout(format!(
            "{SHOW_NETWORK}\
             range     198.51.100.100-198.51.100.131 (32 usable of 32 addresses; docker --ip-range 198.51.100.112/28)\n\
             slice of  198.51.100.100-198.51.100.163, shared with other hosts\n\
             {SHOW_HELD}\
             free      30 (next 198.51.100.100)\n",
        ))
        .check();
    let show = Run::new(&f).args(["--json", "net", "show", NET]).stdout_unchecked().check();
    assert!(
        show.stdout
            .contains("\"range\": \"198.51.100.100-198.51.100.131\",\n  \"reservation\": \"198.51.100.100-198.51.100.163\",\n"),
        "{}",
        show.stdout
    );
    let ls = Run::new(&f).args(["--json", "net", "ls"]).stdout_unchecked().check();
    assert!(
        ls.stdout
            .contains("\"range\": \"198.51.100.100-198.51.100.131\",\n    \"reservation\": \"198.51.100.100-198.51.100.163\",\n"),
        "{}",
        ls.stdout
    );
    // A one-host network has neither.
    let plain = lan();
    let one = Run::new(&plain).args(["--json", "net", "ls"]).stdout_unchecked().check();
    assert!(!one.stdout.contains("reservation"), "{}", one.stdout);
}

#[test]
fn the_dry_run_pasted_into_bash_makes_what_the_run_makes() {
    let f = two_hosts(fresh_hosts);
    let args = create("198.51.100.140-198.51.100.171", &SPLIT);
    let plan = Run::new(&f).arg("-n").args(&args).stdout_unchecked().check();
    let mark = f.mark();
    let out = f.command("bash").args(["-c", &plan.stdout]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pasted: Vec<Vec<String>> = f.log().into_iter().filter(|c| c.seq > mark).map(|c| c.argv).collect();
    let run = Run::new(&f)
        .args(&args)
        .stderr_unchecked()
        .change_lines([vec![default_line()], on_h2(&h2_line()).to_vec()].concat())
        .check();
    let made: Vec<Vec<String>> = run.calls.iter().filter(|c| c.kind == Kind::Change).map(|c| c.argv.clone()).collect();
    assert_eq!(pasted, made);
}
