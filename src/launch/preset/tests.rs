use super::*;
use crate::exec::error::Exit;

#[test]
fn every_built_in_preset_parses_and_keeps_wcs_as_it_was() {
    let all = Presets::builtin();
    assert_eq!(all.names(), "janus, jvb, livekit, mediamtx, wcs, wowza");
    let wcs = all.find("wcs").unwrap();
    assert_eq!(wcs.image, "flashphoner/webcallserver:latest");
    assert_eq!(wcs.env, [("LOCAL_IP".to_string(), "{ip}".to_string()), ("EXTERNAL_IP".to_string(), "{ip}".to_string())]);
    assert_eq!(wcs.secrets, ["PASSWORD", "LICENSE"]);
    assert_eq!(wcs.ready.as_deref(), Some("tcp:8443,8444"));
    assert_eq!(wcs.source, "built-in:presets/wcs.preset");
    assert_eq!(all.ready_of_image("flashphoner/webcallserver:latest"), Some(Ready::Tcp(vec![8443, 8444])));
    assert_eq!(all.find("wowza").unwrap().stop_timeout, Some(30));
    assert_eq!(all.find("livekit").unwrap().args, ["--bind", "0.0.0.0", "--node-ip", "{ip}"]);
}

fn err(text: &str) -> String {
    let e = parse("cam", "/p/cam.preset", text).unwrap_err();
    assert_eq!(e.exit, Exit::Usage, "{e}");
    assert_eq!(e.to_string().lines().count(), 1, "{e}");
    e.to_string()
}

#[test]
fn a_bad_file_names_its_file_line_and_key() {
    let cases: &[(&str, &str)] = &[
        ("image = a:b\nready = tcp:x\n", "/p/cam.preset:2: ready \"tcp:x\" is not a readiness check ("),
        ("# c\n\nimage = --privileged\n", "/p/cam.preset:3: image \"--privileged\" is not an image reference ("),
        ("image = a\narg = --ip={addr}\n", "/p/cam.preset:2: arg \"--ip={addr}\": {addr} is not a placeholder; use {ip}, {ip6}, {name}"),
        ("image = a\nvolume = /:/host\n", "/p/cam.preset:2: \"volume\" is not a preset key; use one of about, image, env, arg, secret, missing, ready, stop-timeout"),
        ("image = a\nimage = b\n", "/p/cam.preset:2: image is given twice; give it once"),
        ("image = a\nenv = 1X=y\n", "/p/cam.preset:2: env \"1X\" is not a variable name"),
        ("image = a\nenv = X\n", "/p/cam.preset:2: env \"X\" is not KEY=VALUE"),
        ("image = a\nsecret = X\nenv = X=1\n", "/p/cam.preset:3: env X is set twice; set each variable once"),
        ("image = a\nstop-timeout = 9999\n", "/p/cam.preset:2: stop-timeout \"9999\" is not a number of seconds; give 0 to 3600"),
        ("image a\n", "/p/cam.preset:1: \"image a\" is not KEY = VALUE; write it like image = repo/name:tag"),
        ("about = x\n", "/p/cam.preset: no image line; add one like image = repo/name:tag"),
    ];
    for (text, want) in cases {
        let e = err(text);
        assert!(e.starts_with(want), "{text:?}:\n{e}\nshould start with\n{want}");
    }
}

#[test]
fn templates_keep_braces_that_are_not_placeholders() {
    let p = parse("cam", "x", "image = a\nenv = CONF={\"host\": \"{ip}\"}\narg = {name}\n").unwrap();
    assert_eq!(p.env[0].1, "{\"host\": \"{ip}\"}");
    assert_eq!(with_name(&p.args[0], "room-1"), "room-1");
}

#[test]
fn a_user_directory_adds_presets_and_may_not_shadow_a_built_in_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cam.preset"), "image = my/cam:1\nenv = URL=rtsp://{ip}/{name}\n").unwrap();
    std::fs::write(dir.path().join("cam.preset~"), "not read").unwrap();
    let all = Presets::load_from(dir.path()).unwrap();
    let cam = all.find("cam").unwrap();
    assert_eq!(cam.source, dir.path().join("cam.preset").display().to_string());
    assert_eq!(all.0.len(), BUILTIN.len() + 1);
    std::fs::write(dir.path().join("wcs.preset"), "image = my/wcs:1\n").unwrap();
    let e = Presets::load_from(dir.path()).unwrap_err();
    assert_eq!(e.exit, Exit::Usage);
    assert_eq!(
        e.to_string(),
        format!(
            "{}: preset wcs is built in (built-in:presets/wcs.preset); a user preset may not shadow it: rename the file, e.g. wcs-local.preset",
            dir.path().join("wcs.preset").display()
        )
    );
    assert_eq!(Presets::load_from(&dir.path().join("absent")).unwrap().0.len(), BUILTIN.len());
}
