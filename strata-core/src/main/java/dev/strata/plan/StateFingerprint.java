package dev.strata.plan;

import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.ForeignServer;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionBound;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.Tier;
import dev.strata.catalog.UserMapping;
import dev.strata.config.ConfigRenderer;
import dev.strata.config.StrataConfig;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A digest of everything a lifecycle plan is made from, so that a saved plan can tell whether the
 * state it was made from still holds: the configuration (as {@code config show} prints it,
 * passwords masked), the coordinator's foreign servers with their options, its user mappings (their
 * options without the password, and whether one is set), every partition of each configured table
 * with its bound and tier, and the journal (its newest operation and every unfinished one).
 *
 * <p>The text it digests is kept line by line, so that two fingerprints can say what differs, not
 * only that something does.
 */
public record StateFingerprint(String digest, List<String> lines) {
  public StateFingerprint {
    lines = List.copyOf(lines);
  }

  /** Reads the state from the coordinator. */
  public static StateFingerprint read(StrataConfig config, Database coordinator) {
    List<String> lines = new ArrayList<>();
    lines.add("config " + sha256(ConfigRenderer.toYaml(config, false)));
    CatalogReader catalog = new CatalogReader(coordinator);
    for (ForeignServer server : catalog.server().foreignServers()) {
      lines.add(
          "server "
              + server.name()
              + " "
              + server.wrapper()
              + " "
              + new TreeMap<>(server.options()));
    }
    for (UserMapping mapping : catalog.server().userMappings()) {
      Map<String, String> options = new TreeMap<>(mapping.options());
      options.remove("password");
      lines.add(
          "user mapping "
              + mapping.localUser()
              + " server "
              + mapping.server()
              + " "
              + options
              + (mapping.hasPassword() ? " with password" : ""));
    }
    for (QualifiedName name : config.tables().keySet()) {
      if (catalog.findRelation(name).isEmpty()) {
        lines.add("table " + name.display() + " missing");
        continue;
      }
      PartitionedTable table = catalog.partitionedTable(name);
      lines.add("table " + name.display());
      for (Partition partition : table.partitions()) {
        lines.add(
            "partition "
                + partition.name().display()
                + " "
                + bound(partition.bound())
                + " "
                + tier(partition.tier()));
      }
    }
    boolean journal =
        coordinator
            .queryOne(
                "SELECT to_regclass('strata.operation') IS NOT NULL", row -> row.getBoolean(1))
            .orElse(false);
    if (journal) {
      lines.add(
          "journal newest "
              + coordinator
                  .queryOne(
                      "SELECT coalesce(max(id), 0) FROM strata.operation", row -> row.getLong(1))
                  .orElse(0L));
      lines.addAll(
          coordinator.query(
              "SELECT id, kind, state FROM strata.operation WHERE state NOT IN ('done', 'aborted')"
                  + " ORDER BY id",
              row ->
                  "operation " + row.getLong(1) + " " + row.getString(2) + " " + row.getString(3)));
    }
    return new StateFingerprint(sha256(String.join("\n", lines)), lines);
  }

  private static String bound(PartitionBound bound) {
    if (bound instanceof PartitionBound.Range range) {
      return range.expression();
    }
    if (bound instanceof PartitionBound.ListBound list) {
      return list.expression();
    }
    if (bound instanceof PartitionBound.Hash hash) {
      return hash.expression();
    }
    return "DEFAULT";
  }

  private static String tier(Tier tier) {
    return tier instanceof Tier.Foreign foreign
        ? "on "
            + foreign.server()
            + " as "
            + QualifiedName.of(foreign.remoteSchema(), foreign.remoteTable()).display()
            + " "
            + new TreeMap<>(foreign.options())
        : "local";
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
