package dev.strata.operation;

import dev.strata.config.Durations;
import dev.strata.connect.ForeignServerProbe;
import dev.strata.sql.SqlStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Renders {@link Action}s for a dry run: every statement the runner would execute, in order, each
 * under the session it runs on, with what a check expects; and lists them as data, so tests can
 * hold the statements that ran against the ones printed.
 */
final class ActionText {
  private ActionText() {}

  /**
   * A statement a dry run promises.
   *
   * @param conditional the number of the {@link Action.IfTable} block it belongs to (its statements
   *     run all or none), or 0
   */
  record Planned(Session session, SqlStatement statement, int conditional) {}

  /** The lines of a dry run for {@code actions}. */
  static List<String> lines(List<Action> actions) {
    Renderer renderer = new Renderer();
    renderer.all(actions);
    return renderer.lines;
  }

  /** The statements {@code actions} execute, in order (parallel branches one after another). */
  static List<Planned> statements(List<Action> actions) {
    List<Planned> planned = new ArrayList<>();
    int[] blocks = {0};
    collect(actions, planned, 0, blocks);
    return planned;
  }

  private static void collect(
      List<Action> actions, List<Planned> planned, int conditional, int[] blocks) {
    for (Action action : actions) {
      if (action instanceof Action.Run run) {
        planned.add(new Planned(run.session(), run.statement(), conditional));
      } else if (action instanceof Action.Expect expect) {
        planned.add(new Planned(expect.session(), expect.query(), conditional));
      } else if (action instanceof Action.Measure measure) {
        planned.add(new Planned(measure.session(), measure.query(), conditional));
      } else if (action instanceof Action.Transaction transaction) {
        planned.add(new Planned(transaction.session(), SqlStatement.of("BEGIN"), conditional));
        collect(transaction.actions(), planned, conditional, blocks);
        planned.add(
            new Planned(
                transaction.session(),
                SqlStatement.of(
                    transaction.ending() == Action.Ending.ROLLBACK ? "ROLLBACK" : "COMMIT"),
                conditional));
      } else if (action instanceof Action.Parallel parallel) {
        parallel.branches().forEach(branch -> collect(branch, planned, conditional, blocks));
      } else if (action instanceof Action.Relay relay) {
        planned.add(new Planned(relay.source(), SqlStatement.of(relay.copyOut()), conditional));
        planned.add(new Planned(relay.target(), SqlStatement.of(relay.copyIn()), conditional));
      } else if (action instanceof Action.IfTable ifTable) {
        collect(ifTable.actions(), planned, ++blocks[0], blocks);
      } else if (action instanceof Action.Probe probe) {
        planned.add(new Planned(probe.session(), SqlStatement.of("BEGIN"), conditional));
        ForeignServerProbe.statements(probe.server(), probe.bound(), Optional.empty())
            .forEach(
                statement -> planned.add(new Planned(probe.session(), statement, conditional)));
        planned.add(new Planned(probe.session(), SqlStatement.of("ROLLBACK"), conditional));
      } else if (action instanceof Action.BestEffort bestEffort) {
        collect(bestEffort.actions(), planned, conditional, blocks);
      } else if (action instanceof Action.Await await) {
        planned.add(new Planned(await.session(), await.condition(), conditional));
      } else if (action instanceof Action.CatchUp catchUp) {
        planned.add(new Planned(catchUp.source(), CatchUps.message(), conditional));
        planned.add(new Planned(catchUp.target(), CatchUps.confirmed(catchUp), conditional));
      } else if (action instanceof Action.Choose choose) {
        planned.add(new Planned(choose.session(), choose.condition(), conditional));
        collect(choose.whenTrue(), planned, ++blocks[0], blocks);
        collect(choose.whenFalse(), planned, ++blocks[0], blocks);
      }
    }
  }

  private static final class Renderer {
    private final List<String> lines = new ArrayList<>();
    private Session current;

    void all(List<Action> actions) {
      actions.forEach(this::one);
    }

    private void on(Session session) {
      if (!session.equals(current)) {
        lines.add("-- on " + session.label());
        current = session;
      }
    }

    private void statement(Session session, SqlStatement statement, String note) {
      on(session);
      lines.add(statement.render() + (note.isEmpty() ? "" : "  -- " + note));
    }

