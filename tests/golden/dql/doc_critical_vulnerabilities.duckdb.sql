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
    (
      "dt.system.bucket" = 'default_securityevents'
      AND "event.type" = 'VULNERABILITY_FINDING'
    )
    AND NOT "component.name" IS NULL
), s2 AS (
  SELECT
    ARG_MAX_NULL("dt.security.risk.level", (NOT "timestamp" IS NULL, "timestamp")) AS "dt.security.risk.level",
    "object.id",
    "component.name",
    "component.version",
    "vulnerability.id"
  FROM s1
  GROUP BY
    "object.id",
    "vulnerability.id",
    "component.name",
    "component.version"
), s3 AS (
  SELECT
    *
  FROM s2
  WHERE
    "dt.security.risk.level" = 'CRITICAL'
), s4 AS (
  SELECT
    COUNT(DISTINCT "vulnerability.id") AS "Vulnerabilities"
  FROM s3
)
SELECT
  "Vulnerabilities"
FROM s4
