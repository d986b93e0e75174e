package dev.strata.config;

import dev.strata.config.ConfigNode.Entry;
import dev.strata.config.ConfigNode.Mapping;
import dev.strata.config.ConfigNode.Scalar;
import dev.strata.config.ConfigNode.Sequence;
import dev.strata.config.FdwOptions.FdwOption;
import dev.strata.config.SettingReader.Setting;
import dev.strata.secret.Secret;
import dev.strata.sql.Identifiers;
import dev.strata.sql.QualifiedName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns the merged {@link ConfigNode} tree into a validated {@link StrataConfig}: checks every key
 * against {@link ConfigSchema}, parses every value by its setting's rules, fills in defaults,
 * applies the rules that span several keys, and records the origin of every effective value. This
 * class binds the coordinator, the servers (with their user mappings and foreign-server options)
 * and the timeouts; {@link TableBinder} binds the tables, and {@link SettingReader} does the
 * reading both share.
 *
 * <p>It never stops at the first problem. Each check that fails adds a problem to {@link Findings}
 * and the binder carries on with what it can still read, so one run reports everything; {@link
 * #bind} returns a configuration only when nothing was wrong. Values are substituted ({@code
 * ${env:...}}, {@code ${file:...}}) as they are read, so an unset variable is reported against the
 * key that used it.
 *
 * <p>One instance binds one configuration.
 */
final class ConfigBinder {
  static final String DEFAULT_USER = "postgres";

  /** Server names become foreign server names, so they must be plain SQL identifiers. */
  private static final Pattern SERVER_NAME = Pattern.compile("[a-z_][a-z0-9_]*");

  private final Findings findings;
  private final SettingReader reader;
  private final TableBinder tableBinder;
  private final MirrorBinder mirrorBinder;

  /**
   * @param baseDirectory what relative paths in values are relative to: the config file's directory
   */
  ConfigBinder(Findings findings, ValueSubstitution substitution, Path baseDirectory) {
    this.findings = findings;
    this.reader = new SettingReader(findings, substitution);
    this.tableBinder = new TableBinder(reader, findings, baseDirectory);
    this.mirrorBinder = new MirrorBinder(reader, findings);
  }

  /** The configuration, or empty when {@link Findings} holds any problem (from any stage). */
  Optional<StrataConfig> bind(Mapping root) {
    reader.checkKeys(root, ConfigSchema.ROOT, "");
    Optional<ConnectionConfig> coordinator = bindCoordinator(root);
    Set<String> serverNames = new LinkedHashSet<>();
    Map<String, ServerConfig> servers = bindServers(root, serverNames);
    Timeouts timeouts = bindTimeouts(root);
    Map<QualifiedName, TableConfig> tables = tableBinder.bind(root, serverNames);
    Map<String, MirrorConfig> mirrors = mirrorBinder.bind(root, serverNames, tables.keySet());
    SecurityConfig security = bindSecurity(root);
    ServeConfig serve = bindServe(root);
    if (findings.hasProblems() || coordinator.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new StrataConfig(
            coordinator.get(),
            servers,
            tables,
            mirrors,
            timeouts,
            security,
            serve,
            reader.origins()));
  }

  private Optional<ConnectionConfig> bindCoordinator(Mapping root) {
    if (!root.hasValue("coordinator")) {
      findings.problem(
          "coordinator",
          root.entry("coordinator").map(Entry::keyOrigin).orElse(root.origin()),
          "is required: Strata needs the address of the coordinator, e.g. coordinator: {url:"
              + " \"postgresql://localhost:5432/appdb\"}");
      return Optional.empty();
    }
    Optional<Mapping> coordinator =
        reader.section(root, "coordinator", "coordinator", "url, user, password");
    if (coordinator.isEmpty()) {
      return Optional.empty();
    }
    reader.checkKeys(coordinator.get(), ConfigSchema.CONNECTION, "coordinator");
    return bindConnection(coordinator.get(), "coordinator");
  }

