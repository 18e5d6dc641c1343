/*
 * keys.c
 *	  Signing keys for cursors.
 *
 * The keys live in @extschema@.keyset_signing_key, which only its owner can
 * read.  Backends read it directly (not through SQL), so an ordinary role can
 * mint and verify cursors without being able to see a key.  The table is
 * read once per backend; a statement trigger on it sends a relcache
 * invalidation on every change, which reaches every backend, hot standbys
 * included (invalidations travel in the commit record).
 * Copyright (c) 2026, The keyset_pagination contributors
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/genam.h"
#include "access/table.h"
#include "access/stratnum.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/indexing.h"
#include "utils/fmgroids.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "keys.h"
#include "keyset_pagination.h"

PG_FUNCTION_INFO_V1(keyset_new_secret);
PG_FUNCTION_INFO_V1(keyset_rotate_key);
PG_FUNCTION_INFO_V1(keyset_retire_keys);
PG_FUNCTION_INFO_V1(keyset_keys_trigger);

/* the key table's columns, found by name (kp_key_attnum) */
#define KP_KEY_COL_ID		"key_id"
#define KP_KEY_COL_SECRET	"secret"
#define KP_KEY_COL_ORIGIN	"origin"

static KpKey *key_cache = NULL;
static int	key_count = 0;
static bool key_cache_valid = false;
static Oid	key_table_oid = InvalidOid;
static Oid	ext_schema_oid = InvalidOid;

/* Forget the cache when the key table (or everything) is invalidated */
static void
kp_keys_relcache_cb(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == key_table_oid)
	{
		key_cache_valid = false;
		ext_schema_oid = InvalidOid;
	}
}

void
kp_keys_init(void)
{
	CacheRegisterRelcacheCallback(kp_keys_relcache_cb, (Datum) 0);
}

/*
 * The extension's schema, looked up once per cache lifetime.  A scan of
 * pg_extension by name: get_extension_schema() is not exported before 16.
 * A heap scan, not the name index: pg_extension holds one row per installed
 * extension, and in a new backend opening the index would build its relcache
 * entry first (about 95,000 instructions and a few page faults of the first
 * call, issue 15; the heap scan costs about 5,000).  The name is still
 * matched by the scan key, so the result is the same.
 */
static Oid
kp_extension_schema(void)
{
	if (!OidIsValid(ext_schema_oid))
	{
		Relation	rel;
		SysScanDesc scan;
		ScanKeyData key;
		HeapTuple	tup;

		ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
					F_NAMEEQ, CStringGetDatum(KP_EXTENSION_NAME));
		rel = table_open(ExtensionRelationId, AccessShareLock);
		scan = systable_beginscan(rel, ExtensionNameIndexId, false, NULL, 1, &key);
		tup = systable_getnext(scan);
		if (HeapTupleIsValid(tup))
			ext_schema_oid = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
		if (!OidIsValid(ext_schema_oid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("extension \"%s\" is not installed in this database",
							KP_EXTENSION_NAME)));
	}
	return ext_schema_oid;
}

/*
 * The attribute number of a key table column, by name and type.  Columns
 * are not addressed by position: an upgrade script may add, drop or rebuild
 * columns of the table, and a 0.1.0 schema is served by the same library as
 * a newer one.  A missing or retyped column is a clean error, never a read
 * of the wrong bytes.
 */
static AttrNumber
kp_key_attnum(Relation rel, const char *name, Oid typid)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), name) != 0)
			continue;
		if (att->atttypid != typid)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("column \"%s\" of the keyset_pagination signing key table has type %s, expected %s",
							name, format_type_be(att->atttypid), format_type_be(typid)),
					 errhint("Update the extension with ALTER EXTENSION keyset_pagination UPDATE, or reinstall it.")));
		return att->attnum;
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("keyset_pagination signing key table has no column \"%s\"", name),
			 errhint("Update the extension with ALTER EXTENSION keyset_pagination UPDATE, or reinstall it.")));
	return InvalidAttrNumber;	/* keep compiler quiet */
}

