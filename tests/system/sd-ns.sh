#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A real systemd as PID 1 of new PID, mount, UTS, IPC and cgroup
# namespaces (notes/system.md 2.1), for the supervision tests.
#   sd-ns.sh start UNITDIR TARGET   prints the host PID of that PID 1
#   sd-ns.sh ctl ARGS...            systemctl inside
#   sd-ns.sh exec CMD...            a command inside (all its namespaces)
#   sd-ns.sh stop                   systemctl exit, then KILL if need be
# Environment: SDNS_BASE work directory (required); SDNS_NETNS an
# `ip netns` to run in (else a new, empty one); SDNS_BINDS "src=dst ..."
# bind mounts inside; SDNS_CGROUP a writable cgroup2 directory.
# `script` gives the new PID 1 a terminal for /dev/console; the console
# output is in $SDNS_BASE/log/console.log.
set -u

base=${SDNS_BASE:?set SDNS_BASE}
cg=${SDNS_CGROUP:-/sys/fs/cgroup/unified/deskphone-test/sd-$(basename "$base")}

# The systemd below `script` whose PID in its own namespace is 1. Not
# found by a fixed parent chain: `script` runs the command through
# $SHELL, and dash forks where bash execs, so the depth varies.
sdns_find_pid1() {
	local todo=$1 next c

	while [ -n "${todo// /}" ]; do
		next=""
		for c in $todo; do
			if [ "$(cat /proc/$c/comm 2> /dev/null)" = systemd ] &&
			   grep -qE '^NSpid:.*[[:space:]]1$' /proc/$c/status \
				2> /dev/null; then
				echo "$c"
				return 0
			fi
			next="$next $(pgrep -P "$c" | tr '\n' ' ')"
		done
		todo=$next
	done
	return 1
}

# SIGKILL to PID and everything below it, children first
sdns_kill_tree() {
	local c

	for c in $(pgrep -P "$1"); do
		sdns_kill_tree "$c"
	done
	kill -KILL "$1" 2> /dev/null
}

sdns_start() {
	local unitdir=$1 target=$2 net i p=""

	mkdir -p "$base/log"
	: > "$base/log/console.log"
	cat > "$base/.pid1.sh" <<EOS
#!/bin/bash
set -e
mkdir -p $cg
echo \$\$ > $cg/cgroup.procs
exec unshare --cgroup /bin/bash -c '
	set -e
	tty_dev=\$(tty)
	mount -t sysfs sysfs /sys
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
	mount -t tmpfs -o mode=755 tmpfs /run
	mount --bind "\$tty_dev" /dev/console
	for b in ${SDNS_BINDS:-}; do
		mount --bind "\${b%%=*}" "\${b#*=}"
	done
	export container=sd-ns SYSTEMD_UNIT_PATH="$unitdir"
	exec /lib/systemd/systemd --system --unit=$target --show-status=yes'
EOS
	chmod +x "$base/.pid1.sh"
	# not `ip netns exec`: it remounts /sys and the start fails
	if [ -n "${SDNS_NETNS:-}" ]; then
		net="nsenter --net=/run/netns/$SDNS_NETNS unshare"
	else
		net="unshare --net"
	fi
	setsid script -qfc "$net --pid --fork --mount --uts --ipc \
--mount-proc $base/.pid1.sh" "$base/log/console.log" \
		< /dev/null > /dev/null 2>&1 &
	echo $! > "$base/.script.pid"
	for i in $(seq 1 400); do
		p=$(sdns_find_pid1 "$(cat "$base/.script.pid")") &&
			nsenter -t "$p" -m -- test -S /run/systemd/private &&
			break
		p=""
		sleep 0.05
	done
	if [ -z "$p" ]; then
		echo "sd-ns: systemd did not start" >&2
		# nothing may outlive a failed start (no .pid1 for stop)
		sdns_kill_tree "$(cat "$base/.script.pid")"
		return 1
	fi
	echo "$p" > "$base/.pid1"
	echo "$p"
}

sdns_stop() {
	local p i

	p=$(cat "$base/.pid1" 2>/dev/null) || return 0
	nsenter -t "$p" -m -p -- systemctl --force exit 0 > /dev/null 2>&1 ||
		kill -KILL "$p"
	for i in $(seq 1 100); do
		kill -0 "$p" 2> /dev/null || break
		sleep 0.05
	done
	kill -0 "$p" 2> /dev/null && kill -KILL "$p"
	sleep 0.1
	[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2> /dev/null
	rmdir "${cg%/*}" 2> /dev/null
	rm -f "$base/.pid1" "$base/.script.pid"
	return 0
}

case "${1:-}" in
start)
	sdns_start "$2" "$3" ;;
ctl)
	shift
	exec nsenter -t "$(cat "$base/.pid1")" -m -p -- systemctl "$@" ;;
exec)
	shift
	exec nsenter -t "$(cat "$base/.pid1")" -m -p -n -u -i -- "$@" ;;
stop)
	sdns_stop ;;
*)
	echo "usage: sd-ns.sh start UNITDIR TARGET | ctl ARGS | exec CMD" \
		"| stop" >&2
	exit 2 ;;
esac
