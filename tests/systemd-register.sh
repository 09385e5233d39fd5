#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Under a real systemd, sipd registers after the boot and registers
# again from the new address after netd's reset (tests/systemd-supervise.sh
# in its register mode).
export DP_SUPERVISE_MODE=register
exec /bin/bash "$top_srcdir/tests/systemd-supervise.sh" "$@"