/*
 * Reads every key into TopMemoryContext.  A catalog-style scan, without a
 * privilege check: that is the point, the caller may not read the table.
 */
static void
kp_keys_load(void)
{
	Oid			relid;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	int			cap = 4;
	int			n = 0;
	KpKey	   *keys;
	AttrNumber	anum_id;
	AttrNumber	anum_secret;

	ext_schema_oid = InvalidOid;
	relid = get_relname_relid(KP_KEY_TABLE, kp_extension_schema());
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("keyset_pagination signing key table is missing"),
				 errhint("Reinstall the extension with DROP EXTENSION and CREATE EXTENSION.")));
	key_table_oid = relid;

	rel = table_open(relid, AccessShareLock);
	anum_id = kp_key_attnum(rel, KP_KEY_COL_ID, INT4OID);
	anum_secret = kp_key_attnum(rel, KP_KEY_COL_SECRET, BYTEAOID);
	keys = MemoryContextAllocZero(TopMemoryContext, sizeof(KpKey) * cap);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		id = heap_getattr(tup, anum_id, RelationGetDescr(rel), &isnull);
		Datum		secret;

		if (isnull)
			continue;
		if (n == cap)
		{
			cap *= 2;
			keys = repalloc(keys, sizeof(KpKey) * cap);
		}
		memset(&keys[n], 0, sizeof(KpKey));
		keys[n].id = (uint32) DatumGetInt32(id);
		secret = heap_getattr(tup, anum_secret, RelationGetDescr(rel), &isnull);
		if (isnull)
			keys[n].retired = true;
		else
		{
			bytea	   *b = DatumGetByteaPP(secret);

			if (VARSIZE_ANY_EXHDR(b) != KP_KEY_BYTES)
				elog(ERROR, "signing key %u has the wrong length", keys[n].id);
			kp_mac_key_init(&keys[n].mac, (const uint8 *) VARDATA_ANY(b),
							KP_KEY_BYTES);
			if ((Pointer) b != DatumGetPointer(secret))
			{
				explicit_bzero(VARDATA_ANY(b), KP_KEY_BYTES);
				pfree(b);
			}
		}
		n++;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (key_cache)
	{
		explicit_bzero(key_cache, sizeof(KpKey) * key_count);
		pfree(key_cache);
	}
	key_cache = keys;
	key_count = n;
	key_cache_valid = true;
}

static inline void
kp_keys_ensure(void)
{
	if (!key_cache_valid)
		kp_keys_load();
}

/* The newest live key signs */
const KpKey *
kp_keys_signing(void)
{
	const KpKey *best = NULL;
	int			i;

	kp_keys_ensure();
	for (i = 0; i < key_count; i++)
		if (!key_cache[i].retired && (best == NULL || key_cache[i].id > best->id))
			best = &key_cache[i];
	if (best == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("keyset_pagination has no live signing key"),
				 errhint("A superuser can create one with keyset_rotate_key().")));
	return best;
}

/* Any kept key verifies; retired ones are reported as such */
const KpKey *
kp_keys_find(uint32 id)
{
	int			i;

	kp_keys_ensure();
	for (i = 0; i < key_count; i++)
		if (key_cache[i].id == id)
			return &key_cache[i];
	return NULL;
}

/*
 * 256 random bits from the server's strong random source, for the install
 * script and for rotation.  Not executable by PUBLIC.
 */
