/*
 * page.c
 *	  A page by the Relay Cursor Connections rules, over index seeks.
 *
 * A page is: decode and verify the cursors (before any scan), run the
 * position's ordered ranges one seek at a time until n+1 rows, stop early
 * at the other cursor's bound, probe once in the other direction for the
 * opposite flag, then mint one cursor per row.  The seeks' plans are kept
 * in the call's query entry (querycache.c).
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "port/pg_bitutils.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/plancache.h"

#include "compat.h"
#include "keyset_pagination.h"
#include "page.h"
#include "querycache.h"

/* A position in the sort key: a decoded cursor; vals NULL for none */
typedef struct KpPosition
{
	Datum	   *vals;
	bool	   *nulls;
} KpPosition;

/* One run of seeks in one direction (see kp_scan) */
typedef struct KpScan
{
	bool		backward;		/* against the sort order */
	KpPosition	pos;			/* start after it (none: at the beginning) */
	bool		inclusive;		/* start at it instead: its own row included */
	int			want;			/* rows to take */
	KpPosition	bound;			/* stop at this row (none: no bound) */
	KpPageRow  *out;			/* where rows go; NULL: only count them */
	const char *what;			/* label of its seeks in keyset_explain */
	bool		hit_bound;		/* set: a row at or beyond bound stopped it */
} KpScan;

/*
 * The plan of one seek range.  Its LIMIT is the rows wanted rounded up to a
 * power of two (the executor is asked for exactly the rows wanted, and an
 * index scan reads no further), so page sizes share plans; keyset_explain
 * gets the exact LIMIT, because EXPLAIN ANALYZE runs a plan to its end.
 * Always the generic plan: a seek's best plan does not depend on the
 * position's values, and a custom plan would be planned on every call.
 */
static KpPlan *
kp_seek_plan(KpQuery *q, const KpRange *r, const bool *posnulls, bool backward,
			 int limit, bool exact)
{
	int			ncols = q->spec->ncols;
	int			planlimit = exact ? limit : (int) Min(pg_nextpower2_32((uint32) Max(limit, 1)),
												   (uint32) PG_INT32_MAX);
	/* "%c%c%d:%s" of direction, exactness, planlimit and the range's shape */
	char	   *shape = palloc(2 + 12 + 1 + 3 * 12 + r->col + 1);
	char	   *c = shape;
	KpPlan	   *p;
	Oid		   *ptypes;
	int		   *posidx;
	int			np;
	char	   *sql;

	*c++ = backward ? 'B' : 'F';
	*c++ = exact ? 'X' : 'P';
	c += pg_ltoa(planlimit, c);
	*c++ = ':';
	kp_put_range_shape(c, r, posnulls);
	p = kp_plan_find(q, shape);
	if (p)
		return p;
	ptypes = palloc(sizeof(Oid) * (ncols + 1));
	posidx = palloc(sizeof(int) * (ncols + 1));
	sql = kp_seek_sql(q->spec, q->finfo, q->alias, q->select, r, posnulls, backward, planlimit,
					  ptypes, posidx, &np);
	return kp_plan_for(q, shape, sql, np, ptypes, posidx, CURSOR_OPT_GENERIC_PLAN, true);
}

/*
 * EXPLAIN of the very plan the cache holds (the generic plan), with
 * ANALYZE when asked: what keyset_explain() shows a DBA.
 */
static void
kp_explain_plan(KpRun *run, KpPlan *p, ParamListInfo params,
				const char *label)
{
	CachedPlan *cplan = SPI_plan_get_cached_plan(p->plan);
	PlannedStmt *stmt;
	ExplainState *es = NewExplainState();
	char	   *line;
	char	   *save;
	MemoryContext old;

	if (cplan == NULL || list_length(cplan->stmt_list) != 1)
		elog(ERROR, "could not get the cached plan of a seek");
	stmt = linitial_node(PlannedStmt, cplan->stmt_list);
	es->costs = false;
	es->analyze = run->analyze;
	es->timing = false;
	es->summary = false;
	es->format = EXPLAIN_FORMAT_TEXT;
	ExplainBeginOutput(es);
	kp_explain_one_plan(stmt, es, p->sql, params);
	ExplainEndOutput(es);
	ReleaseCachedPlan(cplan, CurrentResourceOwner);

	old = MemoryContextSwitchTo(run->outcxt);
	run->lines = lappend(run->lines, psprintf("%s", label));
	for (line = strtok_r(es->str->data, "\n", &save); line;
		 line = strtok_r(NULL, "\n", &save))
		run->lines = lappend(run->lines, psprintf("  %s", line));
	MemoryContextSwitchTo(old);
}

