package dev.strata.mirror;

import dev.strata.config.MirrorConfig;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One mirror as it is kept: an entry of {@code mirrors} resolved to a single table (an entry with
 * {@code schema} resolves to one mirror per selected table).
 *
 * @param name the local copy
 * @param remote the table at the server
 * @param config the entry's settings
 */
public record Mirror(QualifiedName name, QualifiedName remote, MirrorConfig config) {
  /** The schema Strata owns for the foreign tables mirrors read through. */
  public static final String PROXY_SCHEMA = "strata_mirror";

  public Mirror {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(remote, "remote");
    Objects.requireNonNull(config, "config");
  }

  public String server() {
    return config.server();
  }

  public MirrorConfig.Mode mode() {
    return config.mode();
  }

  /**
   * The foreign table the copy is read through: {@code strata_mirror.SCHEMA__NAME} after the local
   * copy, so two mirrors of equally named tables never share one.
   */
  public QualifiedName proxy() {
    return proxyOf(name);
  }

  /** The proxy of the mirror named {@code name}, also for one no longer configured. */
  static QualifiedName proxyOf(QualifiedName name) {
    return QualifiedName.of(PROXY_SCHEMA, derivedName(name.schema() + "__" + name.name(), ""));
  }

  /**
   * A name derived from this mirror's, with {@code suffix}, cut to PostgreSQL's 63 bytes; a cut
   * name ends in a hash of the whole one, so two long names never collide.
   */
  static String derivedName(String base, String suffix) {
    String whole = base + suffix;
    if (whole.getBytes(StandardCharsets.UTF_8).length <= Identifiers.MAX_IDENTIFIER_BYTES) {
      return whole;
    }
    String hash = Integer.toHexString(whole.hashCode() | 0x10000000);
    StringBuilder cut = new StringBuilder();
    int budget = Identifiers.MAX_IDENTIFIER_BYTES - suffix.length() - hash.length() - 1;
    for (int i = 0; i < base.length(); ) {
      int codePoint = base.codePointAt(i);
      String next = new String(Character.toChars(codePoint));
      if (cut.toString().getBytes(StandardCharsets.UTF_8).length
              + next.getBytes(StandardCharsets.UTF_8).length
          > budget) {
        break;
      }
      cut.append(next);
      i += Character.charCount(codePoint);
    }
    return cut + "_" + hash + suffix;
  }

  /** How people and the commands refer to it: the local name. */
  public String display() {
    return name.display();
  }
}
