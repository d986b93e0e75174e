package dev.strata.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The registry of foreign-server options Strata manages ({@code servers.NAME.fdw}): the single
 * source of truth for each option's name, type, Strata's default and meaning. The loader validates
 * against it, {@code config show} and the documentation list it, and the foreign server DDL gets
 * exactly the values {@link FdwOption#render} produces.
 *
 * <p>Most options are passed to PostgreSQL unchanged as postgres_fdw server options (postgres_fdw
 * accepts its own options plus libpq connection options). Three are not server options at all:
 * {@code statement_timeout}, {@code lock_timeout} and {@code idle_in_transaction_session_timeout}
 * are session settings of the remote backend, so Strata renders them into the libpq {@code options}
 * server option as {@code -c statement_timeout=900000 -c lock_timeout=10000} (milliseconds).
 * Writing {@code options} directly is refused, because Strata owns it.
 *
 * <p>Strata's defaults differ from postgres_fdw's where the stock behaviour hurts a tiered table:
 * postgres_fdw fetches 100 rows per round trip and never times out, so a dead archive server hangs
 * a query until the kernel gives up (often more than two hours). The defaults below fetch 10000
 * rows, detect a lost host or network path within about a minute (keepalives 30 s + 3 x 10 s,
 * {@code tcp_user_timeout} 60 s) and bound every remote statement. A server whose host is up but
 * whose processes do not answer is another matter: the kernel acknowledges data and keepalives, and
 * postgres_fdw on PostgreSQL 16+ does not enforce {@code connect_timeout}; only the coordinator
 * session's {@code statement_timeout} ends that wait (docs/configuration.md).
 *
 * <p>Versions: the coordinator's postgres_fdw validates the options when a foreign server is
 * created or altered, and rejects one it does not know ({@code invalid option "parallel_commit"},
 * SQLSTATE HV00D, on PostgreSQL 14). {@code batch_size}, {@code async_capable} and {@code
 * keep_connections} exist from PostgreSQL 14, the oldest Strata supports; {@code parallel_commit}
 * from 15, {@code parallel_abort} and {@code analyze_sampling} from 16, {@code
 * use_scram_passthrough} from 18. Each option records its first version and the value that does
 * what older versions do without it ({@code parallel_commit false}, {@code analyze_sampling off});
 * {@link #forCoordinator} leaves such a value out on an older coordinator, so Strata's defaults
 * work on every version, and refuses any other value there, since the coordinator cannot do what
 * the config asks (docs/reliability-versions.md).
 */
public final class FdwOptions {
  /** The libpq {@code sslmode} values, for the {@code fdw.sslmode} option and URL parameters. */
  public static final List<String> SSL_MODES =
      List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  /** The oldest PostgreSQL major version Strata supports on the coordinator and on servers. */
  public static final int OLDEST_SUPPORTED_VERSION = 14;

  /** The libpq option that carries the session settings; Strata renders it, users may not. */
  public static final String OPTIONS = "options";

  /** How a value is written in the config and checked. */
  public enum ValueType {
    /** Any non-empty text, passed as is. */
    TEXT,
    /** A whole number within the option's bounds. */
    INTEGER,
    /** A non-negative decimal number (planner costs). */
    NUMBER,
    /** {@code true} or {@code false}, stored as {@code 'true'} / {@code 'false'}. */
    BOOLEAN,
    /**
     * {@code true} or {@code false} (or 1 / 0), stored as libpq wants it: {@code '1'} / {@code
     * '0'}.
     */
    BOOLEAN_ONE_ZERO,
    /** One of a fixed set of words. */
    CHOICE,
    /** A comma-separated list (or YAML list) of names, stored comma-separated. */
    NAME_LIST,
    /** Whole seconds, as a bare number or a duration with a unit ({@code 10s}). */
    SECONDS,
    /** Milliseconds, as a bare number or a duration with a unit ({@code 60s}). */
    MILLISECONDS,
    /**
     * A duration with a unit ({@code 15min}); {@code 0} disables. Rendered in milliseconds into the
     * {@code options} server option as a session setting.
     */
    SESSION_DURATION
  }

  /**
   * One option.
   *
   * @param name the postgres_fdw / libpq option name, also the config key
   * @param type how the value is written and checked
   * @param minimum smallest allowed value for numeric types
   * @param maximum largest allowed value for numeric types
   * @param choices allowed words for {@link ValueType#CHOICE}
   * @param strataDefault Strata's default, written as in the config; empty: not set unless the
   *     config sets it (PostgreSQL's own default applies)
   * @param example a valid value, for error messages and documentation
   * @param description what the option does, for documentation and {@code config show}
   * @param sinceVersion the first PostgreSQL major version whose postgres_fdw (or libpq) on the
   *     coordinator knows the option; {@link #OLDEST_SUPPORTED_VERSION} for every version Strata
   *     supports
   * @param valueWithout the value, as rendered, that does what a coordinator older than {@code
   *     sinceVersion} does without the option (there it is left out); empty: none does
   */
  public record FdwOption(
      String name,
      ValueType type,
      long minimum,
      long maximum,
      List<String> choices,
      Optional<String> strataDefault,
      String example,
      String description,
      int sinceVersion,
      Optional<String> valueWithout) {
    public FdwOption {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      choices = List.copyOf(choices);
      Objects.requireNonNull(strataDefault, "strataDefault");
      Objects.requireNonNull(example, "example");
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(valueWithout, "valueWithout");
    }

    /** An option every supported PostgreSQL version knows. */
    public FdwOption(
        String name,
        ValueType type,
        long minimum,
        long maximum,
        List<String> choices,
        Optional<String> strataDefault,
        String example,
        String description) {
      this(
          name,
          type,
          minimum,
          maximum,
          choices,
          strataDefault,
          example,
          description,
          OLDEST_SUPPORTED_VERSION,
          Optional.empty());
    }

    /**
     * The same option, known from PostgreSQL {@code major} on; older coordinators behave as with
     * {@code valueWithout} (rendered form), or null when no value matches them.
     */
    FdwOption since(int major, String valueWithout) {
      return new FdwOption(
          name,
          type,
          minimum,
          maximum,
          choices,
          strataDefault,
          example,
          description,
          major,
          Optional.ofNullable(valueWithout));
    }

    /** Whether a coordinator of PostgreSQL {@code major} accepts the option. */
    public boolean knownTo(int major) {
      return major >= sinceVersion;
    }

    /** Whether the value goes into the {@code options} server option instead of its own. */
    public boolean isSessionSetting() {
      return type == ValueType.SESSION_DURATION;
    }

    /** What a valid value looks like, e.g. {@code a whole number ≥ 1, e.g. 10000}. */
    public String expected() {
      String what =
          switch (type) {
            case TEXT -> "non-empty text";
            case INTEGER ->
                maximum == Long.MAX_VALUE
                    ? "a whole number ≥ " + minimum
                    : "a whole number from " + minimum + " to " + maximum;
            case NUMBER -> "a non-negative number";
            case BOOLEAN, BOOLEAN_ONE_ZERO -> "true or false";
            case CHOICE -> "one of " + String.join(", ", choices);
            case NAME_LIST -> "a list of names";
            case SECONDS ->
                "whole seconds ≥ " + minimum + ", as a number or with a unit (\"10s\", \"1min\")";
            case MILLISECONDS -> "milliseconds, as a number or with a unit (\"60s\", \"500ms\")";
            case SESSION_DURATION -> "a duration with a unit (\"500ms\", \"10s\", \"15min\") or 0";
          };
      return what + ", e.g. " + example;
    }

    /**
     * Checks a value written in the config and returns it as PostgreSQL will store it: {@code
     * 'true'}, {@code '1'}, seconds or milliseconds as a plain number, a list joined by commas. For
     * a session setting, the milliseconds that go into {@code options}.
     *
     * @throws IllegalArgumentException saying what was expected, with an example
     */
    public String render(String value) {
      String text = value.strip();
      return switch (type) {
        case TEXT -> {
          if (text.isEmpty()) {
            throw wrongValue(value);
          }
          yield value;
        }
        case INTEGER -> Long.toString(checkRange(parseWholeNumber(text, value), value));
        case NUMBER -> {
          try {
            BigDecimal number = new BigDecimal(text);
            if (number.signum() < 0) {
              throw wrongValue(value);
            }
            yield number.toPlainString();
          } catch (NumberFormatException e) {
            throw wrongValue(value);
          }
        }
        case BOOLEAN -> Boolean.toString(parseBoolean(text, value, false));
        case BOOLEAN_ONE_ZERO -> parseBoolean(text, value, true) ? "1" : "0";
        case CHOICE -> {
          String lower = text.toLowerCase(Locale.ROOT);
          if (!choices.contains(lower)) {
            throw wrongValue(value);
          }
          yield lower;
        }
        case NAME_LIST -> {
          List<String> names = new ArrayList<>();
          for (String part : text.split(",", -1)) {
            String name = part.strip();
            if (!name.matches("[A-Za-z0-9_-]+")) {
              throw wrongValue(value);
            }
            names.add(name);
          }
          yield String.join(",", names);
        }
        case SECONDS -> {
          long seconds;
          if (text.matches("\\d+")) {
            seconds = parseWholeNumber(text, value);
          } else {
            Duration duration = parseDuration(text);
            if (duration.toMillis() % 1000 != 0) {
              throw new IllegalArgumentException(
                  "\"" + text + "\" is not a whole number of seconds; expected " + expected());
            }
            seconds = duration.toSeconds();
          }
          yield Long.toString(checkRange(seconds, value));
        }
        case MILLISECONDS -> {
          long millis =
              text.matches("\\d+") ? parseWholeNumber(text, value) : parseDuration(text).toMillis();
          yield Long.toString(checkRange(millis, value));
        }
        case SESSION_DURATION -> {
          long millis = text.equals("0") ? 0 : parseDuration(text).toMillis();
          if (millis > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                "\""
                    + text
                    + "\" is too long; PostgreSQL accepts at most 2147483647ms (about 24 days)");
          }
          yield Long.toString(millis);
        }
      };
    }

    private long parseWholeNumber(String text, String value) {
      if (!text.matches("-?\\d+")) {
        throw wrongValue(value);
      }
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw wrongValue(value);
      }
    }

    private long checkRange(long number, String value) {
      if (number < minimum || number > maximum) {
        throw wrongValue(value);
      }
      return number;
    }

    private boolean parseBoolean(String text, String value, boolean allowDigits) {
      String lower = text.toLowerCase(Locale.ROOT);
      if (lower.equals("true") || (allowDigits && lower.equals("1"))) {
        return true;
      }
      if (lower.equals("false") || (allowDigits && lower.equals("0"))) {
        return false;
      }
      throw wrongValue(value);
    }

    private Duration parseDuration(String text) {
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + "; expected " + expected(), e);
      }
    }

    private IllegalArgumentException wrongValue(String value) {
      return new IllegalArgumentException("expected " + expected() + "; got \"" + value + "\"");
    }
  }

  private static final long UNBOUNDED = Long.MAX_VALUE;

  private static final List<FdwOption> ALL =
      List.of(
          option(
              "host",
              ValueType.TEXT,
              null,
              "archive1.internal",
              "Host the coordinator connects to. Default: the host of the server's url (all of"
                  + " them, comma-separated, for a url with several hosts); set it when the"
                  + " coordinator reaches the server by another address than Strata."),
          new FdwOption(
              "port",
              ValueType.INTEGER,
              1,
              65535,
              List.of(),
              Optional.empty(),
              "5432",
              "Port the coordinator connects to. Default: the port of the server's url (one per"
                  + " host, comma-separated, for a url with several hosts)."
                  + " PostgreSQL accepts any text here and fails only at the first query, so"
                  + " Strata checks it."),
          option(
              "dbname",
              ValueType.TEXT,
              null,
              "archive_db",
              "Database the coordinator connects to. Default: the database of the server's url."),
          choice(
              "target_session_attrs",
              ConnectionUrl.TARGET_SESSION_ATTRS,
              null,
              "read-write",
              "Which of the server's hosts the coordinator accepts (libpq; PostgreSQL 14+)."
                  + " Default: target_session_attrs of the server's url, which is read-write when"
                  + " the url names several hosts, so the coordinator follows the primary."),
          choice(
              "sslmode",
              SSL_MODES,
              null,
              "verify-full",
              "libpq sslmode for the coordinator's connections to the server. Not taken from the"
                  + " url: url parameters apply to Strata's own connections only."),
          option(
              "sslrootcert",
              ValueType.TEXT,
              null,
              "/etc/ssl/certs/archive-ca.pem",
              "Root certificate file, on the coordinator's host, for sslmode verify-ca and"
                  + " verify-full."),
          option(
              "application_name",
              ValueType.TEXT,
              "strata_fdw",
              "strata_fdw",
              "application_name of the coordinator's sessions on the server, so they can be told"
                  + " apart in pg_stat_activity."),
          new FdwOption(
              "connect_timeout",
              ValueType.SECONDS,
              2,
              UNBOUNDED,
              List.of(),
              Optional.of("10"),
              "10",
              "Seconds to wait for a connection. libpq treats values below 2 as 2."),
          option(
              "keepalives",
              ValueType.BOOLEAN_ONE_ZERO,
              "true",
              "true",
              "TCP keepalives on the coordinator's connections, so a dead server is noticed."),
          new FdwOption(
              "keepalives_idle",
              ValueType.SECONDS,
              0,
              UNBOUNDED,
              List.of(),
              Optional.of("30"),
              "30",
              "Seconds of idleness before the first keepalive probe. 0: the system default."),
          new FdwOption(
              "keepalives_interval",
              ValueType.SECONDS,
              0,
              UNBOUNDED,
              List.of(),
              Optional.of("10"),
              "10",
              "Seconds between unanswered keepalive probes. 0: the system default."),
          integer(
              "keepalives_count",
              0,
              "3",
              "3",
              "Unanswered probes after which the connection is considered dead. 0: the system"
                  + " default."),
          new FdwOption(
              "tcp_user_timeout",
              ValueType.MILLISECONDS,
              0,
              Integer.MAX_VALUE,
              List.of(),
              Optional.of("60000"),
              "60000",
              "Milliseconds transmitted data may stay unacknowledged before the connection is"
                  + " closed (Linux). 0: the system default."),
          option(
              "statement_timeout",
              ValueType.SESSION_DURATION,
              "15min",
              "15min",
              "Longest remote statement, rendered into options as -c statement_timeout (ms)."),
          option(
              "lock_timeout",
              ValueType.SESSION_DURATION,
              "10s",
              "10s",
              "Longest remote lock wait, rendered into options as -c lock_timeout (ms)."),
          option(
              "idle_in_transaction_session_timeout",
              ValueType.SESSION_DURATION,
              null,
              "10min",
              "Remote sessions idle in a transaction longer than this are ended; rendered into"
                  + " options as -c idle_in_transaction_session_timeout (ms)."),
          integer(
              "fetch_size",
              1,
              "10000",
              "10000",
              "Rows fetched per round trip when scanning a foreign table (postgres_fdw: 100)."),
          integer(
              "batch_size",
              1,
              null,
              "1000",
              "Rows sent per INSERT into a foreign table (postgres_fdw: 1; PostgreSQL 14+)."),
          option(
              "async_capable",
              ValueType.BOOLEAN,
              "true",
              "true",
              "Scan foreign partitions on different servers concurrently (PostgreSQL 14+)."),
          option(
              "use_remote_estimate",
              ValueType.BOOLEAN,
              "false",
              "true",
              "Ask the server for row estimates when planning (costs a round trip per plan)."),
          option(
              "fdw_startup_cost",
              ValueType.NUMBER,
              null,
              "100",
              "Planner's startup cost of a foreign scan."),
          option(
              "fdw_tuple_cost",
              ValueType.NUMBER,
              null,
              "0.01",
              "Planner's cost per row fetched from the server."),
          option(
              "extensions",
              ValueType.NAME_LIST,
              null,
              "postgis, pg_trgm",
              "Extensions installed on both sides whose functions and operators may be pushed"
                  + " down."),
          option(
              "keep_connections",
              ValueType.BOOLEAN,
              null,
              "true",
              "Keep connections to the server open between transactions (postgres_fdw: true;"
                  + " PostgreSQL 14+)."),
          option(
                  "parallel_commit",
                  ValueType.BOOLEAN,
                  "false",
                  "true",
                  "Commit remote transactions on several servers in parallel (PostgreSQL 15+).")
              .since(15, "false"),
          option(
                  "parallel_abort",
                  ValueType.BOOLEAN,
                  null,
                  "true",
                  "Abort remote transactions on several servers in parallel (PostgreSQL 16+).")
              .since(16, "false"),
          choice(
                  "analyze_sampling",
                  List.of("off", "auto", "random", "system", "bernoulli"),
                  null,
                  "auto",
                  "How ANALYZE samples a foreign table on the server (PostgreSQL 16+).")
              // Before 16, ANALYZE of a foreign table fetches every row and samples locally: "off".
              .since(16, "off"),
          option(
                  "use_scram_passthrough",
                  ValueType.BOOLEAN,
                  null,
                  "true",
                  "Reuse the client's SCRAM authentication for the server instead of a stored"
                      + " password (PostgreSQL 18+).")
              .since(18, "false"));

  private static final Map<String, FdwOption> BY_NAME =
      ALL.stream()
          .collect(
              Collectors.toMap(
                  FdwOption::name, option -> option, (first, second) -> first, LinkedHashMap::new));

  private FdwOptions() {}

  /** Every option, in the order {@code config show} and the documentation list them. */
  public static List<FdwOption> all() {
    return ALL;
  }

  public static Optional<FdwOption> find(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }

  /** Every option name, in registry order. */
  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /**
   * A complete option map ({@link ServerConfig#fdwOptions()}) as a coordinator of one PostgreSQL
   * version takes it.
   *
   * @param options the options to send, without those the coordinator does not know
   * @param leftOut options left out because their value is what that version does without them
   * @param unsupported options the coordinator does not know with a value it cannot honour, each
   *     described as {@code "parallel_commit 'true' (PostgreSQL 15+)"}
   */
  public record CoordinatorOptions(
      Map<String, String> options, List<String> leftOut, List<String> unsupported) {
    public CoordinatorOptions {
      options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
      leftOut = List.copyOf(leftOut);
      unsupported = List.copyOf(unsupported);
    }
  }

  /**
   * The options of {@code options} a coordinator running PostgreSQL {@code major} accepts: an
   * option it does not know is left out when its value does what that version does anyway (Strata's
   * {@code parallel_commit false} on PostgreSQL 14), and reported as unsupported otherwise. Options
   * outside the registry ({@code options}) pass unchanged.
   */
  public static CoordinatorOptions forCoordinator(Map<String, String> options, int major) {
    Map<String, String> kept = new LinkedHashMap<>();
    List<String> leftOut = new ArrayList<>();
    List<String> unsupported = new ArrayList<>();
    // Registry order, so messages list the options as the documentation does.
    Map<String, String> ordered = new LinkedHashMap<>();
    for (FdwOption option : ALL) {
      if (options.containsKey(option.name())) {
        ordered.put(option.name(), options.get(option.name()));
      }
    }
    new java.util.TreeMap<>(options).forEach(ordered::putIfAbsent);
    ordered.forEach(
        (name, value) -> {
          Optional<FdwOption> option = find(name);
          if (option.isEmpty() || option.get().knownTo(major)) {
            kept.put(name, value);
          } else if (option.get().valueWithout().filter(value::equals).isPresent()) {
            leftOut.add(name);
          } else {
            unsupported.add(
                name + " '" + value + "' (PostgreSQL " + option.get().sinceVersion() + "+)");
          }
        });
    return new CoordinatorOptions(kept, leftOut, unsupported);
  }

  /**
   * The value of the {@code options} server option for the given session settings, e.g. {@code -c
   * statement_timeout=900000 -c lock_timeout=10000}.
   *
   * @param millisecondsBySetting setting name to milliseconds, in the order to render
   */
  public static String sessionOptions(Map<String, String> millisecondsBySetting) {
    return millisecondsBySetting.entrySet().stream()
        .map(entry -> "-c " + entry.getKey() + "=" + entry.getValue())
        .collect(Collectors.joining(" "));
  }

  private static FdwOption option(
      String name, ValueType type, String strataDefault, String example, String description) {
    return new FdwOption(
        name,
        type,
        0,
        UNBOUNDED,
        List.of(),
        Optional.ofNullable(strataDefault),
        example,
        description);
  }

  private static FdwOption integer(
      String name, long minimum, String strataDefault, String example, String description) {
    return new FdwOption(
        name,
        ValueType.INTEGER,
        minimum,
        UNBOUNDED,
        List.of(),
        Optional.ofNullable(strataDefault),
        example,
        description);
  }

  private static FdwOption choice(
      String name, List<String> choices, String strataDefault, String example, String description) {
    return new FdwOption(
        name,
        ValueType.CHOICE,
        0,
        UNBOUNDED,
        choices,
        Optional.ofNullable(strataDefault),
        example,
        description);
  }
}