  private Optional<ConnectionConfig> bindConnection(Mapping mapping, String path) {
    Optional<Setting> url =
        reader.required(
            mapping,
            "url",
            path + ".url",
            "write the server's address, e.g. url: \"postgresql://host:5432/database\"");
    Optional<ConnectionUrl> parsed = url.flatMap(this::parseUrl);
    url.ifPresent(setting -> reader.record(setting.keyPath(), setting.origin()));

    Optional<Setting> user = reader.optional(mapping, "user", path + ".user");
    String userName;
    if (user.isPresent()) {
      userName = user.get().text();
      reader.record(user.get().keyPath(), user.get().origin());
      if (userName.isBlank()) {
        findings.problem(
            user.get().keyPath(),
            user.get().origin(),
            "is empty; name the role to log in as, or remove the key for the default ("
                + DEFAULT_USER
                + ")");
      }
      Optional<String> urlUser = parsed.flatMap(ConnectionUrl::user);
      if (urlUser.isPresent() && !urlUser.get().equals(userName)) {
        findings.warning(
            user.get().keyPath(),
            user.get().origin(),
            "differs from the user in url (\""
                + urlUser.get()
                + "\"); Strata logs in as \""
                + userName
                + "\"");
      }
    } else if (parsed.flatMap(ConnectionUrl::user).isPresent()) {
      userName = parsed.get().user().get();
      reader.record(path + ".user", Origin.derivedFrom(path + ".url", url.get().origin()));
    } else {
      userName = DEFAULT_USER;
      reader.record(path + ".user", Origin.DEFAULT);
    }

    Optional<Secret> password = secret(mapping, "password", path + ".password");
    if (url.isEmpty() || parsed.isEmpty()) {
      return Optional.empty();
    }
    ConnectionUrl address = parsed.get();
    Map<String, String> parameters = new LinkedHashMap<>(address.parameters());
    if (address.hosts().size() > 1) {
      if (path.equals("coordinator")) {
        findings.problem(
            url.get().keyPath(),
            url.get().origin(),
            "the URL names several hosts; the coordinator takes one (its sessions hold Strata's"
                + " locks and journal), so give the address that always reaches its primary, such"
                + " as a virtual IP or a proxy; several hosts are for servers.NAME.url");
        return Optional.empty();
      }
      // Strata writes on every server (DDL, COPY), so a standby is never the host it wants.
      parameters.putIfAbsent(ConnectionConfig.TARGET_SESSION_ATTRS, "read-write");
    }
    return Optional.of(
        new ConnectionConfig(
            url.get().text().strip(),
            address.hosts(),
            address.database(),
            parameters,
            userName,
            password));
  }

  private Optional<ConnectionUrl> parseUrl(Setting url) {
    ConnectionUrl.Parsed parsed = ConnectionUrl.parse(url.text().strip());
    for (ConnectionUrl.UrlProblem problem : parsed.problems()) {
      findings.problem(
          url.keyPath(), url.origin(), "the URL " + problem.message(), problem.suggestion());
    }
    return parsed.url();
  }

  /**
   * A password. Its source (what {@code config show} prints instead of the value) is the reference
   * that produced it, the {@code STRATA_...} variable that held it, {@code --set}, or {@code
   * literal} (written in the file).
   */
  private Optional<Secret> secret(Mapping mapping, String key, String path) {
    Optional<Setting> written = reader.optional(mapping, key, path);
    if (written.isEmpty()) {
      reader.record(path, Origin.DEFAULT);
      return Optional.empty();
    }
    Setting setting = written.get();
    reader.record(path, setting.origin());
    if (setting.text().isEmpty()) {
      findings.problem(
          path,
          setting.origin(),
          "is empty; remove the key to let the driver read ~/.pgpass, or write password:"
              + " \"${env:NAME}\"");
      return Optional.empty();
    }
    String source;
    Optional<String> variable = setting.origin().environmentVariable();
    if (setting.secretSource().isPresent()) {
      source = setting.secretSource().get();
    } else if (!setting.hasReference() && variable.isPresent()) {
      source = "${env:" + variable.get() + "}";
    } else if (!setting.hasReference() && setting.origin().kind() == Origin.Kind.FLAG) {
      source = Secret.FLAG_SOURCE;
      findings.warning(
          path,
          setting.origin(),
          "a password given with --set is visible to other users of this machine in the process"
              + " list; set "
              + environmentVariableFor(path)
              + " or write password: \"${env:NAME}\" in the file instead");
    } else {
      source = Secret.LITERAL_SOURCE;
      if (!setting.hasReference() && setting.origin().kind() == Origin.Kind.FILE) {
        findings.warning(
            path,
            setting.origin(),
            "the password is written in the file; keep it out of the file with password:"
                + " \"${env:NAME}\" or \"${file:PATH}\", or leave the key out and use ~/.pgpass");
      }
    }
    return Optional.of(Secret.of(setting.text(), source));
  }

