#!/usr/bin/env bash
# End-to-end in a real VM: boots Debian's kernel under QEMU (TCG) with an
# initramfs of busybox and the static guest programs. In the guest:
#  - the static examples reach a vaccel-agent on the host over TCP through
#    QEMU user networking (10.0.2.2); their output must equal the same
#    programs run natively on the host;
#  - with vsock_loopback loaded, a static agent and client talk over
#    vsock://1:PORT inside the guest.
# Exits non-zero on any mismatch. Usage: tests/vm/run.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$(realpath "${1:-build}")
BIN=$B/bin LIB=$B/lib
CACHE=${VACCEL_VM_CACHE:-$B/vm-cache}
mkdir -p "$CACHE"
need() { command -v "$1" >/dev/null || { echo "vm: $1 missing (scripts/setup.sh --vm installs it)" >&2; exit 1; }; }
need qemu-system-x86_64
need busybox
need cpio
for p in noop sgemm exec classify; do [ -x "$BIN/$p-static" ] || { echo "vm: build $p-static first" >&2; exit 1; }; done

# The kernel: Debian's linux-image-amd64, fetched once, never installed.
if [ ! -f "$CACHE/vmlinuz" ]; then
	echo "vm: fetching the kernel package"
	rm -rf "$CACHE/deb" && mkdir -p "$CACHE/deb"
	pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
	(cd "$CACHE/deb" && apt-get download "$pkg" >/dev/null 2>&1)
	dpkg-deb -x "$CACHE"/deb/*.deb "$CACHE/deb/x"
	cp "$CACHE"/deb/x/boot/vmlinuz-* "$CACHE/vmlinuz"
	mkdir -p "$CACHE/modules"
	for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
		failover net_failover virtio_net vsock vmw_vsock_virtio_transport_common vsock_loopback; do
		f=$(find "$CACHE"/deb/x/lib/modules -name "$m.ko*" | head -1)
		[ -n "$f" ] && cp "$f" "$CACHE/modules/"
	done
	rm -rf "$CACHE/deb"
fi

W=$(mktemp -d /tmp/vaccel-vm.XXXXXX)
agent=
cleanup() {
	[ -n "$agent" ] && kill "$agent" 2>/dev/null
	wait 2>/dev/null || true
	if [ -n "${VACCEL_VM_KEEP:-}" ]; then echo "vm: kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

# exec runs on the host: the guest names a host path under --exec-dir.
mkdir -p "$W/root/lib" && cp "$LIB/libmytestlib.so" "$W/root/lib/"

# The host agent, on loopback; the guest sees the host as 10.0.2.2.
host_plugins=$LIB/libvaccel-exec.so:$LIB/libvaccel-noop.so
VACCEL_PLUGINS=$host_plugins "$BIN/vaccel-agent" -q -a tcp://127.0.0.1:0 \
	--exec-dir "$W/root/lib" >"$W/addr" 2>"$W/agent.log" &
agent=$!
for _ in $(seq 100); do [ -s "$W/addr" ] && break; sleep 0.05; done
port=$(sed -n 's|^listening on tcp://127.0.0.1:||p' "$W/addr")
[ -n "$port" ] || { echo "vm: agent did not start" >&2; cat "$W/agent.log" >&2; exit 1; }

# The initramfs.
R=$W/root
mkdir -p "$R"/{bin,sbin,lib,proc,sys,dev,tmp,modules}
cp "$(command -v busybox)" "$R/bin/busybox"
for a in sh mount insmod ip poweroff cat echo sleep grep sed; do ln -s busybox "$R/bin/$a"; done
for p in noop sgemm exec classify; do cp "$BIN/$p-static" "$R/bin/"; done
cp "$BIN/vaccel-agent-static" "$R/bin/"
cp "$CACHE"/modules/* "$R/modules/"
cp examples/noop.c "$R/tmp/image"
cat >"$R/init" <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
	failover net_failover virtio_net vsock vmw_vsock_virtio_transport_common vsock_loopback; do
	[ -f /modules/\$m.ko ] && insmod /modules/\$m.ko 2>/dev/null
done
ip link set lo up; ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
export VACCEL_PLUGINS=rpc VACCEL_RPC_ADDRESS=tcp://10.0.2.2:$port
run() { echo "BEGIN \$*"; "\$@" 2>&1; echo "END \$? \$*"; }
# Let the console settle (late kernel messages, terminal resets) before
# the outputs that are compared.
sleep 1; echo console-ready
run noop-static 100
run sgemm-static 64 2
run exec-static $W/root/lib/libmytestlib.so 3
run classify-static /tmp/image 2
VACCEL_PROFILING_ENABLED=1 VACCEL_LOG_LEVEL=3 noop-static 200 2>&1 | grep -o 'total_time: [0-9]* nsec nr_entries: [0-9]*' | sed 's/^/RTT /'
# vsock inside the guest: agent and client over the loopback transport.
VACCEL_PLUGINS=noop vaccel-agent-static -q -a vsock://1:5000 >/tmp/vsock-agent 2>&1 &
sleep 1
VACCEL_RPC_ADDRESS=vsock://1:5000 run sgemm-static 32 1
VACCEL_RPC_ADDRESS=vsock://1:5000 run noop-static 50
echo VM-DONE
poweroff -f
INIT
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$W/initrd.gz"

echo "vm: booting (TCG; this takes a minute)"
timeout 600 qemu-system-x86_64 -machine q35 -cpu max -m 512 -smp 1 -nographic -no-reboot \
	-kernel "$CACHE/vmlinuz" -initrd "$W/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1" \
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0 >"$W/console" 2>&1 || true
# Console text without carriage returns and terminal control sequences.
tr -d '\r' <"$W/console" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[c78]//g' >"$W/console.txt"
grep -q VM-DONE "$W/console.txt" || { echo "vm: the guest did not finish" >&2; tail -40 "$W/console.txt" >&2; exit 1; }

# Compare with the same programs run natively on the host.
fail=0
section() {
	# Blank lines are console noise: no program here prints one.
	awk -v c="$1" '$0 == "BEGIN " c {on = 1; next} on && /^END / {exit} on' "$W/console.txt" |
		sed 's/(rpc plugin)/(noop plugin)/' | grep -v '^$' || true
}
status() { awk -v c="$1" '$1 == "END" && substr($0, length($1 " " $2) + 2) == c {print $2; exit}' "$W/console.txt"; }
compare() { # label, guest command line, host command
	local label=$1 cmd=$2
	shift 2
	local want got st
	want=$(VACCEL_PLUGINS=$host_plugins "$@" 2>&1 | grep -v '^$' || true)
	got=$(section "$cmd" | head -50)
	st=$(status "$cmd")
	if [ "$st" = 0 ] && [ "$got" = "$want" ]; then
		echo "ok: $label"
	else
		echo "MISMATCH: $label (status $st)"; diff <(echo "$want") <(echo "$got") || true
		fail=1
	fi
}
compare "noop through tcp" "noop-static 100" "$BIN/noop" 100
compare "sgemm through tcp" "sgemm-static 64 2" "$BIN/sgemm" 64 2
compare "exec through tcp" "exec-static $W/root/lib/libmytestlib.so 3" "$BIN/exec" "$R/lib/libmytestlib.so" 3
compare "classify through tcp" "classify-static /tmp/image 2" "$BIN/classify" examples/noop.c 2
compare "sgemm over vsock loopback (guest agent)" "sgemm-static 32 1" "$BIN/sgemm" 32 1
compare "noop over vsock loopback (guest agent)" "noop-static 50" "$BIN/noop" 50
rtt=$(sed -n 's/^RTT total_time: \([0-9]*\) nsec nr_entries: \([0-9]*\)/\1 \2/p' "$W/console.txt")
if [ -n "$rtt" ]; then
	set -- $rtt
	echo "remote noop from the guest (TCG, user networking): $(( $1 / $2 / 1000 )) us per call over $2 calls"
fi
exit $fail
