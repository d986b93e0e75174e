package dev.strata.explain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.sql.QualifiedName;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reading statements and plan expressions, on text as PostgreSQL 18 prints it. */
class ExpressionTextTest {
  @Test
  void splitsAnAndListIntoConditions() {
    assertThat(
            ExpressionText.conjuncts(
                "((random() < '0.5'::double precision) AND (emp_1.\"time\" > (now() - '1"
                    + " year'::interval)))"))
        .containsExactly(
            "random() < '0.5'::double precision", "emp_1.\"time\" > (now() - '1 year'::interval)");
    assertThat(ExpressionText.conjuncts("(name = 'a AND b')")).containsExactly("name = 'a AND b'");
    assertThat(ExpressionText.conjuncts("((a = 1) OR (b = 2))"))
        .containsExactly("(a = 1) OR (b = 2)");
  }

  @Test
  void findsTheTopLevelClausesOfARemoteQuery() {
    String remote =
        "SELECT r1.id FROM (public.a r1 INNER JOIN public.b r2 ON (((r1.id = r2.id))))"
            + " WHERE ((r1.salary > 1::numeric)) AND ((r2.name = 'x WHERE y'))"
            + " ORDER BY r1.id ASC NULLS LAST LIMIT 5::bigint";
    assertThat(ExpressionText.remoteConditions(remote))
        .containsExactly("r1.salary > 1::numeric", "r2.name = 'x WHERE y'");
    assertThat(ExpressionText.remoteClause(remote, "order")).hasValue("r1.id ASC NULLS LAST");
    assertThat(ExpressionText.remoteClause(remote, "limit")).hasValue("5::bigint");
    assertThat(ExpressionText.remoteClause("SELECT NULL FROM public.emp_2024", "where")).isEmpty();
  }

  @Test
  void findsFunctionCallsButNotCastsKeywordsOrStrings() {
    assertThat(
            ExpressionText.functionCalls(
                "((salary)::numeric(10,2) > public.bonus(emp.salary)) AND (name <> 'now()')"
                    + " AND (x = ANY ('{1}'::character varying(3)[])) AND (t < LOCALTIMESTAMP)"
                    + " AND (EXTRACT(year FROM t) = 2024::numeric)"))
        .containsExactly(
            new ExpressionText.FunctionCall(Optional.of("public"), "bonus", false, "emp.salary"),
            new ExpressionText.FunctionCall(Optional.empty(), "localtimestamp", true, ""),
            new ExpressionText.FunctionCall(Optional.empty(), "extract", false, "year FROM t"));
    assertThat(
            ExpressionText.functionCalls("date_trunc('year'::text, emp.\"time\")")
                .get(0)
                .hasTextConstant())
        .isTrue();
    assertThat(ExpressionText.functionCalls("lower(emp.name)").get(0).hasTextConstant()).isFalse();
  }

  @Test
  void findsOperatorsAndColumnsAndGroupKeys() {
    assertThat(ExpressionText.operators("(emp.name % 'x'::text) AND (a OPERATOR(public.<->) b)"))
        .containsExactly("%", "<->");
    assertThat(ExpressionText.isColumn("(emp_1.\"time\")", "time")).isTrue();
    assertThat(ExpressionText.isColumn("\"time\"", "time")).isTrue();
    assertThat(ExpressionText.isColumn("(EXTRACT(year FROM emp.\"time\"))", "time")).isFalse();
    assertThat(ExpressionText.withoutTypeModifier("timestamp(3) without time zone"))
        .isEqualTo("timestamp without time zone");
    assertThat(ExpressionText.withoutTypeModifier("numeric(10,2)")).isEqualTo("numeric");
  }

  @Test
  void readsTheRelationsOfAPushedJoinOrAggregate() {
    assertThat(PlanWalk.parseRelations("Aggregate on (public.emp_2024 emp)"))
        .containsExactly(QualifiedName.of("public", "emp_2024"));
    assertThat(PlanWalk.parseRelations("(public.a r1) INNER JOIN (\"Odd Schema\".\"B\" r2)"))
        .containsExactly(QualifiedName.of("public", "a"), QualifiedName.of("Odd Schema", "B"));
  }

  @Test
  void readsTheStatementGiven() {
    StatementText plain = StatementText.of("  -- the yearly summary\n(SELECT 1 FROM Emp);  ");
    assertThat(plain.firstKeyword()).hasValue("SELECT");
    assertThat(plain.moreStatements()).isFalse();
    assertThat(plain.body()).isEqualTo("-- the yearly summary\n(SELECT 1 FROM Emp)");
    assertThat(plain.identifiers()).contains("emp", "select");
    assertThat(plain.isReading()).isTrue();

    assertThat(StatementText.of("SELECT ';'; DELETE FROM emp").moreStatements()).isTrue();
    assertThat(StatementText.of("SELECT $$;$$ /* ; */;;").moreStatements()).isFalse();
    assertThat(StatementText.of("delete from emp").isReading()).isFalse();
    assertThat(StatementText.of("  ;  -- nothing").isEmpty()).isTrue();
  }
}
