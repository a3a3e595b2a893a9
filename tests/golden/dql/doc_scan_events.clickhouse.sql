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
    "event.type" = 'VULNERABILITY_SCAN' AND "object.type" = 'CONTAINER_IMAGE'
), s2 AS (
  SELECT
    COUNT(*) AS "scanEvents"
  FROM s1
)
SELECT
  "scanEvents"
FROM s2
