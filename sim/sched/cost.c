// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: default cost model (docs/cost-model.md gives the source of
 * every figure; most are estimates and are marked as such there).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sim/cost.h>

const struct sim_cost_model sim_cost_default = {
	.version = SIM_COST_MODEL_VERSION,
	.vm_exit_ns = 600,
	.vm_entry_ns = 400,
	.vmm_handle_ns = 3000,
	.host_call_ns = 800,
	.lock_handoff_ns = 80,
	.cs_hold_ns = 20,
	.poll_ns = 100,
	.mmio_ns = 150,
	.op_ns = 100,
	.quantum_ns = 3000000,
	.host_switch_ns = 2000,
};

static const struct {
	const char *n;
	size_t off;
} f[] = {
#define F(x) { #x, offsetof(struct sim_cost_model, x) }
	F(vm_exit_ns), F(vm_entry_ns), F(vmm_handle_ns), F(host_call_ns),
	F(lock_handoff_ns), F(cs_hold_ns), F(poll_ns), F(mmio_ns), F(op_ns),
	F(cs_exp_ns), F(think_exp_ns), F(quantum_ns), F(host_switch_ns), F(bounce_ns),
#undef F
};

u64 *sim_cost_field(struct sim_cost_model *c, const char *name)
{
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!strcmp(f[i].n, name))
			return (u64 *)((char *)c + f[i].off);
	return NULL;
}

int sim_cost_override(struct sim_cost_model *c, const char *spec, char *name, size_t nlen,
		      char *err, size_t errlen)
{
	char buf[256], *save = NULL, *tok;

	if (!spec || !*spec)
		return 0;
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "--cost: too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		unsigned long long v;
		size_t i, l;

		if (!eq) {
			snprintf(err, errlen, "--cost: expected field=ns, got '%s'", tok);
			return -1;
		}
		*eq = '\0';
		for (i = 0; i < sizeof(f) / sizeof(f[0]) && strcmp(f[i].n, tok); i++)
			;
		errno = 0;
		v = strtoull(eq + 1, &end, 10);
		if (i == sizeof(f) / sizeof(f[0]) || errno || *end || !eq[1] || eq[1] == '-') {
			snprintf(err, errlen, "--cost: unknown field or bad value '%s=%s' "
				 "(fields: vm_exit_ns vm_entry_ns vmm_handle_ns host_call_ns "
				 "lock_handoff_ns cs_hold_ns poll_ns mmio_ns op_ns cs_exp_ns "
				 "think_exp_ns quantum_ns host_switch_ns bounce_ns)", tok, eq + 1);
			return -1;
		}
		*(u64 *)((char *)c + f[i].off) = v;
		l = strlen(name);
		snprintf(name + l, nlen - l, "+%s=%llu", tok, v);
	}
	return 0;
}

u64 sim_bounce_touch(struct sim_bounce *b, const void *inst, unsigned int cpu, u64 now,
		     u64 ns)
{
	struct sim_bounce_ent e;
	size_t i;

	/* A world has one instance per VM and the host's: a short linear search. */
	for (i = 0; i < b->n && b->ent[i].inst != inst; i++)
		;
	if (i == b->n) {
		if (b->n == b->cap) {
			size_t cap = b->cap ? 2 * b->cap : 8;
			struct sim_bounce_ent *n = realloc(b->ent, cap * sizeof(*n));

			if (!n)
				abort();
			b->ent = n;
			b->cap = cap;
		}
		b->ent[b->n++] = (struct sim_bounce_ent){ inst, cpu, now };
		return 0;
	}
	e = b->ent[i];
	/* Move to front: the busiest instances stay first. */
	memmove(&b->ent[1], &b->ent[0], i * sizeof(b->ent[0]));
	if (e.cpu == cpu) {
		b->ent[0] = e;
		return 0;
	}
	/* One transfer at a time: wait for the previous one to end. */
	e.cpu = cpu;
	e.free_at = (e.free_at > now ? e.free_at : now) + ns;
	b->ent[0] = e;
	return e.free_at - now;
}

void sim_bounce_free(struct sim_bounce *b)
{
	free(b->ent);
	*b = (struct sim_bounce){ 0 };
}
