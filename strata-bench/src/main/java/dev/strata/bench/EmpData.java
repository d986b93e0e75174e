package dev.strata.bench;

import java.util.List;

/**
 * The seed's {@code emp} table (seed 000, step 2) and the rows the benchmark fills it with.
 *
 * <p>Every yearly partition gets the same generated rows, only shifted to its own year, so each
 * method moves data of exactly the same shape and size. The values are deterministic (no {@code
 * random()}): names from 20 first and 25 last names, seven departments with about 2% NULL, salaries
 * from 40,000.00 to 159,999.99 spread by {@code hashint4} with about 1% NULL, and timestamps evenly
 * spread over the first 365 days of the year (with microseconds, as real event times have).
 */
final class EmpData {
  static final String PARENT = "public.emp";
  static final String COLUMNS = "id, name, time, department, salary";

  /** Seed 000's columns; also used for the remote tables of the non-Strata methods. */
  static final String COLUMN_DEFINITIONS =
      "id int NOT NULL, name text NOT NULL, time timestamp NOT NULL, department text,"
          + " salary numeric(10,2)";

  private static final String FIRST_NAMES =
      "ARRAY['Alice','Bob','Carol','David','Emma','Frank','Grace','Henry','Ivy','Jack','Kate',"
          + "'Liam','Mia','Noah','Olivia','Paul','Quinn','Rosa','Sam','Tara']";
  private static final String LAST_NAMES =
      "ARRAY['Anderson','Brown','Clark','Davis','Evans','Garcia','Harris','Jackson','Johnson',"
          + "'Lee','Lewis','Martinez','Miller','Moore','Nguyen','Robinson','Rodriguez','Smith',"
          + "'Taylor','Thomas','Thompson','Walker','White','Williams','Wilson']";
  private static final String DEPARTMENTS =
      "ARRAY['Engineering','Sales','Marketing','Product','Finance','Support','Operations']";

  private static final long SECONDS_PER_365_DAYS = 365L * 24 * 3600;

  private EmpData() {}

  static String createParent() {
    return "CREATE TABLE " + PARENT + " (" + COLUMN_DEFINITIONS + ") PARTITION BY RANGE (time)";
  }

  static String partition(int year) {
    return "public.emp_" + year;
  }

  static String partitionName(int year) {
    return "emp_" + year;
  }

  static String createYearPartition(int year) {
    return "CREATE TABLE "
        + partition(year)
        + " PARTITION OF "
        + PARENT
        + " FOR VALUES FROM ("
        + yearStart(year)
        + ") TO ("
        + yearStart(year + 1)
        + ")";
  }

  /** {@code 'YYYY-01-01'}, the literal of a partition bound and of the reader's range. */
  static String yearStart(int year) {
    return "'" + year + "-01-01'";
  }

  /** Fills the (empty) partition of {@code year} with rows 1..{@code rows}. */
  static String fill(int year, long rows) {
    return "INSERT INTO "
        + partition(year)
        + " ("
        + COLUMNS
        + ")\nSELECT g,\n  ("
        + FIRST_NAMES
        + ")[1 + g % 20] || ' ' || ("
        + LAST_NAMES
        + ")[1 + (g / 20) % 25],\n  timestamp "
        + yearStart(year)
        + " + ((g - 1) * ("
        + SECONDS_PER_365_DAYS
        + ".0 / "
        + rows
        + "))::float8 * interval '1 second',\n"
        + "  CASE WHEN g % 53 = 0 THEN NULL ELSE ("
        + DEPARTMENTS
        + ")[1 + (g / 3) % 7] END,\n"
        + "  CASE WHEN g % 101 = 0 THEN NULL"
        + " ELSE (40000 + ((hashint4(g) & 2147483647) % 12000000) / 100.0)::numeric(10,2) END\n"
        + "FROM generate_series(1, "
        + rows
        + ") g";
  }

  /** The seed's indexes on a partition (seed 000 indexes time and name). */
  static List<String> createIndexes(int year) {
    return List.of(
        "CREATE INDEX " + partitionName(year) + "_time_idx ON " + partition(year) + " (time)",
        "CREATE INDEX " + partitionName(year) + "_name_idx ON " + partition(year) + " (name)");
  }

  /** A plain table with the seed's columns, the target of the non-Strata methods. */
  static String createRemoteTable(String qualifiedName) {
    return "CREATE TABLE " + qualifiedName + " (" + COLUMN_DEFINITIONS + ")";
  }
}