    private void one(Action action) {
      if (action instanceof Action.Run run) {
        statement(run.session(), run.statement(), "");
      } else if (action instanceof Action.Expect expect) {
        statement(
            expect.session(),
            expect.query(),
            switch (expect.expected()) {
              case TRUE -> "must be true";
              case VERIFIED_ROWS -> "must equal the verified row count";
              case ANY_VERIFIED_ROW -> "must be 1 if any row was verified (the copy is readable)";
              case FREEZE_MARKER -> "must equal the freeze triggers recorded at the freeze";
            });
      } else if (action instanceof Action.Measure measure) {
        statement(
            measure.session(),
            measure.query(),
            "fingerprint of the "
                + measure.slot().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
      } else if (action instanceof Action.Compare compare) {
        lines.add(
            "-- the "
                + slotName(compare.actual())
                + " must hold the same rows as the "
                + slotName(compare.expected())
                + ", none outside the bounds");
      } else if (action instanceof Action.Transaction transaction) {
        statement(transaction.session(), SqlStatement.of("BEGIN"), "");
        all(transaction.actions());
        statement(
            transaction.session(),
            SqlStatement.of(transaction.ending() == Action.Ending.ROLLBACK ? "ROLLBACK" : "COMMIT"),
            transaction.ending() == Action.Ending.COMMIT_RETRYING_LOCKS
                ? "the whole transaction is retried, with backoff, on lock timeouts"
                : "");
      } else if (action instanceof Action.Parallel parallel) {
        if (parallel.branches().size() > 1) {
          lines.add("-- the next " + parallel.branches().size() + " parts run at the same time:");
        }
        for (List<Action> branch : parallel.branches()) {
          current = null;
          all(branch);
        }
        current = null;
      } else if (action instanceof Action.Relay relay) {
        statement(
            relay.source(),
            SqlStatement.of(relay.copyOut()),
            relay.digest().isPresent()
                ? "streamed, row by row, into the next statement; Strata hashes each row on the"
                    + " way (the source's fingerprint):"
                : "streamed, row by row, into:");
        statement(relay.target(), SqlStatement.of(relay.copyIn()), "");
      } else if (action instanceof Action.IfTable ifTable) {
        lines.add(
            "-- if "
                + ifTable.table().display()
                + " exists on "
                + ifTable.session().server()
                + ifTable.ownerTag().map(tag -> " with the comment '" + tag + "'").orElse("")
                + (ifTable.refuseOthers() ? " (any other such table stops the move)" : "")
                + ":");
        all(ifTable.actions());
        lines.add("-- (end if)");
      } else if (action instanceof Action.Probe probe) {
        lines.add(
            "-- a query through foreign server "
                + probe.server()
                + ", bounded by "
                + probe.bound().toMillis()
                + " ms:");
        statement(probe.session(), SqlStatement.of("BEGIN"), "");
        ForeignServerProbe.statements(probe.server(), probe.bound(), Optional.empty())
            .forEach(statement -> statement(probe.session(), statement, ""));
        statement(probe.session(), SqlStatement.of("ROLLBACK"), "");
      } else if (action instanceof Action.BestEffort bestEffort) {
        lines.add("-- " + bestEffort.what() + " (a failure is reported, not fatal):");
        all(bestEffort.actions());
      } else if (action instanceof Action.Await await) {
        statement(
            await.session(),
            await.condition(),
            "asked until true, at most "
                + Durations.format(await.bound())
                + " ("
                + await.what()
                + ")");
      } else if (action instanceof Action.CatchUp catchUp) {
        statement(catchUp.source(), CatchUps.message(), "a WAL position after every commit so far");
        statement(
            catchUp.target(),
            CatchUps.confirmed(catchUp),
            "asked until true, at most "
                + Durations.format(catchUp.bound())
                + " (the subscription has applied everything before it)");
      } else if (action instanceof Action.Choose choose) {
        statement(choose.session(), choose.condition(), "decides what follows");
        lines.add("-- if true:");
        current = null;
        all(choose.whenTrue());
        lines.add("-- otherwise:");
        current = null;
        all(choose.whenFalse());
        lines.add("-- (end if)");
        current = null;
      }
    }

    private static String slotName(Action.Slot slot) {
      return switch (slot) {
        case SOURCE -> "source";
        case TARGET -> "copy";
        case OLD_COPY -> "old copy";
        case VERIFIED -> "rows recorded as verified";
      };
    }
  }

  /** One line naming an action, for logs: its kind, session and the start of its statement. */
  static String summary(Action action) {
    String text;
    if (action instanceof Action.Run run) {
      text = run.session().label() + " " + run.statement().sql();
    } else if (action instanceof Action.Expect expect) {
      text = "check on " + expect.session().label() + " " + expect.query().sql();
    } else if (action instanceof Action.Measure measure) {
      text = "fingerprint on " + measure.session().label();
    } else if (action instanceof Action.Relay relay) {
      text = "copy " + relay.source().label() + " -> " + relay.target().label();
    } else if (action instanceof Action.Probe probe) {
      text = "probe of " + probe.server();
    } else if (action instanceof Action.IfTable ifTable) {
      text = "if " + ifTable.table().display() + " exists";
    } else if (action instanceof Action.BestEffort bestEffort) {
      text = bestEffort.what();
    } else if (action instanceof Action.Await await) {
      text = "wait on " + await.session().label() + " for " + await.what();
    } else if (action instanceof Action.CatchUp catchUp) {
      text = "catch-up of subscription " + catchUp.subscription();
    } else if (action instanceof Action.Choose choose) {
      text = "choice on " + choose.session().label() + " " + choose.condition().sql();
    } else {
      text = action.getClass().getSimpleName();
    }
    String line = text.replaceAll("\\s+", " ");
    return line.length() > 100 ? line.substring(0, 100) + "..." : line;
  }
}
