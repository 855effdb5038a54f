//! `lanctl ls`: every tenant with its network, address and state, in two docker calls
//! however many tenants there are.

use serde::Serialize;

use crate::ctx::Ctx;
use crate::error::Result;
use crate::labels;
use crate::state;
use crate::table;
use crate::tenant::parked;

#[derive(Serialize)]
struct Row {
    name: String,
    network: String,
    address: String,
    state: String,
    image: String,
    status: String,
}

pub fn ls(ctx: &Ctx, net: Option<&str>) -> Result<()> {
    // One filter only: it keeps the meaning the same on every Engine version.
    let filters = match net {
        Some(net) => vec![format!("label={}={net}", labels::NETWORK)],
        None => vec![format!("label={}", labels::TENANT)],
    };
    // A container parked by an interrupted update is settled, never listed.
    let listed = parked::settle_listed(ctx, state::containers(ctx, &filters)?, || state::containers(ctx, &filters))?;
    let mut rows: Vec<Row> = listed
        .iter()
        .map(|c| {
            // A tenant names its network; fall back to where it is attached.
            let network = c
                .label(labels::NETWORK)
                .or_else(|| c.network_settings.networks.keys().next().map(String::as_str))
                .unwrap_or_default()
                .to_string();
            Row {
                name: c.name().to_string(),
                address: c.address_on(&network).map(|ip| ip.to_string()).unwrap_or_default(),
                network,
                state: c.state.status.clone(),
                image: c.config.image.clone(),
                status: c.ps_status.clone(),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.network, &a.name).cmp(&(&b.network, &b.name)));
    if ctx.json {
        ctx.print_json(&rows);
        return Ok(());
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| vec![r.name.clone(), r.network.clone(), r.address.clone(), r.state.clone(), r.image.clone(), r.status.clone()])
        .collect();
    crate::out::print(&table::render(&["NAME", "NETWORK", "ADDRESS", "STATE", "IMAGE", "STATUS"], &cells));
    Ok(())
}
