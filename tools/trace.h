/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim traces: the types, a streaming parser and a writer.
 *
 * The format is specified in traces/README.md. A trace is a header that
 * describes the world (struct trace_header) followed by one event per line
 * (struct trace_event). Names (consumers, PASIDs, tokens) are strings; what
 * they stand for is decided by whoever replays the trace.
 *
 * The parser reads line by line with a fixed-size buffer: its memory does
 * not grow with the trace. The strings in a parsed event point into that
 * buffer and stay valid until the next trace_parser_next() call. Every
 * error names file:line:col and what was expected.
 *
 * The writer is the inverse: trace_parse(trace_write(x)) == x for every
 * valid header and event, and writing what was parsed gives the canonical
 * form of a trace (comments dropped, fixed field order, single spaces).
 */
#ifndef PASIDSIM_TRACE_H
#define PASIDSIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TRACE_MAGIC		"pasidsim-trace"
#define TRACE_VERSION		5	/* the newest version this parser reads */
#define TRACE_VERSION_FAULTS	2	/* the first version with fault keys */
#define TRACE_VERSION_LIFECYCLE	3	/* the first version with lifecycle and host ops */
#define TRACE_VERSION_SCHEDULE	4	/* raw reads, scheduler choice, explicit schedules */
#define TRACE_VERSION_KNOBS	5	/* per-vIOMMU VT-d knobs, the re-plug mode */
#define TRACE_MAX_VTD_SLOTS	8	/* vIOMMU indexes with a 'viommu' line */
#define TRACE_MAX_LINE		4096	/* bytes per line, its "\n" or "\r\n" not counted */
#define TRACE_MAX_NAME		256	/* bytes per name */
#define TRACE_MAX_VMS		4096
#define TRACE_MAX_CPUS		4096	/* host CPUs, vCPUs per VM */
#define TRACE_MAX_META		64	/* meta lines in a header */
#define TRACE_HOST		(-1)	/* trace_event.kernel of the host */

/* ---- header ---------------------------------------------------------------- */

enum trace_mode {
	TRACE_BARE_METAL,	/* one kernel, the host; no VMs */
	TRACE_VMS,		/* a host and trace_header.nr_vms guests */
};

enum trace_flavour {
	TRACE_FLAVOUR_PASIDSIM,		/* core/ioasid.c */
	TRACE_FLAVOUR_LINUX61,		/* Linux 6.1 drivers/iommu/ioasid.c */
	TRACE_FLAVOUR_IDA,		/* core/ida-pasid.c: upstream's global PASID IDA (6.4+) */
};

enum trace_pv {
	TRACE_PV_VTD_VCMD,	/* VT-d virtual command registers (VCMD/VCRSP) */
	TRACE_PV_VIRTIO,	/* virtio-iommu PASID requests (project extension) */
};

enum trace_vtd_version {
	TRACE_VTD_3_3,		/* VT-d 3.3 register layout */
	TRACE_VTD_3_0,		/* VT-d 3.0 register layout */
};

/*
 * How a vms trace runs (version 4): the replay batches concurrent ops by
 * itself (auto), or runs exactly what the trace says (explicit: ops
 * submitted in file order, the world run at each world_run, IDs used as the
 * numbers they are, the consumer 'boot' the VM's own; fuzz reproducers).
 */
enum trace_schedule {
	TRACE_SCHEDULE_AUTO,
	TRACE_SCHEDULE_EXPLICIT,
};

/* When a VM boots (version 4). */
enum trace_boot {
	TRACE_BOOT_START,	/* with the world, before the first event */
	TRACE_BOOT_EVENT,	/* at its vm_boot event: powered off until then */
};

/* One guest. Defaults come from the header's per-VM defaults. */
struct trace_vm {
	unsigned int vcpus;
	unsigned int viommus;
	enum trace_pv pv;
	enum trace_flavour flavour;
	unsigned int quota;		/* host PASIDs this VM may hold */
	enum trace_boot boot;		/* version 4 */
};

/*
 * Knobs of vIOMMU N of every VM ('viommu N key=value...', version 5): the
 * ones the line does not give follow vtd-pss, vtd-vccap-pas and VCS 1.
 */
