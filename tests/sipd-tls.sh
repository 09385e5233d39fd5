#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIP over TLS through sipd's OpenSSL relay, against kamailio's TLS
# module, in a private network namespace.  One kamailio listens on
# several TLS ports, each with its own certificate (made with certtool):
#   35071 good (CA-signed, DNS:localhost)   35072 self-signed
#   35073 expired                           35074 IP SAN 127.0.0.1 only
#   35075 signed by a CA sipd does not trust (until TLS_CA_File has it)
# Registration works with the good and the IP-SAN certificates; every
# other case fails within 5 s with the reason in RegistrationReason and
# nothing reaches the registrar in plain text.  TLS_Name_Validate_1_=No
# accepts a name mismatch (chain still checked).  The ClientHello
# carries SNI and TLS >= 1.2.
# Requests from TLS peers carry "Via: SIP/2.0/TLS" (sofia, behind the
# relay on TCP, used to drop them): a client on the phone's TLS port
# (5081) and a TLS registrar over the registered connection each send
# an OPTIONS and an INVITE (sipd/testing/tls-peer.py); both are
# answered, the INVITE rings, and every response carries the peer's Via
# byte for byte.  When that registrar has closed its connection,
# Proxy_1_ "" still un-registers there (through the relay, as before),
# and so does a change to another TLS registrar.  kamailio relays an
# OPTIONS from a UDP client to the phone over TLS and it is answered.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
dp_unshare_net "$@"

SIPD=$BUILD/sipd/sipd
for p in kamailio kamcmd certtool busctl gdbus dbus-daemon; do
	command -v "$p" > /dev/null || dp_skip "$p is not installed"
done
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] ||
	dp_skip "kamailio-tls-modules is not installed"
[ -x "$SIPD" ] || dp_fail "sipd is not built ($SIPD)"
getent hosts localhost | grep -q '127\.0\.0\.1' ||
	dp_skip "localhost does not resolve to 127.0.0.1"

SIP=(org.deskphone.Sip /org/deskphone/Sip)
PKI=$WORK/pki
KAM=$WORK/kam
mkdir -p "$PKI" "$KAM/run" "$WORK/state"

