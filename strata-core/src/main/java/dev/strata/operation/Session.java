package dev.strata.operation;

import dev.strata.connect.Connections;
import java.util.Objects;

/**
 * One database session a move uses: a server and a name, so that statements that must share a
 * session (a transaction, a {@code SET} and what it governs) say so, and statements that run at the
 * same time use different ones.
 *
 * <p>{@link #CONTROL} is the session on the coordinator that holds the operation's advisory lock
 * and writes the journal; {@code bulk} sessions carry a long statement timeout for copies, index
 * builds and checksums.
 *
 * @param server {@link Connections#COORDINATOR} or a configured server
 * @param name the session's name within the move, e.g. {@code control}, {@code bulk}, {@code
 *     index-2}
 * @param bulk whether it runs statements whose length grows with the table (a long statement
 *     timeout)
 */
public record Session(String server, String name, boolean bulk) {
  public static final Session CONTROL = new Session(Connections.COORDINATOR, "control", false);

  public Session {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(name, "name");
  }

  static Session of(String server, String name) {
    return new Session(server, name, false);
  }

  static Session bulk(String server, String name) {
    return new Session(server, name, true);
  }

  /** How dry runs name it: {@code archive_a}, or {@code archive_a (bulk)} for another session. */
  public String label() {
    return name.equals("control") || name.equals("main") ? server : server + " (" + name + ")";
  }
}