struct trace_viommu {
	bool set;			/* a 'viommu' line names this index */
	unsigned char given;		/* the parser's: keys the line gave (bit: key index) */
	unsigned int pss;		/* ECAP.PSS (0..19) */
	bool vcs;			/* ECAP.VCS: the virtual command registers exist */
	bool pas;			/* VCCAP.PAS */
};

/* What a vIOMMU re-plug binds its driver to (version 5). */
enum trace_replug {
	TRACE_REPLUG_FRESH,	/* a zeroed driver state: the unplug freed the old one */
	TRACE_REPLUG_KEEP,	/* the state the unplug removed, kept for the re-plug */
};

enum trace_vtd_result {
	TRACE_VTD_RESULT_REAL,	/* the host's PASID */
	TRACE_VTD_RESULT_SET,	/* vtd_faults.result, masked to the 20-bit field */
	TRACE_VTD_RESULT_RAW,	/* vtd_faults.result shifted into place unmasked */
};

enum trace_vtd_drop {
	TRACE_VTD_DROP_LOST,	/* the write never reaches the VMM */
	TRACE_VTD_DROP_HANG,	/* the VMM sets IP and never answers */
};

/*
 * Fault knobs of every device of a world (vms mode only; version 2): the
 * VT-d vIOMMUs' and the virtio-iommu devices' (docs/world.md, "Fault knobs,
 * end to end"). trace_header_init() turns them all off.
 */
struct trace_faults {
	uint64_t vtd_latency_ns;	/* IP clears this long after the host answered */
	bool vtd_stuck_ip;		/* IP never clears */
	int vtd_force_sc;		/* -1: off; else 0-255, replaces the real SC */
	int vtd_sc_no_pasid;		/* -1: the layout's; else 0-255, SC of a failed ALLOC */
	enum trace_vtd_result vtd_result_mode;
	uint64_t vtd_result;
	enum trace_vtd_drop vtd_drop_mode;
	uint64_t vtd_drop_nth;		/* drop the Nth command (1 = the first); 0: off */
	uint64_t vtd_drop_every;	/* drop every Nth command; 0: off */
	uint64_t virtio_latency_ns;	/* a request completes this long after it was handled */
	int virtio_force_status;	/* -1: off; else 0-255, replaces the real status */
	bool virtio_bad_result;		/* an ALLOC answered OK carries virtio_result */
	uint32_t virtio_result;
	uint64_t virtio_drop_nth;	/* drop the Nth request; 0: off */
	uint64_t virtio_drop_every;	/* drop every Nth request; 0: off */
	uint64_t virtio_timeout_ns;	/* the guest's wait for a lost request; 0: 1 s */
};

struct trace_meta {
	char *key;			/* a name */
	char *value;			/* free text to the end of the line */
};

struct trace_header {
	/*
	 * The version read (1 to 4). The writer writes the lowest version
	 * that can express the header: 2 if a fault knob is set, 4 with an
	 * explicit schedule, 3 or 4 if this is 3 or 4 (a trace that may hold
	 * version-3 or -4 operations stays one).
	 */
	unsigned int version;
	enum trace_mode mode;
	enum trace_flavour flavour_host;
	uint64_t seed;
	unsigned int cost_model;	/* cost-model version */
	unsigned int host_cpus;
	/* per-VM defaults (vms mode) */
	unsigned int vcpus;
	unsigned int viommus;
	enum trace_pv pv;
	enum trace_flavour flavour_guest;
	unsigned int quota_default;
	/* VT-d register parameters of every vIOMMU */
	enum trace_vtd_version vtd_version;
	unsigned int vtd_pss;		/* ECAP.PSS: PASID width - 1 (0..19) */
	bool vtd_vccap_pas;		/* VCCAP.PAS: PASID allocation via VCMD */
	/* per-vIOMMU knobs and the re-plug mode (vms mode; version 5) */
	struct trace_viommu viommu[TRACE_MAX_VTD_SLOTS];
	enum trace_replug replug;
	/* the guests' VT-d vcmd_timeout_ms module parameter; 0: the driver's default (10 s) */
	unsigned int vcmd_timeout_ms;
	/* fault knobs of every device (vms mode; version 2) */
	struct trace_faults faults;
	/* how the events run, when VMs boot by default (vms mode; version 4) */
	enum trace_schedule schedule;
	enum trace_boot vm_boot;
	/* schedule fuzzing, 0 off, 1 on (SIM_PREEMPT_ALL; vms mode, version 4) */
	unsigned int sched_preempt;
	/* the guests: nr_vms entries, defaults applied (malloc'd) */
	unsigned int nr_vms;
	struct trace_vm *vms;
	/* provenance, free text (malloc'd) */
	unsigned int nr_meta;
	struct trace_meta *meta;
};

