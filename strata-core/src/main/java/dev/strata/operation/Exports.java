package dev.strata.operation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.strata.ErrorCode;
import dev.strata.FileErrors;
import dev.strata.StrataException;
import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.PartitionBound;
import dev.strata.catalog.PartitionedTable;
import dev.strata.connect.Database;
import dev.strata.sql.QualifiedName;
import dev.strata.verify.Fingerprint;
import dev.strata.verify.Fingerprints;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.postgresql.PGConnection;

/**
 * Exports of retired partitions and their re-import.
 *
 * <p>An export is two files in the configured directory: {@code SCHEMA.PARTITION.opID.copy.gz}, the
 * rows in PostgreSQL's COPY text format, gzip-compressed; and {@code ...manifest.json}, which names
 * the table, bound and columns, and records the row count, Strata's checksum of the rows, and the
 * sha256 of the compressed file. Both are written to a temporary name and renamed into place, the
 * manifest last, so a manifest only exists for a complete export.
 *
 * <p>Text COPY output depends on session settings (dates, time zones, floats), so export and import
 * both run with {@link Fingerprints#SESSION_SETTINGS}; the import verifies the sha256 before
 * reading, and the row count and checksum after loading, before it commits.
 */
public final class Exports {
  public static final String FORMAT = "strata-export-1";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Exports() {}

  /** A column as the manifest records it. */
  public record ManifestColumn(String name, String type, boolean notNull) {}

  /**
   * The manifest of one export.
   *
   * @param format {@link #FORMAT}
   * @param table the parent it was a partition of
   * @param partition the partition's name
   * @param bound the partition's bound as PostgreSQL printed it
   * @param columns the columns, in COPY order
   * @param rows row count
   * @param checksum Strata's order-independent checksum of the rows
   * @param dataFile the compressed data file's name, in the manifest's directory
   * @param sha256 sha256 of the compressed data file
   * @param bytes size of the compressed data file
   * @param server where the rows were read from
   * @param operation the retire operation that wrote it
   * @param createdAt when
   */
  public record Manifest(
      String format,
      String table,
      String partition,
      String bound,
      List<ManifestColumn> columns,
      long rows,
      String checksum,
      String dataFile,
      String sha256,
      long bytes,
      String server,
      long operation,
      String createdAt) {}

