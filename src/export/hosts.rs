//! `export hosts`: an /etc/hosts block, `ADDRESS NAME` per tenant, between BEGIN and END
//! lines that name the network, so a script can replace the block of one network and keep
//! the rest of the file. Every tenant is in it: a name needs no MAC.

use super::list::Export;

pub fn render(e: &Export) -> String {
    let mut out = format!("# BEGIN lanctl {}\n# lanctl export hosts: {}\n", e.network, e.describe());
    let width = e.entries.iter().map(|t| t.address.to_string().len()).max().unwrap_or(0);
    for t in &e.entries {
        out.push_str(&format!("{:<width$}  {}\n", t.address.to_string(), t.name));
    }
    out.push_str(&format!("# END lanctl {}\n", e.network));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::netspec::Driver;
    use crate::export::list::tests::sample;

    #[test]
    fn a_block_with_every_tenant_by_address() {
        assert_eq!(
            render(&sample(Driver::Ipvlan)),
            "# BEGIN lanctl lan\n\
             # lanctl export hosts: network lan (ipvlan l2 on enp0s3, subnet 192.0.2.0/24, range 192.0.2.100-192.0.2.131), \
             read 2026-12-07T09:00:00Z\n\
             192.0.2.101  room-2\n\
             192.0.2.110  room-10\n\
             192.0.2.120  old\n\
             # END lanctl lan\n"
        );
    }
}
