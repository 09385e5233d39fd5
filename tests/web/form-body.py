#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds the body a browser would send for a page's settings form.

Usage: form-body.py ACTION [NAME=VALUE ...] < page.html
Reads every enabled input and select of the POST form whose action is
ACTION (selects send their selected option), replaces the values given
on the command line, and prints the urlencoded body.  Fails when a name
given is not a field of the form, so a renamed field cannot go unseen.
"""
import sys
import urllib.parse
from html.parser import HTMLParser


class FormReader(HTMLParser):
    def __init__(self, action):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.in_form = False
        self.fields = []
        self.select = None
        self.option = None
        self.known = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'form':
            self.in_form = (a.get('method') == 'post' and
                            a.get('action') == self.action)
            return
        if not self.in_form or 'disabled' in a:
            return
        if tag == 'input' and a.get('type') in ('checkbox', 'radio'):
            # sent only when checked; an argument can still set it
            self.known.add(a.get('name'))
            if 'checked' in a and a.get('name'):
                self.fields.append([a['name'], a.get('value') or 'on'])
        elif tag == 'input' and a.get('name') and \
                a.get('type') not in ('submit', 'reset', 'button'):
            self.fields.append([a['name'], a.get('value') or ''])
        elif tag == 'select' and a.get('name'):
            self.select = [a['name'], None]
            self.fields.append(self.select)
        elif tag == 'option' and self.select is not None:
            self.option = {'selected': 'selected' in a,
                           'value': a.get('value'), 'text': ''}

    def handle_data(self, data):
        if self.option is not None:
            self.option['text'] += data

    def handle_endtag(self, tag):
        if tag == 'form':
            self.in_form = False
        elif tag == 'option' and self.option is not None:
            o = self.option
            value = o['value'] if o['value'] is not None else o['text']
            if o['selected'] or self.select[1] is None:
                self.select[1] = value
            self.option = None
        elif tag == 'select':
            self.select = None


def main():
    reader = FormReader(sys.argv[1])
    reader.feed(sys.stdin.read())
    fields = dict((n, v or '') for n, v in reader.fields)
    if not fields:
        sys.exit('no form with action %s' % sys.argv[1])
    for arg in sys.argv[2:]:
        name, _, value = arg.partition('=')
        if name not in fields and name not in reader.known:
            sys.exit('no field %s in the form' % name)
        fields[name] = value
    sys.stdout.write(urllib.parse.urlencode(list(fields.items())))


main()
