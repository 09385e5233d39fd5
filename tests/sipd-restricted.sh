#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Restricted_Access_Domains without any reply, in a private network
# namespace.  The list is "localhost" (127.0.0.1, where kamailio is the
# registrar); 127.0.0.2 plays the stranger.
#  - from 127.0.0.2: OPTIONS and INVITE over UDP get nothing back (no
#    100, no 200, no 403), over TCP and on the TLS port not even a
#    SYN-ACK; sipp and sipvicious (svmap, svwar) find nothing; nothing
#    rings;
#  - from the listed address a call is answered (Auto_Answer_1_) and
#    the registration through the listed registrar works;
#  - a registrar outside the list is refused with the reason;
#  - an empty list opens SIP again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

KPORT=35060
SPORT=5062
SIPD=$BUILD/sipd/sipd
PROBE=$SRC/sipd/testing/probe.py
for p in kamailio sipp busctl gdbus dbus-daemon python3; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"
getent hosts localhost | grep -q '127\.0\.0\.1' ||
	dp_skip "localhost does not resolve to 127.0.0.1"

SIP=(org.deskphone.Sip /org/deskphone/Sip)
cd "$WORK" || exit 1

udp_listening() {
	ss -Hlnu "sport = :$1" | grep -q "127.0.0.1:$1"
}
params() {
	busctl --system call "${SIP[@]}" org.deskphone.Parameters1 "$@"
}
prop() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 "$1"
}
state_reason_like() {
	[ "$(prop RegistrationState)" = "$1" ] || return 1
	case "$(prop RegistrationReason)" in
	*"$2"*) return 0 ;;
	esac
	return 1
}

mkdir -p "$WORK/kamailio/run" "$WORK/state/tls"
# a TLS port (SIP port + 1) too, when certtool can make its certificate
TLS=
if command -v certtool > /dev/null; then
	printf 'cn = "phone"\nip_address = "127.0.0.1"\ntls_www_server\n' \
		> "$WORK/phone.tmpl"
	certtool --generate-privkey --key-type=ecdsa \
		--outfile "$WORK/phone.key" 2> /dev/null &&
	certtool --generate-self-signed --load-privkey "$WORK/phone.key" \
		--template "$WORK/phone.tmpl" --outfile "$WORK/phone.crt" \
		> /dev/null 2>&1 &&
	cat "$WORK/phone.crt" "$WORK/phone.key" > "$WORK/state/tls/agent.pem" &&
	TLS=1
fi
sed "s|@DIR@|$WORK/kamailio|g" "$SRC/tests/peers/kamailio.cfg" \
	> "$WORK/kamailio/kamailio.cfg"
dp_spawn kamailio kamailio -f "$WORK/kamailio/kamailio.cfg" \
	-A "SIP_PORT=$KPORT" -DD -E -m 32 -M 4 -Y "$WORK/kamailio/run" \
	-P "$WORK/kamailio/run/kamailio.pid" -w "$WORK/kamailio"
dp_wait_for 10 udp_listening "$KPORT" || dp_fail "kamailio is not up"

dp_start_bus
dp_spawn sipd "$SIPD" --state-dir "$WORK/state" --bind 127.0.0.1 \
	--port "$SPORT" --log-level debug
dp_wait_name org.deskphone.Sip

# probe PROTO METHOD SRC: what came back from sipd
probe() {
	python3 "$PROBE" "$1" "$2" "$3" 127.0.0.1 "$SPORT" 1.5
}

dp_log "no list: a stranger gets answers"
case "$(probe udp OPTIONS 127.0.0.2)" in
"replies 1: SIP/2.0 200 OK") ;;
*) dp_fail "OPTIONS without a list: $(probe udp OPTIONS 127.0.0.2)" ;;
esac

params SetMany 'a{ss}' 5 Restricted_Access_Domains localhost \
	Proxy_1_ "localhost:$KPORT" User_ID_1_ 1000 Password_1_ secret \
	Auto_Answer_1_ Yes || dp_fail "SetMany failed"
dp_wait_prop 10 registered "${SIP[@]}" org.deskphone.Sip1 \
	RegistrationState ||
	dp_fail "no registration via the listed registrar: $(prop RegistrationReason)"
sockets=$([ -n "$TLS" ] && echo 3 || echo 2)
grep -q "SIP accepted only from: 127.0.0.1 ($sockets sockets)" \
	"$WORK/sipd.log" ||
	dp_fail "filter not on sofia's UDP and TCP sockets (and the TLS port)"

dp_log "from 127.0.0.2: no reply of any kind"
for proto in udp tcp; do
	for m in OPTIONS INVITE MESSAGE REGISTER; do
		out=$(probe $proto $m 127.0.0.2)
		case "$out" in
		"replies 0: "|"no connection"*) ;;
		*) dp_fail "$proto $m from 127.0.0.2 got: $out" ;;
		esac
		dp_log "$proto $m from 127.0.0.2: $out"
	done
done
[ "$(prop CallState)" = idle ] || dp_fail "a stranger's INVITE made a call"

