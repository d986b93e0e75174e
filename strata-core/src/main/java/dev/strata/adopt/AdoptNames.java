package dev.strata.adopt;

import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.nio.charset.StandardCharsets;

/**
 * The names an adoption gives the objects it creates. All derive from the table's name and OID, so
 * a rerun after a crash finds the same objects, and a dry run shows the names that will be used.
 */
public final class AdoptNames {
  public static final String NEW_SUFFIX = "_strata_new";
  public static final String OLD_SUFFIX = "_strata_old";
  public static final String CAPTURE_TRIGGER = "strata_adopt_capture";
  public static final String TRUNCATE_TRIGGER = "strata_adopt_capture_truncate";

  private AdoptNames() {}

  /** {@code name + suffix}, the name shortened (by whole characters) to fit PostgreSQL's limit. */
  public static String suffixed(String name, String suffix) {
    String base = name;
    while ((base + suffix).getBytes(StandardCharsets.UTF_8).length
        > Identifiers.MAX_IDENTIFIER_BYTES) {
      base = base.substring(0, base.length() - 1);
    }
    return base + suffix;
  }

  public static QualifiedName newTable(QualifiedName table) {
    return QualifiedName.of(table.schema(), suffixed(table.name(), NEW_SUFFIX));
  }

  public static QualifiedName oldTable(QualifiedName table) {
    return QualifiedName.of(table.schema(), suffixed(table.name(), OLD_SUFFIX));
  }

  /** The change log of the table with this OID, in Strata's schema. */
  public static QualifiedName log(long tableOid) {
    return QualifiedName.of("strata", "adopt_log_" + tableOid);
  }

  public static QualifiedName captureFunction(long tableOid) {
    return QualifiedName.of("strata", "adopt_capture_" + tableOid);
  }

  public static QualifiedName truncateFunction(long tableOid) {
    return QualifiedName.of("strata", "adopt_refuse_truncate_" + tableOid);
  }
}
