#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# placeholder, replaced below
exit 77