# cert NAME SIGNER TEMPLATE-LINES...: key and certificate NAME.{key,crt};
# SIGNER "self" makes it self-signed.
cert() {
	local name=$1 signer=$2
	shift 2
	printf '%s\n' "$@" > "$PKI/$name.tmpl"
	certtool --generate-privkey --key-type=ecdsa \
		--outfile "$PKI/$name.key" 2> /dev/null || return 1
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
SERVER='tls_www_server'
{
	cert ca self 'cn = "Deskphone Test CA"' ca cert_signing_key \
		'expiration_days = 30' &&
	cert otherca self 'cn = "Other CA"' ca cert_signing_key \
		'expiration_days = 30' &&
	cert good ca 'cn = "localhost"' 'dns_name = "localhost"' "$SERVER" \
		'expiration_days = 30' &&
	cert selfsigned self 'cn = "localhost"' 'dns_name = "localhost"' \
		"$SERVER" 'expiration_days = 30' &&
	cert expired ca 'cn = "localhost"' 'dns_name = "localhost"' "$SERVER" \
		'activation_date = "2020-01-01 00:00:00 UTC"' \
		'expiration_date = "2021-01-01 00:00:00 UTC"' &&
	cert ipsan ca 'cn = "SIP by address"' 'ip_address = "127.0.0.1"' \
		"$SERVER" 'expiration_days = 30' &&
	cert foreign otherca 'cn = "localhost"' 'dns_name = "localhost"' \
		"$SERVER" 'expiration_days = 30' &&
	cert phone ca 'cn = "phone"' 'ip_address = "127.0.0.1"' "$SERVER" \
		'expiration_days = 30'
} > "$WORK/certtool.log" 2>&1 || dp_fail "certtool failed (certtool.log)"

{
	for p in default:good 35071:good 35072:selfsigned 35073:expired 35074:ipsan \
		35075:foreign; do
		cat <<TLS
[server:$([ "${p%%:*}" = default ] || echo 127.0.0.1:)${p%%:*}]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = $PKI/${p#*:}.key
certificate = $PKI/${p#*:}.crt

TLS
	done
	printf '[client:default]\nmethod = TLSv1.2+\nverify_certificate = no\n'
} > "$KAM/tls.cfg"
# one TLS listener per certificate
sed -e "s|@DIR@|$KAM|g" -e '/^listen=tls:/a\
listen=tls:127.0.0.1:35072\
listen=tls:127.0.0.1:35073\
listen=tls:127.0.0.1:35074\
listen=tls:127.0.0.1:35075' "$SRC/tests/peers/kamailio.cfg" > "$KAM/kamailio.cfg"

tcp_listening() {
	ss -Hltn "sport = :$1" | grep -q "127.0.0.1:$1"
}

dp_spawn kamailio kamailio -f "$KAM/kamailio.cfg" -A SIP_PORT=35070 \
	-A WITH_TLS -A TLS_PORT=35071 -DD -E -m 32 -M 4 -Y "$KAM/run" \
	-P "$KAM/run/kamailio.pid" -w "$KAM"
for p in 35071 35072 35073 35074 35075; do
	dp_wait_for 10 tcp_listening $p || dp_fail "kamailio TLS $p is not up"
done

# the phone's own TLS port, 5081
mkdir -p "$WORK/state/tls"
cat "$PKI/phone.crt" "$PKI/phone.key" > "$WORK/state/tls/agent.pem"

dp_start_bus
dp_spawn sipd env TPORT_LOG=1 ${SIPD_WRAP:-} "$SIPD" --state-dir \
	"$WORK/state" --bind 127.0.0.1 --port 5080 --log-level debug
dp_wait_name org.deskphone.Sip

params() {
	busctl --system call "${SIP[@]}" org.deskphone.Parameters1 "$@"
}
reg_state() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 RegistrationState
}
reg_reason() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 RegistrationReason
}
bindings() {
	kamcmd -s "unix:$KAM/run/kamailio_ctl" ul.dump 2> /dev/null |
		grep -c 'Address: sip:1000@127.0.0.1:5081;transport=tls'
}
now_ms() { date +%s%3N; }

# state_is STATE PATTERN: RegistrationState is STATE and the reason
# matches PATTERN (a shell pattern)
state_is() {
	[ "$(reg_state)" = "$1" ] || return 1
	# shellcheck disable=SC2254
	case "$(reg_reason)" in
	$2) return 0 ;;
	esac
	return 1
}

# more_lines PATTERN N: sipd.log has more than N lines with PATTERN
more_lines() {
	[ "$(grep -c "$1" "$WORK/sipd.log")" -gt "$2" ]
}

# try PROXY STATE [REASON-PATTERN]: after a change of proxy, the state
# with that reason within 5 s (failures must be that fast)
try() {
	local proxy=$1 want=$2 pattern=${3:-} t0 t n
	n=$(grep -c "Registered sip:1000@$proxy at" "$WORK/sipd.log")
	params SetMany 'a{ss}' 1 Proxy_1_ "$proxy" || dp_fail "SetMany failed"
	t0=$(now_ms)
	# the old state may be the same: a success is a new "Registered" line
	if [ "$want" = registered ]; then
		dp_wait_for 5 more_lines "Registered sip:1000@$proxy at" "$n" ||
			dp_fail "$proxy: not registered" \
			"($(reg_state), $(reg_reason))"
	fi
	dp_wait_for 5 state_is "$want" "${pattern:-}" ||
		dp_fail "$proxy: '$(reg_state)' ($(reg_reason)), want $want" \
			"${pattern:+($pattern)}"
	t=$(($(now_ms) - t0))
	dp_log "$proxy: $want in $t ms ${pattern:+($(reg_reason))}"
}

cp "$PKI/ca.crt" "$WORK/ca.pem"
params SetMany 'a{ss}' 5 User_ID_1_ 1000 Password_1_ secret \
	SIP_Transport_1_ TLS TLS_CA_File "$WORK/ca.pem" \
	Register_Expires_1_ 60 || dp_fail "SetMany failed"

dp_log "good certificate (DNS SAN localhost)"
try localhost:35071 registered
[ "$(bindings)" -ge 1 ] || dp_fail "kamailio holds no TLS binding"
grep -q 'TLS to localhost verified' "$WORK/sipd.log" ||
	dp_fail "the relay logged no verified connection"

