// SPDX-License-Identifier: GPL-2.0

//! Conntrack for the datapath: the kernel's half of installing a CT
//! action (`ovs_ct_copy_action()`'s template, timeout policy and helper).

use kernel::prelude::*;

use crate::flow::ct_nl::{CtAction, Family};
use crate::flow::key::{fields, FlowKey};
use crate::flow::match_nl::CtSupport;
use crate::flow::program::{CompileError, CtTemplates};
use crate::flow_family::nlerr;
use crate::kapi::conntrack::ZoneTemplate;
use crate::kapi::netdev::NetNs;

/// Makes the zone templates of one flow's CT actions, in `net`, for the
/// flow's masked key, logging as C logs (`log`: not a probe).
pub(crate) struct Templates<'a> {
    net: NetNs<'a>,
    family: Option<Family>,
    proto: u8,
    support: CtSupport,
    log: bool,
}

impl<'a> Templates<'a> {
    pub(crate) fn new(net: NetNs<'a>, key: &FlowKey, support: CtSupport, log: bool) -> Self {
        Templates {
            net,
            family: Family::of(key),
            proto: key.get_u8(fields::IP_PROTO),
            support,
            log,
        }
    }
}

impl CtTemplates for Templates<'_> {
    fn family(&self) -> Option<Family> {
        self.family
    }

    fn support(&self) -> CtSupport {
        self.support
    }

    fn template(&mut self, ct: &CtAction, family: Family) -> Result<ZoneTemplate, CompileError> {
        let mut tmpl = ZoneTemplate::new(self.net, ct.zone).map_err(|_| {
            nlerr(
                self.log,
                format_args!("Failed to allocate conntrack template"),
            );
            CompileError::NoMemory
        })?;
        if let Some(name) = &ct.timeout {
            // C only logs this: the action works with default timeouts.
            let set = tmpl.set_timeout(self.net, family.nfproto(), self.proto, name.with_nul());
            if set.is_err() {
                nlerr(
                    self.log,
                    format_args!("Failed to associated timeout policy '{:?}'", name),
                );
            }
        }
        if let Some(name) = &ct.helper {
            let nat = ct.nat.is_some();
            if let Err(e) = tmpl.add_helper(name.with_nul(), family.nfproto(), self.proto, nat) {
                nlerr(
                    self.log,
                    format_args!("Failed to add {:?} helper {}", name, e.to_errno()),
                );
                return Err(CompileError::Refused(-e.to_errno()));
            }
        }
        if ct.commit {
            tmpl.confirm();
        }
        Ok(tmpl)
    }
}