# tls_hello SRC: whether a TLS handshake with the TLS port completes
tls_hello() {
	python3 - "$1" "$((SPORT + 1))" <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = socket.socket()
s.bind((sys.argv[1], 0))
s.settimeout(1.5)
try:
    s.connect(("127.0.0.1", int(sys.argv[2])))
    ctx.wrap_socket(s).close()
    print("handshake")
except (OSError, ssl.SSLError) as e:
    print("no connection (%s)" % e)
PY
}
if [ -n "$TLS" ]; then
	out=$(tls_hello 127.0.0.2)
	case "$out" in
	"no connection"*) ;;
	*) dp_fail "TLS port from 127.0.0.2: $out" ;;
	esac
	dp_log "tls from 127.0.0.2: $out"
	[ "$(tls_hello 127.0.0.1)" = handshake ] ||
		dp_fail "TLS port refused the listed address"
fi

dp_log "sipp from 127.0.0.2 sees no response"
timeout 20 sipp -sn uac 127.0.0.1:$SPORT -i 127.0.0.2 -p 25090 -m 1 \
	-timeout 4s -timeout_error -nostdin -trace_msg \
	-message_file "$WORK/sipp-stranger.msg" > "$WORK/sipp-stranger.log" 2>&1 &&
	dp_fail "sipp's call from 127.0.0.2 succeeded"
grep -q 'INVITE sip:' "$WORK/sipp-stranger.msg" || dp_fail "sipp sent nothing"
grep -q '^SIP/2.0 ' "$WORK/sipp-stranger.msg" &&
	dp_fail "sipp from 127.0.0.2 got a response"

if command -v svmap > /dev/null && command -v svwar > /dev/null; then
	dp_log "sipvicious from 127.0.0.2 finds nothing"
	timeout 30 svmap -p "$SPORT" -P 25091 -b 127.0.0.2 127.0.0.1 \
		> "$WORK/svmap.log" 2>&1
	grep -q 'found nothing' "$WORK/svmap.log" ||
		dp_fail "svmap found something: $(cat "$WORK/svmap.log")"
	# svwar binds to no address whatever -b says: make 127.0.0.2 the
	# source the kernel picks towards 127.0.0.1 (this namespace only)
	ip route replace local 127.0.0.1 dev lo table local src 127.0.0.2 ||
		dp_fail "cannot change the loopback source"
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", 9))
assert s.getsockname()[0] == "127.0.0.2", s.getsockname()' ||
		dp_fail "the default source is not 127.0.0.2"
	for m in OPTIONS INVITE REGISTER; do
		timeout 60 svwar -p "$SPORT" -P 25092 -b 127.0.0.2 \
			-e 1000-1005 -m $m 127.0.0.1 > "$WORK/svwar-$m.log" 2>&1
		grep -q 'SIP/2.0' "$WORK/svwar-$m.log" &&
			dp_fail "svwar $m got a response: $(cat "$WORK/svwar-$m.log")"
		grep -q 'found nothing' "$WORK/svwar-$m.log" ||
			dp_fail "svwar $m found something"
	done
	ip route replace local 127.0.0.1 dev lo table local src 127.0.0.1
	[ "$(prop CallState)" = idle ] || dp_fail "svwar made the phone ring"
else
	dp_log "sipvicious not installed: svmap/svwar part skipped"
fi

dp_log "from the listed address the call is answered"
timeout 30 sipp -sn uac 127.0.0.1:$SPORT -i 127.0.0.1 -p 25093 -m 1 \
	-d 200 -timeout 10s -timeout_error -nostdin \
	> "$WORK/sipp-listed.log" 2>&1 || dp_fail "call from 127.0.0.1 failed"
dp_wait_prop 5 idle "${SIP[@]}" org.deskphone.Sip1 CallState ||
	dp_fail "the call did not end"

dp_log "a registrar outside the list is refused"
params Set ss Proxy_1_ "127.0.0.3:$KPORT" || dp_fail "Set failed"
dp_wait_for 5 state_reason_like failed \
	"127.0.0.3:$KPORT (127.0.0.3) is not in Restricted_Access_Domains" ||
	dp_fail "outside registrar: $(prop RegistrationState)" \
		"($(prop RegistrationReason))"

dp_log "an IPv4 address in the list"
params Set ss Restricted_Access_Domains "127.0.0.2" ||
	dp_fail "an IPv4 address was refused in the list"
dp_wait_for 5 grep -q 'SIP accepted only from: 127.0.0.2' "$WORK/sipd.log" ||
	dp_fail "the filter does not take the listed address"
out=$(probe udp OPTIONS 127.0.0.2)
[ "$out" = "replies 1: SIP/2.0 200 OK" ] || dp_fail "listed 127.0.0.2: $out"
out=$(probe udp OPTIONS 127.0.0.4)
[ "$out" = "replies 0: " ] || dp_fail "unlisted 127.0.0.4: $out"
params Set ss Restricted_Access_Domains "127.0.0.256" 2> /dev/null &&
	dp_fail "a bad address was accepted in the list"

dp_log "an empty list opens SIP again"
params Set ss Restricted_Access_Domains "" || dp_fail "Set failed"
dp_wait_for 5 grep -q 'Restricted_Access_Domains empty' "$WORK/sipd.log" ||
	dp_fail "the filter was not removed"
out=$(probe tcp OPTIONS 127.0.0.2)
[ "$out" = "replies 1: SIP/2.0 200 OK" ] || dp_fail "TCP OPTIONS after: $out"
kill -0 "$(dp_pid sipd)" || dp_fail "sipd died"
dp_log "PASS"
