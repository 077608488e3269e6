#!/usr/bin/env bash
# Builds Nube's minimal guest template with no internet, from installed Debian packages:
# the cloud kernel (linux-image-cloud-amd64) and a busybox (busybox-static) initramfs packed with cpio.
# Usage: scripts/build-template.sh OUT_DIR   → OUT_DIR/{vmlinuz,initrd.img,disk.qcow2,SHA256SUMS}
set -euo pipefail
OUT=${1:?usage: build-template.sh OUT_DIR}
need() { command -v "$1" >/dev/null || { echo "build-template: $1 is missing (apt-get install -y $2)" >&2; exit 3; }; }
need busybox busybox-static
need cpio cpio
need qemu-img qemu-utils
BUSYBOX=$(command -v busybox)
KERNEL=${NUBE_TEMPLATE_KERNEL:-$(ls -1 /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n1 || true)}
[ -n "$KERNEL" ] && [ -r "$KERNEL" ] || { echo "build-template: no cloud kernel in /boot (apt-get install -y linux-image-cloud-amd64)" >&2; exit 3; }
KVER=${KERNEL##*/vmlinuz-}
MODDIR=/lib/modules/$KVER
[ -f "$MODDIR/modules.dep" ] || { echo "build-template: $MODDIR/modules.dep is missing" >&2; exit 3; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
mkdir -p "$ROOT"/{bin,sbin,etc/acpi/PWRF,proc,sys,dev,tmp,run,lib/modules,root}
cp "$BUSYBOX" "$ROOT/bin/busybox"
for applet in $("$BUSYBOX" --list); do [ "$applet" = busybox ] || ln -sf busybox "$ROOT/bin/$applet"; done

# Modules the guest needs, in load order (dependencies first), from the kernel's own modules.dep.
MODS=""
add_mod() {
  local rel deps
  rel=$(grep -E "/$1\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | head -n1 | cut -d: -f1)
  [ -n "$rel" ] || return 0
  deps=$(grep -E "^$rel:" "$MODDIR/modules.dep" | cut -d: -f2)
  for d in $deps; do local n=${d##*/}; add_mod "${n%%.ko*}"; done
  case " $MODS " in *" $rel "*) ;; *) MODS="$MODS $rel" ;; esac
}
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk virtio_net button evdev; do add_mod "$m"; done
: > "$ROOT/lib/modules/order"
for rel in $MODS; do
  name=${rel##*/}
  case "$name" in
    *.ko) cp "$MODDIR/$rel" "$ROOT/lib/modules/$name" ;;
    *.ko.xz) xz -dc "$MODDIR/$rel" > "$ROOT/lib/modules/${name%.xz}"; name=${name%.xz} ;;
    *.ko.zst) zstd -qdc "$MODDIR/$rel" > "$ROOT/lib/modules/${name%.zst}"; name=${name%.zst} ;;
  esac
  echo "$name" >> "$ROOT/lib/modules/order"
done

# The power button (ACPI powerdown from the host) powers the guest off cleanly.
cat > "$ROOT/etc/acpi/PWRF/00000080" <<'ACPI'
#!/bin/sh
echo "NUBE-GUEST-POWEROFF"
sync
poweroff -f
ACPI
chmod 755 "$ROOT/etc/acpi/PWRF/00000080"

# udhcpc calls this with the lease: the guest takes its address and default route.
mkdir -p "$ROOT/etc/udhcpc"
cat > "$ROOT/etc/udhcpc/lease" <<'LEASE'
#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
    echo "NUBE-GUEST-NET $interface $ip" > /dev/console ;;
esac
exit 0
LEASE
chmod 755 "$ROOT/etc/udhcpc/lease"

cat > "$ROOT/init" <<'INIT'
#!/bin/sh
# Nube guest init: mounts, loads drivers, names the host, prints the ready line, runs userdata, waits for the power button.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
mount -t tmpfs tmpfs /tmp
while read -r m; do insmod "/lib/modules/$m" 2>/dev/null; done < /lib/modules/order
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1="*) echo "${w#*=}";; esac; done; }
name=$(arg nube.hostname)
hostname "${name:-nube-guest}"
acpid -c /etc/acpi -d >/dev/null 2>&1 &
sleep 0.3
mdev -s 2>/dev/null
# The config disk starts with a 512-byte header "NUBE-CONFIG <length>" followed by the userdata bytes.
for d in /sys/block/vd*; do
  [ -e "$d" ] || continue
  dev=/dev/${d##*/}
  hdr=$(dd if="$dev" bs=512 count=1 2>/dev/null | head -c 64 | tr -d '\000')
  case "$hdr" in
    NUBE-CONFIG*)
      len=$(echo "$hdr" | head -n1 | cut -d' ' -f2)
      [ "${len:-0}" -gt 0 ] 2>/dev/null && dd if="$dev" bs=512 skip=1 2>/dev/null | head -c "$len" > /tmp/userdata ;;
  esac
done
ip link set lo up 2>/dev/null
for n in /sys/class/net/eth*; do
  [ -e "$n" ] || continue
  ip link set "${n##*/}" up
  udhcpc -i "${n##*/}" -q -n -t 5 -T 1 -s /etc/udhcpc/lease >/dev/null 2>&1 &
done
echo "NUBE-GUEST-READY $(hostname)"
if [ -s /tmp/userdata ]; then
  echo "NUBE-USERDATA-BEGIN"
  sh /tmp/userdata 2>&1
  echo "NUBE-USERDATA-END $?"
fi
while true; do sleep 3600; done
INIT
chmod 755 "$ROOT/init"

mkdir -p "$OUT"
(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initrd.img.tmp"
cp "$KERNEL" "$OUT/vmlinuz.tmp"
rm -f "$OUT/disk.qcow2"
qemu-img create -q -f qcow2 "$OUT/disk.qcow2" 1G
mv "$OUT/initrd.img.tmp" "$OUT/initrd.img"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
(cd "$OUT" && sha256sum vmlinuz initrd.img > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
echo "template built in $OUT (kernel $KVER)"
