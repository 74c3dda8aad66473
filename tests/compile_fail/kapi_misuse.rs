// SPDX-License-Identifier: GPL-2.0

//! Uses of the abstraction layer that must not compile: each function
//! breaks one rule the types carry, and scripts/compile-fail builds the
//! module with this file added and requires each to fail with the error
//! named above it (and nothing else to fail).

#![allow(dead_code, unused_variables, unused_must_use)]

use crate::kapi::skb::{exec_level, this_cpu, BhDisabled, ExecLevel, SkBuff};

// A head slice must not survive a call that may reallocate the head.
// expect: E0502
fn cf_for_upcall_while_head_borrowed(skb: &mut SkBuff) {
    let head = skb.head();
    skb.for_upcall();
    let _ = head.len();
}

// expect: E0502
fn cf_gso_segments_while_head_borrowed(skb: &mut SkBuff) {
    let head = skb.head();
    skb.gso_segments();
    let _ = head.len();
}

// Per-CPU state needs the bottom-halves-off proof.
// expect: E0061
fn cf_exec_level_enter_without_bh() {
    let _ = ExecLevel::enter();
}

// expect: E0061
fn cf_exec_level_without_bh() -> i32 {
    exec_level()
}

// expect: E0061
fn cf_this_cpu_without_bh() -> u32 {
    this_cpu()
}

// A nesting level cannot outlive the section that keeps the CPU.
// expect: E0597
fn cf_exec_level_outlives_bh() {
    let level;
    {
        let bh = BhDisabled::new();
        level = ExecLevel::enter(bh.token());
    }
    drop(level);
}

// Per-CPU entries cannot outlive the section that keeps the CPU.
// expect: E0597
fn cf_percpu_outlives_bh(cache: &crate::kapi::percpu::PerCpuArray<u32>) {
    let entries;
    {
        let bh = BhDisabled::new();
        entries = cache.this_cpu(bh.token());
    }
    let _ = entries.len();
}

// Per-CPU counters are written only by their own CPU, with bottom
// halves off: adding needs the proof.
// expect: E0061
fn cf_counters_add_without_bh(counters: &crate::kapi::counters::PerCpuCounters<1>) {
    counters.add([1]);
}

// expect: E0061
fn cf_cpu_slots_update_without_bh(slots: &crate::kapi::cpu_slots::CpuSlots<1>) {
    slots.update(|s: &mut crate::kapi::seqcount::Snapshot<1>| s.narrow = 1);
}

// Which CPU may write a counter group is the per-CPU containers' to
// decide: writing one directly is theirs only.
// expect: E0624
fn cf_seqgroup_write_outside_kapi(group: &crate::kapi::seqcount::SeqGroup<1>) {
    group.write_exclusive(|s| s.narrow = 1);
}

// A namespace borrowed from its holder cannot outlive it.
// expect: E0515
fn cf_netns_outlives_handle(
    handle: crate::kapi::netdev::NetHandle,
) -> crate::kapi::netdev::NetNs<'static> {
    handle.get()
}

// A stored namespace is not copied around behind its holder's back.
// expect: E0382
fn cf_nethandle_is_not_copy(handle: crate::kapi::netdev::NetHandle) {
    let first = handle;
    let second = handle;
    drop((first, second));
}

// A per-CPU stack slot cannot outlive the section that keeps the CPU.
// expect: E0597
fn cf_stack_slot_outlives_bh(stack: &crate::kapi::percpu::PerCpuStack<u32, 2>) {
    let slot;
    {
        let bh = BhDisabled::new();
        slot = stack.enter(bh.token());
    }
    drop(slot);
}

// Nor is it handed to another CPU.
// expect: E0277
fn cf_stack_slot_is_not_send(stack: &crate::kapi::percpu::PerCpuStack<u32, 2>) {
    fn send<T: Send>(_: T) {}
    let bh = BhDisabled::new();
    send(stack.enter(bh.token()));
}

// A conntrack template is freed once, by its one owner.
// expect: E0382
fn cf_zone_template_is_not_copy(tmpl: crate::kapi::conntrack::ZoneTemplate) {
    let first = tmpl;
    let second = tmpl;
    drop((first, second));
}

// Connections are counted by a key as long as the one the counter was
// made for.
// expect: E0308
fn cf_conncount_key_length(conns: &crate::kapi::conntrack::ConnCount<1>) -> u32 {
    conns.count(&[1, 2])
}

// A fragment conntrack queued or freed is gone: the packet that went
// into the reassembly cannot be used after it.
// expect: E0382
fn cf_defragged_packet_is_consumed(
    pkt: crate::kapi::conntrack::L3Packet,
    net: crate::kapi::netdev::NetNs<'_>,
) -> crate::kapi::skb::SkBuff {
    let _ = pkt.defrag(net, 0, 2);
    pkt.leave()
}
