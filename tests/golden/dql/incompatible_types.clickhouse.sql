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
    CASE WHEN "event.type" IS NULL OR 5 IS NULL THEN NULL ELSE FALSE END
    OR CASE WHEN "dt.security.risk.score" IS NULL OR 'x' IS NULL THEN NULL ELSE TRUE END
), s2 AS (
  SELECT
    "event.id"
  FROM s1
)
SELECT
  "event.id"
FROM s2