  private static String environmentVariableFor(String path) {
    return SettingOverlays.ENVIRONMENT_PREFIX + path.toUpperCase(Locale.ROOT).replace(".", "__");
  }

  private Map<String, ServerConfig> bindServers(Mapping root, Set<String> serverNames) {
    Map<String, ServerConfig> servers = new LinkedHashMap<>();
    Optional<Mapping> section =
        reader.section(root, "servers", "servers", "one entry per server, keyed by its name");
    if (section.isEmpty()) {
      return servers;
    }
    for (Entry entry : section.get().entries()) {
      String name = entry.key();
      String path = "servers." + name;
      serverNames.add(name);
      boolean validName = checkServerName(name, path, entry.keyOrigin());
      if (!(entry.value() instanceof Mapping server)) {
        findings.problem(
            path,
            entry.value().origin(),
            "must be the server's settings (url, user, password, mapping, fdw), not "
                + entry.value().shapeName());
        continue;
      }
      reader.checkKeys(server, ConfigSchema.SERVER, path);
      Optional<ConnectionConfig> connection = bindConnection(server, path);
      Optional<MappingConfig> mapping = bindMapping(server, path, connection);
      Optional<Map<String, String>> fdwOptions = bindFdwOptions(server, path, connection);
      mapping = withoutInheritedPassword(server, path, mapping, fdwOptions);
      if (validName && connection.isPresent() && mapping.isPresent() && fdwOptions.isPresent()) {
        servers.put(
            name, new ServerConfig(name, connection.get(), mapping.get(), fdwOptions.get()));
      }
    }
    return servers;
  }

  private boolean checkServerName(String name, String path, Origin origin) {
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    boolean plain = SERVER_NAME.matcher(name).matches();
    if (plain && bytes <= Identifiers.MAX_IDENTIFIER_BYTES) {
      return true;
    }
    String why =
        plain
            ? "is "
                + bytes
                + " bytes long, and PostgreSQL keeps only the first "
                + Identifiers.MAX_IDENTIFIER_BYTES
            : "is not a plain lower-case name";
    String sanitized = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    if (!sanitized.isEmpty() && Character.isDigit(sanitized.charAt(0))) {
      sanitized = "server_" + sanitized;
    }
    if (sanitized.length() > Identifiers.MAX_IDENTIFIER_BYTES) {
      sanitized = sanitized.substring(0, Identifiers.MAX_IDENTIFIER_BYTES);
    }
    findings.problem(
        path,
        origin,
        "the server name \""
            + name
            + "\" "
            + why
            + ": it becomes the name of the coordinator's foreign server, so it must be lower-case"
            + " letters, digits and _, start with a letter or _, and be at most "
            + Identifiers.MAX_IDENTIFIER_BYTES
            + " bytes",
        sanitized.isEmpty() || sanitized.equals(name) ? Optional.empty() : Optional.of(sanitized));
    return false;
  }

