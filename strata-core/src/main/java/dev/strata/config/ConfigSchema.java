package dev.strata.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The shape of {@code strata.yaml}: which keys exist at each level. One description serves three
 * purposes: the binder rejects unknown keys (and suggests the one meant), and the environment and
 * {@code --set} overlays find the key an {@code STRATA_TIMEOUTS__LOCK} or {@code timeouts.lock=...}
 * addresses. The values' types and rules live in {@link ConfigBinder}.
 */
final class ConfigSchema {
  /** A level of the tree. */
  sealed interface Shape {}

  /** A mapping with a fixed set of keys, in documentation order. */
  record Keys(Map<String, Shape> children) implements Shape {
    Keys {
      children = Collections.unmodifiableMap(new LinkedHashMap<>(children));
    }
  }

  /** A mapping whose keys the user chooses (server names, table names), each entry alike. */
  record Entries(Kind kind, Shape entry) implements Shape {
    enum Kind {
      SERVERS,
      TABLES,
      MIRRORS
    }

    Entries {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(entry, "entry");
    }
  }

  /**
   * A single setting, set as a whole by the environment and flags (also {@code archive_to}, whose
   * list and mapping forms are read by the binder).
   */
  record Leaf() implements Shape {}

  private static final Leaf LEAF = new Leaf();

  static final Keys CONNECTION = keys("url", LEAF, "user", LEAF, "password", LEAF);

  static final Keys MAPPING = keys("local_user", LEAF, "user", LEAF, "password", LEAF);

  static final Keys FDW = fdwKeys();

  static final Keys SERVER =
      keys("url", LEAF, "user", LEAF, "password", LEAF, "mapping", MAPPING, "fdw", FDW);

  static final Keys TIMEOUTS =
      keys("connect", LEAF, "statement", LEAF, "lock", LEAF, "idle_in_transaction", LEAF);

  static final Keys SECURITY = keys("min_sslmode", LEAF, "allow_superuser_mapping", LEAF);

  static final Keys PARTITION_BY = keys("column", LEAF, "interval", LEAF);

  static final Keys SHARD_BY = keys("column", LEAF, "method", LEAF, "shards", LEAF, "lists", LEAF);

  static final Keys TABLE =
      keys(
          "partition_by", PARTITION_BY,
          "shard_by", SHARD_BY,
          "shards_on", LEAF,
          "premake", LEAF,
          "hot", LEAF,
          "archive_to", LEAF,
          "retention", LEAF,
          "export_before_retire", LEAF,
          "decommission", LEAF,
          "archived_updatable", LEAF,
          "detached_grace", LEAF);

  static final Keys MIRROR_INDEX = keys("columns", LEAF, "using", LEAF, "unique", LEAF);

  static final Keys MIRROR =
      keys(
          "from", LEAF,
          "table", LEAF,
          "schema", LEAF,
          "include", LEAF,
          "exclude", LEAF,
          "mode", LEAF,
          "refresh", LEAF,
          "key", LEAF,
          "indexes", LEAF,
          "watermark", LEAF,
          "lookback", LEAF,
          "detect_deletes", LEAF,
          "on_schema_change", LEAF,
          "timeout", LEAF);

  static final Keys SERVE_TLS = keys("certificate", LEAF, "key", LEAF);

  static final Keys SERVE =
      keys(
          "listen", LEAF,
          "token", LEAF,
          "apply_every", LEAF,
          "apply_at", LEAF,
          "doctor_every", LEAF,
          "takeover", LEAF,
          "snapshot_every", LEAF,
          "tls", SERVE_TLS);

  static final Keys ROOT =
      keys(
          "coordinator",
          CONNECTION,
          "servers",
          new Entries(Entries.Kind.SERVERS, SERVER),
          "timeouts",
          TIMEOUTS,
          "tables",
          new Entries(Entries.Kind.TABLES, TABLE),
          "mirrors",
          new Entries(Entries.Kind.MIRRORS, MIRROR),
          "security",
          SECURITY,
          "serve",
          SERVE);

  private ConfigSchema() {}

  private static Keys keys(Object... namesAndShapes) {
    Map<String, Shape> children = new LinkedHashMap<>();
    for (int i = 0; i < namesAndShapes.length; i += 2) {
      children.put((String) namesAndShapes[i], (Shape) namesAndShapes[i + 1]);
    }
    return new Keys(children);
  }

  private static Keys fdwKeys() {
    Map<String, Shape> children = new LinkedHashMap<>();
    FdwOptions.names().forEach(name -> children.put(name, LEAF));
    return new Keys(children);
  }
}
