#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Hostile inputs and CLI conventions (issue 15): one case per defect, each run
# as its own ctest (cli/<case>). Usage: cli.sh PASIDSIM SRCDIR WORKDIR CASE
# A case fails with a message on stderr and exit 1.
set -u
P=$1
SRC=$2
W=$3/$4
CASE=$4
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
export PASIDSIM_DB="$W/default.db"
SAMPLE=$SRC/traces/samples/bare-metal.trace

fail() { echo "FAIL $CASE: $*" >&2; exit 1; }
# run EXPECTED_EXIT CMD...: runs CMD, stdout in out, stderr in err
run() {
	want=$1; shift
	"$@" >out 2>err
	got=$?
	[ "$got" = "$want" ] || { cat err >&2; fail "'$*' exited $got, expected $want"; }
}
has() { grep -q -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks '$2'"; }; }
lacks() { ! grep -q -- "$2" "$1" || { cat "$1" >&2; fail "$1 has '$2'"; }; }
same() { cmp -s "$1" "$2" || fail "$1 changed"; }
notmp() { ! ls -a | grep -q '\.tmp\.' || fail "temporary file left: $(ls -a | grep tmp)"; }

# ---- data loss: every output file is a temp file renamed on success --------------

case_record_in_place() {
	cp "$SAMPLE" x.trace
	run 0 "$P" replay --no-db --record=x.trace x.trace
	run 0 "$P" replay --no-db x.trace
	notmp
}

case_record_bad_input_keeps_output() {
	printf 'keep me\n' > keep.trace && cp keep.trace orig
	printf 'junk\n' > bad.trace
	run 2 "$P" replay --no-db --record=keep.trace bad.trace
	has err 'bad.trace:1:1: expected'
	same keep.trace orig
	notmp
}

case_import_output_dash_is_stdout() {
	run 0 "$P" import -o - "$SRC/traces/captures/ftrace-sva.txt"
	has out '^pasidsim-trace 1'
	[ ! -e ./- ] || fail "import -o - created a file named '-'"
}

case_import_failure_keeps_output() {
	printf 'keep me\n' > keep.trace && cp keep.trace orig
	printf '# tracer: nop\n' > none.txt
	run 2 "$P" import -o keep.trace none.txt
	has err 'none.txt:1:1: expected kprobe events'
	same keep.trace orig
	notmp
}

case_import_dev_zero_is_bounded() {
	run 2 "$P" import -o o.trace /dev/zero
	has err '/dev/zero:1:65537: expected a line of at most 65536 bytes'
	[ ! -e o.trace ] || fail "o.trace written"
}

case_import_odd_capture_names() {
	cp "$SRC/traces/captures/ftrace-sva.txt" "cap #1.txt"
	run 0 "$P" import -o o.trace "cap #1.txt"
	has o.trace '^meta capture cap _1.txt (ftrace)'
	cp "$SRC/traces/captures/ftrace-sva.txt" "$(printf 'caf\303\251\tx.txt')"
	run 0 "$P" import -o o2.trace "$(printf 'caf\303\251\tx.txt')"
}

case_import_bad_format_names_option() {
	run 2 "$P" import --format=bogus x
	has err "import: --format='bogus': expected auto, ftrace or perf"
}

# ---- one option layer: errors name the option and the value --------------------

case_replay_bad_option_value() {
	run 2 "$P" replay --no-db --timing=bogus "$SAMPLE"
	has err "timing='bogus': expected fast, recorded or scale:F"
}

case_gen_bad_option_values() {
	run 2 "$P" gen churn --ops=-1;		has err "gen: --ops='-1': expected an integer from 0"
	run 2 "$P" gen churn --vms=0;		has err "gen: --vms='0': expected an integer from 1 to 256"
	run 2 "$P" gen churn --range=10:1;	has err "gen: --range='10:1': expected MIN:MAX with MIN <= MAX"
	run 2 "$P" gen churn --seed=-1;		has err "gen: --seed='-1': expected an unsigned 64-bit"
	run 2 "$P" gen churn --mix=1:2:3;	has err "gen: --mix='1:2:3': expected A:F:S:W"
	run 2 "$P" gen bogus;			has err "gen: unknown workload 'bogus'"
}

case_gen_writes_only_what_replay_accepts() {
	run 2 "$P" gen churn --vms=257 -o g.trace
	has err "gen: --vms='257': expected an integer from 1 to 256"
	[ ! -e g.trace ] || fail "g.trace written"
	run 0 "$P" gen churn --vms=256 --ops=50 -o g.trace
	run 0 "$P" replay --no-db g.trace
}

case_gen_bare_metal_refuses_vms() {
	run 2 "$P" gen churn --bare-metal --vms=4
	has err "gen: --vms: a --bare-metal workload has no VMs"
}

case_gen_unwritable_output() {
	# used to leak its state (LeakSanitizer) on this path
	run 2 "$P" gen churn -o /nonexistent/x
	has err "gen: -o /nonexistent/x: No such file or directory"
	printf 'keep\n' > keep.trace && cp keep.trace orig
	run 2 "$P" gen churn --consumers=2000 -o keep.trace
	same keep.trace orig
}

# ---- results store -------------------------------------------------------------

case_db_record_refuses_invalid_config() {
	run 2 "$P" db record --db=r.db --command=x '--config={"a":'
	has err "db record: --config='{\"a\":': expected one JSON value"
	[ ! -e r.db ] || fail "r.db created"
}

case_db_export_utf8_and_failure_keeps_output() {
	run 0 "$P" db record --db=r.db --command="$(printf 'bad\377name')"
	run 0 "$P" db export --db=r.db --json -o e.json
	has e.json '"command":"bad\\ufffdname"'
	printf 'keep\n' > keep.json && cp keep.json orig
	run 2 "$P" db export --db=r.db --json --out=keep.json 999
	has err "'999' is neither a run id"
	lacks err 'not an error'
	same keep.json orig
	notmp
}

case_db_merge_same_file() {
	run 0 "$P" db record --db=x.db --command=x
	run 2 timeout 10 "$P" db merge x.db --db=x.db
	has err 'is the store itself'
}

case_db_dir_and_fifo() {
	mkdir d && mkfifo ff
	run 2 "$P" db list --db=d
	has err 'd: a directory, not a results database file'
	run 2 timeout 10 "$P" db list --db=ff
	has err 'ff: not a regular file'
}

case_db_wal_store_in_readonly_dir() {
	mkdir ro
	run 0 "$P" db record --db=ro/x.db --command=x
	unshare -m true 2>/dev/null || { echo "skip: no mount namespace" >&2; exit 77; }
	unshare -m sh -c "mount --bind ro ro && mount -o remount,bind,ro ro && \
		'$P' db list --db=ro/x.db" >out 2>err || { cat err >&2; fail "db list failed"; }
	has out ' x '
}

case_compare_missing_metrics_is_not_ok() {
	run 0 "$P" db record --db=r.db --command=b --metric=m:ns:1 --metric=n:ns:2
	run 0 "$P" db record --db=r.db --command=b --metric=m:ns:1
	run 1 "$P" compare --db=r.db 1 2
	has out 'REGRESSION: 1 regression (1 metric of the baseline missing'
	run 2 "$P" compare --db=r.db --alpha=2 1 2
	has err "compare: --alpha='2': expected a number from"
}

case_demo_not_recorded_is_an_error() {
	printf 'not a database\n' > foreign.db && cp foreign.db orig
	run 2 "$P" demo --ops=1000 --db=foreign.db
	has err 'demo: not recorded: foreign.db'
	same foreign.db orig
	cp "$SAMPLE" x.trace
	run 2 "$P" replay --db=foreign.db x.trace
	has err 'replay: not recorded: foreign.db'
	run 0 "$P" demo --ops=1000 --no-db
}

case_report_replaces_symlinks_never_follows() {
	run 0 "$P" db record --db=r.db --command=x --metric=m:ns:1
	mkdir rep && printf 'precious\n' > target && cp target orig
	ln -s ../target rep/index.html
	run 0 "$P" report --db=r.db --out=rep
	same target orig
	[ ! -L rep/index.html ] || fail "rep/index.html is still a symlink"
	has rep/index.html '<title>pasidsim results'
	cd rep && notmp
}

case_report_missing_reproducer_is_reported() {
	run 0 "$P" db record --db=r.db --command=x --finding=WARN:boom --reproducer=gone.trace
	run 0 "$P" report --db=r.db -o rep --json
	has err "run 1: reproducer 'gone.trace' not found"
	has out '"missing_reproducers":1'
	has rep/data.js '"missing":true'
}

case_completion_bash_from_the_tables() {
	run 0 "$P" completion bash
	command -v bash >/dev/null || { echo "skip: no bash" >&2; exit 77; }
	bash -n out || fail "the completion script does not parse"
	cat > t.sh <<'EOS'
source ./out
c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pasidsim; echo "${COMPREPLY[*]}"; }
c pasidsim rep
c pasidsim replay --rec
c pasidsim db ex
c pasidsim db export --c
c pasidsim gen --bare
c pasidsim import --form
EOS
	bash t.sh > got 2>&1 || { cat got >&2; fail "completion failed"; }
	printf '%s\n' 'report replay' '--record=' 'export' '--csv' '--bare-metal' '--format=' > want
	cmp -s got want || { diff want got >&2; fail "completions differ"; }
}