  /**
   * The coordinator's user mapping. Its user and password default to the server's own, which is
   * right for a single-role setup; production setups give the mapping a read-mostly role.
   */
  private Optional<MappingConfig> bindMapping(
      Mapping server, String serverPath, Optional<ConnectionConfig> connection) {
    String path = serverPath + ".mapping";
    Mapping mapping =
        reader
            .section(server, "mapping", path, "local_user, user, password")
            .orElse(Mapping.empty(server.origin()));
    reader.checkKeys(mapping, ConfigSchema.MAPPING, path);

    Optional<Setting> localUser = reader.optional(mapping, "local_user", path + ".local_user");
    reader.record(path + ".local_user", localUser.map(Setting::origin).orElse(Origin.DEFAULT));

    Optional<Setting> user = reader.optional(mapping, "user", path + ".user");
    if (user.isPresent()) {
      reader.record(path + ".user", user.get().origin());
      if (user.get().text().isBlank()) {
        findings.problem(
            path + ".user",
            user.get().origin(),
            "is empty; name the role the coordinator logs in as, or remove the key to use the"
                + " server's user");
      }
    } else {
      reader.record(path + ".user", reader.derived(serverPath + ".user"));
    }

    Optional<Secret> password;
    if (mapping.hasValue("password")) {
      password = secret(mapping, "password", path + ".password");
    } else {
      password = connection.flatMap(ConnectionConfig::password);
      reader.record(path + ".password", reader.derived(serverPath + ".password"));
    }
    if (connection.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new MappingConfig(
            localUser.map(Setting::text),
            user.map(Setting::text).orElse(connection.get().user()),
            password));
  }

  /**
   * With {@code use_scram_passthrough}, postgres_fdw logs in with the SCRAM keys of the client's
   * own authentication (PostgreSQL 18), so the mapping needs no stored password: one inherited from
   * {@code servers.NAME.password} is dropped. A password written under {@code mapping} is kept.
   */
  private Optional<MappingConfig> withoutInheritedPassword(
      Mapping server,
      String serverPath,
      Optional<MappingConfig> mapping,
      Optional<Map<String, String>> fdwOptions) {
    boolean passthrough =
        fdwOptions
            .map(options -> "true".equals(options.get("use_scram_passthrough")))
            .orElse(false);
    boolean written =
        server
            .entry("mapping")
            .map(Entry::value)
            .filter(Mapping.class::isInstance)
            .map(value -> ((Mapping) value).hasValue("password"))
            .orElse(false);
    if (!passthrough || written || mapping.isEmpty() || mapping.get().password().isEmpty()) {
      return mapping;
    }
    reader.record(
        serverPath + ".mapping.password",
        new Origin(Origin.Kind.DERIVED, "none: fdw.use_scram_passthrough is true"));
    MappingConfig inherited = mapping.get();
    return Optional.of(
        new MappingConfig(inherited.localUser(), inherited.user(), Optional.empty()));
  }