# From here on every attempt must fail: no 200 to a REGISTER any more.
oks() { grep -c 'Registered sip:1000@' "$WORK/sipd.log"; }
ok_before=$(oks)

dp_log "wrong host name: the certificate names localhost, not 127.0.0.1"
try 127.0.0.1:35071 failed \
	"certificate for localhost is not valid for host 127.0.0.1"

dp_log "self-signed"
try localhost:35072 failed "certificate for localhost is self-signed"

dp_log "expired"
try localhost:35073 failed "certificate for localhost expired"

dp_log "untrusted CA"
try localhost:35075 failed "certificate for localhost has an untrusted issuer"

dp_log "IP-address SAN server, wrong name for it"
try localhost:35074 failed \
	"certificate for 127.0.0.1 is not valid for host localhost"
[ "$(oks)" = "$ok_before" ] || dp_fail "registered through a refused server"

dp_log "IP-address SAN server by address"
try 127.0.0.1:35074 registered

dp_log "TLS_Name_Validate_1_=No: a name mismatch is accepted, not a bad chain"
params Set ss TLS_Name_Validate_1_ No || dp_fail "Set failed"
try 127.0.0.2:35071 failed "cannot connect to 127.0.0.2:35071*"
try 127.0.0.1:35071 registered
try localhost:35072 failed "certificate for localhost is self-signed"
params Set ss TLS_Name_Validate_1_ Yes || dp_fail "Set failed"

dp_log "no custom CA: only the system store, which lacks our CA"
params Set ss TLS_CA_File "" || dp_fail "Set failed"
try localhost:35071 failed "certificate for localhost has an untrusted issuer"

dp_log "the CA file is read again when it changes in place"
cp "$PKI/otherca.crt" "$WORK/ca.pem"
params Set ss TLS_CA_File "$WORK/ca.pem" || dp_fail "Set failed"
try localhost:35075 registered
try localhost:35071 failed "certificate for localhost has an untrusted issuer"
cp "$PKI/ca.crt" "$WORK/ca.pem"
try localhost:35072 failed "certificate for localhost is self-signed"
try localhost:35071 registered

dp_log "SNI: the ClientHello names the server"
cat > "$WORK/sni.py" <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
names = []
ctx.sni_callback = lambda sock, name, c: names.append(name)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 35079))
srv.listen(4)
with open(sys.argv[3], "a", buffering=1) as out:
    while True:
        conn, _ = srv.accept()
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
            out.write("sni=%s version=%s\n" % (names[-1] if names else None,
                                               tls.version()))
            tls.close()
        except (ssl.SSLError, OSError) as e:
            out.write("error %s\n" % e)
PY
dp_spawn sni python3 "$WORK/sni.py" "$PKI/good.crt" "$PKI/good.key" \
	"$WORK/sni.out"
dp_wait_for 5 tcp_listening 35079 || dp_fail "SNI server not up"
params Set ss TLS_CA_File "$WORK/ca.pem" || dp_fail "Set failed"
params SetMany 'a{ss}' 1 Proxy_1_ localhost:35079 || dp_fail "SetMany failed"
dp_wait_for 5 grep -q 'sni=localhost version=TLSv1.[23]' "$WORK/sni.out" ||
	dp_fail "no SNI localhost with TLS >= 1.2: $(cat "$WORK/sni.out")"

call_state() {
	dp_prop "${SIP[@]}" org.deskphone.Sip1 CallState
}
# peer_ok OUT GO: tls-peer.py was answered, rang, cancelled (once GO
# exists), every response with its Via
peer_ok() {
	local out=$1 want
	dp_wait_for 10 grep -q '^INVITE 18[03]' "$out" ||
		dp_fail "$out: the INVITE did not ring:" \
			"$(tr '\n' ' ' < "$out")"
	for want in 'OPTIONS 200 via-ok' 'INVITE 180 via-ok'; do
		grep -qx "$want" "$out" ||
			dp_fail "$out: no '$want': $(tr '\n' ' ' < "$out")"
	done
	dp_wait_prop 5 ringing "${SIP[@]}" org.deskphone.Sip1 CallState ||
		dp_fail "CallState is '$(call_state)', want ringing"
	touch "$2"
	dp_wait_for 10 grep -q '^done' "$out" || dp_fail "$out: no end"
	for want in 'CANCEL 200 via-ok' 'INVITE 487 via-ok'; do
		grep -qx "$want" "$out" ||
			dp_fail "$out: no '$want': $(tr '\n' ' ' < "$out")"
	done
	! grep -q 'via-bad\|none' "$out" ||
		dp_fail "$out: a response without the peer's Via: $(cat "$out")"
	dp_wait_prop 5 idle "${SIP[@]}" org.deskphone.Sip1 CallState ||
		dp_fail "CallState is '$(call_state)', want idle"
}

