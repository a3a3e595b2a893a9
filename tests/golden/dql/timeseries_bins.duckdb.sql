WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= CAST('2024-06-01 10:00:00.000000000' AS TIMESTAMP_NS)
    AND "timestamp" < CAST('2024-06-01 12:00:00.000000000' AS TIMESTAMP_NS)
), s1 AS (
  SELECT
    (
      EPOCH_NS("timestamp") - 1717236000000000000
    ) // 600000000000 AS "__bin",
    COUNT(*) AS "events",
    MAX("dt.security.risk.score") AS "max(dt.security.risk.score)"
  FROM s0
  WHERE
    "timestamp" >= CAST('2024-06-01 10:00:00.000000000' AS TIMESTAMP_NS)
    AND "timestamp" < CAST('2024-06-01 12:00:00.000000000' AS TIMESTAMP_NS)
  GROUP BY
    (
      EPOCH_NS("timestamp") - 1717236000000000000
    ) // 600000000000
), s2 AS (
  SELECT
    range AS "__bin"
  FROM RANGE(0, 12)
), s3 AS (
  SELECT
    {'start': CAST('2024-06-01 10:00:00.000000000' AS TIMESTAMP_NS), 'end': CAST('2024-06-01 12:00:00.000000000' AS TIMESTAMP_NS)} AS "timeframe",
    600000000000 AS "interval",
    ARRAY_AGG(COALESCE(a."events", 0) ORDER BY g."__bin") AS "events",
    ARRAY_AGG(a."max(dt.security.risk.score)" ORDER BY g."__bin") AS "max(dt.security.risk.score)"
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