case_every_command_names_bad_options() {
	for c in demo compare report replay gen import "db list" "db export" completion model; do
		run 2 "$P" $c --bogus-option
		has err "pasidsim $c: unknown option '--bogus-option'"
		run 0 "$P" $c --help
		has out "usage: pasidsim $c"
	done
}

case_model_bad_option_values() {
	run 2 "$P" model --vms=257;	has err "model: --vms='257': expected up to 32 comma-separated"
	run 2 "$P" model --vcpus=1,x;	has err "model: --vcpus='1,x': expected"
	run 2 "$P" model --path=pci;	has err "model: --path='pci'"
	run 2 "$P" model --cost=bogus_ns=1;	has err "model: --cost='bogus_ns=1'"
	run 2 "$P" model --ops=0;	has err "model: --ops='0': expected an integer from 1"
	run 2 "$P" model --seed=-1;	has err "model: --seed='-1'"
	run 2 "$P" model --flavour=ida;	has err "model: --flavour=ida with --vms=1: guests allocate"
	run 0 "$P" model --vms=0 --vcpus=1,2 --ops=10 --flavour=ida --no-db --json
	has out '"vms":0,"vcpus":2'
	has out 'ida_pasid_ida.xa_lock'
	run 0 "$P" model --vms=0,1 --vcpus=2 --ops=10 --no-db --json
	has out '"class":"host:ioasid_allocator_lock"' 
	run 0 "$P" model --vms=1 --vcpus=1 --ops=5 --no-db --json
	has out '"vms":1'
}

case_no_progress_line_off_a_terminal() {
	run 0 "$P" gen churn --bare-metal --ops=200000 -o big.trace
	run 0 "$P" replay --no-db big.trace
	! grep -q "$(printf '\r')" err || fail "a progress line on a file"
	run 0 "$P" db init --db=r.db --json
	has out '"action":"created"'
	run 0 "$P" db check --db=r.db --json
	has out '"ok":true'
}

case_no_command() {
	run 2 "$P"
	has err 'usage: pasidsim'
}

"case_$CASE"
echo "ok $CASE"
