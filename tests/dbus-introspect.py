#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Canonical form of one D-Bus interface from introspection XML, so that
# the committed dbus/*.xml and what a daemon introspects live compare
# as text: members sorted by kind and name, arguments in their order,
# annotations sorted, fixed indentation.
#   dbus-introspect.py INTERFACE < introspection.xml > canonical.xml
import sys
import xml.etree.ElementTree as ET

HEADER = '''<!DOCTYPE node PUBLIC
 "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
'''
KINDS = ('method', 'signal', 'property')


def attrs(el, names):
    return ''.join(' %s="%s"' % (n, el.get(n)) for n in names
                   if el.get(n) is not None)


def annotations(el, indent, out):
    for a in sorted(el.findall('annotation'), key=lambda a: a.get('name')):
        out.append('%s<annotation%s/>' % (indent,
                                          attrs(a, ('name', 'value'))))


def member(el, out):
    kind = el.tag
    head = '  <%s%s' % (kind, attrs(el, ('name', 'type', 'access')))
    args = el.findall('arg')
    if not args and not el.findall('annotation'):
        out.append(head + '/>')
        return
    out.append(head + '>')
    for a in args:
        # an argument's direction is "in" unless it says otherwise
        direction = a.get('direction') or ('in' if kind == 'method' else None)
        if kind == 'signal':
            direction = None
        s = '   <arg%s' % attrs(a, ('name', 'type'))
        if direction:
            s += ' direction="%s"' % direction
        if a.findall('annotation'):
            out.append(s + '>')
            annotations(a, '    ', out)
            out.append('   </arg>')
        else:
            out.append(s + '/>')
    annotations(el, '   ', out)
    out.append('  </%s>' % kind)


def main():
    want = sys.argv[1]
    root = ET.fromstring(sys.stdin.read())
    found = [i for i in root.iter('interface') if i.get('name') == want]
    if not found:
        sys.exit('no interface %s in the input' % want)
    iface = found[0]
    out = [HEADER.rstrip('\n'), '<node>', ' <interface name="%s">' % want]
    for kind in KINDS:
        for el in sorted(iface.findall(kind), key=lambda e: e.get('name')):
            member(el, out)
    annotations(iface, '  ', out)
    out += [' </interface>', '</node>']
    print('\n'.join(out))


main()
