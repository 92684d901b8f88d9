/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bandctl: the columns of list, show and top, through libdevmapper's report
 * engine, as dmsetup and lvm2 print theirs (report.c).
 */
#ifndef BANDCTL_REPORT_H
#define BANDCTL_REPORT_H

#include <stdint.h>

#include "bandlib.h"

/* -o, -O, -S, --noheadings, --separator, --reportformat */
struct report_opts {
	const char *fields;	/* NULL: the default; "+F,..." adds to it */
	const char *sort;	/* NULL: as given */
	const char *select;	/* NULL: every row; as lvs -S takes it */
	const char *separator;	/* NULL: aligned columns, two blanks apart */
	int noheadings;
	int json;		/* --reportformat json */
};

/* One row of list. */
struct list_row {
	const char *name, *type, *policy;
	char band_group[BAND_BG_MAX + 1];
	char device[300];	/* the device below, for people */
	char lv[256];		/* VG/LV of an LVM device, else "" */
	uint64_t groups;
};

/* Why the last report failed (libdevmapper's words, one line). */
extern char report_err[256];

/* Called after each report: put the program's libdevmapper logger back. */
extern void (*report_restore)(void);

/*
 * Append the report to sb: list's rows, or the groups of a band_view,
 * those the selection picks.  EX_OK, EX_USAGE for an unknown field, sort
 * key or a wrong selection (report_err says which), EX_ERR.  -o help
 * prints the fields on stderr, -S help the selection's operators and
 * fields, and nothing more.
 */
int report_list(struct sbuf *sb, const struct report_opts *o,
		const struct list_row *rows, size_t n);
int report_view(struct sbuf *sb, const struct report_opts *o,
		const struct band_view *v);
/* The human form: aligned, with headings, not JSON (a title fits). */
int report_human(const struct report_opts *o);
/* -o help or -o ?, -S help or -S ? */
int report_help(const struct report_opts *o);

#endif
