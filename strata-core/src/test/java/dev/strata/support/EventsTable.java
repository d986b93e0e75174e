package dev.strata.support;

import dev.strata.catalog.CatalogReader;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.connect.Database;
import dev.strata.plan.ActionExecutor;
import dev.strata.plan.ForeignServerPlanner;
import dev.strata.sql.QualifiedName;

/**
 * The version matrix's table: {@code events}, range-partitioned by year on a {@code date}, with a
 * column of each type whose hash function differs by PostgreSQL version (boolean, date, timestamp
 * with time zone, bytea) among others that Strata hashes in the copy stream, so a move fingerprints
 * in the columns form on every version, and an index per partition.
 */
public final class EventsTable {
  public static final QualifiedName EVENTS = QualifiedName.of("public", "events");
  public static final String COLUMNS =
      "(id bigint NOT NULL, at date NOT NULL, flag boolean, stamp timestamptz, payload bytea,"
          + " amount numeric(12,2), note text, token uuid)";

  private EventsTable() {}

  /** Creates the foreign servers and user mappings of {@code config} on the coordinator. */
  public static void applyForeignServers(StrataConfig config) {
    try (Database coordinator =
        new Database(Connections.COORDINATOR, new Connections(config).coordinator())) {
      ActionExecutor.execute(
          coordinator, ForeignServerPlanner.plan(config, new CatalogReader(coordinator)), a -> {});
    }
  }

  /** {@code events} on the coordinator with one local partition of {@code rows} rows per year. */
  public static void create(TestLayout layout, int rows, int... years) {
    layout.sql(layout.main(), "CREATE TABLE events " + COLUMNS + " PARTITION BY RANGE (at)");
    for (int year : years) {
      layout.sql(
          layout.main(),
          "CREATE TABLE events_"
              + year
              + " PARTITION OF events FOR VALUES FROM ('"
              + year
              + "-01-01') TO ('"
              + (year + 1)
              + "-01-01')",
          "INSERT INTO events SELECT g, date '"
              + year
              + "-01-01' + g % 365, g % 3 = 0, timestamptz '"
              + year
              + "-01-01 00:00:00+00' + g * interval '7 minutes',"
              + " CASE WHEN g % 5 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END,"
              + " (g % 1000) * 1.25, 'note ' || g, md5('t' || g)::uuid"
              + " FROM generate_series(1, "
              + rows
              + ") g",
          "CREATE INDEX ON events_" + year + " (stamp)",
          "ANALYZE events_" + year);
    }
  }

  public static QualifiedName partition(int year) {
    return QualifiedName.of("public", "events_" + year);
  }

  /** Count and checksum of one year's rows, read through the parent (wherever they live). */
  public static String fingerprint(TestLayout layout, int year) {
    return layout.queryString(
        layout.main(),
        "SELECT count(*) || '/' || coalesce(sum(hashtextextended(e::text, 0)), 0) FROM (SELECT"
            + " id, at, flag, stamp AT TIME ZONE 'UTC', payload, amount, note, token FROM events"
            + " WHERE at >= '"
            + year
            + "-01-01' AND at < '"
            + (year + 1)
            + "-01-01') e");
  }

  /** Rows, amount and distinct tokens per year over every tier, as text. */
  public static String perYear(TestLayout layout) {
    return layout.queryString(
        layout.main(),
        "SELECT string_agg(y || ':' || n || ':' || s || ':' || t, ' ' ORDER BY y) FROM (SELECT"
            + " extract(year FROM at) y, count(*) n, sum(amount) s, count(DISTINCT token) t FROM"
            + " events GROUP BY 1) g");
  }

  /** {@code local} or the server that holds the year's partition. */
  public static String tier(TestLayout layout, int year) {
    return layout.queryString(
        layout.main(),
        "SELECT coalesce(s.srvname, 'local') FROM pg_inherits i JOIN pg_class c ON c.oid ="
            + " i.inhrelid LEFT JOIN pg_foreign_table f ON f.ftrelid = c.oid LEFT JOIN"
            + " pg_foreign_server s ON s.oid = f.ftserver WHERE i.inhparent = 'events'::regclass"
            + " AND c.relname = 'events_"
            + year
            + "'");
  }

  /** The checksum form the journal recorded for the year's last operation. */
  public static String checksumForm(TestLayout layout, int year) {
    return layout.queryString(
        layout.main(),
        "SELECT checksum_form FROM strata.operation WHERE partition_name = 'events_"
            + year
            + "' ORDER BY id DESC LIMIT 1");
  }
}
