WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= CAST('2024-05-01 00:00:00.000000000' AS TIMESTAMP_NS)
    AND "timestamp" < CAST('2024-06-02 00:00:00.000000000' AS TIMESTAMP_NS)
), s1 AS (
  SELECT
    "event.type",
    MAKE_TIMESTAMP_NS(EPOCH_NS("timestamp") - (
      EPOCH_NS("timestamp") % 3600000000000
    )) AS "hour",
    COUNT(*) AS "n",
    COUNT(*) FILTER(WHERE
      LIST_BOOL_OR(
        LIST_TRANSFORM("container_image.tags", LAMBDA "__m0" : LOWER("__m0") LIKE 'lat%' ESCAPE '\')
      )) AS "c",
    QUANTILE_CONT("dt.security.risk.score", 0.5) AS "p",
    COALESCE(ARRAY_AGG(DISTINCT "object.type") FILTER(WHERE
      NOT "object.type" IS NULL), []) AS "d",
    AVG("dt.security.risk.score") AS "a",
    ROUND(SUM("dt.security.risk.score"), 1) AS "r"
  FROM s0
  GROUP BY
    "event.type",
    MAKE_TIMESTAMP_NS(EPOCH_NS("timestamp") - (
      EPOCH_NS("timestamp") % 3600000000000
    ))
)
SELECT
  "event.type",
  "hour",
  "n",
  "c",
  "p",
  "d",
  "a",
  "r"
FROM s1
