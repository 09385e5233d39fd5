#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sipd's memory under TLS churn (issue 3): RSS growth after
#  1. 10,000 TLS connections opened (full handshake) and closed against
#     the phone's TLS port (SIP port + 1, served by sipd's GnuTLS relay);
#  2. 1,000 re-registrations to kamailio over TLS, each on a new TLS
#     connection (a relay setting toggled between them closes the old).
# Prints the RSS figures; exits 1 when the growth is 1 MiB or more.
#   bench/sipd-tls-mem.sh [--quick]    (--quick: 200 and 20, for tests)
# Runs in a private network namespace; needs a built tree (top_builddir,
# default: the source tree), kamailio with its TLS module, certtool.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/lib.sh"
dp_unshare_net "$@"

CONNS=10000
REGS=1000
LIMIT_KIB=1024
if [ "${1:-}" = --quick ]; then
	CONNS=200
	REGS=20
fi

SIPD=$BUILD/sipd/sipd
for p in kamailio certtool busctl gdbus python3; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] ||
	dp_skip "kamailio-tls-modules is not installed"
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"

PKI=$WORK/pki
KAM=$WORK/kam
SIP=(org.deskphone.Sip /org/deskphone/Sip)
mkdir -p "$PKI" "$KAM/run" "$WORK/state/tls"

# cert NAME SIGNER TEMPLATE-LINES... ("self": self-signed)
cert() {
	local name=$1 signer=$2
	shift 2
	printf '%s\n' "$@" > "$PKI/$name.tmpl"
	certtool --generate-privkey --key-type=ecdsa \
		--outfile "$PKI/$name.key" || return 1
	if [ "$signer" = self ]; then
		certtool --generate-self-signed --load-privkey "$PKI/$name.key" \
			--template "$PKI/$name.tmpl" --outfile "$PKI/$name.crt"
	else
		certtool --generate-certificate --load-privkey "$PKI/$name.key" \
			--load-ca-certificate "$PKI/$signer.crt" \
			--load-ca-privkey "$PKI/$signer.key" \
			--template "$PKI/$name.tmpl" --outfile "$PKI/$name.crt"
	fi
}
{
	cert ca self 'cn = "Bench CA"' ca cert_signing_key \
		'expiration_days = 30' &&
	cert server ca 'cn = "localhost"' 'dns_name = "localhost"' \
		tls_www_server 'expiration_days = 30' &&
	cert phone ca 'cn = "phone"' 'ip_address = "127.0.0.1"' \
		tls_www_server tls_www_client 'expiration_days = 30'
} > "$WORK/certtool.log" 2>&1 || dp_fail "certtool failed"
cat "$PKI/phone.crt" "$PKI/phone.key" > "$WORK/state/tls/agent.pem"

cat > "$KAM/tls.cfg" <<TLS
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = $PKI/server.key
certificate = $PKI/server.crt

[client:default]
method = TLSv1.2+
verify_certificate = no
TLS
sed "s|@DIR@|$KAM|g" "$SRC/tests/peers/kamailio.cfg" > "$KAM/kamailio.cfg"
dp_spawn kamailio kamailio -f "$KAM/kamailio.cfg" -A SIP_PORT=35070 \
	-A WITH_TLS -A TLS_PORT=35071 -DD -E -m 64 -M 8 -Y "$KAM/run" \
	-P "$KAM/run/kamailio.pid" -w "$KAM"
tcp_listening() {
	ss -Hltn "sport = :$1" | grep -q "127.0.0.1:$1"
}
dp_wait_for 10 tcp_listening 35071 || dp_fail "kamailio TLS is not up"

dp_start_bus
dp_spawn sipd "$SIPD" --state-dir "$WORK/state" --bind 127.0.0.1 \
	--port 5090 --log-level info
dp_wait_name org.deskphone.Sip
dp_wait_for 5 tcp_listening 5091 || dp_fail "sipd has no TLS port 5091"

params() {
	busctl --system call "${SIP[@]}" org.deskphone.Parameters1 "$@" \
		> /dev/null
}
rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$(dp_pid sipd)/status"
}
registered() { grep -c '<5>sipd: Registered ' "$WORK/sipd.log"; }
above() { [ "$("$1")" -gt "$2" ]; }

params SetMany 'a{ss}' 5 Proxy_1_ localhost:35071 User_ID_1_ 1000 \
	Password_1_ secret SIP_Transport_1_ TLS TLS_CA_File "$PKI/ca.crt" ||
	dp_fail "SetMany failed"
dp_wait_for 10 above registered 0 || dp_fail "no TLS registration"

cat > "$WORK/churn.py" <<'PY'
import socket, ssl, sys
n = int(sys.argv[1])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ok = 0
for i in range(n):
    s = socket.create_connection(("127.0.0.1", 5091), timeout=5)
    try:
        t = ctx.wrap_socket(s)
        ok += 1
        t.close()
    except (ssl.SSLError, OSError):
        s.close()
print(ok)
PY

# churn N: N TLS connections; they must all complete the handshake
churn() {
	local ok
	ok=$(python3 "$WORK/churn.py" "$1") || dp_fail "TLS client failed"
	[ "$ok" = "$1" ] || dp_fail "only $ok of $1 TLS handshakes completed"
}

# warm-up: allocator arenas, thread stacks, GnuTLS caches
churn 50
sleep 1
rss0=$(rss_kib)
t0=$(date +%s)
churn "$CONNS"
sleep 1
rss1=$(rss_kib)
echo "TLS port: $CONNS connections in $(($(date +%s) - t0)) s:" \
	"RSS $rss0 -> $rss1 KiB ($((rss1 - rss0)) KiB)"

# re-registrations, each over a new TLS connection to kamailio
validate=Yes
n=$(registered)
t0=$(date +%s)
for i in $(seq 1 "$REGS"); do
	[ $validate = Yes ] && validate=No || validate=Yes
	params Set ss TLS_Name_Validate_1_ $validate || dp_fail "Set failed"
	dp_wait_for 10 above registered "$n" ||
		dp_fail "re-registration $i did not complete"
	n=$(registered)
done
sleep 1
rss2=$(rss_kib)
conns=$(grep -c 'TLS to localhost verified' "$WORK/sipd.log")
echo "registrar: $REGS re-registrations ($conns verified TLS connections)" \
	"in $(($(date +%s) - t0)) s: RSS $rss1 -> $rss2 KiB ($((rss2 - rss1)) KiB)"
[ "$conns" -gt "$REGS" ] ||
	dp_fail "only $conns TLS connections for $REGS re-registrations"

growth=$((rss2 - rss0))
echo "sipd RSS growth: $growth KiB (limit $LIMIT_KIB KiB)"
kill -0 "$(dp_pid sipd)" || dp_fail "sipd died"
[ "$growth" -lt "$LIMIT_KIB" ] || dp_fail "RSS grew by $growth KiB"
exit 0
