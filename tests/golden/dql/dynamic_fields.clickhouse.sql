WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= toDateTime64('2024-06-01 10:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
), s1 AS (
  SELECT
    *
  FROM s0
  WHERE
    CASE
      WHEN (
        JSONType("__attributes", 'custom.score') IS NULL
        OR JSONType("__attributes", 'custom.score') = 'Null'
      )
      OR 7 IS NULL
      THEN NULL
      WHEN JSONType("__attributes", 'custom.score') IN ('Int64', 'UInt64', 'Double')
      THEN CASE
        WHEN JSONType("__attributes", 'custom.score') IN ('Int64', 'UInt64', 'Double')
        THEN CAST(JSONExtractRaw("__attributes", 'custom.score') AS Nullable(Float64))
      END = 7
      ELSE FALSE
    END
    AND POSITION(
      LOWER(
        CASE
          WHEN JSONType("__attributes", 'custom.label') IN ('String')
          THEN JSONExtractString("__attributes", 'custom.label')
        END
      ),
      LOWER('e')
    ) > 0
), s2 AS (
  SELECT
    "event.id",
    nullIf(JSONExtractRaw("__attributes", 'custom.label'), 'null') AS "custom.label"
  FROM s1
)
SELECT
  "event.id",
  "custom.label"
FROM s2
