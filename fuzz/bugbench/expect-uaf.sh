#!/bin/sh
# expect-uaf.sh COMMAND...: passes when COMMAND reads freed memory: a
# sanitizer's use-after-free report (ASan poisons the slab's quarantine:
# use-after-poison), or, without a sanitizer, death by a signal after it
# followed the slab's poison (POISON_FREE, 0x6b...) as a pointer.
out=$("$@" 2>&1)
rc=$?
if printf '%s\n' "$out" | grep -Eq "AddressSanitizer: (heap-use-after-free|use-after-poison)"; then
	printf '%s\n' "$out" | grep -E "AddressSanitizer: " | head -1
	exit 0
fi
if [ $rc -gt 128 ]; then
	echo "expect-uaf: killed by signal $((rc - 128)) (the slab's poison read as a pointer)"
	exit 0
fi
printf '%s\n' "$out" | tail -20
echo "expect-uaf: exit $rc, but no use-after-free"
exit 1
