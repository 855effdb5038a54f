//! The sections of `lanctl.1` that clap does not know: the environment lanctl reads, its
//! exit status, files, examples and related pages. Kept as roff here, beside the clap
//! definition, so `lanctl man` stays the one source; tests check every variable the source
//! reads is named here and in the README.

/// Roff appended to the top page, after clap's own sections.
pub const TOP_PAGE: &str = r#".SH ENVIRONMENT
.TP
\fBLANCTL_DOCKER\fR
The docker CLI to run, as \fB\-\-docker\fR (default: docker on PATH).
.TP
\fBLANCTL_LOCK_DIR\fR
The lock's directory (default: /run/lanctl).
.TP
\fBLANCTL_LOCK_TIMEOUT\fR
Seconds to wait for another lanctl holding the lock, 0 to 86400 (default: 60).
.TP
\fBLANCTL_PROBE\fR
\fBnative\fR or \fBarping\fR forces that LAN probe (default: native where it can run, else arping).
.TP
\fBLANCTL_ARPING\fR
The iputils arping the arping probe runs (default: arping on PATH).
.TP
\fBLANCTL_NDISC6\fR
The ndisc6 (Debian's ndisc6 package) the arping probe runs for IPv6 addresses (default: ndisc6 on PATH; without it they go unprobed, with a warning).
.TP
\fBLANCTL_PRESETS_DIR\fR
The directory of user presets, \fINAME\fR.preset files (default: /etc/lanctl/presets.d); see \fBlanctl presets\fR.
.TP
\fBDOCKER_HOST\fR, \fBDOCKER_CONTEXT\fR, \fBDOCKER_CONFIG\fR, \fBHOME\fR
Read by the docker CLI to choose its engine when \fB\-\-host\fR is not given; lanctl reads them
only to file the ls hint under that engine (DOCKER_CONFIG, else HOME/.docker, holds the
config.json whose currentContext \fBdocker context use\fR sets).
.TP
\fBLANCTL_HOST_ROOT\fR, \fBLANCTL_CONFIG_ROOT\fR
Test hooks: read the host's /proc and /sys files, and write \fBhost\-access \-\-persist \-\-write\fR
files, under this directory instead of /.
.TP
\fBLANCTL_CALL\fR
Not read: set to \fBquery\fR or \fBchange\fR in the environment of every command lanctl runs.
.TP
\fBSOURCE_DATE_EPOCH\fR
Seconds since 1970: the time \fBexport\fR names in its header instead of now.
.SH "EXIT STATUS"
.TP
\fB0\fR
ok
.TP
\fB1\fR
an operation failed
.TP
\fB2\fR
invalid usage or input, or a refusal (a tenant or network that exists with another spec, a network with
tenants, a container that is not a lanctl tenant): nothing ran or changed
.TP
\fB3\fR
a prerequisite check failed: nothing changed (with \fB\-\-dry\-run\fR the plan is still printed; exit 0 with \fB\-\-skip\-checks\fR)
.TP
\fB130\fR
interrupted once the change under way had finished or was undone
.SH FILES
.TP
\fI/run/lanctl/lock\fR
The host-wide lock under which up, update and apply choose addresses (the directory moves with LANCTL_LOCK_DIR).
.TP
\fI/run/lanctl/networks.HOST\fR
The ls hint: the networks the last ls of HOST needed; a guess, safe to delete.
.TP
\fI/etc/systemd/network/50\-lanctl\-IF.netdev\fR, \fI50\-lanctl\-IF.network\fR, \fIPARENT.network.d/lanctl\-IF.conf\fR, \fI/etc/network/interfaces.d/lanctl\-IF\fR
What \fBhost\-access \-\-persist systemd\-networkd|ifupdown \-\-write\fR writes so the shim comes back at boot.
.TP
\fI/etc/lanctl/presets.d/NAME.preset\fR
A user preset (\fBlanctl presets\fR lists them): \fBKEY = VALUE\fR lines (about, image, env, arg, secret, missing, ready, stop\-timeout) and # comments; a bad line or a built-in's name exits 2.
.SH EXAMPLES
.nf
lanctl doctor \-\-driver macvlan \-\-parent enp0s3
lanctl net create lan \-\-driver macvlan \-\-parent enp0s3 \e
  \-\-subnet 192.168.23.0/24 \-\-gateway 192.168.23.1 \e
  \-\-ip\-range 192.168.23.100\-192.168.23.131
export PASSWORD=... LICENSE=...
lanctl up room\-1 \-\-preset wcs
lanctl up \-\-count 8 \-\-prefix cam\-house\- \-\-preset wcs
lanctl ls
lanctl host\-access lan
lanctl \-\-dry\-run update room\-1 \-\-image IMAGE
lanctl export dnsmasq lan > /etc/dnsmasq.d/lanctl\-lan.conf
.fi
.SH "SEE ALSO"
\fBdocker\fR(1), \fBdocker\-network\-create\fR(1), \fBdocker\-context\fR(1), \fBip\fR(8), \fBarping\fR(8),
\fBsystemd.network\fR(5), \fBinterfaces\fR(5)
"#;
