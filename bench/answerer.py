#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Answer every call of sipd at once, over D-Bus.

Stands in for an auto-answer parameter of sipd in the benchmarks: it
follows CallState through dbus-monitor (python3-gi, for a main loop,
is not installed) and calls Answer() on each change to "ringing" on a
connection of its own.  Prints "ready", then one line per answer.
"""

import subprocess
import sys

import dbus

DEST = 'org.deskphone.Sip'
PATH = '/org/deskphone/Sip'


def answerer_main():
    bus = dbus.SystemBus()
    sip = dbus.Interface(bus.get_object(DEST, PATH), 'org.deskphone.Sip1')
    mon = subprocess.Popen(
        ['dbus-monitor', '--system',
         "type='signal',path='%s',member='PropertiesChanged'" % PATH],
        stdout=subprocess.PIPE, text=True, bufsize=1)
    want = False
    ready = False
    for line in mon.stdout:
        if not ready and 'NameLost' in line:
            # dbus-monitor's match rule is in place
            print('ready', flush=True)
            ready = True
        if 'string "CallState"' in line:
            want = True
            continue
        if want and 'variant' in line:
            want = False
            if 'string "ringing"' in line:
                try:
                    sip.Answer()
                    print('answered', flush=True)
                except dbus.DBusException as e:
                    # the caller may have gone already: go on
                    print('answer failed: %s' % e, flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(answerer_main())
