package dev.strata.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A server URL as the config writes it: {@code
 * postgresql://[user@]host[:port][,host[:port]...]/database[?k=v&...]} (also {@code postgres://}
 * and {@code jdbc:postgresql://}). Several hosts, each with its own optional port, are libpq's
 * multi-host form: one server with standbys, of which the client picks the first host that accepts
 * a connection and satisfies {@code target_session_attrs} (docs/configuration.md, "Servers with
 * standbys").
 *
 * <p>A password in the URL is refused, whatever its value: URLs are printed, logged and shown by
 * {@code config show}, so a password there would leak. The config has {@code password: ${env:NAME}}
 * for that. Parsing messages therefore never repeat the URL text.
 *
 * @param hosts the hosts in written order, at least one
 * @param database database name, percent-decoded
 * @param parameters the query parameters, percent-decoded, in written order
 * @param user the user written before {@code @} (or as {@code ?user=}), if any
 */
record ConnectionUrl(
    List<HostAndPort> hosts,
    String database,
    Map<String, String> parameters,
    Optional<String> user) {

  /**
   * Query parameters Strata passes to its own connections; anything else is a typo or unsupported.
   */
  static final List<String> ALLOWED_PARAMETERS =
      List.of(
          "sslmode",
          "sslrootcert",
          "sslcert",
          "sslkey",
          "application_name",
          "target_session_attrs");

  static final int DEFAULT_PORT = 5432;

  /**
   * libpq's {@code target_session_attrs} values (PostgreSQL 14+); {@code read-write} is what a
   * server with standbys needs, since Strata writes there.
   */
  static final List<String> TARGET_SESSION_ATTRS =
      List.of("any", "read-write", "read-only", "primary", "standby", "prefer-standby");

  private static final List<String> SCHEMES =
      List.of("jdbc:postgresql://", "postgresql://", "postgres://");

  private static final String EXAMPLE = "postgresql://host:5432/database";

  /** One thing wrong with a URL; the message never contains the URL itself. */
  record UrlProblem(String message, Optional<String> suggestion) {
    static UrlProblem of(String message) {
      return new UrlProblem(message, Optional.empty());
    }
  }

  /** The parsed URL, present only when {@code problems} is empty. */
  record Parsed(Optional<ConnectionUrl> url, List<UrlProblem> problems) {}

  ConnectionUrl {
    hosts = List.copyOf(hosts);
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }

  static Parsed parse(String text) {
    List<UrlProblem> problems = new ArrayList<>();
    String rest = null;
    for (String scheme : SCHEMES) {
      if (text.regionMatches(true, 0, scheme, 0, scheme.length())) {
        rest = text.substring(scheme.length());
        break;
      }
    }
    if (rest == null) {
      return failed(
          UrlProblem.of("is not a PostgreSQL URL; write it as " + EXAMPLE + " (or postgres://)"));
    }
    int queryStart = rest.indexOf('?');
    String query = queryStart < 0 ? "" : rest.substring(queryStart + 1);
    String beforeQuery = queryStart < 0 ? rest : rest.substring(0, queryStart);
    int slash = beforeQuery.indexOf('/');
    String authority = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
    String path = slash < 0 ? "" : beforeQuery.substring(slash + 1);

    Optional<String> user = Optional.empty();
    int at = authority.lastIndexOf('@');
    String hostAndPort = authority.substring(at + 1);
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        problems.add(passwordInUrl());
      }
      String userText = colon >= 0 ? userInfo.substring(0, colon) : userInfo;
      if (!userText.isEmpty()) {
        user = decode(userText, "the user", problems);
      }
    }

    List<HostAndPort> hosts = new ArrayList<>();
    for (String hostText : hostAndPort.split(",", -1)) {
      hostAndPort(hostText, hosts.isEmpty() && !hostAndPort.contains(","), problems)
          .ifPresent(
              parsed -> {
                if (hosts.contains(parsed)) {
                  problems.add(
                      UrlProblem.of(
                          "names host " + parsed.display() + " twice; give each host once"));
                }
                hosts.add(parsed);
              });
    }

    Optional<String> database =
        path.isEmpty() ? Optional.empty() : decode(path, "the database", problems);
    if (path.isEmpty()) {
      problems.add(UrlProblem.of("has no database; write it after the host, as in " + EXAMPLE));
    } else if (database.isPresent() && database.get().contains("/")) {
      problems.add(UrlProblem.of("has a \"/\" in its database name; encode it as %2F"));
    }

    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name =
          decode(equals < 0 ? pair : pair.substring(0, equals), "a parameter", problems).orElse("");
      if (name.equalsIgnoreCase("password")) {
        problems.add(passwordInUrl());
        continue;
      }
      String value =
          equals < 0 ? "" : decode(pair.substring(equals + 1), "a parameter", problems).orElse("");
      if (name.equalsIgnoreCase("user")) {
        if (user.isEmpty() && !value.isEmpty()) {
          user = Optional.of(value);
        }
        continue;
      }
      if (!ALLOWED_PARAMETERS.contains(name)) {
        problems.add(
            new UrlProblem(
                "has parameter \""
                    + name
                    + "\", which Strata does not support; supported: "
                    + String.join(", ", ALLOWED_PARAMETERS),
                Suggestions.closest(name, ALLOWED_PARAMETERS)));
        continue;
      }
      if (name.equals("target_session_attrs") && !TARGET_SESSION_ATTRS.contains(value)) {
        problems.add(
            new UrlProblem(
                "has target_session_attrs=\""
                    + value
                    + "\"; target_session_attrs is one of "
                    + String.join(", ", TARGET_SESSION_ATTRS),
                Suggestions.closest(value, TARGET_SESSION_ATTRS)));
        continue;
      }
      if (name.equals("sslmode") && !FdwOptions.SSL_MODES.contains(value)) {
        problems.add(
            new UrlProblem(
                "has sslmode=\""
                    + value
                    + "\"; sslmode is one of "
                    + String.join(", ", FdwOptions.SSL_MODES),
                Suggestions.closest(value, FdwOptions.SSL_MODES)));
        continue;
      }
      if (parameters.put(name, value) != null) {
        problems.add(UrlProblem.of("gives parameter \"" + name + "\" twice; keep one"));
      }
    }
    if (!problems.isEmpty()) {
      return new Parsed(Optional.empty(), problems);
    }
    return new Parsed(
        Optional.of(new ConnectionUrl(hosts, database.orElseThrow(), parameters, user)), List.of());
  }

  /**
   * One host with its optional port: {@code host}, {@code host:port}, {@code [v6]} or {@code
   * [v6]:port}.
   *
   * @param only whether it is the URL's only host, for the wording of a missing host
   */
  private static Optional<HostAndPort> hostAndPort(
      String text, boolean only, List<UrlProblem> problems) {
    String host;
    String portText = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        problems.add(UrlProblem.of("has an IPv6 address without its closing \"]\""));
        return Optional.empty();
      }
      host = text.substring(1, close);
      String afterHost = text.substring(close + 1);
      if (afterHost.startsWith(":")) {
        portText = afterHost.substring(1);
      } else if (!afterHost.isEmpty()) {
        problems.add(UrlProblem.of("has unexpected text after the IPv6 address"));
        return Optional.empty();
      }
    } else {
      int colon = text.indexOf(':');
      host = colon < 0 ? text : text.substring(0, colon);
      portText = colon < 0 ? null : text.substring(colon + 1);
    }
    if (host.isEmpty()) {
      problems.add(
          UrlProblem.of(
              only
                  ? "has no host; write it as " + EXAMPLE
                  : "has an empty host in its list of hosts; write them as"
                      + " postgresql://host1:5432,host2:5432/database"));
      return Optional.empty();
    }
    int port = DEFAULT_PORT;
    if (portText != null) {
      Optional<Integer> parsed = parsePort(portText);
      if (parsed.isEmpty()) {
        problems.add(
            UrlProblem.of(
                "has port \"" + portText + "\"; a port is a whole number from 1 to 65535"));
        return Optional.empty();
      }
      port = parsed.get();
    }
    return Optional.of(new HostAndPort(host, port));
  }

  private static Parsed failed(UrlProblem problem) {
    return new Parsed(Optional.empty(), List.of(problem));
  }

  private static UrlProblem passwordInUrl() {
    return UrlProblem.of(
        "contains a password; remove it from the URL and write it next to the url as password:"
            + " \"${env:NAME}\" (or ${file:PATH}, or leave it to ~/.pgpass), so it is never printed"
            + " with the URL");
  }

  private static Optional<Integer> parsePort(String text) {
    if (!text.matches("\\d{1,5}")) {
      return Optional.empty();
    }
    int port = Integer.parseInt(text);
    return port >= 1 && port <= 65535 ? Optional.of(port) : Optional.empty();
  }

  /** Percent-decoding as in RFC 3986 ({@code +} stays a plus sign). */
  private static Optional<String> decode(String text, String what, List<UrlProblem> problems) {
    if (text.indexOf('%') < 0) {
      return Optional.of(text);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int i = 0;
    while (i < text.length()) {
      if (text.charAt(i) != '%') {
        int next = text.indexOf('%', i);
        int end = next < 0 ? text.length() : next;
        byte[] literal = text.substring(i, end).getBytes(StandardCharsets.UTF_8);
        bytes.write(literal, 0, literal.length);
        i = end;
        continue;
      }
      if (i + 2 >= text.length()
          || Character.digit(text.charAt(i + 1), 16) < 0
          || Character.digit(text.charAt(i + 2), 16) < 0) {
        problems.add(
            UrlProblem.of(
                "has a \"%\" in "
                    + what
                    + " that is not followed by two hex digits; write a literal % as %25"));
        return Optional.empty();
      }
      bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
      i += 3;
    }
    return Optional.of(bytes.toString(StandardCharsets.UTF_8));
  }
}