/* Defaults: bare metal, pasidsim, seed 0, cost model 1, 1 CPU, ... (see README). */
void trace_header_init(struct trace_header *h);
/* Switch to vms mode with @nr_vms guests that take the per-VM defaults. 0 or -errno. */
int trace_header_set_vms(struct trace_header *h, unsigned int nr_vms);
/* Append a meta line (both strings copied). 0 or -errno (bad key, too many, ENOMEM). */
int trace_header_add_meta(struct trace_header *h, const char *key, const char *value);
/* Free what the header owns and re-initialise it. */
void trace_header_release(struct trace_header *h);
/* All fault knobs off. */
void trace_faults_init(struct trace_faults *f);
/* True if any fault knob is set. */
bool trace_faults_any(const struct trace_faults *f);
/* The lowest format version that expresses @h (1, 2 with fault knobs, 4 with a schedule). */
unsigned int trace_header_min_version(const struct trace_header *h);
/* Deep comparison (not of the version read): true if equal. */
bool trace_header_equal(const struct trace_header *a, const struct trace_header *b);

const char *trace_flavour_name(enum trace_flavour f);	/* "pasidsim", "linux-6.1", "ida" */
const char *trace_pv_name(enum trace_pv pv);		/* "vtd-vcmd", "virtio" */
const char *trace_mode_name(enum trace_mode m);		/* "bare-metal", "vms" */

/* ---- events ---------------------------------------------------------------- */

