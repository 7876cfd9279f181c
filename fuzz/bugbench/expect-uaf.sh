#!/bin/sh
# expect-uaf.sh COMMAND...: passes when COMMAND reads freed memory: a
# sanitizer's use-after-free report (ASan poisons the slab's quarantine:
# use-after-poison), or death by a signal after it followed the slab's poison
# (POISON_FREE, 0x6b...) as a pointer: without a sanitizer the signal itself,
# under TSan its "SEGV on unknown address" report (a high value address: the
# poison, not NULL).
out=$("$@" 2>&1)
rc=$?
if printf '%s\n' "$out" | grep -Eq "AddressSanitizer: (heap-use-after-free|use-after-poison)"; then
	printf '%s\n' "$out" | grep -E "AddressSanitizer: " | head -1
	exit 0
fi
if [ $rc -ne 0 ] && printf '%s\n' "$out" | grep -q "Sanitizer: SEGV on unknown address" &&
	printf '%s\n' "$out" | grep -q "dereference of a high value address"; then
	echo "expect-uaf: the sanitizer caught the SEGV on the slab's poison read as a pointer"
	exit 0
fi
if [ $rc -gt 128 ]; then
	echo "expect-uaf: killed by signal $((rc - 128)) (the slab's poison read as a pointer)"
	exit 0
fi
printf '%s\n' "$out" | tail -20
echo "expect-uaf: exit $rc, but no use-after-free"
exit 1