  /**
   * The foreign server's complete option map: each registry option written in {@code fdw}, else
   * Strata's default, else (for host, port, dbname) the value from the URL; the session timeouts
   * rendered into {@code options}.
   */
  private Optional<Map<String, String>> bindFdwOptions(
      Mapping server, String serverPath, Optional<ConnectionConfig> connection) {
    String path = serverPath + ".fdw";
    Mapping fdw =
        reader
            .section(server, "fdw", path, "postgres_fdw options of the foreign server")
            .orElse(Mapping.empty(server.origin()));
    int problemsBefore = findings.problemCount();
    for (Entry entry : fdw.entries()) {
      String key = entry.key();
      String keyPath = path + "." + key;
      if (key.equals(FdwOptions.OPTIONS)) {
        findings.problem(
            keyPath,
            entry.keyOrigin(),
            "is set by Strata: it renders statement_timeout, lock_timeout and"
                + " idle_in_transaction_session_timeout into it; write those keys under fdw"
                + " instead, e.g. statement_timeout: 15min");
      } else if (key.equals("user") || key.equals("password")) {
        findings.problem(
            keyPath,
            entry.keyOrigin(),
            "is not a foreign server option: the coordinator logs in with the user mapping; write"
                + " it as "
                + serverPath
                + ".mapping."
                + key);
      } else if (FdwOptions.find(key).isEmpty()) {
        findings.problem(
            keyPath,
            entry.keyOrigin(),
            "is not a postgres_fdw option Strata manages (the list is in"
                + " docs/configuration.md)",
            Suggestions.closest(key, FdwOptions.names()));
      }
    }

    Map<String, String> options = new LinkedHashMap<>();
    Map<String, String> sessionSettings = new LinkedHashMap<>();
    List<String> sessionOrigins = new ArrayList<>();
    for (FdwOption option : FdwOptions.all()) {
      String keyPath = path + "." + option.name();
      Optional<Setting> written = fdwValue(fdw, option, keyPath);
      String value;
      Origin origin;
      if (written.isPresent()) {
        origin = written.get().origin();
        Optional<String> rendered = reader.convert(written.get(), option::render);
        if (rendered.isEmpty()) {
          continue;
        }
        value = rendered.get();
      } else if (option.strataDefault().isPresent()) {
        origin = Origin.DEFAULT;
        value = option.render(option.strataDefault().get());
      } else if (connection.isPresent() && fromUrl(option.name(), connection.get()).isPresent()) {
        origin = reader.derived(serverPath + ".url");
        value = fromUrl(option.name(), connection.get()).get();
      } else {
        continue;
      }
      if (option.isSessionSetting()) {
        sessionSettings.put(option.name(), value);
        sessionOrigins.add("fdw." + option.name() + " (" + origin.description() + ")");
      } else {
        options.put(option.name(), value);
        reader.record(keyPath, origin);
      }
    }
    if (!sessionSettings.isEmpty()) {
      options.put(FdwOptions.OPTIONS, FdwOptions.sessionOptions(sessionSettings));
      reader.record(
          path + "." + FdwOptions.OPTIONS,
          new Origin(Origin.Kind.DERIVED, "from " + String.join(", ", sessionOrigins)));
    }
    return findings.problemCount() == problemsBefore ? Optional.of(options) : Optional.empty();
  }

  private Optional<Setting> fdwValue(Mapping fdw, FdwOption option, String keyPath) {
    Optional<Entry> entry = fdw.entry(option.name());
    if (entry.isPresent()
        && entry.get().value() instanceof Sequence list
        && option.type() == FdwOptions.ValueType.NAME_LIST) {
      List<String> names = new ArrayList<>();
      for (ConfigNode item : list.items()) {
        if (!(item instanceof Scalar scalar)) {
          findings.problem(keyPath, item.origin(), "items must be names, not " + item.shapeName());
          return Optional.empty();
        }
        Optional<Setting> name = reader.substitute(scalar, keyPath);
        if (name.isEmpty()) {
          return Optional.empty();
        }
        names.add(name.get().text());
      }
      return Optional.of(
          new Setting(keyPath, String.join(",", names), list.origin(), Optional.empty(), false));
    }
    return reader.optional(fdw, option.name(), keyPath);
  }

  private static Optional<String> fromUrl(String option, ConnectionConfig connection) {
    return switch (option) {
      // libpq's multi-host form: host 'h1,h2' and port 'p1,p2', one port per host.
      case "host" ->
          Optional.of(
              connection.hosts().stream().map(HostAndPort::host).collect(Collectors.joining(",")));
      case "port" ->
          Optional.of(
              connection.hosts().stream()
                  .map(host -> Integer.toString(host.port()))
                  .collect(Collectors.joining(",")));
      case "dbname" -> Optional.of(connection.database());
      case ConnectionConfig.TARGET_SESSION_ATTRS ->
          Optional.ofNullable(connection.parameters().get(ConnectionConfig.TARGET_SESSION_ATTRS));
      default -> Optional.empty();
    };
  }

  // ---------------------------------------------------------------- security