/*
 * Where a seek's rows go: straight from the executor into the page, with no
 * SPI tuple table in between.  Stops the executor at the other cursor.
 */
typedef struct KpSeekReceiver
{
	DestReceiver pub;
	KpRun	   *run;
	KpPlan	   *plan;			/* the seek being run */
	bool		backward;
	const Datum *bound;
	const bool *boundnulls;
	KpPageRow  *out;			/* NULL: only count */
	int			got;			/* rows taken into the page, all seeks */
	int			consumed;		/* rows this seek delivered, the bound's included */
	bool		hit_bound;
	Datum	   *key;
	bool	   *keynull;
} KpSeekReceiver;

/*
 * A row of the seek into the page: its columns placed by attnum, the key
 * pointing at them, in one allocation with the by-reference values (this
 * runs per row).  A value stored out of line is fetched now, as forming the
 * whole-row value did, so that nothing a page returns points into TOAST
 * after the seek.
 */
static void
kp_copy_row(const KpQuery *q, TupleTableSlot *slot, KpPageRow *row)
{
	int			natts = q->natts;
	int			ncols = q->spec->ncols;
	Size		valsize = MAXALIGN(sizeof(Datum) * (natts + ncols));
	Size		size = valsize + MAXALIGN(sizeof(bool) * (natts + ncols));
	char	   *mem;
	char	   *data;
	int			j;

	for (j = 0; j < q->nlive; j++)
	{
		Datum		v = slot->tts_values[j];

		if (!slot->tts_isnull[j] && !q->colbyval[j] &&
			!(q->collen[j] == -1 && VARATT_IS_EXTERNAL(DatumGetPointer(v))))
			size += MAXALIGN(datumGetSize(v, false, q->collen[j]));
	}
	mem = palloc(size);
	row->values = (Datum *) mem;
	row->key = row->values + natts;
	row->nulls = (bool *) (mem + valsize);
	row->keynull = row->nulls + natts;
	if (q->nlive < natts)
		memset(row->nulls, true, sizeof(bool) * natts);
	data = mem + MAXALIGN(valsize + sizeof(bool) * (natts + ncols));
	for (j = 0; j < q->nlive; j++)
	{
		int			a = q->colattnum[j] - 1;
		Datum		v = slot->tts_values[j];

		row->nulls[a] = slot->tts_isnull[j];
		if (slot->tts_isnull[j])
			row->values[a] = (Datum) 0;
		else if (q->colbyval[j])
			row->values[a] = v;
		else if (q->collen[j] == -1 && VARATT_IS_EXTERNAL(DatumGetPointer(v)))
			row->values[a] =
				PointerGetDatum(detoast_external_attr((struct varlena *) DatumGetPointer(v)));
		else
		{
			Size		len = datumGetSize(v, false, q->collen[j]);

			memcpy(data, DatumGetPointer(v), len);
			row->values[a] = PointerGetDatum(data);
			data += MAXALIGN(len);
		}
	}
	for (j = 0; j < ncols; j++)
	{
		int			a = q->spec->cols[j].attnum - 1;

		row->key[j] = row->values[a];
		row->keynull[j] = row->nulls[a];
	}
}

static bool
kp_seek_receive(TupleTableSlot *slot, DestReceiver *self)
{
	KpSeekReceiver *r = (KpSeekReceiver *) self;
	KpQuery    *q = r->run->q;
	int			ncols = q->spec->ncols;
	MemoryContext old;
	int			c;

	slot_getallattrs(slot);
	r->consumed++;
	for (c = 0; c < ncols; c++)
	{
		r->key[c] = slot->tts_values[q->keycol[c]];
		r->keynull[c] = slot->tts_isnull[q->keycol[c]];
	}
	if (r->bound)
	{
		int			cmp = kp_sortspec_compare(q->spec, r->key, r->keynull,
											  r->bound, r->boundnulls);

		if (r->backward ? cmp <= 0 : cmp >= 0)
		{
			r->hit_bound = true;
			return false;
		}
	}
	if (r->out == NULL)
	{
		r->got++;
		return true;
	}
	old = MemoryContextSwitchTo(r->run->outcxt);
	kp_copy_row(q, slot, &r->out[r->got++]);
	MemoryContextSwitchTo(old);
	return true;
}

