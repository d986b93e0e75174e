package dev.strata.operation;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Named points in the move protocol where a test can make Strata fail: {@code halt} stops the JVM
 * at once, without shutdown hooks or a chance to clean up (the closest a JVM gets to {@code kill
 * -9}), {@code throw} raises an exception as an ordinary failure would, and {@code stall} blocks
 * the thread for good, so that a test can kill the process (kill -9) at exactly that step.
 *
 * <p>Enabled only through the {@code STRATA_FAILPOINTS} environment variable or the {@code
 * strata.failpoints} system property: a comma-separated list of {@code NAME=halt}, {@code
 * NAME=throw}, {@code NAME=stall}, or for counting points {@code NAME=halt@K} (fire on the K-th
 * hit, e.g. after K copied rows). When neither is set, {@link #hit} is one volatile read and a null
 * check.
 *
 * <p>Tests in the same JVM can also {@link #observe} every point as it is reached, to act at that
 * moment from another session (a concurrent write during a given step, a server stopped mid-copy).
 */
public final class Failpoints {
  public static final String VARIABLE = "STRATA_FAILPOINTS";
  public static final String PROPERTY = "strata.failpoints";

  private enum Action {
    HALT,
    THROW,
    STALL
  }

  private record Point(Action action, long onHit) {}

  private static final Map<String, Point> POINTS = parse(configured());
  private static final Map<String, Long> HITS = new HashMap<>();
  private static volatile Consumer<String> observer;

  private Failpoints() {}

  private static String configured() {
    String property = System.getProperty(PROPERTY);
    return property != null ? property : System.getenv(VARIABLE);
  }

  static Map<String, Point> parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    Map<String, Point> points = new HashMap<>();
    for (String entry : text.split(",")) {
      String[] parts = entry.strip().split("=", 2);
      String action = parts.length > 1 ? parts[1].strip() : "throw";
      long onHit = 1;
      int at = action.indexOf('@');
      if (at >= 0) {
        onHit = Long.parseLong(action.substring(at + 1));
        action = action.substring(0, at);
      }
      points.put(
          parts[0].strip(),
          new Point(
              switch (action) {
                case "halt" -> Action.HALT;
                case "stall" -> Action.STALL;
                default -> Action.THROW;
              },
              onHit));
    }
    return points;
  }

  /** Fires the named failpoint if it is enabled; otherwise does nothing. */
  public static void hit(String name) {
    hit(name, 1);
  }

  /**
   * Counts {@code increment} hits of a counting point (e.g. rows copied) and fires once the total
   * reaches the configured count.
   */
  public static void hit(String name, long increment) {
    Consumer<String> watching = observer;
    if (watching != null) {
      watching.accept(name);
    }
    if (POINTS == null) {
      return;
    }
    Point point = POINTS.get(name);
    if (point == null) {
      return;
    }
    long total;
    synchronized (HITS) {
      total = HITS.merge(name, increment, Long::sum);
    }
    if (total < point.onHit()) {
      return;
    }
    if (point.action() == Action.HALT) {
      System.err.println("strata: failpoint " + name + " halts the JVM");
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
    if (point.action() == Action.STALL) {
      System.err.println(
          "strata: failpoint " + name + " stalls this thread until the JVM is killed");
      System.err.flush();
      while (true) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          // A stall ends only with the process: a test kills it (kill -9) at this step.
        }
      }
    }
    throw new StrataException(ErrorCode.INTERNAL, "failpoint " + name + " fired");
  }

  public static boolean enabled() {
    return POINTS != null || observer != null;
  }

  /**
   * Calls {@code listener} with the name of every point reached (counting points once per hit), on
   * the thread that reaches it, until the returned handle is closed. For tests in the same JVM.
   */
  public static Observation observe(Consumer<String> listener) {
    observer = listener;
    return () -> observer = null;
  }

  /** Ends an {@link #observe} registration. */
  @FunctionalInterface
  public interface Observation extends AutoCloseable {
    @Override
    void close();
  }
}
