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
    ARG_MAX_NULL(
      {'dt.security.risk.level': "dt.security.risk.level", 'object.id': "object.id", 'component.name': "component.name", 'component.version': "component.version", 'vulnerability.id': "vulnerability.id"},
      (NOT "timestamp" IS NULL, "timestamp")
    ) AS "__row"
  FROM s1
  GROUP BY
    "object.id",
    "vulnerability.id",
    "component.name",
    "component.version"
), s3 AS (
  SELECT
    STRUCT_EXTRACT("__row", 'dt.security.risk.level') AS "dt.security.risk.level",
    STRUCT_EXTRACT("__row", 'object.id') AS "object.id",
    STRUCT_EXTRACT("__row", 'component.name') AS "component.name",
    STRUCT_EXTRACT("__row", 'component.version') AS "component.version",
    STRUCT_EXTRACT("__row", 'vulnerability.id') AS "vulnerability.id"
  FROM s2
), s4 AS (
  SELECT
    *
  FROM s3
  WHERE
    "dt.security.risk.level" = 'CRITICAL'
), s5 AS (
  SELECT
    COUNT(DISTINCT "vulnerability.id") AS "Vulnerabilities"
  FROM s4
)
SELECT
  "Vulnerabilities"
FROM s5
