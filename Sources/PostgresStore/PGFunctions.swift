/// The functions the PostgreSQL filter dialect calls, with the semantics of the Database's `Tokenizer`,
/// `ValueFormats.rfc3339Nanos` and `geoDistanceMetres` (SQLite has them as Swift functions registered on
/// each connection: Database/Filters/SQLFunctions.swift). Created by `migrate()`; `CREATE OR REPLACE`, so
/// a changed body reaches existing databases on the next start.
///
/// Text is split and lower-cased under the `pg_c_utf8` collation (PostgreSQL 17+): Unicode letters and
/// digits and Unicode simple case mapping whatever the database's locale. Known differences from Swift's
/// `Character` rules: a letter followed by a combining mark (decomposed é) splits at the mark, and the
/// few characters whose full lower-case mapping has more than one code point (İ) lower-case to one.
enum PGFunctions {
    static let statements: [String] = [
        // The tokens of `v` under a property's tokenization (`field`, `whitespace`, `lowercase`, else `word`).
        #"""
        CREATE OR REPLACE FUNCTION iris_tokens(v text, tokenization text) RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
          SELECT CASE tokenization
            WHEN 'field' THEN (SELECT CASE WHEN t = '' THEN '{}'::text[] ELSE ARRAY[t] END
                               FROM (SELECT regexp_replace(v, '^\s+|\s+$', '', 'g') AS t) s)
            WHEN 'whitespace' THEN array_remove(regexp_split_to_array(v COLLATE pg_c_utf8, '\s+'), '')
            WHEN 'lowercase' THEN array_remove(regexp_split_to_array(lower(v COLLATE pg_c_utf8), '\s+'), '')
            ELSE array_remove(regexp_split_to_array(lower(v COLLATE pg_c_utf8), '[^[:alnum:]]+'), '')
          END
        $f$
        """#,
        // Weaviate's wildcard (`*` any run, `?` one character) over the whole of `v`, case-sensitively.
        #"""
        CREATE OR REPLACE FUNCTION iris_like(v text, pattern text) RETURNS boolean
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
          SELECT v ~ ('^' || replace(replace(regexp_replace(pattern, '([].+^$(){}|\\[])', '\\\1', 'g'),
                                             '*', '.*'), '?', '.') || '$')
        $f$
        """#,
        // Equal on tokenized text: every token of the query occurs in the value (no token: no match).
        #"""
        CREATE OR REPLACE FUNCTION iris_text_eq(v text, tokenization text, query text) RETURNS boolean
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
          SELECT cardinality(q) > 0 AND q <@ iris_tokens(v, tokenization)
          FROM (SELECT iris_tokens(query, tokenization) AS q) s
        $f$
        """#,
        // Like on tokenized text: some token matches (the whole value for `field`; the pattern lower-cased
        // for the lower-casing tokenizations).
        #"""
        CREATE OR REPLACE FUNCTION iris_text_like(v text, tokenization text, pattern text) RETURNS boolean
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
          SELECT CASE tokenization
            WHEN 'field' THEN iris_like(v, pattern)
            WHEN 'whitespace' THEN EXISTS (SELECT 1 FROM unnest(iris_tokens(v, tokenization)) t WHERE iris_like(t, pattern))
            ELSE EXISTS (SELECT 1 FROM unnest(iris_tokens(v, tokenization)) t
                         WHERE iris_like(t, lower(pattern COLLATE pg_c_utf8)))
          END
        $f$
        """#,
        // Great-circle distance in metres (haversine on a sphere of radius 6,371 km).
        #"""
        CREATE OR REPLACE FUNCTION iris_geo_distance(lat1 float8, lon1 float8, lat2 float8, lon2 float8) RETURNS float8
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$
          SELECT 2 * 6371000.0::float8 * atan2(sqrt(a), sqrt(greatest(0, 1 - a)))
          FROM (SELECT sin(radians(lat2 - lat1) / 2) ^ 2
                       + cos(radians(lat1)) * cos(radians(lat2)) * sin(radians(lon2 - lon1) / 2) ^ 2 AS a) s
        $f$
        """#,
        // An RFC 3339 date-time as nanoseconds since the epoch; NULL when malformed or out of int64's range.
        #"""
        CREATE OR REPLACE FUNCTION iris_date_nanos(s text) RETURNS bigint
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $f$
        DECLARE
          m text[]; y int; mo int; d int; h int; mi int; sec int; nanos bigint := 0; off int := 0;
          mdays int; yy int; era int; yoe int; mp int; doy int; doe int; total numeric;
        BEGIN
          m := regexp_match(s, '^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|([+-])([0-9]{2}):([0-9]{2}))$');
          IF m IS NULL THEN RETURN NULL; END IF;
          y := m[1]::int; mo := m[2]::int; d := m[3]::int; h := m[4]::int; mi := m[5]::int; sec := m[6]::int;
          mdays := CASE WHEN mo = 2 THEN CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END
                        WHEN mo IN (4, 6, 9, 11) THEN 30 ELSE 31 END;
          IF mo < 1 OR mo > 12 OR d < 1 OR d > mdays OR h >= 24 OR mi >= 60 OR sec >= 61 THEN RETURN NULL; END IF;
          IF m[7] IS NOT NULL THEN nanos := rpad(left(substr(m[7], 2), 9), 9, '0')::bigint; END IF;
          IF m[9] IS NOT NULL THEN
            IF m[10]::int >= 24 OR m[11]::int >= 60 THEN RETURN NULL; END IF;
            off := (CASE WHEN m[9] = '-' THEN -1 ELSE 1 END) * (m[10]::int * 3600 + m[11]::int * 60);
          END IF;
          -- Days since 1970-01-01, proleptic Gregorian (Howard Hinnant's algorithm, as ValueFormats).
          yy := CASE WHEN mo <= 2 THEN y - 1 ELSE y END;
          era := (CASE WHEN yy >= 0 THEN yy ELSE yy - 399 END) / 400;
          yoe := yy - era * 400;
          mp := (mo + 9) % 12;
          doy := (153 * mp + 2) / 5 + d - 1;
          doe := yoe * 365 + yoe / 4 - yoe / 100 + doy;
          total := ((era::numeric * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 + sec - off) * 1000000000 + nanos;
          IF total < -9223372036854775808 OR total > 9223372036854775807 THEN RETURN NULL; END IF;
          RETURN total::bigint;
        END
        $f$
        """#,
    ]
}
