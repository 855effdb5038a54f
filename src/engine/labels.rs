//! Docker label keys: lanctl's only state. Everything lanctl knows about a network or a
//! tenant is written on the Docker object itself, so `docker inspect` shows the truth.

/// Marks a network as made by lanctl.
pub const MANAGED: &str = "io.lanctl.managed";
/// On a network: the reserved address range, `START-END`, that lanctl allocates from.
pub const RANGE: &str = "io.lanctl.range";
/// On a dual-stack network: the reserved IPv6 range, `START-END`.
pub const RANGE6: &str = "io.lanctl.range6";
/// On a network shared by several hosts: the whole reserved range, `START-END`, of which
/// `io.lanctl.range` is this host's slice.
pub const RESERVATION: &str = "io.lanctl.reservation";
/// On a network's cluster record (`NET.lanctl-cluster`, a config-only network): the
/// lanctl network whose range it gives a slice of to a cluster (`export cni|k8s`).
pub const CLUSTER_OF: &str = "io.lanctl.cluster-of";
/// On a network's cluster record: the slice, `START-END`, the cluster's IPAM hands out.
pub const CLUSTER_SLICE: &str = "io.lanctl.cluster-slice";
/// On a container: the tenant's name (equal to the container name and hostname).
pub const TENANT: &str = "io.lanctl.tenant";
/// On a container: the lanctl network the tenant lives on.
pub const NETWORK: &str = "io.lanctl.network";
/// On a container: the tenant spec as compact JSON, secrets named by key only.
pub const SPEC: &str = "io.lanctl.spec";

/// Renders `key=value` for a `--label` argument.
pub fn kv(key: &str, value: &str) -> String {
    format!("{key}={value}")
}
