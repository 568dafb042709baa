#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# How the recorded topologies in this directory were made (run by hand,
# not by the tests; the XML files are committed). Each is an hwloc
# synthetic topology exported as XML, with a PCI NIC spliced under the
# package or group it hangs off, as lstopo would record it on such a
# machine. vm.xml is this project's own 2-CPU test VM, recorded with
# "lstopo-no-graphics --of xml vm.xml".
set -eu
cd "$(dirname "$0")"

# synth OUT DESCRIPTION PARENT-PATTERN BUSID PCI-ID IFNAME: the NIC goes
# into the first object whose opening line matches PARENT-PATTERN.
synth()
{
	local out=$1 desc=$2 parent=$3 busid=$4 pciid=$5 ifname=$6
	local bus=${busid:5:2}

	lstopo-no-graphics --input "$desc" --of xml "$out.tmp"
	awk -v parent="$parent" -v busid="$busid" \
	    -v pciid="$pciid" -v ifname="$ifname" -v bus="$bus" '
		function nic(indent) {
			printf "%s<object type=\"Bridge\" gp_index=\"9001\" bridge_type=\"0-1\" depth=\"0\" bridge_pci=\"0000:[%s-%s]\">\n", indent, bus, bus
			printf "%s  <object type=\"PCIDev\" gp_index=\"9002\" pci_busid=\"%s\" pci_type=\"0200 %s 00\" pci_link_speed=\"15.753846\">\n", indent, busid, pciid
			printf "%s    <object type=\"OSDev\" gp_index=\"9003\" name=\"%s\" osdev_type=\"2\"/>\n", indent, ifname
			printf "%s  </object>\n%s</object>\n", indent, indent
		}
		{
			if (!inside && !done && index($0, parent)) {
				inside = 1; depth = 0; indent = substr($0, 1, match($0, /</) - 1) "  "
			}
			if (inside) {
				line = $0
				opens = gsub(/<object /, "&", line)
				# <object .../> opens and closes at once
				closes = gsub(/<\/object>/, "&", line) + \
					 gsub(/<object [^>]*\/>/, "&", line)
				if (closes && depth + opens - closes == 0 && !done) {
					nic(indent); done = 1; inside = 0
				}
				depth += opens - closes
			}
			print
		}' "$out.tmp" > "$out"
	rm -f "$out.tmp"
	grep -q "name=\"$ifname\"" "$out"
}

# A 2-socket server, 2 x 16 cores with SMT, the NIC (mlx5) on socket 1.
synth 2s16c-smt.xml "pack:2 [numa] l3:1(size=33554432) l2:16(size=1048576) core:1 pu:2" \
	'type="Package" os_index="1"' 0000:81:00.0 "[15b3:1017] [15b3:0020]" eth0
# An EPYC-like package: 2 NUMA nodes, 2 L3 (CCX) each, 4 cores per L3,
# SMT; the NIC (i40e) on node 1.
synth epyc.xml "pack:1 group:2 [numa] l3:2(size=33554432) l2:4(size=524288) core:1 pu:2" \
	'type="Group" cpuset="0xffff0000"' 0000:41:00.0 "[8086:1572] [8086:0000]" eth0
# 8 cores, one socket, no SMT; the NIC (virtio) on it.
synth 8c.xml "pack:1 [numa] l3:1(size=16777216) l2:8(size=1048576) core:1 pu:1" \
	'type="Package" os_index="0"' 0000:00:03.0 "[1af4:1041] [1af4:0001]" eth0
