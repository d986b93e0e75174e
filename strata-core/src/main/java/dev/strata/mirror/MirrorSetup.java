package dev.strata.mirror;

import dev.strata.config.ConnectionConfig;
import dev.strata.config.MirrorConfig;
import dev.strata.config.MirrorConfig.Mode;
import dev.strata.connect.Connections;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import dev.strata.sql.SubscriptionDdl;
import java.util.ArrayList;
import java.util.List;

/** The statements that create and drop mirrors, as {@link MirrorChange.Step}s. */
final class MirrorSetup {
  private MirrorSetup() {}

  /** The replication objects of a replica mirror: subscription, publication and slot. */
  static String replicationName(String installation, QualifiedName mirror) {
    return "strata_mirror_"
        + installation
        + "_"
        + String.format("%08x", mirror.display().hashCode());
  }

  /** The copy itself, its key and its indexes, on the coordinator. */
  static List<SqlStatement> localObject(Mirrors.Resolved resolved) {
    Mirror mirror = resolved.mirror();
    List<SqlStatement> statements = new ArrayList<>();
    statements.add(MirrorStatements.localSchema(mirror.name()));
    if (mirror.mode() == Mode.MATVIEW) {
      statements.add(MirrorStatements.createMatview(mirror, resolved.columns()));
    } else {
      statements.add(MirrorStatements.createTable(mirror, resolved.columns()));
    }
    if (!resolved.key().isEmpty()) {
      statements.add(
          mirror.mode() == Mode.MATVIEW
              ? MirrorStatements.keyIndex(mirror, resolved.key())
              : MirrorStatements.primaryKey(mirror, resolved.key()));
    }
    for (MirrorConfig.Index index : mirror.config().indexes()) {
      statements.add(MirrorStatements.createIndex(mirror, index));
    }
    statements.add(MirrorStatements.comment(mirror));
    return statements;
  }

  static List<String> indexNames(Mirror mirror) {
    return mirror.config().indexes().stream()
        .map(index -> MirrorStatements.indexName(mirror, index))
        .toList();
  }

  static List<MirrorChange.Step> create(
      Mirrors.Resolved resolved, String installation, ConnectionConfig source) {
    Mirror mirror = resolved.mirror();
    List<MirrorChange.Step> steps = new ArrayList<>();
    String replication = replicationName(installation, mirror.name());
    if (mirror.mode() == Mode.REPLICA) {
      steps.add(
          new MirrorChange.Step(
              mirror.server(),
              List.of(
                  SqlStatement.of("DROP PUBLICATION IF EXISTS " + Identifiers.quote(replication)),
                  SqlStatement.of(
                      "CREATE PUBLICATION "
                          + Identifiers.quote(replication)
                          + " FOR TABLE "
                          + mirror.remote().quoted()))));
      // Alone in its transaction: PostgreSQL refuses a logical slot after writes in the same one.
      steps.add(
          new MirrorChange.Step(
              mirror.server(),
              List.of(
                  SqlStatement.of(
                      "SELECT pg_catalog.pg_create_logical_replication_slot(?, 'pgoutput')::text"
                          + " WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots"
                          + " WHERE slot_name = ?)",
                      replication,
                      replication))));
    }
    List<SqlStatement> local = new ArrayList<>();
    local.add(MirrorStatements.proxySchema());
    local.add(MirrorStatements.dropProxy(mirror));
    local.add(MirrorStatements.createProxy(mirror, resolved.columns()));
    local.addAll(localObject(resolved));
    local.add(MirrorStatements.recordMirror(mirror, resolved.key(), indexNames(mirror)));
    steps.add(new MirrorChange.Step(Connections.COORDINATOR, local));
    if (mirror.mode() == Mode.REPLICA) {
      steps.add(
          new MirrorChange.Step(
              Connections.COORDINATOR,
              SubscriptionDdl.create(replication, source, "strata_mirror")));
    }
    return steps;
  }

  /** Everything {@link #create} made, from what the coordinator recorded. */
  static List<MirrorChange.Step> drop(MirrorState state, String installation) {
    List<MirrorChange.Step> steps = new ArrayList<>();
    String replication = replicationName(installation, state.name());
    boolean replica = state.mode().equals(Mode.REPLICA.label());
    List<SqlStatement> local = new ArrayList<>();
    if (replica) {
      String subscription = Identifiers.quote(replication);
      local.add(
          SqlStatement.of(
              "DO $strata$ BEGIN IF EXISTS (SELECT 1 FROM pg_catalog.pg_subscription WHERE subname"
                  + " = "
                  + Identifiers.literal(replication)
                  + ") THEN ALTER SUBSCRIPTION "
                  + subscription
                  + " DISABLE; ALTER SUBSCRIPTION "
                  + subscription
                  + " SET (slot_name = NONE); DROP SUBSCRIPTION "
                  + subscription
                  + "; END IF; END $strata$"));
    }
    local.add(MirrorStatements.dropLocal(state.name(), state.mode()));
    local.add(
        SqlStatement.of("DROP FOREIGN TABLE IF EXISTS " + Mirror.proxyOf(state.name()).quoted()));
    local.add(MirrorStatements.forget(state.name()));
    steps.add(new MirrorChange.Step(Connections.COORDINATOR, local));
    if (replica) {
      steps.add(
          new MirrorChange.Step(
              state.server(),
              List.of(
                  // The subscriber's walsender may hold the slot a moment after the subscription
                  // is gone: ended, then waited for (at most 10 s), then the slot dropped.
                  SqlStatement.of(
                      "DO $strata$ DECLARE waited integer := 0; BEGIN PERFORM"
                          + " pg_catalog.pg_terminate_backend(active_pid) FROM"
                          + " pg_catalog.pg_replication_slots WHERE slot_name = "
                          + Identifiers.literal(replication)
                          + " AND active_pid IS NOT NULL; WHILE EXISTS (SELECT 1 FROM"
                          + " pg_catalog.pg_replication_slots WHERE slot_name = "
                          + Identifiers.literal(replication)
                          + " AND active) AND waited < 100 LOOP PERFORM pg_catalog.pg_sleep(0.1);"
                          + " waited := waited + 1; END LOOP; PERFORM"
                          + " pg_catalog.pg_drop_replication_slot(slot_name) FROM"
                          + " pg_catalog.pg_replication_slots WHERE slot_name = "
                          + Identifiers.literal(replication)
                          + "; END $strata$"),
                  SqlStatement.of(
                      "DROP PUBLICATION IF EXISTS " + Identifiers.quote(replication)))));
    }
    return steps;
  }
}
