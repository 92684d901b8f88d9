/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-band's tracepoints (tracefs: events/dm_band/): a bio held (for
 * tokens or for its group's cap), released by the worker, passed as debt;
 * a refill; a cap taking effect.  Off, each costs a patched-out branch.
 * dm-band.c defines them (CREATE_TRACE_POINTS).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dm_band

/* Read once (the events below are read several times). */
#ifndef _DM_BAND_TRACE_ONCE
#define _DM_BAND_TRACE_ONCE

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

/* A band group's name, in an event (BAND_NAME_MAX + 1). */
#define BAND_TRACE_NAME 32
/* A group, for people: its id in decimal, or "default". */
#define BAND_TRACE_GROUP 24

static inline void band_trace_group(char *buf, u64 id, bool dflt)
{
	if (dflt)
		strscpy(buf, "default", BAND_TRACE_GROUP);
	else
		snprintf(buf, BAND_TRACE_GROUP, "%llu", (unsigned long long)id);
}
#endif

#if !defined(_DM_BAND_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _DM_BAND_TRACE_H

#include <linux/bio.h>
#include <linux/tracepoint.h>

/*
 * One bio of a group: its band group, the group (its id, or the default
 * group), where and how much, read or write, and the group's bios held
 * after the event.
 */
DECLARE_EVENT_CLASS(band_bio,
	TP_PROTO(const char *bg, u64 id, bool dflt, struct bio *bio, u32 held),
	TP_ARGS(bg, id, dflt, bio, held),
	TP_STRUCT__entry(
		__array(char, bg, BAND_TRACE_NAME)
		__field(u64, id)
		__array(char, group, BAND_TRACE_GROUP)
		__field(u64, sector)
		__field(u32, bytes)
		__field(bool, write)
		__field(u32, held)
	),
	TP_fast_assign(
		strscpy(__entry->bg, bg, BAND_TRACE_NAME);
		__entry->id = id;
		band_trace_group(__entry->group, id, dflt);
		__entry->sector = bio->bi_iter.bi_sector;
		__entry->bytes = bio->bi_iter.bi_size;
		__entry->write = op_is_write(bio_op(bio));
		__entry->held = held;
	),
	TP_printk("bg=%s group=%s sector=%llu bytes=%u %s held=%u",
		  __entry->bg, __entry->group,
		  __entry->sector, __entry->bytes,
		  __entry->write ? "write" : "read", __entry->held)
);

/* Held: for tokens, or (capped) for the group's cap. */
TRACE_EVENT(band_hold,
	TP_PROTO(const char *bg, u64 id, bool dflt, struct bio *bio, u32 held,
		 bool capped),
	TP_ARGS(bg, id, dflt, bio, held, capped),
	TP_STRUCT__entry(
		__array(char, bg, BAND_TRACE_NAME)
		__field(u64, id)
		__array(char, group, BAND_TRACE_GROUP)
		__field(u64, sector)
		__field(u32, bytes)
		__field(bool, write)
		__field(u32, held)
		__field(bool, capped)
	),
	TP_fast_assign(
		strscpy(__entry->bg, bg, BAND_TRACE_NAME);
		__entry->id = id;
		band_trace_group(__entry->group, id, dflt);
		__entry->sector = bio->bi_iter.bi_sector;
		__entry->bytes = bio->bi_iter.bi_size;
		__entry->write = op_is_write(bio_op(bio));
		__entry->held = held;
		__entry->capped = capped;
	),
	TP_printk("bg=%s group=%s sector=%llu bytes=%u %s held=%u for=%s",
		  __entry->bg, __entry->group,
		  __entry->sector, __entry->bytes,
		  __entry->write ? "write" : "read", __entry->held,
		  __entry->capped ? "cap" : "tokens")
);

/* Released by the worker: its group has tokens again, or a pass. */
DEFINE_EVENT(band_bio, band_release,
	TP_PROTO(const char *bg, u64 id, bool dflt, struct bio *bio, u32 held),
	TP_ARGS(bg, id, dflt, bio, held)
);

/* Passed on its group's reservation: no tokens, charged nothing. */
DEFINE_EVENT(band_bio, band_reserve,
	TP_PROTO(const char *bg, u64 id, bool dflt, struct bio *bio, u32 held),
	TP_ARGS(bg, id, dflt, bio, held)
);

/*
 * Passed although its group had no tokens (or bios held before it): a
 * bio that may not wait, or one let go at suspend; charged as debt.
 */
DEFINE_EVENT(band_bio, band_debt,
	TP_PROTO(const char *bg, u64 id, bool dflt, struct bio *bio, u32 held),
	TP_ARGS(bg, id, dflt, bio, held)
);

/*
 * A new epoch: every group attached to the band group gets its weight's
 * share of the tokens (base: the token_base in effect, automatic or not,
 * before rounding up to whole weights).
 */
TRACE_EVENT(band_refill,
	TP_PROTO(const char *bg, u64 epoch, u32 groups, u64 total_weight,
		 u64 base),
	TP_ARGS(bg, epoch, groups, total_weight, base),
	TP_STRUCT__entry(
		__array(char, bg, BAND_TRACE_NAME)
		__field(u64, epoch)
		__field(u32, groups)
		__field(u64, total_weight)
		__field(u64, base)
	),
	TP_fast_assign(
		strscpy(__entry->bg, bg, BAND_TRACE_NAME);
		__entry->epoch = epoch;
		__entry->groups = groups;
		__entry->total_weight = total_weight;
		__entry->base = base;
	),
	TP_printk("bg=%s epoch=%llu groups=%u weight=%llu base=%llu",
		  __entry->bg, __entry->epoch, __entry->groups,
		  __entry->total_weight, __entry->base)
);

/* A cap holds a group back: its next bio may go in wait_ns. */
TRACE_EVENT(band_limit,
	TP_PROTO(const char *bg, u64 id, bool dflt, u64 wait_ns,
		 u64 limit_iops, u64 limit_bps, u64 limited),
	TP_ARGS(bg, id, dflt, wait_ns, limit_iops, limit_bps, limited),
	TP_STRUCT__entry(
		__array(char, bg, BAND_TRACE_NAME)
		__field(u64, id)
		__array(char, group, BAND_TRACE_GROUP)
		__field(u64, wait_ns)
		__field(u64, limit_iops)
		__field(u64, limit_bps)
		__field(u64, limited)
	),
	TP_fast_assign(
		strscpy(__entry->bg, bg, BAND_TRACE_NAME);
		__entry->id = id;
		band_trace_group(__entry->group, id, dflt);
		__entry->wait_ns = wait_ns;
		__entry->limit_iops = limit_iops;
		__entry->limit_bps = limit_bps;
		__entry->limited = limited;
	),
	TP_printk("bg=%s group=%s wait_ns=%llu limit_iops=%llu limit_bps=%llu limited=%llu",
		  __entry->bg, __entry->group,
		  __entry->wait_ns, __entry->limit_iops, __entry->limit_bps,
		  __entry->limited)
);

#endif /* _DM_BAND_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE dm_band_trace
#include <trace/define_trace.h>
