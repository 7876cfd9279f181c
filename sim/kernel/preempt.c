// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: preemption and IRQ state, might_sleep(), the
 * scheduler's polling and delay hooks, and refcount warnings, per task
 * (struct sim_task; the locks that raise the preemption depth are lock.c's).
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/processor.h>
#include <linux/refcount.h>

#include "internal.h"

/* The file name of @file, without directories. */
static const char *base_name(const char *file)
{
	const char *s;

	if (!file)
		return "?";
	s = strrchr(file, '/');
	return s ? s + 1 : file;
}

/* ---- hooks for the scheduler ------------------------------------------------ */

void __sim_cpu_relax(void)
{
	struct sim_task *t = task_current();

	if (t->hooks && t->hooks->relax)
		t->hooks->relax(t->hooks_arg);
	else
		sched_yield();
}

void __sim_delay_ns(u64 ns)
{
	struct sim_task *t = task_current();

	/* In the world the CPU's virtual clock advances by @ns. */
	if (t->hooks && t->hooks->delay)
		t->hooks->delay(t->hooks_arg, ns);
	else if (ns)
		sched_yield();	/* threads mode: let polling loops progress */
}

void cond_resched(void)
{
}

/* ---- preemption, IRQs, sleeping --------------------------------------------------------- */

void preempt_disable(void)
{
	task_current()->preempt_count++;
}

void preempt_enable(void)
{
	struct sim_task *t = task_current();

	if (!t->preempt_count) {
		sim_finding_add(NULL, SIM_FINDING_LOCKDEP, NULL, 0,
				"preempt_enable() without preempt_disable()");
		return;
	}
	t->preempt_count--;
}

unsigned int preempt_count(void)
{
	struct sim_task *t = task_current();

	return t->preempt_count + t->irq_disabled;
}

bool in_atomic(void)
{
	return preempt_count() != 0;
}

unsigned long __sim_local_irq_save(void)
{
	struct sim_task *t = task_current();

	return t->irq_disabled++;
}

void local_irq_restore(unsigned long flags)
{
	task_current()->irq_disabled = (unsigned int)flags;
}

void local_irq_disable(void)
{
	struct sim_task *t = task_current();

	if (!t->irq_disabled)
		t->irq_disabled = 1;
}

void local_irq_enable(void)
{
	task_current()->irq_disabled = 0;
}

bool irqs_disabled(void)
{
	return task_current()->irq_disabled != 0;
}

void __might_sleep(const char *file, int line)
{
	struct sim_task *t = task_current();
	unsigned int rcu = __atomic_load_n(&t->rcu_nesting, __ATOMIC_RELAXED);
	char last[96];

	if (!t->preempt_count && !t->irq_disabled && !rcu)
		return;
	last[0] = '\0';
	if (t->nheld) {
		const struct sim_held_lock *h = &t->held[t->nheld - 1];

		snprintf(last, sizeof(last), "; last lock taken at %s:%d",
			 base_name(h->file), h->line);
	}
	sim_finding_add(NULL, SIM_FINDING_ATOMIC_SLEEP, file, line,
			"sleeping function called from invalid context at %s:%d: "
			"preempt_count=%u irqs_disabled=%u rcu_read_lock=%u%s",
			base_name(file), line, t->preempt_count, t->irq_disabled, rcu, last);
}

/* ---- refcount_t ------------------------------------------------------------------------- */

void refcount_warn_saturate(refcount_t *r, enum refcount_saturation_type t)
{
	atomic_set(&r->refs, REFCOUNT_SATURATED);
	switch (t) {
	case REFCOUNT_ADD_NOT_ZERO_OVF:
	case REFCOUNT_ADD_OVF:
		WARN(1, "refcount_t: saturated; leaking memory.\n");
		break;
	case REFCOUNT_ADD_UAF:
		WARN(1, "refcount_t: addition on 0; use-after-free.\n");
		break;
	case REFCOUNT_SUB_UAF:
		WARN(1, "refcount_t: underflow; use-after-free.\n");
		break;
	case REFCOUNT_DEC_LEAK:
		WARN(1, "refcount_t: decrement hit 0; leaking memory.\n");
		break;
	}
}
