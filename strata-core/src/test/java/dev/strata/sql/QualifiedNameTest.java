package dev.strata.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QualifiedNameTest {
  @Test
  void readsNamesTheWaySqlDoes() {
    assertThat(QualifiedName.parse("emp")).isEqualTo(QualifiedName.of("public", "emp"));
    assertThat(QualifiedName.parse("Sales.Emp")).isEqualTo(QualifiedName.of("sales", "emp"));
    // PostgreSQL lower-cases only ASCII letters of an unquoted name.
    assertThat(QualifiedName.parse("Ünicode_Émp"))
        .isEqualTo(QualifiedName.of("public", "Ünicode_émp".replace("é", "É")));
    assertThat(QualifiedName.parse("orders", "sales"))
        .isEqualTo(QualifiedName.of("sales", "orders"));
    assertThat(QualifiedName.parse("\"a.b\"", "sales")).isEqualTo(QualifiedName.of("sales", "a.b"));
    assertThat(QualifiedName.parse("\"Sales\".\"Emp\""))
        .isEqualTo(QualifiedName.of("Sales", "Emp"));
    assertThat(QualifiedName.parse("\"we\"\"ird; name\"").name()).isEqualTo("we\"ird; name");
    assertThat(QualifiedName.parse("données.relevé"))
        .isEqualTo(QualifiedName.of("données", "relevé"));
  }

  @Test
  void quotesEveryPartForSql() {
    assertThat(QualifiedName.of("public", "emp").quoted()).isEqualTo("\"public\".\"emp\"");
    assertThat(QualifiedName.of("s", "a\"b").quoted()).isEqualTo("\"s\".\"a\"\"b\"");
    assertThat(QualifiedName.of("public", "Emp").display()).isEqualTo("public.\"Emp\"");
    assertThat(QualifiedName.of("public", "emp").display()).isEqualTo("public.emp");
  }

  @Test
  void rejectsWhatSqlWouldMisread() {
    assertThatThrownBy(() -> QualifiedName.parse("emp; DROP TABLE x"))
        .hasMessageContaining("not allowed in an unquoted name");
    assertThatThrownBy(() -> QualifiedName.parse("a.b.c")).hasMessageContaining("SCHEMA.NAME");
    assertThatThrownBy(() -> QualifiedName.parse("\"open")).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> QualifiedName.parse("x".repeat(64))).hasMessageContaining("63 bytes");
    assertThatThrownBy(() -> QualifiedName.parse("")).hasMessageContaining("empty");
  }

  @Test
  void literalsDoubleSingleQuotes() {
    assertThat(Identifiers.literal("it's")).isEqualTo("'it''s'");
    assertThatThrownBy(() -> Identifiers.literal("a\0b")).hasMessageContaining("NUL");
  }
}
