package dev.strata.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options of {@code strata demo}, shared by the command line and the demo jar's main class it
 * launches, so that both parse and describe them the same way; {@link #arguments()} renders them
 * for the second JVM.
 */
public final class DemoOptions {
  @Option(
      names = "--keep",
      description = "Leave the servers running and write strata.yaml for them; stop with Ctrl-C.")
  public boolean keep;

  @Option(
      names = "--shards",
      description =
          "Run the sharding tour instead (seed 001): temperatures hash-sharded over three servers,"
              + " a shard moved online while a writer inserts, a split, a rebalance onto a fourth"
              + " server, the per-city answer checked after each.")
  public boolean shards;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Where servers' data and strata.yaml go (default: a new temporary directory).")
  public Path dir;

  @Option(
      names = "--stop",
      description =
          "Stop the servers a demo left running in --dir (after it was killed), or without --dir"
              + " those of every recorded demo whose process is gone; runs no tour.")
  public boolean stop;

  /** These options as command-line arguments, {@code --dir} made absolute. */
  public List<String> arguments() {
    List<String> arguments = new ArrayList<>();
    if (keep) {
      arguments.add("--keep");
    }
    if (shards) {
      arguments.add("--shards");
    }
    if (stop) {
      arguments.add("--stop");
    }
    if (dir != null) {
      arguments.add("--dir");
      arguments.add(dir.toAbsolutePath().toString());
    }
    return arguments;
  }
}
