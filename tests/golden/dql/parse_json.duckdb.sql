WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= CAST('2024-06-01 10:00:00.000000000' AS TIMESTAMP_NS)
    AND "timestamp" < CAST('2024-06-01 12:00:00.000000000' AS TIMESTAMP_NS)
), s1 AS (
  SELECT
    *,
    CASE WHEN JSON_VALID("dt.raw_data") THEN CAST("dt.raw_data" AS JSON) END AS "raw"
  FROM s0
), s2 AS (
  SELECT
    *
  FROM s1
  WHERE
    CASE
      WHEN (
        JSON_TYPE("raw", '/a/b') IS NULL OR JSON_TYPE("raw", '/a/b') = 'NULL'
      )
      OR 5 IS NULL
      THEN NULL
      WHEN JSON_TYPE("raw", '/a/b') IN ('BIGINT', 'UBIGINT', 'DOUBLE')
      THEN CASE
        WHEN JSON_TYPE("raw", '/a/b') IN ('BIGINT', 'UBIGINT', 'DOUBLE')
        THEN TRY_CAST("raw" -> '/a/b' AS DOUBLE)
      END >= 5
      ELSE FALSE
    END
), s3 AS (
  SELECT
    "event.id",
    NULLIF("raw" -> '/name', 'null') AS "name"
  FROM s2
)
SELECT
  "event.id",
  "name"
FROM s3