/*
 * Every seek's plan and result shape are checked before its first row
 * (kp_check_seek): the plan cache has revalidated the statement by now
 */
static void
kp_seek_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	KpSeekReceiver *r = (KpSeekReceiver *) self;

	kp_check_seek(r->run->q, r->plan->plan, typeinfo);
}

static void
kp_seek_noop(DestReceiver *self)
{
}

/*
 * Runs the ranges after (or at-or-after) a position in one direction, in
 * order, until s->want rows; a row at or beyond s->bound (the other cursor)
 * stops the scan and sets s->hit_bound.  Rows are copied to the caller's
 * context.  Returns the rows taken.
 */
static int
kp_scan(KpRun *run, KpScan *s)
{
	KpQuery    *q = run->q;
	int			ncols = q->spec->ncols;
	bool		backward = s->backward;
	const Datum *pos = s->pos.vals;
	const bool *posnulls = s->pos.nulls;
	int			want = s->want;
	KpRange    *ranges = palloc(sizeof(KpRange) * (2 * ncols + 1));
	int			nranges = kp_build_ranges(q->spec, posnulls, backward, s->inclusive, ranges);
	KpSeekReceiver r;
	int			ri;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = kp_seek_receive;
	r.pub.rStartup = kp_seek_startup;
	r.pub.rShutdown = kp_seek_noop;
	r.pub.rDestroy = kp_seek_noop;
	/* SPI treats DestNone as "discard" and DestSPI as its own tuple table */
	r.pub.mydest = DestTuplestore;
	r.run = run;
	r.backward = backward;
	r.bound = s->bound.vals;
	r.boundnulls = s->bound.nulls;
	r.out = s->out;
	r.key = palloc(sizeof(Datum) * ncols);
	r.keynull = palloc(sizeof(bool) * ncols);

	for (ri = 0; ri < nranges && r.got < want && !r.hit_bound; ri++)
	{
		/* the plan's LIMIT is what this seek may still return */
		int			limit = want - r.got;
		KpPlan	   *p = kp_seek_plan(q, &ranges[ri], posnulls, backward, limit,
									 run->explain);
		SPIExecuteOptions opts;
		int			rc;

		memset(&opts, 0, sizeof(opts));
		opts.params = kp_params(run, p, pos);
		opts.read_only = true;
		opts.tcount = limit;
		opts.dest = &r.pub;
		r.plan = p;
		r.consumed = 0;
		rc = kp_spi_execute(q, p, &opts);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "seek failed: %s", SPI_result_code_string(rc));
		if (run->explain)
		{
			/*
			 * EXPLAIN ANALYZE runs a plan to its LIMIT, so explain the seek
			 * with a LIMIT of the rows it really consumed here (a window
			 * stops at the other cursor's row, which counts as read).
			 */
			KpPlan	   *ep = (r.consumed > 0 && r.consumed < limit)
				? kp_seek_plan(q, &ranges[ri], posnulls, backward, r.consumed, true) : p;

			kp_explain_plan(run, ep, kp_params(run, ep, pos),
							psprintf("seek %d: %s, %s, range %d of %d", ++run->seekno, s->what,
									 backward ? "backward" : "forward", ri + 1, nranges));
		}
	}
	s->hit_bound = r.hit_bound;
	return r.got;
}

/*
 * The context page cursors are bound to: the relation's qualified name, the
 * effective sort, the filter and its args, each length-prefixed.  A cursor
 * from any other query fails its MAC.
 */