  private SecurityConfig bindSecurity(Mapping root) {
    Mapping security =
        reader
            .section(root, "security", "security", "min_sslmode, allow_superuser_mapping")
            .orElse(Mapping.empty(root.origin()));
    reader.checkKeys(security, ConfigSchema.SECURITY, "security");
    Optional<String> minSslmode = Optional.empty();
    Optional<Setting> written = reader.optional(security, "min_sslmode", "security.min_sslmode");
    reader.record("security.min_sslmode", written.map(Setting::origin).orElse(Origin.DEFAULT));
    if (written.isPresent()) {
      minSslmode = reader.convert(written.get(), ConfigBinder::sslmode);
    }
    Optional<Setting> allow =
        reader.optional(security, "allow_superuser_mapping", "security.allow_superuser_mapping");
    reader.record(
        "security.allow_superuser_mapping", allow.map(Setting::origin).orElse(Origin.DEFAULT));
    boolean allowSuperuser =
        allow
            .flatMap(setting -> reader.convert(setting, SettingReader::parseBoolean))
            .orElse(false);
    return new SecurityConfig(minSslmode, allowSuperuser);
  }

  private ServeConfig bindServe(Mapping root) {
    Mapping serve =
        reader
            .section(
                root,
                "serve",
                "serve",
                "listen, token, apply_every, apply_at, doctor_every, takeover, snapshot_every, tls")
            .orElse(Mapping.empty(root.origin()));
    reader.checkKeys(serve, ConfigSchema.SERVE, "serve");
    ServeConfig defaults = ServeConfig.DEFAULTS;
    String listen = defaults.listen();
    Optional<Setting> written = reader.optional(serve, "listen", "serve.listen");
    reader.record("serve.listen", written.map(Setting::origin).orElse(Origin.DEFAULT));
    if (written.isPresent()) {
      String text = written.get().text().strip();
      if (!text.matches("[^\\s:]+:\\d{1,5}") && !text.matches("\\[[0-9a-fA-F:]+\\]:\\d{1,5}")) {
        findings.problem(
            "serve.listen",
            written.get().origin(),
            "is \"" + text + "\"; write HOST:PORT, e.g. 127.0.0.1:7432");
      } else if (Integer.parseInt(text.substring(text.lastIndexOf(':') + 1)) > 65535) {
        findings.problem(
            "serve.listen",
            written.get().origin(),
            "is \""
                + text
                + "\"; a port is a whole number from 0 to 65535 (0 picks a free one), e.g."
                + " 127.0.0.1:7432");
      } else {
        listen = text;
      }
    }
    Optional<Secret> token = secret(serve, "token", "serve.token");
    return new ServeConfig(
        listen,
        token,
        serveDuration(serve, "apply_every", defaults.applyEvery()),
        serveDuration(serve, "doctor_every", defaults.doctorEvery()),
        serveDuration(serve, "takeover", defaults.takeover()),
        serveDuration(serve, "snapshot_every", defaults.snapshotEvery()),
        bindTls(serve),
        applyAt(serve));
  }

  private Optional<CronSchedule> applyAt(Mapping serve) {
    Optional<Setting> written = reader.optional(serve, "apply_at", "serve.apply_at");
    reader.record("serve.apply_at", written.map(Setting::origin).orElse(Origin.DEFAULT));
    return written.flatMap(
        setting ->
            reader.convert(
                setting,
                text -> {
                  try {
                    return CronSchedule.parse(text);
                  } catch (IllegalArgumentException e) {
                    if (e.getMessage().startsWith("expected five fields")) {
                      throw e;
                    }
                    throw new IllegalArgumentException(
                        e.getMessage()
                            + "; write five fields in UTC (minute hour day-of-month month"
                            + " day-of-week), e.g. \"0 2 * * *\" for 02:00 every day",
                        e);
                  }
                }));
  }

  private Optional<ServeConfig.Tls> bindTls(Mapping serve) {
    Optional<Mapping> tls =
        reader.section(serve, "tls", "serve.tls", "certificate and key: PEM files for HTTPS");
    if (tls.isEmpty()) {
      return Optional.empty();
    }
    reader.checkKeys(tls.get(), ConfigSchema.SERVE_TLS, "serve.tls");
    Optional<String> certificate = tlsFile(tls.get(), "certificate");
    Optional<String> key = tlsFile(tls.get(), "key");
    if (certificate.isEmpty() || key.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new ServeConfig.Tls(
            java.nio.file.Path.of(certificate.get()), java.nio.file.Path.of(key.get())));
  }

