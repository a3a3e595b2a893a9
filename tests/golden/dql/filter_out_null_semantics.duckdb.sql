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
    NOT (
      "dt.security.risk.level" = 'LOW' OR "dt.security.risk.level" IS NULL
    ) IS TRUE
), s2 AS (
  SELECT
    "event.id",
    "dt.security.risk.level"
  FROM s1
)
SELECT
  "event.id",
  "dt.security.risk.level"
FROM s2
