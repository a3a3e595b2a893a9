"""Event storage: the EventStore protocol and its engines (DuckDB embedded; ClickHouse at scale)."""
