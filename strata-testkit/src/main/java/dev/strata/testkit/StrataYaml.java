package dev.strata.testkit;

/**
 * Lines of a {@code strata.yaml} for tests: the coordinator and servers on local servers, each as
 * the superuser (whom the local servers trust on loopback), in a given database.
 */
public final class StrataYaml {
  private StrataYaml() {}

  /** {@code coordinator: { url: ..., user: postgres }} and a newline. */
  public static String coordinator(LocalServer server, String database) {
    return "coordinator: { url: \"" + server.uri(database) + "\", user: postgres }\n";
  }

  /** One entry under {@code servers:}, indented, and a newline. */
  public static String server(String name, LocalServer server, String database) {
    return "  " + name + ": { url: \"" + server.uri(database) + "\", user: postgres }\n";
  }

  /**
   * One entry under {@code servers:} whose user mapping logs in as {@code mappingUser} with the
   * password from the environment variable {@code passwordVariable}.
   */
  public static String server(
      String name,
      LocalServer server,
      String database,
      String mappingUser,
      String passwordVariable) {
    return "  "
        + name
        + ": { url: \""
        + server.uri(database)
        + "\", user: postgres, mapping: { user: "
        + mappingUser
        + ", password: \"${env:"
        + passwordVariable
        + "}\" } }\n";
  }
}