Datum
keyset_new_secret(PG_FUNCTION_ARGS)
{
	bytea	   *result = (bytea *) palloc(VARHDRSZ + KP_KEY_BYTES);

	if (!pg_strong_random(VARDATA(result), KP_KEY_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random signing key")));
	SET_VARSIZE(result, VARHDRSZ + KP_KEY_BYTES);
	PG_RETURN_BYTEA_P(result);
}

/* "schema"."keyset_signing_key", safe to put in SQL text */
static char *
kp_key_table_name(void)
{
	return quote_qualified_identifier(get_namespace_name(kp_extension_schema()),
									  KP_KEY_TABLE);
}

/*
 * Adds a key that signs from now on; older keys keep verifying.  Runs as the
 * caller, so only roles allowed to write the key table can rotate.
 */
Datum
keyset_rotate_key(PG_FUNCTION_ARGS)
{
	char	   *sql;
	Datum		secret = DirectFunctionCall1(keyset_new_secret, (Datum) 0);
	Oid			argtypes[1] = {BYTEAOID};
	Datum		args[1];
	bool		isnull;
	int32		newid;

	args[0] = secret;
	sql = psprintf("INSERT INTO %s (secret, origin) VALUES ($1, 'rotate') RETURNING key_id",
				   kp_key_table_name());
	SPI_connect();
	/* no row limit: a limit would stop the executor before the AFTER
	 * STATEMENT trigger that tells every backend about the new key */
	if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, false, 0) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "could not insert signing key");
	newid = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	explicit_bzero(VARDATA(DatumGetPointer(secret)), KP_KEY_BYTES);
	PG_RETURN_INT32(newid);
}

/*
 * Retires all live keys but the newest `keep`: their secrets are destroyed,
 * so cursors they signed are refused ("retired key") from then on.
 */
Datum
keyset_retire_keys(PG_FUNCTION_ARGS)
{
	int32		keep = PG_GETARG_INT32(0);
	char	   *sql;
	Oid			argtypes[1] = {INT4OID};
	Datum		args[1];
	char	   *tbl = kp_key_table_name();
	uint64		n;

	if (keep < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keyset_retire_keys: keep must be at least 1"),
				 errdetail("The newest key must stay live to sign new cursors.")));
	args[0] = Int32GetDatum(keep);
	sql = psprintf("UPDATE %s SET secret = NULL, retired_at = pg_catalog.now() "
				   "WHERE secret IS NOT NULL AND key_id OPERATOR(pg_catalog.<) ALL "
				   "(SELECT key_id FROM %s WHERE secret IS NOT NULL "
				   "ORDER BY key_id DESC LIMIT $1)", tbl, tbl);
	SPI_connect();
	if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not retire signing keys");
	n = SPI_processed;
	SPI_finish();
	PG_RETURN_INT32((int32) n);
}

/*
 * Trigger on the key table.  FOR EACH ROW BEFORE INSERT: a restored key
 * (pg_dump's copy of the table) replaces the fresh key that CREATE EXTENSION
 * made during the restore, so cursors survive dump/restore.  FOR EACH
 * STATEMENT AFTER: tell every backend to reload its key cache.
 */
Datum
keyset_keys_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "keyset_keys_trigger: not called by trigger manager");

	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) &&
		TRIGGER_FIRED_BEFORE(trigdata->tg_event) &&
		TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		HeapTuple	newtup = trigdata->tg_trigtuple;
		TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
		bool		id_null;
		bool		isnull;
		Datum		id = heap_getattr(newtup,
									  kp_key_attnum(trigdata->tg_relation, KP_KEY_COL_ID, INT4OID),
									  desc, &id_null);
		Datum		origin = heap_getattr(newtup,
										  kp_key_attnum(trigdata->tg_relation, KP_KEY_COL_ORIGIN, TEXTOID),
										  desc, &isnull);

		if (!id_null && !isnull && strcmp(TextDatumGetCString(origin), "install") == 0)
		{
			Oid			argtypes[1] = {INT4OID};
			Datum		args[1];
			char	   *sql;

			args[0] = id;
			sql = psprintf("DELETE FROM %s WHERE key_id OPERATOR(pg_catalog.=) $1 "
						   "AND origin OPERATOR(pg_catalog.=) 'install'",
						   quote_qualified_identifier(get_namespace_name(RelationGetNamespace(trigdata->tg_relation)),
													  RelationGetRelationName(trigdata->tg_relation)));
			SPI_connect();
			if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
				elog(ERROR, "could not replace install key");
			SPI_finish();
		}
		return PointerGetDatum(newtup);
	}

	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
