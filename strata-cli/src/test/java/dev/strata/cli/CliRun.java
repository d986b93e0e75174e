package dev.strata.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** One in-process run of the command line, with its exit code and captured output. */
record CliRun(int exitCode, String out, String err) {
  static CliRun run(Map<String, String> environment, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = StrataCli.execute(args, new PrintWriter(out), new PrintWriter(err), environment);
    return new CliRun(code, out.toString(), err.toString());
  }

  /**
   * Writes a config with only a coordinator, {@code database} on {@code main}, to a new file in
   * {@code directory}.
   */
  static java.nio.file.Path coordinatorConfig(
      java.nio.file.Path directory, dev.strata.testkit.LocalServer main, String database)
      throws java.io.IOException {
    java.nio.file.Path config = java.nio.file.Files.createTempFile(directory, database, ".yaml");
    java.nio.file.Files.writeString(
        config,
        "coordinator: { url: \"postgresql://127.0.0.1:"
            + main.port()
            + "/"
            + database
            + "\", user: postgres }\n",
        java.nio.charset.StandardCharsets.UTF_8);
    return config;
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
