//! The arping fallback of the LAN probe against the fake host: only iputils' reply line
//! means "taken"; anything else it cannot read stops the run before any change.

mod common;
mod support;

use common::*;
use support::*;

#[test]
fn an_arping_that_is_not_iputils_is_an_error_not_a_taken_address() {
    // Habets' arping reads -D as "display": a dot and exit 1 when nothing answers. Read
    // by its exit status, every address of the range would look taken.
    let f = lan_with(|f| f.on("arping", "-D -c 1 -w 1 -I ltfixp 198.51.100.*", 1, ".\n"));
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .code(1)
        .stderr(format!(
            "lanctl: the LAN probe `{} -D -c 1 -w 1 -I ltfixp 198.51.100.100` gave no answer lanctl can read (exit 1); \
             lanctl needs iputils' arping (apt-get install iputils-arping); check the parent interface is up, or pass --no-probe\n",
            f.program_path("arping").display()
        ))
        .changes(&[])
        .check();
}

#[test]
fn a_reply_skips_the_address_and_names_the_device() {
    let reply = "ARPING 198.51.100.100 from 0.0.0.0 ltfixp\nUnicast reply from 198.51.100.100 [AE:1C:AD:28:13:B4]  0.548ms\nSent 1 probes (1 broadcast(s))\nReceived 1 response(s)\n";
    let f = lan_with(|f| f.on("arping", "-D -c 1 -w 1 -I ltfixp 198.51.100.100", 1, reply));
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.101\n")
        .stderr("lanctl: skipping 198.51.100.100: a LAN device (ae:1c:ad:28:13:b4) already uses it\n")
        .change_lines([r#"docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.101 --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}' -- img"#])
        .check();
}

#[test]
fn a_probe_variable_that_names_no_method_is_bad_input() {
    let f = lan();
    Run::new(&f)
        .env("LANCTL_PROBE", "raw")
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .code(2)
        .stderr("lanctl: LANCTL_PROBE=\"raw\" names no LAN probe; set it to native or arping, or unset it\n")
        .changes(&[])
        .check();
    assert_eq!(f.calls(), Vec::<Vec<String>>::new(), "nothing ran");
}