dp_log "a TLS client on the phone's TLS port: OPTIONS, INVITE, CANCEL"
dp_spawn tlsclient python3 "$SRC/sipd/testing/tls-peer.py" client 5081 \
	"$PKI/ca.crt" "$WORK/client.out" "$WORK/client-go"
peer_ok "$WORK/client.out" "$WORK/client-go"
dp_log "$(tr '\n' ' ' < "$WORK/client.out")"

dp_log "a TLS registrar sends OPTIONS, INVITE, CANCEL over the registration"
dp_spawn tlsreg python3 "$SRC/sipd/testing/tls-peer.py" registrar 35078 \
	"$PKI/good.crt" "$PKI/good.key" "$WORK/reg.out"
dp_wait_for 5 tcp_listening 35078 || dp_fail "TLS registrar not up"
params SetMany 'a{ss}' 1 Proxy_1_ localhost:35078 || dp_fail "SetMany failed"
dp_wait_for 5 grep -q '^REGISTER' "$WORK/reg.out" ||
	dp_fail "no REGISTER at the TLS registrar"
peer_ok "$WORK/reg.out" "$WORK/reg-go"
dp_log "$(tr '\n' ' ' < "$WORK/reg.out")"

dp_log "the registrar closes its connection; Proxy_1_ \"\" still un-registers"
dp_wait_prop 5 registered "${SIP[@]}" org.deskphone.Sip1 RegistrationState ||
	dp_fail "not registered at the TLS registrar: $(reg_state)"
touch "$WORK/reg-close"
dp_wait_for 5 grep -q '^closed' "$WORK/reg.out" ||
	dp_fail "the TLS registrar did not close"
sleep 0.5
params SetMany 'a{ss}' 1 Proxy_1_ "" || dp_fail "SetMany failed"
dp_wait_for 10 grep -q '^REGISTER .*expires=0$' "$WORK/reg.out" ||
	dp_fail "no un-REGISTER at the TLS registrar:" \
		"$(tr '\n' ' ' < "$WORK/reg.out")"
! grep -q 'No transport\|no transport protocol' "$WORK/sipd.log" ||
	dp_fail "the un-REGISTER found no transport"

dp_log "a new TLS registrar: the un-REGISTER still goes to the old one"
unregs() { grep -c '^REGISTER .*expires=0$' "$WORK/reg.out"; }
params SetMany 'a{ss}' 1 Proxy_1_ localhost:35078 || dp_fail "SetMany failed"
dp_wait_prop 5 registered "${SIP[@]}" org.deskphone.Sip1 RegistrationState ||
	dp_fail "not registered at the TLS registrar: $(reg_state)"
n=$(unregs)
try localhost:35071 registered
dp_wait_for 5 test "$(unregs)" -gt "$n" ||
	dp_fail "the old registrar got no un-REGISTER:" \
		"$(tr '\n' ' ' < "$WORK/reg.out")"

dp_log "kamailio relays an OPTIONS over TLS to the phone (its Via: TLS)"
out=$(python3 "$SRC/sipd/testing/probe.py" udp OPTIONS 127.0.0.1 127.0.0.1 \
	35070 4)
[ "$out" = "replies 1: SIP/2.0 200 OK" ] ||
	dp_fail "OPTIONS through kamailio: $out"

# Nothing ever went out in plain text to the TLS ports: every REGISTER
# sofia sent went into the relay on loopback.
grep -q 'sofia: *REGISTER sip:localhost:35071;transport=tls' \
	"$WORK/sipd.log" || dp_fail "REGISTER Request-URI not the TLS proxy"
kill -0 "$(dp_pid sipd)" || dp_fail "sipd died"
dp_log "PASS"
