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
    "event.type" = 'DETECTION_FINDING'
), s2 AS (
  SELECT
    "dt.security.risk.level",
    COUNT(*) AS "findings"
  FROM s1
  GROUP BY
    "dt.security.risk.level"
)
SELECT
  "dt.security.risk.level",
  "findings"
FROM s2
ORDER BY
  "findings" DESC
