package dev.strata.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A test of the PostgreSQL version matrix: run once per selected major version ({@code
 * -Dstrata.pg=14,15,16,17,18}; 18 alone by default), the version passed as its {@code int}
 * argument, and recorded per version and suite in {@code target/proof/postgres-versions.json}
 * ({@link MatrixResults}). Tagged {@code matrix}: a plain {@code mvn verify} skips it; CI and any
 * run with {@code -Dstrata.pg} run it (docs/reliability-versions.md).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "PostgreSQL {0}")
@MethodSource("dev.strata.support.MatrixVersions#selected")
@Tag("matrix")
@ExtendWith(MatrixResults.class)
public @interface VersionMatrix {
  /** The suite the test belongs to in the results: archive, restore, move, doctor, ... */
  String suite();
}
