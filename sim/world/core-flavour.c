// SPDX-License-Identifier: GPL-2.0
/* Linked into each core shared object: names its allocator flavour. */
const char pasidsim_core_flavour[] = PASIDSIM_FLAVOUR;
