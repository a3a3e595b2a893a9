WITH s0 AS (
  SELECT
    *
  FROM security_events
  WHERE
    "timestamp" >= toDateTime64('2024-05-01 00:00:00.000000000', 9, 'UTC')
    AND "timestamp" < toDateTime64('2024-06-02 00:00:00.000000000', 9, 'UTC')
), s1 AS (
  SELECT
    "event.type",
    fromUnixTimestamp64Nano(
      toUnixTimestamp64Nano("timestamp") - (
        toUnixTimestamp64Nano("timestamp") % 3600000000000
      )
    ) AS "hour",
    COUNT(*) AS "n",
    countIf(
      arrayExists("__m0" -> LOWER("__m0") LIKE 'lat%' ESCAPE '\\', "container_image.tags")
    ) AS "c",
    quantileExact(0.5)("dt.security.risk.score") AS "p",
    groupUniqArray("object.type") AS "d",
    AVG("dt.security.risk.score") AS "a",
    ROUND(SUM("dt.security.risk.score"), 1) AS "r"
  FROM s0
  GROUP BY
    "event.type",
    fromUnixTimestamp64Nano(
      toUnixTimestamp64Nano("timestamp") - (
        toUnixTimestamp64Nano("timestamp") % 3600000000000
      )
    )
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
