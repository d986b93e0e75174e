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

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
