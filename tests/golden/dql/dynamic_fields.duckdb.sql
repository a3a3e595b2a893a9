WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= CAST('2024-06-01 10:00:00.000000000' AS TIMESTAMP_NS)
    AND "timestamp" < CAST('2024-06-01 12:00:00.000000000' AS TIMESTAMP_NS)
), s1 AS (
  SELECT
    *
  FROM s0
  WHERE
    CASE
      WHEN (
        JSON_TYPE("__attributes", '/custom.score') IS NULL
        OR JSON_TYPE("__attributes", '/custom.score') = 'NULL'
      )
      OR 7 IS NULL
      THEN NULL
      WHEN JSON_TYPE("__attributes", '/custom.score') IN ('BIGINT', 'UBIGINT', 'DOUBLE')
      THEN CASE
        WHEN JSON_TYPE("__attributes", '/custom.score') IN ('BIGINT', 'UBIGINT', 'DOUBLE')
        THEN TRY_CAST("__attributes" -> '/custom.score' AS DOUBLE)
      END = 7
      ELSE FALSE
    END
    AND CONTAINS(
      LOWER(
        CASE
          WHEN JSON_TYPE("__attributes", '/custom.label') IN ('VARCHAR')
          THEN "__attributes" ->> '/custom.label'
        END
      ),
      LOWER('e')
    )
), s2 AS (
  SELECT
    "event.id",
    NULLIF("__attributes" -> '/custom.label', 'null') AS "custom.label"
  FROM s1
)
SELECT
  "event.id",
  "custom.label"
FROM s2
