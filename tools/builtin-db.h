/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim db: what builtin-db.c (init, list, merge, record, check, the
 * option tables) and builtin-db-export.c (show, export) share.
 */
#ifndef PASIDSIM_BUILTIN_DB_H
#define PASIDSIM_BUILTIN_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "results.h"

#define MAX_ITEMS 256

struct db_args {
	const char *db, *command, *branch, *commit, *out, *config, *flavour, *trace;
	const char *reproducer, *coverage;
	bool json, csv, has_seed;
	uint64_t limit;
	uint64_t seed;
	const char *metric[MAX_ITEMS], *sample[MAX_ITEMS], *finding[MAX_ITEMS];
	unsigned int nmetric, nsample, nfinding;
	char **rest;
	int nrest;
};

struct results_db *db_open(const struct db_args *a, unsigned int flags);
const char *db_col(sqlite3_stmt *st, int i);
struct json;
/* One column of a row as the JSON value @key (text through the JSON writer). */
void db_json_col(struct json *j, const char *key, sqlite3_stmt *st, int i);

int db_show(struct db_args *a);
int db_export(struct db_args *a);

#endif /* PASIDSIM_BUILTIN_DB_H */
