package dev.strata.operation;

import dev.strata.sql.QualifiedName;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code strata attach}: attach one or more existing remote tables on one server as foreign
 * partitions of {@code parent}.
 *
 * @param parent the partitioned table on the coordinator
 * @param server the configured server holding the remote tables
 * @param remotes the remote tables and their bounds
 * @param readOnly whether the foreign tables get {@code updatable 'false'}
 */
public record AttachRequest(
    QualifiedName parent, String server, List<Remote> remotes, boolean readOnly) {
  public AttachRequest {
    Objects.requireNonNull(parent, "parent");
    Objects.requireNonNull(server, "server");
    remotes = List.copyOf(remotes);
    if (remotes.isEmpty()) {
      throw new IllegalArgumentException("nothing to attach");
    }
  }

  /**
   * @param remoteTable the table on the server
   * @param from lower bound (inclusive) as the user wrote it
   * @param to upper bound (exclusive) as the user wrote it
   * @param localName name of the foreign table on the coordinator; default: the remote table's name
   *     in the parent's schema
   */
  public record Remote(
      QualifiedName remoteTable, String from, String to, Optional<QualifiedName> localName) {
    public Remote {
      Objects.requireNonNull(remoteTable, "remoteTable");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(localName, "localName");
    }
  }
}