  private Optional<String> tlsFile(Mapping tls, String key) {
    String path = "serve.tls." + key;
    Optional<Setting> written = reader.optional(tls, key, path);
    reader.record(path, written.map(Setting::origin).orElse(Origin.DEFAULT));
    if (written.isEmpty() || written.get().text().isBlank()) {
      findings.problem(
          path,
          tls.origin(),
          "is missing; serve.tls needs both certificate and key (PEM files on this host)");
      return Optional.empty();
    }
    String file = written.get().text().strip();
    String problem;
    try {
      Path located = Path.of(file);
      problem =
          Files.isRegularFile(located)
              ? null
              : Files.isDirectory(located) ? "is a directory" : "does not exist";
    } catch (InvalidPathException e) {
      problem = "is not a valid path: " + e.getReason();
    }
    if (problem != null) {
      findings.problem(
          path,
          written.get().origin(),
          "file "
              + file
              + " "
              + problem
              + "; serve.tls needs a PEM "
              + (key.equals("key") ? "private key" : "certificate")
              + " file on this host");
      return Optional.empty();
    }
    return Optional.of(file);
  }

  private Duration serveDuration(Mapping serve, String key, Duration fallback) {
    String path = "serve." + key;
    Optional<Setting> written = reader.optional(serve, key, path);
    reader.record(path, written.map(Setting::origin).orElse(Origin.DEFAULT));
    Optional<Duration> parsed =
        written.flatMap(setting -> reader.convert(setting, Durations::parse));
    if (parsed.isPresent() && (parsed.get().isZero() || parsed.get().isNegative())) {
      findings.problem(path, written.get().origin(), "must be more than zero, e.g. 30s");
      return fallback;
    }
    return parsed.orElse(fallback);
  }

  private static String sslmode(String text) {
    String mode = text.strip().toLowerCase(Locale.ROOT);
    if (!FdwOptions.SSL_MODES.contains(mode)) {
      throw new IllegalArgumentException(
          "expected one of "
              + String.join(", ", FdwOptions.SSL_MODES)
              + " (verify-full is recommended); got \""
              + text.strip()
              + "\"");
    }
    return mode;
  }

  // ---------------------------------------------------------------- timeouts

  private Timeouts bindTimeouts(Mapping root) {
    Mapping timeouts =
        reader
            .section(root, "timeouts", "timeouts", "connect, statement, lock, idle_in_transaction")
            .orElse(Mapping.empty(root.origin()));
    reader.checkKeys(timeouts, ConfigSchema.TIMEOUTS, "timeouts");
    Timeouts defaults = Timeouts.DEFAULTS;
    return new Timeouts(
        timeout(timeouts, "connect", defaults.connect()),
        timeout(timeouts, "statement", defaults.statement()),
        timeout(timeouts, "lock", defaults.lock()),
        timeout(timeouts, "idle_in_transaction", defaults.idleInTransaction()));
  }

  private Duration timeout(Mapping timeouts, String key, Duration fallback) {
    String path = "timeouts." + key;
    Optional<Setting> written = reader.optional(timeouts, key, path);
    if (written.isEmpty()) {
      reader.record(path, Origin.DEFAULT);
      return fallback;
    }
    reader.record(path, written.get().origin());
    Optional<Duration> duration = reader.convert(written.get(), Durations::parse);
    if (duration.isPresent() && duration.get().isZero()) {
      findings.problem(
          path,
          written.get().origin(),
          "is zero; Strata bounds every wait it makes, so a timeout cannot be switched off (the"
              + " default is "
              + Durations.format(fallback)
              + ")");
      return fallback;
    }
    return duration.orElse(fallback);
  }
}
