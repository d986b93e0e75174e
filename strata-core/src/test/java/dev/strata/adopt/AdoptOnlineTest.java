package dev.strata.adopt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.support.TestLayout;
import dev.strata.support.WriteLedger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code strata adopt} while applications write: a table with a serial primary key, two indexes, a
 * view, grants and a foreign key pointing at it is adopted while four writers insert, update and
 * delete and a fifth writes with {@code session_replication_role = replica} (which skips ordinary
 * triggers). Afterwards the table holds exactly the writers' acknowledged rows, and every object
 * still works on the partitioned table.
 */
class AdoptOnlineTest {

  @Test
  void adoptsWhileWritersWrite() throws Exception {
    runScenario("adopt_online_test", 50_000, 5_000);
  }

  @Test
  @Tag("slow")
  void adoptsAMillionRowsWhileWritersWrite() throws Exception {
    runScenario("adopt_online_million_test", 1_000_000, 50_000);
  }

  static void runScenario(String database, int rows, int batchRows) throws Exception {
    TestLayout layout = new TestLayout(database);
    layout.sql(
        layout.main(),
        "CREATE ROLE adopt_reader_" + database,
        "CREATE TABLE orders (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT"
            + " now(), customer int NOT NULL, amount bigint NOT NULL CHECK (amount >= 0), note text)",
        "COMMENT ON TABLE orders IS 'orders, adopted'",
        "COMMENT ON COLUMN orders.amount IS 'in cents'",
        "INSERT INTO orders (created_at, customer, amount) SELECT timestamptz '2024-01-01' + g *"
            + " interval '1 minute', g % 100, g FROM generate_series(1, "
            + rows
            + ") g",
        "CREATE INDEX orders_customer_idx ON orders (customer)",
        "CREATE INDEX orders_created_at_idx ON orders (created_at DESC)",
        "CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 1000",
        "CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM"
            + " orders'",
        "GRANT SELECT, INSERT ON orders TO adopt_reader_" + database,
        "GRANT SELECT ON big_orders TO adopt_reader_" + database,
        "GRANT USAGE ON SEQUENCE orders_id_seq TO adopt_reader_" + database,
        "CREATE TABLE order_lines (line int PRIMARY KEY, order_id bigint NOT NULL REFERENCES"
            + " orders (id))",
        "INSERT INTO order_lines SELECT g, g FROM generate_series(1, 100) g",
        "ANALYZE orders");
    List<WriteLedger> ledgers = new ArrayList<>();
    for (int w = 0; w < 5; w++) {
      WriteLedger ledger = new WriteLedger();
      ledgers.add(ledger);
    }
    // Rows above 1000 (order_lines refer to the first 100) are owned by writer id % 5.
    try (Connection connection = layout.main().connect(layout.database);
        var statement = connection.createStatement();
        ResultSet all = statement.executeQuery("SELECT id, customer, amount FROM orders")) {
      while (all.next()) {
        long id = all.getLong(1);
        ledgers.get((int) (id % 5)).own(id, all.getLong(2), all.getLong(3));
      }
    }
    List<Long> fixed = new ArrayList<>();
    for (WriteLedger ledger : ledgers) {
      for (int i = ledger.owned.size() - 1; i >= 0; i--) {
        if (ledger.owned.get(i) <= 1000) {
          fixed.add(ledger.owned.get(i));
          ledger.owned.set(i, ledger.owned.get(ledger.owned.size() - 1));
          ledger.owned.remove(ledger.owned.size() - 1);
        }
      }
    }
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < 5; w++) {
      WriteLedger ledger = ledgers.get(w);
      boolean replica = w == 4;
      Thread writer =
          new Thread(() -> write(layout, ledger, replica, stop, w(ledger, ledgers)), "writer-" + w);
      writers.add(writer);
      writer.start();
    }
    TableAdopter adopter = new TableAdopter(layout.connections(), AdoptProgress.NONE);
    AdoptResult result;
    try {
      Thread.sleep(300);
      result =
          adopter.adopt(
              new AdoptRequest(
                  dev.strata.sql.QualifiedName.parse("orders"),
                  "id",
                  Integer.toString(rows / 5),
                  Optional.of(KeyMode.INCLUDE_PARTITION_KEY),
                  batchRows,
                  false,
                  false));
      Thread.sleep(300);
    } finally {
      stop.set(true);
      for (Thread writer : writers) {
        writer.join(60_000);
      }
    }
    assertThat(result.state()).isEqualTo(AdoptState.DONE);
    assertThat(result.rowsCopied()).isGreaterThanOrEqualTo(rows - 5_000L);
    for (WriteLedger ledger : ledgers) {
      assertThat(ledger.unexpected).as("writer errors").isEmpty();
      assertThat(ledger.inserts + ledger.updates + ledger.deletes).isPositive();
    }
    try (Connection connection = layout.main().connect(layout.database)) {
      WriteLedger.Result check =
          WriteLedger.check(ledgers, connection, "SELECT id, customer, amount FROM orders");
      assertThat(check.lost).isZero();
      assertThat(check.duplicated).isZero();
      assertThat(check.phantom).isZero();
      assertThat(check.wrong).isZero();
      assertThat(check.expected).isGreaterThan(rows / 2);
    }
    String relkind =
        layout.queryString(
            layout.main(), "SELECT relkind FROM pg_class WHERE oid = 'orders'::regclass");
    assertThat(relkind).isEqualTo("p");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid ="
                    + " 'orders'::regclass AND contype = 'p'"))
        .isEqualTo("PRIMARY KEY (id)");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE"
                    + " indrelid = 'orders'::regclass"))
        .isEqualTo("orders_created_at_idx,orders_customer_idx,orders_pkey");
    assertThat(layout.queryString(layout.main(), "SELECT obj_description('orders'::regclass)"))
        .isEqualTo("orders, adopted");
    assertThat(layout.queryString(layout.main(), "SELECT col_description('orders'::regclass, 4)"))
        .isEqualTo("in cents");
    // The view reads the new table.
    assertThat(layout.queryString(layout.main(), "SELECT count(*) FROM big_orders"))
        .isEqualTo(
            layout.queryString(layout.main(), "SELECT count(*) FROM orders WHERE amount > 1000"));
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid WHERE"
                    + " r.ev_class = 'big_orders'::regclass AND d.refobjid = 'orders'::regclass"))
        .isNotEqualTo("0");
    // A function that reads the table by name reads the new one.
    assertThat(layout.queryString(layout.main(), "SELECT order_count()"))
        .isEqualTo(layout.queryString(layout.main(), "SELECT count(*) FROM orders"));
    assertThat(result.tablesEntry()).isEmpty();
    // Grants, through the role.
    layout.sql(
        layout.main(),
        "SET ROLE adopt_reader_" + database,
        "SELECT count(*) FROM orders",
        "SELECT count(*) FROM big_orders",
        "INSERT INTO orders (customer, amount) VALUES (1, 1)",
        "RESET ROLE");
    // The sequence belongs to the new table and continues after every id taken.
    assertThat(layout.queryString(layout.main(), "SELECT pg_get_serial_sequence('orders', 'id')"))
        .isEqualTo("public.orders_id_seq");
    assertThat(
            layout.queryString(
                layout.main(), "SELECT nextval('orders_id_seq') > (SELECT max(id) FROM orders)"))
        .isEqualTo("t");
    // The foreign key points at the new table, validated, and still refuses orphans.
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT confrelid::regclass::text || ' ' || convalidated FROM pg_constraint WHERE"
                    + " conrelid = 'order_lines'::regclass AND contype = 'f'"))
        .isEqualTo("orders true");
    assertThat(failure(layout, "INSERT INTO order_lines VALUES (100000, -5)"))
        .contains("violates foreign key constraint");
    assertThat(failure(layout, "INSERT INTO orders (customer, amount) VALUES (1, -1)"))
        .contains("violates check constraint");
    // Nothing of the adoption is left but the original, renamed aside.
    assertThat(
            layout.queryString(
                layout.main(), "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'strata_adopt%'"))
        .isEqualTo("0");
    assertThat(
            layout.queryString(
                layout.main(),
                "SELECT count(*) FROM pg_class WHERE relname LIKE 'adopt_log_%' OR relname ="
                    + " 'orders_strata_new'"))
        .isEqualTo("0");
    assertThat(layout.queryString(layout.main(), "SELECT to_regclass('orders_strata_old')"))
        .isEqualTo("orders_strata_old");
    assertThat(
            layout.queryString(
                layout.main(), "SELECT state FROM strata.adoption ORDER BY id DESC LIMIT 1"))
        .isEqualTo("done");
  }

  private static int w(WriteLedger ledger, List<WriteLedger> ledgers) {
    return ledgers.indexOf(ledger);
  }

  static String failure(TestLayout layout, String sql) {
    try {
      layout.sql(layout.main(), sql);
      return "";
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }

  static void write(
      TestLayout layout, WriteLedger ledger, boolean replica, AtomicBoolean stop, int seed) {
    Random random = new Random(seed);
    try (Connection connection = layout.main().connect(layout.database)) {
      if (replica) {
        connection.createStatement().execute("SET session_replication_role = replica");
      }
      while (!stop.get()) {
        int choice = random.nextInt(3);
        try {
          if (choice == 0 || ledger.owned.isEmpty()) {
            long customer = random.nextInt(1000);
            long amount = random.nextInt(100_000);
            try (PreparedStatement insert =
                connection.prepareStatement(
                    "INSERT INTO orders (customer, amount) VALUES (?, ?) RETURNING id")) {
              insert.setLong(1, customer);
              insert.setLong(2, amount);
              try (ResultSet id = insert.executeQuery()) {
                id.next();
                ledger.own(id.getLong(1), customer, amount);
                ledger.inserts++;
              }
            }
          } else if (choice == 1) {
            int index = random.nextInt(ledger.owned.size());
            long id = ledger.owned.get(index);
            long amount = random.nextInt(100_000);
            try (PreparedStatement update =
                connection.prepareStatement("UPDATE orders SET amount = ? WHERE id = ?")) {
              update.setLong(1, amount);
              update.setLong(2, id);
              if (update.executeUpdate() == 1) {
                ledger.rows.get(id)[1] = amount;
                ledger.updates++;
              } else {
                ledger.missing++;
              }
            }
          } else {
            int index = random.nextInt(ledger.owned.size());
            long id = ledger.owned.get(index);
            try (PreparedStatement delete =
                connection.prepareStatement("DELETE FROM orders WHERE id = ?")) {
              delete.setLong(1, id);
              if (delete.executeUpdate() == 1) {
                ledger.disown(index);
                ledger.deletes++;
              } else {
                ledger.missing++;
              }
            }
          }
        } catch (SQLException e) {
          ledger.unexpected.add(e.getSQLState() + " " + e.getMessage());
          if (ledger.unexpected.size() > 20) {
            return;
          }
        }
        // A busy application, not a saturating one: unthrottled writers on a shared two-core
        // machine write faster than any replay could follow, which is no adoption's workload.
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    } catch (SQLException e) {
      ledger.unexpected.add("connection: " + e.getMessage());
    }
  }
}