enum trace_op {
	/* the iommu_pasid API (docs/api.md); c = consumer name */
	TRACE_PASID_INIT,	/* iommu_pasid_init c min max          = errno */
	TRACE_PASID_EXIT,	/* iommu_pasid_exit c                  (void) */
	TRACE_PASID_ALLOC,	/* iommu_pasid_alloc c min max priv    = id | errno */
	TRACE_PASID_FREE,	/* iommu_pasid_free c id               = errno */
	TRACE_PASID_FIND,	/* iommu_pasid_find c id               = token | null | errno */
	TRACE_PASID_FOR_EACH,	/* iommu_pasid_for_each c              = count | errno */
	/* the raw ioasid API (Linux 6.1) */
	TRACE_IOASID_ALLOC,	/* ioasid_alloc set min max priv       = id | invalid */
	TRACE_IOASID_FREE,	/* ioasid_free id                      (void) */
	TRACE_IOASID_FIND,	/* ioasid_find set id                  = token | null | errno */
	TRACE_IOASID_SET_DATA,	/* ioasid_set_data id priv             = errno */
	TRACE_SVA_ALLOC,	/* iommu_sva_alloc_pasid mm min max    = id | errno */
	/* VM level (kernel must be a VM) */
	TRACE_VM_BOOT,		/* vm_boot                             (void) */
	TRACE_VM_DESTROY,	/* vm_destroy                          (void) */
	TRACE_MMIO_WRITE,	/* mmio_write viommu off val width     (void) */
	/* importers: events were lost here */
	TRACE_GAP,		/* gap [lost] [reason]                 (void) */
	/* version 3: guest lifecycle (kernel must be a VM) */
	TRACE_VIOMMU_PLUG,	/* viommu_plug viommu                  = errno */
	TRACE_VIOMMU_UNPLUG,	/* viommu_unplug viommu                = errno */
	TRACE_ALLOCATOR_UNREGISTER,	/* ioasid_unregister_allocator viommu = errno */
	TRACE_ALLOCATOR_REGISTER,	/* ioasid_register_allocator viommu   = errno */
	/* version 3: the host's VFIO PASID calls for a VMM (kernel must be the host) */
	TRACE_VFIO_ALLOC,	/* vfio_pasid_alloc vm min max         = id | errno */
	TRACE_VFIO_FREE,	/* vfio_pasid_free vm id               = errno */
	TRACE_VFIO_FREE_RANGE,	/* vfio_pasid_free_range vm min max    = count | errno */
	TRACE_VFIO_SET_QUOTA,	/* vfio_pasid_set_quota vm quota       = errno */
	TRACE_VMM_EXIT,		/* vmm_exit vm                         (void) */
	/* version 4: a hostile guest's reads and raw virtio requests (kernel must be a VM) */
	TRACE_MMIO_READ,	/* mmio_read viommu off width          = value | errno */
	TRACE_VIRTIO_REQUEST,	/* virtio_request len val tail         = value | errno */
	/* version 4: the host (kernel must be the host) */
	TRACE_VFIO_LOOKUP,	/* vfio_pasid_lookup vm id             = errno */
	TRACE_SCHED_TIEBREAK,	/* sched_tiebreak keys                 (void) */
	TRACE_WORLD_RUN,	/* world_run                           (void) */
	TRACE_HOST_ALLOCATOR_REGISTER,	/* host_register_allocator slot     = errno */
	TRACE_HOST_ALLOCATOR_UNREGISTER,	/* host_unregister_allocator slot   = errno */
	/* version 4: the API's corners, as the api and diff_ioasid fuzzers reach them */
	TRACE_PASID_SET_OPS,	/* iommu_pasid_set_ops ops             = errno */
	TRACE_PASID_INIT_OPS,	/* iommu_pasid_init_ops c min max ops  = errno */
	TRACE_FAULT_NEXT,	/* fault_next mask                     (void) */
	TRACE_PASID_NULL_ARG,	/* iommu_pasid_null_arg c call         = errno */
	TRACE_PASID_FOR_EACH_STOP,	/* iommu_pasid_for_each_stop c stop = count | errno */
	TRACE_PASID_FOR_EACH_FREE,	/* iommu_pasid_for_each_free c      = count | errno */
	TRACE_IOASID_FIND_GETTER,	/* ioasid_find_getter set id getter = token | null | errno */
	TRACE_OP__NR,
};

enum trace_result {
	TRACE_RES_NONE,		/* no recorded result (void op, or not recorded) */
	TRACE_RES_ERRNO,	/* res_val: 0 or a negative errno */
	TRACE_RES_ID,		/* res_name: the PASID's name */
	TRACE_RES_INVALID,	/* ioasid_alloc returned INVALID_IOASID */
	TRACE_RES_TOKEN,	/* res_name: a token's name (find) */
	TRACE_RES_NULL,		/* a NULL pointer (find) */
	TRACE_RES_COUNT,	/* res_val: IDs visited (for_each) */
	TRACE_RES_VALUE,	/* res_val: a u64 read (mmio_read, virtio_request), as bits */
};

/*
 * One event. Only the fields of the event's op are meaningful; the others
 * are zero/NULL. A token argument (set, priv, mm) that is NULL in the
 * kernel is a NULL pointer here and "null" in the text.
 */
struct trace_event {
	uint64_t time;			/* virtual ns, non-decreasing */
	int kernel;			/* TRACE_HOST or a VM index */
	unsigned int cpu;
	enum trace_op op;
	const char *c;			/* consumer name */
	const char *id;			/* PASID name */
	const char *set;		/* token name or NULL */
	const char *priv;		/* token name or NULL */
	const char *mm;			/* token name or NULL */
	uint64_t min, max;		/* ID range, inclusive (u32 values) */
	unsigned int viommu;		/* mmio_write, viommu_*, ioasid_*register_allocator */
	uint64_t vm;			/* vfio_*, vmm_exit: the VM the VMM asks for (any u32) */
	uint64_t quota;			/* vfio_pasid_set_quota */
	uint64_t off, val;
	unsigned int width;		/* 4 or 8 */
	uint64_t len, tail;		/* virtio_request: bytes sent, bytes 8..11 */
	uint64_t slot;			/* host_*register_allocator: the host's allocator */
	uint64_t ops;			/* iommu_pasid_set_ops, _init_ops: vendor callbacks kind */
	uint64_t mask;			/* fault_next: allocation attempts to fail */
	uint64_t call;			/* iommu_pasid_null_arg: which call */
	uint64_t stop;			/* iommu_pasid_for_each_stop: the visit that stops it */
	uint64_t getter;		/* ioasid_find_getter: 1 true, 2 false */
	const char *keys;		/* sched_tiebreak: "K,K,..." (u64 each) */
	bool lost_known;		/* gap: number of lost events known */
	uint64_t lost;
	const char *reason;		/* gap: a name, or NULL */
	enum trace_result res;		/* recorded result */
	long long res_val;
	const char *res_name;
};

