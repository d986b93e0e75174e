package dev.strata.config;

import dev.strata.sql.QualifiedName;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry under {@code mirrors}: a local copy of a table on a configured server (seed 003), or of
 * every table of a schema there that the patterns select.
 *
 * @param entry the entry's key as written: a table ({@code ref.customers}) or, with {@code schema},
 *     the local schema the copies go into
 * @param server the configured server the rows come from ({@code from})
 * @param mode how the copy is kept
 * @param source which table or tables at the server
 * @param refresh how often a copy is due; empty for {@link Mode#REPLICA}, which follows every
 *     change
 * @param key the columns that identify a row; empty: the source's primary key
 * @param indexes indexes the copy gets besides the key's unique index
 * @param watermark {@link Mode#INCREMENTAL}: the column that grows with every insert or update
 * @param lookback {@link Mode#INCREMENTAL} with a time watermark: how far before the last watermark
 *     the next refresh reads again, for rows committed late by long transactions at the source
 * @param detectDeletes {@link Mode#INCREMENTAL}: whether each refresh compares keys and removes
 *     rows deleted at the source
 * @param onSchemaChange what a refresh does when the source's columns changed
 * @param timeout the bound on one refresh's statements
 */
public record MirrorConfig(
    String entry,
    String server,
    Mode mode,
    Source source,
    Optional<Duration> refresh,
    List<String> key,
    List<Index> indexes,
    Optional<String> watermark,
    Duration lookback,
    boolean detectDeletes,
    OnSchemaChange onSchemaChange,
    Duration timeout) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
  public static final Duration DEFAULT_LOOKBACK = Duration.ofMinutes(1);

  public MirrorConfig {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(refresh, "refresh");
    key = List.copyOf(key);
    indexes = List.copyOf(indexes);
    Objects.requireNonNull(watermark, "watermark");
    Objects.requireNonNull(lookback, "lookback");
    Objects.requireNonNull(onSchemaChange, "onSchemaChange");
    Objects.requireNonNull(timeout, "timeout");
  }

  /** How a mirror is kept. */
  public enum Mode {
    /** A materialized view over the proxy, refreshed concurrently when it has a unique key. */
    MATVIEW,
    /** A real table; a refresh loads the source and applies the difference in one transaction. */
    TABLE,
    /** A real table; a refresh reads only rows past the watermark and upserts them. */
    INCREMENTAL,
    /** A real table kept by PostgreSQL logical replication. */
    REPLICA;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Mode> ofLabel(String text) {
      for (Mode mode : values()) {
        if (mode.label().equals(text)) {
          return Optional.of(mode);
        }
      }
      return Optional.empty();
    }
  }

  /** What a refresh does when the source table's columns no longer match the copy's. */
  public enum OnSchemaChange {
    /** Refuse the refresh, keep the previous copy, and report the difference. */
    FAIL,
    /** Add, drop or retype the copy's columns as the source did, then refresh. */
    FOLLOW;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Which tables at the server a mirror entry copies. */
  public sealed interface Source {}

  /**
   * One table.
   *
   * @param local the copy on the coordinator
   * @param remote the table at the server
   */
  public record OneTable(QualifiedName local, QualifiedName remote) implements Source {
    public OneTable {
      Objects.requireNonNull(local, "local");
      Objects.requireNonNull(remote, "remote");
    }
  }

  /**
   * Every table of a schema at the server whose name matches an {@code include} pattern and no
   * {@code exclude} pattern ({@code *} any run of characters, {@code ?} one), copied under the same
   * name into the local schema.
   */
  public record SchemaTables(
      String localSchema, String remoteSchema, List<String> include, List<String> exclude)
      implements Source {
    public SchemaTables {
      Objects.requireNonNull(localSchema, "localSchema");
      Objects.requireNonNull(remoteSchema, "remoteSchema");
      include = List.copyOf(include);
      exclude = List.copyOf(exclude);
    }

    /** Whether a table of the remote schema is selected. */
    public boolean selects(String table) {
      boolean included = include.isEmpty() || include.stream().anyMatch(p -> matches(p, table));
      return included && exclude.stream().noneMatch(p -> matches(p, table));
    }

    static boolean matches(String pattern, String name) {
      StringBuilder regex = new StringBuilder();
      for (char c : pattern.toCharArray()) {
        if (c == '*') {
          regex.append(".*");
        } else if (c == '?') {
          regex.append('.');
        } else {
          regex.append(java.util.regex.Pattern.quote(String.valueOf(c)));
        }
      }
      return name.matches(regex.toString());
    }
  }

  /**
   * An index on the copy.
   *
   * @param columns its columns, in order
   * @param method the access method: btree, hash, gist, gin, brin or spgist
   * @param unique whether it is unique
   */
  public record Index(List<String> columns, String method, boolean unique) {
    public static final List<String> METHODS =
        List.of("btree", "hash", "gist", "gin", "brin", "spgist");

    public Index {
      columns = List.copyOf(columns);
      Objects.requireNonNull(method, "method");
      if (columns.isEmpty()) {
        throw new IllegalArgumentException("an index needs at least one column");
      }
    }
  }
}
