package dev.strata.demo;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** One in-process run of the demo, with its exit code and captured output. */
record DemoRun(int exitCode, String out, String err) {
  static DemoRun run(Map<String, String> environment, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = DemoMain.execute(args, new PrintWriter(out), new PrintWriter(err), environment);
    return new DemoRun(code, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
