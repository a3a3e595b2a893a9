WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= toDateTime64('2024-06-01 10:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
), s1 AS (
  SELECT
    *,
    CASE WHEN isValidJSON("dt.raw_data") THEN CAST("dt.raw_data" AS String) END AS "raw"
  FROM s0
), s2 AS (
  SELECT
    *
  FROM s1
  WHERE
    CASE
      WHEN (
        JSONType("raw", 'a', 'b') IS NULL OR JSONType("raw", 'a', 'b') = 'Null'
      )
      OR 5 IS NULL
      THEN NULL
      WHEN JSONType("raw", 'a', 'b') IN ('Int64', 'UInt64', 'Double')
      THEN CASE
        WHEN JSONType("raw", 'a', 'b') IN ('Int64', 'UInt64', 'Double')
        THEN CAST(JSONExtractRaw("raw", 'a', 'b') AS Nullable(Float64))
      END >= 5
      ELSE FALSE
    END
), s3 AS (
  SELECT
    "event.id",
    nullIf(JSONExtractRaw("raw", 'name'), 'null') AS "name"
  FROM s2
)
SELECT
  "event.id",
  "name"
FROM s3
