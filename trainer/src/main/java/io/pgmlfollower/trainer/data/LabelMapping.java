package io.pgmlfollower.trainer.data;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Maps classification labels to class indices 0..k-1 and back. Labels are sorted (numbers by value,
 * booleans false before true, text by Java's {@link String#compareTo}, i.e. by UTF-16 code unit),
 * so index 1 of a binary problem is the larger label ({@code true}, {@code 1}): the "positive"
 * class for precision, recall, roc_auc.
 *
 * <p>{@link #decode} returns the original label for numeric and boolean targets; for text targets
 * it returns the class index, because {@code pgml.predict} returns {@code real}. {@link #labels()}
 * says which text each index stands for.
 */
public final class LabelMapping {
  /** More distinct labels than this is almost surely a regression target. */
  public static final int MAX_CLASSES = 1000;

  private final double[] numericLabels;
  private final String[] textLabels;

  private LabelMapping(double[] numericLabels, String[] textLabels) {
    this.numericLabels = numericLabels;
    this.textLabels = textLabels;
  }

  public static LabelMapping ofNumeric(double[] sortedLabels) {
    return new LabelMapping(sortedLabels.clone(), null);
  }

  public static LabelMapping ofText(String[] sortedLabels) {
    return new LabelMapping(null, sortedLabels.clone());
  }

  /** The distinct labels of {@code target}, sorted. */
  public static LabelMapping fit(TargetValues target) {
    requireNonNull(target, "target is null");
    LabelMapping mapping =
        switch (target) {
          case TargetValues.Numeric numeric ->
              ofNumeric(Arrays.stream(numeric.values()).distinct().sorted().toArray());
          case TargetValues.Text text ->
              ofText(new TreeSet<>(Arrays.asList(text.values())).toArray(String[]::new));
        };
    if (mapping.numClasses() < 2) {
      throw new TrainerException(
          TrainerErrorCode.TRAINING_FAILED,
          "the target has a single value (%s): classification needs at least two classes"
              .formatted(mapping.labels().getFirst()));
    }
    if (mapping.numClasses() > MAX_CLASSES) {
      throw new TrainerException(
          TrainerErrorCode.TRAINING_FAILED,
          ("the target has %d distinct values, more than the %d classes supported: is this a"
                  + " regression target?")
              .formatted(mapping.numClasses(), MAX_CLASSES));
    }
    return mapping;
  }

  public int numClasses() {
    return numericLabels != null ? numericLabels.length : textLabels.length;
  }

  public boolean isText() {
    return textLabels != null;
  }

  /** The labels in class-index order: {@code Double}s, or {@code String}s for text targets. */
  public List<Object> labels() {
    return numericLabels != null
        ? Arrays.stream(numericLabels).boxed().map(Object.class::cast).toList()
        : List.of((Object[]) textLabels);
  }

  /** The class index of each target value. */
  public int[] encode(TargetValues target) {
    return switch (target) {
      case TargetValues.Numeric numeric -> {
        if (numericLabels == null) {
          throw new IllegalArgumentException("numeric target for a text label mapping");
        }
        int[] classes = new int[numeric.values().length];
        for (int i = 0; i < classes.length; i++) {
          int index = Arrays.binarySearch(numericLabels, numeric.values()[i]);
          if (index < 0) {
            throw new IllegalArgumentException("unknown label " + numeric.values()[i]);
          }
          classes[i] = index;
        }
        yield classes;
      }
      case TargetValues.Text text -> {
        if (textLabels == null) {
          throw new IllegalArgumentException("text target for a numeric label mapping");
        }
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < textLabels.length; i++) {
          index.put(textLabels[i], i);
        }
        int[] classes = new int[text.values().length];
        for (int i = 0; i < classes.length; i++) {
          Integer classIndex = index.get(text.values()[i]);
          if (classIndex == null) {
            throw new IllegalArgumentException("unknown label " + text.values()[i]);
          }
          classes[i] = classIndex;
        }
        yield classes;
      }
    };
  }

  /** What {@code pgml.predict} returns for a class: the numeric label, or the index for text. */
  public double decode(int classIndex) {
    if (classIndex < 0 || classIndex >= numClasses()) {
      throw new IllegalArgumentException("class index out of range: " + classIndex);
    }
    return numericLabels != null ? numericLabels[classIndex] : classIndex;
  }
}
