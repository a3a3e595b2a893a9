WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= toDateTime64('2024-06-01 10:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
), s1 AS (
  SELECT
    CAST((
      toUnixTimestamp64Nano("timestamp") - 1717236000000000000
    ) / 600000000000 AS Nullable(Int64)) AS "__bin",
    COUNT(*) AS "events",
    MAX("dt.security.risk.score") AS "max(dt.security.risk.score)"
  FROM s0
  WHERE
    "timestamp" >= toDateTime64('2024-06-01 10:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
  GROUP BY
    CAST((
      toUnixTimestamp64Nano("timestamp") - 1717236000000000000
    ) / 600000000000 AS Nullable(Int64))
), s2 AS (
  SELECT
    number AS "__bin"
  FROM numbers(12)
), s3 AS (
  SELECT
    tuple(
      "start" := toDateTime64('2024-06-01 10:00:00.000000000', 9, 'UTC'),
      "end" := toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
    ) AS "timeframe",
    600000000000 AS "interval",
    groupArray(COALESCE(a."events", 0)) AS "events",
    groupArray(a."max(dt.security.risk.score)") AS "max(dt.security.risk.score)"
  FROM s2 AS g
  LEFT JOIN s1 AS a
    ON g."__bin" = a."__bin"
)
SELECT
  "timeframe",
  "interval",
  "events",
  "max(dt.security.risk.score)"
FROM s3