  /**
   * The export's file names without their endings: {@code schema.partition.opID}, every character
   * but letters, digits, {@code _}, {@code -} and {@code .} replaced by {@code _}, and never
   * starting with a dot: a name may hold {@code /} or {@code ..}, and must not put a file outside
   * the export directory. The operation id keeps names that map to the same text apart.
   */
  static String baseName(Operation operation) {
    String text =
        operation.partition().schema()
            + "."
            + operation.partition().name()
            + ".op"
            + operation.id();
    StringBuilder safe = new StringBuilder();
    text.codePoints()
        .forEach(
            c ->
                safe.appendCodePoint(
                    Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.' ? c : '_'));
    if (safe.charAt(0) == '.') {
      safe.setCharAt(0, '_');
    }
    return safe.toString();
  }

  /**
   * Creates the export directory if it is missing and checks that it can be written to, before a
   * retire begins: a file in the way, or a directory without write permission, is found while the
   * partition is still untouched.
   */
  static void prepareDirectory(Path directory, QualifiedName partition) {
    String problem = null;
    Throwable cause = null;
    try {
      Files.createDirectories(directory);
      if (!Files.isWritable(directory)) {
        problem = "permission denied";
      }
    } catch (IOException e) {
      // Described as for a file inside it, so that the directory itself counts among the
      // ancestors that may be a file in the way.
      problem = FileErrors.describe(directory.resolve("export"), e);
      cause = e;
    }
    if (problem != null) {
      throw new StrataException(
          ErrorCode.CONFIG,
          "cannot export "
              + partition.display()
              + " to "
              + directory
              + " (export_before_retire): "
              + problem,
          "set export_before_retire to a directory Strata can create and write to; nothing was"
              + " retired ("
              + partition.display()
              + " is untouched)",
          cause);
    }
  }

  static Manifest write(
      Database source,
      QualifiedName table,
      PartitionedTable parent,
      Operation operation,
      RangeBounds bounds,
      Path directory) {
    String base = baseName(operation);
    Path data = directory.resolve(base + ".copy.gz");
    Path manifestPath = directory.resolve(base + ".manifest.json");
    try {
      Files.createDirectories(directory);
      applySessionSettings(source);
      Fingerprint fingerprint =
          Fingerprints.of(
              source, table, parent.columns(), bounds.outsideCondition(), bounds.parameters());
      Path partial = directory.resolve(base + ".copy.gz.partial");
      MessageDigest sha256 = sha256();
      long rows;
      try (OutputStream file = Files.newOutputStream(partial);
          DigestOutputStream digest = new DigestOutputStream(file, sha256);
          GZIPOutputStream gzip = new GZIPOutputStream(digest, 1 << 16)) {
        rows =
            source
                .connection()
                .unwrap(PGConnection.class)
                .getCopyAPI()
                .copyOut(MoveStatements.copyOutText(table, parent.columns(), ""), gzip);
      }
      if (rows != fingerprint.rows()) {
        throw new StrataException(
            ErrorCode.CHECK_FAILED,
            "the export of "
                + operation.partition().display()
                + " wrote "
                + rows
                + " rows but the partition has "
                + fingerprint.rows(),
            "nothing was retired; run again");
      }
      Files.move(
          partial, data, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Manifest manifest =
          new Manifest(
              FORMAT,
              operation.parent().display(),
              operation.partition().display(),
              operation.bound(),
              parent.columns().stream()
                  .map(c -> new ManifestColumn(c.name(), c.type(), c.notNull()))
                  .toList(),
              rows,
              fingerprint.checksum().toPlainString(),
              data.getFileName().toString(),
              HexFormat.of().formatHex(sha256.digest()),
              Files.size(data),
              source.serverName(),
              operation.id(),
              OffsetDateTime.now(ZoneOffset.UTC).toString());
      Path partialManifest = directory.resolve(base + ".manifest.json.partial");
      JSON.writeValue(partialManifest.toFile(), manifest);
      Files.move(
          partialManifest,
          manifestPath,
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      return manifest;
    } catch (IOException e) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "cannot write the export of "
              + operation.partition().display()
              + " to "
              + directory
              + ": "
              + FileErrors.describe(data, e),
          "check export_before_retire and the free space there; nothing was retired",
          e);
    } catch (SQLException e) {
      throw source.failure("COPY ... TO STDOUT", e);
    }
  }

  /** What an import did. */
  public record ImportResult(QualifiedName partition, long rows, String checksum) {}

  /** A checked import: what will be created and from which files. */
  public record ImportPlan(
      Manifest manifest,
      Path data,
      QualifiedName table,
      QualifiedName partition,
      PartitionedTable parent,
      RangeBounds bounds,
      BigDecimal checksum) {
    /**
     * The partition's DDL, rendered from the bound as the coordinator parsed and cast it (never
     * from the manifest's text).
     */
    String createPartition() {
      return "CREATE TABLE "
          + partition.quoted()
          + " PARTITION OF "
          + table.quoted()
          + " "
          + bounds.toSql();
    }

    String copyIn() {
      return "COPY "
          + partition.quoted()
          + " ("
          + MoveStatements.columnList(parent.columns())
          + ") FROM STDIN";
    }

    /** The statements the import runs, in one transaction, for {@code --dry-run}. */
    public List<String> statements() {
      List<String> lines = new ArrayList<>();
      lines.add("BEGIN;");
      lines.add(createPartition() + ";");
      Fingerprints.SESSION_SETTINGS.forEach(setting -> lines.add(setting + ";"));
      lines.add(copyIn() + ";  -- data: " + data + " (gzip)");
      lines.add(
          "-- the rows' count and checksum, which must equal the manifest's ("
              + manifest.rows()
              + " rows, checksum "
              + manifest.checksum()
              + "; the text hash where a column type has no extended hash):");
      lines.add(plannedFingerprint(partition, parent, bounds));
      lines.add("COMMIT;");
      return lines;
    }
  }

  /**
   * Checks an export before importing it: the manifest, the data file's sha256, the target table's
   * columns, and that the partition name is free. Changes nothing.
   *
   * <p>Every field of the manifest is untrusted input: a file can be edited or crafted. Names are
   * parsed as names, the bound as a bound (nothing may follow it) whose values the coordinator
   * casts to the key's type, the data file must be a plain file name next to the manifest, and the
   * columns must equal the table's; SQL is rendered from the parsed values only.
   *
   * @param file the manifest, or the data file next to it
   */
  public static ImportPlan planImport(
      Database coordinator, Path file, Optional<QualifiedName> into, Optional<String> name) {
    Path manifestPath =
        file.getFileName().toString().endsWith(".copy.gz")
            ? file.resolveSibling(
                file.getFileName().toString().replace(".copy.gz", ".manifest.json"))
            : file;
    Manifest manifest;
    try {
      manifest = JSON.readValue(manifestPath.toFile(), Manifest.class);
    } catch (IOException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "cannot read the export manifest "
              + manifestPath
              + ": "
              + FileErrors.describe(manifestPath, e),
          "give the .manifest.json file that `strata apply` wrote next to the .copy.gz file;"
              + " nothing was imported");
    }
    if (manifest == null || !FORMAT.equals(manifest.format())) {
      throw new StrataException(
          ErrorCode.USAGE,
          manifestPath
              + " is not a Strata export manifest (format "
              + (manifest == null ? "missing" : manifest.format())
              + ", expected "
              + FORMAT
              + ")",
          "give the .manifest.json file that `strata apply` wrote (export_before_retire) with this"
              + " version of Strata; nothing was imported");
    }
    String dataFile = manifest.dataFile();
    if (dataFile == null
        || !dataFile.endsWith(".copy.gz")
        || dataFile.contains("/")
        || dataFile.contains("\\")
        || dataFile.startsWith(".")) {
      throw badField(manifestPath, "dataFile", dataFile, "a file name next to the manifest");
    }
    Path data = manifestPath.resolveSibling(dataFile);
    String actual = sha256Of(data);
    if (!actual.equals(manifest.sha256())) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          data
              + " is damaged: its sha256 is "
              + actual
              + ", the manifest says "
              + manifest.sha256(),
          "restore the file from a backup copy; nothing was imported");
    }
    QualifiedName table = into.orElseGet(() -> parseName(manifestPath, "table", manifest.table()));
    QualifiedName partition =
        name.isPresent()
            ? partitionName(name.get(), table)
            : parseName(manifestPath, "partition", manifest.partition());
    PartitionBound.Range range = parseRange(manifestPath, manifest.bound());
    BigDecimal checksum;
    try {
      checksum = Fingerprints.parseChecksum(String.valueOf(manifest.checksum()));
    } catch (NumberFormatException e) {
      throw badField(manifestPath, "checksum", manifest.checksum(), "a decimal number");
    }
    if (manifest.rows() < 0) {
      throw badField(
          manifestPath, "rows", Long.toString(manifest.rows()), "a count of rows (0 or more)");
    }
    CatalogReader catalog = new CatalogReader(coordinator);
    PartitionedTable parent = catalog.partitionedTable(table);
    List<ManifestColumn> expected =
        parent.columns().stream()
            .map(c -> new ManifestColumn(c.name(), c.type(), c.notNull()))
            .toList();
    if (!expected.equals(manifest.columns())) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "the export's columns ("
              + columnList(manifest.columns())
              + ") differ from "
              + table.display()
              + "'s ("
              + columnList(expected)
              + ")",
          "import into a table with the same columns (--into); nothing was imported");
    }
    if (catalog.findRelation(partition).isPresent()) {
      throw new StrataException(
          ErrorCode.INVALID_TARGET,
          partition.display() + " already exists",
          "choose another name with --name; nothing was imported");
    }
    if (parent.strategy() != dev.strata.catalog.PartitionStrategy.RANGE
        || parent.keyColumns().size() != 1
        || range.from().size() != 1) {
      throw new StrataException(
          ErrorCode.CHECK_FAILED,
          "the export's bound "
              + range.sql()
              + " does not fit "
              + table.display()
              + ", partitioned by "
              + parent.keyDefinition(),
          "import into a table range-partitioned on one column (--into); nothing was imported");
    }
    Column key = parent.column(parent.keyColumns().get(0)).orElseThrow();
    RangeBounds bounds =
        RangeBounds.normalise(
            coordinator,
            key,
            boundText(range.from().get(0)),
            boundText(range.to().get(0)),
            "the manifest's bound");
    return new ImportPlan(manifest, data, table, partition, parent, bounds, checksum);
  }

  /**
   * Brings an export back as a local partition of its table (or {@code into}), verified: the sha256
   * before reading, the row count and checksum before committing.
   */
  public static ImportResult importFile(
      Database coordinator, Path file, Optional<QualifiedName> into, Optional<String> name) {
    ImportPlan plan = planImport(coordinator, file, into, name);
    try {
      return load(coordinator, plan);
    } catch (StrataException e) {
      throw notImported(plan, e);
    }
  }

  /** Creates the partition and loads the rows, verified, in one transaction. */
  private static ImportResult load(Database coordinator, ImportPlan plan) {
    Manifest manifest = plan.manifest();
    Path data = plan.data();
    QualifiedName partition = plan.partition();
    PartitionedTable parent = plan.parent();
    RangeBounds bounds = plan.bounds();
    return coordinator.inTransaction(
        db -> {
          db.execute(plan.createPartition());
          for (String setting : Fingerprints.SESSION_SETTINGS) {
            db.execute(setting);
          }
          try (InputStream in = new GZIPInputStream(Files.newInputStream(data), 1 << 16)) {
            db.connection().unwrap(PGConnection.class).getCopyAPI().copyIn(plan.copyIn(), in);
          } catch (IOException e) {
            // Its sha256 matched the manifest's, so the file was damaged before the manifest was
            // written, or both were edited.
            throw new StrataException(
                ErrorCode.CHECK_FAILED,
                "cannot read "
                    + data
                    + " as the export's gzip-compressed rows: "
                    + FileErrors.describe(data, e),
                "restore the export (both files) from a backup copy; nothing was imported",
                e);
          }
          Fingerprint loaded =
              Fingerprints.of(
                  db, partition, parent.columns(), bounds.outsideCondition(), bounds.parameters());
          if (loaded.rows() != manifest.rows()
              || loaded.checksum().compareTo(plan.checksum()) != 0) {
            throw new StrataException(
                ErrorCode.CHECK_FAILED,
                "the imported rows ("
                    + loaded
                    + ") differ from the manifest ("
                    + manifest.rows()
                    + " rows, checksum "
                    + manifest.checksum()
                    + ")",
                "nothing was imported");
          }
          Failpoints.hit("import.before_commit");
          return new ImportResult(partition, loaded.rows(), loaded.checksum().toPlainString());
        });
  }

  /**
   * A failed load, said as what it means for the import: the transaction was rolled back, so
   * nothing was imported. A bound that overlaps a partition of the table (SQLSTATE 42P17) is a
   * target that does not fit, like a name that is taken.
   */
  private static StrataException notImported(ImportPlan plan, StrataException e) {
    if (e.code() == ErrorCode.INTERNAL) {
      return e;
    }
    if (e.getCause() instanceof SQLException sql && "42P17".equals(sql.getSQLState())) {
      return new StrataException(
          ErrorCode.INVALID_TARGET,
          "the export's bound "
              + plan.bounds().toSql()
              + " does not fit "
              + plan.table().display()
              + ": "
              + e.getMessage(),
          "check the bounds against `strata status "
              + plan.table().display()
              + "`, or import into another table with --into; nothing was imported",
          e);
    }
    String hint = e.hint();
    if (hint != null && hint.contains("nothing was imported")) {
      return e;
    }
    return new StrataException(
        e.code(),
        e.getMessage(),
        (hint == null ? "" : hint + "; ")
            + "nothing was imported (the import's transaction was rolled back)",
        e);
  }

  /** {@code id integer NOT NULL, note text}: columns as a user reads them in a message. */
  private static String columnList(List<ManifestColumn> columns) {
    if (columns == null) {
      return "none";
    }
    return String.join(
        ", ",
        columns.stream()
            .map(
                c ->
                    c == null
                        ? "null"
                        : c.name()
                            + " "
                            + abbreviate(String.valueOf(c.type()))
                            + (c.notNull() ? " NOT NULL" : ""))
            .toList());
  }

  /** {@code --name}: without a schema, the partition goes into its table's schema. */
  private static QualifiedName partitionName(String text, QualifiedName table) {
    try {
      return QualifiedName.parse(text, table.schema());
    } catch (IllegalArgumentException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "--name: " + e.getMessage(),
          "write NAME or SCHEMA.NAME; use double quotes for names with capitals or special"
              + " characters");
    }
  }

  private static QualifiedName parseName(Path manifest, String field, String text) {
    if (text == null) {
      throw badField(manifest, field, null, "a table name");
    }
    try {
      return QualifiedName.parse(text);
    } catch (IllegalArgumentException e) {
      throw badField(manifest, field, text, "a table name (" + e.getMessage() + ")");
    }
  }

  private static PartitionBound.Range parseRange(Path manifest, String text) {
    if (text == null) {
      throw badField(manifest, "bound", null, "a range bound");
    }
    try {
      if (PartitionBound.parse(text) instanceof PartitionBound.Range range) {
        return range;
      }
    } catch (IllegalArgumentException e) {
      throw badField(manifest, "bound", text, "a range bound (" + e.getMessage() + ")");
    }
    throw badField(manifest, "bound", text, "a range bound, FOR VALUES FROM (...) TO (...)");
  }

  private static String boundText(PartitionBound.BoundValue value) {
    return value.isMinValue() ? "MINVALUE" : value.isMaxValue() ? "MAXVALUE" : value.text();
  }

  private static StrataException badField(
      Path manifest, String field, String value, String expected) {
    return new StrataException(
        ErrorCode.USAGE,
        "the export manifest "
            + manifest
            + " is not valid: "
            + field
            + " is "
            + (value == null ? "missing" : "\"" + abbreviate(value) + "\"")
            + ", expected "
            + expected,
        "give the .manifest.json file that `strata apply` wrote, unchanged; nothing was imported");
  }

  private static String abbreviate(String value) {
    return value.length() <= 120 ? value : value.substring(0, 117) + "...";
  }

  private static void applySessionSettings(Database source) {
    for (String setting : sessionSettings()) {
      source.execute(setting);
    }
  }

  /** The export's session settings: how values print in its text COPY and checksum. */
  private static List<String> sessionSettings() {
    return Fingerprints.SESSION_SETTINGS.stream()
        .map(setting -> setting.replace("SET LOCAL", "SET"))
        .toList();
  }

  /**
   * What {@link #write} runs on the server it reads {@code source} from, for dry runs: the session
   * settings, the rows' fingerprint in one transaction (shown in the record form; a column type
   * without an extended hash makes it the text form), and the COPY whose output is compressed into
   * the data file.
   */
  static List<String> plannedReads(Database control, Operation operation, QualifiedName source) {
    PartitionedTable parent = new CatalogReader(control).partitionedTable(operation.parent());
    Column key = parent.column(parent.keyColumns().get(0)).orElseThrow();
    RangeBounds bounds =
        RangeBounds.of((PartitionBound.Range) PartitionBound.parse(operation.bound()), key);
    List<String> lines = new ArrayList<>();
    sessionSettings().forEach(setting -> lines.add(setting + ";"));
    lines.add("BEGIN;");
    Fingerprints.SESSION_SETTINGS.forEach(setting -> lines.add(setting + ";"));
    lines.add(plannedFingerprint(source, parent, bounds));
    lines.add("COMMIT;");
    lines.add(MoveStatements.copyOutText(source, parent.columns(), "") + ";");
    return lines;
  }

  /**
   * The rows' fingerprint as a dry run shows it: in the record form, which {@link
   * Fingerprints#of(Database, QualifiedName, List, String, Object...)} falls back from to the text
   * form when a column type has no extended hash.
   */
  private static String plannedFingerprint(
      QualifiedName table, PartitionedTable parent, RangeBounds bounds) {
    return Fingerprints.statement(
            table,
            parent.columns(),
            bounds.outsideCondition(),
            bounds.parameters(),
            Fingerprints.Form.RECORD)
        .render();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  static String sha256Of(Path file) {
    MessageDigest digest = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new StrataException(
          ErrorCode.USAGE,
          "cannot read the export's data file " + file + ": " + FileErrors.describe(file, e),
          "keep the .copy.gz file next to its .manifest.json, as `strata apply` wrote them;"
              + " nothing was imported",
          e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