const char *trace_op_name(enum trace_op op);	/* "iommu_pasid_alloc", ... */
/* The first trace format version with @op (1, 3 for lifecycle and host ops, 4). */
unsigned int trace_op_version(enum trace_op op);
/* Which result kinds an op may record (a bit mask of 1 << enum trace_result). */
unsigned int trace_op_results(enum trace_op op);
/* Deep comparison (strings by value): true if equal. */
bool trace_event_equal(const struct trace_event *a, const struct trace_event *b);

/* "ENOSPC" for -28 etc., or NULL if not in the table. */
const char *trace_errno_name(int err);

/* ---- parser ---------------------------------------------------------------- */

struct trace_parser;

/* Parse from @f (not closed by the parser); @name is used in messages. */
struct trace_parser *trace_parser_new(FILE *f, const char *name);
/* Parse from memory (not copied: must outlive the parser). */
struct trace_parser *trace_parser_mem(const void *buf, size_t len, const char *name);
void trace_parser_free(struct trace_parser *p);

/*
 * Read the header up to and including its "events" line, into @h (which is
 * initialised first; release it with trace_header_release()). 0, or -1 with
 * trace_parser_error() set.
 */
int trace_parser_header(struct trace_parser *p, struct trace_header *h);
/* The next event: 1, 0 at the end of the trace, -1 on error. */
int trace_parser_next(struct trace_parser *p, struct trace_event *ev);
/* "file:line:col: message" of the first error, or NULL. */
const char *trace_parser_error(const struct trace_parser *p);
/* Line number of the last header line or event returned (1-based). */
unsigned long trace_parser_line(const struct trace_parser *p);
/* Counts so far: gap events seen. */
unsigned long trace_parser_gaps(const struct trace_parser *p);

/* ---- writer ---------------------------------------------------------------- */

struct trace_writer {
	FILE *f;
	const struct trace_header *h;	/* borrowed until the last event */
	uint64_t last_time;
	unsigned long events;
	int err;			/* first error (-errno), sticky */
};

/*
 * Start a trace on @f: checks and writes the header (through "events").
 * 0 or -EINVAL (a header the parser would refuse) / -EIO.
 */
int trace_writer_start(struct trace_writer *w, FILE *f, const struct trace_header *h);
/*
 * Check and write one event. -EINVAL: the parser would refuse it (a bad
 * name, a kernel or CPU outside the header's world, time going backwards, a
 * result the op cannot have); nothing is written. -EIO: the stream failed.
 */
int trace_write_event(struct trace_writer *w, const struct trace_event *ev);
/* Flush; returns the first error of the whole trace, or 0. */
int trace_writer_finish(struct trace_writer *w);

/*
 * Format one event line (no newline) into @buf without checks against a
 * header. Returns the length, or -1 if it does not fit.
 */
int trace_format_event(char *buf, size_t len, const struct trace_event *ev);

/* A valid name: 1..TRACE_MAX_NAME bytes of [A-Za-z0-9_.:/+@-], not starting with '-'. */
bool trace_name_valid(const char *s);

/*
 * A key list of sched_tiebreak: 1..TRACE_MAX_KEYS numbers (decimal or 0x,
 * u64 each) separated by single commas. Returns the count, or -1.
 */
#define TRACE_MAX_KEYS	512
int trace_keys_parse(const char *s, size_t len, uint64_t *out, size_t max);

#endif /* PASIDSIM_TRACE_H */
