--
-- The keyset_pagination.* settings before and after the library is loaded.
-- Nothing in this session has called a keyset_pagination function yet, so
-- the library is not loaded and its settings do not exist: SHOW fails, and
-- SET makes an untyped placeholder, as PostgreSQL does for any custom
-- setting of a library that is not preloaded.  A bad value set then is only
-- caught, as a WARNING, when the library loads.
--
SHOW keyset_pagination.max_cursor_length;
SET keyset_pagination.max_cursor_length = 10;
SHOW keyset_pagination.max_cursor_length;
SET keyset_pagination.no_such_setting = 1;
-- the first call loads the library: the out-of-range placeholder is dropped
-- (default kept) and the unknown name is removed, each with a WARNING
SELECT keyset_cursor_verify(NULL) IS NULL AS loaded;
SHOW keyset_pagination.max_cursor_length;
-- from now on the settings are typed and the prefix is reserved
SET keyset_pagination.max_cursor_length = 10;
SET keyset_pagination.no_such_setting = 1;
SHOW keyset_pagination.no_such_setting;
SET keyset_pagination.max_cursor_length = 64;
SHOW keyset_pagination.max_cursor_length;
SET keyset_pagination.max_cursor_age = '90s';
SHOW keyset_pagination.max_cursor_age;
RESET ALL;
SHOW keyset_pagination.max_cursor_age;
-- a valid value set before the library loads is kept when it loads
\c -
SET keyset_pagination.max_cursor_age = '2min';
SELECT keyset_cursor_verify(keyset_cursor_encode(ROW(1))) AS fresh_cursor_verifies;
SHOW keyset_pagination.max_cursor_age;
SELECT setting, unit FROM pg_settings WHERE name = 'keyset_pagination.max_cursor_age';
