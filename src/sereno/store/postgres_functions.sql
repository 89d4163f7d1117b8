-- Helper functions behind sereno.store.dialect.PostgresDialect: what DuckDB has built in and
-- PostgreSQL 15 lacks, with DuckDB's meaning (tests/store/test_dialect_contract.py checks
-- each against DuckDB). Written in PostgreSQL's dialect; created by the PostgreSQL engine
-- in every store it opens, before the migrations. {strip_from} and {strip_to} are filled in
-- from sereno.store.dialect.strip_accents_table().

-- try_cast: NULL where the cast fails. Text as DuckDB reads it: '12.5' is 13 and '1e3' is
-- 1000 for the integer types (through numeric, rounded half away from zero).
CREATE OR REPLACE FUNCTION sereno_try_bigint(s text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN s::bigint;
EXCEPTION WHEN others THEN
    BEGIN
        RETURN round(s::numeric)::bigint;
    EXCEPTION WHEN others THEN
        RETURN NULL;
    END;
END $$;

CREATE OR REPLACE FUNCTION sereno_try_bigint(x double precision) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN x::bigint;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sereno_try_integer(s text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN s::integer;
EXCEPTION WHEN others THEN
    BEGIN
        RETURN round(s::numeric)::integer;
    EXCEPTION WHEN others THEN
        RETURN NULL;
    END;
END $$;

CREATE OR REPLACE FUNCTION sereno_try_integer(x double precision) RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN x::integer;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sereno_try_smallint(s text) RETURNS smallint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN s::smallint;
EXCEPTION WHEN others THEN
    BEGIN
        RETURN round(s::numeric)::smallint;
    EXCEPTION WHEN others THEN
        RETURN NULL;
    END;
END $$;

CREATE OR REPLACE FUNCTION sereno_try_double(s text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN s::double precision;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sereno_try_boolean(s text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN s::boolean;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sereno_try_date(s text) RETURNS date
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN s::date;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sereno_try_date(x date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT x $$;

CREATE OR REPLACE FUNCTION sereno_try_timestamp(s text) RETURNS timestamp
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN s::timestamp;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

-- try_strptime with one format, given as the regular expression of its fields and their
-- strftime letters in order (sereno.store.dialect builds both from the format).
CREATE OR REPLACE FUNCTION sereno_try_timestamp(s text, pattern text, parts text)
RETURNS timestamp LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    m text[];
    y int := 1900; mo int := 1; d int := 1; h int := 0; mi int := 0; sec int := 0;
BEGIN
    m := regexp_match(s, pattern);
    IF m IS NULL THEN
        RETURN NULL;
    END IF;
    FOR i IN 1..length(parts) LOOP
        CASE substr(parts, i, 1)
            WHEN 'Y' THEN y := m[i]::int;
            WHEN 'y' THEN y := m[i]::int + CASE WHEN m[i]::int < 69 THEN 2000 ELSE 1900 END;
            WHEN 'm' THEN mo := m[i]::int;
            WHEN 'd' THEN d := m[i]::int;
            WHEN 'H' THEN h := m[i]::int;
            WHEN 'M' THEN mi := m[i]::int;
            WHEN 'S' THEN sec := m[i]::int;
        END CASE;
    END LOOP;
    IF y < 1 OR h > 23 OR mi > 59 OR sec > 59 THEN
        RETURN NULL;
    END IF;
    RETURN make_timestamp(y, mo, d, h, mi, sec);
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sereno_try_make_date(y bigint, m bigint, d bigint) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN make_date(y::integer, m::integer, d::integer);
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sereno_strip_accents(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT translate(s, '{strip_from}', '{strip_to}') $$;

-- A value as JSON text, written as DuckDB's to_json writes it.
CREATE OR REPLACE FUNCTION sereno_json_text(x anyelement) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT to_json(x)::text $$;

-- Text as DuckDB writes it: the control characters without a short escape as \u00XX in
-- upper case (PostgreSQL writes lower case); character by character only for the rare text
-- that has one.
CREATE OR REPLACE FUNCTION sereno_json_text(x text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    out text := '';
    ch text;
BEGIN
    IF x IS NULL OR x !~ '[\x01-\x1f]' THEN
        RETURN to_json(x)::text;
    END IF;
    FOREACH ch IN ARRAY regexp_split_to_array(x, '') LOOP
        IF ascii(ch) < 32 AND ascii(ch) NOT IN (8, 9, 10, 12, 13) THEN
            out := out || '\u00' || upper(lpad(to_hex(ascii(ch)), 2, '0'));
        ELSE
            out := out || substr(to_json(ch)::text, 2, length(to_json(ch)::text) - 2);
        END IF;
    END LOOP;
    RETURN '"' || out || '"';
END $$;

CREATE OR REPLACE FUNCTION sereno_string_split(s text, sep text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT string_to_array(s, sep) $$;

CREATE OR REPLACE FUNCTION sereno_list_has_any(a anyarray, b anyarray) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a && b $$;
