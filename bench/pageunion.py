#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Distinct physical pages mapped by a group of processes, in KiB.

  pageunion.py PID...

Reads /proc/PID/maps and /proc/PID/pagemap (root: the frame numbers
are hidden from others) and counts each present physical page once,
however many of the processes map it.  That is what the group would
take on a device where nothing else maps its libraries, independent
of the other processes of a shared machine (which move PSS).  Pages
swapped out are not counted (there is no swap here).
"""

import os
import struct
import sys

PAGE = os.sysconf('SC_PAGE_SIZE')
PRESENT = 1 << 63
PFN_MASK = (1 << 55) - 1


def union_frames(pid, frames):
    with open('/proc/%d/maps' % pid) as maps, \
            open('/proc/%d/pagemap' % pid, 'rb') as pagemap:
        for line in maps:
            lo, hi = (int(x, 16) for x in line.split()[0].split('-'))
            if lo >= 1 << 47:
                # [vsyscall]: no pagemap entries
                continue
            pagemap.seek(lo // PAGE * 8)
            data = pagemap.read((hi - lo) // PAGE * 8)
            for (entry,) in struct.iter_unpack('<Q', data):
                if entry & PRESENT:
                    frames.add(entry & PFN_MASK)


def pageunion_main(argv):
    frames = set()

    if len(argv) < 2:
        print('usage: pageunion.py PID...', file=sys.stderr)
        return 2
    for pid in argv[1:]:
        union_frames(int(pid), frames)
    if 0 in frames:
        print('pageunion.py: frame numbers are hidden (not root?)',
              file=sys.stderr)
        return 1
    print(len(frames) * PAGE // 1024)
    return 0


if __name__ == '__main__':
    sys.exit(pageunion_main(sys.argv))