static void
kp_page_context(KpQuery *q, ArrayType *args, KpContext *ctx)
{
	StringInfoData buf;
	Datum	   *elems = NULL;
	bool	   *enulls = NULL;
	int			n = 0;
	int			i;

	initStringInfo(&buf);
#define PUT_STR(s) \
	do { uint32 l_ = strlen(s); kp_put_le32(&buf, l_); \
		 appendBinaryStringInfo(&buf, (s), l_); } while (0)
	PUT_STR(q->spec->ctxname);
	PUT_STR(q->spec->canonical);
	if (q->filter)
	{
		appendStringInfoChar(&buf, 'F');
		PUT_STR(q->filter);
	}
	else
		appendStringInfoChar(&buf, 'N');
	if (args)
		deconstruct_array(args, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
	kp_put_le32(&buf, (uint32) n);
	for (i = 0; i < n; i++)
	{
		if (enulls[i])
			appendStringInfoChar(&buf, 'N');
		else
		{
			text	   *t = DatumGetTextPP(elems[i]);
			int32		l = VARSIZE_ANY_EXHDR(t);

			appendStringInfoChar(&buf, 'V');
			kp_put_le32(&buf, (uint32) l);
			appendBinaryStringInfo(&buf, VARDATA_ANY(t), l);
		}
	}
#undef PUT_STR
	kp_context_init(ctx, KP_DOMAIN_PAGE, buf.data, buf.len, false);
	pfree(buf.data);
}

/* Verifies a page cursor and returns its key values; any fault is 22KP1 */
static void
kp_decode_position(KpQuery *q, text *cursor, const KpContext *ctx,
				   KpPosition *pos)
{
	KpCursor	cur;
	KpCursorStatus st;
	int			ncols = q->spec->ncols;

	st = kp_cursor_open(VARDATA_ANY(cursor), VARSIZE_ANY_EXHDR(cursor), ctx, &cur);
	if (st != KP_CURSOR_OK)
		kp_cursor_raise(st);
	if (cur.nvalues != ncols)
		kp_cursor_raise(KP_CURSOR_STALE);
	pos->vals = palloc(sizeof(Datum) * ncols);
	pos->nulls = palloc(sizeof(bool) * ncols);
	if (kp_cursor_receive(&cur, ncols, q->keyio, q->keytypmods, pos->vals, pos->nulls) >= 0)
		kp_cursor_raise(KP_CURSOR_STALE);
}

/*
 * The rows of a page in scan order and both of its flags: one scan from the
 * starting cursor towards the stopping one, and at most one probe behind
 * the start.  A function of its own because this is the part of the Relay
 * algorithm that decides what "more" means in each direction; around it,
 * kp_page_run_held only opens the cursors and shapes the result.  Returns
 * the rows kept (at most count); rows has room for count + 2.
 */
static int
kp_page_rows(KpRun *run, bool forward, int count, const KpPosition *start,
			 const KpPosition *stop, KpPageRow *rows, KpPage *page)
{
	KpScan		scan;
	int			got;
	bool		more;
	bool		behind = false;

	/*
	 * The seek starts at the cursor, inclusive: while the cursor's own row
	 * still exists it comes back first, is dropped, and proves a row behind
	 * the page, so the opposite flag costs no second seek.  Only when that
	 * row is gone (deleted, or no longer matching the filter) does one
	 * bounded probe at or behind the cursor decide it.
	 */
	memset(&scan, 0, sizeof(scan));
	scan.backward = !forward;
	scan.pos = *start;
	scan.inclusive = start->vals != NULL;
	scan.want = count + (start->vals ? 2 : 1);
	scan.bound = *stop;
	scan.out = rows;
	scan.what = "page";
	got = kp_scan(run, &scan);
	if (start->vals && got > 0 &&
		kp_sortspec_compare(run->q->spec, rows[0].key, rows[0].keynull,
							start->vals, start->nulls) == 0)
	{
		behind = true;
		got--;
		memmove(rows, rows + 1, sizeof(KpPageRow) * got);
	}
	else if (start->vals)
	{
		KpScan		probe;

		memset(&probe, 0, sizeof(probe));
		probe.backward = forward;
		probe.pos = *start;
		probe.inclusive = true;
		probe.want = 1;
		probe.what = forward ? "has_previous_page probe" : "has_next_page probe";
		behind = kp_scan(run, &probe) > 0;
	}
	more = got > count || scan.hit_bound;
	page->has_next = forward ? more : behind;
	page->has_previous = forward ? behind : more;
	return Min(got, count);
}

/*
 * One page, by the Relay Cursor Connections rules.  first/after page
 * forward, last/before backward; both cursors bound a window.  The flag in
 * the paging direction comes from the n+1 probe (or from meeting the other
 * cursor); the opposite flag from one probe at or beyond the cursor we
 * started from.
 */
static void kp_page_run_held(const KpPageArgs *a, KpQuery *q, KpPage *page,
							 bool explain, bool analyze);

void
kp_page_run(const KpPageArgs *a, KpPage *page, bool explain, bool analyze)
{
	Oid			relid = kp_rowtype_relid(a->rowtype, a->fname);
	int			nargs = kp_args_count(a->args);
	KpQuery    *q;
	Relation	rel;

	memset(page, 0, sizeof(*page));

	/*
	 * Lock first: this processes pending invalidations before the cache is
	 * trusted.  And hold the relation open until the rows are taken: they
	 * come from several plans (ranges, the probe), and a function of the
	 * filter, run while a later plan is planned, could otherwise ALTER or
	 * DROP the relation between them, leaving rows of the old row format
	 * that the new descriptor misreads.  Open, such DDL fails as it does in
	 * any query reading the relation ("being used by active queries").
	 */
	rel = relation_open(relid, AccessShareLock);
	q = kp_query_get(relid, a->order_by, a->filter, nargs, true);
	PG_TRY();
	{
		kp_page_run_held(a, q, page, explain, analyze);
	}
	PG_FINALLY();
	{
		kp_query_release(q);
		relation_close(rel, NoLock);
	}
	PG_END_TRY();
}

/* The page itself, while the call holds its query entry */
static void
kp_page_run_held(const KpPageArgs *a, KpQuery *q, KpPage *page, bool explain,
				 bool analyze)
{
	KpContext	ctx;
	KpPosition	after = {NULL, NULL};
	KpPosition	before = {NULL, NULL};
	KpRun		run;
	bool		forward;
	int			count;
	int			n;
	KpPageRow  *rows;
	TimestampTz now;
	KpMinter	minter;
	int			i;

	kp_page_context(q, a->args, &ctx);

	/* every cursor is verified before anything is scanned */
	if (a->after)
		kp_decode_position(q, a->after, &ctx, &after);
	if (a->before)
		kp_decode_position(q, a->before, &ctx, &before);

	forward = a->last < 0 || a->first >= 0;
	/* the default never exceeds the limit the DBA set */
	count = forward ? (a->first >= 0 ? a->first : Min(kp_default_page_size, kp_max_page_size))
		: a->last;
	/* n+1, plus the starting cursor's own row (see below) */
	rows = palloc(sizeof(KpPageRow) * (count + 2));

	kp_run_begin(&run, q, a->args);
	run.explain = explain;
	run.analyze = analyze;

	/* forward starts at after and stops at before; backward the reverse */
	n = kp_page_rows(&run, forward, count, forward ? &after : &before,
					 forward ? &before : &after, rows, page);
	if (!forward)
	{
		/* a backward page comes back in the sort order */
		for (i = 0; i < n / 2; i++)
		{
			KpPageRow	tmp = rows[i];

			rows[i] = rows[n - 1 - i];
			rows[n - 1 - i] = tmp;
		}
	}
	else if (a->first >= 0 && a->last >= 0 && n > a->last)
	{
		/* Relay: first, then the last `last` of those */
		memmove(rows, rows + (n - a->last), sizeof(KpPageRow) * a->last);
		n = a->last;
		page->has_previous = true;
	}
	SPI_finish();

	page->nrows = n;
	page->natts = q->natts;
	page->rowtype = q->reltype;
	page->rows = rows;
	page->explain = run.lines;
	page->cursors = palloc(sizeof(text *) * Max(n, 1));
	now = GetCurrentTimestamp();
	kp_minter_init(&minter, q->spec->ncols, q->keyio, &ctx, now);
	for (i = 0; i < n; i++)
		page->cursors[i] = kp_minter_mint(&minter, rows[i].key, rows[i].keynull);
	kp_minter_end(&minter);
}


/*
 * Row i of a page as the composite value of the relation's row type (desc,
 * its descriptor), in the current memory context: for the function's node
 * column and a custom scan that returns the node.
 */
Datum
kp_page_node(const KpPage *page, int i, TupleDesc desc)
{
	if (desc->natts != page->natts)
		elog(ERROR, "row type has %d columns, the page's rows %d",
			 desc->natts, page->natts);
	return HeapTupleGetDatum(heap_form_tuple(desc, page->rows[i].values,
											 page->rows[i].nulls));
}
