-- keyset_pagination 0.1.0 -> 0.2.0 upgrade script.
-- Every SQL-surface change of 0.2.0 is made here and in
-- keyset_pagination--0.2.0.sql alike; test/sh/upgrade.sh (issue 11) checks
-- that an updated install and a fresh one have the same objects.
-- Safe under a hostile search_path: everything is schema-qualified.
\echo Use "ALTER EXTENSION keyset_pagination UPDATE TO '0.2.0'" to load this file. \quit
