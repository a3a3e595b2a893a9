WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= toDateTime64('2024-05-02 12:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-01 12:00:00.000000000', 9, 'UTC')
), s1 AS (
  SELECT
    *
  FROM s0
  WHERE
    "event.provider" = 'Microsoft Defender for Cloud'
), s2 AS (
  SELECT
    "dt.security.risk.level",
    CAST((
      toUnixTimestamp64Nano("timestamp") - 1714608000000000000
    ) / 86400000000000 AS Nullable(Int64)) AS "__bin",
    COUNT(*) AS "count()"
  FROM s1
  WHERE
    "timestamp" >= toDateTime64('2024-05-02 00:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-02 00:00:00.000000000', 9, 'UTC')
  GROUP BY
    "dt.security.risk.level",
    CAST((
      toUnixTimestamp64Nano("timestamp") - 1714608000000000000
    ) / 86400000000000 AS Nullable(Int64))
), s3 AS (
  SELECT
    k."dt.security.risk.level",
    r."__bin"
  FROM (
    SELECT DISTINCT
      "dt.security.risk.level"
    FROM s2
  ) AS k
  CROSS JOIN (
    SELECT
      number AS "__bin"
    FROM numbers(31)
  ) AS r
), s4 AS (
  SELECT
    tuple(
      "start" := toDateTime64('2024-05-02 00:00:00.000000000', 9, 'UTC'),
      "end" := toDateTime64('2024-06-02 00:00:00.000000000', 9, 'UTC')
    ) AS "timeframe",
    86400000000000 AS "interval",
    g."dt.security.risk.level",
    groupArray(COALESCE(a."count()", 0)) AS "count()"
  FROM s3 AS g
  LEFT JOIN s2 AS a
    ON g."__bin" = a."__bin"
    AND g."dt.security.risk.level" IS NOT DISTINCT FROM a."dt.security.risk.level"
  GROUP BY
    g."dt.security.risk.level"
)
SELECT
  "timeframe",
  "interval",
  "dt.security.risk.level",
  "count()"
FROM s4
