package io.pgmlfollower.serving;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency direction of DEVELOPERS.md, checked on the production classes of every module:
 * pg-wire knows nothing of ML or stores; feature-store knows nothing of sources; replicator and
 * trainer depend only on feature-store; only serving wires them together; test fixtures stay out of
 * production code.
 */
class ArchitectureTest {
  private static final String BASE = "io.pgmlfollower.";
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    // Sibling modules arrive as jars (or target/classes) on the test classpath.
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.pgmlfollower");
  }

  @Test
  void pgWireKnowsNothingOfTheOtherModules() {
    check(
        noClasses()
            .that()
            .resideInAPackage(BASE + "pgwire..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                BASE + "featurestore..",
                BASE + "replicator..",
                BASE + "trainer..",
                BASE + "serving..",
                "smile..",
                "ml.dmlc.."));
  }

  @Test
  void featureStoreKnowsNothingOfSourcesOrModels() {
    check(
        noClasses()
            .that()
            .resideInAPackage(BASE + "featurestore..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                BASE + "replicator..", BASE + "trainer..", BASE + "serving..", BASE + "pgwire.."));
  }

  @Test
  void replicatorDependsOnlyOnFeatureStore() {
    check(
        noClasses()
            .that()
            .resideInAPackage(BASE + "replicator..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(BASE + "trainer..", BASE + "serving..", BASE + "pgwire.."));
  }

  @Test
  void trainerDependsOnlyOnFeatureStore() {
    check(
        noClasses()
            .that()
            .resideInAPackage(BASE + "trainer..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(BASE + "replicator..", BASE + "serving..", BASE + "pgwire.."));
  }

  @Test
  void productionCodeNeverUsesTestFixtures() {
    check(
        noClasses()
            .that()
            .resideOutsideOfPackage(BASE + "testing..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(BASE + "testing.."));
  }

  private static void check(ArchRule rule) {
    rule.check(classes);
  }
}
